"""Sync through a fault-injecting proxy: lost requests, lost responses, duplicated and delayed
requests, and a seeded mix of all of them. Real server process, real phone stores, the real
client and service; only the link misbehaves.

After every run and "recovery" (faults off, sync again until the outbox is empty):
every visit a phone made is on the server exactly once (one row, one `created` audit entry,
same content), every household too, no phone has anything left to send or refused, nothing
is marked synced on a phone that the server does not hold, the server never answered 5xx,
and the coverage kept incrementally (tallies) equals the coverage computed from the rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from server_sync import db, models
from storage import Repository
from survey.records import Household, Status, Visit
from sync.client import SyncClient
from sync.service import enrol, sync_once
from tests.survey.builders import adult, child, completed_visit, other_visit

from .conftest import Server
from .faultproxy import Fault, FaultProxy

HAMLETS = {"Hoa": "na-pan", "Tú": "na-pan", "Cáp": "khuoi-cap"}


@dataclass
class Phone:
    name: str
    hamlet: str
    repo: Repository
    client: SyncClient
    waits: list[float] = field(default_factory=list)
    visits: set[str] = field(default_factory=set)  # every visit this phone made
    households: set[str] = field(default_factory=set)
    made: int = 0

    def register(self, rng: random.Random) -> Household:
        self.made += 1
        home = Household(
            hamlet_id=self.hamlet,
            head_name=f"Hộ {self.name} {self.made}",
            phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            created_at=f"2026-06-{1 + self.made % 28:02d}T08:00:00.000+00:00",
        )
        home.complete()
        self.repo.save_household(home)
        self.households.add(home.id)
        return home

    def visit(self, rng: random.Random, home: Household | None = None) -> Visit:
        home = home or self.repo.household(rng.choice(sorted(self.households)))
        self.made += 1
        when = f"2026-{rng.randint(7, 10):02d}-{rng.randint(1, 28):02d}T{rng.randint(7, 17):02d}:{self.made % 60:02d}:00.000+00:00"
        if rng.random() < 0.8:
            visit = completed_visit(
                home, visited_at=when, members=[adult(rng.randint(1950, 2000)), child(rng.randint(2013, 2022))]
            )
        else:
            visit = other_visit(home, rng.choice(["nobody_home", "declined"]), visited_at=when)
        visit.complete()
        self.repo.save_visit(visit)
        self.visits.add(visit.id)
        return visit

    def edit_household(self, rng: random.Random) -> Household:
        home = self.repo.household(rng.choice(sorted(self.households)))
        home.phone = f"08{rng.randint(10_000_000, 99_999_999)}"
        home.touch()
        if home.status is Status.SYNCED:
            home.complete()
        self.repo.save_household(home)
        return home

    def sync(self):
        return sync_once(self.repo, self.client)


def make_phone(tmp_path: Path, server: Server, proxy: FaultProxy, name: str, **client_options) -> Phone:
    repo = Repository(tmp_path / f"phone-{name}")
    enrol(repo, SyncClient(server.url), server.code(name), f"điện thoại của {name}")
    phone = Phone(name, HAMLETS[name], repo, SyncClient(proxy.url), [])
    options = {"retries": 2, "backoff": 0.01, "connect_timeout": 2.0, "read_timeout": 5.0, **client_options}
    phone.client = SyncClient(proxy.url, token=repo.setting("token"), sleep=_recording(phone.waits), **options)
    return phone


def _recording(waits: list[float]):
    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(min(seconds, 0.05))  # a real, small backoff

    return sleep


@pytest.fixture
def proxy(server: Server) -> Iterator[FaultProxy]:
    with FaultProxy(server.url) as running:
        yield running


# -- what must hold ------------------------------------------------------------------------------
def server_rows(server: Server) -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str], int], int]:
    engine = db.make_engine(server.database_url)
    try:
        with db.session_factory(engine)() as session:
            visits = dict(session.execute(select(models.Visit.id, models.Visit.fingerprint)).all())
            homes = dict(session.execute(select(models.Household.id, models.Household.fingerprint)).all())
            created = {
                (kind, record): n
                for kind, record, n in session.execute(
                    select(models.Audit.kind, models.Audit.record_id, func.count())
                    .where(models.Audit.action == "created")
                    .group_by(models.Audit.kind, models.Audit.record_id)
                )
            }
            refused = session.scalar(
                select(func.count()).select_from(models.Audit).where(models.Audit.action == "refused")
            )
            session.rollback()
    finally:
        engine.dispose()
    return visits, homes, created, refused


def phone_records(phone: Phone) -> tuple[list[Household], list[Visit]]:
    homes = [row.household for hamlet in phone.repo.hamlets() for row in phone.repo.households(hamlet.id)]
    visits = [v for home in homes for v in phone.repo.visits_of(home.id)]
    return homes, visits


def assert_nothing_synced_that_the_server_lacks(server: Server, phones: list[Phone]) -> None:
    visits, homes, _, _ = server_rows(server)
    for phone in phones:
        local_homes, local_visits = phone_records(phone)
        for home in local_homes:
            if home.status is Status.SYNCED:
                assert home.id in homes, f"{phone.name}: household {home.id} synced but not on the server"
                if home.id in phone.households:  # another phone may have changed a roster copy since
                    assert homes[home.id] == home.fingerprint(), f"{phone.name}: {home.id} synced with other content"
        for visit in local_visits:
            if visit.status is Status.SYNCED:
                assert visits.get(visit.id) == visit.fingerprint(), (
                    f"{phone.name}: visit {visit.id} synced but not on the server"
                )


def assert_everything_once(server: Server, phones: list[Phone], proxy: FaultProxy) -> None:
    proxy.wait_idle()
    visits, homes, created, refused = server_rows(server)
    made_visits = set().union(*(p.visits for p in phones))
    made_homes = set().union(*(p.households for p in phones))
    assert set(visits) == made_visits, "the server holds exactly the visits the phones made"
    assert set(homes) == made_homes
    assert all(created.get(("visit", v)) == 1 for v in made_visits), "each visit created exactly once"
    assert all(created.get(("household", h)) == 1 for h in made_homes)
    assert refused == 0, "no re-send was ever taken for a changed visit"
    for phone in phones:
        assert len(phone.repo.outbox()) == 0 and phone.repo.rejected() == [], phone.name
        for visit_id in phone.visits:
            assert visits[visit_id] == phone.repo.visit(visit_id).fingerprint()
        for home_id in phone.households:
            assert homes[home_id] == phone.repo.household(home_id).fingerprint(), "the latest edit won"
    assert_nothing_synced_that_the_server_lacks(server, phones)
    assert all(s < 500 for e in proxy.exchanges() for s in e.upstream_statuses), "no server error"
    # the incrementally kept tallies agree with coverage computed from the rows themselves
    token = phones[0].repo.setting("token")
    current, recomputed = (
        requests.get(
            f"{server.url}/api/v1/coverage", params=params, timeout=10, headers={"Authorization": f"Bearer {token}"}
        ).json()
        for params in ({}, {"as_of": "2026-11-30"})
    )
    assert current["commune"] == recomputed["commune"]
    assert current["hamlets"] == recomputed["hamlets"]


def recover(phones: list[Phone], proxy: FaultProxy, rounds: int = 5) -> None:
    proxy.set_faults()
    proxy.wait_idle()
    for phone in phones:
        for _ in range(rounds):
            report = phone.sync()
            if report.ok and len(phone.repo.outbox()) == 0:
                break
        else:
            raise AssertionError(f"{phone.name}: outbox not empty after {rounds} clean syncs")


def a_day_of_work(phone: Phone, rng: random.Random, homes: int = 4, visits: int = 6) -> None:
    new = [phone.register(rng) for _ in range(homes)]
    for home in new:
        phone.visit(rng, home)
    for _ in range(visits - len(new)):
        phone.visit(rng)


# -- one fault at a time ---------------------------------------------------------------------------
def test_a_response_lost_after_the_server_committed_is_resent_and_answered_duplicate(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa")
    a_day_of_work(hoa, random.Random(1))
    proxy.set_faults([Fault("drop_response")])
    report = hoa.sync()
    first, second = proxy.exchanges()
    assert (first.fault.kind, first.forwarded, first.upstream_statuses, first.status) == (
        "drop_response",
        1,
        [200],
        None,
    )
    assert second.status == 200 and len(hoa.waits) == 1  # the client backed off once, then re-sent
    assert report.ok and report.round_trips == 1
    assert (report.accepted, report.duplicate, report.rejected) == (0, 10, 0)  # the server had them all
    assert_everything_once(server, [hoa], proxy)


def test_a_response_lost_on_every_retry_leaves_the_outbox_whole_then_recovery_settles_it(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa")
    a_day_of_work(hoa, random.Random(2))
    proxy.set_faults([Fault("drop_response")] * 3)
    report = hoa.sync()
    assert report.error is not None and report.error.code == "network_unreachable"
    assert [e.forwarded for e in proxy.exchanges()] == [1, 1, 1]  # committed three times over
    assert len(hoa.repo.outbox()) == 10 and hoa.repo.setting("last_sync") is None
    assert_nothing_synced_that_the_server_lacks(server, [hoa])
    recover([hoa], proxy)
    assert_everything_once(server, [hoa], proxy)


def test_a_request_lost_on_the_way_is_simply_sent_again(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa")
    a_day_of_work(hoa, random.Random(3))
    proxy.set_faults([Fault("drop_request"), Fault("drop_request")])
    report = hoa.sync()
    assert [e.forwarded for e in proxy.exchanges()] == [0, 0, 1] and len(hoa.waits) == 2
    assert report.ok and (report.accepted, report.duplicate) == (10, 0)
    assert_everything_once(server, [hoa], proxy)


def test_a_duplicated_request_is_stored_once_and_the_phone_takes_the_second_answer(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa")
    a_day_of_work(hoa, random.Random(4))
    proxy.set_faults([Fault("duplicate")])
    report = hoa.sync()
    [exchange] = proxy.exchanges()
    assert exchange.forwarded == 2 and exchange.upstream_statuses == [200, 200]
    assert report.ok and (report.accepted, report.duplicate) == (0, 10)
    assert_everything_once(server, [hoa], proxy)


def test_two_copies_of_a_request_racing_into_the_server_are_stored_once(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa")
    rng = random.Random(5)
    for _ in range(5):
        a_day_of_work(hoa, rng)
        proxy.set_faults([Fault("race")])
        report = hoa.sync()
        assert report.ok and report.accepted + report.duplicate == 10
    assert all(e.upstream_statuses == [200, 200] for e in proxy.exchanges())
    assert_everything_once(server, [hoa], proxy)


def test_a_request_delayed_past_the_read_timeout_reaches_the_server_after_the_retry(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa", read_timeout=0.5)
    a_day_of_work(hoa, random.Random(6))
    proxy.set_faults([Fault("delay", ms=1500)])
    report = hoa.sync()
    assert report.ok and (report.accepted, report.duplicate) == (10, 0)  # the retry got there first
    proxy.wait_idle()
    late, retry = sorted(proxy.exchanges(), key=lambda e: e.fault.kind)  # "delay" < "pass"
    assert late.fault.kind == "delay" and late.forwarded == 1  # the server got it, the phone had left
    assert retry.status == 200
    assert_everything_once(server, [hoa], proxy)


def test_a_household_edited_while_its_sync_is_in_flight_goes_out_again(tmp_path, server, proxy):
    hoa = make_phone(tmp_path, server, proxy, "Hoa")
    rng = random.Random(7)
    a_day_of_work(hoa, rng)
    edited: list[Household] = []
    proxy.on_forward = lambda _exchange: edited.append(hoa.edit_household(rng)) if not edited else None
    report = hoa.sync()
    assert report.ok and report.accepted == 10
    assert [h.id for h in hoa.repo.outbox().households] == [edited[0].id]  # not marked synced
    proxy.on_forward = None
    assert hoa.sync().accepted == 1
    assert_everything_once(server, [hoa], proxy)


# -- everything at once ---------------------------------------------------------------------------
CHAOS = {"drop_request": 0.15, "drop_response": 0.2, "duplicate": 0.1, "race": 0.1, "delay": 0.15}


@pytest.mark.parametrize("seed", [11, 12])
def test_three_phones_thirty_syncs_through_a_random_mix_of_faults(tmp_path, server, proxy, seed):
    rng = random.Random(seed)
    proxy.set_faults(mix=CHAOS, rng=random.Random(seed))
    proxy.delay_ms = (50, 900)  # past 600 ms the client's read timeout fires
    phones = [make_phone(tmp_path, server, proxy, name, retries=1, read_timeout=0.6) for name in HAMLETS]
    failed = 0
    for attempt in range(30):
        phone = phones[attempt % 3]
        if not phone.households or rng.random() < 0.5:
            a_day_of_work(phone, rng, homes=rng.randint(1, 3), visits=rng.randint(3, 8))
        else:
            for _ in range(rng.randint(1, 4)):
                phone.visit(rng)
        if rng.random() < 0.3:
            phone.edit_household(rng)
        report = phone.sync()
        failed += not report.ok
        assert report.rejected == 0
        assert_nothing_synced_that_the_server_lacks(server, phones)
    kinds = {e.fault.kind for e in proxy.exchanges()}
    assert kinds >= {"drop_request", "drop_response", "duplicate", "race", "delay", "pass"}
    assert failed > 0, "the mix is harsh enough that some syncs give up"
    recover(phones, proxy)
    assert_everything_once(server, phones, proxy)

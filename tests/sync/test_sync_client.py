"""The phone's sync client and service against a real server process and a real phone store."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from storage import Repository
from survey.records import Household, Status
from sync.client import SyncClient, SyncError
from sync.service import enrol, sync_once
from tests.survey.builders import adult, child, completed_visit, other_visit

from .conftest import Server


def phone(tmp_path: Path, server: Server, name: str = "Hoa") -> tuple[Repository, SyncClient]:
    repo = Repository(tmp_path / f"phone-{name}")
    client = SyncClient(server.url, sleep=lambda _: None)
    enrol(repo, client, server.code(name), f"điện thoại của {name}")
    client.token = repo.setting("token")
    return repo, client


def register(repo: Repository, hamlet: str = "na-pan", name: str = "Nguyễn Văn Bình") -> Household:
    home = Household(hamlet_id=hamlet, head_name=name, created_at="2026-06-01T08:00:00.000+00:00")
    home.complete()
    repo.save_household(home)
    return home


def test_enrolment_keeps_token_volunteer_and_hamlets_and_a_code_works_once(tmp_path, server):
    repo, _ = phone(tmp_path, server)
    assert repo.setting("token") and repo.setting("enrolment")["status"] == "enrolled"
    assert [h.name for h in repo.hamlets()] == ["Thôn Nà Pàn"]
    code = server.code("Tú")
    enrol(Repository(tmp_path / "second"), SyncClient(server.url), code, "máy 2")
    with pytest.raises(SyncError) as refused:
        enrol(Repository(tmp_path / "third"), SyncClient(server.url), code, "máy 3")
    assert (refused.value.code, refused.value.status) == ("enrolment_code_used", 401)


def test_a_day_of_visits_syncs_in_one_round_trip_and_coverage_follows(tmp_path, server):
    repo, client = phone(tmp_path, server)
    homes = [register(repo, name=f"Hộ số {n}") for n in range(10)]
    for home in homes[:7]:
        visit = completed_visit(home, members=[adult(1980), adult(1984, relation="spouse"), child(2015)])
        visit.complete()
        repo.save_visit(visit)
    for home in homes[7:]:
        away = other_visit(home, "nobody_home")
        away.complete()
        repo.save_visit(away)
    report = sync_once(repo, client)
    assert report.ok and report.round_trips == 1
    assert (report.sent, report.accepted, report.rejected) == (20, 20, 0)
    assert len(repo.outbox()) == 0
    assert all(r.household.status is Status.SYNCED for r in repo.households("na-pan"))
    coverage = requests.get(
        f"{server.url}/api/v1/coverage", timeout=10, headers={"Authorization": f"Bearer {client.token}"}
    ).json()
    na_pan = next(h for h in coverage["hamlets"] if h["id"] == "na-pan")["indicators"]
    assert (na_pan["visit_coverage"]["numerator"], na_pan["visit_coverage"]["denominator"]) == (7, 10)
    assert na_pan["adults_ready"]["denominator"] == 14
    assert repo.setting("last_sync") and repo.setting("server_coverage")["hamlets"]["na-pan"]


def test_a_lost_response_is_harmless_the_resend_is_a_duplicate(tmp_path, server):
    repo, client = phone(tmp_path, server)
    home = register(repo)
    visit = completed_visit(home)
    visit.complete()
    repo.save_visit(visit)
    outbox = repo.outbox()
    first = client.sync(None, [h.to_dict() for h in outbox.households], [v.to_dict() for v in outbox.visits])
    assert [r["result"] for r in first["results"]] == ["accepted", "accepted"]
    # the phone never saw that answer: it sends the same again
    report = sync_once(repo, client)
    assert (report.accepted, report.duplicate) == (0, 2) and len(repo.outbox()) == 0


def test_a_rejected_visit_stays_on_the_phone_with_its_reason_and_can_be_fixed(tmp_path, server):
    repo, client = phone(tmp_path, server)
    home = register(repo)
    bad = completed_visit(home)
    bad.consent = None  # e.g. recorded by an older app that did not ask
    bad.complete()
    good = completed_visit(register(repo, name="Lý Thị Hai"))
    good.complete()
    repo.save_visit(bad)
    repo.save_visit(good)
    report = sync_once(repo, client)
    assert (report.accepted, report.rejected) == (3, 1)
    [rejected] = repo.rejected()
    assert rejected.id == bad.id and rejected.rejection["code"] == "consent_missing"
    fixed = repo.visit(bad.id)
    fixed.reopen()
    from survey.records import Consent

    fixed.consent = Consent(by="Chủ hộ", at=fixed.visited_at)
    fixed.complete()
    repo.save_visit(fixed)
    report = sync_once(repo, client)
    assert (report.accepted, report.rejected) == (1, 0) and repo.rejected() == []


def test_roster_brings_households_another_volunteer_registered(tmp_path, server):
    hoa, hoa_client = phone(tmp_path, server, "Hoa")
    tu, tu_client = phone(tmp_path, server, "Tú")
    home = register(tu, name="Đặng Thị Vân")
    visit = completed_visit(home)
    visit.complete()
    tu.save_visit(visit)
    assert sync_once(tu, tu_client).ok
    report = sync_once(hoa, hoa_client)
    assert report.roster_households >= 1
    [row] = hoa.search("dang thi van", "na-pan")
    assert row.summary.visited and row.household.status is Status.SYNCED
    assert hoa.latest_completed_visits("na-pan")[0].id == visit.id


def test_a_volunteer_cannot_write_outside_their_hamlets(tmp_path, server):
    repo, client = phone(tmp_path, server)
    stray = Household(hamlet_id="khuoi-cap", head_name="Nông Văn Lạc")
    stray.complete()
    repo.save_household(stray)
    report = sync_once(repo, client)
    assert report.rejected == 1 and repo.rejected()[0].rejection["code"] == "hamlet_forbidden"


def test_a_revoked_or_wrong_token_changes_nothing_on_the_phone(tmp_path, server):
    repo, client = phone(tmp_path, server)
    register(repo)
    client.token = "not-a-token"
    report = sync_once(repo, client)
    assert report.error is not None and (report.error.code, report.error.status) == ("token_invalid", 401)
    assert len(repo.outbox()) == 1 and repo.setting("last_sync") is None


def test_no_server_means_retries_then_a_clear_error(tmp_path):
    repo = Repository(tmp_path / "phone")
    register(repo)
    waits: list[float] = []
    client = SyncClient("http://127.0.0.1:9", token="x", retries=2, sleep=waits.append, connect_timeout=1)
    report = sync_once(repo, client)
    assert report.error is not None and report.error.code == "network_unreachable"
    assert len(waits) == 2 and waits[1] > waits[0] * 0.5  # backed off before each retry
    assert len(repo.outbox()) == 1

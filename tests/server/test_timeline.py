"""The coverage timeline: coverage "as of" any day and the quarterly trend, kept at ingest,
equal the domain's `compute_coverage` over the same records, whatever order they arrive in.

Records arrive the way phones send them: in several batches, late visits older than stored
ones, visits written with different offsets and at dawn (another day in Vietnam than in
UTC), households marked moved away in a later sync and some back in the next one, and
households moved to another hamlet: as of a day each counts where it stood that day.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server_sync import models
from server_sync.services import admin, coverage, tallies, timeline
from survey.indicators import compute_coverage
from survey.records import Hamlet
from survey.roster import follow
from survey.times import zone
from tests.survey.builders import adult, child, completed_visit, household, other_visit

from .conftest import HAMLETS, SCOPE, SERVER_NOW, World


def stamp(day: date, hour: int = 9, offset: str = "+00:00") -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00.000{offset}"


def random_commune(seed: int) -> tuple[list, list, list, list]:
    """Households, visits, later household updates (moved away, other hamlet) and, later
    still, households back from away."""
    rng = random.Random(seed)
    start, last = date(2026, 1, 1), date(2026, 11, 1)  # nothing before the campaign or in the future
    homes, visits, updates, returns = [], [], [], []
    for index in range(40):
        created = start + timedelta(days=rng.randint(1, 200))
        home = household(rng.choice(SCOPE), head_name=f"Hộ {index}", created_at=stamp(created, 8))
        homes.append(home)
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            day = min(last, created + timedelta(days=rng.randint(0, 500)))
            if rng.random() < 0.7:
                members = [
                    adult(
                        rng.randint(1950, 2010),
                        vneid=rng.choice(("none", "level1", "level2")),
                        payments=rng.choice((["bank_app"], ["none"])),
                        phone=rng.choice(("smartphone", "feature_phone")),
                    ),
                    child(2018),
                ]
                offset = rng.choice(("+00:00", "+07:00"))  # 17:00–23:00 UTC is the next day in Vietnam
                visits.append(
                    completed_visit(
                        home,
                        members=members,
                        visited_at=stamp(day, rng.randint(0 if offset == "+07:00" else 7, 23), offset),
                        waste=rng.choice(("yes", "partly", "no")),
                        guided=rng.choice((["health"], ["none"])),
                        business=rng.random() < 0.3,
                        products=[{"name": "Hồi", "promoted_online": "yes"}],
                    )
                )
            else:
                visits.append(other_visit(home, rng.choice(("nobody_home", "declined")), stamp(day)))
        if rng.random() < 0.2:
            removed = min(last, created + timedelta(days=rng.randint(0, 150)))
            away = dataclasses.replace(
                home, removed_at=stamp(removed, 10), removed_reason="moved", updated_at=stamp(removed, 10)
            )
            updates.append(away)
            if rng.random() < 0.5:
                back = min(last, removed + timedelta(days=rng.randint(1, 60)))
                returns.append(
                    dataclasses.replace(away, removed_at=None, removed_reason=None, updated_at=stamp(back, 11))
                )
        elif rng.random() < 0.15:
            other = SCOPE[1] if home.hamlet_id == SCOPE[0] else SCOPE[0]
            updates.append(dataclasses.replace(home, hamlet_id=other, updated_at=stamp(created + timedelta(days=5))))
    return homes, visits, updates, returns


def hamlets() -> list[Hamlet]:
    return [Hamlet(id=h, name=n, commune_code="06577", team_active_since=s) for h, n, s in HAMLETS]


def send(
    world: World, homes: list, visits: list, updates: list, returns: list, seed: int, *, read_between: bool = False
) -> None:
    """In four batches, visits shuffled: later visits often arrive before earlier ones; with
    `read_between`, the timeline catches up after each batch (as a dashboard read would)."""
    rng = random.Random(seed)
    shuffled = list(visits)
    rng.shuffle(shuffled)
    quarter = len(shuffled) // 4
    returns = [dataclasses.replace(r, revision=2) for r in returns]  # made on the "moved away" revision
    batches = [
        (homes, shuffled[:quarter]),
        ([], shuffled[quarter : 2 * quarter]),
        (updates, shuffled[2 * quarter : 3 * quarter]),
        (returns, shuffled[3 * quarter :]),
    ]
    for batch_homes, batch_visits in batches:
        results = world.sync(batch_homes, batch_visits).json()["results"]
        assert all(r["result"] == "accepted" for r in results), [r for r in results if r["result"] != "accepted"]
        if read_between:
            with world.session() as session:
                assert timeline.catch_up(session) > 0


def final_records(homes: list, updates: list, returns: list) -> list:
    updated = {u.id: u for u in updates} | {r.id: r for r in returns}
    return [updated.get(h.id, h) for h in homes]


def placements(homes: list, updates: list, returns: list) -> dict:
    """Each household's history as the domain reads its versions in the order they came."""
    tz, today = zone(), SERVER_NOW.date()
    found = {}
    for home in homes:
        history = follow([], home, tz, today)
        for later in (updates, returns):
            for version in later:
                if version.id == home.id:
                    history = follow(history, version, tz, today)
        found[home.id] = history
    return found


def stored_rows(world: World) -> set[tuple]:
    t = models.TallyChange.__table__
    with world.session() as session:
        timeline.catch_up(session)  # what syncs listed, taken in (as every read does)
        return {tuple(row) for row in session.connection().execute(select(t)) if any(row[4:])}


@pytest.mark.parametrize("read_between", [False, True], ids=["read-after", "read-between-syncs"])
def test_coverage_as_of_any_day_equals_the_domains(world: World, read_between: bool) -> None:
    homes, visits, updates, returns = random_commune(seed=2027)
    hamlet_of = {h.id: h.hamlet_id for h in homes}
    assert returns and any(u.hamlet_id != hamlet_of[u.id] for u in updates), "moves and returns are in the data"
    send(world, homes, visits, updates, returns, seed=1, read_between=read_between)
    records = final_records(homes, updates, returns)
    history = placements(homes, updates, returns)
    days = [date(2025, 12, 31) + timedelta(days=d) for d in range(0, 700, 5)]
    days += [date(2026, 3, 31), date(2026, 4, 1), date(2027, 12, 31), date(2030, 9, 30)]
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        config = admin.coverage_config(commune)
        for day in days:
            got = coverage.report(session, commune, as_of=day, today=SERVER_NOW.date())
            expected = compute_coverage(
                hamlets(), records, visits, as_of=day, config=config, placements=history, today=SERVER_NOW.date()
            )
            for hamlet_id, want in expected.hamlets.items():
                for indicator, value in want.values.items():
                    have = got.hamlets[hamlet_id][indicator]
                    assert (have.numerator, have.denominator) == (value.numerator, value.denominator), (
                        day,
                        hamlet_id,
                        indicator,
                    )
            for indicator, value in expected.total.values.items():
                assert (got.total[indicator].numerator, got.total[indicator].denominator) == (
                    value.numerator,
                    value.denominator,
                ), (day, indicator)


def test_the_timeline_kept_at_ingest_equals_a_rebuild_from_the_records(world: World) -> None:
    homes, visits, updates, returns = random_commune(seed=31)
    send(world, homes, visits, updates, returns, seed=2, read_between=True)
    kept = stored_rows(world)
    assert kept, "the timeline holds rows"
    with world.session() as session:
        timeline.rebuild(session, households_per_pass=3)  # a few households at a time: passes add up
    assert stored_rows(world) == kept


def test_the_quarterly_trend_equals_coverage_at_each_quarter_end(world: World) -> None:
    homes, visits, updates, returns = random_commune(seed=5)
    send(world, homes, visits, updates, returns, seed=3)
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        trend = coverage.trend(session, commune, date(2025, 10, 1), date(2026, 12, 31), today=SERVER_NOW.date())
        assert [day for day, _ in trend] == [
            date(2025, 12, 31),
            date(2026, 3, 31),
            date(2026, 6, 30),
            date(2026, 9, 30),
            date(2026, 12, 31),
        ]
        for day, total in trend:
            expected = coverage.report(session, commune, as_of=day, today=SERVER_NOW.date()).total
            for indicator, value in expected.values.items():
                assert (total[indicator].numerator, total[indicator].denominator) == (
                    value.numerator,
                    value.denominator,
                ), (day, indicator)
        one = coverage.trend(
            session, commune, date(2025, 10, 1), date(2026, 12, 31), hamlet_id="thon-na-pan", today=SERVER_NOW.date()
        )
        for day, total in one:
            expected = coverage.report(session, commune, as_of=day, today=SERVER_NOW.date()).hamlets["thon-na-pan"]
            assert total["visit_coverage"].denominator == expected["visit_coverage"].denominator
            assert total["hamlets_with_team"].numerator == expected["hamlets_with_team"].numerator


def test_an_old_database_gets_its_timeline_at_start(world: World) -> None:
    homes, visits, updates, returns = random_commune(seed=8)
    send(world, homes, visits, updates, returns, seed=4)
    kept = stored_rows(world)
    with world.session() as session:
        session.connection().execute(models.TallyChange.__table__.delete())
        session.merge(models.Meta(key="tally_signature", value="made by an older server"))
    with world.session() as session:
        assert tallies.ensure_current(session)
    assert stored_rows(world) == kept


def test_quarters_and_their_ends() -> None:
    assert timeline.quarter_start(date(2027, 12, 31)) == date(2027, 10, 1)
    assert timeline.quarter_end(2027, 4) == date(2027, 12, 31)
    assert timeline.quarter_end(2030, 3) == date(2030, 9, 30)
    assert timeline.quarter_ends(date(2029, 11, 5), date(2030, 9, 30)) == [
        date(2029, 12, 31),
        date(2030, 3, 31),
        date(2030, 6, 30),
        date(2030, 9, 30),
    ]

"""The field-truth examples, each with its right value, on SQLite and PostgreSQL: instants
compared as instants, the commune's days, "current" as today in the commune, times nobody
could have recorded refused per record, every kind of bad record rejected alone, and
figures as of a day that count each household where it stood that day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server_sync import models
from server_sync.app import create_app
from server_sync.services import coverage, tallies
from server_sync.services.admin import coverage_config
from tests.survey.builders import adult, completed_visit, household

from .conftest import SERVER_NOW, World, build_commune, enrol

EARLY_LOCAL = "2026-03-10T09:30:00.000+07:00"  # 02:30 UTC
LATER_UTC = "2026-03-10T03:00:00.000+00:00"  # 03:00 UTC: later, although it sorts first as text


def results(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.text
    return [(r["kind"], r["result"], r.get("code", "")) for r in response.json()["results"]]


def figures(world: World, as_of: date | None = None, hamlet: str = "thon-na-pan") -> dict[str, tuple[int, int]]:
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        report = coverage.report(session, commune, as_of=as_of, today=SERVER_NOW.date())
    return {k: (v.numerator, v.denominator) for k, v in report.hamlets[hamlet].values.items()}


@pytest.fixture
def world_in_2028(database_url: str) -> Iterator[World]:
    """The same commune, with the server's clock in February 2028."""
    app = create_app(database_url, clock=lambda: datetime(2028, 2, 1, 3, 0, tzinfo=UTC))
    try:
        with TestClient(app) as client:
            volunteer_id = build_commune(app)
            token, device_id = enrol(app, volunteer_id)
            yield World(app, client, token, device_id, volunteer_id)
    finally:
        app.state.engine.dispose()


# -- 1. instants and days -----------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, -1], ids=["in-order", "reversed"])
def test_the_later_instant_is_the_latest_visit_in_every_figure(world: World, order: int) -> None:
    home = household("thon-na-pan")
    ready = completed_visit(home, members=[adult(1980)], waste="yes", visited_at=EARLY_LOCAL)
    not_ready = completed_visit(
        home,
        members=[adult(1980, phone="none", vneid="none", payments=["none"], online="not_used")],
        waste="no",
        visited_at=LATER_UTC,
    )
    for visit in [ready, not_ready][::order]:  # also in two syncs: the earlier one may arrive last
        assert results(world.sync([home], [visit]))[-1] == ("visit", "accepted", "")
    with world.session() as session:
        stored = session.get(models.Household, home.id)
        assert stored.latest_visit_id == not_ready.id
    current, as_of = figures(world), figures(world, date(2026, 3, 10))
    for got in (current, as_of):
        assert got["adults_ready"] == (0, 1) and got["households_waste_sorting"] == (0, 1)
    with world.session() as session:
        walked = coverage.walk(session, ["thon-na-pan"], date(2026, 3, 10), 18)["thon-na-pan"]
        assert walked.counts["adults_ready"] == [0, 1]
        walked_37 = coverage.walk(session, ["thon-na-pan"], None, 37)["thon-na-pan"]  # from the contents
        assert walked_37.counts["households_waste_sorting"] == [0, 1]


def test_a_dawn_visit_on_new_year_counts_in_the_new_year(world_in_2028: World) -> None:
    world = world_in_2028
    dawn = "2027-12-31T23:30:00.000+00:00"  # 06:30 on 1 January 2028 in Vietnam
    home = household("thon-na-pan", created_at=dawn)
    visit = completed_visit(home, members=[adult(2010)], visited_at=dawn)  # 18 in 2028, 17 in 2027
    assert results(world.sync([home], [visit])) == [("household", "accepted", ""), ("visit", "accepted", "")]
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        interim = coverage.report(session, commune, as_of=date(2027, 12, 31)).hamlets["thon-na-pan"]
        new_year = coverage.report(session, commune, as_of=date(2028, 1, 1)).hamlets["thon-na-pan"]
        stored = session.get(models.Visit, visit.id)
        assert stored.visited_day == date(2028, 1, 1)
        assert session.get(models.Household, home.id).created_day == date(2028, 1, 1)
    assert (interim["visit_coverage"].numerator, interim["visit_coverage"].denominator) == (0, 0)
    assert (new_year["visit_coverage"].numerator, new_year["visit_coverage"].denominator) == (1, 1)
    assert new_year["adults_ready"].denominator == 1  # an adult in the commune's year of the visit


def test_current_figures_are_as_of_today_in_the_commune_everywhere(world: World) -> None:
    # thon-pac-ma's team is active from 2027-01-01; the server's today is 29/11/2026.
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        current = coverage.report(session, commune).hamlets["thon-pac-ma"]["hamlets_with_team"]
        assert (current.numerator, current.denominator) == (0, 1)
    answer = world.client.get("/api/v1/coverage", headers=world.auth).json()
    assert answer["commune"]["hamlets_with_team"]["numerator"] == 1  # Nà Pàn's, since 2026-03-01; not Pác Mạ's
    synced = world.sync().json()["coverage"]["hamlets"]
    assert synced["thon-na-pan"]["hamlets_with_team"]["numerator"] == 1
    to_come = world.client.get("/api/v1/coverage?as_of=2027-01-01", headers=world.auth).json()
    assert to_come["commune"]["hamlets_with_team"]["numerator"] == 1  # a day still to come: today's


def test_a_team_counts_from_its_day_once_that_day_has_come(world_in_2028: World) -> None:
    answer = world_in_2028.client.get("/api/v1/coverage?as_of=2027-01-01", headers=world_in_2028.auth).json()
    assert answer["commune"]["hamlets_with_team"]["numerator"] == 2
    assert (
        world_in_2028.client.get("/api/v1/coverage?as_of=2026-12-31", headers=world_in_2028.auth).json()["commune"][
            "hamlets_with_team"
        ]["numerator"]
        == 1
    )


# -- 2. times nobody could have recorded ----------------------------------------------------------


def test_a_phone_clock_fallen_back_to_2000_is_refused_for_household_visit_and_consent(world: World) -> None:
    fallen = "2000-01-01T00:05:00.000+00:00"
    home = household("thon-na-pan", created_at=fallen)
    visit = completed_visit(home, visited_at=fallen)
    consent_only = completed_visit(household("thon-na-pan"), visited_at="2026-06-15T09:30:00.000+07:00")
    consent_only.consent.at = fallen
    answer = world.sync([home], [visit, consent_only]).json()["results"]
    assert [(r["result"], r.get("code"), r.get("field")) for r in answer] == [
        ("rejected", "time_before_campaign", "created_at"),
        ("rejected", "household_refused", "household_id"),  # its household was refused just before
        ("rejected", "household_unknown", "household_id"),
    ]
    with_household = world.sync(
        [consent_only_home := household("thon-na-pan")], [completed_visit(consent_only_home, visited_at=fallen)]
    ).json()["results"]
    assert [(r["result"], r.get("code"), r.get("field")) for r in with_household] == [
        ("accepted", None, None),
        ("rejected", "time_before_campaign", "visited_at"),
    ]
    assert figures(world, date(2001, 1, 1))["visit_coverage"] == (0, 0)


def test_an_edit_dated_a_year_ahead_is_refused_and_blocks_nothing_after_it(world: World) -> None:
    home = household("thon-na-pan")
    assert results(world.sync([home])) == [("household", "accepted", "")]
    ahead = household(
        "thon-na-pan", id=home.id, revision=1, address="Sai giờ", updated_at="2027-11-29T05:00:00.000+00:00"
    )
    assert results(world.sync([ahead])) == [("household", "rejected", "time_in_future")]
    real = household(
        "thon-na-pan", id=home.id, revision=1, phone="0912345678", updated_at="2026-11-29T04:59:00.000+00:00"
    )
    assert results(world.sync([real])) == [("household", "accepted", "")]
    with world.session() as session:
        stored = session.get(models.Household, home.id)
        assert (stored.content["phone"], stored.content["address"], stored.revision) == ("0912345678", "", 2)


# -- 3. one batch, every kind of bad record ---------------------------------------------------------


def test_one_batch_stores_the_good_and_rejects_each_bad_record_with_its_own_code(world: World) -> None:
    good_home = household("thon-na-pan", head_name="Hoàng Văn Tốt")
    good_visit = completed_visit(good_home)
    too_long = {**household("thon-na-pan").to_dict(), "address": "Qua cầu treo, rẽ trái, " * 27 + "nhà thứ ba"}
    assert len(too_long["address"]) > 600
    unknown_status = {**household("thon-na-pan").to_dict(), "status": "archived"}
    nul_id = {**household("thon-na-pan").to_dict(), "id": "abc\x00def"}
    before_campaign = household("thon-na-pan", created_at="2025-06-01T08:00:00.000+07:00").to_dict()
    year_ahead = household("thon-na-pan", created_at="2027-11-29T05:00:00.000+00:00").to_dict()
    member_question = completed_visit(good_home).to_dict()
    member_question["members"][0]["answers"]["id_number"] = "0123456789012"
    member_question["members"][0]["answers"]["notes"] = "x" * 5_000_000  # 5 MB: refused, quoted in a few words
    visit_status = {**completed_visit(good_home).to_dict(), "status": "lost"}
    visit_nul = {**completed_visit(good_home).to_dict(), "household_id": good_home.id + "\x00"}
    response = world.sync(
        [good_home, too_long, unknown_status, nul_id, before_campaign, year_ahead],
        [good_visit, member_question, visit_status, visit_nul, "not a visit"],
    )
    assert len(response.content) < 100_000
    assert [(r["result"], r.get("code"), r.get("field")) for r in response.json()["results"]] == [
        ("accepted", None, None),
        ("rejected", "text_too_long", "address"),
        ("rejected", "status_invalid", "status"),
        ("rejected", "id_invalid", "id"),
        ("rejected", "time_before_campaign", "created_at"),
        ("rejected", "time_in_future", "created_at"),
        ("accepted", None, None),
        ("rejected", "question_unknown", "members[0].answers.id_number"),
        ("rejected", "status_invalid", "status"),
        ("rejected", "id_invalid", "household_id"),
        ("rejected", "value_type_invalid", ""),
    ]
    for result in response.json()["results"]:
        if result["result"] == "rejected":
            assert result["message"]["vi"] and result["message"]["en"]
    with world.session() as session:
        assert session.scalars(select(models.Household.id)).all() == [good_home.id]
        assert session.scalars(select(models.Visit.id)).all() == [good_visit.id]


# -- 5. figures as of a day use what was true on that day --------------------------------------------


def test_a_moved_household_counts_where_it_was_on_each_day(world: World) -> None:
    home = household("thon-na-pan", created_at="2026-02-01T08:00:00.000+07:00")
    visit = completed_visit(home, visited_at="2026-03-01T09:00:00.000+07:00")
    assert results(world.sync([home], [visit]))[-1] == ("visit", "accepted", "")
    moved = household(
        "thon-khon-chu", id=home.id, revision=1, created_at=home.created_at, updated_at="2026-07-10T09:00:00.000+07:00"
    )
    assert results(world.sync([moved])) == [("household", "accepted", "")]
    assert figures(world, date(2026, 6, 30))["visit_coverage"] == (1, 1)
    assert figures(world, date(2026, 6, 30), "thon-khon-chu")["visit_coverage"] == (0, 0)
    assert figures(world, date(2026, 7, 10))["visit_coverage"] == (0, 0)
    assert figures(world, date(2026, 7, 10), "thon-khon-chu")["visit_coverage"] == (1, 1)
    assert figures(world, None, "thon-khon-chu")["visit_coverage"] == (1, 1)


def test_a_household_away_and_back_is_off_the_roster_while_away(world: World) -> None:
    home = household("thon-na-pan", created_at="2026-02-01T08:00:00.000+07:00")
    assert results(world.sync([home])) == [("household", "accepted", "")]
    away = household(
        "thon-na-pan",
        id=home.id,
        revision=1,
        created_at=home.created_at,
        removed_at="2026-05-05T10:00:00.000+07:00",
        removed_reason="moved",
        updated_at="2026-05-05T10:00:00.000+07:00",
    )
    back = household(
        "thon-na-pan", id=home.id, revision=2, created_at=home.created_at, updated_at="2026-08-20T16:00:00.000+07:00"
    )
    assert results(world.sync([away])) == [("household", "accepted", "")]
    assert results(world.sync([back])) == [("household", "accepted", "")]
    assert figures(world, date(2026, 5, 4))["visit_coverage"] == (0, 1)
    assert figures(world, date(2026, 6, 30))["visit_coverage"] == (0, 0)
    assert figures(world, date(2026, 8, 20))["visit_coverage"] == (0, 1)
    assert figures(world)["visit_coverage"] == (0, 1)
    with world.session() as session:
        placed = session.scalars(
            select(models.HouseholdPlacement)
            .where(models.HouseholdPlacement.household_id == home.id)
            .order_by(models.HouseholdPlacement.position)
        ).all()
        assert [(p.day, p.on_roster) for p in placed] == [
            (date(2026, 2, 1), True),
            (date(2026, 5, 5), False),
            (date(2026, 8, 20), True),
        ]
        walked = coverage.walk(session, ["thon-na-pan"], date(2026, 6, 30), 18)
        assert walked.get("thon-na-pan") is None or walked["thon-na-pan"].counts["visit_coverage"] == [0, 0]


def test_a_change_of_time_zone_recomputes_every_stored_day(world: World) -> None:
    home = household("thon-na-pan", created_at="2026-03-31T20:00:00.000+00:00")  # 1 April in Vietnam
    visit = completed_visit(home, visited_at="2026-03-31T20:30:00.000+00:00")
    assert results(world.sync([home], [visit]))[-1] == ("visit", "accepted", "")
    assert figures(world, date(2026, 3, 31))["visit_coverage"] == (0, 0)
    from server_sync.services import admin

    with world.session() as session:
        admin.set_time_zone(session, session.get(models.Commune, "06577"), "UTC")
        assert coverage_config(session.get(models.Commune, "06577")).time_zone == "UTC"
        assert session.get(models.Visit, visit.id).visited_day == date(2026, 3, 31)
        assert not tallies.ensure_current(session)  # already current
    assert figures(world, date(2026, 3, 31))["visit_coverage"] == (1, 1)


# -- what a fresh pair of eyes found -----------------------------------------------------------------


def test_half_a_utf16_pair_or_an_invisible_override_is_refused_alone(world: World) -> None:
    good = household("thon-na-pan")
    surrogate = {**household("thon-na-pan").to_dict(), "head_name": "Test \ud800 s"}
    override = {**household("thon-na-pan").to_dict(), "address": "Xóm \u202eThượng"}
    consent = completed_visit(good).to_dict()
    consent["consent"]["by"] = "Chủ \udfff hộ"
    response = world.sync([good, surrogate, override], [consent])
    assert [(r["result"], r.get("code"), r.get("field")) for r in response.json()["results"]] == [
        ("accepted", None, None),
        ("rejected", "characters_invalid", "head_name"),
        ("rejected", "characters_invalid", "address"),
        ("rejected", "characters_invalid", "consent.by"),
    ]


def test_a_revision_the_server_never_gave_changes_nothing_another_phone_made(world: World) -> None:
    home = household("thon-na-pan", address="Số 2")
    assert results(world.sync([home])) == [("household", "accepted", "")]
    moved_on = household(
        "thon-na-pan", id=home.id, revision=1, address="Số 99 mới", updated_at="2026-11-20T08:00:00.000+00:00"
    )
    assert results(world.sync([moved_on])) == [("household", "accepted", "")]
    claim = household(
        "thon-na-pan",
        id=home.id,
        revision=99,
        address="Số 2",
        phone="0912345678",
        updated_at="2026-11-21T08:00:00.000+00:00",
    )
    answer = world.sync([claim]).json()
    result = answer["results"][0]
    assert (result["result"], result["code"], result["revision"]) == ("conflict", "changed_elsewhere", 2)
    with world.session() as session:
        stored = session.get(models.Household, home.id)
        assert (stored.content["address"], stored.content["phone"], stored.revision) == ("Số 99 mới", "", 2)
    assert {h["id"]: h for h in answer["roster"]["households"]}[home.id]["address"] == "Số 99 mới"


def test_a_visit_whose_household_was_refused_in_the_same_sync_says_so(world: World) -> None:
    nameless = household("thon-na-pan", head_name=" ")
    answer = world.sync([nameless], [completed_visit(nameless)]).json()["results"]
    assert [(r["result"], r.get("code")) for r in answer] == [
        ("rejected", "head_name_missing"),
        ("rejected", "household_refused"),
    ]


def test_a_household_needs_a_name_and_a_checklist_this_server_knows(world: World) -> None:
    no_name = household("thon-na-pan").to_dict()
    del no_name["head_name"]
    unknown = {**household("thon-na-pan").to_dict(), "checklist_version": 99999999999999999999999}
    answer = world.sync([no_name, unknown]).json()["results"]
    assert [(r["result"], r.get("code")) for r in answer] == [
        ("rejected", "head_name_missing"),
        ("rejected", "checklist_version_unknown"),
    ]


def test_a_day_still_to_come_holds_todays_figures_teams_included(world: World) -> None:
    # thon-pac-ma's team starts on 2027-01-01; the server's today is 29/11/2026
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        interim = coverage.report(session, commune, as_of=date(2027, 12, 31), today=SERVER_NOW.date())
        assert interim.total["hamlets_with_team"].numerator == 1 and interim.day == SERVER_NOW.date()
        trend = coverage.trend(session, commune, date(2026, 10, 1), date(2026, 12, 31), today=SERVER_NOW.date())
        assert [(day, cov["hamlets_with_team"].numerator) for day, cov in trend] == [(date(2026, 12, 31), 1)]
    answer = world.client.get("/api/v1/coverage?as_of=2027-12-31", headers=world.auth).json()
    assert (answer["as_of"], answer["day"]) == ("2027-12-31", "2026-11-29")
    current = world.client.get("/api/v1/coverage", headers=world.auth).json()
    assert (current["as_of"], current["day"]) == (None, "2026-11-29")


def test_a_new_commune_in_the_default_zone_costs_no_rebuild_and_another_zone_one(world: World) -> None:
    from server_sync.services import admin

    with world.session() as session:
        admin.create_commune(session, "00070", "Xã Khác", "Hà Nội")
    with world.session() as session:
        assert not tallies.ensure_current(session)  # nothing stored depends on it
        admin.create_commune(session, "00071", "Xã Xa", "Nước ngoài", time_zone="Asia/Bangkok")
    with world.session() as session:
        assert tallies.ensure_current(session)  # its days are another zone's: recomputed once
        assert not tallies.ensure_current(session)


# -- found by a fresh tester ----------------------------------------------------------------------


def test_a_households_creation_time_is_the_servers_once_accepted(world: World) -> None:
    from server_sync.services import admin

    home = household("thon-na-pan", created_at="2026-02-01T08:00:00.000+07:00")
    assert results(world.sync([home])) == [("household", "accepted", "")]
    with world.session() as session:  # staff move the campaign start after the household was recorded
        admin.set_campaign_start(session, session.get(models.Commune, "06577"), "2026-03-01")
    edit = household(
        "thon-na-pan",
        id=home.id,
        created_at=home.created_at,
        phone="0912345678",
        revision=1,
        updated_at="2026-11-20T08:00:00.000+07:00",
    )
    assert results(world.sync([edit])) == [("household", "accepted", "")]  # its creation is not judged again
    restamped = household(
        "thon-na-pan",
        id=home.id,
        created_at="2026-11-28T08:00:00.000+07:00",
        revision=2,
        phone="0912345679",
        updated_at="2026-11-28T08:00:00.000+07:00",
    )
    answer = world.sync([restamped]).json()
    assert [r["result"] for r in answer["results"]] == ["accepted"]
    [returned] = answer["roster"]["households"]  # the phone gets the server's creation time back
    assert (returned["id"], returned["created_at"], returned["phone"]) == (home.id, home.created_at, "0912345679")
    with world.session() as session:
        stored = session.get(models.Household, home.id)
        assert stored.content["created_at"] == home.created_at and stored.created_day == date(2026, 2, 1)
    new = household("thon-na-pan", created_at="2026-02-01T08:00:00.000+07:00", revision=5)  # a revision it never had
    assert results(world.sync([new])) == [("household", "rejected", "time_before_campaign")]


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("created_at", "9999-12-31T23:59:59+00:00", "time_in_future"),
        ("updated_at", "9999-12-31T20:00:00-05:00", "time_in_future"),  # past year 9999 once in UTC
        ("created_at", "0001-01-01T00:00:00+07:00", "time_before_campaign"),  # before year 1 once in UTC
        ("created_at", "0001-01-02T00:00:00+00:00", "time_before_campaign"),
    ],
)
def test_times_at_the_calendars_edge_get_their_own_code_and_field(
    world: World, field: str, value: str, code: str
) -> None:
    home = household("thon-na-pan", **{field: value})
    [result] = world.sync([home]).json()["results"]
    assert (result["result"], result["code"], result["field"]) == ("rejected", code, field)
    assert value[:4] in result["message"]["vi"] or "0001" in result["message"]["vi"]

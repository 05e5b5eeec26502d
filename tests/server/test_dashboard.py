"""The dashboard's service: dates staff type, how lag is ranked, and an overview that is
reused only while nothing it shows has changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from server_sync import models
from server_sync.refusal import Refused
from server_sync.services import admin, dashboard
from survey.indicators import IndicatorValue, Target
from tests.server.browser import sign_in_form
from tests.survey.builders import adult, completed_visit, household

from .conftest import World

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("  ", None),
        ("2027-12-31", date(2027, 12, 31)),
        ("2027-Q4", date(2027, 12, 31)),
        ("2030q3", date(2030, 9, 30)),
        ("2026-Q1", date(2026, 3, 31)),
        ("2026-Q2", date(2026, 6, 30)),
    ],
)
def test_as_of_takes_a_day_or_a_quarter(text: str, expected: date | None) -> None:
    assert dashboard.parse_as_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2027-13-01",
        "2027-02-30",
        "abc",
        "2027-Q5",
        "9999-01-01",
        "27-12-31",
        "2027-12-31T00:00",
        "2027/12/31",
        "x" * 10_000,
    ],
)
def test_a_malformed_as_of_is_date_invalid(text: str) -> None:
    with pytest.raises(Refused) as refused:
        dashboard.parse_as_of(text)
    assert refused.value.code == "date_invalid" and refused.value.status == 422


def value(indicator: str, numerator: int, denominator: int, target: float | None) -> IndicatorValue:
    return IndicatorValue(indicator, numerator, denominator, None if target is None else Target(min=target))


class Values(dict):
    """A hamlet's coverage as `dashboard.row` reads it: indicator → value."""


def test_lag_is_the_mean_shortfall_over_indicators_with_data_and_a_target() -> None:
    values = Values({i: value(i, 0, 0, None) for i in dashboard.SHOWN})
    values["adults_ready"] = value("adults_ready", 45, 100, 90)  # 45 points short
    values["households_guided"] = value("households_guided", 95, 100, 90)  # met: 0
    values["households_waste_sorting"] = value("households_waste_sorting", 0, 0, 60)  # no data: left out
    values["households_waste_partly"] = value("households_waste_partly", 10, 100, None)  # no target: left out
    lagging = dashboard.row("h", "Thôn A", values, close_margin=10)  # type: ignore[arg-type]
    assert lagging.lag == pytest.approx((45 + 0) / 2)
    assert lagging.statuses[dashboard.SHOWN.index("adults_ready")] == "far"
    assert lagging.statuses[dashboard.SHOWN.index("households_waste_sorting")] == "no_data"
    values["adults_ready"] = value("adults_ready", 85, 100, 90)  # 5 points short: close
    closer = dashboard.row("h", "Thôn A", values, close_margin=10)  # type: ignore[arg-type]
    assert closer.lag == pytest.approx(5 / 2) and closer.statuses[0] == "close"


def overview(world: World) -> dashboard.Overview:
    with world.session() as session:
        return dashboard.overview(
            session, session.get(models.Commune, "06577"), None, today=TODAY, cache=world.app.state.overview_cache
        )


def test_the_overview_cache_holds_eight_communes_views_but_only_two_of_a_province(world: World) -> None:
    """Issue 12 §6: eight overviews of 1,000 hamlets (~19,000 tracked objects each) made
    every full garbage collection walk ~150,000 objects, ~30 ms a page after a sync."""
    view = overview(world)
    province = replace(view, rows=(view.rows * 1_000)[:1_000])
    assert len(province.rows) == 1_000 and len(view.rows) < 10
    cache = dashboard.OverviewCache()
    for k in range(10):
        cache.put(("commune", k), view)
    assert len(cache) == 8 and cache.get(("commune", 0)) is None and cache.get(("commune", 9)) is view
    for k in range(5):
        cache.put(("province", k), province)
    assert len(cache) == 2  # 2,500 rows at most
    assert cache.get(("province", 4)) is province and cache.get(("province", 3)) is province
    assert cache.get(("province", 2)) is None and cache.get(("commune", 9)) is None
    huge = replace(view, rows=(view.rows * 3_000)[:3_000])
    cache.put(("huge", 0), huge)
    assert len(cache) == 1 and cache.get(("huge", 0)) is huge  # the newest is always kept
    cache.put(("huge", 0), view)  # put again under its key: counted once
    cache.put(("commune", 1), view)
    assert len(cache) == 2


def test_the_overview_is_reused_until_something_it_shows_changes(world: World) -> None:
    home = household("thon-na-pan", created_at="2026-10-01T08:00:00.000+00:00")
    world.sync([home])
    first = overview(world)
    assert overview(world) is first  # nothing changed: the same overview
    visited = first.report.total["visit_coverage"]
    assert (visited.numerator, visited.denominator) == (0, 1)

    world.sync([], [completed_visit(home, members=[adult(1980)], visited_at="2026-11-02T09:00:00.000+00:00")])
    after_sync = overview(world)
    assert after_sync is not first
    assert after_sync.report.total["visit_coverage"].numerator == 1

    with world.session() as session:
        admin.set_target(session, session.get(models.Commune, "06577"), "visit_coverage", {"min": 50})
    assert overview(world).report.total["visit_coverage"].target.min == 50

    before = overview(world).report.total["hamlets_with_team"].numerator
    with world.session() as session:
        admin.set_team(session, "thon-khon-chu", "2026-05-01")
    assert overview(world).report.total["hamlets_with_team"].numerator == before + 1

    with world.session() as session:
        session.get(models.Hamlet, "thon-na-pan").name = "Thôn Nà Pàn Mới"
    assert any(r.name == "Thôn Nà Pàn Mới" for r in overview(world).rows)


@pytest.mark.parametrize(
    "text, number, first, last",
    [
        ("", 1, 0, 100),
        ("1", 1, 0, 100),
        ("3", 3, 200, 250),
        ("all", 0, 0, 250),
        (" 2 ", 2, 100, 200),
    ],
)
def test_the_hamlet_table_comes_a_hundred_at_a_time(text: str, number: int, first: int, last: int) -> None:
    pages = dashboard.Pages.of(250, text)
    assert (pages.number, pages.first, pages.last, pages.count) == (number, first, last, 3)


@pytest.mark.parametrize("text", ["0", "4", "-1", "abc", "٣", "1e2", "x" * 5_000])
def test_a_page_that_is_not_there_is_page_invalid(text: str) -> None:
    with pytest.raises(Refused) as refused:
        dashboard.Pages.of(250, text)
    assert refused.value.code == "page_invalid" and refused.value.status == 422


def test_a_province_sized_overview_pages_its_hamlets_by_lag(world: World) -> None:
    from server_sync.services import staff

    with world.session() as session:
        for k in range(247):  # with the fixture's 3: 250 hamlets
            admin.add_hamlet(session, "06577", f"thon-{k:03d}", f"Thôn {k:03d}")
        staff.create_staff(session, "06577", "lan", "Nguyễn Thị Lan", "staff", "mat-khau-dai-1")
    client = world.client
    assert (
        client.post(
            "/dash/sign-in",
            data=sign_in_form(client, username="lan", password="mat-khau-dai-1"),
            follow_redirects=False,
        ).status_code
        == 303
    )
    shown = {}
    for page in ("", "2", "3", "all"):
        answer = client.get("/dash/", params={"page": page} if page else None)
        assert answer.status_code == 200
        shown[page] = answer.text.count('<a href="/dash/hamlets/')
    assert shown == {"": 100, "2": 100, "3": 50, "all": 250}
    for page in ("4", "abc"):
        answer = client.get("/dash/", params={"page": page})
        assert answer.status_code == 422 and 'data-code="page_invalid"' in answer.text

"""The dashboard's service: dates staff type, how lag is ranked, and an overview that is
reused only while nothing it shows has changed."""

from __future__ import annotations

from datetime import date

import pytest

from server_sync import models
from server_sync.refusal import Refused
from server_sync.services import admin, dashboard
from survey.indicators import IndicatorValue, Target
from tests.survey.builders import adult, completed_visit, household

from .conftest import World

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize("text, expected", [
    ("", None), ("  ", None), ("2027-12-31", date(2027, 12, 31)), ("2027-Q4", date(2027, 12, 31)),
    ("2030q3", date(2030, 9, 30)), ("2026-Q1", date(2026, 3, 31)), ("2026-Q2", date(2026, 6, 30)),
])
def test_as_of_takes_a_day_or_a_quarter(text: str, expected: date | None) -> None:
    assert dashboard.parse_as_of(text) == expected


@pytest.mark.parametrize("text", ["2027-13-01", "2027-02-30", "abc", "2027-Q5", "9999-01-01", "27-12-31",
                                  "2027-12-31T00:00", "2027/12/31", "x" * 10_000])
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
        return dashboard.overview(session, session.get(models.Commune, "06577"), None, today=TODAY,
                                  cache=world.app.state.overview_cache)


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

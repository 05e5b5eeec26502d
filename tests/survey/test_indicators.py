"""Indicators on a small commune whose every figure was counted by hand (see the table)."""

from __future__ import annotations

from datetime import date

import pytest

from survey.indicators import (
    INDICATOR_IDS,
    CoverageConfig,
    IndicatorValue,
    Tally,
    Target,
    compute_coverage,
    default_config,
    household_tally,
    latest_completed,
    report_from_tallies,
)
from survey.records import Hamlet

from .builders import adult, child, completed_visit, household, other_visit

# Hamlet A (team since 2026-03-01)          Hamlet B (no team)
#  A1 two adults + a child (2012), business   B1 one adult, business without tools,
#     with 2 products (1 online); an older       visited 2026-08-20 (after the interim date)
#     visit in February said other things     B2 declined
#  A2 adult 1990 + teenager 2009 (17: adult   B3 created 2026-09-01, never visited
#     only at 15); a later "nobody home"
#  A3 never visited
#  A4 moved away in April


def t(day: str) -> str:
    return f"{day}T09:00:00.000+00:00"


@pytest.fixture
def commune():
    hamlets = [Hamlet(id="A", name="Thôn Nà Pàn", team_active_since="2026-03-01"), Hamlet(id="B", name="Bản Khuổi Cáp")]
    a1, a2, a3 = household("A", "Hoàng Văn Một"), household("A", "Lý Thị Hai"), household("A", "Ba")
    a4 = household("A", "Bốn", removed_at=t("2026-04-02"), removed_reason="moved")
    b1, b2 = household("B", "Nông Văn Năm"), household("B", "Sáu")
    b3 = household("B", "Bảy", created_at=t("2026-09-01"))
    visits = [
        completed_visit(
            a1, visited_at=t("2026-02-01"), members=[adult(1970, vneid="level1")], waste="no", guided=["none"]
        ),
        completed_visit(
            a1,
            visited_at=t("2026-05-10"),
            business=True,
            tools=["cashless"],
            products=[{"name": "Chè", "promoted_online": "yes"}, {"name": "Mật ong", "promoted_online": "no"}],
            members=[
                adult(1970),
                adult(
                    1975,
                    relation="spouse",
                    phone="feature_phone",
                    vneid="level1",
                    payments=["none"],
                    online="not_needed",
                ),
                child(2012),
            ],
        ),
        completed_visit(
            a2,
            visited_at=t("2026-05-11"),
            guided=["none"],
            waste="partly",
            members=[
                adult(1990, payments=["none"], online="not_used"),
                adult(2009, relation="child", payments=["e_wallet"]),
            ],
        ),
        other_visit(a2, "nobody_home", visited_at=t("2026-07-01")),
        other_visit(a4, "moved", visited_at=t("2026-04-02")),
        completed_visit(
            b1,
            visited_at=t("2026-08-20"),
            guided=["public_admin"],
            waste="no",
            business=True,
            tools=["none"],
            products=[],
            members=[adult(1960, phone="none", vneid="none", payments=["none"], online="not_needed")],
        ),
        other_visit(b2, "declined", visited_at=t("2026-05-01")),
    ]
    return hamlets, [a1, a2, a3, a4, b1, b2, b3], visits


def figures(coverage) -> dict[str, tuple[int, int]]:
    return {i: (coverage[i].numerator, coverage[i].denominator) for i in INDICATOR_IDS}


def test_today_per_hamlet_and_commune(commune):
    report = compute_coverage(*commune)
    assert figures(report.hamlets["A"]) == {
        "adults_ready": (1, 3),
        "adults_online_services": (2, 3),
        "households_guided": (1, 2),
        "households_waste_sorting": (1, 2),
        "households_waste_partly": (1, 2),
        "businesses_digital": (1, 1),
        "products_online": (1, 2),
        "hamlets_with_team": (1, 1),
        "visit_coverage": (2, 3),
        # adults_ready's three conditions, one by one (issue 12 §3): 1970 has all three;
        # 1975 a feature phone, level 1, no account; 1990 a smartphone, level 2, no account
        "adults_smartphone": (2, 3),
        "adults_vneid_level2": (2, 3),
        "adults_payment_account": (1, 3),
        "businesses_traceability": (0, 1),  # cashless only
    }
    assert figures(report.hamlets["B"]) == {
        "adults_ready": (0, 1),
        "adults_online_services": (0, 1),
        "households_guided": (1, 1),
        "households_waste_sorting": (0, 1),
        "households_waste_partly": (0, 1),
        "businesses_digital": (0, 1),
        "products_online": (0, 0),
        "hamlets_with_team": (0, 1),
        "visit_coverage": (1, 3),
        "adults_smartphone": (0, 1),
        "adults_vneid_level2": (0, 1),
        "adults_payment_account": (0, 1),
        "businesses_traceability": (0, 1),
    }
    assert figures(report.total) == {
        "adults_ready": (1, 4),
        "adults_online_services": (2, 4),
        "households_guided": (2, 3),
        "households_waste_sorting": (1, 3),
        "households_waste_partly": (1, 3),
        "businesses_digital": (1, 2),
        "products_online": (1, 2),
        "hamlets_with_team": (1, 2),
        "visit_coverage": (3, 6),
        "adults_smartphone": (2, 4),
        "adults_vneid_level2": (2, 4),
        "adults_payment_account": (1, 4),
        "businesses_traceability": (0, 2),
    }


def test_zero_denominator_is_no_data_not_a_percentage(commune):
    products = compute_coverage(*commune).hamlets["B"]["products_online"]
    assert products.percent is None
    assert products.status(10) == "no_data"


def test_adult_age_15_counts_the_teenager(commune):
    config = default_config().with_adult_age(15)
    report = compute_coverage(*commune, config=config)
    assert figures(report.hamlets["A"])["adults_ready"] == (2, 4)
    assert figures(report.hamlets["A"])["adults_online_services"] == (3, 4)


def test_as_of_the_interim_date(commune):
    report = compute_coverage(*commune, as_of=date(2026, 6, 30))
    assert figures(report.hamlets["B"])["visit_coverage"] == (0, 2)  # B3 not created yet
    assert figures(report.hamlets["B"])["adults_ready"] == (0, 0)
    assert figures(report.hamlets["A"]) == figures(compute_coverage(*commune).hamlets["A"])
    assert figures(report.total)["visit_coverage"] == (2, 5)


def test_as_of_an_early_date_uses_the_older_visit_and_the_old_roster(commune):
    report = compute_coverage(*commune, as_of=date(2026, 3, 1))
    a = figures(report.hamlets["A"])
    assert a["visit_coverage"] == (1, 4)  # A4 had not moved yet
    assert a["households_waste_sorting"] == (0, 1)  # February's answer
    assert a["households_guided"] == (0, 1)
    assert a["adults_ready"] == (0, 1)  # level 1 then
    assert a["hamlets_with_team"] == (1, 1)
    assert figures(compute_coverage(*commune, as_of=date(2026, 2, 28)).hamlets["A"])["hamlets_with_team"] == (0, 1)


def test_later_nobody_home_does_not_erase_a_completed_visit(commune):
    _, households, visits = commune
    a2 = households[1]
    latest = latest_completed(visits)
    assert latest[a2.id].outcome == "completed"


def test_targets_and_status():
    config = default_config()
    assert config.targets["households_guided"] == Target(min=90, strict=True)
    strict = config.targets["households_guided"]
    assert not strict.met(90.0) and strict.met(90.1)
    assert config.targets["adults_ready"].met(90.0)
    custom = CoverageConfig.from_dict({"adult_age": 15, "targets": {"households_waste_sorting": {"min": 75}}})
    assert custom.adult_age == 15
    assert custom.targets["households_waste_sorting"].min == 75
    assert custom.targets["adults_ready"] == config.targets["adults_ready"]
    with pytest.raises(ValueError):
        CoverageConfig.from_dict({"targets": {"happiness": {"min": 1}}})


def test_status_bands(commune):
    total = compute_coverage(*commune).total
    assert total["adults_ready"].status(10) == "far"  # 25% against 90%
    target = Target(min=90)
    assert IndicatorValue("adults_ready", 9, 10, target).status(10) == "met"
    assert IndicatorValue("adults_ready", 81, 100, target).status(10) == "close"
    assert IndicatorValue("adults_ready", 79, 100, target).status(10) == "far"
    assert IndicatorValue("households_waste_partly", 1, 3, None).status(10) == "no_target"


def test_traceability_codes_count_business_households_that_use_them():
    home = household("A", "Chè Nà Pàn")
    trace = completed_visit(home, business=True, tools=["cashless", "traceability"], products=[])
    tally = household_tally(trace, 18)
    assert tally.counts["businesses_traceability"] == [1, 1]
    assert tally.counts["businesses_digital"] == [1, 1]
    not_business = household_tally(completed_visit(home, business=False), 18)
    assert not_business.counts["businesses_traceability"] == [0, 0]  # outside the denominator


def test_period_targets_are_configuration_like_the_others():
    config = CoverageConfig.from_dict({"targets": {"procedures_online": {"min": 75, "strict": True}}})
    assert config.targets["procedures_online"] == Target(min=75, strict=True)
    assert default_config().targets["officials_trained"] == Target(min=100)
    assert not default_config().targets["procedures_online"].met(70.0)  # "above 70%"


def test_household_without_completed_visit_counts_only_for_coverage():
    tally = household_tally(None, 18)
    assert {k: tuple(v) for k, v in tally.counts.items() if v != [0, 0]} == {"visit_coverage": (0, 1)}


def test_report_from_tallies_adds_each_team_and_leaves_the_tallies_given_unchanged() -> None:
    """The report is built per sync over up to 1,000 hamlets without copying each tally
    (issue 12 §6): what it is given must come out as it went in, and the commune's sums are
    the hamlets' sums, teams included."""
    hamlets = [
        Hamlet(id="a", name="A", team_active_since="2026-01-01"),
        Hamlet(id="b", name="B"),
        Hamlet(id="c", name="C"),
    ]
    a, b = Tally(), Tally()
    a.add("visit_coverage", 3, 4)
    b.add("visit_coverage", 1, 6)
    b.add("adults_ready", 2, 5)
    given = {"a": a, "b": b}  # "c" has no tally: an empty hamlet still counts its team slot
    before = {k: t.to_dict() for k, t in given.items()}
    report = report_from_tallies(hamlets, given, today=date(2026, 11, 30))
    assert {k: t.to_dict() for k, t in given.items()} == before
    team = [
        (report.hamlets[h]["hamlets_with_team"].numerator, report.hamlets[h]["hamlets_with_team"].denominator)
        for h in "abc"
    ]
    assert team == [(1, 1), (0, 1), (0, 1)]
    assert (report.total["hamlets_with_team"].numerator, report.total["hamlets_with_team"].denominator) == (1, 3)
    assert (report.total["visit_coverage"].numerator, report.total["visit_coverage"].denominator) == (4, 10)
    assert report.hamlets["c"]["visit_coverage"].percent is None  # no data, never 0%
    assert report.total["adults_ready"].numerator == 2

"""The plan's targets no visit measures (survey.figures): what staff may enter, and which
entry a report as of a day shows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from survey.errors import message
from survey.figures import FigureEntry, Period, check_figure, current_entries, figure_as_of, whole_number
from survey.indicators import PERIOD_INDICATOR_IDS, Target

START, TODAY = date(2026, 1, 1), date(2027, 11, 30)


def codes(*args: str, today: date = TODAY) -> list[tuple[str, str]]:
    return [(i.code, i.field) for i in check_figure(*args, campaign_start=START, today=today)]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T09:00:00+07:00").astimezone(UTC)


def entry(indicator: str, period: str, n: int, d: int, when: str, withdrawn: bool = False) -> FigureEntry:
    return FigureEntry(indicator, Period.parse(period), n, d, "Sổ theo dõi", at(when), "quantri", withdrawn)


def test_the_five_targets_of_section_three():
    assert PERIOD_INDICATOR_IDS == (
        "officials_trained",
        "team_members_trained",
        "procedures_online",
        "documents_electronic",
        "officials_digital_signature",
    )


def test_periods_read_and_order():
    assert Period.parse("2027") == Period(2027)
    assert Period.parse("2027-q4") == Period.parse("2027Q4") == Period(2027, 4)
    assert Period(2027, 1).first_day == date(2027, 1, 1) and Period(2027, 1).last_day == date(2027, 3, 31)
    assert Period(2028, 1).last_day == date(2028, 3, 31)
    assert Period(2027, 3).last_day == date(2027, 9, 30)
    assert Period(2027).last_day == Period(2027, 4).last_day == date(2027, 12, 31)
    assert Period(2027, 4).label("vi") == "Quý IV/2027" and Period(2027).label("en") == "Year 2027"
    for bad in ("", "27", "2027-Q5", "Q4-2027", "2027-12-31", "２０２７"):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_a_good_entry_has_no_issue():
    assert codes("officials_trained", "2027-Q4", "25", "27", "Danh sách tập huấn 10/2027") == []
    assert whole_number("1.250") == 1250  # how a Vietnamese clerk writes 1250


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("happiness", "2027", "1", "2", "x"), [("figure_indicator_unknown", "indicator")]),
        (("officials_trained", "2027-Q5", "1", "2", "x"), [("figure_period_invalid", "period")]),
        (("officials_trained", "2025", "1", "2", "x"), [("figure_period_before_campaign", "period")]),
        (("officials_trained", "2028-Q1", "1", "2", "x"), [("figure_period_future", "period")]),
        (("officials_trained", "2027", "-1", "2", "x"), [("figure_number_invalid", "numerator")]),
        (("officials_trained", "2027", "1,5", "2", "x"), [("figure_number_invalid", "numerator")]),
        (("officials_trained", "2027", "1", "0", "x"), [("figure_denominator_zero", "denominator")]),
        (("officials_trained", "2027", "30", "27", "x"), [("figure_numerator_above", "numerator")]),
        (("officials_trained", "2027", "1", "2", "  "), [("figure_source_missing", "source")]),
        (("officials_trained", "2027", "1", "2", "x" * 501), [("figure_source_too_long", "source")]),
        (("officials_trained", "2027", "1", "99999999", "x"), [("figure_number_too_large", "denominator")]),
        # the tester's twenty nines: a whole number, too large (not "not a number")
        (("officials_trained", "2027", "9" * 20, "10", "x"), [("figure_number_too_large", "numerator")]),
    ],
)
def test_each_rule_has_its_code(args, expected):
    issues = check_figure(*args, campaign_start=START, today=TODAY)
    assert [(i.code, i.field) for i in issues] == expected
    for issue in issues:  # every code has both messages, filled
        for lang in ("vi", "en"):
            text = message(issue.code, lang, **issue.context)
            assert text and "{" not in text


def test_the_period_under_way_may_be_entered():
    assert codes("procedures_online", "2027-Q4", "70", "100", "Cổng DVC", today=date(2027, 10, 1)) == []
    assert codes("procedures_online", "2027", "70", "100", "Cổng DVC", today=date(2027, 1, 1)) == []


def test_a_correction_supersedes_and_a_withdrawal_takes_the_figure_back():
    entries = [
        entry("officials_trained", "2027-Q4", 20, 27, "2028-01-05"),
        entry("officials_trained", "2027-Q4", 25, 27, "2028-01-06"),  # corrected
        entry("documents_electronic", "2027", 900, 1000, "2028-01-05"),
        entry("documents_electronic", "2027", 0, 0, "2028-01-07", withdrawn=True),
    ]
    current = current_entries(entries)
    assert current[("officials_trained", Period(2027, 4))].numerator == 25
    assert ("documents_electronic", Period(2027)) not in current


def test_a_report_shows_the_latest_period_ended_by_its_day():
    target = Target(min=70, strict=True)
    current = current_entries(
        [
            entry("procedures_online", "2026", 600, 1000, "2027-01-10"),
            entry("procedures_online", "2027-Q3", 70, 100, "2027-10-05"),
            entry("procedures_online", "2027-Q4", 80, 100, "2028-01-05"),
            entry("procedures_online", "2027", 750, 1000, "2028-01-05"),
        ]
    )
    interim = figure_as_of("procedures_online", current, date(2027, 12, 31), target)
    assert interim.period == Period(2027)  # the year, not its fourth quarter, on the review's day
    assert (interim.value.numerator, interim.value.denominator) == (750, 1000)
    assert interim.value.status(10) == "met"
    assert interim.rising is True  # 75% after 60%
    autumn = figure_as_of("procedures_online", current, date(2027, 11, 30), target)
    assert autumn.period == Period(2027, 3) and autumn.value.status(10) == "close"  # 70% is not above 70%
    assert autumn.rising is None  # no Q3 of 2026 to compare with
    before = figure_as_of("procedures_online", current, date(2026, 12, 30), target)
    assert before.period is None and before.value.percent is None  # "no data", never 0%


def test_a_year_not_above_the_year_before_is_flagged():
    current = current_entries(
        [
            entry("procedures_online", "2027", 80, 100, "2028-01-05"),
            entry("procedures_online", "2028", 78, 100, "2029-01-05"),
        ]
    )
    later = figure_as_of("procedures_online", current, date(2028, 12, 31), Target(min=70, strict=True))
    assert later.value.status(10) == "met" and later.rising is False


def test_a_period_under_way_is_pending_not_lost():
    """Issue 12's tester: Q4's figure entered on 30/11 said "not entered" on the overview."""
    current = current_entries([entry("officials_trained", "2026-Q4", 15, 20, "2026-11-30")])
    today = figure_as_of("officials_trained", current, date(2026, 11, 30), Target(min=100))
    assert today.value.percent is None and today.period is None  # not counted before Q4 ends
    assert today.pending is not None and today.pending.period == Period(2026, 4)
    year_end = figure_as_of("officials_trained", current, date(2026, 12, 31), Target(min=100))
    assert (year_end.value.numerator, year_end.value.denominator) == (15, 20) and year_end.pending is None

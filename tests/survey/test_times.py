"""A time is an instant and a day is the commune's day (DESIGN §3), in every figure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from survey.indicators import compute_coverage, default_config, household_tally, latest_completed
from survey.records import Hamlet, Household
from survey.summary import summarize
from survey.times import DayUnreadable, ZoneUnknown, day_of, instant, local_day, read_day, start_of_day, zone
from survey.validation import RecordContext, validate_household, validate_visit

from .builders import adult, child, completed_visit, household

VN = zone("Asia/Ho_Chi_Minh")
EARLY_LOCAL = "2026-03-10T09:30:00.000+07:00"  # 02:30 UTC: the earlier of the two
LATER_UTC = "2026-03-10T03:00:00.000+00:00"  # 03:00 UTC: the later one, although it sorts first as text


def two_morning_visits():
    home = household(hamlet_id="thon-1")
    ready = completed_visit(home, members=[adult(1980)], waste="yes", visited_at=EARLY_LOCAL)
    not_ready = completed_visit(
        home,
        members=[adult(1980, phone="none", vneid="none", payments=["none"], online="not_used")],
        waste="no",
        visited_at=LATER_UTC,
    )
    return home, ready, not_ready


@pytest.mark.parametrize("order", [1, -1])
def test_the_later_instant_is_the_latest_visit_whatever_its_offset(order):
    home, ready, not_ready = two_morning_visits()
    visits = [ready, not_ready][::order]
    assert EARLY_LOCAL > LATER_UTC  # as text the earlier visit looks later: the old bug
    assert latest_completed(visits)[home.id] is not_ready
    report = compute_coverage([Hamlet(id="thon-1", name="Thôn 1")], [home], visits, today=date(2026, 3, 10))
    assert (report.total["adults_ready"].numerator, report.total["adults_ready"].denominator) == (0, 1)
    assert (
        report.total["households_waste_sorting"].numerator,
        report.total["households_waste_sorting"].denominator,
    ) == (0, 1)
    summary = summarize(visits)
    assert summary.last_completed_visit_id == not_ready.id
    assert summary.last_visit_at == LATER_UTC


def test_a_visit_at_dawn_on_new_year_is_a_visit_of_the_new_year_in_vietnam():
    # 06:30 on 1 January 2028 in Vietnam is 23:30 on 31 December 2027 in UTC.
    dawn = "2027-12-31T23:30:00.000+00:00"
    home = household(hamlet_id="thon-1", created_at=dawn)
    visit = completed_visit(home, members=[adult(2010)], visited_at=dawn)  # 18 in 2028, 17 in 2027
    hamlets = [Hamlet(id="thon-1", name="Thôn 1", team_active_since="2026-01-01")]
    interim = compute_coverage(hamlets, [home], [visit], as_of=date(2027, 12, 31))
    assert interim.total["visit_coverage"].denominator == 0  # not on the roster yet that day
    assert interim.total["adults_ready"].denominator == 0
    next_day = compute_coverage(hamlets, [home], [visit], as_of=date(2028, 1, 1))
    assert (next_day.total["visit_coverage"].numerator, next_day.total["visit_coverage"].denominator) == (1, 1)
    assert next_day.total["adults_ready"].denominator == 1  # born 2010: an adult in the visit's year, 2028
    assert visit.year_in(VN) == 2028 and visit.day_in(VN) == date(2028, 1, 1)
    assert household_tally(visit, 18, UTC).counts["adults_ready"] == [0, 0]  # in UTC it was 2027


def test_current_figures_count_a_team_only_from_its_day():
    hamlets = [Hamlet(id="thon-1", name="Thôn 1", team_active_since="2027-06-01")]
    now = compute_coverage(hamlets, [], [], today=date(2026, 11, 29))
    assert (now.total["hamlets_with_team"].numerator, now.total["hamlets_with_team"].denominator) == (0, 1)
    assert now.shown_day == date(2026, 11, 29)
    then = compute_coverage(hamlets, [], [], today=date(2027, 6, 1))
    assert then.total["hamlets_with_team"].numerator == 1


def test_instants_need_an_offset_and_days_are_local():
    assert instant("2026-03-10T09:30:00+07:00") == datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    for bad in ("2026-03-10T09:30:00", "2026-03-10", "yesterday", ""):
        with pytest.raises(ValueError):
            instant(bad)
    with pytest.raises(TypeError):
        instant(20260310)  # type: ignore[arg-type]
    assert day_of("2027-12-31T23:30:00Z", VN) == date(2028, 1, 1)
    assert local_day(datetime(2027, 12, 31, 16, 59, tzinfo=UTC), VN) == date(2027, 12, 31)
    assert start_of_day(date(2026, 1, 1), VN) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    with pytest.raises(ZoneUnknown):
        zone("Mars/Olympus_Mons")


def test_the_commune_configuration_carries_its_zone_and_campaign_start():
    config = default_config()
    assert (config.time_zone, config.campaign_start) == ("Asia/Ho_Chi_Minh", date(2026, 1, 1))
    other = type(config).from_dict({"time_zone": "Asia/Bangkok", "campaign_start": "2026-03-01"})
    assert other.campaign_start == date(2026, 3, 1) and other.to_dict()["time_zone"] == "Asia/Bangkok"
    with pytest.raises(ValueError):
        type(config).from_dict({"time_zone": "Nowhere/Else"})


# -- times nobody could have recorded -------------------------------------------------------

NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
CONTEXT = RecordContext(now=NOW, zone=VN, campaign_start=date(2026, 1, 1))


def household_codes(home: Household) -> list[tuple[str, str]]:
    return [(i.code, i.field) for i in validate_household(home, CONTEXT)]


def test_a_dead_battery_clock_is_refused_for_households_visits_and_consent():
    fallen = "2000-01-01T00:05:00.000+00:00"
    home = household(created_at=fallen)
    assert household_codes(home) == [("time_before_campaign", "created_at")]
    visit = completed_visit(household(), visited_at=fallen)
    assert next((i.code, i.field) for i in validate_visit(visit, CONTEXT)) == ("time_before_campaign", "visited_at")
    consent_only = completed_visit(household(), visited_at="2026-06-15T09:30:00.000+07:00")
    consent_only.consent.at = fallen
    assert [(i.code, i.field) for i in validate_visit(consent_only, CONTEXT)] == [
        ("time_before_campaign", "consent.at")
    ]


def test_a_time_a_year_ahead_is_refused_and_ten_minutes_ahead_is_a_clock():
    year_ahead = (NOW + timedelta(days=365)).isoformat()
    edited = household(created_at="2026-02-01T08:00:00+07:00", updated_at=year_ahead)
    assert household_codes(edited) == [("time_in_future", "updated_at")]
    removed = household(created_at="2026-02-01T08:00:00+07:00", removed_at=year_ahead, removed_reason="moved")
    assert household_codes(removed) == [("time_in_future", "removed_at")]
    drift = household(created_at=(NOW + timedelta(minutes=9)).isoformat())
    assert household_codes(drift) == []
    message = validate_household(edited, CONTEXT)[0].message("vi")
    assert "ngày giờ" in message and "29/11/2027" in message


def test_the_campaign_starts_at_local_midnight():
    assert household_codes(household(created_at="2025-12-31T17:00:00+00:00")) == []  # 00:00 on 1/1 in Vietnam
    assert household_codes(household(created_at="2025-12-31T16:59:59+00:00")) == [
        ("time_before_campaign", "created_at")
    ]
    later_start = RecordContext(now=NOW, zone=VN, campaign_start=date(2026, 3, 1))
    assert [i.code for i in validate_household(household(created_at="2026-02-01T08:00:00+07:00"), later_start)] == [
        "time_before_campaign"
    ]


def test_a_time_without_an_offset_is_refused():
    assert household_codes(household(created_at="2026-02-01T08:00:00")) == [("time_invalid", "created_at")]


def test_adults_are_counted_by_the_communes_year_of_the_visit():
    visit = completed_visit(household(), members=[adult(2010), child(2020)], visited_at="2027-12-31T23:30:00Z")
    assert [m.birth_year for m in visit.adults(18, VN)] == [2010]
    assert visit.adults(18, UTC) == []


def test_a_household_the_server_holds_keeps_its_creation_time_through_any_edit() -> None:
    from survey.validation import check_household

    context = RecordContext(now=datetime(2026, 11, 30, 3, 0, tzinfo=UTC), campaign_start=date(2026, 3, 1))
    early = "2026-02-01T08:00:00.000+07:00"  # before a campaign start staff moved later
    _, fresh = check_household(household("thon-1", created_at=early).to_dict(), context)
    assert [(i.code, i.field) for i in fresh] == [("time_before_campaign", "created_at")]
    held = household("thon-1", created_at=early, revision=3, updated_at="2026-11-30T09:00:00.000+07:00")
    _, edited = check_household(held.to_dict(), context)
    assert edited == []


@pytest.mark.parametrize(
    "value, code, shown",
    [
        ("9999-12-31T23:59:59+00:00", "time_in_future", "9999-12-31T23:59:59+00:00"),  # 06:59 in year 10000 in Vietnam
        ("9999-12-30T10:00:00+00:00", "time_in_future", "17:00 30/12/9999"),
        ("9999-12-31T20:00:00-05:00", "time_in_future", "9999-12-31T20:00:00-05:00"),
        ("0001-01-01T00:00:00+07:00", "time_before_campaign", "0001-01-01T00:00:00+07:00"),
        ("0001-01-02T00:00:00+00:00", "time_before_campaign", "02/01/0001"),
    ],
)
def test_times_at_the_calendars_edge_are_judged_not_crashed_on(value: str, code: str, shown: str) -> None:
    context = RecordContext(now=datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    issues = validate_household(household("thon-1", created_at=value), context)
    assert [(i.code, i.field) for i in issues] == [(code, "created_at")]
    assert issues[0].context["day"] == shown


# -- a day as staff type it or a spreadsheet in Vietnamese saves it (issue 12 §4) -------------


@pytest.mark.parametrize(
    "typed",
    ["2026-03-01", "01/03/2026", "1/3/2026", "01-03-2026", "1-3-2026", "01.03.2026", "1.3.2026", " 01/03/2026 "],
)
def test_a_day_is_read_iso_or_day_first(typed: str) -> None:
    assert read_day(typed) == date(2026, 3, 1)


def test_the_day_comes_first_whenever_both_numbers_could_be_a_month() -> None:
    assert read_day("02/03/2026") == date(2026, 3, 2)  # 2 March, as Vietnamese writes it
    assert read_day("29/02/2028") == date(2028, 2, 29)


@pytest.mark.parametrize(
    "typed, code",
    [
        ("31/02/2027", "day_impossible"),
        ("29/02/2027", "day_impossible"),
        ("2027-13-01", "day_impossible"),
        ("2026-02-30", "day_impossible"),
        ("00/01/2026", "day_impossible"),
        ("13/13/2026", "day_impossible"),
        ("03/31/2026", "day_month_first"),  # an English spreadsheet's order
        ("12/25/2027", "day_month_first"),
        ("01/03/26", "day_ambiguous"),  # which century, and which number is the year?
        ("1.3.26", "day_ambiguous"),
        ("2026/03/01", "day_unreadable"),
        ("01/03-2026", "day_unreadable"),  # two separators
        ("2026-3-1", "day_unreadable"),
        ("1 tháng 3 năm 2026", "day_unreadable"),
        ("01/03/2026 08:00", "day_unreadable"),
        ("١/٣/٢٠٢٦", "day_unreadable"),  # digits of another script
        ("", "day_unreadable"),
    ],
)
def test_a_day_that_is_not_one_is_refused_with_why(typed: str, code: str) -> None:
    with pytest.raises(DayUnreadable) as refused:
        read_day(typed)
    assert (refused.value.code, refused.value.value) == (code, typed.strip())

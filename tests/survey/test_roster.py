"""As of a day, a household counts where it was that day (DESIGN §3, survey.roster)."""

from __future__ import annotations

from datetime import date

from survey.indicators import compute_coverage
from survey.records import Hamlet, Household
from survey.roster import Placement, follow, placement_on
from survey.times import zone

from .builders import completed_visit, household

VN = zone()
TODAY = date(2026, 11, 29)
HAMLETS = [Hamlet(id="thon-a", name="Thôn A"), Hamlet(id="thon-b", name="Thôn B")]


def history_of(*versions: Household) -> list[Placement]:
    placements: list[Placement] = []
    for version in versions:
        placements = follow(placements, version, VN, TODAY)
    return placements


def edited(home: Household, at: str, **changes) -> Household:
    copy = Household.from_dict({**home.to_dict(), **changes, "updated_at": at})
    return copy


def coverage_on(day: date, home: Household, placements: list[Placement], visits=()) -> dict[str, tuple[int, int]]:
    report = compute_coverage(HAMLETS, [home], list(visits), as_of=day, placements={home.id: placements})
    return {h: (c["visit_coverage"].numerator, c["visit_coverage"].denominator) for h, c in report.hamlets.items()}


def test_a_moved_household_counts_in_its_old_hamlet_before_the_move():
    home = household(hamlet_id="thon-a", created_at="2026-02-01T08:00:00+07:00")
    moved = edited(home, "2026-07-10T09:00:00+07:00", hamlet_id="thon-b")
    placements = history_of(home, moved)
    assert placements == [Placement(date(2026, 2, 1), "thon-a", True), Placement(date(2026, 7, 10), "thon-b", True)]
    visit = completed_visit(home, visited_at="2026-03-01T09:00:00+07:00")
    assert coverage_on(date(2026, 6, 30), moved, placements, [visit]) == {"thon-a": (1, 1), "thon-b": (0, 0)}
    assert coverage_on(date(2026, 7, 10), moved, placements, [visit]) == {"thon-a": (0, 0), "thon-b": (1, 1)}
    # without its history the record alone puts it in its new hamlet on every day: the old bug
    alone = compute_coverage(HAMLETS, [moved], [visit], as_of=date(2026, 6, 30))
    assert alone.hamlets["thon-b"]["visit_coverage"].denominator == 1


def test_a_household_away_and_back_is_off_the_roster_while_it_was_away():
    home = household(hamlet_id="thon-a", created_at="2026-02-01T08:00:00+07:00")
    away = edited(home, "2026-05-05T10:00:00+07:00", removed_at="2026-05-05T10:00:00+07:00", removed_reason="moved")
    back = edited(away, "2026-08-20T16:00:00+07:00", removed_at=None, removed_reason=None)
    placements = history_of(home, away, back)
    assert [p.on_roster for p in placements] == [True, False, True]
    assert coverage_on(date(2026, 5, 4), back, placements) == {"thon-a": (0, 1), "thon-b": (0, 0)}
    assert coverage_on(date(2026, 6, 30), back, placements) == {"thon-a": (0, 0), "thon-b": (0, 0)}
    assert coverage_on(date(2026, 8, 20), back, placements) == {"thon-a": (0, 1), "thon-b": (0, 0)}
    assert coverage_on(date(2026, 1, 31), back, placements) == {"thon-a": (0, 0), "thon-b": (0, 0)}


def test_placements_never_go_back_in_time_nor_beyond_today():
    home = household(hamlet_id="thon-a", created_at="2026-06-01T08:00:00+07:00")
    slow_clock = edited(home, "2026-03-01T08:00:00+07:00", hamlet_id="thon-b")  # a phone whose clock is behind
    placements = history_of(home, slow_clock)
    assert placements[-1] == Placement(date(2026, 6, 1), "thon-b", True)
    ahead = edited(slow_clock, "2026-11-29T23:59:00+07:00", hamlet_id="thon-a")
    assert history_of(home, slow_clock, ahead)[-1].day <= TODAY


def test_an_edit_that_changes_neither_hamlet_nor_roster_adds_no_placement():
    home = household(hamlet_id="thon-a", created_at="2026-06-01T08:00:00+07:00")
    renamed = edited(home, "2026-07-01T08:00:00+07:00", phone="0912345678")
    assert history_of(home, renamed) == history_of(home)
    assert placement_on(history_of(home), date(2026, 5, 31)) is None


def test_a_household_that_arrives_already_removed_leaves_on_its_removal_day():
    home = household(
        hamlet_id="thon-a",
        created_at="2026-06-01T08:00:00+07:00",
        removed_at="2026-06-03T08:00:00+07:00",
        removed_reason="duplicate",
    )
    assert history_of(home) == [
        Placement(date(2026, 6, 1), "thon-a", True),
        Placement(date(2026, 6, 3), "thon-a", False),
    ]

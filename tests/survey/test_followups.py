"""Follow-ups derived from the answers, and the per-household summary the lists show."""

from __future__ import annotations

from survey.followups import derive_follow_ups, open_follow_ups
from survey.records import FollowUp
from survey.summary import HouseholdSummary, summarize

from .builders import adult, child, completed_visit, household, other_visit


def pairs(follow_ups) -> set[tuple[str, str | None]]:
    return {(f.code, f.member_id) for f in follow_ups}


def test_adult_with_vneid_level1_needs_an_upgrade():
    ready = adult(1970)
    level1 = adult(1975, relation="spouse", phone="feature_phone", vneid="level1", payments=["none"])
    visit = completed_visit(members=[ready, level1, child(2015)])
    assert pairs(derive_follow_ups(visit)) == {
        ("upgrade_vneid_level2", level1.id),
        ("smartphone_access", level1.id),
        ("open_payment_account", level1.id),
    }


def test_household_gaps():
    visit = completed_visit(
        guided=["none"],
        waste="partly",
        business=True,
        tools=["none"],
        products=[{"name": "Gạo", "promoted_online": "no"}],
    )
    assert pairs(derive_follow_ups(visit)) == {
        ("essential_digital_services", None),
        ("waste_sorting_instructions", None),
        ("business_digital_tools", None),
        ("promote_products_online", None),
    }


def test_nothing_is_derived_from_a_visit_that_was_not_completed():
    assert derive_follow_ups(other_visit(household(), "declined")) == []


def test_hand_listed_follow_ups_are_merged_once():
    visit = completed_visit(
        guided=["none"], follow_ups=[FollowUp(code="essential_digital_services"), FollowUp(code="online_safety")]
    )
    assert pairs(open_follow_ups(visit)) == {("essential_digital_services", None), ("online_safety", None)}


def test_summary_states():
    home = household()
    assert summarize([]).state == "not_visited"
    away = other_visit(home, "nobody_home", "2026-05-01T08:00:00+00:00")
    assert summarize([away]).state == "revisit"
    assert summarize([other_visit(home, "declined")]).state == "declined"
    done = completed_visit(home, visited_at="2026-05-03T08:00:00+00:00", waste="no")
    later_away = other_visit(home, "nobody_home", "2026-06-01T08:00:00+00:00")
    summary = summarize([away, later_away, done])  # any order
    assert summary.state == "completed" and summary.visited
    assert summary.last_outcome == "nobody_home"
    assert summary.last_completed_visit_id == done.id
    assert ("waste_sorting_instructions", None) in pairs(summary.follow_ups)
    assert HouseholdSummary.from_dict(summary.to_dict()) == summary

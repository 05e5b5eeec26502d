"""The visit wizard as plain state: steps from the checklist, skip logic, autosave, finish."""

from __future__ import annotations

from wizard import VisitWizard

from survey.records import FollowUp, Member, Status
from tests.survey.builders import adult, child, completed_visit, household


def filled_wizard() -> VisitWizard:
    """A wizard whose visit is a complete, valid visit (as if every step was answered)."""
    home = household()
    wizard = VisitWizard.start(home)
    visit = completed_visit(home, members=[adult(1980), adult(1982, relation="spouse", vneid="level1"), child(2015)])
    visit.id, visit.visited_at = wizard.visit.id, wizard.visit.visited_at
    wizard.visit = visit
    return wizard


def keys(wizard: VisitWizard) -> list[str]:
    return [s.key for s in wizard.steps()]


def test_a_visit_that_was_not_completed_has_two_steps():
    wizard = VisitWizard.start(household())
    assert keys(wizard) == ["outcome", "summary"]
    wizard.set_outcome("nobody_home")
    assert keys(wizard) == ["outcome", "summary"]
    assert wizard.next() and wizard.step_key == "summary"
    assert wizard.ready_to_save()


def test_steps_follow_the_checklist_and_the_roster():
    wizard = filled_wizard()
    head, spouse, kid = wizard.visit.members
    assert keys(wizard) == [
        "outcome",
        "consent",
        "roster",
        f"adult:{head.id}",
        f"adult:{spouse.id}",
        "section:digital_services",
        "section:environment",
        "section:business",
        "section:guidance",
        "follow_ups",
        "summary",
    ]
    kid.birth_year = 2010  # 16 in 2026: asked the adult questions (from 15), counted at 15 only
    assert f"adult:{kid.id}" in keys(wizard)


def test_skip_logic_comes_from_the_definition_and_drops_hidden_answers():
    wizard = filled_wizard()
    wizard.step_key = "section:business"
    assert [q.id for q in wizard.visible_questions()] == ["is_business"]
    wizard.answer("is_business", "yes")
    assert [q.id for q in wizard.visible_questions()] == ["is_business", "business_tools", "products"]
    wizard.answer("business_tools", ["cashless"])
    wizard.answer("is_business", "no")
    assert "business_tools" not in wizard.visit.answers["business"]
    head = wizard.visit.members[0]
    wizard.step_key = f"adult:{head.id}"
    assert "vneid_seen" in [q.id for q in wizard.visible_questions()]
    wizard.answer("vneid", "none", head.id)
    assert "vneid_seen" not in [q.id for q in wizard.visible_questions()]
    assert "vneid_seen" not in head.answers


def test_next_is_refused_while_the_step_has_errors_and_says_why():
    wizard = VisitWizard.start(household())
    wizard.set_outcome("completed")
    assert wizard.next() and wizard.step_key == "consent"
    assert not wizard.next()
    assert [i.code for i in wizard.step_issues()] == ["consent_missing"]
    wizard.set_consent(True, "Chủ hộ")
    assert wizard.next() and wizard.step_key == "roster"
    assert {i.code for i in wizard.step_issues()} == {"required_missing", "members_missing"}
    assert wizard.back() and wizard.step_key == "consent"


def test_issues_land_on_the_step_that_can_fix_them():
    wizard = filled_wizard()
    head = wizard.visit.members[0]
    del head.answers["phone_type"]
    head.birth_year = 2099
    wizard.visit.answers["environment"]["waste_sorting"] = "maybe"
    places = {wizard.step_of_field(i.field) for i in wizard.issues()}
    assert places == {"roster", "section:environment"}
    head.birth_year = 1980
    assert {wizard.step_of_field(i.field) for i in wizard.issues()} == {f"adult:{head.id}", "section:environment"}


def test_declining_wipes_personal_data():
    wizard = filled_wizard()
    wizard.set_outcome("declined")
    assert (wizard.visit.members, wizard.visit.answers, wizard.visit.consent) == ([], {}, None)
    assert wizard.ready_to_save()


def test_draft_round_trip_resumes_exactly_there():
    wizard = filled_wizard()
    wizard.step_key = "section:environment"
    again = VisitWizard.from_draft(wizard.to_draft())
    assert again.step_key == "section:environment"
    assert again.visit == wizard.visit and again.household == wizard.household
    draft = wizard.to_draft() | {"step": "adult:somebody-removed"}
    assert VisitWizard.from_draft(draft).step_key == "outcome"


def test_a_revisit_starts_from_the_last_completed_visits_answers():
    # Issue 11 §1: a revisit pre-filled the members but not the member count or any adult's
    # answers, so correcting one answer meant re-entering the whole checklist.
    previous = completed_visit(follow_ups=[FollowUp(code="online_safety")], guided=["health", "vneid"])
    previous.answers["guidance"]["guidance_given"] = ["vneid"]
    wizard = VisitWizard.start(household(), previous)
    assert wizard.visit.outcome is None and wizard.visit.consent is None  # asked again at the door
    wizard.set_outcome("completed")
    visit = wizard.visit
    assert visit.id != previous.id
    assert [(m.id, m.relation, m.birth_year) for m in visit.members] == [
        (m.id, m.relation, m.birth_year) for m in previous.members
    ]
    assert visit.answer("member_count") == 2 and visit.answer("waste_sorting") == "yes"
    assert visit.answer("guided_services") == ["health", "vneid"]
    assert visit.follow_ups == [FollowUp(code="online_safety")]
    head = visit.members[0]
    assert head.answers["phone_type"] == "smartphone" and head.answers["vneid"] == "level2"
    # what belongs to that visit alone is asked again: the guidance given, the VNeID seen
    assert visit.answer("guidance_given") is None and "vneid_seen" not in head.answers
    # editing the revisit never edits the visit it came from
    wizard.answer("waste_sorting", "no")
    assert previous.answers["environment"]["waste_sorting"] == "yes"
    # another outcome drops it all (DESIGN §7); "completed" again brings the carried answers back
    wizard.set_outcome("nobody_home")
    assert wizard.visit.members == [] and wizard.visit.answers == {}
    wizard.set_outcome("completed")
    assert wizard.visit.answer("member_count") == 2
    # ... also after a restart: the draft keeps what the revisit started from
    again = VisitWizard.from_draft(wizard.to_draft())
    assert again.prefilled_from == previous.visited_at
    assert VisitWizard.start(household(), None).prefilled_from is None


def test_follow_ups_suggested_and_added_by_hand():
    wizard = filled_wizard()
    spouse = wizard.visit.members[1]
    assert ("upgrade_vneid_level2", spouse.id) in {(f.code, f.member_id) for f in wizard.suggested_follow_ups()}
    wizard.toggle_follow_up("online_safety", None, True)
    assert wizard.visit.follow_ups == [FollowUp(code="online_safety")]
    wizard.toggle_follow_up("online_safety", None, False)
    assert wizard.visit.follow_ups == []


def test_removing_a_member_removes_their_follow_ups():
    wizard = filled_wizard()
    spouse = wizard.visit.members[1]
    wizard.toggle_follow_up("install_vneid", spouse.id, True)
    wizard.remove_member(spouse.id)
    assert wizard.visit.member(spouse.id) is None and wizard.visit.follow_ups == []


def test_finish_completes_the_visit_and_moves_the_household():
    wizard = filled_wizard()
    visit, changed = wizard.finish()
    assert visit.status is Status.COMPLETE and changed is None
    moved = VisitWizard.start(household())
    moved.set_outcome("moved")
    visit, home = moved.finish()
    assert home is not None and home.removed_reason == "moved" and home.removed_at == visit.visited_at
    assert home.needs_sync


def test_a_completed_visit_brings_a_moved_household_back():
    home = household(removed_at="2026-03-01T00:00:00+00:00", removed_reason="moved")
    wizard = filled_wizard()
    wizard.household = home
    _, back = wizard.finish()
    assert back is not None and back.removed_at is None and back.on_roster()


def test_answers_keep_members_as_members():
    wizard = VisitWizard.start(household())
    wizard.set_outcome("completed")
    member = wizard.add_member()
    wizard.answer("birth_year", 1990, member.id)
    wizard.answer("relation", "head", member.id)
    assert isinstance(wizard.visit.members[0], Member)
    assert (member.birth_year, member.relation) == (1990, "head")
    wizard.answer("birth_year", None, member.id)
    assert member.birth_year is None

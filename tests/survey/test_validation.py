"""Validation: each rule on a valid baseline visit bent in one way; assertions on codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from survey.errors import CATALOGUE
from survey.records import Consent, FollowUp, Member, Visit
from survey.validation import blocking, validate_household, validate_visit

from .builders import adult, child, completed_visit, household, other_visit

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def codes(visit: Visit, **kwargs) -> list[str]:
    return [issue.code for issue in validate_visit(visit, now=NOW, **kwargs)]


def test_valid_visit_has_no_issues():
    visit = completed_visit(
        business=True, tools=["cashless", "social_sales"], products=[{"name": "Chè Thái", "promoted_online": "yes"}]
    )
    assert validate_visit(visit, now=NOW) == []


def test_every_emitted_code_is_in_the_catalogue_with_both_languages():
    visit = completed_visit(members=[adult(2030), adult(1850)])
    visit.consent = None
    visit.answers["environment"]["waste_sorting"] = "maybe"
    for issue in validate_visit(visit, now=NOW):
        assert issue.code in CATALOGUE
        assert issue.message("vi") and issue.message("en")
        assert issue.message("vi") != issue.message("en")


def test_birth_year_in_the_future_and_before_1900():
    visit = completed_visit(members=[adult(1980), child(2027), adult(1899)])
    issues = validate_visit(visit, now=NOW)
    found = {(i.code, i.field) for i in issues}
    assert ("year_in_future", "members[1].birth_year") in found
    assert ("year_too_early", "members[2].birth_year") in found


def test_birth_year_this_year_is_fine():
    visit = completed_visit(members=[adult(1980), child(2026)])
    assert codes(visit) == []


def test_more_adults_than_members():
    visit = completed_visit(members=[adult(1980), adult(1982, relation="spouse")])
    visit.answers["members"]["member_count"] = 1
    assert "adults_exceed_members" in codes(visit)


def test_roster_shorter_than_declared_is_only_a_warning():
    visit = completed_visit(members=[adult(1980)])
    visit.answers["members"]["member_count"] = 3
    issues = validate_visit(visit, now=NOW)
    assert [i.code for i in issues] == ["roster_size_mismatch"]
    assert blocking(issues) == []


def test_completed_visit_needs_consent():
    visit = completed_visit()
    visit.consent = None
    assert codes(visit) == ["consent_missing"]
    visit.consent = Consent(by="  ", at=visit.visited_at)
    assert codes(visit) == ["consent_missing"]


def test_follow_up_for_an_adult_who_does_not_exist():
    visit = completed_visit()
    visit.follow_ups = [FollowUp(code="upgrade_vneid_level2", member_id="nobody")]
    assert codes(visit) == ["follow_up_unknown_member"]


def test_follow_up_for_a_child_is_not_for_an_adult():
    kid = child(2020)
    visit = completed_visit(members=[adult(), kid])
    visit.follow_ups = [FollowUp(code="install_vneid", member_id=kid.id)]
    assert codes(visit) == ["follow_up_unknown_member"]


def test_follow_up_code_outside_the_catalogue():
    visit = completed_visit()
    visit.follow_ups = [FollowUp(code="buy_a_tractor")]
    assert codes(visit) == ["follow_up_unknown_code"]


@pytest.mark.parametrize(
    "section,question",
    [
        ("environment", "waste_sorting"),
        ("digital_services", "guided_services"),
        ("business", "is_business"),
        ("members", "member_count"),
    ],
)
def test_required_answers_missing(section, question):
    visit = completed_visit()
    del visit.answers[section][question]
    issues = validate_visit(visit, now=NOW)
    assert [(i.code, i.field) for i in issues] == [("required_missing", f"{section}.{question}")]


def test_required_adult_answer_missing():
    visit = completed_visit()
    del visit.members[0].answers["vneid"]
    found = {(i.code, i.field) for i in validate_visit(visit, now=NOW)}
    assert ("required_missing", "members[0].vneid") in found


def test_answer_not_in_the_choices():
    visit = completed_visit()
    visit.answers["environment"]["waste_sorting"] = "sometimes"
    visit.members[0].answers["phone_type"] = "tablet"
    found = {(i.code, i.field) for i in validate_visit(visit, now=NOW)}
    assert found == {("choice_invalid", "environment.waste_sorting"), ("choice_invalid", "members[0].phone_type")}


def test_exclusive_none_cannot_be_combined():
    visit = completed_visit(members=[adult(payments=["none", "bank_app"])])
    assert codes(visit) == ["choice_exclusive"]


def test_declined_visit_carrying_personal_data():
    home = household()
    visit = other_visit(home, "declined")
    assert codes(visit) == []
    visit.members = [adult()]
    assert codes(visit) == ["declined_has_personal_data"]


def test_nobody_home_visit_with_answers():
    visit = other_visit(household(), "nobody_home")
    visit.answers = {"environment": {"waste_sorting": "yes"}}
    assert codes(visit) == ["answers_without_completed_visit"]


def test_hidden_question_must_stay_empty():
    visit = completed_visit(business=False)
    visit.answers["business"]["business_tools"] = ["cashless"]
    assert codes(visit) == ["answer_not_applicable"]


def test_question_shown_by_a_condition_becomes_required():
    visit = completed_visit(business=True)
    del visit.answers["business"]["business_tools"]
    assert codes(visit) == ["required_missing"]


def test_adult_questions_not_asked_of_children():
    kid = child(2016)
    kid.answers = {"phone_type": "smartphone"}
    visit = completed_visit(members=[adult(), kid])
    assert codes(visit) == ["answer_not_applicable"]


def test_vneid_check_only_when_there_is_an_account():
    member = adult(vneid="none")
    visit = completed_visit(members=[member])
    assert codes(visit) == []
    member.answers["vneid_seen"] = "seen"
    assert codes(visit) == ["answer_not_applicable"]


def test_numbers_of_the_wrong_type_and_range():
    visit = completed_visit()
    visit.answers["members"]["member_count"] = "four"
    assert "number_invalid" in codes(visit)
    visit.answers["members"]["member_count"] = 0
    assert "number_out_of_range" in codes(visit)
    visit.answers["members"]["member_count"] = True
    assert "number_invalid" in codes(visit)


def test_product_list_items_are_checked():
    visit = completed_visit(business=True, products=[{"name": "x" * 81, "promoted_online": "perhaps"}])
    found = {(i.code, i.field) for i in validate_visit(visit, now=NOW)}
    assert found == {
        ("text_too_long", "business.products[0].name"),
        ("choice_invalid", "business.products[0].promoted_online"),
    }


def test_unknown_question_and_version():
    visit = completed_visit()
    visit.answers["environment"]["solar_panels"] = "yes"
    assert codes(visit) == ["question_unknown"]
    visit.checklist_version = 999
    assert codes(visit) == ["checklist_version_unknown"]


def test_invalid_outcome_and_future_visit():
    visit = other_visit(household(), "abducted")
    assert codes(visit) == ["outcome_invalid"]
    for missing in (None, ""):  # never "«None» is not valid" (a fresh tester saw Python's None)
        visit = other_visit(household(), "nobody_home")
        visit.outcome = missing
        assert codes(visit) == ["outcome_missing"]
        assert "None" not in validate_visit(visit, now=NOW)[0].message("vi")
    visit = other_visit(household(), "nobody_home", visited_at="2026-12-30T00:00:00+00:00")
    assert [(i.code, i.field) for i in validate_visit(visit, now=NOW)] == [("time_in_future", "visited_at")]


def test_a_completed_visit_lists_its_members():
    visit = completed_visit(members=[])
    visit.answers["members"]["member_count"] = 2
    assert codes(visit) == ["members_missing"]


def test_duplicate_member_ids():
    twin = adult()
    copy = Member.from_dict(twin.__dict__ | {"answers": dict(twin.answers)})
    visit = completed_visit(members=[twin, copy])
    assert "member_id_duplicate" in codes(visit)


def test_malformed_input_never_raises():
    visit = Visit.from_dict(
        {
            "household_id": "h",
            "hamlet_id": "t",
            "outcome": "completed",
            "created_at": "2026-06-15T09:00:00+00:00",
            "visited_at": "not a time",
            "members": [{"birth_year": "old", "answers": {}}],
            "answers": {"business": {"products": "lots"}, "environment": {"waste_sorting": ["yes"]}},
            "consent": {"by": "x", "at": "yesterday"},
        }
    )
    assert codes(visit) == ["time_invalid", "time_invalid"]  # visited_at, then consent.at
    visit.visited_at = "2026-06-15T09:30:00+00:00"
    issues = validate_visit(visit, now=NOW)
    assert ("time_invalid", "consent.at") in {(i.code, i.field) for i in issues}
    assert {"number_invalid", "choice_invalid"} <= {i.code for i in issues}
    strange = Visit.from_dict(
        {
            "household_id": "h",
            "hamlet_id": "t",
            "outcome": "completed",
            "created_at": "2026-06-15T09:00:00+00:00",
            "visited_at": "2026-06-15T09:30:00+00:00",
            "members": 5,
            "follow_ups": "x",
            "answers": [1, 2],
        }
    )
    assert "consent_missing" in codes(strange)


def test_household_rules():
    assert validate_household(household()) == []
    bad = household(head_name=" ", hamlet_id="", phone="12ab")
    assert [i.code for i in validate_household(bad)] == ["head_name_missing", "hamlet_missing", "phone_invalid"]
    assert validate_household(household(phone="+84 912 345 678")) == []
    assert validate_household(household(phone="0912.345.678")) == []

"""One record's form, judged the same way on the phone and on the server (DESIGN §5)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime

import pytest

from survey.errors import CATALOGUE
from survey.shape import FIELD_LIMITS, check_characters, clean_text
from survey.times import zone
from survey.validation import RecordContext, check_household, check_visit

from .builders import completed_visit, household

CONTEXT = RecordContext(now=datetime(2026, 11, 29, 5, 0, tzinfo=UTC), zone=zone(), campaign_start=date(2026, 1, 1))


def first(judged) -> tuple[str, str]:
    _record, issues = judged
    return (issues[0].code, issues[0].field) if issues else ("", "")


def good_household() -> dict:
    return household(created_at="2026-02-01T08:00:00+07:00").to_dict()


def good_visit() -> dict:
    return completed_visit(household()).to_dict()


def test_good_records_pass():
    assert check_household(good_household(), CONTEXT)[1] == []
    assert check_visit(good_visit(), CONTEXT)[1] == []


@pytest.mark.parametrize(
    "bend, expected",
    [
        (lambda r: r.update(address="Đi qua cầu treo, rẽ trái " * 25), ("text_too_long", "address")),  # 625 characters
        (lambda r: r.update(status="archived"), ("status_invalid", "status")),
        (lambda r: r.update(id="abc\x00def"), ("id_invalid", "id")),
        (lambda r: r.update(id=""), ("id_invalid", "id")),
        (lambda r: r.update(hamlet_id="../../etc"), ("id_invalid", "hamlet_id")),
        (lambda r: r.update(head_name=42), ("value_type_invalid", "head_name")),
        (lambda r: r.update(head_name="Nguyễn\x07 Văn An"), ("characters_invalid", "head_name")),
        (lambda r: r.update(created_at="2000-01-01T00:00:00+00:00"), ("time_before_campaign", "created_at")),
        (lambda r: r.update(updated_at="2027-11-29T05:00:00+00:00"), ("time_in_future", "updated_at")),
        (lambda r: r.update(created_at=20260101), ("time_invalid", "created_at")),
        (lambda r: r.update(revision=0), ("revision_invalid", "revision")),
        (lambda r: r.update(revision="3"), ("revision_invalid", "revision")),
        (lambda r: r.update(removed_reason="abducted"), ("household_status_invalid", "removed_reason")),
    ],
)
def test_each_kind_of_bad_household_gets_its_own_code(bend, expected):
    raw = good_household()
    bend(raw)
    record, issues = check_household(raw, CONTEXT)
    assert first((record, issues)) == expected
    assert all(i.code in CATALOGUE for i in issues)


def _member_answers(raw: dict, **answers) -> dict:
    raw["members"][0]["answers"].update(answers)
    return raw


@pytest.mark.parametrize(
    "bend, expected",
    [
        (lambda r: r.update(status="lost"), ("status_invalid", "status")),
        (lambda r: r.update(household_id="h\x00"), ("id_invalid", "household_id")),
        (lambda r: _member_answers(r, id_number="012345678901"), ("question_unknown", "members[0].answers.id_number")),
        (lambda r: r.update(members="everyone"), ("value_type_invalid", "members")),
        (lambda r: r.update(members=[{"id": "m"}] * 51), ("items_too_many", "members")),
        (lambda r: r["members"][0].update(id=7), ("id_invalid", "members[0].id")),
        (lambda r: r.update(answers={"environment": "yes"}), ("value_type_invalid", "answers")),
        (lambda r: r.update(follow_ups=[{"code": "x" * 100}]), ("follow_up_unknown_code", "follow_ups[0]")),
        (
            lambda r: r.update(consent={"by": "Chủ hộ", "at": "2030-01-01T00:00:00+07:00"}),
            ("time_in_future", "consent.at"),
        ),
        (lambda r: r.update(visited_at="2025-12-30T10:00:00+07:00"), ("time_before_campaign", "visited_at")),
        (lambda r: r["answers"]["environment"].update(note="x"), ("question_unknown", "environment.note")),
        (lambda r: r["answers"].update(health={"blood_type": "O"}), ("question_unknown", "health")),
    ],
)
def test_each_kind_of_bad_visit_gets_its_own_code(bend, expected):
    raw = good_visit()
    bend(raw)
    assert first(check_visit(raw, CONTEXT)) == expected


def test_a_five_megabyte_answer_is_refused_and_quoted_in_a_few_words():
    raw = good_visit()
    raw["members"][0]["answers"]["notes"] = "A" * 5_000_000
    raw["members"][0]["answers"]["vneid"] = "B" * 5_000_000
    _, issues = check_visit(raw, CONTEXT)
    assert ("question_unknown", "members[0].answers.notes") in {(i.code, i.field) for i in issues}
    assert ("choice_invalid", "members[0].vneid") in {(i.code, i.field) for i in issues}
    assert max(len(json.dumps(i.to_dict())) for i in issues) < 1_000


def test_a_product_with_extra_fields_is_refused():
    visit = completed_visit(
        household(), business=True, products=[{"name": "Chè", "promoted_online": "yes", "bank_account": "123"}]
    )
    assert first(check_visit(visit.to_dict(), CONTEXT)) == ("question_unknown", "business.products[0].bank_account")


def test_characters_are_checked_everywhere_and_the_json_prefilter_agrees_with_the_walk():
    raw = good_visit()
    raw["answers"]["business"]["products"] = [{"name": "Chè\x00", "promoted_online": "yes"}]
    text = json.dumps(raw, ensure_ascii=False)
    assert check_characters(raw, text) == check_characters(raw)
    assert check_characters(raw)[0].field == "answers.business.products[0].name"
    clean = good_visit()
    clean["answers"]["environment"]["waste_sorting"] = "yes"
    clean["volunteer"] = "tab\tand\nnew line and a \\u0000 typed as text"
    assert check_characters(clean, json.dumps(clean, ensure_ascii=False)) == []


def test_clean_text_keeps_the_words_of_pasted_directions():
    assert clean_text("  Xóm 3,\r\n  rẽ trái\tqua cầu\x00 ") == "Xóm 3, rẽ trái qua cầu"


def test_limits_are_the_phone_fields_limits():
    assert FIELD_LIMITS["address"] == 500 and FIELD_LIMITS["head_name"] == 120


def test_judging_never_raises_on_random_junk():
    rng = random.Random(9)
    leaves = [None, True, 0, -1, 2**70, 1.5, "", "x" * 70, "\x00", [], {}, "2026-06-15T09:30:00+07:00"]

    def junk(depth: int = 0):
        kind = rng.random()
        if depth > 3 or kind < 0.5:
            return rng.choice(leaves)
        if kind < 0.75:
            return [junk(depth + 1) for _ in range(rng.randint(0, 3))]
        return {
            rng.choice(["id", "members", "answers", "consent", "at", "by", "code", "x"]): junk(depth + 1)
            for _ in range(rng.randint(0, 3))
        }

    for _ in range(3_000):
        for base in (good_household(), good_visit()):
            raw = dict(base)
            for _ in range(rng.randint(1, 4)):
                raw[rng.choice([*list(raw), "extra"])] = junk()
            judge = check_household if "head_name" in base else check_visit
            record, issues = judge(raw, CONTEXT)
            assert record is not None or issues
            assert all(i.code in CATALOGUE for i in issues)

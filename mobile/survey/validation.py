"""Validation of households and visits: small rules, each returning a list of issues.

User input never raises here: a volunteer at a door must always get a message, and the
server must be able to reject one record and accept the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from . import checklist as checklists
from .checklist import Checklist, Question, evaluate
from .errors import Issue
from .records import Household, Member, Outcome, Visit, parse_time

DEFAULT_ADULT_AGE = 18
# Phone clocks drift; a visit a few minutes "in the future" is a clock, not an error.
CLOCK_SKEW = timedelta(minutes=10)
_PHONE = re.compile(r"^(\+?84|0)?\d{9,10}$")
_REMOVED_REASONS = (None, "moved", "duplicate")


def blocking(issues: Iterable[Issue]) -> list[Issue]:
    """The issues that stop a record from being completed or accepted."""
    return [i for i in issues if i.severity == "error"]


# -- households -----------------------------------------------------------------------------


def validate_household(household: Household) -> list[Issue]:
    issues: list[Issue] = []
    if not str(household.head_name or "").strip():
        issues.append(Issue("head_name_missing", "head_name"))
    if not str(household.hamlet_id or "").strip():
        issues.append(Issue("hamlet_missing", "hamlet_id"))
    phone = re.sub(r"[\s.\-]", "", str(household.phone or ""))
    if phone and not _PHONE.match(phone):
        issues.append(Issue("phone_invalid", "phone", {"value": household.phone}))
    if household.removed_reason not in _REMOVED_REASONS:
        issues.append(
            Issue("household_status_invalid", "removed_reason", {"value": household.removed_reason})
        )
    return issues


# -- visits ---------------------------------------------------------------------------------


def validate_visit(
    visit: Visit, *, adult_age: int = DEFAULT_ADULT_AGE, now: datetime | None = None
) -> list[Issue]:
    """Every issue of a visit, read with the checklist version it was filled with."""
    try:
        definition = checklists.load(visit.checklist_version)
    except KeyError:
        return [Issue("checklist_version_unknown", "checklist_version", {"version": visit.checklist_version})]
    now = now or datetime.now(timezone.utc)
    issues = check_outcome(visit, definition) + check_visit_time(visit, now)
    if any(i.code == "time_invalid" for i in issues):
        return issues  # everything below reads the visit's year
    if visit.outcome != Outcome.COMPLETED:
        return issues + check_no_personal_data(visit)
    issues += check_consent(visit, definition)
    issues += check_household_answers(visit, definition)
    issues += check_unknown_questions(visit, definition)
    issues += check_members(visit, definition, now.year)
    issues += check_member_count(visit, adult_age)
    issues += check_follow_ups(visit, definition)
    return issues


def check_outcome(visit: Visit, definition: Checklist) -> list[Issue]:
    if visit.outcome not in definition.outcome_values:
        return [Issue("outcome_invalid", "outcome", {"value": visit.outcome})]
    return []


def check_visit_time(visit: Visit, now: datetime) -> list[Issue]:
    try:
        moment = parse_time(visit.visited_at)
    except (TypeError, ValueError):
        return [Issue("time_invalid", "visited_at", {"value": visit.visited_at})]
    if moment > now + CLOCK_SKEW:
        return [Issue("visit_in_future", "visited_at", {"value": visit.visited_at})]
    return []


def check_no_personal_data(visit: Visit) -> list[Issue]:
    """Only a completed visit may carry answers; a declined one carries nothing personal."""
    what = [
        name
        for name, present in (
            ("members", bool(visit.members)),
            ("answers", any(visit.answers.values())),
            ("consent", visit.consent is not None),
            ("follow_ups", bool(visit.follow_ups)),
        )
        if present
    ]
    if not what:
        return []
    code = (
        "declined_has_personal_data"
        if visit.outcome == Outcome.DECLINED
        else "answers_without_completed_visit"
    )
    return [Issue(code, what[0], {"what": ", ".join(what)})]


def check_consent(visit: Visit, definition: Checklist) -> list[Issue]:
    consent = visit.consent
    if consent is None or not consent.by.strip() or not consent.at:
        return [Issue("consent_missing", "consent")]
    try:
        parse_time(consent.at)
    except (TypeError, ValueError):
        return [Issue("consent_missing", "consent.at")]
    if len(consent.by) > definition.consent_by_max_length:
        return [Issue("text_too_long", "consent.by", _ctx(None, max=definition.consent_by_max_length,
                                                        label=definition.consent_by_label))]
    return []


def check_household_answers(visit: Visit, definition: Checklist) -> list[Issue]:
    plan = _plan(definition)
    values = visit.household_values()
    year = visit.year if plan.household_questions else 0  # read once, not per question
    issues: list[Issue] = []
    for section_id, questions in plan.household:
        answers = visit.answers.get(section_id, {})
        for question in questions:
            value = answers.get(question.id)
            visible = question.when is None or evaluate(question.when, values)
            if not _clean(question, value, visible, year, plan):
                issues += check_answer(question, value, visible=visible,
                                       field=f"{section_id}.{question.id}", year=year)
    return issues


def check_unknown_questions(visit: Visit, definition: Checklist) -> list[Issue]:
    known = _plan(definition).known
    return [
        Issue("question_unknown", f"{section_id}.{qid}", {"question": qid, "version": definition.version})
        for section_id, answers in visit.answers.items()
        for qid in answers
        if qid not in known.get(section_id, ())
    ]


def check_members(visit: Visit, definition: Checklist, current_year: int) -> list[Issue]:
    plan = _plan(definition)
    issues: list[Issue] = []
    seen: set[str] = set()
    household = visit.household_values()
    year = visit.year if visit.members else 0  # parsed once per visit, not per answer
    member_year = min(year, current_year)
    for index, member in enumerate(visit.members):
        if member.id in seen:
            issues.append(Issue("member_id_duplicate", f"members[{index}]"))
        seen.add(member.id)
        for question in plan.member:
            value = member.value(question.id)
            if not _clean(question, value, True, member_year, plan):
                issues += check_answer(question, value, visible=True,
                                       field=f"members[{index}].{question.id}", year=member_year)
        asked = member.is_adult(year, definition.adult_questions_from_age)
        context = {**household, **member.values()}
        for question in plan.adult:
            value = member.value(question.id)
            visible = asked and (question.when is None or evaluate(question.when, context))
            if not _clean(question, value, visible, year, plan):
                issues += check_answer(question, value, visible=visible,
                                       field=f"members[{index}].{question.id}", year=year)
    return issues


def check_member_count(visit: Visit, adult_age: int) -> list[Issue]:
    if not visit.members:
        return [Issue("members_missing", "members")]
    declared = visit.answer("member_count")
    if not _is_int(declared):
        return []
    issues: list[Issue] = []
    adults = len(visit.adults(adult_age))
    if adults > declared:
        issues.append(Issue("adults_exceed_members", "members.member_count",
                            {"adults": adults, "members": declared}))
    if len(visit.members) != declared:
        issues.append(Issue("roster_size_mismatch", "members.member_count",
                            {"listed": len(visit.members), "members": declared}))
    return issues


def check_follow_ups(visit: Visit, definition: Checklist) -> list[Issue]:
    issues: list[Issue] = []
    adults = {m.id for m in visit.adults(definition.adult_questions_from_age)}
    codes = _plan(definition).catalogue_codes
    for index, follow_up in enumerate(visit.follow_ups):
        where = f"follow_ups[{index}]"
        if follow_up.code not in codes:
            issues.append(Issue("follow_up_unknown_code", where, {"value": follow_up.code}))
        if follow_up.member_id is not None and follow_up.member_id not in adults:
            issues.append(Issue("follow_up_unknown_member", where, {"member_id": follow_up.member_id}))
    return issues


# -- one answer -----------------------------------------------------------------------------


def check_answer(question: Question, value: Any, *, visible: bool, field: str, year: int) -> list[Issue]:
    """The issues of one answer to one question: presence first, then its form."""
    answered = value not in (None, "", [])
    if not visible:
        return [Issue("answer_not_applicable", field, _ctx(question))] if answered else []
    if not answered:
        return [Issue("required_missing", field, _ctx(question))] if question.required else []
    check = _TYPE_CHECKS[question.type]
    return check(question, value, field, year)


def _check_single(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if value not in question.choice_values:
        return [Issue("choice_invalid", field, _ctx(question, value=value))]
    return []


def _check_multi(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not isinstance(value, list):
        return [Issue("choice_invalid", field, _ctx(question, value=value))]
    issues = [
        Issue("choice_invalid", field, _ctx(question, value=v))
        for v in value
        if v not in question.choice_values
    ]
    for exclusive in question.exclusive:
        if exclusive in value and len(set(value)) > 1:
            issues.append(Issue("choice_exclusive", field, _ctx(question, value=exclusive)))
    return issues


def _check_integer(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not _is_int(value):
        return [Issue("number_invalid", field, _ctx(question, value=value))]
    low = question.min if question.min is not None else value
    high = question.max if question.max is not None else value
    if not low <= value <= high:
        return [Issue("number_out_of_range", field, _ctx(question, value=value, min=low, max=high))]
    return []


def _check_year(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not _is_int(value):
        return [Issue("number_invalid", field, _ctx(question, value=value))]
    if value > year:
        return [Issue("year_in_future", field, _ctx(question, value=value))]
    if question.min is not None and value < question.min:
        return [Issue("year_too_early", field, _ctx(question, value=value, min=question.min))]
    return []


def _check_text(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not isinstance(value, str):
        return [Issue("choice_invalid", field, _ctx(question, value=value))]
    if question.max_length is not None and len(value) > question.max_length:
        return [Issue("text_too_long", field, _ctx(question, max=question.max_length))]
    return []


def _check_items(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return [Issue("choice_invalid", field, _ctx(question, value="…"))]
    issues: list[Issue] = []
    if question.max_items is not None and len(value) > question.max_items:
        issues.append(Issue("number_out_of_range", field,
                            _ctx(question, value=len(value), min=0, max=question.max_items)))
    for index, item in enumerate(value):
        for sub in question.fields:
            issues += check_answer(sub, item.get(sub.id), visible=True,
                                   field=f"{field}[{index}].{sub.id}", year=year)
    return issues


_TYPE_CHECKS = {
    "single": _check_single,
    "multi": _check_multi,
    "integer": _check_integer,
    "year": _check_year,
    "text": _check_text,
    "items": _check_items,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ctx(question: Question | None, label: Any = None, **extra: Any) -> dict[str, Any]:
    label = label or (question.label if question else None)
    context = {"label_vi": label.vi, "label_en": label.en} if label else {}
    if question is not None:
        context["question"] = question.id
    return {**context, **extra}


# -- the happy path, without building issues --------------------------------------------------
#
# Most answers are fine. The server validates thousands of visits a second (DESIGN §6), so
# the per-answer work must not build field names, Issue objects and choice tuples only to
# throw them away: `_clean` answers "would `check_answer` find nothing?" from per-checklist
# precomputed data, and whenever it is not sure it says no and `check_answer` decides. The
# issues reported are therefore always exactly those of `check_answer`.


@dataclass(frozen=True)
class _Plan:
    """What validating a visit reads again and again from one checklist, computed once."""

    household: tuple[tuple[str, tuple[Question, ...]], ...]  # (section id, its questions)
    household_questions: int
    member: tuple[Question, ...]
    adult: tuple[Question, ...]
    known: dict[str, frozenset[str]]  # household section id → its question ids
    catalogue_codes: frozenset[str]
    choices: dict[int, frozenset[Any]]  # id(question) → its choice values, items' fields too


_PLANS: dict[int, tuple[Checklist, _Plan]] = {}


def _plan(definition: Checklist) -> _Plan:
    """The plan of this checklist object (kept beside it, so its id is never reused)."""
    entry = _PLANS.get(id(definition))
    if entry is not None and entry[0] is definition:
        return entry[1]
    household = definition.sections_for("household")
    choices: dict[int, frozenset[Any]] = {}
    pending = [q for s in definition.sections for q in s.questions]
    while pending:
        question = pending.pop()
        try:
            choices[id(question)] = frozenset(question.choice_values)
        except TypeError:  # an unhashable choice value: `_clean` leaves that question to check_answer
            pass
        pending.extend(question.fields)
    plan = _Plan(
        household=tuple((s.id, s.questions) for s in household),
        household_questions=sum(len(s.questions) for s in household),
        member=definition.questions_for("member"),
        adult=definition.questions_for("adult"),
        known={s.id: frozenset(q.id for q in s.questions) for s in household},
        catalogue_codes=frozenset(definition.catalogue_codes),
        choices=choices,
    )
    if len(_PLANS) >= 64:  # only tests make many checklists; never grow without bound
        _PLANS.clear()
    _PLANS[id(definition)] = (definition, plan)
    return plan


def _clean(question: Question, value: Any, visible: bool, year: int, plan: _Plan) -> bool:
    """True only when `check_answer` would return no issue; False when it may (or when unsure)."""
    try:
        answered = value not in (None, "", [])
        if not visible:
            return not answered
        if not answered:
            return not question.required
        kind = question.type
        if kind == "single":
            return value in plan.choices[id(question)]
        if kind == "multi":
            if type(value) is not list:
                return False
            choices = plan.choices[id(question)]
            for item in value:
                if item not in choices:
                    return False
            return not any(e in value for e in question.exclusive) or len(set(value)) <= 1
        if kind == "integer":
            return (_is_int(value) and (question.min is None or question.min <= value)
                    and (question.max is None or value <= question.max))
        if kind == "year":
            return _is_int(value) and value <= year and (question.min is None or value >= question.min)
        if kind == "text":
            return isinstance(value, str) and (question.max_length is None or len(value) <= question.max_length)
        if kind == "items":
            if type(value) is not list or (question.max_items is not None and len(value) > question.max_items):
                return False
            for item in value:
                if type(item) is not dict:
                    return False
                for sub in question.fields:
                    if not _clean(sub, item.get(sub.id), True, year, plan):
                        return False
            return True
    except (TypeError, KeyError):  # an unhashable or odd value: let check_answer decide
        return False
    return False

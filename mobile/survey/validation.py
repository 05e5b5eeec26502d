"""Validation of households and visits: small rules, each returning a list of issues.

User input never raises here: a volunteer at a door must always get a message, and the
server must be able to reject one record and accept the next. The same rules run on the
phone before it saves and on the server per record (DESIGN §5): `judge_household` and
`judge_visit` take a record's dictionary, check its form (`survey.shape`), its times and
its content, and return the record with every issue found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import partial
from typing import Any

from . import checklist as checklists
from .checklist import Checklist, Question, evaluate
from .errors import Issue, shown
from .records import Household, Outcome, Visit
from .shape import check_characters, check_household_shape, check_visit_shape, wrong_kind
from .times import CLOCK_TOLERANCE, DEFAULT_CAMPAIGN_START, as_utc, instant, local_day, start_of_day, system_clock, zone

DEFAULT_ADULT_AGE = 18
# Phone clocks drift; a time a few minutes "in the future" is a clock, not an error.
CLOCK_SKEW = CLOCK_TOLERANCE
_PHONE = re.compile(r"^(\+?84|0)?\d{9,10}$")
_REMOVED_REASONS = (None, "moved", "duplicate")


@dataclass(frozen=True)
class RecordContext:
    """What judging one record needs besides the record: the instant it is judged at (the
    server's clock on the server, the phone's on the phone), and the commune's time zone,
    campaign start and adult age (its configuration)."""

    now: datetime = field(default_factory=system_clock)
    zone: tzinfo = field(default_factory=zone)
    campaign_start: date = DEFAULT_CAMPAIGN_START
    adult_age: int = DEFAULT_ADULT_AGE
    # The first instant a record may carry (the campaign's first day, commune time) and the
    # last (now, plus a little clock drift): computed once, read for every time of every record.
    earliest: datetime = field(init=False, repr=False, compare=False)
    latest: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "earliest", start_of_day(self.campaign_start, self.zone))
        object.__setattr__(self, "latest", as_utc(self.now) + CLOCK_SKEW)

    @classmethod
    def of(cls, config: Any, now: datetime | None = None, adult_age: int | None = None) -> RecordContext:
        """The context of a commune's `CoverageConfig` at `now` (the system clock when None)."""
        return cls(
            now=now or system_clock(),
            zone=config.zone,
            campaign_start=config.campaign_start,
            adult_age=config.adult_age if adult_age is None else adult_age,
        )


def _context(context: RecordContext | None, now: datetime | None, adult_age: int | None) -> RecordContext:
    context = context or RecordContext()
    if now is not None or adult_age is not None:
        context = RecordContext(
            now or context.now,
            context.zone,
            context.campaign_start,
            context.adult_age if adult_age is None else adult_age,
        )
    return context


def blocking(issues: Iterable[Issue]) -> list[Issue]:
    """The issues that stop a record from being completed or accepted."""
    return [i for i in issues if i.severity == "error"]


_SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError)


def read_household(raw: object) -> tuple[Household | None, list[Issue]]:
    """A household's dictionary read as a `Household`, or the issues of its form."""
    return _read(raw, check_household_shape, Household)  # type: ignore[return-value]


def read_visit(raw: object) -> tuple[Visit | None, list[Issue]]:
    """A visit's dictionary read as a `Visit`, or the issues of its form."""
    return _read(raw, check_visit_shape, Visit)  # type: ignore[return-value]


def _read(raw: object, shape: Any, kind: type[Household] | type[Visit]) -> tuple[Household | Visit | None, list[Issue]]:
    issues = shape(raw)
    if issues:
        return None, issues
    try:
        return kind.from_dict(raw), []  # type: ignore[arg-type]
    except _SHAPE_ERRORS:  # a value of a form no rule above foresaw
        return None, [wrong_kind("", "valid")]


def judge_household(
    household: Household,
    context: RecordContext | None = None,
    content: Mapping[str, Any] | None = None,
    text: str | None = None,
    *,
    created_known: bool = False,
) -> list[Issue]:
    """Every issue of a household read from its dictionary: the characters of what would be
    stored (`content`, its `to_dict()`; `text`, its JSON when the caller made it anyway),
    its times and its content. `created_known`: the server already holds the household, so
    its `created_at` is the server's and is not judged again (see `validate_household`)."""
    return _judge(household, partial(validate_household, created_known=created_known), context, content, text)


def judge_visit(
    visit: Visit,
    context: RecordContext | None = None,
    content: Mapping[str, Any] | None = None,
    text: str | None = None,
) -> list[Issue]:
    """Every issue of a visit read from its dictionary (see `judge_household`)."""
    return _judge(visit, validate_visit, context, content, text)


def _judge(
    record: Household | Visit,
    rules: Callable[[Any, RecordContext | None], list[Issue]],
    context: RecordContext | None,
    content: Mapping[str, Any] | None,
    text: str | None,
) -> list[Issue]:
    try:
        return check_characters(content if content is not None else record.to_dict(), text) + rules(record, context)
    except _SHAPE_ERRORS:
        return [wrong_kind("", "valid")]


def check_household(raw: object, context: RecordContext | None = None) -> tuple[Household | None, list[Issue]]:
    """Every rule about one household, on its dictionary: what the phone runs before it
    saves, and the server per record (between reading and judging, the server recognises
    a record it already holds: a re-send is a duplicate whatever today's rules say).

    On the phone a household with a revision came from (or through) the server, so its
    `created_at` is the server's and is not judged again: an edit of a household created
    before a later campaign start, or by a phone whose clock was wrong then, goes through."""
    household, issues = read_household(raw)
    if household is None:
        return household, issues
    return household, judge_household(household, context, created_known=household.revision is not None)


def check_visit(raw: object, context: RecordContext | None = None) -> tuple[Visit | None, list[Issue]]:
    """Every rule about one visit, on its dictionary (see `check_household`)."""
    visit, issues = read_visit(raw)
    return visit, issues if visit is None else judge_visit(visit, context)


# -- times ----------------------------------------------------------------------------------


def check_time(value: Any, where: str, context: RecordContext, *, required: bool = True) -> list[Issue]:
    """One recorded time: an ISO time with an offset, not before the campaign's first day
    (DESIGN §5, configuration), not after now plus a little drift."""
    if value is None and not required:
        return []
    try:
        moment = instant(value)
    except OverflowError:  # a valid time at the edge of the calendar (year 1 or 9999) once in UTC
        early = datetime.fromisoformat(value).year < context.campaign_start.year
        return [
            Issue(
                "time_before_campaign" if early else "time_in_future",
                where,
                {"value": value, "day": shown(value), "start": _dmy(context.campaign_start)},
            )
        ]
    except (TypeError, ValueError):
        return [Issue("time_invalid", where, {"value": shown(value)})]
    if moment < context.earliest:
        return [
            Issue(
                "time_before_campaign",
                where,
                {"value": value, "day": _day_text(moment, context, value), "start": _dmy(context.campaign_start)},
            )
        ]
    if moment > context.latest:
        return [Issue("time_in_future", where, {"value": value, "day": _moment_text(moment, context, value)})]
    return []


def _dmy(day: date) -> str:
    """dd/mm/yyyy, the year in four digits (year 1 is 01/01/0001, not 01/01/1)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _day_text(moment: datetime, context: RecordContext, value: Any) -> str:
    try:
        return _dmy(local_day(moment, context.zone))
    except OverflowError:  # past the calendar's edge in the commune's zone: the text as sent
        return str(shown(value))


def _moment_text(moment: datetime, context: RecordContext, value: Any) -> str:
    try:
        local = as_utc(moment).astimezone(context.zone)
    except OverflowError:
        return str(shown(value))
    return f"{local.hour:02d}:{local.minute:02d} {_dmy(local.date())}"


# -- households -----------------------------------------------------------------------------


def validate_household(
    household: Household, context: RecordContext | None = None, *, created_known: bool = False
) -> list[Issue]:
    """Every issue of a household's content and times (its form: `survey.shape`).

    A household's `created_at` is fixed when the server first accepts it (the server keeps
    its own on every edit), so with `created_known` it is not judged again: a time judged
    once is not refused later because the campaign start moved or a clock was wrong then."""
    context = context or RecordContext()
    issues: list[Issue] = []
    if not str(household.head_name or "").strip():
        issues.append(Issue("head_name_missing", "head_name"))
    if not str(household.hamlet_id or "").strip():
        issues.append(Issue("hamlet_missing", "hamlet_id"))
    phone = re.sub(r"[\s.\-]", "", str(household.phone or ""))
    if phone and not _PHONE.match(phone):
        issues.append(Issue("phone_invalid", "phone", {"value": shown(household.phone)}))
    if household.checklist_version not in checklists.versions():
        issues.append(
            Issue("checklist_version_unknown", "checklist_version", {"version": shown(household.checklist_version)})
        )
    if household.removed_reason not in _REMOVED_REASONS:
        issues.append(Issue("household_status_invalid", "removed_reason", {"value": shown(household.removed_reason)}))
    created = [] if created_known else check_time(household.created_at, "created_at", context)
    issues += (
        created  # one wrong clock, one message
        or check_time(household.updated_at, "updated_at", context, required=False)
    )
    issues += check_time(household.removed_at, "removed_at", context, required=False)
    return issues


# -- visits ---------------------------------------------------------------------------------


def validate_visit(
    visit: Visit,
    context: RecordContext | None = None,
    *,
    adult_age: int | None = None,
    now: datetime | None = None,
) -> list[Issue]:
    """Every issue of a visit, read with the checklist version it was filled with.

    `adult_age` and `now`, when given, override the context's (tests, the wizard).
    """
    context = _context(context, now, adult_age)
    try:
        definition = checklists.load(visit.checklist_version)
    except KeyError:
        return [Issue("checklist_version_unknown", "checklist_version", {"version": shown(visit.checklist_version)})]
    times = check_visit_times(visit, context)
    issues = check_outcome(visit, definition) + times
    if any(i.field == "visited_at" for i in times):
        return issues  # everything below reads the visit's year
    if visit.outcome != Outcome.COMPLETED:
        return issues + check_no_personal_data(visit)
    issues += check_consent(visit, definition)
    issues += check_household_answers(visit, definition, context.zone)
    issues += check_unknown_questions(visit, definition)
    issues += check_members(visit, definition, local_day(context.now, context.zone).year, context.zone)
    issues += check_member_count(visit, context.adult_age, context.zone)
    issues += check_follow_ups(visit, definition, context.zone)
    return issues


def check_outcome(visit: Visit, definition: Checklist) -> list[Issue]:
    """The outcome at the door: given (outcome_missing), and one of the checklist's."""
    if visit.outcome in (None, ""):
        return [Issue("outcome_missing", "outcome")]
    if visit.outcome not in definition.outcome_values:
        return [Issue("outcome_invalid", "outcome", {"value": shown(visit.outcome)})]
    return []


def check_visit_times(visit: Visit, context: RecordContext) -> list[Issue]:
    """The visit's own time, else its bookkeeping times (one wrong clock, one message), and
    the time of the consent it carries."""
    if visit.created_at == visit.visited_at == visit.updated_at and (
        visit.consent is None or visit.consent.at in ("", visit.visited_at)
    ):
        return check_time(visit.visited_at, "visited_at", context)  # one time, read once
    issues = (
        check_time(visit.visited_at, "visited_at", context)
        or check_time(visit.created_at, "created_at", context)
        or check_time(visit.updated_at, "updated_at", context, required=False)
    )
    if visit.consent is not None and visit.consent.at:
        issues = issues + check_time(visit.consent.at, "consent.at", context)
    return issues


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
    code = "declined_has_personal_data" if visit.outcome == Outcome.DECLINED else "answers_without_completed_visit"
    return [Issue(code, what[0], {"what": ", ".join(what)})]


def check_consent(visit: Visit, definition: Checklist) -> list[Issue]:
    consent = visit.consent
    if consent is None or not consent.by.strip() or not consent.at:
        return [Issue("consent_missing", "consent")]
    if len(consent.by) > definition.consent_by_max_length:
        return [
            Issue(
                "text_too_long",
                "consent.by",
                _ctx(None, max=definition.consent_by_max_length, label=definition.consent_by_label),
            )
        ]
    return []


def check_household_answers(visit: Visit, definition: Checklist, tz: tzinfo | None = None) -> list[Issue]:
    plan = _plan(definition)
    values = visit.household_values()
    year = visit.year_in(tz or zone()) if plan.household_questions else 0  # read once, not per question
    issues: list[Issue] = []
    for section_id, questions in plan.household:
        answers = visit.answers.get(section_id, {})
        for question in questions:
            value = answers.get(question.id)
            visible = question.when is None or evaluate(question.when, values)
            if not _clean(question, value, visible, year, plan):
                issues += check_answer(question, value, visible=visible, field=f"{section_id}.{question.id}", year=year)
    return issues


def check_unknown_questions(visit: Visit, definition: Checklist) -> list[Issue]:
    """Only the checklist's questions are stored (DESIGN §2, data minimisation): an answer
    to anything else, a section the checklist does not have included, is refused."""
    known = _plan(definition).known
    issues = []
    for section_id, answers in visit.answers.items():
        if section_id not in known:
            issues.append(
                Issue(
                    "question_unknown",
                    shown(section_id),
                    {"question": shown(section_id), "version": definition.version},
                )
            )
            continue
        issues += [
            Issue(
                "question_unknown",
                f"{section_id}.{shown(qid)}",
                {"question": shown(qid), "version": definition.version},
            )
            for qid in answers
            if qid not in known[section_id]
        ]
    return issues


def check_members(visit: Visit, definition: Checklist, current_year: int, tz: tzinfo | None = None) -> list[Issue]:
    """Each member's answers: only the checklist's member and adult questions, each with a
    value of its type (no ID numbers or anything else slipped in: DESIGN §2)."""
    plan = _plan(definition)
    issues: list[Issue] = []
    seen: set[str] = set()
    household = visit.household_values()
    year = visit.year_in(tz or zone()) if visit.members else 0  # parsed once per visit, not per answer
    member_year = min(year, current_year)
    for index, member in enumerate(visit.members):
        if member.id in seen:
            issues.append(Issue("member_id_duplicate", f"members[{index}]"))
        seen.add(member.id)
        for key in member.answers:
            if key not in plan.member_answer_ids:
                issues.append(
                    Issue(
                        "question_unknown",
                        f"members[{index}].answers.{shown(key)}",
                        {"question": shown(key), "version": definition.version},
                    )
                )
        for question in plan.member:
            value = member.value(question.id)
            if not _clean(question, value, True, member_year, plan):
                issues += check_answer(
                    question, value, visible=True, field=f"members[{index}].{question.id}", year=member_year
                )
        asked = member.is_adult(year, definition.adult_questions_from_age)
        context = {**household, **member.values()}
        for question in plan.adult:
            value = member.value(question.id)
            visible = asked and (question.when is None or evaluate(question.when, context))
            if not _clean(question, value, visible, year, plan):
                issues += check_answer(
                    question, value, visible=visible, field=f"members[{index}].{question.id}", year=year
                )
    return issues


def check_member_count(visit: Visit, adult_age: int, tz: tzinfo | None = None) -> list[Issue]:
    if not visit.members:
        return [Issue("members_missing", "members")]
    declared = visit.answer("member_count")
    if not _is_int(declared):
        return []
    issues: list[Issue] = []
    adults = len(visit.adults(adult_age, tz))
    if adults > declared:
        issues.append(Issue("adults_exceed_members", "members.member_count", {"adults": adults, "members": declared}))
    if len(visit.members) != declared:
        issues.append(
            Issue("roster_size_mismatch", "members.member_count", {"listed": len(visit.members), "members": declared})
        )
    return issues


def check_follow_ups(visit: Visit, definition: Checklist, tz: tzinfo | None = None) -> list[Issue]:
    issues: list[Issue] = []
    adults = {m.id for m in visit.adults(definition.adult_questions_from_age, tz)}
    codes = _plan(definition).catalogue_codes
    for index, follow_up in enumerate(visit.follow_ups):
        where = f"follow_ups[{index}]"
        if follow_up.code not in codes:
            issues.append(Issue("follow_up_unknown_code", where, {"value": shown(follow_up.code)}))
        if follow_up.member_id is not None and follow_up.member_id not in adults:
            issues.append(Issue("follow_up_unknown_member", where, {"member_id": shown(follow_up.member_id)}))
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
        return [Issue("choice_invalid", field, _ctx(question, value=shown(value)))]
    return []


def _check_multi(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not isinstance(value, list):
        return [Issue("choice_invalid", field, _ctx(question, value=shown(value)))]
    issues = [
        Issue("choice_invalid", field, _ctx(question, value=shown(v))) for v in value if v not in question.choice_values
    ]
    for exclusive in question.exclusive:
        if exclusive in value and len(set(value)) > 1:
            issues.append(Issue("choice_exclusive", field, _ctx(question, value=shown(exclusive))))
    return issues


def _check_integer(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not _is_int(value):
        return [Issue("number_invalid", field, _ctx(question, value=shown(value)))]
    low = question.min if question.min is not None else value
    high = question.max if question.max is not None else value
    if not low <= value <= high:
        return [Issue("number_out_of_range", field, _ctx(question, value=shown(value), min=low, max=high))]
    return []


def _check_year(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not _is_int(value):
        return [Issue("number_invalid", field, _ctx(question, value=shown(value)))]
    if value > year:
        return [Issue("year_in_future", field, _ctx(question, value=shown(value)))]
    if question.min is not None and value < question.min:
        return [Issue("year_too_early", field, _ctx(question, value=shown(value), min=question.min))]
    return []


def _check_text(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not isinstance(value, str):
        return [Issue("choice_invalid", field, _ctx(question, value=shown(value)))]
    if question.max_length is not None and len(value) > question.max_length:
        return [Issue("text_too_long", field, _ctx(question, max=question.max_length))]
    return []


def _check_items(question: Question, value: Any, field: str, year: int) -> list[Issue]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return [Issue("choice_invalid", field, _ctx(question, value="…"))]
    issues: list[Issue] = []
    if question.max_items is not None and len(value) > question.max_items:
        issues.append(
            Issue("number_out_of_range", field, _ctx(question, value=len(value), min=0, max=question.max_items))
        )
    known = {sub.id for sub in question.fields}
    for index, item in enumerate(value):
        issues += [
            Issue("question_unknown", f"{field}[{index}].{shown(key)}", {"question": shown(key), "version": ""})
            for key in item
            if key not in known
        ]
        for sub in question.fields:
            issues += check_answer(sub, item.get(sub.id), visible=True, field=f"{field}[{index}].{sub.id}", year=year)
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
    member_answer_ids: frozenset[str]  # what a member's `answers` may hold
    item_fields: dict[int, frozenset[str]]  # id(items question) → the ids of its fields
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
        member_answer_ids=frozenset(
            q.id for q in (*definition.questions_for("member"), *definition.questions_for("adult"))
        ),
        catalogue_codes=frozenset(definition.catalogue_codes),
        item_fields={
            id(q): frozenset(sub.id for sub in q.fields) for s in definition.sections for q in s.questions if q.fields
        },
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
            return (
                _is_int(value)
                and (question.min is None or question.min <= value)
                and (question.max is None or value <= question.max)
            )
        if kind == "year":
            return _is_int(value) and value <= year and (question.min is None or value >= question.min)
        if kind == "text":
            return isinstance(value, str) and (question.max_length is None or len(value) <= question.max_length)
        if kind == "items":
            if type(value) is not list or (question.max_items is not None and len(value) > question.max_items):
                return False
            for item in value:
                if type(item) is not dict or any(key not in plan.item_fields[id(question)] for key in item):
                    return False
                for sub in question.fields:
                    if not _clean(sub, item.get(sub.id), True, year, plan):
                        return False
            return True
    except (TypeError, KeyError):  # an unhashable or odd value: let check_answer decide
        return False
    return False

"""The form of one record as it travels (ids, types, lengths, characters, enumerations).

These are rules about one record like any other (DESIGN §5): the phone runs them before it
saves and the server runs them per record, so a malformed record is `rejected` with its
code and field while the rest of its batch is applied; only a malformed envelope refuses a
whole request. They read the record's dictionary (`to_dict()` on the phone, the JSON object
on the server), because a record of the wrong form cannot become a `Household` or `Visit`.

The limits here are the limits of the phone's input fields too (`FIELD_LIMITS`), so a
volunteer cannot type a record the server will refuse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import (
    Iterator,
    Mapping,  # not typing.Mapping: isinstance() through typing is slower
)
from typing import Any

from .checklist import Label
from .errors import Issue, shown
from .records import Status

ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
"""Record, member and hamlet ids: UUIDs and slugs; never spaces, control characters or NUL."""

FIELD_LIMITS: dict[str, int] = {
    "head_name": 120,
    "address": 500,
    "phone": 20,
    "volunteer": 64,
    "follow_ups.code": 64,
}
FIELD_LABELS: dict[str, Label] = {
    "head_name": Label("Họ tên chủ hộ", "Head of household's name"),
    "address": Label("Địa chỉ", "Address"),
    "phone": Label("Số điện thoại", "Phone number"),
    "volunteer": Label("Tình nguyện viên", "Volunteer"),
    "follow_ups.code": Label("Việc cần hỗ trợ", "Follow-up"),
    "consent.by": Label("Người đồng ý", "Who agreed"),
}
MAX_MEMBERS = 50  # the checklist allows 30 members; a little room, never unbounded
MAX_FOLLOW_UPS = 200
MAX_TIME_TEXT = 40
STATUSES = frozenset(s.value for s in Status)

# Never typed by a person for a Vietnamese household, and harmful where they go: control
# characters other than tab and line breaks (PostgreSQL refuses NUL; invisible on a screen),
# half of a UTF-16 pair (no UTF-8 encoding exists for it), and the invisible characters that
# reorder or hide text (bidi overrides, zero-width space, BOM: "Trojan source" names).
_INVISIBLE = "\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_FORBIDDEN = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff{_INVISIBLE}]")
# The same characters as `json.dumps(..., ensure_ascii=False)` writes them: a quick pre-filter
# over a record's JSON (controls are escaped there, the others stay as they are).
_FORBIDDEN_ESCAPED = re.compile(f"\\\\(?:u00[01][0-9a-fA-F]|[bf])|[\\ud800-\\udfff{_INVISIBLE}]")
KINDS: dict[str, tuple[str, str]] = {  # what a value should have been, in words (value_type_invalid)
    "object": ("một đối tượng", "an object"),
    "text": ("chữ", "text"),
    "list": ("một danh sách", "a list"),
    "integer": ("một số nguyên", "a whole number"),
    "time": ("một thời điểm", "a time"),
    "answers": ("các câu trả lời theo phần", "answers by section"),
    "follow_up": ("một việc cần hỗ trợ có mã", "a follow-up with its code"),
    "valid": ("một giá trị hợp lệ", "a valid value"),
}


def wrong_kind(where: str, kind: str) -> Issue:
    """`value_type_invalid` at `where`: the value should have been of `kind` (a key of KINDS)."""
    vi, en = KINDS[kind]
    return Issue("value_type_invalid", where, {"expected_vi": vi, "expected_en": en})


def check_household_shape(raw: object) -> list[Issue]:
    """Every way a household's dictionary is not of the form a household has."""
    if not isinstance(raw, Mapping):
        return [wrong_kind("", "object")]
    issues = _common(raw)
    issues += [Issue("hamlet_missing", "hamlet_id")] if raw.get("hamlet_id") in (None, "") else _id(raw, "hamlet_id")
    for name in ("head_name", "address", "phone"):
        issues += _text(raw, name, required=name == "head_name")
    issues += _time_text(raw, "removed_at", required=False)
    reason = raw.get("removed_reason")
    if reason is not None and not isinstance(reason, str):
        issues.append(Issue("household_status_invalid", "removed_reason", {"value": shown(reason)}))
    revision = raw.get("revision")
    if revision is not None and not (_is_int(revision) and 1 <= revision < 2**31):
        issues.append(Issue("revision_invalid", "revision", {"value": shown(revision)}))
    return issues


def check_visit_shape(raw: object) -> list[Issue]:
    """Every way a visit's dictionary is not of the form a visit has (its answers are the
    checklist's business: `survey.validation`). The server judges thousands of visits a
    second (DESIGN §6): a visit of the right form is recognised in one pass (`_plain_visit`),
    and only one that is not is walked again to say what is wrong."""
    if not isinstance(raw, Mapping):
        return [wrong_kind("", "object")]
    if _plain_visit(raw):
        return []
    issues = _common(raw)
    issues += _id(raw, "household_id") + _id(raw, "hamlet_id")
    issues += _time_text(raw, "visited_at", required=True)
    issues += _text(raw, "volunteer", required=False)
    outcome = raw.get("outcome")
    if outcome is not None and not isinstance(outcome, str):
        issues.append(Issue("outcome_invalid", "outcome", {"value": shown(outcome)}))
    consent = raw.get("consent")
    if consent is not None:
        if not isinstance(consent, Mapping):
            issues.append(wrong_kind("consent", "object"))
        else:
            issues += [] if isinstance(consent.get("by"), str) else [wrong_kind("consent.by", "text")]
            issues += [] if isinstance(consent.get("at"), str) else [wrong_kind("consent.at", "time")]
    issues += _members(raw.get("members", []))
    answers = raw.get("answers", {})
    if not isinstance(answers, Mapping) or not all(isinstance(v, Mapping) for v in answers.values()):
        issues.append(wrong_kind("answers", "answers"))
    issues += _follow_ups(raw.get("follow_ups", []))
    return issues


_ID_MATCH = ID.fullmatch
_TIMES = ("created_at", "visited_at")


def _plain_visit(raw: Mapping[str, Any]) -> bool:
    """True only when `check_visit_shape` would find nothing (False when unsure)."""
    get = raw.get
    for key in ("id", "household_id", "hamlet_id"):
        value = get(key)
        if type(value) is not str or not _ID_MATCH(value):
            return False
    for key in _TIMES:
        value = get(key)
        if type(value) is not str or len(value) > MAX_TIME_TEXT:
            return False
    updated = get("updated_at")
    if updated is not None and (type(updated) is not str or len(updated) > MAX_TIME_TEXT):
        return False
    status, rejection = get("status", "complete"), get("rejection")
    if type(status) is not str or status not in STATUSES or (rejection is not None and type(rejection) is not dict):
        return False
    version, outcome, volunteer = get("checklist_version", 1), get("outcome"), get("volunteer")
    if type(version) is not int or (outcome is not None and type(outcome) is not str):
        return False
    if volunteer is not None and (type(volunteer) is not str or len(volunteer) > FIELD_LIMITS["volunteer"]):
        return False
    consent = get("consent")
    if consent is not None and (
        type(consent) is not dict or type(consent.get("by")) is not str or type(consent.get("at")) is not str
    ):
        return False
    members, answers, follow_ups = get("members", []), get("answers", {}), get("follow_ups", [])
    if type(members) is not list or len(members) > MAX_MEMBERS or type(answers) is not dict:
        return False
    for member in members:
        if type(member) is not dict or type(member.get("answers", {})) is not dict:
            return False
        member_id = member.get("id")
        if type(member_id) is not str or not _ID_MATCH(member_id):
            return False
    for section in answers.values():
        if type(section) is not dict:
            return False
    if type(follow_ups) is not list or len(follow_ups) > MAX_FOLLOW_UPS:
        return False
    for item in follow_ups:
        if type(item) is not dict or type(item.get("code")) is not str:
            return False
        member_id = item.get("member_id")
        if len(item["code"]) > FIELD_LIMITS["follow_ups.code"] or (
            member_id is not None and (type(member_id) is not str or not _ID_MATCH(member_id))
        ):
            return False
    return True


def check_characters(content: Mapping[str, Any], text: str | None = None) -> list[Issue]:
    """A string anywhere in the record (keys included) holding a control character.

    `text`, when given, is the record as `json.dumps(..., ensure_ascii=False)` wrote it: a
    record whose JSON shows no escaped control character is clean without walking it.
    """
    if text is not None and not _FORBIDDEN_ESCAPED.search(text):
        return []
    for where, value in _strings(content, ""):
        if _FORBIDDEN.search(value):
            label = FIELD_LABELS.get(re.sub(r"\[\d+\]", "", where))
            context = {"label_vi": label.vi, "label_en": label.en} if label else {"label_vi": where, "label_en": where}
            return [Issue("characters_invalid", where, context)]
    return []


def clean_text(value: str) -> str:
    """What a text field keeps of what was typed or pasted: composed Unicode (NFC: "ệ" one
    character, as the field's counter counts it and the length rule too), forbidden
    characters as spaces, and runs of white space one space (pasted directions keep their words)."""
    return " ".join(_FORBIDDEN.sub(" ", unicodedata.normalize("NFC", value)).split())


# -- the parts --------------------------------------------------------------------------------


def _common(raw: Mapping[str, Any]) -> list[Issue]:
    issues = _id(raw, "id")
    issues += _time_text(raw, "created_at", required=True)
    issues += _time_text(raw, "updated_at", required=False)
    status = raw.get("status", Status.COMPLETE.value)
    if not isinstance(status, str) or status not in STATUSES:
        issues.append(Issue("status_invalid", "status", {"value": shown(status)}))
    rejection = raw.get("rejection")
    if rejection is not None and not isinstance(rejection, Mapping):
        issues.append(wrong_kind("rejection", "object"))
    version = raw.get("checklist_version", 1)
    if not _is_int(version):
        issues.append(wrong_kind("checklist_version", "integer"))
    return issues


def _id(raw: Mapping[str, Any], name: str, where: str | None = None) -> list[Issue]:
    value = raw.get(name)
    if isinstance(value, str) and ID.fullmatch(value):
        return []
    return [Issue("id_invalid", where or name, {"value": shown(value)})]


def _text(raw: Mapping[str, Any], name: str, *, required: bool) -> list[Issue]:
    value = raw.get(name)
    if value is None and not required:
        return []
    if value is None and name == "head_name":
        return [Issue("head_name_missing", name)]
    if not isinstance(value, str):
        return [wrong_kind(name, "text")]
    limit = FIELD_LIMITS[name]
    if len(value) > limit:
        label = FIELD_LABELS[name]
        return [Issue("text_too_long", name, {"max": limit, "label_vi": label.vi, "label_en": label.en})]
    return []


def _time_text(raw: Mapping[str, Any], name: str, *, required: bool) -> list[Issue]:
    value = raw.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, str) or len(value) > MAX_TIME_TEXT:
        return [Issue("time_invalid", name, {"value": shown(value)})]
    return []


def _members(members: object) -> list[Issue]:
    if not isinstance(members, list):
        return [wrong_kind("members", "list")]
    if len(members) > MAX_MEMBERS:
        return [Issue("items_too_many", "members", {"max": MAX_MEMBERS, "count": len(members)})]
    issues: list[Issue] = []
    for index, member in enumerate(members):
        where = f"members[{index}]"
        if not isinstance(member, Mapping):
            issues.append(wrong_kind(where, "object"))
            continue
        issues += _id(member, "id", f"{where}.id")
        if not isinstance(member.get("answers", {}), Mapping):
            issues.append(wrong_kind(f"{where}.answers", "object"))
    return issues


def _follow_ups(follow_ups: object) -> list[Issue]:
    if not isinstance(follow_ups, list):
        return [wrong_kind("follow_ups", "list")]
    if len(follow_ups) > MAX_FOLLOW_UPS:
        return [Issue("items_too_many", "follow_ups", {"max": MAX_FOLLOW_UPS, "count": len(follow_ups)})]
    issues: list[Issue] = []
    for index, item in enumerate(follow_ups):
        where = f"follow_ups[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            issues.append(wrong_kind(where, "follow_up"))
        elif len(item["code"]) > FIELD_LIMITS["follow_ups.code"]:
            issues.append(Issue("follow_up_unknown_code", where, {"value": shown(item["code"])}))
        elif item.get("member_id") is not None:
            issues += _id(item, "member_id", f"{where}.member_id")
    return issues


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if isinstance(key, str):
                yield shown(name), key
            yield from _strings(item, shown(name))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


__all__ = [
    "FIELD_LABELS",
    "FIELD_LIMITS",
    "ID",
    "KINDS",
    "MAX_FOLLOW_UPS",
    "MAX_MEMBERS",
    "check_characters",
    "check_household_shape",
    "check_visit_shape",
    "clean_text",
    "wrong_kind",
]

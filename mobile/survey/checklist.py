"""The household checklist as data: sections, questions, choices, conditions, rules.

Definitions live in `checklists/v<N>.json`; this module only reads them. Every record keeps
the version it was filled with and is always read with that version, so a new checklist
never breaks an old record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Scope = Literal["household", "member", "adult"]
QUESTION_TYPES = ("single", "multi", "integer", "year", "text", "items")
SCOPES = ("household", "member", "adult")


class ChecklistError(ValueError):
    """A checklist definition is malformed: a bug in shipped data, not user input."""


@dataclass(frozen=True)
class Label:
    vi: str
    en: str

    def text(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en

    @classmethod
    def parse(cls, raw: Mapping[str, str]) -> Label:
        return cls(vi=raw["vi"], en=raw["en"])


@dataclass(frozen=True)
class Choice:
    value: str
    label: Label


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Label
    required: bool = True
    choices: tuple[Choice, ...] = ()
    exclusive: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    max_items: int | None = None
    when: Mapping[str, Any] | None = None
    fields: tuple[Question, ...] = ()

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def choice_label(self, value: str, lang: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label.text(lang)
        return value


@dataclass(frozen=True)
class Section:
    id: str
    scope: Scope
    label: Label
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    scope: Scope
    label: Label


@dataclass(frozen=True)
class FollowUpRule:
    code: str
    scope: Scope
    when: Mapping[str, Any]


@dataclass(frozen=True)
class Checklist:
    version: int
    title: Label
    adult_questions_from_age: int
    outcomes: tuple[Choice, ...]
    consent_label: Label
    consent_by_label: Label
    consent_by_max_length: int
    sections: tuple[Section, ...]
    catalogue: tuple[CatalogueItem, ...]
    follow_up_rules: tuple[FollowUpRule, ...]

    def sections_for(self, scope: Scope) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.scope == scope)

    def questions_for(self, scope: Scope) -> tuple[Question, ...]:
        return tuple(q for s in self.sections_for(scope) for q in s.questions)

    def section_of(self, question_id: str) -> Section:
        for section in self.sections:
            if any(q.id == question_id for q in section.questions):
                return section
        raise KeyError(question_id)

    def question(self, question_id: str) -> Question:
        for section in self.sections:
            for q in section.questions:
                if q.id == question_id:
                    return q
        raise KeyError(question_id)

    @property
    def outcome_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.outcomes)

    @property
    def catalogue_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.catalogue)

    def catalogue_label(self, code: str, lang: str) -> str:
        for item in self.catalogue:
            if item.code == code:
                return item.label.text(lang)
        return code

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Checklist:
        try:
            catalogue = tuple(CatalogueItem(c["code"], c["scope"], Label.parse(c["label"])) for c in raw["catalogue"])
            sections = tuple(_parse_section(s, catalogue) for s in raw["sections"])
            checklist = cls(
                version=int(raw["version"]),
                title=Label.parse(raw["title"]),
                adult_questions_from_age=int(raw["adult_questions_from_age"]),
                outcomes=tuple(Choice(o["value"], Label.parse(o["label"])) for o in raw["outcomes"]),
                consent_label=Label.parse(raw["consent"]["label"]),
                consent_by_label=Label.parse(raw["consent"]["by_label"]),
                consent_by_max_length=int(raw["consent"]["by_max_length"]),
                sections=sections,
                catalogue=catalogue,
                follow_up_rules=tuple(FollowUpRule(r["code"], r["scope"], r["when"]) for r in raw["follow_up_rules"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ChecklistError(f"malformed checklist definition: {exc!r}") from exc
        _check_consistency(checklist)
        return checklist


def _parse_question(raw: Mapping[str, Any], catalogue: tuple[CatalogueItem, ...]) -> Question:
    if raw.get("choices_from") == "catalogue":
        choices = tuple(Choice(c.code, c.label) for c in catalogue)
    else:
        choices = tuple(Choice(c["value"], Label.parse(c["label"])) for c in raw.get("choices", ()))
    return Question(
        id=raw["id"],
        type=raw["type"],
        label=Label.parse(raw["label"]),
        required=bool(raw.get("required", True)),
        choices=choices,
        exclusive=tuple(raw.get("exclusive", ())),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length"),
        max_items=raw.get("max_items"),
        when=raw.get("when"),
        fields=tuple(_parse_question(f, catalogue) for f in raw.get("fields", ())),
    )


def _parse_section(raw: Mapping[str, Any], catalogue: tuple[CatalogueItem, ...]) -> Section:
    return Section(
        id=raw["id"],
        scope=raw["scope"],
        label=Label.parse(raw["label"]),
        questions=tuple(_parse_question(q, catalogue) for q in raw["questions"]),
    )


def _check_consistency(checklist: Checklist) -> None:
    """Catch definition mistakes when a checklist loads, not in front of a volunteer."""
    seen: set[str] = set()
    for section in checklist.sections:
        if section.scope not in SCOPES:
            raise ChecklistError(f"section {section.id}: unknown scope {section.scope!r}")
        for q in section.questions:
            if q.id in seen:
                raise ChecklistError(f"question id {q.id!r} is defined twice")
            seen.add(q.id)
            if q.type not in QUESTION_TYPES:
                raise ChecklistError(f"question {q.id}: unknown type {q.type!r}")
            if q.type in ("single", "multi") and not q.choices:
                raise ChecklistError(f"question {q.id}: no choices")
            if not set(q.exclusive) <= set(q.choice_values):
                raise ChecklistError(f"question {q.id}: exclusive value is not a choice")
            if q.type == "items" and not q.fields:
                raise ChecklistError(f"question {q.id}: a list question needs fields")
    codes = set(checklist.catalogue_codes)
    for rule in checklist.follow_up_rules:
        if rule.code not in codes:
            raise ChecklistError(f"follow-up rule names unknown code {rule.code!r}")
    for name in _condition_names(
        [q.when for s in checklist.sections for q in s.questions if q.when]
        + [r.when for r in checklist.follow_up_rules]
    ):
        if name not in seen:
            raise ChecklistError(f"a condition refers to unknown question {name!r}")


def _condition_names(conditions: list[Mapping[str, Any]]) -> set[str]:
    names: set[str] = set()
    for cond in conditions:
        if "q" in cond:
            names.add(cond["q"])  # any_item's inner names are the list's own fields
        for key in ("all", "any"):
            names |= _condition_names(list(cond.get(key, ())))
        if "not" in cond:
            names |= _condition_names([cond["not"]])
    return names


def evaluate(condition: Mapping[str, Any] | None, values: Mapping[str, Any]) -> bool:
    """Evaluate a skip/show condition against answers (question id → value).

    An unanswered question satisfies nothing but `{"answered": false}`, so a question that
    depends on an unanswered one stays hidden rather than asked out of order.
    """
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(c, values) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, values) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], values)
    value = values.get(condition["q"])
    answered = value not in (None, "", [])
    if "answered" in condition:
        return answered == bool(condition["answered"])
    if not answered:
        return False
    if "eq" in condition:
        return bool(value == condition["eq"])
    if "ne" in condition:
        return bool(value != condition["ne"])
    if "in" in condition:
        return value in condition["in"]
    if "not_in" in condition:
        return value not in condition["not_in"]
    if "has" in condition:
        return isinstance(value, list) and condition["has"] in value
    if "any_item" in condition:
        return isinstance(value, list) and any(
            isinstance(item, Mapping) and evaluate(condition["any_item"], item) for item in value
        )
    raise ChecklistError(f"unknown condition {dict(condition)!r}")


@cache
def versions() -> tuple[int, ...]:
    """Every checklist version shipped with this build, oldest first."""
    folder = resources.files(__package__).joinpath("checklists")
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith("v") and name.endswith(".json") and name[1:-5].isdigit():
            found.append(int(name[1:-5]))
    return tuple(sorted(found))


@cache
def load(version: int) -> Checklist:
    """The definition of one version; KeyError when this build does not ship it."""
    if not isinstance(version, int) or isinstance(version, bool) or version not in versions():
        raise KeyError(version)  # True == 1 in Python: a boolean is no version
    path = resources.files(__package__).joinpath("checklists", f"v{version}.json")
    checklist = Checklist.from_dict(json.loads(path.read_text(encoding="utf-8")))
    if checklist.version != version:
        raise ChecklistError(f"v{version}.json declares version {checklist.version}")
    return checklist


def current() -> Checklist:
    """The version new visits are filled with."""
    return load(versions()[-1])

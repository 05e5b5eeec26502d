"""The checklist definitions shipped, their consistency checks and the condition language."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from survey import checklist as checklists
from survey.checklist import Checklist, ChecklistError, evaluate
from survey.validation import validate_visit

from .builders import completed_visit


def raw_v1() -> dict:
    return json.loads(resources.files("survey").joinpath("checklists", "v1.json").read_text("utf-8"))


@pytest.mark.parametrize("version", checklists.versions())
def test_every_shipped_definition_loads_and_is_bilingual(version):
    definition = checklists.load(version)
    assert definition.version == version
    labels = [definition.title, definition.consent_label, definition.consent_by_label]
    for section in definition.sections:
        labels.append(section.label)
        for q in section.questions:
            labels.append(q.label)
            labels += [c.label for c in q.choices]
            labels += [f.label for f in q.fields]
    labels += [item.label for item in definition.catalogue]
    assert all(label.vi.strip() and label.en.strip() for label in labels)


def test_current_is_the_newest_and_unknown_versions_are_refused():
    assert checklists.current().version == max(checklists.versions())
    for wrong in (0, True, "1", 1.0):
        with pytest.raises(KeyError):
            checklists.load(wrong)


def test_the_checklist_covers_what_a_visit_records():
    definition = checklists.current()
    assert set(definition.outcome_values) == {"completed", "nobody_home", "declined", "moved"}
    ids = {q.id for s in definition.sections for q in s.questions}
    assert {
        "relation",
        "birth_year",
        "sex",
        "phone_type",
        "vneid",
        "vneid_seen",
        "payment_accounts",
        "online_services",
        "guided_services",
        "waste_sorting",
        "is_business",
        "business_tools",
        "products",
        "guidance_given",
    } <= ids
    assert definition.question("guidance_given").choice_values == definition.catalogue_codes


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["sections"][0]["questions"].append(dict(d["sections"][0]["questions"][0])),
        lambda d: d["sections"][0].update(scope="village"),
        lambda d: d["sections"][1]["questions"][0].update(type="colour"),
        lambda d: d["sections"][1]["questions"][0].update(choices=[]),
        lambda d: d["follow_up_rules"].append(
            {"code": "nope", "scope": "household", "when": {"q": "vneid", "eq": "x"}}
        ),
        lambda d: d["follow_up_rules"].append(
            {"code": "install_vneid", "scope": "adult", "when": {"q": "ghost", "eq": "x"}}
        ),
        lambda d: d.pop("outcomes"),
        lambda d: d["sections"][2]["questions"][3].update(exclusive=["nothing"]),
    ],
)
def test_definition_mistakes_are_caught_at_load(break_it):
    raw = raw_v1()
    break_it(raw)
    with pytest.raises(ChecklistError):
        Checklist.from_dict(raw)


def test_conditions():
    values = {"is_business": "yes", "tools": ["none"], "products": [{"promoted_online": "no"}], "empty": ""}
    assert evaluate(None, values)
    assert evaluate({"q": "is_business", "eq": "yes"}, values)
    assert not evaluate({"q": "is_business", "ne": "yes"}, values)
    assert evaluate({"q": "tools", "has": "none"}, values)
    assert evaluate({"q": "products", "any_item": {"q": "promoted_online", "eq": "no"}}, values)
    assert evaluate({"all": [{"q": "is_business", "in": ["yes"]}, {"not": {"q": "tools", "has": "cashless"}}]}, values)
    assert evaluate({"any": [{"q": "missing", "eq": 1}, {"q": "is_business", "not_in": ["no"]}]}, values)
    # An unanswered question satisfies nothing but "answered: false".
    assert not evaluate({"q": "missing", "ne": "yes"}, values)
    assert evaluate({"q": "empty", "answered": False}, values)
    with pytest.raises(ChecklistError):
        evaluate({"q": "is_business", "like": "y%"}, values)


def test_records_of_an_older_version_stay_readable_after_a_new_version():
    """A v2 that renames a choice and adds a question must not break v1 visits."""
    raw = copy.deepcopy(raw_v1())
    raw["version"] = 2
    environment = next(s for s in raw["sections"] if s["id"] == "environment")
    environment["questions"][0]["choices"][1]["value"] = "some_groups"
    environment["questions"].append(
        {
            "id": "composting",
            "type": "single",
            "label": {"vi": "Ủ phân", "en": "Composting"},
            "choices": [{"value": "yes", "label": {"vi": "Có", "en": "Yes"}}],
        }
    )
    v2 = Checklist.from_dict(raw)
    assert v2.question("composting")
    old = completed_visit(waste="partly")  # filled with v1
    assert old.checklist_version == 1
    assert validate_visit(old, now=None) == []  # read with its own version, not v2

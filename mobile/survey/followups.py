"""What each household still needs, derived from the checklist's gaps.

The rules are data (`follow_up_rules` in the checklist); this module only applies them,
so a volunteer's "Cần hỗ trợ" list and the staff's follow-up export always agree.
"""

from __future__ import annotations

from . import checklist as checklists
from .checklist import evaluate
from .records import FollowUp, Outcome, Visit


def derive_follow_ups(visit: Visit) -> list[FollowUp]:
    """Follow-ups implied by a completed visit's answers, per adult and per household."""
    if visit.outcome != Outcome.COMPLETED:
        return []
    try:
        definition = checklists.load(visit.checklist_version)
    except KeyError:
        return []
    household = visit.household_values()
    found: list[FollowUp] = []
    adults: list[tuple[str, dict[str, object]]] | None = None  # each adult's answers, read once for every rule
    for rule in definition.follow_up_rules:
        if rule.scope == "household":
            if evaluate(rule.when, household):
                found.append(FollowUp(code=rule.code))
            continue
        if adults is None:
            adults = [
                (member.id, {**household, **member.values()})
                for member in visit.adults(definition.adult_questions_from_age)
            ]
        for member_id, values in adults:
            if evaluate(rule.when, values):
                found.append(FollowUp(code=rule.code, member_id=member_id))
    return found


def open_follow_ups(visit: Visit) -> list[FollowUp]:
    """Derived needs plus those the volunteer listed by hand, each once, in a stable order."""
    merged: dict[tuple[str, str | None], FollowUp] = {}
    for follow_up in [*derive_follow_ups(visit), *visit.follow_ups]:
        merged.setdefault((follow_up.code, follow_up.member_id), follow_up)
    return list(merged.values())

"""Builders of real domain records for tests: a valid baseline that each test bends."""

from __future__ import annotations

from typing import Any

from survey.records import Consent, FollowUp, Household, Member, Visit

VISIT_TIME = "2026-06-15T09:30:00.000+00:00"


def adult(
    birth_year: int = 1980,
    *,
    relation: str = "head",
    sex: str = "male",
    phone: str = "smartphone",
    vneid: str = "level2",
    seen: str = "seen",
    payments: list[str] | None = None,
    online: str = "used",
) -> Member:
    answers: dict[str, Any] = {
        "phone_type": phone,
        "vneid": vneid,
        "payment_accounts": ["bank_app"] if payments is None else payments,
        "online_services": online,
    }
    if vneid != "none":
        answers["vneid_seen"] = seen
    return Member(relation=relation, birth_year=birth_year, sex=sex, answers=answers)


def child(birth_year: int = 2015, *, sex: str = "female") -> Member:
    return Member(relation="child", birth_year=birth_year, sex=sex)


def household(hamlet_id: str = "thon-1", head_name: str = "Nguyễn Văn An", **extra: Any) -> Household:
    return Household(
        hamlet_id=hamlet_id,
        head_name=head_name,
        created_at=extra.pop("created_at", "2026-01-10T08:00:00.000+00:00"),
        **extra,
    )


def completed_visit(
    home: Household | None = None,
    *,
    members: list[Member] | None = None,
    guided: list[str] | None = None,
    waste: str = "yes",
    business: bool = False,
    tools: list[str] | None = None,
    products: list[dict] | None = None,
    visited_at: str = VISIT_TIME,
    follow_ups: list[FollowUp] | None = None,
    **extra: Any,
) -> Visit:
    home = home or household()
    members = [adult(), child()] if members is None else members
    answers: dict[str, dict[str, Any]] = {
        "members": {"member_count": len(members)},
        "digital_services": {"guided_services": ["health"] if guided is None else guided},
        "environment": {"waste_sorting": waste},
        "business": {"is_business": "yes" if business else "no"},
        "guidance": {"guidance_given": []},
    }
    if business:
        answers["business"]["business_tools"] = ["cashless"] if tools is None else tools
        answers["business"]["products"] = [] if products is None else products
    extra.setdefault("created_at", visited_at)  # recorded when it happened, not when the test runs
    return Visit(
        household_id=home.id,
        hamlet_id=home.hamlet_id,
        visited_at=visited_at,
        outcome="completed",
        consent=Consent(by="Chủ hộ", at=visited_at),
        members=members,
        answers=answers,
        follow_ups=follow_ups or [],
        **extra,
    )


def other_visit(home: Household, outcome: str, visited_at: str = VISIT_TIME) -> Visit:
    return Visit(
        household_id=home.id, hamlet_id=home.hamlet_id, visited_at=visited_at, outcome=outcome, created_at=visited_at
    )

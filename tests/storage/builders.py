"""Real domain records for storage tests: small, explicit, each test bends what it needs."""

from __future__ import annotations

from typing import Any

from survey.records import Consent, Household, Member, Status, Visit


def at(day: int, hour: int = 9, year: int = 2026) -> str:
    return f"{year}-06-{day:02d}T{hour:02d}:00:00.000+00:00"


def household(
    hamlet_id: str = "thon-1", head_name: str = "Nguyễn Văn An", *, status: Status = Status.COMPLETE, **extra: Any
) -> Household:
    return Household(
        hamlet_id=hamlet_id, head_name=head_name, status=status, created_at=extra.pop("created_at", at(1)), **extra
    )


def completed(home: Household, when: str = at(10), *, status: Status = Status.COMPLETE, **extra: Any) -> Visit:
    adult = Member(
        relation="head",
        birth_year=1980,
        sex="male",
        answers={
            "phone_type": "smartphone",
            "vneid": "level1",
            "vneid_seen": "seen",
            "payment_accounts": ["bank_app"],
            "online_services": "used",
        },
    )
    return Visit(
        household_id=home.id,
        hamlet_id=home.hamlet_id,
        visited_at=when,
        created_at=when,
        outcome="completed",
        consent=Consent(by="Chủ hộ", at=when),
        members=[adult],
        answers={
            "members": {"member_count": 1},
            "environment": {"waste_sorting": "partly"},
            "digital_services": {"guided_services": ["health"]},
        },
        status=status,
        **extra,
    )


def other(home: Household, outcome: str, when: str = at(10), *, status: Status = Status.COMPLETE) -> Visit:
    return Visit(
        household_id=home.id, hamlet_id=home.hamlet_id, visited_at=when, created_at=when, outcome=outcome, status=status
    )

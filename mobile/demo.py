"""A demo commune for trying the app without a server: clearly marked, never synced.

Seeded, so every demo phone shows the same households (handy when a trainer explains the
app to a room of volunteers).
"""

from __future__ import annotations

import random

from storage import Repository
from survey.records import Consent, Hamlet, Household, Member, Visit

DEMO_HAMLETS = (
    ("demo-na-pan", "Thôn Nà Pàn"),
    ("demo-khuoi-cap", "Bản Khuổi Cáp"),
    ("demo-dong-moi", "Thôn Đồng Mới"),
)
FAMILY = ("Hoàng", "Nông", "Lý", "Vi", "Lương", "Nguyễn", "Đặng", "Triệu", "Lăng", "Chu")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh")
GIVEN = (
    "An",
    "Bắc",
    "Cường",
    "Dũng",
    "Hà",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Quế",
    "Sơn",
    "Thắm",
    "Tuấn",
    "Vân",
    "Xuân",
    "Yến",
    "Đào",
)


def seed_demo(repo: Repository, households_per_hamlet: int = 12, seed: int = 2026) -> None:
    """Three hamlets with households, a third of them visited (those visits count as synced)."""
    rng = random.Random(seed)
    hamlets = [Hamlet(id=hid, name=name, commune_code="demo") for hid, name in DEMO_HAMLETS]
    with repo.batch():
        repo.save_hamlets(hamlets)
        for hamlet in hamlets:
            for number in range(1, households_per_hamlet + 1):
                home = Household(
                    hamlet_id=hamlet.id,
                    head_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                    address=f"Số {number}, {hamlet.name}",
                )
                home.complete()
                home.mark_synced()
                repo.save_household(home)
                if number % 3 == 0:
                    repo.save_visit(_past_visit(home, rng))
        repo.set_setting("demo", True)


def _past_visit(home: Household, rng: random.Random) -> Visit:
    at = f"2026-{rng.randint(3, 9):02d}-{rng.randint(1, 28):02d}T0{rng.randint(7, 9)}:00:00.000+00:00"
    head_born = rng.randint(1950, 1990)
    head = Member(relation="head", birth_year=head_born, sex="male", answers=_adult_answers(rng))
    spouse = Member(
        relation="spouse", birth_year=head_born + rng.randint(-3, 5), sex="female", answers=_adult_answers(rng)
    )
    child = Member(relation="child", birth_year=rng.randint(2012, 2022), sex=rng.choice(("male", "female")))
    members = [head, spouse, child]
    visit = Visit(
        household_id=home.id,
        hamlet_id=home.hamlet_id,
        visited_at=at,
        outcome="completed",
        consent=Consent(by="Chủ hộ", at=at),
        members=members,
        answers={
            "members": {"member_count": len(members)},
            "digital_services": {"guided_services": rng.choice((["health"], ["health", "public_admin"], ["none"]))},
            "environment": {"waste_sorting": rng.choice(("yes", "yes", "partly", "no"))},
            "business": {"is_business": "no"},
        },
    )
    visit.complete()
    visit.mark_synced()
    return visit


def _adult_answers(rng: random.Random) -> dict:
    phone = rng.choice(("smartphone", "smartphone", "feature_phone"))
    vneid = rng.choice(("level2", "level2", "level1", "none"))
    answers = {
        "phone_type": phone,
        "vneid": vneid,
        "payment_accounts": rng.choice((["bank_app"], ["e_wallet"], ["none"])),
        "online_services": rng.choice(("used", "not_needed", "not_used")),
    }
    if vneid != "none":
        answers["vneid_seen"] = rng.choice(("seen", "self_reported"))
    return answers

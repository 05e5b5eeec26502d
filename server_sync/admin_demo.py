"""`python -m server_sync seed-demo`: a demo commune for `make run` and for trying the CLI.

Xã Thống Nhất (06577, Lạng Sơn) with four hamlets, one volunteer (Hoàng Thị Hoa, two
hamlets) and households of which about half have a visit. The records go through the same
ingest as a phone's sync, so coverage and rosters are exactly what a real sync would give.
Only on a database with no commune: it never mixes demo data into a real commune's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from survey.records import Consent, Household, Member, Visit
from survey.times import DEFAULT_CAMPAIGN_START, DEFAULT_TIME_ZONE, iso, start_of_day, zone

from .services import admin, ingest, roster
from .services.enrolment import DeviceScope

DEMO_COMMUNE = "06577"
DEMO_HAMLETS = (
    ("thon-na-pan", "Thôn Nà Pàn", "2026-03-01"),
    ("thon-ban-cao", "Thôn Bản Cao", "2026-03-01"),
    ("thon-khon-chu", "Thôn Khòn Chu", None),
    ("thon-pac-ma", "Thôn Pác Mạ", "2026-06-15"),
)
DEMO_VOLUNTEER = ("Hoàng Thị Hoa", ("thon-na-pan", "thon-ban-cao"))
DEMO_DEVICE = "seed-demo"  # who the audit trail says wrote the demo records
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


@dataclass(frozen=True)
class Seeded:
    commune_code: str
    volunteer_id: str
    households: int
    visits: int


def seed_demo(
    session: Session, *, households_per_hamlet: int = 10, seed: int = 6577, now: datetime | None = None
) -> Seeded | None:
    """Seed the demo commune; None (and nothing written) when any commune exists already."""
    if admin.communes(session):
        return None
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    commune, _ = admin.init_commune(session, DEMO_COMMUNE)
    start = start_of_day(commune.campaign_start or DEFAULT_CAMPAIGN_START, zone(commune.time_zone or DEFAULT_TIME_ZONE))
    for hamlet_id, name, since in DEMO_HAMLETS:
        admin.add_hamlet(session, commune.code, hamlet_id, name, since)
    name, scope_ids = DEMO_VOLUNTEER
    volunteer = admin.add_volunteer(session, commune.code, name, scope_ids)

    homes: list[Household] = []
    visits: list[Visit] = []
    for hamlet_id, hamlet_name, _ in DEMO_HAMLETS:
        for number in range(1, households_per_hamlet + 1):
            created = _iso(max(now - timedelta(days=60 - number), start))  # never before the campaign
            home = Household(
                hamlet_id=hamlet_id,
                created_at=created,
                head_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                address=f"Số {number}, {hamlet_name}",
            )
            homes.append(home)
            roll = rng.random()
            when = _iso(max(now - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8)), start))
            if roll < 0.5:
                visits.append(_completed(home, when, rng))
            elif roll < 0.6:
                visits.append(Visit(household_id=home.id, hamlet_id=hamlet_id, visited_at=when, outcome="nobody_home"))
    scope = DeviceScope(DEMO_DEVICE, volunteer.id, volunteer.name, commune.code, frozenset(h[0] for h in DEMO_HAMLETS))
    results = ingest.ingest(
        session,
        scope,
        [h.to_dict() for h in homes],
        [v.to_dict() for v in visits],
        seq=roster.next_seq(session),
        config=admin.coverage_config(commune),
        now=now,
    ).results
    refused = [r for r in results if r.result != "accepted"]
    if refused:  # the demo data is ours: a refusal is a bug here, not bad input
        raise RuntimeError(f"demo record refused: {refused[0]}")
    session.flush()
    return Seeded(commune.code, volunteer.id, len(homes), len(visits))


def _iso(moment: datetime) -> str:
    return iso(moment)


def _completed(home: Household, at: str, rng: random.Random) -> Visit:
    year = int(at[:4])
    head = Member(
        relation="head", birth_year=rng.randint(year - 70, year - 30), sex="male", answers=_adult_answers(rng)
    )
    head_born = rng.randint(year - 70, year - 30)
    head.birth_year = head_born
    spouse = Member(
        relation="spouse", birth_year=head_born + rng.randint(-3, 5), sex="female", answers=_adult_answers(rng)
    )
    child = Member(relation="child", birth_year=rng.randint(year - 14, year - 4), sex=rng.choice(("male", "female")))
    members = [head, spouse, child]
    business = rng.random() < 0.25
    answers: dict[str, dict] = {
        "members": {"member_count": len(members)},
        "digital_services": {"guided_services": rng.choice((["health"], ["health", "public_admin"], ["education"]))},
        "environment": {"waste_sorting": rng.choice(("yes", "yes", "partly", "no"))},
        "business": {"is_business": "yes" if business else "no"},
        "guidance": {"guidance_given": []},
    }
    if business:
        answers["business"]["business_tools"] = rng.choice((["cashless"], ["social_sales", "cashless"], ["none"]))
        answers["business"]["products"] = [
            {
                "name": rng.choice(("Hồi khô", "Quế", "Na Chi Lăng", "Rau bò khai")),
                "promoted_online": "yes" if rng.random() < 0.4 else "no",
            }
        ]
    return Visit(
        household_id=home.id,
        hamlet_id=home.hamlet_id,
        visited_at=at,
        outcome="completed",
        consent=Consent(by="Chủ hộ", at=at),
        members=members,
        answers=answers,
        volunteer=DEMO_VOLUNTEER[0],
    )


def _adult_answers(rng: random.Random) -> dict:
    vneid = rng.choice(("level2", "level2", "level1", "none"))
    answers = {
        "phone_type": rng.choice(("smartphone", "smartphone", "feature_phone")),
        "vneid": vneid,
        "payment_accounts": rng.choice((["bank_app"], ["e_wallet"], ["bank_app", "mobile_money"], ["none"])),
        "online_services": rng.choice(("used", "not_needed", "not_used")),
    }
    if vneid != "none":
        answers["vneid_seen"] = rng.choice(("seen", "self_reported"))
    return answers

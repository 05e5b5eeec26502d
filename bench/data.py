"""Seeded, realistic survey records for the benchmarks: households of a Lạng Sơn commune and
visits whose answers are valid choices of the current checklist."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

_MOBILE = Path(__file__).resolve().parent.parent / "mobile"
if str(_MOBILE) not in sys.path:
    sys.path.insert(0, str(_MOBILE))

from survey import checklist as checklists
from survey.checklist import Question, evaluate
from survey.records import Consent, Hamlet, Household, Member, Status, Visit

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Lý",
    "Nông",
    "Lăng",
    "Vi",
    "Lộc",
    "Triệu",
    "Chu",
    "Hà",
    "Mã",
    "Lương",
    "Hứa",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thanh", "Quang", "Ngọc", "Xuân", "Thế"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hạnh",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thành",
    "Thảo",
    "Tuấn",
    "Việt",
    "Yến",
    "Đông",
    "Ánh",
    "Hiền",
    "Lợi",
    "Chiến",
]
HAMLET_NAMES = [
    "Bản Pjạo",
    "Còn Quan",
    "Nà Làng",
    "Khòn Chu",
    "Pác Mạ",
    "Đồng Quang",
    "Minh Hiệp",
    "Hữu Lân",
    "Thống Nhất",
    "Nà Pàn",
]


def hamlets(count: int) -> list[Hamlet]:
    return [
        Hamlet(id=f"thon-{i + 1:02d}", name=f"Thôn {HAMLET_NAMES[i % len(HAMLET_NAMES)]} {i + 1}", commune_code="06577")
        for i in range(count)
    ]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def household(rng: random.Random, hamlet: Hamlet, created_at: str) -> Household:
    home = Household(
        id=_uuid(rng),
        hamlet_id=hamlet.id,
        head_name=person_name(rng),
        address=f"Số {rng.randint(1, 300)}, {hamlet.name}, xã Thống Nhất",
        phone=f"09{rng.randint(10_000_000, 99_999_999)}",
        created_at=created_at,
        status=Status.SYNCED,
    )
    return home


def visit(
    rng: random.Random, home: Household, visited_at: str, outcome: str = "completed", status: Status = Status.SYNCED
) -> Visit:
    """A visit as a volunteer would record it: 1–6 members, the v1 answers, consent."""
    current = checklists.current()
    result = Visit(
        id=_uuid(rng),
        household_id=home.id,
        hamlet_id=home.hamlet_id,
        visited_at=visited_at,
        created_at=visited_at,
        outcome=outcome,
        status=status,
        checklist_version=current.version,
        volunteer="tcn-" + home.hamlet_id,
    )
    if outcome != "completed":
        return result
    year = int(visited_at[:4])
    result.consent = Consent(by="Chủ hộ", at=visited_at)
    result.members = _members(rng, year, current.adult_questions_from_age)
    household_values: dict[str, Any] = {}
    for section in current.sections_for("household"):
        for question in section.questions:
            if question.id == "member_count":
                value: Any = len(result.members)
            elif not evaluate(question.when, household_values):
                continue
            else:
                value = _answer(rng, question)
            household_values[question.id] = value
            result.set_answer(section.id, question.id, value)
    return result


def _members(rng: random.Random, year: int, adult_age: int) -> list[Member]:
    current = checklists.current()
    size = rng.randint(1, 6)
    members = []
    for index in range(size):
        relation = "head" if index == 0 else rng.choice(["spouse", "child", "child", "parent", "grandchild"])
        born = year - (rng.randint(25, 80) if relation in ("head", "spouse", "parent") else rng.randint(0, 30))
        member = Member(id=_uuid(rng), relation=relation, birth_year=born, sex=rng.choice(["male", "female"]))
        if year - born >= adult_age:
            for question in current.questions_for("adult"):
                if evaluate(question.when, member.answers):
                    member.answers[question.id] = _answer(rng, question)
        members.append(member)
    return members


def _answer(rng: random.Random, question: Question) -> Any:
    if question.type == "single":
        return rng.choice(question.choice_values)
    if question.type == "multi":
        plain = [v for v in question.choice_values if v not in question.exclusive]
        if question.exclusive and rng.random() < 0.25:
            return [question.exclusive[0]]
        return rng.sample(plain, rng.randint(1 if question.required else 0, min(3, len(plain))))
    if question.type == "items":
        return [
            {
                "name": rng.choice(["Hồi", "Quế", "Na Chi Lăng", "Rau sạch", "Miến dong"]),
                "promoted_online": rng.choice(["yes", "no"]),
            }
            for _ in range(rng.randint(0, 3))
        ]
    if question.type == "integer":
        return rng.randint(question.min or 0, question.max or 10)
    return ""


def _uuid(rng: random.Random) -> str:
    raw = f"{rng.getrandbits(128):032x}"
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:32]}"


def moment(rng: random.Random, year: int) -> str:
    return (
        f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000+00:00"
    )

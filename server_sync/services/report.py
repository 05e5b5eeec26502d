"""The report a commune signs and sends upward, as plain content: the Word file
(services/report_docx.py) and the print view (templates/report.html) render the same
`Report`, so what is printed is what is sent.

Layout of Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục I): the
issuing body and the national motto side by side, the number ("Số: …/BC-UBND") and the
place-and-date line, the document kind and its summary as the title, numbered sections,
"Nơi nhận" and the signature block (TM. … / KT. … / title, then the signer's name). The
narrative sections come pre-filled with the facts, for staff to rewrite before signing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from survey.figures import FigureAsOf
from survey.indicators import IndicatorValue, indicator_label

from .. import models
from . import admin, dashboard, figures

# What a commune may set (admin page); every one has a default made from the commune.
REPORT_SETTINGS = (
    "issuing_body",  # lines of the issuing body, e.g. "ỦY BAN NHÂN DÂN\nXÃ THỐNG NHẤT"
    "number",  # "…/BC-UBND": the number is written in when the report is registered
    "place",  # the place of the date line: "Thống Nhất"
    "plan_name",  # the plan the report is on
    "recipients",  # "Nơi nhận", one per line
    "signature_titles",  # one per line: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    "signer",  # the signer's full name
)
SETTING_LIMIT = 1_000  # characters of one setting
# The short ones are one line of the heading: longer would push the layout apart.
LIMITS = {"number": 60, "place": 100, "signer": 100}
NAMES = {  # each setting's name in an error message (vi, en)
    "issuing_body": ("Tên cơ quan ban hành", "The issuing body"),
    "number": ("Số, ký hiệu", "The number and symbol"),
    "place": ("Địa danh", "The place"),
    "plan_name": ("Tên kế hoạch", "The plan's name"),
    "recipients": ("Nơi nhận", "The recipients"),
    "signature_titles": ("Quyền hạn, chức vụ người ký", "The signature titles"),
    "signer": ("Họ và tên người ký", "The signer's name"),
}
PLAN_NAME = (
    "Kế hoạch đổi mới sáng tạo, phát triển khoa học, công nghệ, chuyển đổi số, "
    "chuyển đổi xanh trên địa bàn xã giai đoạn 2026 – 2030"
)
LAGGING_NAMED = 3  # hamlets named as lagging most in the narrative


def _place(commune: models.Commune) -> str:
    name = commune.name.strip()
    for prefix in ("Xã ", "xã ", "Phường ", "phường ", "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def default_settings(commune: models.Commune) -> dict[str, str]:
    """The settings a commune starts with (ND 30/2020 forms for a commune People's Committee)."""
    return {
        "issuing_body": f"ỦY BAN NHÂN DÂN\n{commune.name.upper()}",
        "number": "…/BC-UBND",
        "place": _place(commune),
        "plan_name": PLAN_NAME,
        "recipients": f"UBND tỉnh {commune.province} (b/c);\nThường trực Đảng ủy, HĐND xã;\nLưu: VT, VH-XH.",
        "signature_titles": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        "signer": "",
    }


def settings(commune: models.Commune) -> dict[str, str]:
    """The commune's settings over the defaults."""
    stored = commune.report_settings or {}
    return {
        key: str(stored[key]) if isinstance(stored.get(key), str) else value
        for key, value in default_settings(commune).items()
    }


def save_settings(
    session: Session, commune: models.Commune, values: Mapping[str, str], staff_user_id: int, now: Any
) -> bool:
    """Store the settings staff typed (empty: back to the default), audited with the staff
    user; False when nothing changed. AdminError for a value longer than SETTING_LIMIT."""
    defaults = default_settings(commune)
    wanted: dict[str, str] = {}
    for key in REPORT_SETTINGS:
        value = "\n".join(line.strip() for line in str(values.get(key, "")).replace("\r\n", "\n").split("\n")).strip()
        limit = LIMITS.get(key, SETTING_LIMIT)
        if len(value) > limit:
            vi, en = NAMES[key]
            raise admin.AdminError(
                f"{vi}: quá dài ({len(value)} ký tự, tối đa {limit}). Chưa lưu gì.",
                f"{en}: too long ({len(value)} characters, at most {limit}). Nothing was saved.",
            )
        if value and value != defaults[key]:
            wanted[key] = value
    old = dict(commune.report_settings or {})
    if old == wanted:
        return False
    commune.report_settings = wanted
    session.add(
        models.Audit(
            at=now,
            device_id=None,
            kind="commune",
            record_id=commune.code,
            action="report_settings",
            old_content=old or None,
            new_content=wanted or None,
            staff_user_id=staff_user_id,
            commune_code=commune.code,
        )
    )
    session.flush()
    return True


# -- the content --------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    """One line of the per-target table: STT, the target, the result, n/N and the status."""

    number: int
    indicator: str
    value: IndicatorValue
    status: str  # met | close | far | no_data | no_target
    period: str = ""  # for a figure entered per period: which period it is ("Năm 2027")
    rising: bool | None = None  # for "rising yearly" targets: above the year before?

    @property
    def label(self) -> str:
        return indicator_label(self.indicator, "vi")


@dataclass(frozen=True)
class HamletLine:
    number: int
    name: str
    values: tuple[IndicatorValue, ...]
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything the document says, in the order it says it (Vietnamese: the language a
    commune reports in; labels of the tables come with `lang`)."""

    kind: str  # interim | final | dated
    lang: str
    day: date  # the figures' day
    today: date  # the day it was made (the date line's year)
    settings: dict[str, str]
    commune_name: str
    province: str
    adult_age: int
    title: str  # the summary under "BÁO CÁO"
    situation: list[str]
    targets: list[TargetLine]
    hamlets: list[HamletLine]
    shown: tuple[str, ...]
    shortcomings: list[str]
    tasks: list[str]
    proposals: list[str]
    future: bool = False
    legend: list[str] = field(default_factory=list)


def kind_of(day: date | None) -> str:
    """interim for the plan's interim review day, final for the final one, else dated."""
    if day == dashboard.INTERIM_REVIEW:
        return "interim"
    if day == dashboard.FINAL_REVIEW:
        return "final"
    return "dated"


def vi_day(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def vi_percent(value: float | None) -> str:
    if value is None:
        return "chưa có số liệu"
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") + "%"


def build(session: Session, commune: models.Commune, as_of: date | None, *, today: date, cache: Any = None) -> Report:
    """The report as of `as_of` (today's figures when None), Vietnamese. Reads the cached
    overview (bounded by the commune's hamlets) and the period figures."""
    view = dashboard.overview(session, commune, as_of, today=today, cache=cache)
    config = admin.coverage_config(commune)
    day = min(as_of or today, today)
    period = figures.as_of(config, figures.current(session, commune.code), day)
    chosen = settings(commune)
    kind = kind_of(as_of)
    summary = {
        "interim": f"Sơ kết giữa kỳ (đến hết Quý IV/2027) thực hiện {chosen['plan_name']}",
        "final": f"Tổng kết (đến hết Quý III/2030) thực hiện {chosen['plan_name']}",
        "dated": f"Kết quả thực hiện {chosen['plan_name']} đến ngày {vi_day(as_of or today)}",
    }[kind]
    margin = view.close_margin
    lines: list[TargetLine] = []
    total = view.report.total
    for indicator in (*dashboard.SHOWN, *dashboard.ALSO_SHOWN):
        value = total[indicator]
        lines.append(TargetLine(len(lines) + 1, indicator, value, value.status(margin)))
    for indicator, found in period.items():
        lines.append(_period_line(len(lines) + 1, indicator, found, margin))
    rows = sorted(view.rows, key=lambda r: r.name)
    hamlets = [HamletLine(k + 1, r.name, r.values, r.statuses) for k, r in enumerate(rows)]
    return Report(
        kind=kind,
        lang="vi",
        day=as_of or today,
        today=today,
        settings=chosen,
        commune_name=commune.name,
        province=commune.province,
        adult_age=config.adult_age,
        title=summary,
        situation=_situation(view, config.adult_age, day),
        targets=lines,
        hamlets=hamlets,
        shown=dashboard.SHOWN,
        shortcomings=_shortcomings(lines, view),
        tasks=_tasks(lines, view),
        proposals=[
            "[Cán bộ bổ sung đề xuất, kiến nghị với cấp trên: kinh phí, thiết bị, tập huấn, hạ tầng viễn thông ở các thôn chưa có sóng…]"
        ],
        future=as_of is not None and as_of > today,
    )


def _period_line(number: int, indicator: str, found: FigureAsOf, margin: float) -> TargetLine:
    return TargetLine(
        number,
        indicator,
        found.value,
        found.value.status(margin),
        found.period.label("vi") if found.period else "",
        found.rising,
    )


def _situation(view: dashboard.Overview, adult_age: int, day: date) -> list[str]:
    total = view.report.total
    coverage, team = total["visit_coverage"], total["hamlets_with_team"]
    households_n = coverage.denominator
    return [
        f"Đến ngày {vi_day(day)}, toàn xã có {len(view.rows)} thôn/bản với {households_n} hộ trong danh sách theo dõi; "
        f"Tổ công nghệ số cộng đồng đã đến khảo sát, hướng dẫn {coverage.numerator} hộ "
        f"({vi_percent(coverage.percent)} số hộ).",
        f"Tổ công nghệ số cộng đồng hoạt động ở {team.numerator}/{team.denominator} thôn/bản.",
        f"Số liệu người lớn tính cho người từ đủ {adult_age} tuổi trở lên (tính theo năm sinh và năm khảo sát); "
        "mỗi hộ được tính theo lần khảo sát hoàn thành gần nhất trước ngày báo cáo.",
        "[Cán bộ bổ sung: công tác chỉ đạo, tuyên truyền, tập huấn đã triển khai trong kỳ.]",
    ]


def _target_text(line: TargetLine) -> str:
    target = line.value.target
    return f"{line.label} đạt {vi_percent(line.value.percent)}" + (f" (mục tiêu {target.describe()})" if target else "")


def in_sentence(text: str) -> str:
    """`text` as it reads inside a sentence: each word lower-cased but a name written with
    more than one capital ("Người lớn có VNeID mức 2" → "người lớn có VNeID mức 2")."""
    return " ".join(word if sum(c.isupper() for c in word) > 1 else word.lower() for word in text.split(" "))


def _lagging(view: dashboard.Overview) -> list[str]:
    """The hamlets lagging most (the overview's order: the mean shortfall below the targets,
    dashboard.row), each with that shortfall and its furthest target, so the sentence says
    what the order is by."""
    named = []
    for row in view.rows[:LAGGING_NAMED]:
        if row.lag <= 0:
            break
        gaps = [
            (dashboard.shortfall(value) or 0.0, value)
            for value, status in zip(row.values, row.statuses, strict=True)
            if status in ("close", "far")
        ]
        _, worst = max(gaps, key=lambda g: g[0])
        named.append(
            f"{row.name} (bình quân thấp hơn mục tiêu {row.lag:.0f} điểm %; xa nhất: "
            f"{in_sentence(indicator_label(worst.id, 'vi'))} {vi_percent(worst.percent)})"
        )
    return named


def _shortcomings(lines: list[TargetLine], view: dashboard.Overview) -> list[str]:
    unmet = [line for line in lines if line.status in ("close", "far")]
    missing = [line for line in lines if line.status == "no_data" and line.value.target is not None]
    met = [line for line in lines if line.status == "met"]
    out = []
    if met:
        out.append(f"Đã đạt {len(met)} chỉ tiêu: " + "; ".join(line.label for line in met) + ".")
    if unmet:
        out.append("Chưa đạt: " + "; ".join(_target_text(line) for line in unmet) + ".")
    falling = [line for line in lines if line.rising is False]
    if falling:
        out.append("Chưa tăng so với năm trước: " + "; ".join(line.label for line in falling) + ".")
    if missing:
        out.append("Chưa có số liệu: " + "; ".join(line.label for line in missing) + ".")
    lagging = _lagging(view)
    if lagging:
        out.append("Các thôn/bản còn chậm nhất: " + "; ".join(lagging) + ".")
    out.append("Nguyên nhân: [cán bộ bổ sung nguyên nhân khách quan và chủ quan.]")
    return out


def _tasks(lines: list[TargetLine], view: dashboard.Overview) -> list[str]:
    out = [
        f"Tập trung nâng tỷ lệ: {line.label} (hiện {vi_percent(line.value.percent)}, mục tiêu "
        f"{line.value.target.describe() if line.value.target else '—'})."
        for line in lines
        if line.status in ("close", "far")
    ]
    lagging = [row.name for row in view.rows[:LAGGING_NAMED] if row.lag > 0]
    if lagging:
        out.append("Ưu tiên hỗ trợ các thôn/bản: " + ", ".join(lagging) + ".")
    out.append("[Cán bộ bổ sung nhiệm vụ, giải pháp cụ thể cho kỳ tới.]")
    return out


def closing_line(report: Report) -> str:
    """ "Trên đây là báo cáo … của UBND xã …./." — the sentence before "Nơi nhận"."""
    name = report.commune_name
    if name.startswith("Xã "):
        name = "xã " + name[3:]
    return f"Trên đây là báo cáo {report.title[0].lower() + report.title[1:]} của UBND {name}./."


def as_of_note(report: Report) -> str:
    """The line under the title: the figures' day and the adult age used."""
    if report.future:
        return (
            f"(Ngày được chọn {vi_day(report.day)} còn ở tương lai: số liệu đến ngày {vi_day(report.today)}; "
            f"người lớn tính từ đủ {report.adult_age} tuổi)"
        )
    return f"(Số liệu đến ngày {vi_day(report.day)}; người lớn tính từ đủ {report.adult_age} tuổi)"

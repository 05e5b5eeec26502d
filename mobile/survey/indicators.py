"""The plan's indicators (DESIGN §3), computed one way for the phone, the server and reports.

A household contributes a `Tally` (numerators and denominators) from its latest completed
visit; a hamlet's figures are the sum of its households' tallies, the commune's the sum of
its hamlets'. Because tallies only add up, the server can store one per visit and let the
database sum them, and still compute exactly what the phone computes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence  # isinstance() through typing is slower
from dataclasses import dataclass, field
from datetime import date, tzinfo
from importlib import resources
from typing import Any, NamedTuple

from .checklist import Label
from .records import Hamlet, Household, Outcome, Visit
from .roster import Placement, placement_on
from .times import DEFAULT_CAMPAIGN_START, DEFAULT_TIME_ZONE, instant_or_none, local_day, system_clock, zone

ESSENTIAL_SERVICES = ("health", "education", "public_admin", "other")
PAYMENT_ACCOUNTS = ("bank_app", "e_wallet", "mobile_money")
BUSINESS_TOOLS = ("social_sales", "ecommerce", "cashless", "e_invoice", "traceability")


@dataclass(frozen=True)
class Indicator:
    id: str
    label: Label


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "adults_ready",
        Label(
            "Người lớn có điện thoại thông minh, VNeID mức 2 và tài khoản thanh toán số",
            "Adults with a smartphone, VNeID level 2 and a digital payment account",
        ),
    ),
    Indicator(
        "adults_online_services",
        Label(
            "Người lớn có VNeID và dùng dịch vụ công trực tuyến khi cần",
            "Adults with VNeID using online public services when needed",
        ),
    ),
    Indicator(
        "households_guided",
        Label("Hộ được hướng dẫn dịch vụ số thiết yếu", "Households guided to essential digital services"),
    ),
    Indicator("households_waste_sorting", Label("Hộ phân loại rác tại nguồn", "Households sorting waste at source")),
    Indicator(
        "households_waste_partly",
        Label("Hộ phân loại rác một phần (tham khảo)", "Households sorting waste partly (for reference)"),
    ),
    Indicator("businesses_digital", Label("Hộ kinh doanh dùng công cụ số", "Business households using digital tools")),
    Indicator("products_online", Label("Sản phẩm chính được quảng bá trên mạng", "Main products promoted online")),
    Indicator(
        "hamlets_with_team",
        Label("Thôn/bản có Tổ công nghệ số cộng đồng hoạt động", "Hamlets with an active community digital-tech team"),
    ),
    Indicator("visit_coverage", Label("Hộ đã được khảo sát", "Households with a completed visit")),
    # The three conditions of adults_ready one by one, so staff see which one lags (issue 12 §3)
    Indicator("adults_smartphone", Label("Người lớn có điện thoại thông minh", "Adults with a smartphone")),
    Indicator(
        "adults_vneid_level2", Label("Người lớn có tài khoản VNeID mức 2", "Adults with a VNeID level-2 account")
    ),
    Indicator(
        "adults_payment_account",
        Label("Người lớn có tài khoản thanh toán số", "Adults with a digital payment account"),
    ),
    # The plan's green-transition section encourages traceability codes; the checklist asks
    # business households which digital tools they use, traceability codes among them.
    Indicator(
        "businesses_traceability",
        Label("Hộ kinh doanh dùng mã truy xuất nguồn gốc", "Business households using traceability codes"),
    ),
)
INDICATOR_IDS = tuple(i.id for i in INDICATORS)
# The plan's section III targets no visit measures: entered by commune staff per period
# (survey.figures), reported beside the indicators above (DESIGN §3).
PERIOD_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "officials_trained",
        Label(
            "Cán bộ, công chức xã được tập huấn kiến thức, kỹ năng số cơ bản",
            "Commune officials trained in basic digital knowledge and skills",
        ),
    ),
    Indicator(
        "team_members_trained",
        Label(
            "Thành viên Tổ công nghệ số cộng đồng được tập huấn để hỗ trợ người dân",
            "Community digital-tech team members trained to support people",
        ),
    ),
    Indicator(
        "procedures_online",
        Label(
            "Hồ sơ thủ tục hành chính được tiếp nhận, giải quyết trực tuyến",
            "Administrative dossiers received and settled online",
        ),
    ),
    Indicator(
        "documents_electronic",
        Label(
            "Văn bản trao đổi với cơ quan khác dưới dạng điện tử (trừ văn bản mật)",
            "Documents exchanged with other agencies electronically (secret ones excepted)",
        ),
    ),
    Indicator(
        "officials_digital_signature",
        Label(
            "Cán bộ, công chức sử dụng thành thạo phần mềm quản lý văn bản và chữ ký số",
            "Officials using document-management software and digital signatures proficiently",
        ),
    ),
)
PERIOD_INDICATOR_IDS = tuple(i.id for i in PERIOD_INDICATORS)
# Every indicator a commune may set a target for.
TARGET_IDS = INDICATOR_IDS + PERIOD_INDICATOR_IDS
# Bumped whenever a tally would count differently: stored tallies of another version are
# recomputed, never trusted. 2: the three conditions of adults_ready and traceability codes.
TALLY_VERSION = 2


# -- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A percentage to reach: `min` (strictly above it when `strict`), `max` a stretch."""

    min: float
    strict: bool = False
    max: float | None = None

    def met(self, percent: float) -> bool:
        return percent > self.min if self.strict else percent >= self.min

    def describe(self) -> str:
        if self.max is not None:
            return f"{self.min:g}–{self.max:g}%"
        return f"{'>' if self.strict else '≥'}{self.min:g}%"


# The adult ages a commune may count by (DESIGN §2: 18 by default; 15, the age national
# digital-inclusion figures use). The server keeps its tallies for exactly these.
ADULT_AGES: tuple[int, ...] = (18, 15)


@dataclass(frozen=True)
class CoverageConfig:
    """A commune's configuration (DESIGN §3): adult age, "close" margin, targets, its time
    zone (whose calendar days every figure counts in) and the campaign's first day (nothing
    can have been recorded before it)."""

    adult_age: int
    close_margin: float
    targets: Mapping[str, Target]
    time_zone: str = DEFAULT_TIME_ZONE
    campaign_start: date = DEFAULT_CAMPAIGN_START

    @property
    def zone(self) -> tzinfo:
        return zone(self.time_zone)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], base: CoverageConfig | None = None) -> CoverageConfig:
        """A commune's configuration over the defaults: only what it names changes.

        ValueError for an unknown indicator, time zone or a campaign start that is not a date.
        """
        base = base or default_config()
        targets: dict[str, Target | None] = dict(base.targets)
        for key, value in (raw.get("targets") or {}).items():
            if key not in TARGET_IDS:
                raise ValueError(f"unknown indicator {key!r}")
            targets[key] = (
                None
                if value is None
                else Target(
                    min=float(value["min"]),
                    strict=bool(value.get("strict", False)),
                    max=None if value.get("max") is None else float(value["max"]),
                )
            )
        time_zone = str(raw.get("time_zone") or base.time_zone)
        zone(time_zone)  # ZoneUnknown (a ValueError) now, not in a report
        start = raw.get("campaign_start") or base.campaign_start
        return cls(
            adult_age=int(raw.get("adult_age", base.adult_age)),
            close_margin=float(raw.get("close_margin", base.close_margin)),
            targets={k: v for k, v in targets.items() if v is not None},
            time_zone=time_zone,
            campaign_start=start if isinstance(start, date) else date.fromisoformat(str(start)),
        )

    def to_dict(self) -> dict[str, Any]:
        """What `from_dict` reads back (the phone keeps the commune's configuration so)."""
        return {
            "adult_age": self.adult_age,
            "close_margin": self.close_margin,
            "targets": {k: {"min": t.min, "strict": t.strict, "max": t.max} for k, t in self.targets.items()},
            "time_zone": self.time_zone,
            "campaign_start": self.campaign_start.isoformat(),
        }

    def with_adult_age(self, adult_age: int) -> CoverageConfig:
        return CoverageConfig(adult_age, self.close_margin, self.targets, self.time_zone, self.campaign_start)

    def today(self, clock: Any = system_clock) -> date:
        """Today in the commune: the day "current" figures are as of (DESIGN §3)."""
        return local_day(clock(), self.zone)


def default_config() -> CoverageConfig:
    raw = json.loads(resources.files(__package__).joinpath("config", "defaults.json").read_text(encoding="utf-8"))
    targets = {
        key: Target(
            min=float(v["min"]),
            strict=bool(v.get("strict", False)),
            max=None if v.get("max") is None else float(v["max"]),
        )
        for key, v in raw["targets"].items()
    }
    return CoverageConfig(
        int(raw["adult_age"]),
        float(raw["close_margin"]),
        targets,
        str(raw.get("time_zone") or DEFAULT_TIME_ZONE),
        date.fromisoformat(raw["campaign_start"]) if raw.get("campaign_start") else DEFAULT_CAMPAIGN_START,
    )


# -- tallies --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Numerator and denominator per indicator; tallies add up."""

    counts: dict[str, list[int]] = field(default_factory=lambda: {i: [0, 0] for i in INDICATOR_IDS})

    def add(self, indicator: str, numerator: int, denominator: int) -> None:
        pair = self.counts[indicator]
        pair[0] += numerator
        pair[1] += denominator

    def copy(self) -> Tally:
        return Tally({indicator: [n, d] for indicator, (n, d) in self.counts.items()})

    def merge(self, other: Tally) -> None:
        counts = self.counts
        for indicator, (num, den) in other.counts.items():
            pair = counts[indicator]
            pair[0] += num
            pair[1] += den

    def to_dict(self) -> dict[str, list[int]]:
        return {k: list(v) for k, v in self.counts.items()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Tally:
        tally = cls()
        for indicator, (num, den) in raw.items():
            if indicator in tally.counts:
                tally.add(indicator, int(num), int(den))
        return tally


def household_tally(latest_completed: Visit | None, adult_age: int, tz: tzinfo | None = None) -> Tally:
    """What one household on the roster contributes, from its latest completed visit.

    Adults are counted by the commune's year of the visit (`tz`, default Asia/Ho_Chi_Minh).
    """
    tally = Tally()
    if latest_completed is None:
        tally.add("visit_coverage", 0, 1)
        return tally
    visit = latest_completed
    tally.add("visit_coverage", 1, 1)
    ready_count = online_count = adult_count = smart_count = vneid_count = paying_count = 0  # added once
    for adult in visit.adults(adult_age, tz):
        answers = adult.answers
        vneid = answers.get("vneid")
        smartphone = answers.get("phone_type") == "smartphone"
        level2 = vneid == "level2"
        paying = _any_of(answers.get("payment_accounts"), PAYMENT_ACCOUNTS)
        ready = smartphone and level2 and paying
        online = vneid in ("level1", "level2") and answers.get("online_services") in ("used", "not_needed")
        smart_count += int(smartphone)
        vneid_count += int(level2)
        paying_count += int(paying)
        ready_count += int(ready)
        online_count += int(online)
        adult_count += 1
    if adult_count:
        tally.add("adults_ready", ready_count, adult_count)
        tally.add("adults_online_services", online_count, adult_count)
        tally.add("adults_smartphone", smart_count, adult_count)
        tally.add("adults_vneid_level2", vneid_count, adult_count)
        tally.add("adults_payment_account", paying_count, adult_count)
    values = visit.household_values()  # == visit.answer(q) for each q, merged once
    tally.add("households_guided", int(_any_of(values.get("guided_services"), ESSENTIAL_SERVICES)), 1)
    waste = values.get("waste_sorting")
    tally.add("households_waste_sorting", int(waste == "yes"), 1)
    tally.add("households_waste_partly", int(waste == "partly"), 1)
    if values.get("is_business") == "yes":
        tools = values.get("business_tools")
        tally.add("businesses_digital", int(_any_of(tools, BUSINESS_TOOLS)), 1)
        tally.add("businesses_traceability", int(_any_of(tools, ("traceability",))), 1)
        products = [p for p in values.get("products") or () if isinstance(p, Mapping)]
        promoted = sum(1 for p in products if p.get("promoted_online") == "yes")
        tally.add("products_online", promoted, len(products))
    return tally


def _any_of(chosen: Any, allowed: tuple[str, ...]) -> bool:
    return isinstance(chosen, list) and any(v in allowed for v in chosen)


# -- reports --------------------------------------------------------------------------------


class IndicatorValue(NamedTuple):
    """One indicator's figure: numerator over denominator, against its target. Immutable; a
    tuple because a report holds ten thousand of them (1,000 hamlets) and is built per sync."""

    id: str
    numerator: int
    denominator: int
    target: Target | None

    @property
    def percent(self) -> float | None:
        """None when the denominator is zero: "no data", never 0% or 100%."""
        if self.denominator == 0:
            return None
        return 100.0 * self.numerator / self.denominator

    def status(self, close_margin: float) -> str:
        """met | close | far | no_data | no_target"""
        percent = self.percent
        if percent is None:
            return "no_data"
        if self.target is None:
            return "no_target"
        if self.target.met(percent):
            return "met"
        return "close" if percent >= self.target.min - close_margin else "far"


@dataclass(frozen=True)
class Coverage:
    """Every indicator for one hamlet, or for the commune when `hamlet_id` is None."""

    hamlet_id: str | None
    values: Mapping[str, IndicatorValue]

    def __getitem__(self, indicator: str) -> IndicatorValue:
        return self.values[indicator]


@dataclass(frozen=True)
class CoverageReport:
    """Figures per hamlet and for the commune; `as_of` None means current, i.e. as of `day`,
    the commune's today when they were computed."""

    as_of: date | None
    config: CoverageConfig
    hamlets: Mapping[str, Coverage]
    total: Coverage
    day: date | None = None

    @property
    def shown_day(self) -> date:
        """The day the figures hold for: the as-of date, or today for current figures."""
        return self.as_of or self.day or self.config.today()


def report_from_tallies(
    hamlets: Iterable[Hamlet],
    tallies: Mapping[str, Tally],
    *,
    as_of: date | None = None,
    config: CoverageConfig | None = None,
    today: date | None = None,
) -> CoverageReport:
    """Hamlet and commune figures from per-hamlet tallies (households already summed).

    Hamlet teams count as of `as_of`, or, for current figures, as of `today` (the commune's
    today from the system clock when not given): a team active from next June is not
    counted now, nor in figures "as of" a day still to come (they are today's).
    """
    config = config or default_config()
    day = as_of or today or config.today()
    if as_of is not None and today is not None and as_of > today:
        day = today
    # One pass per hamlet that adds its team, sums the commune and makes its figures, without
    # copying the tally given (a report is built per sync over up to 1,000 hamlets × 14
    # indicators: issue 12 §6).
    targets = [(i, config.targets.get(i)) for i in INDICATOR_IDS]
    total = {i: [0, 0] for i in INDICATOR_IDS}
    empty = Tally().counts
    per_hamlet: dict[str, Coverage] = {}
    for hamlet in hamlets:
        source = tallies.get(hamlet.id)
        counts = source.counts if source is not None else empty
        team = int(hamlet.team_active(day))
        values: dict[str, IndicatorValue] = {}
        for indicator, target in targets:
            numerator, denominator = counts[indicator]
            if indicator == "hamlets_with_team":
                numerator, denominator = numerator + team, denominator + 1
            pair = total[indicator]
            pair[0] += numerator
            pair[1] += denominator
            values[indicator] = IndicatorValue(indicator, numerator, denominator, target)
        per_hamlet[hamlet.id] = Coverage(hamlet.id, values)
    return CoverageReport(as_of, config, per_hamlet, _coverage(None, Tally(total), config), day)


def coverage_of(tally: Tally, config: CoverageConfig, hamlet_id: str | None = None) -> Coverage:
    """Every indicator of an already summed tally (hamlet teams counted in it)."""
    return _coverage(hamlet_id, tally, config)


def _coverage(hamlet_id: str | None, tally: Tally, config: CoverageConfig) -> Coverage:
    counts, targets = tally.counts, config.targets
    return Coverage(
        hamlet_id, {i: IndicatorValue(i, counts[i][0], counts[i][1], targets.get(i)) for i in INDICATOR_IDS}
    )


def latest_completed(visits: Iterable[Visit], as_of: date | None = None, tz: tzinfo | None = None) -> dict[str, Visit]:
    """Each household's latest completed visit on or before the commune day `as_of` (any
    date when None), the latest by instant (never by the text of its time).

    Later "nobody home" or declined visits never erase a completed one. A visit whose time
    is not a time with an offset never passed validation and counts nowhere.
    """
    tz = tz or zone()
    latest: dict[str, tuple[Any, str, Visit]] = {}
    for visit in visits:
        if visit.outcome != Outcome.COMPLETED:
            continue
        at = instant_or_none(visit.visited_at)
        if at is None or (as_of is not None and local_day(at, tz) > as_of):
            continue
        current = latest.get(visit.household_id)
        if current is None or (at, visit.id) > current[:2]:
            latest[visit.household_id] = (at, visit.id, visit)
    return {household_id: entry[2] for household_id, entry in latest.items()}


def compute_coverage(
    hamlets: Iterable[Hamlet],
    households: Iterable[Household],
    visits: Iterable[Visit],
    *,
    as_of: date | None = None,
    config: CoverageConfig | None = None,
    today: date | None = None,
    placements: Mapping[str, Sequence[Placement]] | None = None,
) -> CoverageReport:
    """Coverage per hamlet and for the commune over the roster as of a date (DESIGN §3):
    the reference every stored or cached figure is held to.

    `placements` gives households' hamlet and roster history (`survey.roster`); a household
    without one is placed by its own record. `today` is the commune day of current figures.
    """
    config = config or default_config()
    hamlets = list(hamlets)
    tallies = hamlet_tallies(
        households, visits, as_of=as_of, adult_age=config.adult_age, tz=config.zone, placements=placements
    )
    return report_from_tallies(hamlets, tallies, as_of=as_of, config=config, today=today)


def hamlet_tallies(
    households: Iterable[Household],
    visits: Iterable[Visit],
    *,
    as_of: date | None = None,
    adult_age: int,
    tz: tzinfo | None = None,
    placements: Mapping[str, Sequence[Placement]] | None = None,
) -> dict[str, Tally]:
    """Each hamlet's sum of its roster households' tallies (no hamlet-level flags yet).

    As of a day, a household counts in the hamlet it belonged to that day, if it was on the
    roster that day (its placements); current figures take each household as it is now.
    """
    tz = tz or zone()
    latest = latest_completed(visits, as_of, tz)
    tallies: dict[str, Tally] = {}
    for household in households:
        history = placements.get(household.id) if placements is not None and as_of is not None else None
        if history:
            placed = placement_on(history, as_of)  # type: ignore[arg-type]
            if placed is None or not placed.on_roster:
                continue
            hamlet_id = placed.hamlet_id
        elif household.on_roster(as_of, tz):
            hamlet_id = household.hamlet_id
        else:
            continue
        tally = tallies.setdefault(hamlet_id, Tally())
        tally.merge(household_tally(latest.get(household.id), adult_age, tz))
    return tallies


def indicator_label(indicator: str, lang: str) -> str:
    """The indicator's name in `lang` (visit or period-entered); the id itself if unknown."""
    for item in INDICATORS + PERIOD_INDICATORS:
        if item.id == indicator:
            return item.label.text(lang)
    return indicator


__all__ = [
    "INDICATORS",
    "INDICATOR_IDS",
    "PERIOD_INDICATORS",
    "PERIOD_INDICATOR_IDS",
    "TARGET_IDS",
    "Coverage",
    "CoverageConfig",
    "CoverageReport",
    "IndicatorValue",
    "Tally",
    "Target",
    "compute_coverage",
    "default_config",
    "hamlet_tallies",
    "household_tally",
    "indicator_label",
    "latest_completed",
    "report_from_tallies",
]

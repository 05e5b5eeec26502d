"""What the staff dashboard shows: indicators per hamlet sorted by lag, the commune's bars
against its targets, the quarterly trend, and the dates staff pick ("as of").

Plain data built from `services.coverage`; the web layer only renders it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from survey.indicators import INDICATOR_IDS, Coverage, CoverageReport, IndicatorValue

from .. import models
from ..refusal import Refused
from . import coverage, roster, timeline

# The plan's milestones (2026–2030 plan): the campaign starts with 2026, the interim review
# reads the end of Q4 2027, the final review the end of Q3 2030.
CAMPAIGN_START = date(2026, 1, 1)
INTERIM_REVIEW = date(2027, 12, 31)
FINAL_REVIEW = date(2030, 9, 30)
# Shown on the overview and in reports; `households_waste_partly` is reported beside
# `households_waste_sorting` (DESIGN §3: "partly" is reported separately).
SHOWN = (
    "adults_ready",
    "adults_online_services",
    "households_guided",
    "households_waste_sorting",
    "households_waste_partly",
    "businesses_digital",
    "products_online",
    "hamlets_with_team",
    "visit_coverage",
)
# adults_ready's three conditions one by one, per hamlet: which one lags (issue 12 §3).
READY_PARTS = ("adults_smartphone", "adults_vneid_level2", "adults_payment_account")
# Measured by visits and reported beside the targets without one of its own (the plan's
# green-transition section encourages traceability codes).
ALSO_SHOWN = ("businesses_traceability",)
assert set(SHOWN + READY_PARTS + ALSO_SHOWN) == set(INDICATOR_IDS), "every visit indicator has its place"


_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(text: str | None) -> date | None:
    """`YYYY-MM-DD`, or `YYYY-Qn` for the end of that quarter; empty means today's figures.
    Anything else is refused with `date_invalid` (never a server error)."""
    value = (text or "").strip()
    if not value:
        return None
    quarter = _QUARTER.fullmatch(value)
    try:
        if quarter:
            day = timeline.quarter_end(int(quarter[1]), int(quarter[2]))
        elif _DAY.fullmatch(value):
            day = date.fromisoformat(value)
        else:
            day = None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise Refused("date_invalid", "as_of", {"value": value[:40]})
    return day


@dataclass(frozen=True)
class Row:
    """One hamlet (or the commune when `hamlet_id` is None) with every shown indicator."""

    hamlet_id: str | None
    name: str
    values: tuple[IndicatorValue, ...]
    statuses: tuple[str, ...]
    lag: float  # mean shortfall below target, in percentage points, over indicators with data


@dataclass(frozen=True)
class CommuneInfo:
    code: str
    name: str
    province: str


@dataclass(frozen=True)
class Overview:
    commune: CommuneInfo
    as_of: date | None
    report: CoverageReport
    total: Row
    rows: tuple[Row, ...]  # the hamlets, the most lagging first
    trend: tuple[tuple[date, Coverage], ...]
    close_margin: float


def shortfall(value: IndicatorValue) -> float | None:
    """Percentage points below the target's minimum (0 when met); None without data or target."""
    percent = value.percent
    if percent is None or value.target is None:
        return None
    return 0.0 if value.target.met(percent) else max(0.0, value.target.min - percent)


def row(hamlet_id: str | None, name: str, cov: Coverage, close_margin: float) -> Row:
    values = tuple(cov[i] for i in SHOWN)
    statuses = tuple(v.status(close_margin) for v in values)
    gaps = [
        shortfall(v) for v, s in zip(values, statuses, strict=False) if s in ("close", "far")
    ]  # met: 0, no data: out
    met = statuses.count("met")
    total = sum(g or 0.0 for g in gaps)
    return Row(hamlet_id, name, values, statuses, total / (len(gaps) + met) if gaps or met else 0.0)


class OverviewCache:
    """Overviews already computed, per state of the data (one per server: `app.state`): at
    most `size` of them, and at most `rows` hamlet rows in all (the newest is always kept).

    Why a bound in rows (issue 12 §6): an overview of 1,000 hamlets holds ~19,000 objects
    the garbage collector tracks (its figures are tuples of a subclass, which it never stops
    tracking). Eight of them made every full collection walk ~150,000 objects, ~30 ms on a
    2-core host, and after a sync one ran every page or two. A commune's overview (a few
    dozen hamlets) is small: eight fit; at a province's 1,000 hamlets, two do.
    """

    def __init__(self, size: int = 8, rows: int = 2_500) -> None:
        self.size, self.rows = size, rows
        self._found: OrderedDict[tuple[Any, ...], Overview] = OrderedDict()
        self._held = 0  # hamlet rows of the overviews held
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Overview | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], view: Overview) -> None:
        with self._lock:
            replaced = self._found.pop(key, None)
            if replaced is not None:
                self._held -= len(replaced.rows)
            self._found[key] = view
            self._held += len(view.rows)
            while len(self._found) > 1 and (len(self._found) > self.size or self._held > self.rows):
                _, dropped = self._found.popitem(last=False)
                self._held -= len(dropped.rows)

    def __len__(self) -> int:
        with self._lock:
            return len(self._found)


def overview(
    session: Session, commune: models.Commune, as_of: date | None, *, today: date, cache: OverviewCache | None = None
) -> Overview:
    """The overview, computed once per state of the data when given a cache: a reload, or
    another staff member opening it, reuses it until a sync, a merge or a set-up change. The
    key holds the change sequence every record write takes (roster.next_seq), the commune's
    configuration and its hamlets as read now, so a change made by any process is seen."""
    hamlets = coverage.commune_hamlets(session, commune)
    if cache is None:
        return _overview(session, commune, hamlets, as_of, today)
    key = (
        commune.code,
        commune.name,
        commune.province,
        commune.adult_age,
        commune.close_margin,
        commune.time_zone,
        commune.campaign_start,
        json.dumps(commune.targets or {}, sort_keys=True),
        tuple((h.id, h.name, h.team_active_since) for h in hamlets),
        as_of,
        today,
        roster.current_seq(session),
    )
    found = cache.get(key)
    if found is None:
        found = _overview(session, commune, hamlets, as_of, today)
        cache.put(key, found)
    return found


def _overview(
    session: Session, commune: models.Commune, hamlets: list[Any], as_of: date | None, today: date
) -> Overview:
    report = coverage.report(session, commune, as_of=as_of, hamlets=hamlets, today=today)
    margin = report.config.close_margin
    names = {h.id: h.name for h in hamlets}
    rows = [row(hamlet_id, names.get(hamlet_id, hamlet_id), cov, margin) for hamlet_id, cov in report.hamlets.items()]
    # Most lagging first; then fewer households visited; then by name, so the order is stable.
    rows.sort(key=lambda r: (-r.lag, r.values[SHOWN.index("visit_coverage")].percent or 0.0, r.name))
    span = trend_span(as_of, today)
    trend = cut_at(coverage.trend(session, commune, *span, hamlets=hamlets, today=today), span[1], report.total)
    return Overview(
        CommuneInfo(commune.code, commune.name, commune.province),
        as_of,
        report,
        row(None, commune.name, report.total, margin),
        tuple(rows),
        tuple(trend),
        margin,
    )


def ready_parts(cov: Coverage, close_margin: float) -> tuple[tuple[IndicatorValue, ...], tuple[str, ...]]:
    """adults_ready's three conditions (READY_PARTS) then adults_ready itself, for one hamlet
    or the commune, with statuses. Each condition is held to adults_ready's target: all three
    must reach it for the adults ready to (issue 12 §3: which condition lags)."""
    target = cov["adults_ready"].target
    values = (*tuple(cov[i]._replace(target=target) for i in READY_PARTS), cov["adults_ready"])
    return values, tuple(v.status(close_margin) for v in values)


@dataclass(frozen=True)
class Pages:
    """Which hamlets of the lag-sorted table a page shows: the most lagging first, `PAGE` at a
    time (a commune of a few dozen hamlets sees them all on one page); `page=all` shows all."""

    number: int  # 1-based; 0 = all on one page
    count: int
    total: int

    PAGE = 100

    @property
    def first(self) -> int:
        return 0 if self.number == 0 else (self.number - 1) * self.PAGE

    @property
    def last(self) -> int:
        return self.total if self.number == 0 else min(self.total, self.number * self.PAGE)

    @classmethod
    def of(cls, total: int, text: str | None) -> Pages:
        count = max(1, -(-total // cls.PAGE))
        value = (text or "").strip()
        if value == "all":
            return cls(0, count, total)
        if not value:
            return cls(1, count, total)
        if value.isascii() and value.isdigit() and 1 <= int(value) <= count:
            return cls(int(value), count, total)
        raise Refused("page_invalid", "page", {"value": value[:20], "count": count})


# `YYYY-Qn` labels and their last day, from the campaign's first quarter to the final review.
QUARTERS = tuple(
    (f"{d.year}-Q{(d.month - 1) // 3 + 1}", d) for d in timeline.quarter_ends(CAMPAIGN_START, FINAL_REVIEW)
)


def trend_span(as_of: date | None, today: date) -> tuple[date, date]:
    """The quarters a trend shows: from the campaign's start to the figures' day (never later
    than today: the future holds no records yet)."""
    last = min(as_of or today, today)
    return min(CAMPAIGN_START, last), last


def cut_at(trend: list[tuple[date, Coverage]], last: date, at_last: Coverage) -> list[tuple[date, Coverage]]:
    """The trend ending on the figures' day: a last quarter not over by `last` is shown as of
    `last` itself, with the figures of that day (`at_last`, the page's own), not the
    quarter's sums so far (which hold what came after the chosen day: issue 12 §3)."""
    if trend and trend[-1][0] > last:
        trend = [*trend[:-1], (last, at_last)]
    return trend


@dataclass(frozen=True)
class HamletView:
    row: Row
    trend: tuple[tuple[date, Coverage], ...]
    close_margin: float


def overview_of_hamlet(
    session: Session, commune: models.Commune, hamlet_id: str, as_of: date | None, *, today: date
) -> HamletView:
    hamlets = coverage.commune_hamlets(session, commune)
    report = coverage.report(session, commune, as_of=as_of, hamlets=hamlets, today=today)
    margin = report.config.close_margin
    names = {h.id: h.name for h in hamlets}
    span = trend_span(as_of, today)
    trend = cut_at(
        coverage.trend(session, commune, *span, hamlet_id=hamlet_id, hamlets=hamlets, today=today),
        span[1],
        report.hamlets[hamlet_id],
    )
    return HamletView(
        row(hamlet_id, names.get(hamlet_id, hamlet_id), report.hamlets[hamlet_id], margin), tuple(trend), margin
    )

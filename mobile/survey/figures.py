"""The plan's targets that no household visit measures (DESIGN §3, the plan's section III):
commune staff enter each per period (a quarter or a year) as a numerator over a
denominator with a source note, and the reports show them beside the visit indicators.

One rule per function, in codes (survey.errors): the server checks every entry with
`check_figure` before it stores it. Standard library only, like the rest of the domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .errors import Issue
from .indicators import PERIOD_INDICATOR_IDS, PERIOD_INDICATORS, IndicatorValue, Target

# "Above 70%, rising each year" (plan section III): a year's figure not above the year
# before is flagged even when it meets the target.
RISING_YEARLY = frozenset({"procedures_online"})

_PERIOD = re.compile(r"([0-9]{4})(?:-?Q([1-4]))?", re.IGNORECASE | re.ASCII)
_ROMAN = ("I", "II", "III", "IV")
NUMBER_LIMIT = 10_000_000  # more dossiers than a commune settles in a century: a typing slip
SOURCE_LIMIT = 500  # characters of a source note


@dataclass(frozen=True, order=True)
class Period:
    """A year (`quarter` None) or one of its quarters; ordered by year, then the year before
    its quarters."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2027` or `2027-Q4` (also `2027Q4`, lower case q). ValueError otherwise."""
        found = _PERIOD.fullmatch((text or "").strip())
        if not found:
            raise ValueError(f"not a period: {text!r}")
        return cls(int(found[1]), int(found[2]) if found[2] else None)

    @property
    def key(self) -> str:
        """How it is stored and put in a URL: `2027` or `2027-Q4`."""
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> date:
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    def label(self, lang: str) -> str:
        """ "Năm 2027", "Quý IV/2027"; "Year 2027", "Q4 2027"."""
        if self.quarter is None:
            return f"Năm {self.year}" if lang == "vi" else f"Year {self.year}"
        return f"Quý {_ROMAN[self.quarter - 1]}/{self.year}" if lang == "vi" else f"Q{self.quarter} {self.year}"


@dataclass(frozen=True)
class FigureEntry:
    """One figure as staff entered it. `withdrawn` entries take a period's figure back (the
    mistake of entering it at all put right); the latest entry of an indicator and period
    is the one that counts, the earlier ones are its history."""

    indicator: str
    period: Period
    numerator: int
    denominator: int
    source: str
    entered_at: datetime
    entered_by: str = ""
    withdrawn: bool = False


def _digits(text: str) -> str:
    return (text or "").strip().replace(".", "").replace(" ", "")  # "1.250" is how Vietnamese write 1250


def _whole(text: str) -> int | None:
    value = _digits(text)
    if not value.isascii() or not value.isdigit():
        return None
    return int(value[:12])  # a longer number is refused as too large, never read whole


def check_figure(
    indicator: str,
    period: str,
    numerator: str,
    denominator: str,
    source: str,
    *,
    campaign_start: date,
    today: date,
) -> list[Issue]:
    """Every problem of one entry as typed, as (code, field, context) issues; empty when it
    can be stored. Rules: a known indicator (DESIGN §3); a year or quarter from the
    campaign's first year that has begun by `today` (the commune's day); whole numbers with
    0 ≤ numerator ≤ denominator, denominator ≥ 1 (a zero denominator is "no data", which is
    what not entering a figure says) and below NUMBER_LIMIT; a source note (who counted it,
    from which register) of at most SOURCE_LIMIT characters."""
    issues: list[Issue] = []
    if indicator not in PERIOD_INDICATOR_IDS:
        issues.append(Issue("figure_indicator_unknown", "indicator", {"value": str(indicator)[:40]}))
    try:
        chosen = Period.parse(period)
    except ValueError:
        issues.append(Issue("figure_period_invalid", "period", {"value": str(period)[:20]}))
    else:
        if chosen.last_day < campaign_start.replace(month=1, day=1) or chosen.year > 2100:
            issues.append(
                Issue("figure_period_before_campaign", "period", {"value": chosen.key, "year": campaign_start.year})
            )
        elif chosen.first_day > today:
            issues.append(Issue("figure_period_future", "period", {"value": chosen.key}))
    top = _whole(numerator)
    bottom = _whole(denominator)
    if top is None:
        issues.append(Issue("figure_number_invalid", "numerator", {"value": str(numerator)[:20]}))
    elif top >= NUMBER_LIMIT or len(_digits(numerator)) > 9:
        issues.append(Issue("figure_number_too_large", "numerator", {"limit": NUMBER_LIMIT}))
    if bottom is None:
        issues.append(Issue("figure_number_invalid", "denominator", {"value": str(denominator)[:20]}))
    elif bottom == 0:
        issues.append(Issue("figure_denominator_zero", "denominator"))
    elif bottom >= NUMBER_LIMIT or len(_digits(denominator)) > 9:
        issues.append(Issue("figure_number_too_large", "denominator", {"limit": NUMBER_LIMIT}))
    if top is not None and bottom and top > bottom and top < NUMBER_LIMIT:
        issues.append(Issue("figure_numerator_above", "numerator", {"numerator": top, "denominator": bottom}))
    note = (source or "").strip()
    if not note:
        issues.append(Issue("figure_source_missing", "source"))
    elif len(note) > SOURCE_LIMIT:
        issues.append(Issue("figure_source_too_long", "source", {"limit": SOURCE_LIMIT}))
    return issues


def whole_number(text: str) -> int:
    """The whole number `check_figure` accepted ("1.250" → 1250). ValueError otherwise."""
    value = _whole(text)
    if value is None:
        raise ValueError(f"not a whole number: {text!r}")
    return value


def current_entries(entries: Iterable[FigureEntry]) -> dict[tuple[str, Period], FigureEntry]:
    """The entry that counts per (indicator, period): the latest entered; withdrawn ones
    leave their period without a figure."""
    latest: dict[tuple[str, Period], FigureEntry] = {}
    for entry in entries:
        key = (entry.indicator, entry.period)
        if key not in latest or entry.entered_at >= latest[key].entered_at:
            latest[key] = entry
    return {key: entry for key, entry in latest.items() if not entry.withdrawn}


@dataclass(frozen=True)
class FigureAsOf:
    """An indicator's figure for a report as of a day: its value against the target, the
    period it comes from (None: no figure entered for a period ended by then), and, for the
    rising-yearly targets, whether it rose above the year before (None: nothing to compare)."""

    value: IndicatorValue
    period: Period | None
    entry: FigureEntry | None
    rising: bool | None
    pending: FigureEntry | None = None  # entered for a period still under way on the day: counts once it ends


def figure_as_of(
    indicator: str, current: Mapping[tuple[str, Period], FigureEntry], day: date, target: Target | None
) -> FigureAsOf:
    """The figure a report as of `day` shows: the entry of the latest period that ended on
    or before `day` (a year before its own fourth quarter when both end that day, as the
    year is what a review reports). With none, "no data" (0/0, never 0%). An entry for a
    period still under way on `day` is `pending`: shown as entered, counted once it ends."""
    candidates = [
        (period.last_day, period.quarter is None, period)
        for (ind, period) in current
        if ind == indicator and period.last_day <= day
    ]
    under_way = [
        (period.last_day, period.quarter is None, period)
        for (ind, period) in current
        if ind == indicator and period.first_day <= day < period.last_day
    ]
    pending = current[(indicator, max(under_way)[2])] if under_way else None
    if not candidates:
        return FigureAsOf(IndicatorValue(indicator, 0, 0, target), None, None, None, pending)
    _, _, period = max(candidates)
    entry = current[(indicator, period)]
    rising: bool | None = None
    if indicator in RISING_YEARLY:
        before = current.get((indicator, Period(period.year - 1, period.quarter)))
        if before is not None:
            rising = entry.numerator * before.denominator > before.numerator * entry.denominator
    return FigureAsOf(
        IndicatorValue(indicator, entry.numerator, entry.denominator, target), period, entry, rising, pending
    )


__all__ = [
    "PERIOD_INDICATORS",
    "PERIOD_INDICATOR_IDS",
    "RISING_YEARLY",
    "FigureAsOf",
    "FigureEntry",
    "Period",
    "check_figure",
    "current_entries",
    "figure_as_of",
    "whole_number",
]

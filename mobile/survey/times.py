"""Times and days, one way for the phone, the server and every report (DESIGN §3).

A *time* is an instant: ISO 8601 text with an offset on the wire and in records, parsed once
where it enters (phone storage, server ingest) and compared as a `datetime`, never as text:
`2026-03-10T09:30+07:00` is earlier than `2026-03-10T03:00+00:00` although it sorts later.

A *day* is the commune's calendar day: the instant read in the commune's time zone
(configuration, default `Asia/Ho_Chi_Minh`). A visit at 06:30 on 1 January 2028 in Vietnam
(`2027-12-31T23:30Z`) is a visit of 2028, on the roster from 2028: it does not count in the
interim review as of 31/12/2027.

Standard library only. `zoneinfo` reads the platform's zone database; where there is none
(Android, Windows) the `tzdata` package provides it, and Vietnam's fixed UTC+7 is the last
resort for the default zone only, so a phone never stops for want of a zone file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"
# The campaign's first day (plan 2026–2030): nothing can have been recorded before it.
DEFAULT_CAMPAIGN_START = date(2026, 1, 1)
# Phone clocks drift: a record a few minutes "in the future" is a clock, not an error.
CLOCK_TOLERANCE = timedelta(minutes=10)

Clock = Callable[[], datetime]
"""A source of the current instant (aware). Injected wherever "now" matters, so tests and
the two-phone scenarios can run phones whose clocks are wrong."""


def system_clock() -> datetime:
    """The machine's clock, as an aware UTC instant."""
    return datetime.now(UTC)


class ZoneUnknown(ValueError):
    """A time zone name that neither the platform nor tzdata knows."""


@lru_cache(maxsize=32)
def zone(name: str = DEFAULT_TIME_ZONE) -> tzinfo:
    """The tzinfo of an IANA zone name (cached). ZoneUnknown for a name nobody knows.

    Without any zone database the default zone falls back to a fixed UTC+7: Vietnam has
    kept that offset without daylight saving since 1975, so every day it gives is exact.
    """
    if not isinstance(name, str) or not name or len(name) > 64:
        raise ZoneUnknown(f"not a time zone name: {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        if name == DEFAULT_TIME_ZONE:
            return timezone(timedelta(hours=7), DEFAULT_TIME_ZONE)
        raise ZoneUnknown(f"unknown time zone {name!r}") from exc


def instant(value: str) -> datetime:
    """The instant an ISO 8601 time with an offset names, as an aware UTC `datetime`.

    ValueError (or TypeError for a non-string) when the text is not such a time; a time
    without an offset is refused too: nobody can say which instant it means.
    """
    if type(value) is not str:
        raise TypeError(f"a time is text, not {type(value).__name__}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time without an offset: {value!r}")
    return moment.astimezone(UTC)


def instant_or_none(value: object) -> datetime | None:
    """`instant(value)`, or None when it is missing or not a time with an offset."""
    try:
        return instant(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is read as UTC (SQLite hands timestamps back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """The wire form of an instant: UTC with milliseconds, e.g. 2026-11-24T03:30:00.123+00:00."""
    return as_utc(moment).isoformat(timespec="milliseconds")


def now_iso(clock: Clock = system_clock) -> str:
    """`iso()` of the clock's current instant."""
    return iso(clock())


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The calendar day of an instant in a time zone (the commune's day)."""
    return as_utc(moment).astimezone(tz).date()


def day_of(value: str, tz: tzinfo) -> date:
    """The commune's day of an ISO time with an offset; ValueError when it is not one."""
    return local_day(instant(value), tz)


def today(tz: tzinfo, clock: Clock = system_clock) -> date:
    """Today in a time zone: what "current" figures are as of."""
    return local_day(clock(), tz)


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


class DayUnreadable(ValueError):
    """A day typed by a person that is not one: `code` (survey.errors) says why, `value` is
    what was typed."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(f"{code}: {value!r}")
        self.code, self.value = code, value


_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")
_SHORT_YEAR = re.compile(r"[0-9]{1,2}([/.-])[0-9]{1,2}\1[0-9]{2}")


def read_day(text: str) -> date:
    """A calendar day as commune staff type it or a spreadsheet saves it: ISO `2026-03-01`,
    or day first as Vietnamese writes it and Excel in Vietnamese saves it, `01/03/2026`,
    `1/3/2026`, `01-03-2026` or `01.03.2026` (one separator, a four-digit year).

    Raises DayUnreadable with the code of the first thing wrong: `day_impossible` when
    the numbers name no day (31/02/2027, 2027-13-01), `day_month_first` when only the
    month-first order makes it a day (03/31/2026, as an English spreadsheet writes it),
    `day_ambiguous` for a two-digit year (01/03/26: which century, and which number is the
    year?), `day_unreadable` for anything else. Spaces around it are ignored.
    """
    value = (text or "").strip()
    iso_day, day_first = _ISO_DAY.fullmatch(value), _DAY_FIRST.fullmatch(value)
    if iso_day:
        year, month, day = (int(part) for part in iso_day.groups())
    elif day_first:
        day, month, year = int(day_first[1]), int(day_first[3]), int(day_first[4])
    else:
        raise DayUnreadable("day_ambiguous" if _SHORT_YEAR.fullmatch(value) else "day_unreadable", value)
    try:
        return date(year, month, day)
    except ValueError:
        if day_first and month > 12 and 1 <= day <= 12:
            try:
                date(year, day, month)
            except ValueError:
                pass
            else:
                raise DayUnreadable("day_month_first", value) from None
        raise DayUnreadable("day_impossible", value) from None


def chronological(at: datetime, record_id: str) -> tuple[datetime, str]:
    """The order of records in time; the id breaks ties so every order is the same."""
    return at, record_id


__all__ = [
    "CLOCK_TOLERANCE",
    "DEFAULT_CAMPAIGN_START",
    "DEFAULT_TIME_ZONE",
    "Clock",
    "DayUnreadable",
    "ZoneUnknown",
    "as_utc",
    "chronological",
    "day_of",
    "instant",
    "instant_or_none",
    "iso",
    "local_day",
    "now_iso",
    "read_day",
    "start_of_day",
    "system_clock",
    "today",
    "zone",
]

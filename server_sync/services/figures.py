"""The plan's targets no household visit measures, entered by commune staff per period
(DESIGN §3; rules and "which entry counts" in survey.figures).

Entries are append-only: a correction is a new entry for the same indicator and period, a
withdrawal an entry that takes the figure back, so every mistake can be put right and the
history shows who entered what when. Every entry is audited with the staff user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.errors import Issue
from survey.figures import FigureAsOf, FigureEntry, Period, check_figure, current_entries, figure_as_of, whole_number
from survey.indicators import PERIOD_INDICATOR_IDS, CoverageConfig
from survey.times import as_utc

from .. import models

# Entries read per commune: five indicators over a five-year plan, by quarter and by year,
# corrected a few times each, stay far below it; the bound keeps a page's work bounded.
ENTRIES_READ = 5_000


class FigureRefused(Exception):
    """An entry that breaks a rule of survey.figures: nothing was stored."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(", ".join(i.code for i in issues))
        self.issues = issues


@dataclass(frozen=True)
class EntryRow:
    """One stored entry with who entered it, for the history table."""

    id: int
    entry: FigureEntry
    staff_name: str
    current: bool  # the entry that counts for its indicator and period
    restorable: bool = False  # a withdrawal nothing was entered after: "restore" puts the figure back


def _audit_content(row: models.PeriodFigure) -> dict[str, object]:
    return {
        "indicator": row.indicator,
        "period": row.period,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "source": row.source,
        "withdrawn": row.withdrawn,
    }


def _latest(session: Session, commune_code: str, indicator: str, period: str) -> models.PeriodFigure | None:
    return session.scalars(
        select(models.PeriodFigure)
        .where(
            models.PeriodFigure.commune_code == commune_code,
            models.PeriodFigure.indicator == indicator,
            models.PeriodFigure.period == period,
        )
        .order_by(models.PeriodFigure.entered_at.desc(), models.PeriodFigure.id.desc())
        .limit(1)
    ).first()


def _audit(
    session: Session,
    commune_code: str,
    action: str,
    old: models.PeriodFigure | None,
    new: models.PeriodFigure,
    staff_user_id: int,
    now: datetime,
) -> None:
    session.add(
        models.Audit(
            at=now,
            device_id=None,
            kind="figure",
            record_id=f"{commune_code}:{new.indicator}:{new.period}",
            action=action,
            old_fingerprint=None,
            new_fingerprint=None,
            old_content=_audit_content(old) if old is not None and not old.withdrawn else None,
            new_content=_audit_content(new),
            staff_user_id=staff_user_id,
            commune_code=commune_code,
        )
    )


def _append(
    session: Session,
    commune_code: str,
    values: tuple[str, str, int, int, str],
    *,
    withdrawn: bool,
    action: str,
    old: models.PeriodFigure | None,
    staff_user_id: int,
    now: datetime,
) -> models.PeriodFigure:
    """Add one entry, `values` = (indicator, period key, numerator, denominator, source), and
    its audit row: entries are never changed, only added."""
    indicator, period, numerator, denominator, source = values
    row = models.PeriodFigure(
        commune_code=commune_code,
        indicator=indicator,
        period=period,
        numerator=numerator,
        denominator=denominator,
        source=source,
        withdrawn=withdrawn,
        staff_user_id=staff_user_id,
        entered_at=now,
    )
    session.add(row)
    session.flush()
    _audit(session, commune_code, action, old, row, staff_user_id, now)
    session.flush()
    return row


def _values(row: models.PeriodFigure) -> tuple[str, str, int, int, str]:
    return row.indicator, row.period, row.numerator, row.denominator, row.source


def enter(
    session: Session,
    commune: models.Commune,
    *,
    indicator: str,
    period: str,
    numerator: str,
    denominator: str,
    source: str,
    staff_user_id: int,
    now: datetime,
    today: date,
) -> models.PeriodFigure:
    """Store one figure as typed (numbers as text: "1.250" is 1250). A second entry for the
    same indicator and period corrects the first (audited "updated"); the first is kept as
    history. FigureRefused with every broken rule when the entry cannot be stored."""
    issues = check_figure(
        indicator, period, numerator, denominator, source, campaign_start=commune.campaign_start, today=today
    )
    if issues:
        raise FigureRefused(issues)
    key = Period.parse(period).key
    old = _latest(session, commune.code, indicator, key)
    return _append(
        session,
        commune.code,
        (indicator, key, whole_number(numerator), whole_number(denominator), source.strip()),
        withdrawn=False,
        action="created" if old is None or old.withdrawn else "updated",
        old=old,
        staff_user_id=staff_user_id,
        now=now,
    )


def withdraw(
    session: Session, commune: models.Commune, *, indicator: str, period: str, staff_user_id: int, now: datetime
) -> bool:
    """Take a period's figure back (it was entered by mistake): the period has no figure
    again until one is entered. False when there was none to take back (nothing changes)."""
    if indicator not in PERIOD_INDICATOR_IDS:
        return False
    try:
        key = Period.parse(period).key
    except ValueError:
        return False
    old = _latest(session, commune.code, indicator, key)
    if old is None or old.withdrawn:
        return False
    _append(
        session,
        commune.code,
        _values(old),
        withdrawn=True,
        action="withdrawn",
        old=old,
        staff_user_id=staff_user_id,
        now=now,
    )
    return True


def restore(session: Session, commune: models.Commune, *, entry_id: int, staff_user_id: int, now: datetime) -> bool:
    """Undo a withdrawal: the figure it took back counts again (a new entry with its values,
    audited "restored"). False, changing nothing, when `entry_id` is not a withdrawal of
    this commune or something was entered for its period since."""
    row = session.get(models.PeriodFigure, entry_id)
    if row is None or row.commune_code != commune.code or not row.withdrawn:
        return False
    latest = _latest(session, commune.code, row.indicator, row.period)
    if latest is None or latest.id != row.id:
        return False
    _append(
        session,
        commune.code,
        _values(row),
        withdrawn=False,
        action="restored",
        old=None,
        staff_user_id=staff_user_id,
        now=now,
    )
    return True


def history(session: Session, commune_code: str) -> list[EntryRow]:
    """Every entry of the commune, newest first, at most ENTRIES_READ."""
    rows = session.execute(
        select(models.PeriodFigure, models.StaffUser.name)
        .join(models.StaffUser, models.StaffUser.id == models.PeriodFigure.staff_user_id)
        .where(models.PeriodFigure.commune_code == commune_code)
        .order_by(models.PeriodFigure.entered_at.desc(), models.PeriodFigure.id.desc())
        .limit(ENTRIES_READ)
    ).all()
    entries = [(row.id, _entry(row, name)) for row, name in rows]
    current = current_entries(e for _, e in reversed(entries))
    seen: set[tuple[str, Period]] = set()
    out = []
    for row_id, e in entries:  # newest first: the first of a key is its latest entry
        key = (e.indicator, e.period)
        latest = key not in seen
        seen.add(key)
        out.append(EntryRow(row_id, e, e.entered_by, not e.withdrawn and current.get(key) is e, e.withdrawn and latest))
    return out


def _entry(row: models.PeriodFigure, name: str) -> FigureEntry:
    try:
        period = Period.parse(row.period)
    except ValueError:  # written by no version of this code; shown as no period rather than failing
        period = Period(1900)
    return FigureEntry(
        row.indicator,
        period,
        row.numerator,
        row.denominator,
        row.source,
        as_utc(row.entered_at),
        name,
        row.withdrawn,
    )


def current(session: Session, commune_code: str) -> dict[tuple[str, Period], FigureEntry]:
    """The entry that counts for each indicator and period (survey.figures.current_entries)."""
    return current_of(history(session, commune_code))


def current_of(rows: list[EntryRow]) -> dict[tuple[str, Period], FigureEntry]:
    """`current` from a `history` already read (newest first)."""
    return current_entries(reversed([row.entry for row in rows]))


def as_of(config: CoverageConfig, entries: dict[tuple[str, Period], FigureEntry], day: date) -> dict[str, FigureAsOf]:
    """Each period-entered indicator as a report dated `day` shows it (survey.figures.figure_as_of)."""
    return {i: figure_as_of(i, entries, day, config.targets.get(i)) for i in PERIOD_INDICATOR_IDS}


def trend(
    config: CoverageConfig, entries: dict[tuple[str, Period], FigureEntry], days: Iterable[date]
) -> list[tuple[date, dict[str, FigureAsOf]]]:
    """`as_of` at each of `days` (the trend's quarter ends)."""
    return [(day, as_of(config, entries, day)) for day in days]

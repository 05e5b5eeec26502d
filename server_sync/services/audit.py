"""The audit trail: who changed what, when, for every record phones send and every set-up
change commune staff make (DESIGN §7: "an audit trail of who changed what, set-up included").

Every row names its commune (`audit.commune_code`), its kind and record, its action, who
made it (a device, a staff user, or neither: the admin command line on the server) and the
content before and after. Set-up rows are written here (`record`); households and visits
by ingest, period figures by services/figures.py, report settings by services/report.py.

Set-up kinds, their record ids, actions and contents (small dicts, shown field by field as
"before → after"; never a password, an enrolment code or a hash):

    commune    its code        created {name, province} | target {<indicator>: target}
                               | adult_age | close_margin | time_zone | campaign_start
                               | report_settings
    hamlet     hamlet id       created | updated {name, team_active_since} | team {team_active_since}
    volunteer  volunteer id    created {name, hamlets} | renamed {name} | hamlets {hamlets}
                               | deactivated | reactivated
    code       enrolment code row id   issued | revoked {volunteer, expires_at}
    device     device id       revoked {name, volunteer}
    staff      username        created {name, role} | disabled | enabled | password_reset | role {role}

Reading is bounded: one commune's rows, newest first, a page of `PAGE` at a time by keyset
(the `(at, id)` of the row the page starts after), over the index on (commune_code, at, id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from survey.times import as_utc, start_of_day, zone

from .. import models
from . import admin  # AdminError; admin imports this module too, so read at call time

RECORD_KINDS = ("household", "visit")
SETUP_KINDS = ("figure", "commune", "hamlet", "volunteer", "code", "device", "staff")
KINDS = RECORD_KINDS + SETUP_KINDS
PAGE = 50  # rows per page of the audit page
CHANGES_SHOWN = 6  # fields of one row's "before → after", the rest counted
VALUE_SHOWN = 60  # characters of one value
# Fields of a household or visit that are sync bookkeeping, not what changed for a reader.
QUIET = frozenset({"id", "status", "rejection", "revision", "updated_at", "checklist_version"})


def record(
    session: Session,
    *,
    commune_code: str,
    kind: str,
    record_id: str,
    action: str,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> models.Audit:
    """Add one set-up row (flushed with the change it records, in the same transaction:
    a change refused later is rolled back with its row). `staff_user_id` None: the admin
    command line. Contents are stored as given: callers pass names, ids, dates and
    settings, never secrets."""
    assert kind in SETUP_KINDS, kind
    row = models.Audit(
        at=as_utc(now) if now else datetime.now(UTC),
        device_id=None,
        kind=kind,
        record_id=record_id[:64],
        action=action[:16],
        old_fingerprint=None,
        new_fingerprint=None,
        old_content=dict(old) if old is not None else None,
        new_content=dict(new) if new is not None else None,
        staff_user_id=staff_user_id,
        commune_code=commune_code,
    )
    session.add(row)
    session.flush()
    return row


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """Whose rows to show: a staff user, a volunteer (any of their phones), one device, or
    the admin command line (`kind` "cli", no id)."""

    kind: str  # staff | volunteer | device | cli
    id: str = ""

    @property
    def key(self) -> str:
        return self.kind if self.kind == "cli" else f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Filters:
    """What the audit page was asked for; every part optional."""

    kind: str = ""
    who: Who | None = None
    record_id: str = ""
    first_day: date | None = None  # commune days, both ends included
    last_day: date | None = None


def parse_filters(query: Mapping[str, str]) -> Filters:
    """Filters from the page's query (`kind`, `who`, `record`, `from`, `to`; empty is
    "any"), checked at the boundary: AdminError (bilingual) for an unknown kind, a
    malformed `who`, a date that is not YYYY-MM-DD, or `from` after `to`."""
    kind = (query.get("kind") or "").strip()
    if kind and kind not in KINDS:
        raise admin.AdminError(
            f"Không có loại thay đổi {kind[:40]!r}.", f"There is no kind of change {kind[:40]!r}.", []
        )
    who = parse_who(query.get("who") or "")
    record_id = (query.get("record") or "").strip()[:64]
    if "\x00" in record_id:
        raise admin.AdminError("Mã bản ghi có ký tự không hợp lệ.", "The record id has an invalid character.")
    first, last = _day(query.get("from"), "Từ ngày", "From"), _day(query.get("to"), "Đến ngày", "To")
    if first and last and first > last:
        raise admin.AdminError("“Từ ngày” phải trước hoặc bằng “Đến ngày”.", "“From” must be on or before “To”.")
    return Filters(kind, who, record_id, first, last)


def parse_who(text: str) -> Who | None:
    """`staff:<id>`, `volunteer:<id>`, `device:<id>` or `cli`; empty is None (anyone)."""
    value = text.strip()
    if not value:
        return None
    if value == "cli":
        return Who("cli")
    kind, _, ident = value.partition(":")
    well_formed = bool(ident) and len(ident) <= 64 and "\x00" not in ident
    numeric = ident.isascii() and ident.isdigit() and len(ident) <= 9  # a staff user's id
    if (kind in ("volunteer", "device") and well_formed) or (kind == "staff" and numeric):
        return Who(kind, ident)
    raise admin.AdminError(
        f"Không hiểu người thay đổi {value[:40]!r}: chọn trong danh sách.",
        f"{value[:40]!r} is not someone to filter by: choose from the list.",
    )


def _day(text: str | None, vi: str, en: str) -> date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise admin.AdminError(
        f"{vi} {value[:20]!r} không hợp lệ: chọn một ngày (NNNN-TT-NN).",
        f"{en} {value[:20]!r} is not a date: choose a day (YYYY-MM-DD).",
    )


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Row:
    """One line of the audit page."""

    id: int
    at: datetime  # UTC
    kind: str
    record_id: str
    action: str
    staff_name: str | None
    staff_username: str | None
    volunteer_name: str | None
    device_name: str | None
    device_id: str | None
    changes: list[Change]
    more: int  # changed fields not shown

    @property
    def by_cli(self) -> bool:
        return self.staff_name is None and self.device_id is None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    older: int | None  # the id to ask `before` for the next (older) page, None at the end
    newer: int | None  # the id to ask `after` for the previous (newer) page, None at the start


def trail(
    session: Session,
    commune: models.Commune,
    filters: Filters,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE,
) -> Page:
    """One page of the commune's audit rows matching `filters`, newest first: the first
    page, the page older than row `before`, or the page newer than row `after` (ids of
    this commune's rows; another id is ignored and the first page shown). At most `limit`
    rows are read, plus one to know whether there are more."""
    a = models.Audit
    statement = (
        select(a, models.StaffUser.name, models.StaffUser.username, models.Device.name, models.Volunteer.name)
        .outerjoin(models.StaffUser, models.StaffUser.id == a.staff_user_id)
        .outerjoin(models.Device, models.Device.id == a.device_id)
        .outerjoin(models.Volunteer, models.Volunteer.id == models.Device.volunteer_id)
        .where(a.commune_code == commune.code)
    )
    statement = statement.where(*_conditions(commune, filters))
    anchor = _anchor(session, commune.code, after if after is not None else before)
    newest_first = after is None or anchor is None
    if anchor is not None:
        at, row_id = anchor
        if after is not None:
            statement = statement.where(or_(a.at > at, and_(a.at == at, a.id > row_id)))
        else:
            statement = statement.where(or_(a.at < at, and_(a.at == at, a.id < row_id)))
    order = (a.at.desc(), a.id.desc()) if newest_first else (a.at.asc(), a.id.asc())
    found = list(session.execute(statement.order_by(*order).limit(limit + 1)).all())
    more = len(found) > limit
    found = found[:limit]
    if not newest_first:
        found.reverse()
    rows = [_row(*columns) for columns in found]
    if newest_first:
        older = rows[-1].id if more and rows else None
        newer = rows[0].id if anchor is not None and rows else None
    else:
        older = rows[-1].id if rows else None
        newer = rows[0].id if more and rows else None
    return Page(rows, older, newer)


def _conditions(commune: models.Commune, filters: Filters) -> list[Any]:
    a = models.Audit
    found: list[Any] = []
    if filters.kind:
        found.append(a.kind == filters.kind)
    who = filters.who
    if who is not None:
        if who.kind == "cli":
            found += [a.staff_user_id.is_(None), a.device_id.is_(None)]
        elif who.kind == "staff":
            found.append(a.staff_user_id == int(who.id))
        elif who.kind == "device":
            found.append(a.device_id == who.id)
        else:
            found.append(a.device_id.in_(select(models.Device.id).where(models.Device.volunteer_id == who.id)))
    if filters.record_id:
        found.append(a.record_id.in_([filters.record_id, f"{commune.code}:{filters.record_id}"]))
    tz = zone(commune.time_zone)
    if filters.first_day is not None:
        found.append(a.at >= start_of_day(filters.first_day, tz).astimezone(UTC))
    if filters.last_day is not None:
        found.append(a.at < start_of_day(filters.last_day + timedelta(days=1), tz).astimezone(UTC))
    return found


def _anchor(session: Session, commune_code: str, row_id: int | None) -> tuple[datetime, int] | None:
    if row_id is None:
        return None
    found = session.execute(
        select(models.Audit.at, models.Audit.id).where(
            models.Audit.id == row_id, models.Audit.commune_code == commune_code
        )
    ).first()
    return None if found is None else (found[0], found[1])


def _row(
    audit: models.Audit,
    staff_name: str | None,
    staff_username: str | None,
    device_name: str | None,
    volunteer_name: str | None,
) -> Row:
    changes = summarise(audit.kind, audit.old_content, audit.new_content)
    return Row(
        audit.id,
        as_utc(audit.at),
        audit.kind,
        audit.record_id,
        audit.action,
        staff_name,
        staff_username,
        volunteer_name,
        device_name,
        audit.device_id,
        changes[:CHANGES_SHOWN],
        max(0, len(changes) - CHANGES_SHOWN),
    )


def summarise(kind: str, old: Any, new: Any) -> list[Change]:
    """What changed, field by field ("—" for absent), in the contents' key order: for an
    update the fields that differ, for a creation every field given, for a removal every
    field there was. Bookkeeping of households and visits is left out."""
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    if kind in RECORD_KINDS:
        keys = [k for k in keys if k not in QUIET]
    found = []
    for key in keys:
        was, now = before.get(key), after.get(key)
        if was == now or (old is not None and new is not None and key not in before and now in (None, "", [])):
            continue
        if old is None and now in (None, "", [], {}):
            continue
        found.append(Change(key, shown(was), shown(now)))
    return found


def shown(value: Any) -> str:
    """A stored value as one short line: a target as "≥ 90%", a list joined, text cut."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict) and "min" in value:
        low, high = value.get("min"), value.get("max")
        text = f"{'>' if value.get('strict') else '≥'} {low:g}%" if isinstance(low, int | float) else "?"
        return text + (f", ≤ {high:g}%" if isinstance(high, int | float) else "")
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, list):
        text = f"[{len(value)}]"
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"

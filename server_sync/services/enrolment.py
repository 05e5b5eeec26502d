"""Enrolment: a one-time code from commune staff is traded once for a device token.

Only SHA-256 hashes of codes and tokens are stored: a copy of the database lets nobody
enrol or sync. Codes expire (default 7 days) and work once; staff revoke a lost phone or
an unused code, and pause a volunteer (their phones and codes are refused meanwhile).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.shape import clean_text

from .. import db, models
from ..refusal import Refused

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
CODE_TTL = timedelta(days=7)
SEEN_EVERY = timedelta(minutes=1)  # last_seen is refreshed at most this often


@dataclass(frozen=True)
class DeviceScope:
    """Who is calling: the device, its volunteer and what they may read and write."""

    device_id: str | None  # None: commune staff acting on the dashboard
    volunteer_id: str
    volunteer_name: str
    commune_code: str
    hamlet_ids: frozenset[str]
    staff_user_id: int | None = None  # set when commune staff act on the dashboard (audit)


@dataclass(frozen=True)
class Enrolment:
    token: str  # shown once, never stored
    scope: DeviceScope
    device_id: str  # the new device's (a scope's device_id is None for staff, never here)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def issue_code(session: Session, volunteer_id: str, *, ttl: timedelta = CODE_TTL, now: datetime | None = None) -> str:
    """A new one-time code for a volunteer's phone; the plain code is returned only here."""
    now = now or datetime.now(UTC)
    plain = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    session.add(
        models.EnrolmentCode(volunteer_id=volunteer_id, code_hash=digest(plain), created_at=now, expires_at=now + ttl)
    )
    session.flush()
    return f"{plain[:4]}-{plain[4:]}"


def enroll(session: Session, code: str, device_name: str, *, now: datetime | None = None) -> Enrolment:
    """Trade a one-time code for a new device's token. Raises `Refused` (nothing changes):
    enrolment_code_invalid, _used, _expired, _revoked (401; staff took it back), and
    volunteer_inactive (403) while its volunteer is paused: the code is not spent, and works
    again once they are reactivated, if it has not expired by then."""
    now = now or datetime.now(UTC)
    row = session.scalar(
        select(models.EnrolmentCode).where(models.EnrolmentCode.code_hash == digest(normalise_code(code)))
    )
    if row is None:
        raise Refused("enrolment_code_invalid", "code")
    if row.used_at is not None:
        raise Refused("enrolment_code_used", "code")
    if row.revoked_at is not None:
        raise Refused("enrolment_code_revoked", "code")
    if _aware(row.expires_at) <= now:
        raise Refused("enrolment_code_expired", "code")
    owner = session.get(models.Volunteer, row.volunteer_id)
    if owner is not None and owner.deactivated_at is not None:
        raise Refused("volunteer_inactive", "code")
    claimed = session.execute(
        update(models.EnrolmentCode)
        .where(models.EnrolmentCode.id == row.id, models.EnrolmentCode.used_at.is_(None))
        .values(used_at=now)
        .returning(models.EnrolmentCode.id)
    ).first()
    if claimed is None:  # another phone used it a moment ago
        raise Refused("enrolment_code_used", "code")
    token = secrets.token_urlsafe(32)
    device = models.Device(
        id=str(uuid.uuid4()),
        volunteer_id=row.volunteer_id,
        name=clean_text(device_name)[:200],  # shown to staff and printed by list-devices: no control characters
        token_hash=digest(token),
        created_at=now,
        last_seen=now,
    )
    session.add(device)
    session.flush()
    return Enrolment(token, _scope(session, device), device.id)


ENROL_FAILURES = 10  # wrong codes from one client within ENROL_WINDOW hold that client back
ENROL_WINDOW = timedelta(minutes=15)
_ENROL = "#enrol"  # failures are kept beside sign-in failures, under a name no username can have


def enroll_from(
    session: Session, code: str, device_name: str, client: str, *, now: datetime | None = None
) -> Enrolment:
    """`enroll` for a caller at `client` (its address), with a per-client limit: after
    ENROL_FAILURES wrong, used or expired codes within ENROL_WINDOW the client is refused
    (429 `enrolment_locked`) until the oldest leaves the window, without the code being
    looked at. Guessing a code is infeasible in its space; this keeps it so. A failure is
    flushed before the refusal is raised: the caller commits it. Attempts from one client
    are serialised on PostgreSQL (SQLite's writers are serial already)."""
    now = now or datetime.now(UTC)
    client = (client or "")[:64]
    failures = models.SignInFailure
    db.serialise(session, f"e:{client}")
    recent = [
        _aware(at)
        for at in session.scalars(
            select(failures.at)
            .where(failures.username == _ENROL, failures.client == client, failures.at > now - ENROL_WINDOW)
            .order_by(failures.at)
        )
    ]
    if len(recent) >= ENROL_FAILURES:
        unlock = recent[len(recent) - ENROL_FAILURES] + ENROL_WINDOW
        raise Refused("enrolment_locked", "code", {"minutes": max(1, math.ceil((unlock - now).total_seconds() / 60))})
    try:
        return enroll(session, code, device_name, now=now)
    except Refused:
        session.add(failures(username=_ENROL, client=client, at=now))
        session.flush()
        raise


def authenticate(
    session: Session, token: str | None, *, now: datetime | None = None, touch: bool = True
) -> DeviceScope:
    """The device a token names, with its volunteer's scope (read at every request: a change
    of the volunteer's hamlets counts from their next sync); `last_seen` moves at most once
    per interval unless `touch` is False (a read-only session). Raises `Refused`:
    token_missing, token_invalid, token_revoked (401); volunteer_inactive (403) while staff
    have paused the device's volunteer (the token stays valid for when they are reactivated)."""
    if not token:
        raise Refused("token_missing")
    device = session.scalar(select(models.Device).where(models.Device.token_hash == digest(token)))
    if device is None:
        raise Refused("token_invalid")
    if device.revoked_at is not None:
        raise Refused("token_revoked")
    volunteer = session.get(models.Volunteer, device.volunteer_id)
    if volunteer is not None and volunteer.deactivated_at is not None:
        raise Refused("volunteer_inactive")
    now = now or datetime.now(UTC)
    if touch and (device.last_seen is None or _aware(device.last_seen) < now - SEEN_EVERY):
        device.last_seen = now
    return _scope(session, device)


def revoke_device(session: Session, device_id: str, *, now: datetime | None = None) -> bool:
    """Revoke a device's token (its next request gets `token_revoked`); False if it was
    revoked already. Not audited here: services/volunteers.revoke_device is the staff's
    operation, audited."""
    revoked = session.execute(
        update(models.Device)
        .where(models.Device.id == device_id, models.Device.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC))
        .returning(models.Device.id)
    ).first()
    return revoked is not None


def _scope(session: Session, device: models.Device) -> DeviceScope:
    volunteer = session.get(models.Volunteer, device.volunteer_id)
    assert volunteer is not None  # a foreign key
    hamlets = session.scalars(
        select(models.VolunteerHamlet.hamlet_id).where(models.VolunteerHamlet.volunteer_id == volunteer.id)
    )
    return DeviceScope(device.id, volunteer.id, volunteer.name, volunteer.commune_code, frozenset(hamlets))


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the server stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

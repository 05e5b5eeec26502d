"""Volunteers over the years (issue 12 §4): their name and hamlets change, they are paused
and come back, their unused enrolment codes are listed and taken back, their lost phones
revoked. The dashboard (web/volunteer_pages.py, web/admin_pages.py) and the admin command
line (cli.py) call these same functions; every change is audited (services/audit.py) with
the staff user who made it (None: the command line).

Nothing a volunteer's phones recorded is ever deleted here: pausing refuses their phones'
requests (`volunteer_inactive`, services/enrolment.py) and reactivating lets the same
phones sync again, with the same tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import models
from . import admin, audit, enrolment, roster
from .admin import AdminError

CODES_LISTED = 500  # unused codes shown at once: a commune issues tens


def hamlet_ids(session: Session, volunteer_id: str) -> list[str]:
    """The hamlets a volunteer visits, sorted."""
    return sorted(
        session.scalars(
            select(models.VolunteerHamlet.hamlet_id).where(models.VolunteerHamlet.volunteer_id == volunteer_id)
        )
    )


def edit(
    session: Session,
    volunteer: models.Volunteer,
    name: str,
    hamlets: Iterable[str],
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Rename a volunteer and set the hamlets they visit (at least one, all of their
    commune: admin.check_volunteer, else AdminError with nothing written). Their phones'
    scope follows at the next request (enrolment.authenticate reads it every time); a hamlet
    given to them is sent whole at their next sync (its `added_seq`, services/roster.py).
    Returns what changed, audited one row each: "renamed", "hamlets" (none: nothing to do)."""
    name, wanted = admin.check_volunteer(session, volunteer.commune_code, name, hamlets)
    done = []
    if name != volunteer.name:
        _audit(session, volunteer, "renamed", {"name": volunteer.name}, {"name": name}, staff_user_id, now)
        volunteer.name = name
        done.append("renamed")
    current = hamlet_ids(session, volunteer.id)
    if set(wanted) != set(current):
        gone = sorted(set(current) - set(wanted))
        added = sorted(set(wanted) - set(current))
        if gone:
            session.execute(
                delete(models.VolunteerHamlet).where(
                    models.VolunteerHamlet.volunteer_id == volunteer.id, models.VolunteerHamlet.hamlet_id.in_(gone)
                )
            )
        if added:
            seq = roster.next_seq(session)  # after every cursor given so far: phones fetch the hamlet whole
            session.add_all(
                models.VolunteerHamlet(volunteer_id=volunteer.id, hamlet_id=h, added_seq=seq) for h in added
            )
        _audit(session, volunteer, "hamlets", {"hamlets": current}, {"hamlets": sorted(wanted)}, staff_user_id, now)
        done.append("hamlets")
    session.flush()
    return done


def deactivate(
    session: Session, volunteer: models.Volunteer, *, staff_user_id: int | None = None, now: datetime | None = None
) -> bool:
    """Pause a volunteer: every request of their phones is refused (`volunteer_inactive`)
    and their codes do not enrol, until `reactivate`. Nothing stored is touched. False when
    they were paused already."""
    if volunteer.deactivated_at is not None:
        return False
    volunteer.deactivated_at = now or datetime.now(UTC)
    _audit(session, volunteer, "deactivated", None, None, staff_user_id, now)
    session.flush()
    return True


def reactivate(
    session: Session, volunteer: models.Volunteer, *, staff_user_id: int | None = None, now: datetime | None = None
) -> bool:
    """Let a paused volunteer's phones sync again (their tokens were never revoked) and their
    unused, unexpired codes enrol. False when they were active."""
    if volunteer.deactivated_at is None:
        return False
    volunteer.deactivated_at = None
    _audit(session, volunteer, "reactivated", None, None, staff_user_id, now)
    session.flush()
    return True


def issue_code(
    session: Session,
    volunteer: models.Volunteer,
    *,
    ttl: timedelta = enrolment.CODE_TTL,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """A one-time enrolment code for the volunteer's phone (enrolment.issue_code: only its
    hash is stored; the plain code is returned only here), audited without the code.
    AdminError for a paused volunteer: their code could not enrol."""
    if volunteer.deactivated_at is not None:
        raise AdminError(
            f"{volunteer.name} đang tạm dừng: hãy mở lại trước khi cấp mã đăng ký.",
            f"{volunteer.name} is paused: reactivate them before issuing an enrolment code.",
        )
    now = now or datetime.now(UTC)
    code = enrolment.issue_code(session, volunteer.id, ttl=ttl, now=now)
    row = session.scalar(
        select(models.EnrolmentCode).where(
            models.EnrolmentCode.code_hash == enrolment.digest(enrolment.normalise_code(code))
        )
    )
    assert row is not None  # just written
    audit.record(
        session,
        commune_code=volunteer.commune_code,
        kind="code",
        record_id=str(row.id),
        action="issued",
        new=_code_content(row, volunteer),
        staff_user_id=staff_user_id,
        now=now,
    )
    return code


def open_codes(
    session: Session, commune_code: str, *, now: datetime | None = None
) -> list[tuple[models.EnrolmentCode, models.Volunteer]]:
    """The commune's codes that could still enrol a phone: not used, not revoked, not
    expired at `now` (the system clock, as enrolment judges them), newest first, at most
    CODES_LISTED. The codes themselves are not stored: only who, when issued, until when."""
    now = now or datetime.now(UTC)
    code = models.EnrolmentCode
    return [
        (row, volunteer)
        for row, volunteer in session.execute(
            select(code, models.Volunteer)
            .join(models.Volunteer, models.Volunteer.id == code.volunteer_id)
            .where(
                models.Volunteer.commune_code == commune_code,
                code.used_at.is_(None),
                code.revoked_at.is_(None),
                code.expires_at > now,
            )
            .order_by(code.created_at.desc(), code.id.desc())
            .limit(CODES_LISTED)
        ).all()
    ]


def find_code(session: Session, code_id: str) -> tuple[models.EnrolmentCode, models.Volunteer]:
    """An enrolment code by its id (as `list-codes` and the admin page show it), with its
    volunteer; AdminError if there is none. Callers on the dashboard check the commune."""
    text = (code_id or "").strip()
    row = session.get(models.EnrolmentCode, int(text)) if text.isascii() and text.isdigit() and len(text) < 10 else None
    volunteer = session.get(models.Volunteer, row.volunteer_id) if row is not None else None
    if row is None or volunteer is None:
        raise AdminError(f"Không có mã đăng ký số {code_id[:20]!r}.", f"No enrolment code has the id {code_id[:20]!r}.")
    return row, volunteer


def revoke_code(
    session: Session,
    row: models.EnrolmentCode,
    volunteer: models.Volunteer,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Take back an unused code: enrolling with it is refused from now on
    (`enrolment_code_revoked`). False when it was used or revoked already (nothing changes)."""
    now = now or datetime.now(UTC)
    taken = session.execute(
        update(models.EnrolmentCode)
        .where(
            models.EnrolmentCode.id == row.id,
            models.EnrolmentCode.used_at.is_(None),
            models.EnrolmentCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(models.EnrolmentCode.id)
    ).first()
    if taken is None:
        return False
    session.expire(row)
    audit.record(
        session,
        commune_code=volunteer.commune_code,
        kind="code",
        record_id=str(row.id),
        action="revoked",
        old=_code_content(row, volunteer),
        staff_user_id=staff_user_id,
        now=now,
    )
    return True


def revoke_device(
    session: Session,
    device: models.Device,
    volunteer: models.Volunteer,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Revoke a lost phone's token (enrolment.revoke_device), audited; False when it was
    revoked already."""
    revoked = enrolment.revoke_device(session, device.id, now=now)
    if revoked:
        audit.record(
            session,
            commune_code=volunteer.commune_code,
            kind="device",
            record_id=device.id,
            action="revoked",
            old={"name": device.name, "volunteer": volunteer.name},
            staff_user_id=staff_user_id,
            now=now,
        )
    session.expire(device)
    return revoked


def _code_content(row: models.EnrolmentCode, volunteer: models.Volunteer) -> dict[str, str]:
    """What the trail says of a code: whose it is and until when. Never the code or its hash."""
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return {"volunteer": volunteer.name, "expires_at": expires.isoformat(timespec="minutes")}


def _audit(
    session: Session,
    volunteer: models.Volunteer,
    action: str,
    old: dict[str, object] | None,
    new: dict[str, object] | None,
    staff_user_id: int | None,
    now: datetime | None,
) -> None:
    audit.record(
        session,
        commune_code=volunteer.commune_code,
        kind="volunteer",
        record_id=volunteer.id,
        action=action,
        old=old,
        new=new,
        staff_user_id=staff_user_id,
        now=now,
    )

"""Managing a commune's staff accounts (issue 12 §4): add, disable, re-enable, reset a
password, change a role, every change audited (kind "staff", record id the username; never
a password or a hash). The dashboard's account page (web/staff_pages.py) and the admin
command line (cli.py) call these same functions; services/staff.py keeps the accounts'
rules (usernames, names, roles, passwords) and signing in.

A commune always keeps an administrator who can sign in: its last active admin can be
neither disabled nor made staff (`LastAdmin`). Changes to one commune's admins are
serialised (db.serialise), so two admins disabling each other at once cannot both succeed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import db, models
from . import audit, staff
from .admin import AdminError


class LastAdmin(AdminError):
    """The change would leave the commune with no active administrator: nothing written."""


def accounts(session: Session, commune_code: str) -> list[models.StaffUser]:
    """The commune's accounts, active ones first, then by username."""
    return sorted(staff.list_staff(session, commune_code), key=lambda u: (u.disabled_at is not None, u.username))


def add(
    session: Session,
    commune_code: str,
    username: str,
    name: str,
    role: str,
    password: str,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> models.StaffUser:
    """A new account (staff.create_staff: its rules and AdminError), audited "created"."""
    user = staff.create_staff(session, commune_code, username, name, role, password, now=now)
    _audit(session, user, "created", None, {"name": user.name, "role": user.role}, staff_user_id, now)
    return user


def disable(
    session: Session, user: models.StaffUser, *, staff_user_id: int | None = None, now: datetime | None = None
) -> bool:
    """Disable an account and end its sessions (staff.disable_staff); False if it was
    disabled already. LastAdmin when it is the commune's last active administrator."""
    if user.disabled_at is None:
        _keep_an_admin(session, user, "disable")
    done = staff.disable_staff(session, user.username, now=now)
    if done:
        _audit(session, user, "disabled", None, None, staff_user_id, now)
    return done


def enable(
    session: Session, user: models.StaffUser, *, staff_user_id: int | None = None, now: datetime | None = None
) -> bool:
    """Let a disabled account sign in again (with its password as it was); False if it was
    active."""
    if user.disabled_at is None:
        return False
    user.disabled_at = None
    _audit(session, user, "enabled", None, None, staff_user_id, now)
    session.flush()
    return True


def reset_password(
    session: Session,
    user: models.StaffUser,
    password: str,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """A new password (staff.check_password's rules, else AdminError); every open session
    of the account ends (whoever knew the old one is out). Audited without the password."""
    staff.set_password(session, user.username, password)
    _audit(session, user, "password_reset", None, None, staff_user_id, now)


def change_role(
    session: Session,
    user: models.StaffUser,
    role: str,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Make the account `staff` or `admin` (from its next request); False if it already
    was. AdminError for another role; LastAdmin when it would demote the commune's last
    active administrator."""
    staff.check_role(role)
    if role == user.role:
        return False
    if user.role == "admin" and user.disabled_at is None:
        _keep_an_admin(session, user, "demote")
    old = user.role
    staff.set_role(session, user.username, role)
    _audit(session, user, "role", {"role": old}, {"role": role}, staff_user_id, now)
    return True


def _keep_an_admin(session: Session, user: models.StaffUser, what: str) -> None:
    """LastAdmin unless the commune has another active administrator than `user`."""
    if user.role != "admin":
        return
    db.serialise(session, f"admins:{user.commune_code}")
    others = session.scalar(
        select(func.count())
        .select_from(models.StaffUser)
        .where(
            models.StaffUser.commune_code == user.commune_code,
            models.StaffUser.role == "admin",
            models.StaffUser.disabled_at.is_(None),
            models.StaffUser.id != user.id,
        )
    )
    if not others:
        vi = "khóa" if what == "disable" else "chuyển thành cán bộ"
        en = "disabled" if what == "disable" else "made staff"
        raise LastAdmin(
            f"{user.name} ({user.username}) là quản trị viên duy nhất còn hoạt động của xã nên không thể bị {vi}: "
            "hãy cho một tài khoản khác quyền quản trị trước.",
            f"{user.name} ({user.username}) is the commune's only active administrator and cannot be {en}: "
            "make another account an administrator first.",
        )


def _audit(
    session: Session,
    user: models.StaffUser,
    action: str,
    old: dict[str, object] | None,
    new: dict[str, object] | None,
    staff_user_id: int | None,
    now: datetime | None,
) -> None:
    audit.record(
        session,
        commune_code=user.commune_code,
        kind="staff",
        record_id=user.username,
        action=action,
        old=old,
        new=new,
        staff_user_id=staff_user_id,
        now=now or datetime.now(UTC),
    )

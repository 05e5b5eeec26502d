"""Commune staff accounts, sign-in and sessions for the dashboard.

A staff member signs in with a username and password (argon2id hashes only) and gets a
session cookie; like device tokens, only the cookie's SHA-256 is stored, so a copy of the
database lets nobody in. Sessions end after `SESSION_TTL` whatever happens and after
`IDLE_TTL` without a request. Password guessing is slowed by counting recent failures
(`SignInFailure`) per username and client, with growing delays, and per client; no
outsider can lock a username for everyone.

Refusals are `Refused` codes (the web layer turns them into a page); bad input from an
admin creating or changing accounts is `admin.AdminError`, checked before anything is written.

Committing refusals: `sign_in` records a failed attempt and `identify` deletes an expired
session *before* raising `Refused`. The caller must commit the session before it turns the
refusal into a response, or the failure is rolled back and the rate limit never bites:

    with sessions.begin() as session:
        try:
            token, who = staff.sign_in(session, username, password, client)
        except Refused:
            session.commit()
            raise
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from .. import db, models
from ..refusal import Refused
from .admin import NAME_MAX, AdminError
from .enrolment import digest

ROLES = ("staff", "admin")  # staff: view and export; admin: also manage the commune's set-up
ROLE_NAMES = {"staff": ("cán bộ", "staff"), "admin": ("quản trị", "admin")}

# Personal data a role may see, in one place: exports and pages ask `may_see`.
PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "staff": frozenset({"head_name", "address"}),
    "admin": frozenset({"head_name", "address", "phone"}),
}

USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
PASSWORD_MIN, PASSWORD_MAX = 10, 1024

SESSION_TTL = timedelta(hours=8)  # absolute: a stolen cookie is worth a working day at most
IDLE_TTL = timedelta(hours=1)  # a browser left open at the commune office
SEEN_EVERY = timedelta(minutes=1)  # last_seen is written at most this often

FAILURE_WINDOW = timedelta(minutes=15)
# One username from one client: the first FREE_FAILURES failures cost nothing; after that
# each attempt waits FIRST_DELAY, doubling with every further failure, up to the window.
# Nobody elsewhere is held up: the real user at another machine still signs in (issue 10 §4).
FREE_FAILURES = 3
FIRST_DELAY = timedelta(seconds=30)
CLIENT_LIMIT = 20  # failures from one client (any usernames) within the window lock that client
FAILURE_KEPT = timedelta(days=1)
CLIENT_MAX = 64  # the column's width; a client is an address, longer text is cut

HASHER = PasswordHasher()  # argon2id with the library's current parameters
_dummy_hash: list[str] = []


@dataclass(frozen=True)
class StaffIdentity:
    """Who is signed in on this request; `csrf` must come back with every change they make.
    `expires_at` is the session's absolute end (what a cookie's lifetime should be)."""

    user_id: int
    username: str
    name: str
    role: str
    commune_code: str
    csrf: str
    expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def may_see(role: str, field: str) -> bool:
    """Whether `role` may see the personal field `field` (unknown roles and fields: no)."""
    return field in PERSONAL_FIELDS.get(role, frozenset())


# -- accounts (admin CLI, and later the dashboard's admin pages) ------------------------------


def create_staff(
    session: Session,
    commune_code: str,
    username: str,
    name: str,
    role: str,
    password: str,
    *,
    now: datetime | None = None,
) -> models.StaffUser:
    username, name = check_username(username), check_name(name)
    check_role(role)
    check_password(password, username)
    if session.get(models.Commune, commune_code) is None:
        raise AdminError(
            f"Chưa thiết lập xã {commune_code}: chạy init-commune {commune_code} trước.",
            f"Commune {commune_code} is not set up: run init-commune {commune_code} first.",
        )
    if find_staff(session, username) is not None:
        raise AdminError(f"Tên đăng nhập {username!r} đã có người dùng.", f"The username {username!r} is taken.")
    user = models.StaffUser(
        commune_code=commune_code,
        username=username,
        name=name,
        role=role,
        password_hash=HASHER.hash(password),
        created_at=_utc(now),
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> models.StaffUser:
    """A new password; the account's open sessions end (whoever knew the old one is out)."""
    user = staff_user(session, username)
    check_password(password, user.username)
    user.password_hash = HASHER.hash(password)
    _end_sessions(session, user.id)
    session.flush()
    return user


def set_role(session: Session, username: str, role: str) -> models.StaffUser:
    """Takes effect on the user's next request: `identify` reads the role every time."""
    check_role(role)
    user = staff_user(session, username)
    user.role = role
    session.flush()
    return user


def disable_staff(session: Session, username: str, *, now: datetime | None = None) -> bool:
    """Disable an account and end its sessions; False if it was already disabled. The row is
    kept: audit entries and duplicate decisions name it."""
    user = staff_user(session, username)
    _end_sessions(session, user.id)
    if user.disabled_at is not None:
        session.flush()
        return False
    user.disabled_at = _utc(now)
    session.flush()
    return True


def list_staff(session: Session, commune_code: str | None = None) -> list[models.StaffUser]:
    query = select(models.StaffUser).order_by(models.StaffUser.commune_code, models.StaffUser.username)
    if commune_code is not None:
        query = query.where(models.StaffUser.commune_code == commune_code)
    return list(session.scalars(query))


def find_staff(session: Session, username: str) -> models.StaffUser | None:
    return session.scalar(select(models.StaffUser).where(models.StaffUser.username == _normal(username)))


def staff_user(session: Session, username: str) -> models.StaffUser:
    """The account of this username, or `AdminError` naming it."""
    user = find_staff(session, username)
    if user is None:
        raise AdminError(
            f"Không có tài khoản cán bộ {username!r} (xem list-staff).",
            f"No staff account is named {username!r} (see list-staff).",
        )
    return user


def check_username(username: str) -> str:
    name = _normal(username)
    if not USERNAME.fullmatch(name):
        raise AdminError(
            f"Tên đăng nhập {username!r} không hợp lệ: 3–64 ký tự gồm chữ không dấu, số, “.”, “_” và “-”.",
            f"Username {username!r} is not valid: 3–64 of ASCII letters, digits, '.', '_' and '-'.",
        )
    return name


def check_name(name: str) -> str:
    """The person's name with its whitespace collapsed, 1 to NAME_MAX characters."""
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise AdminError(
            f"Họ tên phải có từ 1 đến {NAME_MAX} ký tự.", f"The name must have 1 to {NAME_MAX} characters."
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AdminError(
            f"Vai trò {role!r} không hợp lệ: chọn {' hoặc '.join(ROLES)}.",
            f"Role {role!r} is not valid: choose {' or '.join(ROLES)}.",
        )
    return role


def check_password(password: str, username: str) -> str:
    """The rules a new password must meet; it is never stripped or changed."""
    if len(password or "") < PASSWORD_MIN:
        raise AdminError(
            f"Mật khẩu phải có ít nhất {PASSWORD_MIN} ký tự.",
            f"The password must have at least {PASSWORD_MIN} characters.",
        )
    if len(password) > PASSWORD_MAX:
        raise AdminError(
            f"Mật khẩu dài quá {PASSWORD_MAX} ký tự.", f"The password is longer than {PASSWORD_MAX} characters."
        )
    if password.strip().lower() == _normal(username):
        raise AdminError("Mật khẩu không được trùng tên đăng nhập.", "The password must not be the username.")
    return password


# -- signing in and out ---------------------------------------------------------------------


def sign_in(
    session: Session, username: str, password: str, client: str, *, now: datetime | None = None
) -> tuple[str, StaffIdentity]:
    """The plain session token (for the cookie, never stored) and who signed in.

    Unknown user, disabled user and wrong password are one refusal, `sign_in_failed`, and
    take the same time (a dummy hash is verified for unknown users), so neither the answer
    nor its timing tells which usernames exist. While this username is held back for this
    client, or this client is locked (`sign_in_locked`, 429), the password is not even
    checked. A failure is flushed before the refusal is raised: the caller commits it (see
    the module docstring).

    Attempts for one username, and from one client, are serialised (a row lock on
    PostgreSQL; SQLite's writers are serial already), so a hundred guesses sent at once are
    counted one after another, never all against the same count.
    """
    now = _utc(now)
    login, client = _normal(username)[:64], (client or "")[:CLIENT_MAX]
    db.serialise(session, f"u:{login}", f"c:{client}")
    _purge(session, now)
    unlock_at = _locked_until(session, login, client, now)
    if unlock_at is not None:
        minutes = max(1, math.ceil((unlock_at - now).total_seconds() / 60))
        raise Refused("sign_in_locked", "username", {"minutes": minutes})
    user = find_staff(session, login)
    if user is None:
        _verify(_dummy(), password)
        raise _failed(session, login, client, now)
    if not _verify(user.password_hash, password) or user.disabled_at is not None:
        raise _failed(session, login, client, now)
    session.execute(
        delete(models.SignInFailure).where(  # this client's, not a guesser's elsewhere
            models.SignInFailure.username == login, models.SignInFailure.client == client
        )
    )
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    token = secrets.token_urlsafe(32)
    row = models.StaffSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + SESSION_TTL,
        last_seen=now,
    )
    session.add(row)
    session.flush()
    return token, _identity(user, row)


def identify(session: Session, token: str | None, *, now: datetime | None = None, touch: bool = True) -> StaffIdentity:
    """Who sent this session cookie. An expired session (absolute or idle) or one of a
    disabled user is deleted (flushed; the caller commits, see the module docstring) and
    refused with `session_expired`; a missing or unknown cookie is `session_missing`.
    With `touch=False` nothing is written (a read-only session, the database full or busy):
    the session is judged the same, neither deleted nor its last use moved."""
    if not token:
        raise Refused("session_missing")
    row = session.get(models.StaffSession, digest(token))
    if row is None:
        raise Refused("session_missing")
    now = _utc(now)
    user = session.get(models.StaffUser, row.user_id)
    last_seen = _aware(row.last_seen)
    if user is None or user.disabled_at is not None or _aware(row.expires_at) <= now or now - last_seen >= IDLE_TTL:
        if touch:
            session.delete(row)
            session.flush()
        raise Refused("session_expired")
    if touch and now - last_seen >= SEEN_EVERY:
        row.last_seen = now
    return _identity(user, row)


def sign_out(session: Session, token: str | None) -> bool:
    """End this session; False when there was none (signing out twice is harmless)."""
    if not token:
        return False
    ended = session.execute(
        delete(models.StaffSession)
        .where(models.StaffSession.token_hash == digest(token))
        .returning(models.StaffSession.token_hash)
    ).first()
    return ended is not None


def require_admin(identity: StaffIdentity) -> None:
    if not identity.is_admin:
        raise Refused("role_forbidden")


def check_csrf(identity: StaffIdentity, submitted: str | None) -> None:
    """A form that changes something must echo the session's CSRF value (constant-time compare)."""
    if not hmac.compare_digest(identity.csrf.encode(), (submitted or "").encode("utf-8", "replace")):
        raise Refused("csrf_invalid")


# -- inside ----------------------------------------------------------------------------------


def _locked_until(session: Session, login: str, client: str, now: datetime) -> datetime | None:
    """When this client may try this username again, or None if it may now: after
    FREE_FAILURES failures of the pair within the window, FIRST_DELAY after the latest,
    doubling with each further one (capped at the window); and a client with CLIENT_LIMIT
    failures within the window (any usernames) waits until the oldest of them leaves it."""
    since = now - FAILURE_WINDOW
    failures = models.SignInFailure
    ends: list[datetime] = []
    pair = [
        _aware(at)
        for at in session.scalars(
            select(failures.at)
            .where(failures.username == login, failures.client == client, failures.at > since)
            .order_by(failures.at)
        )
    ]
    if len(pair) >= FREE_FAILURES:
        delay = min(FIRST_DELAY * 2 ** (len(pair) - FREE_FAILURES), FAILURE_WINDOW)
        ends.append(pair[-1] + delay)
    anyone = [
        _aware(at)
        for at in session.scalars(
            select(failures.at).where(failures.client == client, failures.at > since).order_by(failures.at)
        )
    ]
    if len(anyone) >= CLIENT_LIMIT:
        ends.append(anyone[len(anyone) - CLIENT_LIMIT] + FAILURE_WINDOW)
    latest = max(ends) if ends else None
    return latest if latest is not None and latest > now else None


def _failed(session: Session, login: str, client: str, now: datetime) -> Refused:
    """Record the failure (flushed, for the caller to commit) and the refusal to raise."""
    session.add(models.SignInFailure(username=login, client=client, at=now))
    session.flush()
    return Refused("sign_in_failed")


def _purge(session: Session, now: datetime) -> None:
    """Sessions past either expiry and failures older than a day: nobody needs them."""
    fetch = {"synchronize_session": "fetch"}  # not "evaluate": SQLite's loaded times are naive
    session.execute(
        delete(models.StaffSession).where(
            or_(models.StaffSession.expires_at <= now, models.StaffSession.last_seen <= now - IDLE_TTL)
        ),
        execution_options=fetch,
    )
    session.execute(
        delete(models.SignInFailure).where(models.SignInFailure.at < now - FAILURE_KEPT), execution_options=fetch
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    """A hash of a random password, made once: unknown users cost the same time as known ones."""
    if not _dummy_hash:
        _dummy_hash.append(HASHER.hash(secrets.token_urlsafe(16)))
    return _dummy_hash[0]


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(models.StaffSession).where(models.StaffSession.user_id == user_id))


def _identity(user: models.StaffUser, row: models.StaffSession) -> StaffIdentity:
    return StaffIdentity(
        user.id, user.username, user.name, user.role, user.commune_code, row.csrf, _aware(row.expires_at)
    )


def _normal(username: str | None) -> str:
    """Lower case; control characters (which no username has, and PostgreSQL refuses in
    text) become "?" so the attempt still counts, and still fails."""
    return "".join("?" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in (username or "").strip().lower())


def _utc(now: datetime | None) -> datetime:
    """`now` in UTC: SQLite stores times without their offset, so every stored time is UTC."""
    return _aware(now).astimezone(UTC) if now else datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the server stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

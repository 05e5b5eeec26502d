"""Commune staff accounts, sign-in, rate limits and sessions, on real SQLite and PostgreSQL.

Every call runs in its own transaction the way the web layer will run it: a refusal is
committed before it is raised on (the failure rows it records must survive)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server_sync import db, models
from server_sync.refusal import STATUS, Refused
from server_sync.services import admin, staff
from server_sync.services.enrolment import digest
from survey.errors import CATALOGUE, message

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
PASSWORD = "mat-khau-dai-1"
CLIENT = "203.0.113.7"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(database_url)
    db.migrate(engine)
    factory = db.session_factory(engine)
    with factory.begin() as session:
        admin.create_commune(session, "06577", "Xã Thống Nhất", "Lạng Sơn")
        staff.create_staff(session, "06577", "lan.nguyen", "Nguyễn Thị Lan", "staff", PASSWORD)
        staff.create_staff(session, "06577", "quan.tri", "Hoàng Văn Quân", "admin", "quan-tri-vien-2026")
    yield factory
    engine.dispose()


def committed(sessions: sessionmaker[Session], call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service call in a transaction that is committed even when it is refused."""
    with sessions.begin() as session:
        try:
            return call(session, *args, **kwargs)
        except Refused:
            session.commit()
            raise


def sign_in(
    sessions: sessionmaker[Session],
    username: str = "lan.nguyen",
    password: str = PASSWORD,
    *,
    client: str = CLIENT,
    now: datetime = T0,
) -> tuple[str, staff.StaffIdentity]:
    return committed(sessions, staff.sign_in, username, password, client, now=now)


def identify(sessions: sessionmaker[Session], token: str | None, now: datetime) -> staff.StaffIdentity:
    return committed(sessions, staff.identify, token, now=now)


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def user(sessions: sessionmaker[Session], username: str = "lan.nguyen") -> models.StaffUser:
    with sessions() as session:
        return staff.staff_user(session, username)


# -- accounts ----------------------------------------------------------------------------------


def test_an_account_keeps_an_argon2id_hash_never_the_password(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        created = staff.create_staff(session, "06577", "  Mai.Ly_2 ", "  Lý   Thị\tMai ", "admin", "Một mật khẩu dài")
    assert (created.username, created.name, created.role) == ("mai.ly_2", "Lý Thị Mai", "admin")
    stored = user(sessions, "MAI.LY_2")
    assert stored.password_hash.startswith("$argon2id$")
    assert "Một mật khẩu dài" not in stored.password_hash
    assert PasswordHasher().verify(stored.password_hash, "Một mật khẩu dài")
    assert stored.disabled_at is None
    with sessions() as session:
        assert [u.username for u in staff.list_staff(session, "06577")] == ["lan.nguyen", "mai.ly_2", "quan.tri"]
        assert staff.list_staff(session, "99999") == []


@pytest.mark.parametrize(
    "commune, username, name, role, password",
    [
        ("06577", "ab", "Tên", "staff", PASSWORD),  # username too short
        ("06577", "x" * 65, "Tên", "staff", PASSWORD),  # too long
        ("06577", "lan nguyen", "Tên", "staff", PASSWORD),  # a space
        ("06577", "lan@xa", "Tên", "staff", PASSWORD),
        ("06577", "nguyễn", "Tên", "staff", PASSWORD),  # not ASCII
        ("06577", "LAN.NGUYEN", "Tên", "staff", PASSWORD),  # taken (names are lower-cased)
        ("06577", "new.user", "   ", "staff", PASSWORD),  # no name
        ("06577", "new.user", "n" * 201, "staff", PASSWORD),
        ("06577", "new.user", "Tên", "boss", PASSWORD),  # no such role
        ("06577", "new.user", "Tên", "staff", "ngan-9chr"),  # 9 characters
        ("06577", "new.user.1", "Tên", "staff", " New.User.1 "),  # the username itself
        ("99999", "new.user", "Tên", "staff", PASSWORD),  # no such commune
    ],
)
def test_bad_account_input_is_refused_and_nothing_written(
    sessions: sessionmaker[Session], commune: str, username: str, name: str, role: str, password: str
) -> None:
    with pytest.raises(admin.AdminError) as caught, sessions.begin() as session:
        staff.create_staff(session, commune, username, name, role, password)
    assert caught.value.vi and caught.value.en and caught.value.vi != caught.value.en
    assert count(sessions, models.StaffUser) == 2


def test_a_new_password_replaces_the_old_and_ends_open_sessions(sessions: sessionmaker[Session]) -> None:
    token, _ = sign_in(sessions)
    before = user(sessions).password_hash
    for bad in ("short", "lan.nguyen"):
        with pytest.raises(admin.AdminError), sessions.begin() as session:
            staff.set_password(session, "lan.nguyen", bad)
    assert user(sessions).password_hash == before
    with sessions.begin() as session:
        staff.set_password(session, "Lan.Nguyen", "mot-mat-khau-moi")
    refused("session_missing", identify, sessions, token, T0 + timedelta(minutes=1))
    refused("sign_in_failed", sign_in, sessions, now=T0 + timedelta(minutes=2))
    sign_in(sessions, password="mot-mat-khau-moi", now=T0 + timedelta(minutes=3))
    with pytest.raises(admin.AdminError), sessions.begin() as session:
        staff.set_password(session, "nobody.here", "mot-mat-khau-moi")


def test_a_changed_role_counts_from_the_next_request(sessions: sessionmaker[Session]) -> None:
    token, who = sign_in(sessions)
    assert not who.is_admin
    assert refused("role_forbidden", staff.require_admin, who).status == 403
    with sessions.begin() as session:
        staff.set_role(session, "lan.nguyen", "admin")
    now_admin = identify(sessions, token, T0 + timedelta(minutes=5))
    assert now_admin.is_admin and now_admin.role == "admin"
    staff.require_admin(now_admin)
    with pytest.raises(admin.AdminError), sessions.begin() as session:
        staff.set_role(session, "lan.nguyen", "root")
    assert user(sessions).role == "admin"


# -- signing in ----------------------------------------------------------------------------------


def test_sign_in_gives_a_token_stored_only_as_its_hash(sessions: sessionmaker[Session]) -> None:
    token, who = sign_in(sessions, "  LAN.Nguyen ")
    assert len(token) >= 43
    assert (who.username, who.name, who.role, who.commune_code) == ("lan.nguyen", "Nguyễn Thị Lan", "staff", "06577")
    assert who.expires_at == T0 + staff.SESSION_TTL
    with sessions() as session:
        [row] = session.scalars(select(models.StaffSession))
        assert row.token_hash == digest(token) and row.token_hash != token
        assert row.csrf == who.csrf and len(who.csrf) >= 32
    assert identify(sessions, token, T0 + timedelta(minutes=1)) == who
    other, again = sign_in(sessions, now=T0 + timedelta(minutes=2))  # a second browser: its own session
    assert other != token and again.csrf != who.csrf
    assert count(sessions, models.StaffSession) == 2


@pytest.mark.parametrize(
    "username, password",
    [
        ("lan.nguyen", "not-the-password"),  # wrong password
        ("nobody.here", PASSWORD),  # unknown user
        ("quan.tri", PASSWORD),  # somebody else's password
    ],
)
def test_wrong_password_and_unknown_user_are_one_refusal_and_recorded(
    sessions: sessionmaker[Session], username: str, password: str
) -> None:
    failure = refused("sign_in_failed", sign_in, sessions, username, password)
    assert failure.status == 401 and failure.context == {}
    with sessions() as session:
        [row] = session.scalars(select(models.SignInFailure))
        assert (row.username, row.client) == (username, CLIENT)
    assert count(sessions, models.StaffSession) == 0


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(sessions: sessionmaker[Session]) -> None:
    first, _ = sign_in(sessions)
    second, _ = sign_in(sessions, now=T0 + timedelta(minutes=1))
    kept, _ = sign_in(sessions, "quan.tri", "quan-tri-vien-2026")
    with sessions.begin() as session:
        assert staff.disable_staff(session, "lan.nguyen", now=T0 + timedelta(minutes=2))
    assert count(sessions, models.StaffSession) == 1
    for token in (first, second):
        refused("session_missing", identify, sessions, token, T0 + timedelta(minutes=3))
    identify(sessions, kept, T0 + timedelta(minutes=3))
    refused("sign_in_failed", sign_in, sessions, now=T0 + timedelta(minutes=4))  # right password, still no
    with sessions.begin() as session:
        assert not staff.disable_staff(session, "lan.nguyen")  # already disabled
    assert user(sessions).disabled_at is not None
    with sessions() as session:  # the account is kept: the audit trail names it
        assert "lan.nguyen" in [u.username for u in staff.list_staff(session)]


def test_a_session_left_over_from_a_disabled_account_is_refused_and_deleted(sessions: sessionmaker[Session]) -> None:
    token, _ = sign_in(sessions)
    with sessions.begin() as session:  # disabled by something other than disable_staff
        staff.staff_user(session, "lan.nguyen").disabled_at = T0
    refused("session_expired", identify, sessions, token, T0 + timedelta(minutes=1))
    assert count(sessions, models.StaffSession) == 0


def test_a_guesser_is_held_back_with_growing_delays_and_the_real_user_elsewhere_is_not(
    sessions: sessionmaker[Session],
) -> None:
    # Five wrong passwords used to lock the username for everyone for 15 minutes: anyone
    # could lock the office out. Now only this client waits, longer after each failure.
    for second in (0, 10, 20):  # three failures cost nothing
        refused("sign_in_failed", sign_in, sessions, password="doan-thu-sai", now=T0 + timedelta(seconds=second))
    held = refused("sign_in_locked", sign_in, sessions, now=T0 + timedelta(seconds=30))  # the right password too
    assert held.status == 429 and held.context == {"minutes": 1}
    assert message("sign_in_locked", "en", **held.context).count("1") == 1
    _, elsewhere = sign_in(sessions, "LAN.NGUYEN", client="198.51.100.1", now=T0 + timedelta(seconds=31))
    assert elsewhere.username == "lan.nguyen"  # the real user at another machine signs in
    # after 30 s the guesser may try again; each failure doubles the wait: 60 s, 120 s, ...
    refused("sign_in_failed", sign_in, sessions, password="doan-thu-sai", now=T0 + timedelta(seconds=50))
    refused("sign_in_locked", sign_in, sessions, password="doan-thu-sai", now=T0 + timedelta(seconds=109))
    refused("sign_in_failed", sign_in, sessions, password="doan-thu-sai", now=T0 + timedelta(seconds=110))
    last = refused("sign_in_locked", sign_in, sessions, now=T0 + timedelta(seconds=229))
    assert last.context == {"minutes": 1}  # never 0
    assert count(sessions, models.SignInFailure) == 5  # held-back attempts are not failures
    _, who = sign_in(sessions, now=T0 + timedelta(seconds=230))
    assert who.username == "lan.nguyen"
    assert count(sessions, models.SignInFailure, models.SignInFailure.username == "lan.nguyen") == 0


def test_the_delay_never_exceeds_the_window(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:  # many earlier failures, as rows (each real one costs a hash)
        session.add_all(
            models.SignInFailure(username="lan.nguyen", client=CLIENT, at=T0 + timedelta(seconds=n)) for n in range(12)
        )
    held = refused("sign_in_locked", sign_in, sessions, now=T0 + timedelta(minutes=1))
    assert held.context == {"minutes": 15}
    sign_in(sessions, now=T0 + timedelta(seconds=11) + staff.FAILURE_WINDOW)


@pytest.mark.slow
def test_parallel_guesses_are_counted_one_after_another(sessions: sessionmaker[Session]) -> None:
    # On PostgreSQL 30–120 parallel wrong passwords for one username used to get 15–18 checked
    # against a limit of 5: each read the count before any had written its failure.
    import threading

    answers: list[str] = []
    start = threading.Barrier(30)

    def guess(n: int) -> None:
        start.wait()
        try:
            sign_in(sessions, password=f"doan-thu-sai-{n}", now=T0 + timedelta(seconds=1))
            answers.append("signed_in")
        except Refused as refusal:
            answers.append(refusal.code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(answers) == ["sign_in_failed"] * staff.FREE_FAILURES + ["sign_in_locked"] * (30 - staff.FREE_FAILURES)
    assert count(sessions, models.SignInFailure) == staff.FREE_FAILURES


def test_one_client_failing_for_many_usernames_is_locked_but_not_other_clients(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:  # earlier guesses, as rows (each real one costs a hash)
        session.add_all(
            models.SignInFailure(username=f"guess{n % 10}", client=CLIENT, at=T0 + timedelta(seconds=10 * n))
            for n in range(staff.CLIENT_LIMIT - 2)
        )
    for n in range(staff.CLIENT_LIMIT - 2, staff.CLIENT_LIMIT):
        refused(
            "sign_in_failed", sign_in, sessions, f"guess{n % 10}", "doan-thu-sai", now=T0 + timedelta(seconds=10 * n)
        )
    assert count(sessions, models.SignInFailure, models.SignInFailure.client == CLIENT) == staff.CLIENT_LIMIT
    locked = refused("sign_in_locked", sign_in, sessions, now=T0 + timedelta(minutes=5))
    assert locked.context == {"minutes": 10}
    _, who = sign_in(sessions, client="198.51.100.1", now=T0 + timedelta(minutes=5))
    assert who.username == "lan.nguyen"
    sign_in(sessions, now=T0 + timedelta(minutes=15, seconds=1))  # the first guess has left the window


def test_sign_in_purges_old_failures_and_expired_sessions(sessions: sessionmaker[Session]) -> None:
    refused("sign_in_failed", sign_in, sessions, "nobody.here", "doan-thu-sai")
    old, _ = sign_in(sessions, "quan.tri", "quan-tri-vien-2026")
    later = T0 + staff.FAILURE_KEPT + timedelta(minutes=1)
    fresh, _ = sign_in(sessions, now=later)
    assert count(sessions, models.SignInFailure) == 0
    with sessions() as session:
        assert [s.token_hash for s in session.scalars(select(models.StaffSession))] == [digest(fresh)]
    refused("session_missing", identify, sessions, old, later)


def test_an_old_hash_is_upgraded_at_sign_in(sessions: sessionmaker[Session]) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with sessions.begin() as session:
        staff.staff_user(session, "lan.nguyen").password_hash = weak
    sign_in(sessions)
    upgraded = user(sessions).password_hash
    assert upgraded != weak and not staff.HASHER.check_needs_rehash(upgraded)
    assert staff.HASHER.verify(upgraded, PASSWORD)


def test_a_broken_stored_hash_is_a_failed_sign_in_not_a_crash(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff.staff_user(session, "lan.nguyen").password_hash = "not a hash"
    refused("sign_in_failed", sign_in, sessions)


# -- sessions ------------------------------------------------------------------------------------


def test_a_session_ends_after_eight_hours_however_busy(sessions: sessionmaker[Session]) -> None:
    token, _ = sign_in(sessions)
    moment = T0
    while moment + timedelta(minutes=50) < T0 + staff.SESSION_TTL:
        moment += timedelta(minutes=50)
        identify(sessions, token, moment)
    refused("session_expired", identify, sessions, token, T0 + staff.SESSION_TTL)
    assert count(sessions, models.StaffSession) == 0
    refused("session_missing", identify, sessions, token, T0 + staff.SESSION_TTL)


def test_a_session_ends_after_an_idle_hour_and_last_seen_is_written_once_a_minute(
    sessions: sessionmaker[Session],
) -> None:
    token, _ = sign_in(sessions)

    def last_seen() -> datetime:
        with sessions() as session:
            seen = session.get(models.StaffSession, digest(token)).last_seen
            return seen if seen.tzinfo else seen.replace(tzinfo=UTC)

    identify(sessions, token, T0 + timedelta(seconds=30))
    assert last_seen() == T0  # under a minute: not written
    busy = T0 + timedelta(minutes=59)
    identify(sessions, token, busy)
    assert last_seen() == busy
    identify(sessions, token, busy + timedelta(minutes=59, seconds=59))
    refused("session_expired", identify, sessions, token, busy + timedelta(minutes=59, seconds=59) + staff.IDLE_TTL)
    assert count(sessions, models.StaffSession) == 0


def test_times_with_an_offset_mean_the_same_instant(sessions: sessionmaker[Session]) -> None:
    hanoi = timezone(timedelta(hours=7))
    token, who = sign_in(sessions, now=T0.astimezone(hanoi))
    assert who.expires_at == T0 + staff.SESSION_TTL
    identify(sessions, token, T0 + timedelta(minutes=59))
    refused("session_expired", identify, sessions, token, (T0 + staff.SESSION_TTL).astimezone(hanoi))


def test_no_or_unknown_session_token_is_session_missing(sessions: sessionmaker[Session]) -> None:
    for token in (None, "", "made-up-token"):
        assert refused("session_missing", identify, sessions, token, T0).status == 401


def test_signing_out_ends_the_session_and_twice_is_harmless(sessions: sessionmaker[Session]) -> None:
    token, _ = sign_in(sessions)
    other, _ = sign_in(sessions, "quan.tri", "quan-tri-vien-2026")
    with sessions.begin() as session:
        assert staff.sign_out(session, token)
    with sessions.begin() as session:
        assert not staff.sign_out(session, token)
        assert not staff.sign_out(session, None)
    refused("session_missing", identify, sessions, token, T0)
    identify(sessions, other, T0)


def test_csrf_must_echo_the_sessions_value(sessions: sessionmaker[Session]) -> None:
    _, who = sign_in(sessions)
    staff.check_csrf(who, who.csrf)
    for submitted in (None, "", who.csrf[:-1], who.csrf + "x", "ô" * len(who.csrf)):
        assert refused("csrf_invalid", staff.check_csrf, who, submitted).status == 403
    _, other = sign_in(sessions, "quan.tri", "quan-tri-vien-2026")
    refused("csrf_invalid", staff.check_csrf, who, other.csrf)


# -- roles, personal data, codes ----------------------------------------------------------------


def test_personal_fields_by_role() -> None:
    assert staff.may_see("staff", "head_name") and staff.may_see("staff", "address")
    assert not staff.may_see("staff", "phone")
    assert all(staff.may_see("admin", field) for field in ("head_name", "address", "phone"))
    assert not staff.may_see("volunteer", "head_name")
    assert set(staff.PERSONAL_FIELDS) == set(staff.ROLES)
    assert all(staff.PERSONAL_FIELDS["staff"] <= staff.PERSONAL_FIELDS[role] for role in staff.ROLES)


@pytest.mark.parametrize(
    "code, status",
    [
        ("sign_in_failed", 401),
        ("sign_in_locked", 429),
        ("session_missing", 401),
        ("session_expired", 401),
        ("csrf_invalid", 403),
        ("role_forbidden", 403),
    ],
)
def test_every_staff_refusal_has_a_status_and_a_bilingual_message(code: str, status: int) -> None:
    assert STATUS[code] == status and Refused(code).status == status
    assert CATALOGUE[code].vi != CATALOGUE[code].en
    if code == "sign_in_locked":  # the wait is part of the message
        assert message(code, "vi", minutes=7) != message(code, "vi", minutes=8)

"""Managing staff accounts (services/accounts.py) on real SQLite and PostgreSQL: a commune
always keeps an active administrator, a new password ends the account's sessions, and
every change is audited without a password."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_sync import db, models
from server_sync.refusal import Refused
from server_sync.services import accounts, admin, staff

PASSWORD = "mat-khau-dai-1"
NEW_PASSWORD = "mot-mat-khau-moi-2027"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(database_url)
    db.migrate(engine)
    factory = db.session_factory(engine)
    with factory.begin() as session:
        admin.create_commune(session, "06577", "Xã Thống Nhất", "Lạng Sơn")
        admin.create_commune(session, "06578", "Xã Bên Cạnh", "Lạng Sơn")
        staff.create_staff(session, "06577", "quan.tri", "Hoàng Văn Quân", "admin", PASSWORD)
        staff.create_staff(session, "06577", "lan.nguyen", "Nguyễn Thị Lan", "staff", PASSWORD)
        staff.create_staff(session, "06578", "ben.canh", "Lý Văn Cạnh", "admin", PASSWORD)  # another commune's
    yield factory
    engine.dispose()


def act(sessions: sessionmaker[Session], call: object, username: str, *args: object, **kwargs: object) -> object:
    with sessions.begin() as session:
        return call(session, staff.staff_user(session, username), *args, **kwargs)  # type: ignore[operator]


def trail(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, object, object, int | None]]:
    with sessions() as session:
        rows = session.scalars(select(models.Audit).where(models.Audit.kind == "staff").order_by(models.Audit.id))
        return [
            (r.commune_code or "", r.record_id, r.action, r.old_content, r.new_content, r.staff_user_id) for r in rows
        ]


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(sessions: sessionmaker[Session]) -> None:
    # another commune's administrator does not count for this one
    for call, args in ((accounts.disable, ()), (accounts.change_role, ("staff",))):
        with pytest.raises(accounts.LastAdmin) as refused:
            act(sessions, call, "quan.tri", *args)
        assert "quan.tri" in refused.value.en and "--" not in refused.value.en + refused.value.vi
    assert trail(sessions) == []
    with sessions() as session:
        kept = staff.staff_user(session, "quan.tri")
        assert (kept.role, kept.disabled_at) == ("admin", None)

    assert act(sessions, accounts.change_role, "lan.nguyen", "admin")  # now there are two
    assert act(sessions, accounts.disable, "quan.tri")
    with pytest.raises(accounts.LastAdmin):  # a disabled admin does not count either
        act(sessions, accounts.change_role, "lan.nguyen", "staff")
    assert act(sessions, accounts.enable, "quan.tri")
    assert not act(sessions, accounts.enable, "quan.tri")
    assert act(sessions, accounts.change_role, "lan.nguyen", "staff")
    assert not act(sessions, accounts.change_role, "lan.nguyen", "staff")
    assert act(sessions, accounts.disable, "lan.nguyen")  # staff: no rule
    assert not act(sessions, accounts.disable, "lan.nguyen")
    assert [(code, who, action) for code, who, action, *_ in trail(sessions)] == [
        ("06577", "lan.nguyen", "role"),
        ("06577", "quan.tri", "disabled"),
        ("06577", "quan.tri", "enabled"),
        ("06577", "lan.nguyen", "role"),
        ("06577", "lan.nguyen", "disabled"),
    ]
    assert trail(sessions)[0][3:5] == ({"role": "staff"}, {"role": "admin"})


def test_a_reset_password_ends_the_accounts_sessions_and_is_audited_without_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        token, _ = staff.sign_in(session, "lan.nguyen", PASSWORD, "127.0.0.1")
        admin_id = staff.staff_user(session, "quan.tri").id
    act(sessions, accounts.reset_password, "lan.nguyen", NEW_PASSWORD, staff_user_id=admin_id)
    with sessions.begin() as session, pytest.raises(Refused) as ended:
        staff.identify(session, token)
    assert ended.value.code == "session_missing"
    with sessions.begin() as session:
        assert staff.sign_in(session, "lan.nguyen", NEW_PASSWORD, "127.0.0.1")[1].username == "lan.nguyen"
    with pytest.raises(admin.AdminError):  # the password rules hold: too short
        act(sessions, accounts.reset_password, "lan.nguyen", "short")
    [row] = trail(sessions)
    assert row == ("06577", "lan.nguyen", "password_reset", None, None, admin_id)
    with sessions() as session:
        everything = json.dumps([(r.old_content, r.new_content) for r in session.scalars(select(models.Audit))])
    assert NEW_PASSWORD not in everything and PASSWORD not in everything and "argon2" not in everything


def test_an_added_account_signs_in_and_its_creation_is_audited(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        user = accounts.add(session, "06577", "Mai.Ly", "  Lý  Thị Mai ", "staff", NEW_PASSWORD, staff_user_id=None)
        assert (user.username, user.name) == ("mai.ly", "Lý Thị Mai")
    with sessions.begin() as session:
        assert staff.sign_in(session, "mai.ly", NEW_PASSWORD, "127.0.0.1")[1].commune_code == "06577"
    assert trail(sessions) == [("06577", "mai.ly", "created", None, {"name": "Lý Thị Mai", "role": "staff"}, None)]
    with sessions.begin() as session, pytest.raises(admin.AdminError):
        accounts.add(session, "06577", "mai.ly", "Lý Thị Mai", "staff", NEW_PASSWORD)  # taken
    with sessions() as session:
        assert [u.username for u in accounts.accounts(session, "06577")] == ["lan.nguyen", "mai.ly", "quan.tri"]

"""The admin CLI's dashboard accounts, run for real against SQLite and PostgreSQL: accounts it
creates can sign in, passwords it sets replace the old ones, accounts it disables cannot."""

from __future__ import annotations

import getpass
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from server_sync import db, models
from server_sync.refusal import Refused
from server_sync.services import staff

from .test_cli import ROOT, rows, run

PASSWORD = "mat khau co dau cach "  # spaces are part of a password: only the line end is dropped


@pytest.fixture
def url(database_url: str) -> str:
    assert run(database_url, "init-commune", "06577") == 0
    return database_url


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
    """What the admin types at getpass's hidden prompts, in order."""
    queue = iter(answers)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(queue))


def add(
    url: str, monkeypatch: pytest.MonkeyPatch, username: str = "lan.nguyen", password: str = PASSWORD, *extra: str
) -> int:
    stdin(monkeypatch, password + "\n")
    return run(url, "add-staff", "--username", username, "--name", "Nguyễn Thị Lan", "--password-stdin", *extra)


@contextmanager
def opened(url: str) -> Iterator[Session]:
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def sign_in(url: str, username: str, password: str) -> staff.StaffIdentity:
    with opened(url) as session:
        return staff.sign_in(session, username, password, "127.0.0.1")[1]


def test_add_staff_makes_an_account_that_signs_in(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert add(url, monkeypatch, "Lan.Nguyen") == 0
    assert "lan.nguyen" in capsys.readouterr().out
    stdin(monkeypatch, "quan-tri-vien-2026\r\n")
    assert (
        run(
            url,
            "add-staff",
            "--username",
            "quan.tri",
            "--name",
            "Hoàng Văn Quân",
            "--role",
            "admin",
            "--password-stdin",
        )
        == 0
    )
    accounts = {u.username: u for u in rows(url, models.StaffUser)}
    assert {name: u.role for name, u in accounts.items()} == {"lan.nguyen": "staff", "quan.tri": "admin"}
    assert all(u.password_hash.startswith("$argon2id$") for u in accounts.values())
    who = sign_in(url, "lan.nguyen", PASSWORD)
    assert (who.role, who.commune_code) == ("staff", "06577")
    with pytest.raises(Refused):
        sign_in(url, "lan.nguyen", PASSWORD.strip())
    assert sign_in(url, "quan.tri", "quan-tri-vien-2026").is_admin


def test_typed_passwords_must_match(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed(monkeypatch, "mot-mat-khau-dai", "mot-mat-khau-dai!")
    assert run(url, "add-staff", "--username", "lan.nguyen", "--name", "Lan") == 2
    err = capsys.readouterr().err
    assert "Lỗi" in err and "Error" in err
    assert rows(url, models.StaffUser) == []
    typed(monkeypatch, "mot-mat-khau-dai", "mot-mat-khau-dai")
    assert run(url, "add-staff", "--username", "lan.nguyen", "--name", "Lan") == 0
    assert sign_in(url, "lan.nguyen", "mot-mat-khau-dai").username == "lan.nguyen"


@pytest.mark.parametrize(
    "argv, password",
    [
        (["--username", "ab", "--name", "Lan"], PASSWORD),  # username too short
        (["--username", "lan nguyen", "--name", "Lan"], PASSWORD),
        (["--username", "lan.nguyen", "--name", "  "], PASSWORD),
        (["--username", "lan.nguyen", "--name", "Lan"], "ngan-9chr"),
        (["--username", "lan.nguyen", "--name", "Lan"], "LAN.NGUYEN"),  # the username as password
        (["--username", "lan.nguyen", "--name", "Lan"], ""),  # nothing on stdin
        (["--username", "lan.nguyen", "--name", "Lan", "--role", "boss"], PASSWORD),
        (["--username", "lan.nguyen", "--name", "Lan", "--commune", "99999"], PASSWORD),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    url: str, monkeypatch: pytest.MonkeyPatch, argv: list[str], password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, password + "\n" if password else "")
    assert run(url, "add-staff", *argv, "--password-stdin") == 2
    assert "error" in capsys.readouterr().err.lower()
    assert rows(url, models.StaffUser) == []


def test_a_taken_username_is_refused_before_the_prompt(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert add(url, monkeypatch) == 0
    before = rows(url, models.StaffUser)[0].password_hash
    typed(monkeypatch)  # a prompt would raise StopIteration
    assert run(url, "add-staff", "--username", "LAN.NGUYEN", "--name", "Another Lan") == 2
    [kept] = rows(url, models.StaffUser)
    assert (kept.name, kept.password_hash) == ("Nguyễn Thị Lan", before)


def test_add_staff_before_init_commune_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert add(url, monkeypatch) == 2
    assert "init-commune" in capsys.readouterr().err
    assert rows(url, models.StaffUser) == []


def test_set_staff_password_replaces_it_and_ends_sessions(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert add(url, monkeypatch) == 0
    sign_in(url, "lan.nguyen", PASSWORD)
    stdin(monkeypatch, "mot-mat-khau-moi\n")
    assert run(url, "set-staff-password", "--username", "Lan.Nguyen", "--password-stdin") == 0
    assert rows(url, models.StaffSession) == []
    with pytest.raises(Refused):
        sign_in(url, "lan.nguyen", PASSWORD)
    assert sign_in(url, "lan.nguyen", "mot-mat-khau-moi").username == "lan.nguyen"
    before = rows(url, models.StaffUser)[0].password_hash
    stdin(monkeypatch, "short\n")
    assert run(url, "set-staff-password", "--username", "lan.nguyen", "--password-stdin") == 2
    typed(monkeypatch)
    assert run(url, "set-staff-password", "--username", "nobody.here") == 2  # before any prompt
    assert rows(url, models.StaffUser)[0].password_hash == before


def test_disable_staff_stops_sign_in_and_rerunning_is_harmless(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(url, monkeypatch) == 0
    sign_in(url, "lan.nguyen", PASSWORD)
    assert run(url, "disable-staff", "--username", "lan.nguyen") == 0
    assert rows(url, models.StaffSession) == []
    with pytest.raises(Refused) as caught:
        sign_in(url, "lan.nguyen", PASSWORD)
    assert caught.value.code == "sign_in_failed"
    capsys.readouterr()
    assert run(url, "disable-staff", "--username", "lan.nguyen") == 0
    assert "already disabled" in capsys.readouterr().out
    assert run(url, "disable-staff", "--username", "nobody.here") == 2


def test_list_staff_shows_accounts_never_hashes(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(url, "list-staff") == 0
    assert "No staff account yet" in capsys.readouterr().out
    assert add(url, monkeypatch) == 0
    assert add(url, monkeypatch, "quan.tri", "quan-tri-vien-2026", "--role", "admin") == 0
    assert add(url, monkeypatch, "truong.ban", "truong-ban-2026-x", "--role", "admin") == 0  # never the last admin
    assert run(url, "disable-staff", "--username", "quan.tri") == 0
    capsys.readouterr()
    assert run(url, "list-staff", "--commune", "06577") == 0
    out = capsys.readouterr().out
    lines = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:]}
    assert lines["lan.nguyen"][1:4] == ["06577", "Nguyễn Thị Lan", "staff"]
    assert "active" in lines["lan.nguyen"][4] and "disabled" in lines["quan.tri"][4]
    assert "argon2" not in out and PASSWORD.strip() not in out


def test_add_staff_reads_the_password_from_a_real_stdin(tmp_path: Path) -> None:
    env = {**os.environ, "SERVER_DATA_DIR": str(tmp_path / "data"), "PYTHONIOENCODING": "utf-8"}
    env.pop("DATABASE_URL", None)

    def cli(*argv: str, given: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server_sync", *argv],
            cwd=ROOT,
            env=env,
            input=given,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert cli("init-commune", "06577").returncode == 0
    done = cli(
        "add-staff", "--username", "lan.nguyen", "--name", "Nguyễn Thị Lan", "--password-stdin", given=PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    listed = cli("list-staff")
    assert "lan.nguyen\t06577\tNguyễn Thị Lan\tstaff" in listed.stdout, listed.stderr
    url = f"sqlite:///{tmp_path / 'data' / 'server.db'}"
    assert sign_in(url, "lan.nguyen", PASSWORD).username == "lan.nguyen"

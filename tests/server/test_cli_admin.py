"""The admin CLI's commands for a five-year campaign (server_sync/cli_admin.py), run for real
against SQLite and PostgreSQL: what they change shows at the phones' next request through
the real API, a refused command writes nothing and exits 2, and every change is in the
audit trail as made on the command line."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server_sync import models

from .test_cli import rows, run, setup_commune

PASSWORD = "mat-khau-dai-1"
SYNC = {"protocol": 2, "app_version": "0.1.0", "cursor": None, "households": [], "visits": []}


def issue(url: str, volunteer_id: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert run(url, "issue-code", "--volunteer", volunteer_id, "--no-qr", "--server-url", "http://127.0.0.1:8000") == 0
    return capsys.readouterr().out.strip()


def phone(client: TestClient, code: str) -> dict[str, str]:
    enrolled = client.post("/api/v1/enroll", json={"code": code, "device_name": "Samsung A05"})
    assert enrolled.status_code == 200, enrolled.text
    return {"Authorization": f"Bearer {enrolled.json()['token']}"}


def test_a_volunteer_is_edited_paused_and_reactivated(
    database_url: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    auth = phone(client, issue(database_url, volunteer_id, capsys))
    before = [(v.id, v.name) for v in rows(database_url, models.Volunteer)], len(rows(database_url, models.Audit))
    for argv in (
        ["edit-volunteer", volunteer_id],  # nothing to change
        ["edit-volunteer", volunteer_id, "--hamlets", ""],
        ["edit-volunteer", volunteer_id, "--hamlets", "thon-na-pan,no-such-hamlet"],
        ["edit-volunteer", "no-such-volunteer", "--name", "Ai Đó"],
        ["deactivate-volunteer", "no-such-volunteer"],
    ):
        assert run(database_url, *argv) == 2, argv
    assert (
        [(v.id, v.name) for v in rows(database_url, models.Volunteer)],
        len(rows(database_url, models.Audit)),
    ) == before

    assert run(database_url, "edit-volunteer", volunteer_id, "--hamlets", "thon-khon-chu,thon-na-pan") == 0
    synced = client.post("/api/v1/sync", json=SYNC, headers=auth).json()
    assert [h["id"] for h in synced["roster"]["hamlets"]] == ["thon-khon-chu", "thon-na-pan"]
    assert run(database_url, "edit-volunteer", volunteer_id, "--name", "Hoàng Thị Hoa B") == 0
    assert [v.name for v in rows(database_url, models.Volunteer)] == ["Hoàng Thị Hoa B"]

    assert run(database_url, "deactivate-volunteer", volunteer_id) == 0
    refused = client.post("/api/v1/sync", json=SYNC, headers=auth)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "volunteer_inactive"
    capsys.readouterr()
    assert run(database_url, "list-volunteers") == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("\ttạm dừng/paused")
    assert run(database_url, "issue-code", "--volunteer", volunteer_id, "--no-qr") == 2  # no code while paused
    assert run(database_url, "deactivate-volunteer", volunteer_id) == 0  # again: harmless
    assert "already paused" in capsys.readouterr().out
    assert run(database_url, "reactivate-volunteer", volunteer_id) == 0
    assert client.post("/api/v1/sync", json=SYNC, headers=auth).status_code == 200
    trail = [(a.kind, a.action, a.staff_user_id) for a in rows(database_url, models.Audit) if a.kind == "volunteer"]
    assert trail == [
        ("volunteer", "created", None),
        ("volunteer", "hamlets", None),
        ("volunteer", "renamed", None),
        ("volunteer", "deactivated", None),
        ("volunteer", "reactivated", None),
    ]


def test_unused_codes_are_listed_without_the_code_and_taken_back(
    database_url: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    kept, taken = issue(database_url, volunteer_id, capsys), issue(database_url, volunteer_id, capsys)
    assert run(database_url, "list-codes") == 0
    listing = capsys.readouterr().out
    lines = listing.splitlines()[1:]
    assert len(lines) == 2 and all("Hoàng Thị Hoa" in line for line in lines)
    assert kept not in listing and taken not in listing
    ids = [line.split("\t")[0] for line in lines]  # newest first: `taken` was issued last
    assert run(database_url, "revoke-code", ids[0]) == 0
    refused = client.post("/api/v1/enroll", json={"code": taken, "device_name": "x"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "enrolment_code_revoked"
    assert client.post("/api/v1/enroll", json={"code": kept, "device_name": "x"}).status_code == 200
    capsys.readouterr()
    assert run(database_url, "revoke-code", ids[0]) == 0 and "already used or taken back" in capsys.readouterr().out
    assert run(database_url, "revoke-code", "999999") == 2
    assert run(database_url, "revoke-code", "abc") == 2
    assert run(database_url, "list-codes") == 0 and "No unused" in capsys.readouterr().out


def add_staff(url: str, monkeypatch: pytest.MonkeyPatch, username: str, role: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    return run(url, "add-staff", "--username", username, "--name", "Nguyễn Thị Lan", "--role", role, "--password-stdin")


def test_staff_roles_and_accounts_keep_an_admin(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "init-commune", "06577") == 0
    assert add_staff(database_url, monkeypatch, "quan.tri", "admin") == 0
    assert add_staff(database_url, monkeypatch, "lan.nguyen", "staff") == 0

    def accounts() -> dict[str, tuple[str, bool]]:
        return {u.username: (u.role, u.disabled_at is None) for u in rows(database_url, models.StaffUser)}

    assert run(database_url, "disable-staff", "--username", "quan.tri") == 2  # the last active admin
    assert run(database_url, "set-staff-role", "--username", "quan.tri", "--role", "staff") == 2
    assert run(database_url, "set-staff-role", "--username", "nobody", "--role", "staff") == 2
    assert run(database_url, "set-staff-role", "--username", "quan.tri", "--role", "root") == 2
    assert accounts() == {"quan.tri": ("admin", True), "lan.nguyen": ("staff", True)}
    assert run(database_url, "set-staff-role", "--username", "lan.nguyen", "--role", "admin") == 0
    assert run(database_url, "disable-staff", "--username", "quan.tri") == 0
    assert run(database_url, "enable-staff", "--username", "quan.tri") == 0
    capsys.readouterr()
    assert run(database_url, "enable-staff", "--username", "quan.tri") == 0 and "is active" in capsys.readouterr().out
    assert accounts() == {"quan.tri": ("admin", True), "lan.nguyen": ("admin", True)}
    trail = [(a.record_id, a.action) for a in rows(database_url, models.Audit) if a.kind == "staff"]
    assert trail == [
        ("quan.tri", "created"),
        ("lan.nguyen", "created"),
        ("lan.nguyen", "role"),
        ("quan.tri", "disabled"),
        ("quan.tri", "enabled"),
    ]


def test_list_audit_shows_what_changed_in_the_communes_time(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    assert run(database_url, "set-team", "thon-ban-cao", "--since", "2026-04-01") == 0
    capsys.readouterr()
    assert run(database_url, "list-audit", "--kind", "hamlet", "--limit", "2") == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(line[2], line[3], line[4]) for line in lines] == [
        ("hamlet", "thon-ban-cao", "team"),
        ("hamlet", "thon-khon-chu", "created"),
    ]
    assert lines[0][1] == "dòng lệnh/command line" and lines[0][5] == "team_active_since: — → 2026-04-01"
    assert run(database_url, "list-audit", "--record", volunteer_id) == 0
    out: Any = capsys.readouterr().out
    assert "volunteer\t" in out and "Hoàng Thị Hoa" in out
    for bad in (["--limit", "0"], ["--kind", "secrets"], ["--from", "01/04/2026"]):
        assert run(database_url, "list-audit", *bad) == 2, bad

"""Backup and restore of the server's SQLite database (issue 10 §6): a backup taken while
phones sync against a real server process is one consistent state (whole syncs only), and
restoring it gives back every row of every table. PostgreSQL uses pg_dump (README)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from server_sync import cli
from tests.survey.builders import completed_visit, household
from tests.sync.conftest import commune_database, running_server

BATCH = 10  # households per sync, each with one visit: a consistent copy holds whole syncs only


def rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}
    finally:
        connection.close()


def enrol(url: str, code: str) -> str:
    answer = requests.post(f"{url}/api/v1/enroll", json={"code": code, "device_name": "A05"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


@pytest.mark.slow
def test_a_backup_taken_while_phones_sync_restores_every_row(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    database_url, volunteers = commune_database(
        data_dir,
        [("na-pan", "Thôn Nà Pàn", None)],
        {"Hoa": ("Hoàng Thị Hoa", ["na-pan"]), "Tú": ("Lý Văn Tú", ["na-pan"])},
    )
    backup_file = tmp_path / "backup.db"
    with running_server(data_dir) as url:
        from tests.sync.conftest import Server

        server = Server(url, database_url, volunteers)
        tokens = [enrol(url, server.code(name)) for name in ("Hoa", "Tú")]
        stop = threading.Event()
        synced: list[int] = []
        errors: list[str] = []

        def phone(token: str) -> None:
            while not stop.is_set():
                homes = [household("na-pan", f"Hộ {len(synced)}-{n}") for n in range(BATCH)]
                body = {
                    "protocol": 2,
                    "households": [h.to_dict() for h in homes],
                    "visits": [completed_visit(h).to_dict() for h in homes],
                }
                answer = requests.post(
                    f"{url}/api/v1/sync", json=body, timeout=60, headers={"Authorization": f"Bearer {token}"}
                )
                if answer.status_code != 200:
                    errors.append(answer.text[:200])
                    return
                synced.append(BATCH)

        threads = [threading.Thread(target=phone, args=(token,)) for token in tokens]
        for thread in threads:
            thread.start()
        try:
            while len(synced) < 6 and not errors:  # syncs under way before the backup starts
                threading.Event().wait(0.05)
            assert cli.main(["--database-url", database_url, "backup", str(backup_file)]) == cli.OK
            during = len(synced)
            while len(synced) < during + 4 and not errors:  # and after it
                threading.Event().wait(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
        assert not errors, errors
    saved = rows(backup_file)
    assert len(saved["household"]) % BATCH == 0 and len(saved["visit"]) == len(saved["household"])  # whole syncs
    assert 0 < len(saved["visit"]) < sum(synced)  # taken while syncs went on
    check = sqlite3.connect(backup_file)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    check.close()

    restored_url = f"sqlite:///{tmp_path / 'restored' / 'server.db'}"
    assert cli.main(["--database-url", restored_url, "restore", str(backup_file)]) == cli.OK
    assert rows(tmp_path / "restored" / "server.db") == saved  # every row of every table
    # A database with data is not overwritten without --force; the backup is not touched.
    assert cli.main(["--database-url", restored_url, "restore", str(backup_file)]) == cli.BAD_INPUT
    assert cli.main(["--database-url", database_url, "restore", str(backup_file)]) == cli.BAD_INPUT
    assert len(rows(data_dir / "server.db")["visit"]) == sum(synced)  # the live database kept
    assert cli.main(["--database-url", database_url, "restore", str(backup_file), "--force"]) == cli.OK
    assert rows(data_dir / "server.db") == saved
    assert rows(backup_file) == saved


def test_backup_and_restore_refuse_what_they_cannot_do_and_change_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert cli.main(["--database-url", url, "init-commune", "06577"]) == cli.OK
    existing = tmp_path / "exists.db"
    existing.write_bytes(b"keep me")
    assert cli.main(["--database-url", url, "backup", str(existing)]) == cli.BAD_INPUT  # never overwrites
    assert existing.read_bytes() == b"keep me"
    assert cli.main(["--database-url", url, "restore", str(existing), "--force"]) == cli.BAD_INPUT  # not a backup
    assert cli.main(["--database-url", url, "restore", str(tmp_path / "nowhere.db")]) == cli.BAD_INPUT
    assert cli.main(["--database-url", url, "backup", str(tmp_path / "no-such-folder" / "b.db")]) == cli.BAD_INPUT
    assert cli.main(["--database-url", url, "restore", str(tmp_path / "server.db"), "--force"]) == cli.BAD_INPUT
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert cli.main(["--database-url", pg, "backup", str(tmp_path / "pg.db")]) == cli.BAD_INPUT
    err = capsys.readouterr().err
    assert "pg_dump" in err and "không bao giờ ghi đè" in err and "not an intact backup" in err
    assert "There is no folder" in err and "the database in use itself" in err
    assert len(rows(tmp_path / "server.db")["commune"]) == 1

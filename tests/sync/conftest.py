"""A real sync server process on a free port, with a commune, hamlets, volunteers and codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import requests

from server_sync import db
from server_sync.services import admin, enrolment

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    database_url: str
    volunteers: dict[str, str]  # name → id

    def code(self, volunteer: str = "Hoa") -> str:
        engine = db.make_engine(self.database_url)
        with db.session_factory(engine)() as session:
            code = enrolment.issue_code(session, self.volunteers[volunteer])
            session.commit()
        engine.dispose()
        return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "SERVER_DATA_DIR": str(data_dir), "PYTHONPATH": f"{ROOT / 'mobile'}{os.pathsep}{ROOT}"}
    env.pop("DATABASE_URL", None)
    # stderr to a file, never a pipe nobody reads: once 64 KB of tracebacks filled a pipe,
    # the server's event loop would block on its next log line and the server would hang
    with open(data_dir / "server.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server_sync", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).ok:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text(errors="replace"))
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the sync server did not start in 30 s")


COMMUNE = ("06577", "Xã Thống Nhất", "Lạng Sơn")


def commune_database(
    data_dir: Path,
    hamlets: Iterable[tuple[str, str, str | None]],
    volunteers: Mapping[str, tuple[str, list[str]]] | None = None,
    *,
    campaign_start: date = date(2026, 1, 1),
) -> tuple[str, dict[str, str]]:
    """A migrated SQLite database in `data_dir` with the commune (its campaign starting on
    `campaign_start`), its hamlets (id, name, team active since) and volunteers (key → full
    name, hamlet ids): its URL and the volunteers' ids by key."""
    database_url = f"sqlite:///{data_dir / 'server.db'}"
    engine = db.make_engine(database_url)
    db.migrate(engine)
    with db.session_factory(engine)() as session:
        admin.create_commune(session, *COMMUNE, campaign_start=campaign_start)
        for hamlet_id, name, team_since in hamlets:
            admin.add_hamlet(session, COMMUNE[0], hamlet_id, name, team_active_since=team_since)
        ids = {
            key: admin.add_volunteer(session, COMMUNE[0], name, hamlet_ids).id
            for key, (name, hamlet_ids) in (volunteers or {}).items()
        }
        session.commit()
    engine.dispose()
    return database_url, ids


@contextmanager
def running_server(data_dir: Path) -> Iterator[str]:
    """`python -m server_sync serve` on a free port over `data_dir`: its URL, stopped after."""
    port = free_port()
    process = start_server(data_dir, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    database_url, volunteers = commune_database(
        data_dir,
        [("na-pan", "Thôn Nà Pàn", "2026-03-01"), ("khuoi-cap", "Bản Khuổi Cáp", None)],
        {"Hoa": ("Hoàng Thị Hoa", ["na-pan"]), "Tú": ("Lý Văn Tú", ["na-pan"]), "Cáp": ("Nông Văn Cáp", ["khuoi-cap"])},
    )
    with running_server(data_dir) as url:
        yield Server(url, database_url, volunteers)

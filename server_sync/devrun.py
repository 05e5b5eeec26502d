"""`make run`: the sync server and the volunteer app side by side, stopped together.

1. The server's database (SQLite in SERVER_DATA_DIR, default ./data, or DATABASE_URL) is
   migrated and, when it has no commune yet, seeded with the demo commune (`seed-demo`).
2. A one-time enrolment code is issued for the first volunteer, printed with the server
   address, and saved as a QR image, so a newcomer can enrol the app at once. On a database
   with no staff account, two demo accounts for the dashboard (/dash) are made, an admin
   and a staff member, with random passwords kept in SERVER_DATA_DIR/demo-staff.txt (readable
   by the owner only) and printed at every start.
3. `python -m server_sync serve` starts on HOST:SERVER_PORT (default 127.0.0.1:8000), then the
   app is served as an offline web app on HOST:PORT (default 127.0.0.1:8550).
4. Ctrl+C (or SIGTERM, or either process ending) stops both: nothing is left running.

Run as `python -m server_sync.devrun` from the repository root.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GRACE = 10.0  # seconds a child gets to stop before it is killed


@dataclass(frozen=True)
class Enrolment:
    volunteer: str
    code: str
    server_url: str
    qr: Path
    staff: tuple[tuple[str, str, str], ...] = ()  # (username, role, password) of the demo accounts


def prepare(server_url: str, data_dir: Path, database_url: str | None = None) -> Enrolment | None:
    """Migrate, seed the demo commune on an empty database, and issue a code for the first
    volunteer (None when there is no volunteer)."""
    from sqlalchemy import select

    from . import db, models
    from .admin_demo import seed_demo
    from .cli import write_qr
    from .services import admin, enrolment

    engine, sessions = db.open_current(database_url)
    try:
        with sessions.begin() as session:
            seeded = seed_demo(session)
        if seeded is not None:
            print(
                f"Đã tạo xã mẫu / Seeded the demo commune {seeded.commune_code}: "
                f"{seeded.households} hộ / households, {seeded.visits} lượt thăm / visits"
            )
        with sessions.begin() as session:
            first = session.scalar(
                select(models.Volunteer).order_by(models.Volunteer.created_at, models.Volunteer.id).limit(1)
            )
            if first is None:
                return None
            code = enrolment.issue_code(session, first.id, ttl=timedelta(days=1))
            name = first.name
            commune_code = first.commune_code
        accounts = demo_staff(sessions, commune_code, data_dir)
    finally:
        engine.dispose()
    qr = write_qr(admin.enrol_link(server_url, code), data_dir / "enrol-demo.png", (name, code))
    return Enrolment(name, code, server_url, qr, accounts)


DEMO_STAFF = (("admin", "Quản trị viên (mẫu)", "admin"), ("canbo", "Cán bộ VH-XH (mẫu)", "staff"))


def demo_staff(sessions: Any, commune_code: str, data_dir: Path) -> tuple[tuple[str, str, str], ...]:
    """The demo dashboard accounts: made (random passwords) when there is no staff account at
    all, and read back from SERVER_DATA_DIR/demo-staff.txt on later starts."""
    import secrets

    from .services import staff

    path = data_dir / "demo-staff.txt"
    with sessions.begin() as session:
        if not staff.list_staff(session):
            made = []
            for username, name, role in DEMO_STAFF:
                password = secrets.token_urlsafe(9)
                staff.create_staff(session, commune_code, username, name, role, password)
                made.append(f"{username}\t{role}\t{password}")
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(made) + "\n", encoding="utf-8")
            path.chmod(0o600)
    if not path.exists():
        return ()
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.count("\t") == 2]
    return tuple((u, r, p) for u, r, p in rows)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_http(url: str, alive: Callable[[], bool], timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status < 500
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


# Linux: each child asks the kernel for SIGTERM when this launcher dies, even by SIGKILL (no
# orphans), then becomes the real program. Done in the child itself, before exec, instead of
# a `preexec_fn`, which is unsafe in a process with threads (it runs between fork and exec).
_DEATH_PACT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(os.environ['KHAOSAT_LAUNCHER']): sys.exit(0)  # died before the pact\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `argv` (its first item an executable's path) from the repository root."""
    if sys.platform == "linux":
        argv = [sys.executable, "-c", _DEATH_PACT, *argv]
        env = {**env, "KHAOSAT_LAUNCHER": str(os.getpid())}
    return subprocess.Popen(argv, cwd=ROOT, env=env)


def stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + GRACE
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    app_port = int(os.environ.get("PORT", "8550"))
    server_port = int(os.environ.get("SERVER_PORT", "8000"))
    data_dir = Path(os.environ.get("SERVER_DATA_DIR", "data"))
    env = {**os.environ, "SERVER_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    server_url = f"http://{host}:{server_port}"
    app_url = f"http://{host}:{app_port}"

    for port, variable in ((server_port, "SERVER_PORT"), (app_port, "PORT")):
        if not port_free(host, port):
            print(
                f"Cổng {port} đang bận: chọn cổng khác, ví dụ make run {variable}={port + 1}\n"
                f"  Port {port} is in use: choose another, e.g. make run {variable}={port + 1}",
                file=sys.stderr,
            )
            return 1

    os.environ["SERVER_DATA_DIR"] = str(data_dir)
    enrolment = prepare(server_url, data_dir)

    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    children: list[subprocess.Popen[bytes]] = []
    try:
        server = start([sys.executable, "-m", "server_sync", "serve", "--host", host, "--port", str(server_port)], env)
        children.append(server)
        if not wait_http(f"{server_url}/api/v1/health", lambda: server.poll() is None and not stopping):
            if not stopping:
                print("Máy chủ không khởi động được / The server did not start", file=sys.stderr)
            return 1
        app_env = {
            **env,
            "FLET_FORCE_WEB_SERVER": "1",
            "FLET_WEB_NO_CDN": "1",
            "FLET_SERVER_IP": host,
            "FLET_SERVER_PORT": str(app_port),
        }
        app = start([sys.executable, "mobile/main.py"], app_env)
        children.append(app)
        if not wait_http(app_url, lambda: app.poll() is None and not stopping):
            if not stopping:
                print("Ứng dụng không khởi động được / The app did not start", file=sys.stderr)
            return 1
        print(banner(app_url, server_url, enrolment), flush=True)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        failed = next((c for c in children if c.poll() not in (None, 0)), None)
        return 0 if stopping or failed is None else 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not skip the clean-up
        stop(children)
        if children:
            print("Đã dừng máy chủ và ứng dụng / Server and app stopped", flush=True)


def banner(app_url: str, server_url: str, enrolment: Enrolment | None) -> str:
    lines = [
        "",
        "=" * 72,
        f"  Ứng dụng / App:           {app_url}",
        f"  Máy chủ / Server:         {server_url}   (API: {server_url}/docs)",
        f"  Bảng điều khiển của xã / Commune dashboard: {server_url}/dash/",
    ]
    if enrolment is not None and enrolment.staff:
        lines.append(
            "    tài khoản / accounts: "
            + ", ".join(
                f"{user} / {password} ({'quản trị / admin' if role == 'admin' else 'cán bộ / staff'})"
                for user, role, password in enrolment.staff
            )
        )
    if enrolment is not None:
        lines += [
            "",
            f"  Đăng ký ứng dụng / Enrol the app ({enrolment.volunteer}):",
            "    Đăng ký với máy chủ của xã / Enrol with the commune's server →",
            f"    địa chỉ / address: {server_url}    mã / code: {enrolment.code}",
            f"    (mã dùng một lần, hết hạn sau 1 ngày / one-time code, expires in 1 day; QR: {enrolment.qr})",
        ]
    lines += ["", "  Ctrl+C để dừng cả hai / Ctrl+C stops both", "=" * 72, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

"""Sync load benchmark: many enrolled phones sync at once against the real server process.

Each simulated device is a real phone store (`Repository`) enrolled with its own one-time
code, holding a day of realistic households and visits (bench/data.py); all devices start
`sync.service.sync_once` at the same instant from their own thread, as phones do when the
commune office's Wi-Fi comes back at 17:00. Every device has synced once before (empty
outbox), so its cursor is set and the roster it gets back is what changed since.

Reported: per-device sync latency (the whole `sync_once`: request, server, settling the
phone's store) and per HTTP request latency (until the response headers), p50/p95/max;
total visits/s (visits sent ÷ wall time from the start signal to the last device done);
and the check that nothing was lost: every visit of every device on the server exactly once
(one row, one `created` audit entry), every outbox empty.

    .venv/bin/python bench/sync_load.py                       # 50 devices × 200 visits (~1 min)
    .venv/bin/python bench/sync_load.py --devices 10 --visits 50   # a quick run

The test `tests/sync/test_load.py` runs the same code with fewer visits.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sqlalchemy import create_engine, func, select

from bench import data
from server_sync import db, models
from server_sync.services import admin, enrolment
from storage import Repository
from survey.records import Hamlet, Status
from sync.client import SyncClient
from sync.service import SyncReport, enrol, sync_once
from tests.sync.conftest import COMMUNE, commune_database, running_server


@dataclass
class Device:
    name: str
    hamlet: Hamlet
    repo: Repository
    client: SyncClient
    visits: list[str] = field(default_factory=list)
    households: list[str] = field(default_factory=list)
    request_seconds: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # HTTP status of every request, retries included
    answered_at: list[float] = field(default_factory=list)  # perf_counter() at each response's headers
    waits: list[float] = field(default_factory=list)  # backoffs before retries
    sync_seconds: float = 0.0
    report: SyncReport | None = None


@dataclass
class LoadResult:
    devices: list[Device]
    wall_seconds: float  # start signal → last device done (its store settled)
    server_seconds: float  # start signal → last response's headers received
    visits_sent: int

    @property
    def sync_seconds(self) -> list[float]:
        return [d.sync_seconds for d in self.devices]

    @property
    def request_seconds(self) -> list[float]:
        return [s for d in self.devices for s in d.request_seconds]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def add_volunteers(database_url: str, hamlet_ids: list[str], count: int) -> list[tuple[str, str, str]]:
    """`count` volunteers spread over the hamlets, each with a one-time code: (name, hamlet, code)."""
    engine = db.make_engine(database_url)
    fleet = []
    try:
        with db.session_factory(engine)() as session:
            for index in range(count):
                hamlet = hamlet_ids[index % len(hamlet_ids)]
                name = f"Tình nguyện viên {index + 1:03d}"
                volunteer = admin.add_volunteer(session, COMMUNE[0], name, [hamlet])
                session.flush()
                fleet.append((name, hamlet, enrolment.issue_code(session, volunteer.id)))
            session.commit()
    finally:
        engine.dispose()
    return fleet


def enrol_fleet(
    server_url: str, fleet: list[tuple[str, str, str]], folder: Path, timeout: float = 60.0, retries: int = 3
) -> list[Device]:
    """Enrol one phone store per volunteer; its client is the app's (retries with backoff)."""
    devices = []
    for name, hamlet_id, code in fleet:
        repo = Repository(folder / f"device-{len(devices):03d}")
        answer = enrol(repo, SyncClient(server_url), code, f"máy của {name}")
        hamlet = Hamlet.from_dict(answer["hamlets"][0])
        assert hamlet.id == hamlet_id
        device = Device(name, hamlet, repo, SyncClient(server_url))
        device.client = SyncClient(
            server_url,
            token=repo.setting("token"),
            read_timeout=timeout,
            retries=retries,
            sleep=_recording(device.waits),
        )
        devices.append(device)
    return devices


def _recording(waits: list[float]):
    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    return sleep


def fill(device: Device, rng: random.Random, visits: int) -> None:
    """A day of work: one new household per two visits, two visits each (away, then completed)."""
    homes = [
        data.household(rng, device.hamlet, f"2026-06-{1 + i % 28:02d}T07:00:00.000+00:00")
        for i in range((visits + 1) // 2)
    ]
    with device.repo.batch():
        for home in homes:
            home.status = Status.COMPLETE
            device.repo.save_household(home)
            device.households.append(home.id)
        for index in range(visits):
            home = homes[index % len(homes)]
            first = index < len(homes)
            when = (
                f"2026-{8 if first else 10:02d}-{rng.randint(1, 28):02d}"
                f"T{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000+00:00"
            )
            outcome = rng.choice(["nobody_home", "declined"]) if first and rng.random() < 0.3 else "completed"
            visit = data.visit(rng, home, when, outcome, status=Status.COMPLETE)
            device.repo.save_visit(visit)
            device.visits.append(visit.id)


def _timing(device: Device):
    def hook(response, *_args, **_kwargs):
        device.request_seconds.append(response.elapsed.total_seconds())
        device.statuses.append(response.status_code)
        device.answered_at.append(time.perf_counter())

    return hook


def run_load(devices: list[Device], timeout: float = 120.0) -> LoadResult:
    """Every device runs `sync_once` from its own thread, all released at the same instant."""
    for device in devices:
        device.client.session.hooks["response"].append(_timing(device))
    start = threading.Barrier(len(devices) + 1)
    done_at: list[float] = []
    lock = threading.Lock()

    def work(device: Device) -> None:
        start.wait(timeout)
        began = time.perf_counter()
        device.report = sync_once(device.repo, device.client)
        device.sync_seconds = time.perf_counter() - began
        with lock:
            done_at.append(time.perf_counter())

    threads = [threading.Thread(target=work, args=(d,), name=d.name, daemon=True) for d in devices]
    for thread in threads:
        thread.start()
    start.wait(timeout)
    began = time.perf_counter()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"devices still syncing after {timeout} s")
    wall = max(done_at) - began
    answered = max((t for d in devices for t in d.answered_at), default=began) - began
    return LoadResult(devices, wall, answered, sum(len(d.visits) for d in devices))


def prime(devices: list[Device]) -> None:
    """One empty sync per device before the day's work: each phone has a cursor, as in use."""
    for device in devices:
        report = sync_once(device.repo, device.client)
        assert report.ok, report.error
        device.client.session.close()  # phones come back online on a new connection


def lost_and_doubled(database_url: str, devices: list[Device]) -> dict[str, int]:
    """Visits and households each device made that the server lacks or created more than once.

    Read with a plain SQLite connection (a WAL reader never waits for the writer), not with
    the server's engine, whose every transaction takes the write lock first.
    """
    engine = create_engine(database_url)
    try:
        with db.session_factory(engine)() as session:
            visits = set(session.scalars(select(models.Visit.id)))
            homes = set(session.scalars(select(models.Household.id)))
            created = dict(
                session.execute(
                    select(models.Audit.record_id, func.count())
                    .where(models.Audit.action == "created")
                    .group_by(models.Audit.record_id)
                ).all()
            )
            session.rollback()
    finally:
        engine.dispose()
    made_visits = [v for d in devices for v in d.visits]
    made_homes = [h for d in devices for h in d.households]
    return {
        "visits_lost": sum(v not in visits for v in made_visits),
        "households_lost": sum(h not in homes for h in made_homes),
        "created_more_than_once": sum(created.get(r, 0) > 1 for r in made_visits + made_homes),
        "server_visits_not_made": len(visits - set(made_visits)),
        "outboxes_not_empty": sum(len(d.repo.outbox()) > 0 for d in devices),
        "syncs_failed": sum(not (d.report and d.report.ok) for d in devices),
        "records_rejected": sum(d.report.rejected for d in devices if d.report),
    }


def trouble(devices: list[Device], server_log: Path | None = None) -> dict[str, int]:
    """What went wrong on the way even if everything landed in the end (retries hide it)."""
    found = {
        "server_errors_5xx": sum(s >= 500 for d in devices for s in d.statuses),
        "retries": sum(len(d.waits) for d in devices),
    }
    if server_log is not None and server_log.exists():
        text = server_log.read_text(errors="replace")
        lines = text.splitlines()
        found["server log: 500s"] = text.count("Exception in ASGI application")
        found["of which database is locked"] = sum(
            line.startswith("sqlalchemy.exc.OperationalError") and "database is locked" in line for line in lines
        )
        found["of which pool timed out"] = sum(line.startswith("sqlalchemy.exc.TimeoutError") for line in lines)
    return found


# -- the benchmark ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--visits", type=int, default=200, help="visits per device")
    parser.add_argument("--hamlets", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sync-load-") as tmp:
        folder = Path(tmp)
        (folder / "server").mkdir()
        hamlets = data.hamlets(args.hamlets)
        database_url, _ = commune_database(folder / "server", [(h.id, h.name, "2026-03-01") for h in hamlets])
        with running_server(folder / "server") as url:
            fleet = add_volunteers(database_url, [h.id for h in hamlets], args.devices)
            began = time.perf_counter()
            devices = enrol_fleet(url, fleet, folder)
            prime(devices)
            rng = random.Random(args.seed)
            for device in devices:
                fill(device, rng, args.visits)
            setup = time.perf_counter() - began
            result = run_load(devices, timeout=600)
            check = lost_and_doubled(database_url, devices)
        problems = trouble(devices, folder / "server" / "server.log")
    report(args, result, check, problems, setup)
    return 0 if not any(check.values()) else 1


def report(
    args: argparse.Namespace, result: LoadResult, check: dict[str, int], problems: dict[str, int], setup: float
) -> None:
    def row(label: str, values: list[float]) -> str:
        return (
            f"{label:<34}{statistics.median(values) * 1000:>9.0f}{percentile(values, 0.95) * 1000:>9.0f}"
            f"{max(values) * 1000:>9.0f}{len(values):>7}"
        )

    households = sum(len(d.households) for d in result.devices)
    print(
        f"sync load: {args.devices} devices × {args.visits} visits (+{households // args.devices} new households each) "
        f"over {args.hamlets} hamlets, all released at once; server = `python -m server_sync serve` "
        f"(uvicorn, 1 process, SQLite WAL); {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"  setup (enrol, first empty sync, fill phone stores): {setup:.1f} s")
    print(f"{'latency (ms)':<34}{'p50':>9}{'p95':>9}{'max':>9}{'n':>7}")
    print(row("sync_once per device", result.sync_seconds))
    print(row("HTTP request (to response headers)", result.request_seconds))
    print(
        f"{result.visits_sent} visits + {households} households; start signal → last response: "
        f"{result.server_seconds:.2f} s = {result.visits_sent / result.server_seconds:,.0f} visits/s through the server; "
        f"→ last device settled: {result.wall_seconds:.2f} s = {result.visits_sent / result.wall_seconds:,.0f} visits/s end to end"
    )
    print(
        "on the way: "
        + ", ".join(f"{k} {v}" for k, v in problems.items())
        + ("" if not any(problems.values()) else "  (the client retried; see docs/benchmarks.md, Sync)")
    )
    print(
        "nothing lost: "
        + ", ".join(f"{k} {v}" for k, v in check.items())
        + ("  → ok" if not any(check.values()) else "  → FAILED")
    )


if __name__ == "__main__":
    sys.exit(main())

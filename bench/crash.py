"""Crash torture: SIGKILL a writer at random moments, then check nothing reported was lost.

A child process opens a store and saves visits in a loop, printing `DONE <visit id>` only
after the save returned. The parent kills it after a random delay, reopens the store and
checks that it opens and holds every DONE id so far. The same runs against stock TinyDB
(`TinyDB(path)`, default JSONStorage, one file pre-seeded with a few thousand visits).
A second scenario fills the disk in the middle of a write (see `disk_full`).

    python bench/crash.py                        # 500 kills + 50 disk-full rounds each (make bench)
    python bench/crash.py --kills 30 --full 10   # quick
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tinydb import TinyDB

from bench import data
from storage import Repository, SyncResult
from survey.records import Status, now_iso

SEED_HAMLETS = 3
SEED_HOUSEHOLDS = 100  # per hamlet
STOCK_SEED_VISITS = 3000
SYNC_EVERY = 15  # the child "syncs" and archives every so many saves, so kills hit those too
KILL_DELAY = {"ours": 0.1, "stock": 0.3}  # seconds after READY, uniform; stock saves are slower


@dataclass
class Report:
    kind: str
    scenario: str
    rounds: int = 0
    saves_reported: int = 0
    unreadable: int = 0
    lost: int = 0
    seconds: float = 0.0


# -- the child: save until killed ---------------------------------------------------------
def child_ours(folder: Path) -> None:
    repo = Repository(folder)
    homes = [row.household for h in repo.hamlets() for row in repo.households(h.id)]
    rng = random.Random(os.getpid() ^ time.time_ns())
    print("READY", flush=True)
    saved = 0
    while True:
        home = rng.choice(homes)
        visit = data.visit(rng, home, now_iso(), status=Status.COMPLETE)
        repo.save_draft("wizard", {"household_id": home.id, "step": rng.randint(1, 9)})
        repo.save_visit(visit)
        repo.delete_draft("wizard")
        print(f"DONE {visit.id}", flush=True)
        saved += 1
        if saved % SYNC_EVERY == 0:
            sent = repo.outbox().visits
            repo.record_results(SyncResult("visit", v.id, "accepted") for v in sent)
            repo.archive_synced()


def child_stock(path: Path) -> None:
    db = TinyDB(path)
    visits = db.table("visits")
    homes = db.table("households").all()
    rng = random.Random(os.getpid() ^ time.time_ns())
    print("READY", flush=True)
    while True:
        home = data.Household.from_dict(rng.choice(homes))
        visit = data.visit(rng, home, now_iso(), status=Status.COMPLETE)
        visits.insert(visit.to_dict())
        print(f"DONE {visit.id}", flush=True)


# -- seeding and checking -----------------------------------------------------------------
def seed_ours(folder: Path) -> None:
    rng = random.Random(1)
    repo = Repository(folder)
    hamlets = data.hamlets(SEED_HAMLETS)
    repo.save_hamlets(hamlets)
    with repo.batch():
        for hamlet in hamlets:
            for _ in range(SEED_HOUSEHOLDS):
                home = data.household(rng, hamlet, "2025-01-05T08:00:00.000+00:00")
                repo.save_household(home)
                repo.save_visit(data.visit(rng, home, data.moment(rng, 2025)))


def seed_stock(path: Path) -> None:
    rng = random.Random(1)
    homes = [
        data.household(rng, hamlet, "2025-01-05T08:00:00.000+00:00")
        for hamlet in data.hamlets(SEED_HAMLETS)
        for _ in range(SEED_HOUSEHOLDS)
    ]
    db = TinyDB(path)
    db.table("households").insert_multiple(h.to_dict() for h in homes)
    db.table("visits").insert_multiple(
        data.visit(rng, rng.choice(homes), data.moment(rng, 2025)).to_dict() for _ in range(STOCK_SEED_VISITS)
    )
    db.close()


def check_ours(folder: Path, expected: set[str]) -> set[str]:
    """The ids missing from a store that must open; raises when it does not."""
    repo = Repository(folder)
    repo.counts()
    repo.drafts()
    repo.hamlets()
    return {visit_id for visit_id in expected if repo.visit(visit_id) is None}


def check_stock(path: Path, expected: set[str]) -> set[str]:
    db = TinyDB(path)
    try:
        present = {doc.get("id") for doc in db.table("visits")}
    finally:
        db.close()
    return expected - present


# -- the parent ---------------------------------------------------------------------------
def _prepare(kind: str, workdir: Path, scenario: str) -> tuple[Callable[[], None], Path, Callable]:
    """A seeded store for `kind`, a way to restore it, and its checker."""
    template, target = workdir / f"{kind}-seed", workdir / f"{kind}-{scenario}"
    if not template.exists():
        if kind == "ours":
            seed_ours(template)
        else:
            template.mkdir(parents=True)
            seed_stock(template / "db.json")

    def fresh() -> None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(template, target)

    fresh()
    store = target if kind == "ours" else target / "db.json"
    return fresh, store, check_ours if kind == "ours" else check_stock


def torture(kind: str, kills: int, workdir: Path, rng: random.Random, *, after_saves: int = 0) -> Report:
    """Kill a `kind` ("ours" or "stock") writer `kills` times; count what did not survive.

    The store carries over from kill to kill (a phone's day goes on after a crash), and
    every save reported so far must still be there after each kill. With `after_saves`, each
    kill waits until the writer has reported that many saves (then the random delay), so
    kills land among saves however slow a loaded machine makes the writer.
    """
    fresh, store, check = _prepare(kind, workdir, "kill")
    report = Report(kind, "SIGKILL at a random moment")
    expected: set[str] = set()
    started = time.perf_counter()
    for _ in range(kills):
        reported = _run_child(kind, store, kill_after=rng.uniform(0, KILL_DELAY[kind]), after_saves=after_saves)
        report.rounds += 1
        report.saves_reported += len(reported)
        expected |= reported
        try:
            missing = check(store, expected)
        except Exception:
            report.unreadable += 1
            report.lost += len(expected)
            expected = set()
            fresh()
            continue
        report.lost += len(missing)
        expected -= missing
    report.seconds = time.perf_counter() - started
    return report


def disk_full(kind: str, rounds: int, workdir: Path, rng: random.Random) -> Report:
    """The disk fills up in the middle of a write (a real short write, made by RLIMIT_FSIZE).

    Cheap phones run out of space all the time. Each round starts from the seeded store;
    the child may write files only a few KB larger than the largest one it has, saves until
    a save fails, and exits. The store must still open and hold every reported save.
    """
    fresh, store, check = _prepare(kind, workdir, "full")
    folder = store if store.is_dir() else store.parent
    report = Report(kind, "disk full in the middle of a write")
    started = time.perf_counter()
    for _ in range(rounds):
        fresh()
        largest = max(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        reported = _run_child(kind, store, fsize_limit=largest + rng.randint(1, 8192))
        report.rounds += 1
        report.saves_reported += len(reported)
        try:
            report.lost += len(check(store, reported))
        except Exception:
            report.unreadable += 1
            report.lost += len(reported)
    report.seconds = time.perf_counter() - started
    return report


def _run_child(
    kind: str, store: Path, *, kill_after: float | None = None, fsize_limit: int | None = None, after_saves: int = 0
) -> set[str]:
    """Run a writer until killed (`kill_after` s after READY and `after_saves` reported saves)
    or until a save fails."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(store)]
    if fsize_limit is not None:
        command += ["--fsize-limit", str(fsize_limit)]
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert child.stdout is not None
        if child.stdout.readline().strip() != "READY":
            child.wait()
            errors.seek(0)
            raise RuntimeError(f"{kind} child failed to start:\n{errors.read().decode(errors='replace')}")
        early: list[str] = []
        while kill_after is not None and sum(line.startswith("DONE ") for line in early) < after_saves:
            line = child.stdout.readline()  # the child's own report: no clock involved
            if not line:
                break
            early.append(line)
        if kill_after is not None:
            time.sleep(kill_after)
            child.send_signal(signal.SIGKILL)
        else:
            killer = threading.Timer(60, child.kill)  # a save that never fails must not hang the run
            killer.start()
        output = "".join(early) + child.stdout.read()
        child.wait()
        if kill_after is None:
            killer.cancel()
    return {line[5:] for line in output.splitlines() if line.startswith("DONE ") and len(line) == 41}


def print_reports(reports: list[Report]) -> None:
    names = {"ours": "ours (atomic, sharded)", "stock": "stock TinyDB JSONStorage"}
    print(
        f"{'scenario':<38}{'store':<27}{'rounds':>7}{'saves reported':>16}{'unreadable':>12}"
        f"{'lost saves':>12}{'time':>7}"
    )
    for r in reports:
        print(
            f"{r.scenario:<38}{names[r.kind]:<27}{r.rounds:>7}{r.saves_reported:>16}{r.unreadable:>12}"
            f"{r.lost:>12}{r.seconds:>6.0f}s"
        )
    print(
        "budget (DESIGN §6): unreadable 0, lost saves 0. 'lost' counts every reported save missing "
        "afterwards, including all saves in a store that no longer opens."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=500, help="SIGKILLs per store (default 500)")
    parser.add_argument("--full", type=int, default=50, help="disk-full rounds per store (default 50)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", choices=("ours", "stock"))
    parser.add_argument("--child", choices=("ours", "stock"), help=argparse.SUPPRESS)
    parser.add_argument("--fsize-limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("store", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.fsize_limit:
            _limit_file_size(args.fsize_limit)
        try:
            (child_ours if args.child == "ours" else child_stock)(Path(args.store))
        except OSError:
            return 3  # the disk "filled up": expected in that scenario
        return 0
    kinds = [args.only] if args.only else ["ours", "stock"]
    print(
        f"crash torture: {args.kills} SIGKILLs and {args.full} disk-full rounds per store; "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}; "
        f"the stores run side by side, one thread each"
    )
    scenarios: list[tuple[Callable[..., Report], int]] = [(torture, args.kills)]
    if args.full and hasattr(signal, "SIGXFSZ"):
        scenarios.append((disk_full, args.full))
    reports = []
    with tempfile.TemporaryDirectory(prefix="crash-") as workdir, ThreadPoolExecutor(len(kinds)) as pool:
        for scenario, rounds in scenarios:
            runs = [
                pool.submit(scenario, kind, rounds, Path(workdir), random.Random(f"{args.seed}-{kind}"))
                for kind in kinds
            ]
            reports += [run.result() for run in runs]
    print_reports(reports)
    return 0 if all(r.unreadable == r.lost == 0 for r in reports if r.kind == "ours") else 1


def _limit_file_size(limit: int) -> None:
    """Writes past `limit` bytes fail with EFBIG after a short write, as on a full disk."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


if __name__ == "__main__":
    sys.exit(main())

"""Bounded work per request (issue 10 §1): the server's peak memory for the largest batch it
allows and for the requests that used to take it down, and the hamlet page at 4,000
look-alike households, each beside its budget and a baseline measured in the same run.

- memory: a real server process (uvicorn, one process, SQLite) per case, started fresh so
  its high-water mark (VmHWM in /proc) belongs to that one request; the request is sent as
  a phone sends it (gzip JSON, bearer token). Cases: the largest allowed batch (5,000
  households and 20,000 visits, all valid, all stored); a million empty visits in 3 KB of
  gzip (the issue's example); four million (over the element limit). Baseline: the same
  server with the limits lifted, as it was before, given 100,000 empty visits (the issue
  measured 0.7–0.9 GiB for that, and 6.1 GiB for a million);
- look-alike hamlet: 4,000 roster households under one name, no phone, in one hamlet; the
  staff hamlet page (GET /dash/hamlets/…, signed in, in process) and `likely_duplicates`;
  baseline: building every pair first and capping afterwards, as before (timed and its
  Python allocations traced).

    .venv/bin/python bench/limits.py                 # from the repository root (~3 min)
    .venv/bin/python bench/limits.py --skip-naive    # without the quadratic baseline
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import requests
from fastapi.testclient import TestClient

from bench import data, host
from bench.server import commune, load, moment
from server_sync import models
from server_sync.app import create_app
from server_sync.services import admin, households, ingest, roster, staff
from server_sync.settings import Limits
from survey.duplicates import similar_names
from survey.records import Household
from survey.text import fold
from tests.server.browser import sign_in_form
from tests.sync.conftest import free_port

MIB = 1024 * 1024
# The commune's server is one office PC (4–8 GB, shared with the OS, the database and a
# browser): one request may take at most a tenth of 8 GB, the largest allowed batch included.
BUDGET_BATCH_MIB = 768
# A refused request: the resting process (~110 MiB) plus at most the JSON the element limit
# lets through (2,000,000 values at ~72 bytes for the smallest, ~150 MB) before the count.
BUDGET_REFUSED_MIB = 384
BUDGET_PAGE_MS = 1_000  # the hamlet page at 4,000 look-alike households
LIFTED = Limits(  # the server before these limits: 64 MiB decompressed, no count, no turn to wait
    decompressed_bytes=64 * MIB,
    json_elements=10**12,
    json_depth=10**6,
    batch_households=10**12,
    batch_visits=10**12,
    parallel_bodies=10**6,
    large_body_bytes=10**12,
)


def serve(port: int, url: str, mode: str) -> None:
    """The bench's server: `serve` of the CLI with the limits kept or lifted."""
    import uvicorn

    uvicorn.run(
        create_app(url, limits=LIFTED if mode == "lifted" else Limits()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )


def kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def template(folder: Path) -> tuple[Path, str]:
    """A SQLite database with the commune, 40 hamlets and an enrolled phone: its file and token."""
    database = folder / "template.db"
    app = create_app(f"sqlite:///{database}")
    _, _, token = commune(app, 40)
    app.state.engine.dispose()
    return database, token


def largest_batch(seed: int) -> bytes:
    """5,000 households and 20,000 visits (four each), as one gzip sync body."""
    rng = random.Random(seed)
    hamlets = data.hamlets(40)
    homes = [data.household(rng, hamlets[i % 40], "2026-01-05T08:00:00.000+00:00") for i in range(5_000)]
    visits = [data.visit(rng, home, moment(rng)) for home in homes for _ in range(4)]
    body = {
        "protocol": 2,
        "cursor": None,
        "households": [h.to_dict() for h in homes],
        "visits": [v.to_dict() for v in visits],
    }
    return gzip.compress(json.dumps(body, ensure_ascii=False).encode())


def empty_visits(count: int) -> bytes:
    return gzip.compress(b'{"protocol": 2, "visits": [' + b"{}," * (count - 1) + b"{}]}")


def heaviest_body(limit: int, values: int) -> bytes:
    """The JSON that costs a server the most memory within the limits (two testers found
    it): one-key objects whose key and value are each unique short strings, in a field the
    server ignores, as many as `limit` bytes and `values` JSON values allow (2 per object)."""
    head, tail = b'{"protocol":2,"households":[],"visits":[],"x":[', b"{}]}"
    count = min((limit - len(head) - len(tail)) // len(b'{"0000000":"00000000"},'), values // 2 - 10)
    items = b",".join(b'{"%07x":"%08x"}' % (n, n) for n in range(count))
    return gzip.compress(head + items + b"," + tail)


def one_request(folder: Path, database: Path, token: str, mode: str, body: bytes, copies: int = 1) -> dict[str, Any]:
    """A fresh server over a copy of `database`, the request sent `copies` times at once:
    the first answer's status, the seconds until all are answered, the peak MiB."""
    case = folder / f"case-{time.monotonic_ns()}"
    case.mkdir()
    shutil.copy(database, case / "server.db")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{_ROOT / 'mobile'}{os.pathsep}{_ROOT}"}
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), f"sqlite:///{case / 'server.db'}", mode],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the bench server did not start") from None
                time.sleep(0.1)
        resting = kib(process.pid, "VmHWM") / 1024
        started = time.perf_counter()

        def send(_: int) -> requests.Response:
            return requests.post(
                f"http://127.0.0.1:{port}/api/v1/sync",
                data=body,
                timeout=600,
                headers={
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                    "Authorization": f"Bearer {token}",
                },
            )

        with ThreadPoolExecutor(copies) as pool:
            answers = list(pool.map(send, range(copies)))
        answer = answers[0]
        seconds = time.perf_counter() - started
        peak = kib(process.pid, "VmHWM") / 1024
        payload = answer.json()
        code = payload.get("error", {}).get("code", "") if answer.status_code != 200 else ""
        results = [r["result"] for r in payload.get("results", [])]
        return {
            "status": answer.status_code,
            "code": code,
            "seconds": seconds,
            "peak": peak,
            "resting": resting,
            "accepted": results.count("accepted"),
            "records": len(results),
            "body_kb": len(body) / 1024,
        }
    finally:
        process.terminate()
        process.wait(30)


# -- the look-alike hamlet ---------------------------------------------------------------------


def quadratic_pairs(ids: list[str], names: dict[str, str], phones: dict[str, str], limit: int) -> list[tuple[str, str]]:
    """Likely-duplicate pairs as `likely_duplicates` found them before: every pair of every
    bucket built first, sorted, then cut to `limit` (the baseline)."""
    by_phone: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for household_id in sorted(ids):
        if phones[household_id]:
            by_phone.setdefault(phones[household_id], []).append(household_id)
        if names[household_id]:
            by_name.setdefault(names[household_id], []).append(household_id)
    found: dict[tuple[str, str], str] = {}
    for bucket in by_phone.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if names[a] and names[b] and similar_names(names[a], names[b]):
                    found[(a, b)] = "name_phone"
    for bucket in by_name.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if not phones[a] or not phones[b]:
                    found.setdefault((a, b), "name")
    return sorted(found, key=lambda k: (found[k] != "name_phone", names[k[0]], k[0], k[1]))[:limit]


def look_alike(folder: Path, count: int, skip_naive: bool) -> dict[str, Any]:
    app = create_app(f"sqlite:///{folder / 'look-alike.db'}")
    hamlets, scope, _ = commune(app, 1)
    homes = [
        Household(
            hamlet_id=hamlets[0].id, head_name="Chủ hộ", address="Thôn 1", created_at="2026-02-01T08:00:00.000+00:00"
        ).to_dict()
        for _ in range(count)
    ]
    with app.state.sessions.begin() as session:
        config = admin.coverage_config(session.get(models.Commune, "06577"))
        done = ingest.ingest(session, scope, homes, [], seq=roster.next_seq(session), config=config)
        assert all(r.result == "accepted" for r in done.results)
        staff.create_staff(session, "06577", "bench", "Bench", "admin", "bench-password-1")
    client = TestClient(app)
    answer = client.post(
        "/dash/sign-in",
        data=sign_in_form(client, username="bench", password="bench-password-1"),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    page_ms = []
    for _ in range(5):
        started = time.perf_counter()
        page = client.get(f"/dash/hamlets/{hamlets[0].id}")
        page_ms.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200
    with app.state.sessions() as session:
        started = time.perf_counter()
        found = households.likely_duplicates(session, hamlets[0].id)
        service_ms = (time.perf_counter() - started) * 1000
    out: dict[str, Any] = {"page_ms": page_ms, "service_ms": service_ms, "pairs": len(found)}
    if not skip_naive:
        ids = [h["id"] for h in homes]
        names = {i: fold("Chủ hộ") for i in ids}
        phones = {i: "" for i in ids}
        tracemalloc.start()
        started = time.perf_counter()
        old = quadratic_pairs(ids, names, phones, households.DUPLICATES_SHOWN)
        out["naive_s"] = time.perf_counter() - started
        out["naive_mib"] = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
        out["naive_pairs"] = len(old)
    app.state.engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "URL", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--look-alike", type=int, default=4_000)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.serve[2])
        return 0
    print(
        f"bounded work per request: SQLite, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average before: {load()}"
    )
    print(f"  {host.describe()}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as name:
        folder = Path(name)
        database, token = template(folder)
        big = one_request(folder, database, token, "kept", largest_batch(args.seed))
        assert big["status"] == 200 and big["accepted"] == 25_000, big
        million = one_request(folder, database, token, "kept", empty_visits(1_000_000))
        four = one_request(folder, database, token, "kept", empty_visits(4_000_000))
        lifted = one_request(folder, database, token, "lifted", empty_visits(100_000))
        heavy = heaviest_body(Limits().decompressed_bytes, Limits().json_elements)
        heaviest = one_request(folder, database, token, "kept", heavy)
        four_heavy = one_request(folder, database, token, "kept", heavy, copies=4)
        four_lifted = one_request(folder, database, token, "lifted", heavy, copies=4)
        rows += [
            (
                "largest allowed batch: 5,000 h + 20,000 v",
                f"≤ {BUDGET_BATCH_MIB:,} MiB",
                f"{big['peak']:,.0f} MiB, {big['seconds']:.1f} s",
                f"{big['body_kb']:,.0f} KB gzip, all stored",
                big["peak"] <= BUDGET_BATCH_MIB,
            ),
            (
                "1,000,000 empty visits (3 KB gzip)",
                f"≤ {BUDGET_REFUSED_MIB} MiB",
                f"{million['peak']:,.0f} MiB, {million['seconds'] * 1000:,.0f} ms",
                f"{million['status']} {million['code']}",
                million["peak"] <= BUDGET_REFUSED_MIB,
            ),
            (
                "4,000,000 empty visits (12 KB gzip)",
                f"≤ {BUDGET_REFUSED_MIB} MiB",
                f"{four['peak']:,.0f} MiB, {four['seconds'] * 1000:,.0f} ms",
                f"{four['status']} {four['code']}",
                four["peak"] <= BUDGET_REFUSED_MIB,
            ),
            (
                "heaviest allowed body (1 M unique small objects)",
                f"≤ {BUDGET_BATCH_MIB:,} MiB",
                f"{heaviest['peak']:,.0f} MiB, {heaviest['seconds']:.1f} s",
                f"{heaviest['status']} {heaviest['code']}, {heaviest['body_kb']:,.0f} KB gzip",
                heaviest["peak"] <= BUDGET_BATCH_MIB,
            ),
            (
                "four of those at once",
                f"≤ {BUDGET_BATCH_MIB:,} MiB",
                f"{four_heavy['peak']:,.0f} MiB, {four_heavy['seconds']:.1f} s",
                "one large body at a time (BodyGate)",
                four_heavy["peak"] <= BUDGET_BATCH_MIB,
            ),
            (
                "baseline: limits lifted, four of those at once",
                "",
                f"{four_lifted['peak']:,.0f} MiB, {four_lifted['seconds']:.1f} s",
                "all four parsed side by side",
                None,
            ),
            (
                "baseline: limits lifted, 100,000 empty visits",
                "",
                f"{lifted['peak']:,.0f} MiB, {lifted['seconds']:.1f} s",
                f"{lifted['status']}, {lifted['records']:,} records judged",
                None,
            ),
        ]
        print(f"  server at rest (after start and one health check): {big['resting']:,.0f} MiB")
        alike = look_alike(folder, args.look_alike, args.skip_naive)
    page = statistics.median(alike["page_ms"])
    rows.append(
        (
            f"hamlet page, {args.look_alike:,} look-alikes, median",
            f"≤ {BUDGET_PAGE_MS:,} ms",
            f"{page:,.0f} ms",
            f"likely_duplicates {alike['service_ms']:,.0f} ms, {alike['pairs']} pairs",
            page <= BUDGET_PAGE_MS,
        )
    )
    if "naive_s" in alike:
        rows.append(
            (
                "baseline: every pair built, then capped",
                "",
                f"{alike['naive_s'] * 1000:,.0f} ms",
                f"{alike['naive_mib']:,.0f} MiB traced, {alike['naive_pairs']} pairs kept",
                None,
            )
        )
    print(f"  load average after: {load()}")
    print(f"\n  {'measure':<46} {'budget':>12}  {'ours':<22} {'detail':<44}")
    for label, budget, ours, detail, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {label:<46} {budget:>12}  {ours:<22} {detail:<44} {verdict}")
    return 0 if all(r[4] in (None, True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

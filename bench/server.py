"""Sync server benchmark (DESIGN §6): ingest visits/s and coverage latency, each beside its
budget and beside a naive baseline measured in the same run.

- ingest: realistic visits (bench/data.py) through `services.ingest` in phone-sized batches,
  and end to end through HTTP (gzip body, roster and coverage in the answer); baseline: one
  record per transaction.
- coverage: 1,000 hamlets / 500,000 households on SQLite, built with bulk inserts; current
  coverage from the per-hamlet tallies, "as of" coverage walking roster and visits;
  baseline: every latest visit read back and `survey.indicators.compute_coverage`.

    .venv/bin/python bench/server.py                 # from the repository root (~2–3 min)
    .venv/bin/python bench/server.py --households 50000 --hamlets 100   # a quick run
    .venv/bin/python bench/server.py --only ingest    # or --only coverage
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fastapi.testclient import TestClient
from sqlalchemy import select

from bench import data, host
from server_sync import models
from server_sync.app import create_app
from server_sync.services import admin, coverage, enrolment, ingest, roster, tallies, timeline
from server_sync.services.ingest import fingerprint, stored_content
from survey.indicators import INDICATOR_IDS, compute_coverage, default_config
from survey.records import Hamlet, Household, Visit

BUDGET_INGEST, BUDGET_COVERAGE_MS = 5_000, 50.0
NOW = datetime(2026, 11, 1, tzinfo=UTC)  # visits are dated before this


def moment(rng: random.Random) -> str:
    return (
        f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000+00:00"
    )


def commune(app: Any, hamlet_count: int) -> tuple[list[Hamlet], enrolment.DeviceScope, str]:
    hamlets = data.hamlets(hamlet_count)
    with app.state.sessions.begin() as session:
        admin.create_commune(session, "06577", "Xã Thống Nhất", "Lạng Sơn")
        for index, hamlet in enumerate(hamlets):
            admin.add_hamlet(session, "06577", hamlet.id, hamlet.name, "2026-03-01" if index % 3 else None)
        volunteer = admin.add_volunteer(session, "06577", "Hoàng Thị Hoa", [h.id for h in hamlets])
        code = enrolment.issue_code(session, volunteer.id)
    with app.state.sessions.begin() as session:
        done = enrolment.enroll(session, code, "bench")
    return hamlets, done.scope, done.token


# -- ingest -----------------------------------------------------------------------------------


def ingest_records(seed: int, households: int, visits_each: int) -> tuple[list[Household], list[Visit]]:
    rng = random.Random(seed)
    hamlets = data.hamlets(40)
    homes = [data.household(rng, hamlets[i % 40], "2026-01-05T08:00:00.000+00:00") for i in range(households)]
    visits = [
        data.visit(rng, home, moment(rng), rng.choices(["completed", "nobody_home", "declined"], [75, 19, 6])[0])
        for home in homes
        for _ in range(visits_each)
    ]
    rng.shuffle(visits)
    return homes, visits


def ingest_texts(seed: int) -> tuple[list[dict[str, Any]], list[str]]:
    """The households (as dicts) and each visit as its JSON text, the Visit objects dropped.

    The timed loops parse one batch at a time: the bench then holds strings, which the
    garbage collector never walks, instead of 20,000 visits as 700,000 Python objects that
    a server process would not hold and whose every full collection would be timed too.
    """
    homes, visits = ingest_records(seed, 2_000, 10)
    return [h.to_dict() for h in homes], [json.dumps(v.to_dict()) for v in visits]


def bench_ingest(folder: Path, seed: int) -> dict[str, float]:
    homes, visits = ingest_texts(seed)
    gc.collect()
    out: dict[str, float] = {}
    for label, batch, sample in (("batched", 500, len(visits)), ("one per transaction", 1, 1_000)):
        app = create_app(f"sqlite:///{folder / f'ingest-{batch}.db'}")
        _, scope, _ = commune(app, 40)
        with app.state.sessions.begin() as session:  # households first, not measured
            seq = roster.next_seq(session)
            ingest.ingest(session, scope, homes, [], seq=seq, config=default_config(), now=NOW)
        elapsed, accepted = 0.0, 0
        for start in range(0, sample, batch):
            raws = [json.loads(text) for text in visits[start : start + batch]]  # as the request parser would
            started = time.perf_counter()
            with app.state.sessions.begin() as session:
                seq = roster.next_seq(session)
                results = ingest.ingest(session, scope, [], raws, seq=seq, config=default_config(), now=NOW).results
                accepted += sum(r.result == "accepted" for r in results)
            elapsed += time.perf_counter() - started
        assert accepted == sample, f"{sample - accepted} visits rejected"
        out[label] = sample / elapsed
        app.state.engine.dispose()
    out["http"] = bench_http(folder, homes, visits[:8_000])
    return out


def bench_http(folder: Path, homes: list[dict[str, Any]], visits: list[str]) -> float:
    """The phone's view: gzip batches of 200 visits with its cursor; roster and coverage answered."""
    app = create_app(f"sqlite:///{folder / 'http.db'}")
    _, _, token = commune(app, 40)
    client = TestClient(app)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "Authorization": f"Bearer {token}"}

    def post(cursor: str | None, households: list[Any], batch: list[str]) -> tuple[str, float]:
        raw = gzip.compress(
            f'{{"protocol": 2, "cursor": {json.dumps(cursor)}, "households": '
            f'{json.dumps(households)}, "visits": [{",".join(batch)}]}}'.encode()
        )
        started = time.perf_counter()
        answer = client.post("/api/v1/sync", content=raw, headers=headers)
        elapsed = time.perf_counter() - started
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()["cursor"], elapsed

    cursor, _ = post(None, homes, [])
    total = 0.0
    for start in range(0, len(visits), 200):
        cursor, elapsed = post(cursor, [], visits[start : start + 200])
        total += elapsed
    app.state.engine.dispose()
    return len(visits) / total


# -- coverage ---------------------------------------------------------------------------------


def build_large(app: Any, hamlet_count: int, household_count: int, seed: int) -> tuple[float, int]:
    """Households spread over the hamlets; 70 % with one completed visit cloned from a pool of
    realistic visits (real content and tallies), written with bulk inserts."""
    started = time.perf_counter()
    rng = random.Random(seed)
    hamlets, _, _ = commune(app, hamlet_count)
    template_home = data.household(rng, hamlets[0], "2026-01-05T08:00:00.000+00:00")
    pool = [data.visit(rng, template_home, moment(rng)) for _ in range(500)]
    pool = [(stored_content(v), tallies.visit_tallies(v)) for v in pool]
    received = sqlite_time(NOW.isoformat())
    sums = {h.id: [0] * (2 * len(INDICATOR_IDS)) for h in hamlets}
    sums15 = {h.id: [0] * (2 * len(INDICATOR_IDS)) for h in hamlets}
    raw = app.state.engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("BEGIN")
    household_rows, visit_rows, placement_rows, visit_count = [], [], [], 0

    def flush() -> None:
        cursor.executemany(
            "INSERT INTO household (id, hamlet_id, content, fingerprint, created_at, updated_at, removed_at, "
            "created_day, removed_day, received_at, change_seq, latest_visit_id, latest_visited_at, tallies, revision) "
            "VALUES (?,?,?,?,?,?,NULL,?,NULL,?,1,?,?,?,1)",
            household_rows,
        )
        cursor.executemany(
            "INSERT INTO household_placement (household_id, position, day, hamlet_id, on_roster, change_seq) "
            "VALUES (?,0,?,?,1,1)",
            placement_rows,
        )
        cursor.executemany(
            "INSERT INTO visit (id, household_id, hamlet_id, visited_at, visited_day, outcome, content, "
            "fingerprint, received_at, device_id, tallies) VALUES (?,?,?,?,?,'completed',?,?,?,NULL,?)",
            visit_rows,
        )
        household_rows.clear()
        visit_rows.clear()
        placement_rows.clear()

    for index in range(household_count):
        hamlet = hamlets[index % hamlet_count]
        created = f"2026-{1 + index % 6:02d}-{1 + index % 28:02d}T08:00:00.000+00:00"
        home_id = f"h{index:07d}-0000-4000-a000-000000000000"
        home_content = {
            "id": home_id,
            "hamlet_id": hamlet.id,
            "head_name": "Nguyễn Văn An",
            "address": "",
            "phone": "",
            "created_at": created,
            "updated_at": created,
            "status": "synced",
            "rejection": None,
            "checklist_version": 1,
            "removed_at": None,
            "removed_reason": None,
        }
        visit_id = latest_at = None
        household_tallies = tallies.NEVER_VISITED
        if rng.random() < 0.7:
            content, visit_tallies = pool[rng.randrange(len(pool))]
            visit_id = f"v{index:07d}-0000-4000-a000-000000000000"
            latest_at = f"2026-{rng.randint(7, 10):02d}-{rng.randint(1, 28):02d}T09:00:00.000+00:00"
            content = {
                **content,
                "id": visit_id,
                "household_id": home_id,
                "hamlet_id": hamlet.id,
                "visited_at": latest_at,
            }
            text = json.dumps(content, ensure_ascii=False)
            visit_rows.append(
                (
                    visit_id,
                    home_id,
                    hamlet.id,
                    sqlite_time(latest_at),
                    latest_at[:10],
                    text,
                    fingerprint(content),
                    received,
                    json.dumps(visit_tallies),
                )
            )
            household_tallies = visit_tallies
            visit_count += 1
        for acc, flat in ((sums[hamlet.id], household_tallies["18"]), (sums15[hamlet.id], household_tallies["15"])):
            for k, n in enumerate(flat):
                acc[k] += n
        household_rows.append(
            (
                home_id,
                hamlet.id,
                json.dumps(home_content, ensure_ascii=False),
                "0" * 64,
                sqlite_time(created),
                sqlite_time(created),
                created[:10],
                received,
                visit_id,
                sqlite_time(latest_at) if latest_at else None,
                json.dumps(household_tallies),
            )
        )
        placement_rows.append((home_id, created[:10], hamlet.id))
        if len(household_rows) >= 20_000:
            flush()
    flush()
    rows = [
        (n, d, h, age, indicator)
        for age, table in ((18, sums), (15, sums15))
        for h, flat in table.items()
        for k, indicator in enumerate(INDICATOR_IDS)
        for n, d in [flat[2 * k : 2 * k + 2]]
    ]
    cursor.executemany(
        "UPDATE hamlet_tally SET numerator = ?, denominator = ? "
        "WHERE hamlet_id = ? AND adult_age = ? AND indicator = ?",
        rows,
    )
    cursor.execute("COMMIT")
    cursor.execute("ANALYZE")
    raw.close()
    return time.perf_counter() - started, visit_count


def sqlite_time(text: str) -> str:
    """An ISO time as SQLAlchemy stores a UTC timestamp in SQLite (these rows bypass it).
    `build_large` dates households at 08:00 and visits at 09:00 UTC (15:00 and 16:00 in
    Vietnam), so the UTC dates it stores as days are the commune's days."""
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def timed(action: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def naive_coverage(app: Any, as_of: date | None) -> Any:
    """Every household and visit read back as records and handed to compute_coverage."""
    with app.state.sessions() as session:
        hamlets = [
            Hamlet(id=h.id, name=h.name, commune_code=h.commune_code, team_active_since=h.team_active_since)
            for h in admin.hamlets_of(session, "06577")
        ]
        homes = [Household.from_dict(c) for c in session.scalars(select(models.Household.content))]
        visits = [Visit.from_dict(c) for c in session.scalars(select(models.Visit.content))]
    return compute_coverage(hamlets, homes, visits, as_of=as_of)


def bench_coverage(folder: Path, hamlet_count: int, household_count: int, seed: int) -> dict[str, Any]:
    app = create_app(f"sqlite:///{folder / 'coverage.db'}")
    built, visit_count = build_large(app, hamlet_count, household_count, seed)
    with app.state.sessions.begin() as session:  # build_large writes rows directly: the timeline too
        timeline.rebuild(session)
    size = os.path.getsize(folder / "coverage.db") / 1e6
    commune_row = lambda session: session.get(models.Commune, "06577")  # noqa: E731

    def current() -> Any:
        with app.state.sessions() as session:
            return coverage.report(session, commune_row(session))

    def as_of() -> Any:
        with app.state.sessions() as session:
            return coverage.report(session, commune_row(session), as_of=date(2026, 8, 31))

    client = TestClient(app)
    with app.state.sessions.begin() as session:
        volunteer = admin.add_volunteer(session, "06577", "Cán bộ", [f"thon-{i + 1:02d}" for i in range(hamlet_count)])
        code = enrolment.issue_code(session, volunteer.id)
    token = client.post("/api/v1/enroll", json={"code": code, "device_name": "bench"}).json()["token"]
    http = lambda: client.get("/api/v1/coverage", headers={"Authorization": f"Bearer {token}"})  # noqa: E731
    assert http().status_code == 200
    out = {
        "built": built,
        "visits": visit_count,
        "size_mb": size,
        "current": timed(current, 30),
        "http": timed(http, 10),
        "as_of": timed(as_of, 3),
    }
    started = time.perf_counter()
    naive = naive_coverage(app, None)
    out["naive"] = [(time.perf_counter() - started) * 1000]
    ours = current()
    assert all(
        (ours.total[i].numerator, ours.total[i].denominator) == (naive.total[i].numerator, naive.total[i].denominator)
        for i in INDICATOR_IDS
    ), "fast coverage differs from the domain's"
    app.state.engine.dispose()
    return out


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hamlets", type=int, default=1_000)
    parser.add_argument("--households", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("ingest", "coverage"), help="one half of the benchmark")
    args = parser.parse_args()
    print(
        f"sync server: SQLite, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average before: {load()}"
    )
    print(f"  {host.describe()}")
    with tempfile.TemporaryDirectory(prefix="bench-server-") as folder:
        if args.only == "ingest":
            rates = bench_ingest(Path(folder), args.seed)
            print(
                f"  ingest, batches of 500: {rates['batched']:,.0f} visits/s (budget ≥ {BUDGET_INGEST}/s); "
                f"1 per transaction: {rates['one per transaction']:,.0f}/s; over HTTP: {rates['http']:,.0f}/s"
            )
            return 0 if rates["batched"] >= BUDGET_INGEST else 1
        rates = bench_ingest(Path(folder), args.seed) if args.only is None else None
        cov = bench_coverage(Path(folder), args.hamlets, args.households, args.seed)
    if rates is None:
        median = statistics.median
        print(
            f"  current coverage (service), median: {median(cov['current']):.1f} ms (budget ≤ {BUDGET_COVERAGE_MS:g} ms); "
            f"over HTTP {median(cov['http']):.1f} ms; as of a day {median(cov['as_of']):,.0f} ms"
        )
        return 0 if median(cov["current"]) <= BUDGET_COVERAGE_MS else 1
    print(f"  load average after: {load()} (other processes on this machine slow every wall-clock figure)")
    print(
        f"  coverage data set: {args.hamlets} hamlets, {args.households} households, {cov['visits']} visits,"
        f" {cov['size_mb']:.0f} MB; built in {cov['built']:.1f} s (bulk inserts)"
    )
    median = statistics.median
    rows = [
        (
            "ingest, batches of 500 (service)",
            f"≥ {BUDGET_INGEST}/s",
            f"{rates['batched']:,.0f} visits/s",
            f"{rates['one per transaction']:,.0f} visits/s (1 per transaction)",
            rates["batched"] >= BUDGET_INGEST,
        ),
        ("sync over HTTP, gzip batches of 200", "", f"{rates['http']:,.0f} visits/s", "", None),
        (
            "current coverage (service), median",
            f"≤ {BUDGET_COVERAGE_MS:g} ms",
            f"{median(cov['current']):.1f} ms",
            f"{median(cov['naive']):,.0f} ms (compute_coverage over all records)",
            median(cov["current"]) <= BUDGET_COVERAGE_MS,
        ),
        ("GET /coverage over HTTP, median", "", f"{median(cov['http']):.1f} ms", "", None),
        ("as_of coverage (timeline)", "", f"{median(cov['as_of']):,.0f} ms", f"{median(cov['naive']):,.0f} ms", None),
    ]
    print(f"\n  {'measure':<40} {'budget':>11}  {'ours':<18} {'naive baseline':<44}")
    for name, budget, ours, base, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {name:<40} {budget:>11}  {ours:<18} {base:<44} {verdict}")
    return 0 if all(r[4] in (None, True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

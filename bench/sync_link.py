"""Sync over a slow link (DESIGN §6): 200 visits over 300 ms round trip and 256 kbit/s.

Our client (`sync.service.sync_once`: the whole outbox in one gzip batch, one round trip)
against a one-request-per-record upload of the same kind of 200 visits, in the same run,
through the same link: the fault proxy of `tests/sync/faultproxy.py` with faults off and
link shaping on, in front of the real server process (`python -m server_sync serve`).

The scene: two volunteers, each in their own hamlet with 200 households registered and
synced earlier (not measured); each records 200 visits, one per household, then syncs.

- ours: `sync_once`, as the app calls it; what is measured includes the phone settling the
  results and taking the roster back (the 200 households whose latest visit changed).
- baseline: what common survey tools do: one POST per record with a plain, uncompressed
  JSON body (and no gzip asked for the answer), here one visit per `/api/v1/sync` call,
  over one kept-alive connection, the cursor kept up to date so each answer's roster is only
  that household. The baseline does no work on the phone between requests, which favours it.

Round trips are HTTP requests; a new TCP connection costs one more round trip (counted
separately). Bytes are HTTP bytes (request and status lines, headers, bodies) both ways, as
they crossed the link; TCP/IP headers are not counted. The link model is store-and-forward
without slow start or loss, so real links are slower for both.

    .venv/bin/python bench/sync_link.py                 # ~2 min: the baseline's 200 requests take most of it
    .venv/bin/python bench/sync_link.py --baseline-records 50   # baseline on 50, extrapolated ×4 (printed)
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import requests

from bench import data
from bench.sync_load import Device, add_volunteers, enrol_fleet
from survey.records import Status
from sync.client import APP_VERSION, PROTOCOL, SyncClient
from sync.service import sync_once
from tests.sync.conftest import commune_database, running_server
from tests.sync.faultproxy import FaultProxy

RTT_MS, BANDWIDTH_BPS = 300, 256_000
BUDGET_ROUND_TRIPS, BUDGET_SECONDS = 3, 5.0


def prepare(device: Device, rng: random.Random, households: int, visits: int) -> list[dict]:
    """Households registered and synced earlier (direct, unmeasured); then a day of visits."""
    homes = [
        data.household(rng, device.hamlet, f"2026-05-{1 + i % 28:02d}T07:00:00.000+00:00") for i in range(households)
    ]
    with device.repo.batch():
        for home in homes:
            home.status = Status.COMPLETE
            device.repo.save_household(home)
    assert sync_once(device.repo, device.client).ok
    made = []
    with device.repo.batch():
        for index in range(visits):
            when = (
                f"2026-10-{1 + index % 28:02d}T{rng.randint(7, 17):02d}:"
                f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000+00:00"
            )
            visit = data.visit(
                rng,
                homes[index % len(homes)],
                when,
                "completed" if rng.random() < 0.8 else "nobody_home",
                status=Status.COMPLETE,
            )
            device.repo.save_visit(visit)
            made.append(visit.to_dict())
    return made


def measure(proxy: FaultProxy, work) -> dict:
    proxy.reset_log()
    began = time.perf_counter()
    work()
    seconds = time.perf_counter() - began
    proxy.wait_idle()
    log = proxy.exchanges()
    return {
        "round_trips": len(log),
        "connections": proxy.connections,
        "seconds": seconds,
        "up": sum(e.bytes_up for e in log),
        "down": sum(e.bytes_down for e in log),
        "statuses": sorted({e.status for e in log}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument(
        "--baseline-records",
        type=int,
        default=None,
        help="run the baseline on this many visits and extrapolate (default: all)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    baseline_n = min(args.baseline_records or args.visits, args.visits)

    with tempfile.TemporaryDirectory(prefix="sync-link-") as tmp:
        folder = Path(tmp)
        (folder / "server").mkdir()
        hamlets = data.hamlets(2)
        database_url, _ = commune_database(folder / "server", [(h.id, h.name, "2026-03-01") for h in hamlets])
        with running_server(folder / "server") as url:
            ours, theirs = enrol_fleet(url, add_volunteers(database_url, [h.id for h in hamlets], 2), folder)
            rng = random.Random(args.seed)
            prepare(ours, rng, args.visits, args.visits)
            baseline_visits = prepare(theirs, rng, args.visits, args.visits)[:baseline_n]
            with FaultProxy(url, rtt_ms=RTT_MS, bandwidth_bps=BANDWIDTH_BPS, paths=()) as proxy:
                # ours: the app's client, on a new connection through the slow link
                client = SyncClient(proxy.url, token=ours.client.token)
                reports = []
                ours_figures = measure(proxy, lambda: reports.append(sync_once(ours.repo, client)))
                [report] = reports
                assert report.ok and report.accepted == args.visits and len(ours.repo.outbox()) == 0, report

                # baseline: one plain POST per record
                session = requests.Session()
                cursor = theirs.repo.setting("cursor")
                answers = []

                def one_by_one() -> None:
                    nonlocal cursor
                    for visit in baseline_visits:
                        body = {
                            "protocol": PROTOCOL,
                            "app_version": APP_VERSION,
                            "cursor": cursor,
                            "households": [],
                            "visits": [visit],
                        }
                        response = session.post(
                            f"{proxy.url}/api/v1/sync",
                            timeout=60,
                            data=json.dumps(body),
                            headers={
                                "Authorization": f"Bearer {theirs.client.token}",
                                "Content-Type": "application/json",
                                "Accept-Encoding": "identity",
                            },
                        )
                        response.raise_for_status()
                        answer = response.json()
                        cursor = answer["cursor"]
                        answers.append(answer["results"][0]["result"])

                base_figures = measure(proxy, one_by_one)
                assert answers == ["accepted"] * baseline_n, answers

    scale = args.visits / baseline_n
    print(
        f"sync over a slow link: {args.visits} visits, round trip {RTT_MS} ms, {BANDWIDTH_BPS // 1000} kbit/s each way "
        f"(tests/sync/faultproxy.py in front of `python -m server_sync serve`); Python {platform.python_version()}"
    )
    print(f"{'':<44}{'HTTP round trips':>17}{'TCP connects':>14}{'bytes up':>11}{'bytes down':>12}{'seconds':>9}")

    def row(label: str, f: dict, k: float = 1.0) -> str:
        return (
            f"{label:<44}{f['round_trips'] * k:>17,.0f}{f['connections']:>14}{f['up'] * k:>11,.0f}"
            f"{f['down'] * k:>12,.0f}{f['seconds'] * k:>9.1f}"
        )

    print(row("ours: sync_once, one gzip batch", ours_figures))
    if scale == 1:
        print(row("baseline: one plain JSON POST per record", base_figures))
    else:
        print(row(f"baseline, measured on {baseline_n} records", base_figures))
        print(
            row(f"baseline, EXTRAPOLATED ×{scale:g} to {args.visits}", base_figures, scale)
            + "   (not measured: linear scaling)"
        )
    print(f"budget (DESIGN §6), ours: ≤ {BUDGET_ROUND_TRIPS} round trips and ≤ {BUDGET_SECONDS:g} s")
    base_seconds = base_figures["seconds"] * scale
    total_ours = ours_figures["up"] + ours_figures["down"]
    total_base = (base_figures["up"] + base_figures["down"]) * scale
    print(
        f"ours vs baseline: {base_seconds / ours_figures['seconds']:.0f}× faster, "
        f"{total_base / total_ours:.1f}× fewer bytes, {base_figures['round_trips'] * scale / ours_figures['round_trips']:.0f}× "
        f"fewer round trips; ours sent {report.sent} records ({report.accepted} accepted) and took back "
        f"{report.roster_households} roster households"
    )
    ok = ours_figures["round_trips"] <= BUDGET_ROUND_TRIPS and ours_figures["seconds"] <= BUDGET_SECONDS
    print("ours within budget: " + ("ok" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

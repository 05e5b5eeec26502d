"""Phone store benchmark: a device with 5,000 households and 20,000 visits (DESIGN §6).

Measures our Repository against stock TinyDB doing the same work in the same run:
saving a visit, opening a hamlet's household list (cold: a new instance; warm), and
search per keystroke while typing "nguyen van" (whole device and within a hamlet).

    python bench/store.py            # from the repository root (make bench)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tinydb import Query, TinyDB

from bench import data
from storage import Repository
from survey.records import Household, Status, Visit
from survey.summary import HouseholdSummary, summarize
from survey.text import fold, matches

HAMLETS, HOUSEHOLDS, VISITS, UNSYNCED = 40, 5_000, 20_000, 50
TYPED = "nguyen van"
BUDGET_MS = {"save": 20.0, "list": 50.0, "search": 30.0}


# -- the device -----------------------------------------------------------------------------
def device(seed: int) -> tuple[list[data.Hamlet], list[Household], list[Visit]]:
    """Households spread over the hamlets; 1–7 visits each over 2026–2030; ~50 unsynced."""
    rng = random.Random(seed)
    hamlets = data.hamlets(HAMLETS)
    homes = [data.household(rng, hamlets[i % HAMLETS], "2026-01-05T08:00:00.000+00:00") for i in range(HOUSEHOLDS)]
    per_home = [rng.randint(1, 7) for _ in homes]
    while (gap := VISITS - sum(per_home)) != 0:  # exactly VISITS, each household 1–7
        i = rng.randrange(len(homes))
        if gap > 0 and per_home[i] < 7:
            per_home[i] += 1
        elif gap < 0 and per_home[i] > 1:
            per_home[i] -= 1
    unsynced = set(rng.sample(range(HOUSEHOLDS), UNSYNCED))
    visits = []
    for index, (home, count) in enumerate(zip(homes, per_home, strict=False)):
        times = sorted(data.moment(rng, rng.randint(2026, 2030)) for _ in range(count))
        for n, when in enumerate(times):
            outcome = rng.choices(["completed", "nobody_home", "declined"], [75, 19, 6])[0]
            last = n == count - 1
            status = Status.COMPLETE if last and index in unsynced else Status.SYNCED
            visits.append(data.visit(rng, home, when, outcome, status))
    return hamlets, homes, visits


def build(folder: Path, stock_path: Path, seed: int) -> None:
    """Write both stores (run in a child process, so its memory does not count as ours)."""
    _hamlets, homes, visits = build_ours(folder, seed)
    build_stock(stock_path, homes, visits)


def build_ours(folder: Path, seed: int) -> tuple[list[data.Hamlet], list[Household], list[Visit]]:
    """The device in our store, written as roster pulls and a sync would write it."""
    hamlets, homes, visits = device(seed)
    started = time.perf_counter()
    repo = Repository(folder)
    repo.save_hamlets(hamlets)
    by_hamlet: dict[str, list[Visit]] = {}
    for visit in visits:
        by_hamlet.setdefault(visit.hamlet_id, []).append(visit)
    for hamlet in hamlets:
        with repo.batch():  # a roster pull: one write per hamlet
            for home in homes:
                if home.hamlet_id == hamlet.id:
                    repo.save_household(home)
            for visit in by_hamlet.get(hamlet.id, []):
                repo.save_visit(visit)
    moved = repo.archive_synced()
    print(
        f"  ours:  built in {time.perf_counter() - started:.1f} s; {moved} synced visits archived, "
        f"{VISITS - moved} stay hot; {_size(folder / 'hamlets')} in {HAMLETS} hot shards, "
        f"{_size(folder / 'archive')} archived"
    )
    return hamlets, homes, visits


def build_stock(stock_path: Path, homes: list[Household], visits: list[Visit]) -> None:
    started = time.perf_counter()
    summaries: dict[str, HouseholdSummary] = {}
    for visit in visits:
        summaries[visit.household_id] = summaries.get(visit.household_id, HouseholdSummary()).with_visit(visit)
    db = TinyDB(stock_path)
    db.table("households").insert_multiple(
        {**h.to_dict(), "summary": summaries.get(h.id, summarize([])).to_dict()} for h in homes
    )
    db.table("visits").insert_multiple(v.to_dict() for v in visits)
    db.close()
    print(f"  stock: built in {time.perf_counter() - started:.1f} s; one file of {_size(stock_path)}")


def _size(path: Path) -> str:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    return f"{total / 1e6:.1f} MB"


# -- timing ---------------------------------------------------------------------------------
def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def stats(samples: list[float]) -> tuple[float, float, int]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, len(ordered)


def keystrokes() -> list[str]:
    return [TYPED[: n + 1] for n in range(len(TYPED)) if not TYPED[n].isspace()]


def new_visit(rng: random.Random, home: Household) -> Visit:
    return data.visit(rng, home, data.moment(rng, 2031), status=Status.COMPLETE)


# -- ours -----------------------------------------------------------------------------------
def measure_ours(folder: Path, rng: random.Random) -> dict[str, Any]:
    results: dict[str, Any] = {"rss_base_mb": _peak_rss_mb()}
    hamlet_ids = [h.id for h in Repository(folder).hamlets()]
    results["list_cold"] = stats([timed(lambda h=h: Repository(folder).households(h)) for h in hamlet_ids])
    repo = Repository(folder)
    repo.households(hamlet_ids[0])
    results["list_warm"] = stats([timed(lambda: repo.households(hamlet_ids[0])) for _ in range(100)])

    repo = Repository(folder)
    samples = []
    for hamlet_id in rng.sample(hamlet_ids, 5):  # a volunteer opens a hamlet, then records visits
        rows = repo.households(hamlet_id)
        for _ in range(50):
            visit = new_visit(rng, rng.choice(rows).household)
            samples.append(timed(lambda visit=visit: repo.save_visit(visit)))
    results["save"] = stats(samples)

    repo = Repository(folder)
    results["search_first"] = timed(lambda: repo.search(TYPED[0]))
    results["search_device"] = stats([timed(lambda q=q: repo.search(q)) for _ in range(20) for q in keystrokes()])
    hamlet_id = hamlet_ids[7]
    fresh = Repository(folder)
    results["search_hamlet_first"] = timed(lambda: fresh.search(TYPED[0], hamlet_id))
    results["search_hamlet"] = stats(
        [timed(lambda q=q: repo.search(q, hamlet_id)) for _ in range(20) for q in keystrokes()]
    )
    results["found"] = len(repo.search(TYPED, limit=10_000))
    results["rss_mb"] = _peak_rss_mb()
    return results


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# -- stock TinyDB, as its users would write it ---------------------------------------------------
def stock_rows(db: TinyDB, hamlet_id: str) -> list[tuple[Household, HouseholdSummary]]:
    found = db.table("households").search(Query().hamlet_id == hamlet_id)
    rows = [(Household.from_dict(d), HouseholdSummary.from_dict(d.get("summary"))) for d in found]
    return sorted(rows, key=lambda r: (fold(r[0].head_name), r[0].id))


def stock_save(db: TinyDB, visit: Visit) -> None:
    households, q = db.table("households"), Query()
    home = households.get(q.id == visit.household_id)
    if home is None:
        raise ValueError("no such household")
    db.table("visits").insert(visit.to_dict())
    summary = HouseholdSummary.from_dict(home.get("summary")).with_visit(visit)
    households.update({"summary": summary.to_dict()}, q.id == visit.household_id)


def stock_search(db: TinyDB, query: str, hamlet_id: str | None = None, limit: int = 50) -> list[Household]:
    def hit(doc: dict[str, Any]) -> bool:
        if hamlet_id is not None and doc["hamlet_id"] != hamlet_id:
            return False
        return matches(query, fold(f"{doc['head_name']} {doc['address']} {doc['phone']}"))

    found = db.table("households").search(hit)  # a plain callable is a valid TinyDB condition
    found.sort(key=lambda d: (fold(d["head_name"]), d["id"]))
    return [Household.from_dict(d) for d in found[:limit]]


def measure_stock(path: Path, hamlet_ids: list[str], rng: random.Random, reps: dict[str, int]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results["list_cold"] = stats([timed(lambda h=h: stock_rows(TinyDB(path), h)) for h in hamlet_ids[: reps["list"]]])
    db = TinyDB(path)
    stock_rows(db, hamlet_ids[0])
    results["list_warm"] = stats([timed(lambda: stock_rows(db, hamlet_ids[0])) for _ in range(reps["list"])])
    rows = stock_rows(db, hamlet_ids[3])
    samples = []
    for _ in range(reps["save"]):
        visit = new_visit(rng, rng.choice(rows)[0])
        samples.append(timed(lambda visit=visit: stock_save(db, visit)))
    results["save"] = stats(samples)
    typed = keystrokes()
    results["search_device"] = stats([timed(lambda q=q: stock_search(db, q)) for q in typed[: reps["search"]]])
    results["search_hamlet"] = stats(
        [timed(lambda q=q: stock_search(db, q, hamlet_ids[7])) for q in typed[: reps["search"]]]
    )
    return results


# -- report ---------------------------------------------------------------------------------
def report(ours: dict[str, Any], stock: dict[str, Any]) -> None:
    lines = [
        ("save a visit", "save", "save"),
        ("hamlet list, cold (new instance)", "list_cold", "list"),
        ("hamlet list, warm", "list_warm", "list"),
        ("search per keystroke, whole device", "search_device", "search"),
        ("search per keystroke, one hamlet", "search_hamlet", "search"),
    ]
    print(
        f"\n{'measure':<36}{'budget':>9}  {'ours median / p95 (n)':<26}{'stock median / p95 (n)':<30}{'stock/ours':>10}"
    )
    for label, key, budget in lines:
        o_med, o_p95, o_n = ours[key]
        s_med, s_p95, s_n = stock[key]
        verdict = "ok" if o_med <= BUDGET_MS[budget] else "OVER"
        print(
            f"{label:<36}{f'≤ {BUDGET_MS[budget]:g} ms':>9}  "
            f"{f'{o_med:.2f} / {o_p95:.2f} ms ({o_n})':<26}{f'{s_med:.1f} / {s_p95:.1f} ms ({s_n})':<30}"
            f"{_ratio(s_med / o_med):>9}×  {verdict}"
        )
    ratios = {key: _ratio(stock[key][0] / ours[key][0]) for _, key, _ in lines}
    print(
        f"\nheadline (stock median / ours median): save a visit {ratios['save']}× faster, "
        f"cold hamlet list {ratios['list_cold']}× faster, search per keystroke "
        f"{ratios['search_device']}× (device) and {ratios['search_hamlet']}× (hamlet) faster"
    )
    print(
        f"first keystroke on a new instance (opens every shard): {ours['search_first']:.0f} ms whole device, "
        f"{ours['search_hamlet_first']:.1f} ms one hamlet"
    )
    print(f"households matching {TYPED!r} on the device: {ours['found']}")
    print(
        f"peak RSS of our store (all {HAMLETS} hot shards loaded, before stock ran): {ours['rss_mb']:.0f} MB "
        f"(the interpreter with its imports alone: {ours['rss_base_mb']:.0f} MB)"
    )


def _ratio(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--stock-saves", type=int, default=10, help="stock save repetitions (each is slow)")
    parser.add_argument("--build", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        build(Path(args.build) / "ours", Path(args.build) / "stock.json", args.seed)
        return 0
    print(
        f"phone store: {HOUSEHOLDS} households, {VISITS} visits, {HAMLETS} hamlets, {UNSYNCED} unsynced; "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-store-") as workdir:
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--build", workdir, "--seed", str(args.seed)], check=True
        )
        rng = random.Random(args.seed + 1)
        ours = measure_ours(Path(workdir) / "ours", rng)
        hamlet_ids = [h.id for h in Repository(Path(workdir) / "ours").hamlets()]
        reps = {"list": 5, "save": args.stock_saves, "search": len(keystrokes())}
        print(
            f"  stock runs fewer repetitions (each call re-reads its whole file): {reps['list']} list opens, "
            f"{reps['save']} saves, one typing of {TYPED!r} ({reps['search']} keystrokes) per search"
        )
        stock = measure_stock(Path(workdir) / "stock.json", hamlet_ids, rng, reps)
    report(ours, stock)
    over = [
        k
        for k, b in (("save", "save"), ("list_cold", "list"), ("search_device", "search"))
        if ours[k][0] > BUDGET_MS[b]
    ]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

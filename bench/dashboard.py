"""Staff dashboard benchmark (issue budget): the overview page in ≤ 100 ms of server time and
≤ 200 KB of page weight at 1,000 hamlets / 500,000 households, beside the old way of
computing coverage "as of" a past day, measured in the same run.

- data: `bench/server.py`'s `build_large` (bulk inserts, `hamlet_tally` filled), then the
  per-day/per-quarter timeline (`services.timeline.rebuild`, timed), one staff account, and
  households named as `bench/data.py` names them (`build_large` names every head alike);
- a real server (`python -m server_sync serve`, uvicorn, one process) over that SQLite file
  on 127.0.0.1, signed in over HTTP like a browser; every page asked for with
  `Accept-Encoding: gzip` and its compressed body counted as it comes off the socket;
- in the bench process, over the same file: `dashboard.overview` (the service), its parts
  and the template, and the whole app through FastAPI's TestClient;
- baselines: `coverage.walk` for the same day (what the server did before the timeline),
  the overview with the report and the quarterly trend both walked, and
  `survey.indicators.compute_coverage` over every record once (~1 min; `--skip-naive`).

Downloads (issue 12 §5), at the size of a real commune rather than 500,000 households (xã
Thống Nhất: ~3,600–3,900 households in a few dozen hamlets): a second database of
`--export-households` households in `--export-hamlets` hamlets, built and named the same way;
each download through the whole app (TestClient, signed in as an administrator, who sees the
phone column), its parts in process (the query, the table, each writer), and, in the same
run, the baselines: the follow-up file as it was before issue 12 §6 (a row per follow-up,
~5 per household) through the same writer and through openpyxl's normal mode (as the server
wrote it first), and today's table (a row per household) through a bare write-only writer
(the server's `exports.to_xlsx` is openpyxl's write-only mode with the heading, print setup
and cell formats on top). Budget: ≤ 1 s for each download and page.

    .venv/bin/python bench/dashboard.py              # from the repository root (~7–8 min)
    .venv/bin/python bench/dashboard.py --hamlets 50 --households 10000 --skip-naive   # a quick run (~20 s)
    .venv/bin/python bench/dashboard.py --exports-only   # the downloads alone (~2 min)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "mobile"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import requests
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from bench import data, host
from bench.server import build_large, load, naive_coverage, timed
from server_sync import models
from server_sync.app import create_app
from server_sync.cli import settle_heap
from server_sync.services import (
    admin,
    coverage,
    dashboard,
    exports,
    figures,
    followups,
    households,
    staff,
    tallies,
    timeline,
)
from server_sync.web import deps, pages
from survey.indicators import Tally
from survey.times import local_day, zone
from tests.server.browser import sign_in_form
from tests.sync.conftest import running_server

BUDGET_MS, BUDGET_KB = 100.0, 200.0
EXPORT_BUDGET_MS = 1_000.0  # a follow-up download of the whole commune (issue 12 §5)
AS_OF = date(2026, 6, 30)  # a past day: the timeline path (the example)
AS_OF_BUSY = date(2026, 9, 30)  # the end of the quarter with the most visit days in this data
COMMUNE = "06577"
USERNAME, PASSWORD = "can.bo.xa", "bench-mat-khau-2026"
GZIP = {"Accept-Encoding": "gzip"}


# -- helpers ----------------------------------------------------------------------------------


def commune_today() -> date:
    """Today in the commune's (default) zone: what `deps.today` gives a request."""
    return local_day(datetime.now(UTC), zone())


def stats(samples: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) in ms."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def fig(samples: list[float]) -> str:
    median, p95 = stats(samples)
    return f"{median:,.1f} / {p95:,.1f} ms" if len(samples) > 1 else f"{median:,.0f} ms (once)"


def warm_timed(action: Callable[[], Any], repeat: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        action()
    return timed(action, repeat)


@contextmanager
def walked() -> Iterator[None]:
    """The server as before the timeline: coverage as of a day and each quarter of the trend
    walk the roster and the completed visits (`coverage.walk`); the rest of the code as is."""
    as_of, quarterly = timeline.as_of, timeline.quarterly

    def walk_as_of(session: Any, hamlet_ids: Any, day: date, adult_age: int) -> dict[str, Tally]:
        return coverage.walk(session, hamlet_ids, day, adult_age)

    def walk_quarterly(session: Any, hamlet_ids: Any, adult_age: int, first: date, last: date) -> list[Any]:
        ids = hamlet_ids if hamlet_ids is not None else [h.id for h in admin.hamlets_of(session, COMMUNE)]
        out = []
        for end in timeline.quarter_ends(first, last):
            total = Tally()
            for tally in coverage.walk(session, ids, end, adult_age).values():
                total.merge(tally)
            out.append((end, total))
        return out

    timeline.as_of, timeline.quarterly = walk_as_of, walk_quarterly
    try:
        yield
    finally:
        timeline.as_of, timeline.quarterly = as_of, quarterly


# -- data -------------------------------------------------------------------------------------


def build(app: Any, hamlet_count: int, household_count: int, seed: int) -> dict[str, Any]:
    built, visit_count = build_large(app, hamlet_count, household_count, seed)
    started = time.perf_counter()
    with app.state.sessions.begin() as session:
        timeline.rebuild(session)
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    with app.state.sessions.begin() as session:  # as a server that has run keeps them (else its start derives them)
        followups.catch_up_new(session)
    derived = time.perf_counter() - started
    with app.state.sessions.begin() as session:
        staff.create_staff(session, COMMUNE, USERNAME, "Nguyễn Thị Lan", "admin", PASSWORD)
    with app.state.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")  # build_large analysed before the timeline had rows
        connection.commit()  # (the plans of the timeline's queries are the same without: checked)
        h, v, t = models.Household.__table__, models.Visit.__table__, models.TallyChange.__table__
        created = connection.execute(select(func.min(h.c.created_day), func.max(h.c.created_day))).one()
        visited = connection.execute(select(func.min(v.c.visited_day), func.max(v.c.visited_day))).one()
        rows = dict(connection.execute(select(t.c.period, func.count()).group_by(t.c.period)).all())
        days = connection.execute(select(func.count(func.distinct(t.c.day))).where(t.c.period == "D")).scalar()
        largest = connection.execute(
            select(h.c.hamlet_id, func.count())
            .group_by(h.c.hamlet_id)
            .order_by(func.count().desc(), h.c.hamlet_id)
            .limit(1)
        ).one()
    return {
        "built": built,
        "visits": visit_count,
        "rebuilt": rebuilt,
        "derived": derived,
        "created": created,
        "visited": visited,
        "rows": rows,
        "days": days,
        "largest": largest,
    }


def name_households(app: Any, hamlet_count: int, seed: int) -> float:
    """Give every household a head's name, an address and (four in five) a phone as
    `bench/data.py` does: `build_large` names every head alike, which makes each hamlet one
    bucket of likely duplicates (all pairs listed on the hamlet page)."""
    started = time.perf_counter()
    rng = random.Random(seed + 1)
    names = {h.id: h.name for h in data.hamlets(hamlet_count)}
    raw = app.state.engine.raw_connection()
    cursor = raw.cursor()
    homes = cursor.execute("SELECT id, hamlet_id FROM household").fetchall()
    rows = [
        (
            data.person_name(rng),
            f"Số {rng.randint(1, 300)}, {names[hamlet]}, xã Thống Nhất",
            f"09{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.8 else "",
            home,
        )
        for home, hamlet in homes
    ]
    cursor.execute("BEGIN")
    cursor.executemany(
        "UPDATE household SET content = json_set(content, '$.head_name', ?, '$.address', ?, '$.phone', ?) WHERE id = ?",
        rows,
    )
    cursor.execute("COMMIT")
    raw.close()
    return time.perf_counter() - started


@contextmanager
def settled() -> Iterator[None]:
    """The bench process's heap as `serve` leaves the server's (`cli.settle_heap`): what was
    loaded and built before timing is out of the garbage collector's full sweeps, so an
    in-process figure is not a sweep over the bench's own data (released after)."""
    settle_heap()
    try:
        yield
    finally:
        gc.unfreeze()


# -- over HTTP (the real server process) ------------------------------------------------------


def fetch(client: requests.Session, url: str) -> tuple[float, int, int, int]:
    """(ms to the last byte, body bytes on the wire, body bytes unzipped, header bytes)."""
    started = time.perf_counter()
    answer = client.get(url, headers=GZIP, stream=True, allow_redirects=False)
    body = answer.raw.read(decode_content=False)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, f"{url}: HTTP {answer.status_code}"
    zipped = answer.headers.get("Content-Encoding") == "gzip"
    head = (
        len(f"HTTP/1.1 {answer.status_code} {answer.reason}\r\n")
        + sum(len(k) + len(v) + 4 for k, v in answer.headers.items())
        + 2
    )
    return elapsed, len(body), len(gzip.decompress(body)) if zipped else len(body), head


def bench_http(
    base: str, paths: dict[str, str], repeat: int, rename: Callable[[], float], bump: Callable[[], None]
) -> dict[str, Any]:
    """Every page `repeat` times. The overviews are timed cold, as after a sync (`bump` moves
    the change sequence, as every sync does, so the server's overview cache misses), and warm
    (a reload with nothing changed: the cached overview is drawn again)."""
    client = requests.Session()
    signed = client.post(
        f"{base}/dash/sign-in",
        data=sign_in_form(client, base, username=USERNAME, password=PASSWORD, next="/dash/"),
        allow_redirects=False,
    )
    assert signed.status_code == 303 and deps.COOKIE in client.cookies, f"sign-in: HTTP {signed.status_code}"
    out: dict[str, Any] = {"alike": fetch(client, base + paths["hamlet"])}  # once, every head named alike
    out["renamed"] = rename()
    for name, path in paths.items():
        for _ in range(3):  # warm-up
            fetch(client, base + path)
        count = repeat if name != "hamlet" else max(10, repeat // 2)
        if name in ("current", "all", "as_of", "as_of_busy"):
            warm = [fetch(client, base + path) for _ in range(count)]
            out[f"{name}_warm"] = {"ms": [r[0] for r in warm]}
            runs = []
            for _ in range(count):
                bump()
                runs.append(fetch(client, base + path))
        else:
            runs = [fetch(client, base + path) for _ in range(count)]
        out[name] = {"ms": [r[0] for r in runs], "wire": runs[-1][1], "raw": runs[-1][2], "head": runs[-1][3]}
    out["css"] = dict(zip(("ms", "wire", "raw", "head"), fetch(client, f"{base}/dash/static/dash.css"), strict=False))
    client.close()
    return out


def bump_in(app: Any) -> None:
    """`bump`, through the app's own engine: the in-process overview is timed cold too."""
    with app.state.sessions.begin() as session:
        session.execute(text("UPDATE change_counter SET value = value + 1 WHERE id = 1"))


def bump(database: Path) -> None:
    """What a sync does to the change sequence (the data is left as it is)."""
    with sqlite3.connect(database, timeout=30) as connection:
        connection.execute("UPDATE change_counter SET value = value + 1 WHERE id = 1")


# -- in the bench process, over the same file -------------------------------------------------


def bench_inprocess(app: Any, repeat: int) -> dict[str, Any]:
    today = commune_today()
    sessions = app.state.sessions

    def service(day: date | None) -> Callable[[], Any]:
        def run() -> Any:
            with sessions() as session:
                return dashboard.overview(session, session.get(models.Commune, COMMUNE), day, today=today)

        return run

    def report(day: date | None) -> Callable[[], Any]:
        def run() -> Any:
            with sessions() as session:
                return coverage.report(session, session.get(models.Commune, COMMUNE), as_of=day)

        return run

    def trend(day: date | None) -> Callable[[], Any]:
        span = dashboard.trend_span(day, today)

        def run() -> Any:
            with sessions() as session:
                return coverage.trend(session, session.get(models.Commune, COMMUNE), *span)

        return run

    client = TestClient(app)
    signed = client.post(
        "/dash/sign-in", data=sign_in_form(client, username=USERNAME, password=PASSWORD), follow_redirects=False
    )
    assert signed.status_code == 303, signed.text[:300]
    with sessions() as session:
        me = staff.identify(session, client.cookies.get(deps.COOKIE))
        session.commit()
    template = deps.templates.env.get_template("overview.html")

    def render(day: date | None) -> Callable[[], str]:
        """The overview's template with the context `pages.overview` gives it (as `deps.page`)."""
        view = service(day)()
        first_page = dashboard.Pages.of(len(view.rows), "")
        rows = view.rows[first_page.first : first_page.last]
        with sessions() as session:
            commune = session.get(models.Commune, COMMUNE)
            config, entered = admin.coverage_config(commune), figures.current(session, commune.code)
            period = figures.as_of(config, entered, min(day or today, today))
            charts = pages._charts(view.trend, view.close_margin, "vi", figures_of=(config, entered))
        context = {
            "lang": "vi",
            "me": me,
            "path": "/dash/",
            "query": f"as_of={day}" if day else "",
            "view": view,
            "shown": dashboard.SHOWN,
            "also": [view.report.total[i] for i in dashboard.ALSO_SHOWN],
            "parts_shown": (*dashboard.READY_PARTS, "adults_ready"),
            "parts": [
                (r, *dashboard.ready_parts(view.report.hamlets[r.hamlet_id or ""], view.close_margin)) for r in rows
            ],
            "parts_total": dashboard.ready_parts(view.report.total, view.close_margin),
            "period": period,
            "charts": charts,
            "pages": first_page,
            "rows": rows,
            **pages._dates(day, today),
        }
        return lambda: template.render(context)

    out: dict[str, Any] = {}
    for label, day in (("current", None), ("as_of", AS_OF), ("as_of_busy", AS_OF_BUSY)):
        draw = render(day)
        html = draw().encode()
        query = f"?as_of={day.isoformat()}" if day else ""
        out[label] = {
            "service": warm_timed(service(day), repeat),
            "report": warm_timed(report(day), repeat),
            "trend": warm_timed(trend(day), repeat),
            "render": warm_timed(draw, repeat),
            "gzip": warm_timed(lambda b=html: gzip.compress(b, 9), repeat),  # GZipMiddleware's level
            "app": warm_timed(lambda q=query: (bump_in(app), client.get(f"/dash/{q}", headers=GZIP)), repeat),
        }
    # TestClient runs the app in another thread, out of cProfile's sight: profile the service
    # and the template here, current figures
    draw = render(None)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(10):
        service(None)()
        draw()
    profile.disable()
    out["profile"] = profile
    client.close()
    out["catch_up"] = bench_catch_up(app, SYNC_SIZE)
    return out


SYNC_SIZE = 500


def bench_catch_up(app: Any, visits: int) -> list[float]:
    """What the first as-of or trend read after a sync of `visits` completed visits does
    first: take their households into the timeline. Made by marking that many stored visits
    as brought by a new batch (their households listed as a sync lists them), timed, rolled
    back, five times."""
    runs = []
    for _ in range(5):
        with app.state.sessions() as session:
            connection = session.connection()
            picked = connection.execute(
                text(
                    "SELECT v.id, h.id FROM visit v "
                    "JOIN household h ON h.id = v.household_id WHERE v.outcome = 'completed' "
                    "ORDER BY v.id LIMIT :n"
                ),
                {"n": visits},
            ).all()
            connection.execute(
                text("UPDATE visit SET change_seq = 1000000 WHERE id = :v"), [{"v": row[0]} for row in picked]
            )
            connection.execute(  # what it was before: its placements and visits of earlier batches
                text("INSERT OR IGNORE INTO timeline_pending (household_id, seq) VALUES (:h, 1000000)"),
                [{"h": row[1]} for row in picked],
            )
            started = time.perf_counter()
            taken = timeline.catch_up(session)
            runs.append((time.perf_counter() - started) * 1000)
            assert taken == len({row[1] for row in picked})
            session.rollback()
    return runs


def bench_baselines(app: Any, skip_naive: bool) -> dict[str, Any]:
    sessions, today = app.state.sessions, commune_today()
    with sessions() as session:
        ids = [h.id for h in admin.hamlets_of(session, COMMUNE)]
        age = admin.coverage_config(session.get(models.Commune, COMMUNE)).adult_age
        # the timeline gives exactly what walking the records gives, on both days and ages
        for day in (AS_OF, AS_OF_BUSY):
            for tally_age in tallies.TALLY_AGES:
                fast, slow = timeline.as_of(session, ids, day, tally_age), coverage.walk(session, ids, day, tally_age)
                assert all(
                    tallies.flatten(fast.get(i, Tally())) == tallies.flatten(slow.get(i, Tally())) for i in ids
                ), f"the timeline differs from coverage.walk on {day}"

    def walk(day: date) -> Callable[[], Any]:
        def run() -> Any:
            with sessions() as session:
                return coverage.walk(session, ids, day, age)

        return run

    def old_overview(day: date | None) -> Callable[[], Any]:
        def run() -> Any:
            with walked(), sessions() as session:
                return dashboard.overview(session, session.get(models.Commune, COMMUNE), day, today=today)

        return run

    out: dict[str, Any] = {
        "walk": timed(walk(AS_OF), 3),
        "walk_busy": timed(walk(AS_OF_BUSY), 3),
        "old_as_of": timed(old_overview(AS_OF), 2),
        "old_as_of_busy": timed(old_overview(AS_OF_BUSY), 2),
        "old_current": timed(old_overview(None), 2),
    }
    with sessions() as session:  # the walked overview shows the same figures
        commune = session.get(models.Commune, COMMUNE)
        ours = dashboard.overview(session, commune, AS_OF_BUSY, today=today)
        with walked():
            old = dashboard.overview(session, commune, AS_OF_BUSY, today=today)
        assert ours.rows == old.rows and ours.trend == old.trend, "the walked overview differs"
    if not skip_naive:
        started = time.perf_counter()
        naive_coverage(app, AS_OF)
        out["naive"] = [(time.perf_counter() - started) * 1000]
    return out


# -- downloads at the size of a commune -------------------------------------------------------

DOWNLOADS = {
    "follow-ups.xlsx": "/dash/exports/follow-ups.xlsx",
    "follow-ups.csv": "/dash/exports/follow-ups.csv",
    "follow-ups.csv excel-vi": "/dash/exports/follow-ups.csv?flavour=excel-vi",
    "indicators.xlsx": "/dash/exports/indicators.xlsx",
    "indicators.csv excel-vi": "/dash/exports/indicators.csv?flavour=excel-vi",
    # issue 12 §6: every page and export at a commune's size within the same second
    "report.docx (interim review)": "/dash/report.docx?as_of=2027-12-31",
    "report.docx (today)": "/dash/report.docx",
    "report page (print view)": "/dash/report?as_of=2027-12-31",
    "overview page": "/dash/",
    "follow-ups page": "/dash/follow-ups",
    "figures page": "/dash/figures",
}


def openpyxl_xlsx(sheet: exports.Sheet, heading: exports.Heading, write_only: bool) -> bytes:
    """The baselines: the same table through openpyxl. Normal mode as the server wrote it
    before (a cell at a time, then widths, header style, freeze, filter, print setup); write-only
    mode with the heading and the styles this needs (WriteOnlyCell for the header and for styled
    cells: codes, shares, days), the fastest openpyxl offers."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)
    ws = book.create_sheet(sheet.title[:31])
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    styled = {k: "@" for k in sheet.text_columns} | {k: "0.0%" for k in sheet.percent_columns}
    if write_only:
        for line in heading.lines:
            ws.append([line])
        ws.append([])
        header = []
        for label in sheet.header:
            cell = WriteOnlyCell(ws, value=label)
            cell.font, cell.alignment = bold, wrap
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            out: list[Any] = []
            for k, value in enumerate(row):
                if k in styled or isinstance(value, date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = styled.get(k, "dd/mm/yyyy")
                    out.append(cell)
                else:
                    out.append(value)
            ws.append(out)
    else:
        for k, label in enumerate(sheet.header, start=1):
            cell = ws.cell(row=1, column=k, value=label)
            cell.font, cell.alignment = bold, wrap
        widths = [len(str(h)) for h in sheet.header]
        for r, row in enumerate(sheet.rows, start=2):
            for k, value in enumerate(row):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=k + 1, value=value)
                if k in styled:
                    cell.number_format = styled[k]
                widths[k] = max(widths[k], len(str(value)))
        for k, width in enumerate(widths, start=1):
            ws.column_dimensions[chr(64 + k)].width = min(max(width + 2, 6), 50)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{chr(64 + len(widths))}{len(sheet.rows) + 1}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    out_file = io.BytesIO()
    book.save(out_file)
    return out_file.getvalue()


def row_per_follow_up(rows: list[households.FollowUpRow], fields: frozenset[str]) -> exports.Sheet:
    """The baseline shape: the follow-up file as the server wrote it before issue 12 §6, a row
    per follow-up (hamlet, head, address, phone, member, birth year, need, day, household id)."""
    personal = [("head_name", "Chủ hộ"), ("address", "Địa chỉ"), ("phone", "Điện thoại")]
    shown = [name for name, _ in personal if name in fields]
    header = ["Thôn", *(label for name, label in personal if name in fields)]
    header += ["Thành viên", "Năm sinh", "Việc cần hỗ trợ", "Ngày thăm", "Mã hộ"]
    cells = [
        [
            r.hamlet_name,
            *(getattr(r, name) for name in shown),
            "Cả hộ" if r.member_id is None else r.relation.vi if r.relation else "",
            r.birth_year,
            r.label.vi,
            r.visited_on,
            r.household_id,
        ]
        for r in rows
    ]
    codes = frozenset({len(header) - 1} | ({header.index("Điện thoại")} if "phone" in fields else set()))
    return exports.Sheet("Việc cần hỗ trợ", header, cells, text_columns=codes)


def bench_exports(hamlet_count: int, household_count: int, seed: int, repeat: int) -> dict[str, Any]:
    """Every download of `DOWNLOADS` through the app, and the follow-up XLSX's parts."""
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'server.db'}")
        started = time.perf_counter()
        _, visit_count = build_large(app, hamlet_count, household_count, seed)
        name_households(app, hamlet_count, seed)
        built = time.perf_counter() - started
        with app.state.sessions.begin() as session:
            staff.create_staff(session, COMMUNE, USERNAME, "Nguyễn Thị Lan", "admin", PASSWORD)
        client = TestClient(app)
        signed = client.post(
            "/dash/sign-in", data=sign_in_form(client, username=USERNAME, password=PASSWORD), follow_redirects=False
        )
        assert signed.status_code == 303, signed.text[:300]
        out: dict[str, Any] = {"built": built, "visits": visit_count, "app": {}, "size": {}}
        settle_heap()  # as `serve` does (released at the end)
        with app.state.sessions() as session:
            first_hamlet = session.scalars(select(models.Hamlet.id).order_by(models.Hamlet.id)).first()
        DOWNLOADS["hamlet page"] = f"/dash/hamlets/{first_hamlet}"
        for name, url in DOWNLOADS.items():
            answer = client.get(url)  # warm-up, and the file's size
            assert answer.status_code == 200, f"{url}: HTTP {answer.status_code}"
            out["size"][name] = len(answer.content)
            out["app"][name] = warm_timed(lambda u=url: client.get(u), repeat, warm=1)
        client.close()
        fields = staff.PERSONAL_FIELDS["admin"]
        with app.state.sessions() as session:
            commune = session.get(models.Commune, COMMUNE)
            heading = households.follow_up_heading(commune, "vi", today=commune_today())

            def query() -> Any:
                return followups.kept_follow_ups(session, COMMUNE, fields=fields)

            def derive() -> Any:
                return households.follow_ups(session, COMMUNE, fields=fields)

            assert followups.behind(session, COMMUNE) == 0  # the downloads above took them in
            rows = query()
            assert rows == derive()
            sheet = households.follow_up_sheet(rows, "vi", fields=fields)
            out["rows"], out["columns"], out["follow_ups"] = len(sheet.rows), len(sheet.header), len(rows)
            long = row_per_follow_up(rows, fields)
            out["long_shape"] = (len(long.rows), len(long.header))
            out["parts"] = {
                "query (followups.kept_follow_ups)": warm_timed(query, repeat, warm=1),
                "  when behind (households.follow_ups)": warm_timed(derive, repeat, warm=1),
                "table (follow_up_sheet)": warm_timed(
                    lambda: households.follow_up_sheet(rows, "vi", fields=fields), repeat, warm=1
                ),
                "XLSX writer (exports.to_xlsx)": warm_timed(lambda: exports.to_xlsx([sheet], heading), repeat, warm=1),
                "CSV writer, plain": warm_timed(lambda: exports.to_csv(sheet), repeat, warm=1),
                "CSV writer, excel-vi": warm_timed(lambda: exports.to_csv(sheet, "excel-vi"), repeat, warm=1),
            }
            out["long"] = timed(lambda: exports.to_xlsx([long], heading), 3)
            out["openpyxl"] = timed(lambda: openpyxl_xlsx(long, heading, write_only=False), 3)
            out["openpyxl_write_only"] = timed(lambda: openpyxl_xlsx(sheet, heading, write_only=True), 3)
        app.state.engine.dispose()
        gc.unfreeze()
    return out


def report_exports(args: argparse.Namespace, result: dict[str, Any]) -> list[tuple[str, str, str, str, bool | None]]:
    """Print the downloads' figures; the rows of the summary table, with their verdicts."""
    print(
        f"\n  downloads at commune size: {args.export_hamlets} hamlets, {args.export_households} households, "
        f"{result['visits']} completed visits, named as bench/data.py does; built in {result['built']:.1f} s"
    )
    long_rows, long_columns = result["long_shape"]
    print(
        f"  follow-up list of the whole commune: {result['follow_ups']:,} follow-ups, a row per household: "
        f"{result['rows']:,} rows × {result['columns']} columns (an administrator's, with the phone column); "
        f"before issue 12 §6 a row per follow-up: {long_rows:,} rows × {long_columns} columns"
    )
    print("    where the follow-up XLSX's time goes, in process (median / p95 ms):")
    for name, samples in result["parts"].items():
        print(f"      {name:<42} {fig(samples)}")
    print(f"      {'baseline: a row per follow-up, same writer':<42} {fig(result['long'])}")
    print(f"      {'baseline: a row per follow-up, openpyxl normal':<42} {fig(result['openpyxl'])}")
    print(f"      {'a row per household, bare openpyxl write-only':<42} {fig(result['openpyxl_write_only'])}")
    rows: list[tuple[str, str, str, str, bool | None]] = []
    for name, url in DOWNLOADS.items():
        samples = result["app"][name]
        budget = True  # every page and export ≤ 1 s (issue 12 §6)
        baseline = ""
        if name == "follow-ups.xlsx":
            query = stats(result["parts"]["  when behind (households.follow_ups)"])[0]
            baseline = (
                f"~{query + stats(result['long'])[0]:,.0f} ms a row per follow-up (derived + writer), "
                f"~{query + stats(result['openpyxl'])[0]:,.0f} ms so in openpyxl's normal mode"
            )
        rows.append(
            (
                f"{url.removeprefix('/dash/exports/').removeprefix('/dash')}",
                f"≤ {EXPORT_BUDGET_MS:g} ms" if budget else "",
                fig(samples),
                f"{result['size'][name] / 1000:,.0f} KB" + (f"; {baseline}" if baseline else ""),
                stats(samples)[0] <= EXPORT_BUDGET_MS if budget else None,
            )
        )
    return rows


# -- report -----------------------------------------------------------------------------------


def top_functions(profile: cProfile.Profile, requests_made: int) -> list[str]:
    """Cumulative ms per request of the functions that tell where an overview's time goes."""
    wanted = {
        ("dashboard.py", "overview"),
        ("dashboard.py", "row"),
        ("coverage.py", "report"),
        ("coverage.py", "trend"),
        ("timeline.py", "quarterly"),
        ("tallies.py", "hamlet_sums"),
        ("admin.py", "hamlets_of"),
        ("admin.py", "coverage_config"),
        ("indicators.py", "report_from_tallies"),
        ("environment.py", "render"),
    }
    found = []
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in pstats.Stats(profile).stats.items():
        if (os.path.basename(filename), name) in wanted:
            found.append((cumulative * 1000 / requests_made, f"{os.path.basename(filename)}:{name}"))
    return [f"{ms:7.1f} ms  {where}" for ms, where in sorted(found, reverse=True)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hamlets", type=int, default=1_000)
    parser.add_argument("--households", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=30, help="timed repeats per page (after 3 warm-ups)")
    parser.add_argument("--skip-naive", action="store_true", help="skip compute_coverage over every record (~1 min)")
    parser.add_argument("--export-hamlets", type=int, default=40, help="hamlets of the downloads' commune")
    parser.add_argument("--export-households", type=int, default=4_000, help="households of the downloads' commune")
    parser.add_argument("--exports-only", action="store_true", help="only the downloads at commune size (~2 min)")
    args = parser.parse_args()
    print(
        f"staff dashboard: SQLite, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average before: {load()}"
    )
    print(f"  {host.describe()}")
    downloads = bench_exports(args.export_hamlets, args.export_households, args.seed, max(5, args.repeat // 3))
    if args.exports_only:
        print(f"  load average after: {load()} (other processes on this machine slow every wall-clock figure)")
        return summary(report_exports(args, downloads), max(5, args.repeat // 3))
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
        data_dir = Path(folder) / "server"
        data_dir.mkdir()
        database = data_dir / "server.db"
        app = create_app(f"sqlite:///{database}")
        built = build(app, args.hamlets, args.households, args.seed)
        size = os.path.getsize(database) / 1e6
        hamlet_id, hamlet_size = built["largest"]
        paths = {
            "current": "/dash/",
            "all": "/dash/?page=all",
            "as_of": f"/dash/?as_of={AS_OF}",
            "as_of_busy": f"/dash/?as_of={AS_OF_BUSY}",
            "hamlet": f"/dash/hamlets/{hamlet_id}",
            "report": "/dash/report",
        }
        with running_server(data_dir) as base:
            http = bench_http(
                base, paths, args.repeat, lambda: name_households(app, args.hamlets, args.seed), lambda: bump(database)
            )
        with settled():
            local = bench_inprocess(app, args.repeat)
        base_ = bench_baselines(app, args.skip_naive)
        with app.state.engine.connect() as connection:
            visits_in_q3 = connection.execute(
                text("SELECT count(*) FROM visit WHERE visited_day BETWEEN '2026-07-01' AND '2026-09-30'")
            ).scalar()
        app.state.engine.dispose()
    print(f"  load average after: {load()} (other processes on this machine slow every wall-clock figure)")
    rows_d, rows_q = built["rows"].get("D", 0), built["rows"].get("Q", 0)
    print(
        f"  data: {args.hamlets} hamlets, {args.households} households ({hamlet_size} in the largest hamlet, "
        f"{hamlet_id}), {built['visits']} completed visits, {size:.0f} MB; built in {built['built']:.1f} s "
        f"(bench/server.py build_large)"
    )
    print(
        f"  spans: households joined {built['created'][0]} … {built['created'][1]} (2026-Q1, Q2), visits "
        f"{built['visited'][0]} … {built['visited'][1]} (2026-Q3: {visits_in_q3}, Q4: "
        f"{built['visits'] - visits_in_q3}); today {commune_today()}"
    )
    print(f"  households named as bench/data.py does (head, address, phone for 4 in 5): {http['renamed']:.1f} s")
    print(
        f"  timeline rebuild: {built['rebuilt']:.1f} s → {rows_d:,} day rows ({built['days']} distinct days) + "
        f"{rows_q:,} quarter rows over 2 adult ages"
    )
    print(f"  follow-ups derived from every latest completed visit (services/followups.py): {built['derived']:.1f} s")

    css = http["css"]
    print(
        f"\n  page weight (body bytes; gzip = on the wire with Accept-Encoding: gzip; headers "
        f"~{http['current']['head'] / 1000:.1f} KB more per response)"
    )
    for name in ("current", "all", "as_of", "hamlet", "report"):
        h = http[name]
        print(f"    {paths[name]:<34} html {h['raw'] / 1000:7.1f} KB raw  {h['wire'] / 1000:6.1f} KB gzip")
    print(
        f"    {'/dash/static/dash.css':<34} css  {css['raw'] / 1000:7.1f} KB raw  {css['wire'] / 1000:6.1f} KB gzip"
        f" (the page's only other resource; cached after the first page)"
    )

    current_weight = (http["current"]["wire"] + http["current"]["head"] + css["wire"] + css["head"]) / 1000
    current_raw = (http["current"]["raw"] + css["raw"]) / 1000
    as_of_weight = (http["as_of"]["wire"] + http["as_of"]["head"] + css["wire"] + css["head"]) / 1000
    print(
        "\n  where an overview's time goes, in process (median ms): service = dashboard.overview, of which "
        "report = coverage.report and trend = coverage.trend; template = overview.html rendered; gzip = its "
        "HTML at level 9 (GZipMiddleware's default); rest = app − service − template − gzip (session check, "
        "routing, TestClient); app = the whole page through TestClient right after a change (cache cold)"
    )
    print(
        f"    {'page':<20} {'report':>7} {'trend':>7} {'service':>8} {'template':>9} {'gzip':>6} {'rest':>6}"
        f" {'app (TestClient)':>17} {'HTTP loopback':>14}"
    )
    for label, day in (("current", None), ("as_of", AS_OF), ("as_of_busy", AS_OF_BUSY)):
        part = {k: statistics.median(v) for k, v in local[label].items()}
        rest = part["app"] - part["service"] - part["render"] - part["gzip"]
        print(
            f"    {f'as of {day}' if day else 'current':<20} {part['report']:7.1f} {part['trend']:7.1f} "
            f"{part['service']:8.1f} {part['render']:9.1f} {part['gzip']:6.1f} {rest:6.1f} {part['app']:17.1f}"
            f" {statistics.median(http[label]['ms']):14.1f}"
        )
    print(
        "    cProfile of dashboard.overview + the template, current figures, cumulative per page "
        "(profiler overhead included):"
    )
    for line in top_functions(local["profile"], 10):
        print(f"      {line}")

    naive = base_.get("naive")
    naive_text = f"; compute_coverage: {naive[0]:,.0f} ms" if naive else " (compute_coverage skipped)"
    ok_current = stats(http["current"]["ms"])[0] <= BUDGET_MS
    ok_as_of = stats(http["as_of"]["ms"])[0] <= BUDGET_MS
    ok_busy = stats(http["as_of_busy"]["ms"])[0] <= BUDGET_MS
    rows: list[tuple[str, str, str, str, bool | None]] = [
        (
            "overview /dash/, server time",
            f"≤ {BUDGET_MS:g} ms",
            fig(http["current"]["ms"]),
            f"{fig(base_['old_current'])} (trend walked)",
            ok_current,
        ),
        ("  same, reloaded with nothing changed", "", fig(http["current_warm"]["ms"]), "(cached overview)", None),
        (
            "  every hamlet on one page (?page=all)",
            "",
            fig(http["all"]["ms"]),
            f"{(http['all']['wire'] + http['all']['head']) / 1000:.1f} KB gzip, {http['all']['raw'] / 1000:.1f} KB raw",
            None,
        ),
        ("  same, in process (TestClient)", "", fig(local["current"]["app"]), "", None),
        (
            f"overview ?as_of={AS_OF}, server time",
            f"≤ {BUDGET_MS:g} ms",
            fig(http["as_of"]["ms"]),
            f"{fig(base_['old_as_of'])} (report + trend walked)",
            ok_as_of,
        ),
        ("  same, reloaded with nothing changed", "", fig(http["as_of_warm"]["ms"]), "(cached overview)", None),
        ("  same, in process (TestClient)", "", fig(local["as_of"]["app"]), "", None),
        (
            "  coverage as of that day (report)",
            "",
            fig(local["as_of"]["report"]),
            f"{fig(base_['walk'])} (coverage.walk){naive_text}",
            None,
        ),
        (
            f"overview ?as_of={AS_OF_BUSY}, server time",
            f"≤ {BUDGET_MS:g} ms",
            fig(http["as_of_busy"]["ms"]),
            f"{fig(base_['old_as_of_busy'])} (report + trend walked)",
            ok_busy,
        ),
        (
            "  coverage as of that day (report)",
            "",
            fig(local["as_of_busy"]["report"]),
            f"{fig(base_['walk_busy'])} (coverage.walk)",
            None,
        ),
        (
            f"  catch-up after a sync of {SYNC_SIZE} visits",
            "",
            fig(local["catch_up"]),
            "(once, by the first as-of or trend read after it)",
            None,
        ),
        (
            "overview page weight, gzip (html+css)",
            f"≤ {BUDGET_KB:g} KB",
            f"{current_weight:.1f} KB",
            f"{current_raw:.1f} KB uncompressed",
            current_weight <= BUDGET_KB,
        ),
        (
            f"  ?as_of={AS_OF}, gzip (html+css)",
            f"≤ {BUDGET_KB:g} KB",
            f"{as_of_weight:.1f} KB",
            "",
            as_of_weight <= BUDGET_KB,
        ),
        (
            f"hamlet page ({hamlet_id}, {hamlet_size} hh)",
            "",
            fig(http["hamlet"]["ms"]),
            f"{http['hamlet']['wire'] / 1000:.1f} KB gzip, {http['hamlet']['raw'] / 1000:.1f} KB raw",
            None,
        ),
        (
            "  same, every head named alike",
            "",
            f"{http['alike'][0]:,.0f} ms (once)",
            f"{http['alike'][1] / 1000:,.1f} KB gzip, {http['alike'][2] / 1000:,.1f} KB raw",
            None,
        ),
        (
            "/dash/report",
            "",
            fig(http["report"]["ms"]),
            f"{http['report']['wire'] / 1000:.1f} KB gzip, {http['report']['raw'] / 1000:.1f} KB raw",
            None,
        ),
    ]
    print(
        f"\n  server time = GET over loopback to the last byte (real server, keep-alive, signed in; "
        f"median / p95, n={args.repeat} after 3 warm-ups), each overview right after a sync (cache cold) "
        f"unless said; baseline = the old way, in process"
    )
    print(f"  {'measure':<40} {'budget':>10}  {'ours median / p95':<22} {'baseline (before the timeline)'}")
    for name, budget, ours, base, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {name:<40} {budget:>10}  {ours:<22} {base:<48} {verdict}".rstrip())
    export_ok = summary(report_exports(args, downloads), max(5, args.repeat // 3))
    return 0 if all(r[4] in (None, True) for r in rows) and export_ok == 0 else 1


def summary(rows: list[tuple[str, str, str, str, bool | None]], repeat: int) -> int:
    """The downloads' table: whole requests through the app (TestClient), signed in."""
    print(
        f"\n  download time = the whole request through the app in process (TestClient, signed in as an "
        f"administrator; median / p95, n={repeat} after 1 warm-up)"
    )
    print(f"  {'download':<40} {'budget':>10}  {'ours median / p95':<22} {'file; baseline'}")
    for name, budget, ours, base, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {name:<40} {budget:>10}  {ours:<22} {base:<48} {verdict}".rstrip())
    return 0 if all(r[4] in (None, True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

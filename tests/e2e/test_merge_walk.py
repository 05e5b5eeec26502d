"""Issue 12's staff walk, its roster part, in a real browser (Debian's chromium) against a
real server process: a planted duplicate is merged keeping the newer record (the one with
the newer survey), the figures today and as of earlier days change as DESIGN §3 says, the
follow-up summary is read, and the merge is undone.

The planted pair, in Thôn Nà Pàn (one other household there, never visited):
- Lò Văn Tám, created 05/01/2026, surveyed 01/02/2026: one adult, not ready (feature phone);
- the same household entered again by another phone on 01/06/2026 ("Lo Van Tam", same
  address, no phone), surveyed 01/07/2026: one adult, ready.
Counted by hand (adults_ready, visit_coverage) for Nà Pàn:
- before the merge, today: 1/2 ready, 2 of 3 households visited;
- merged, keeping the newer: today 1/1 ready, 1 of 2 visited (the pair counts once, with the
  newer survey); as of 31/03/2026 (before the second record existed): 0/1 ready, 1 of 2
  visited, as before the merge; as of 30/06/2026 (the pair counted once from 01/06): 0/1
  ready (the older survey is the newest one by then), 1 of 2 visited (it was 1 of 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from server_sync import PROTOCOL, db
from server_sync.services import enrolment, staff, sync
from tests.survey.builders import adult, completed_visit, household

from ..sync.conftest import commune_database, running_server
from .test_dashboard import ADMIN, Desk, desk  # noqa: F401 — the browser desk fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NA_PAN = "na-pan"
HAMLETS = [(NA_PAN, "Thôn Nà Pàn", "2026-01-01"), ("khuoi-cap", "Bản Khuổi Cáp", None)]


PLANTED: list[str] = []  # the older and the newer household's ids, once seeded


def at(day: str) -> str:
    return f"{day}T02:00:00.000+00:00"


def seed(database_url: str, volunteer_id: str) -> tuple[str, str]:
    older = household(NA_PAN, "Lò Văn Tám", address="Số 7, xóm Bản Chang", created_at=at("2026-01-05"))
    newer = household(NA_PAN, "Lo Van Tam", address="7 Xom Ban Chang", created_at=at("2026-06-01"))
    other = household(NA_PAN, "Hoàng Thị Hoa", address="Số 9, xóm Bản Chang", created_at=at("2026-01-05"))
    visits = [
        completed_visit(older, visited_at=at("2026-02-01"), members=[adult(1975, phone="feature_phone")]),
        completed_visit(newer, visited_at=at("2026-07-01"), members=[adult(1975)]),
    ]
    engine = db.make_engine(database_url)
    try:
        with db.session_factory(engine)() as session:
            code = enrolment.issue_code(session, volunteer_id)
            session.commit()
            scope = enrolment.enroll(session, code, "Samsung A05").scope
            session.commit()
            done = sync.sync(
                session,
                scope,
                protocol=PROTOCOL,
                cursor=None,
                households=[h.to_dict() for h in (older, newer, other)],
                visits=[v.to_dict() for v in visits],
            )
            session.commit()
            assert all(r.result == "accepted" for r in done.results), done.results
            staff.create_staff(session, "06577", ADMIN[0], "Nguyễn Thị Quản", "admin", ADMIN[1])
            session.commit()
    finally:
        engine.dispose()
    return older.id, newer.id


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("merge-walk")
    database_url, volunteers = commune_database(data_dir, HAMLETS, {"Hoa": ("Hoàng Thị Hoa", [NA_PAN, "khuoi-cap"])})
    PLANTED.extend(seed(database_url, volunteers["Hoa"]))
    with running_server(data_dir) as url:
        yield url


def na_pan(desk_: Desk, as_of: str = "") -> tuple[str, str]:
    """(adults_ready n/N, visit_coverage n/N) of Nà Pàn on the overview."""
    desk_.go("/dash/" + (f"?as_of={as_of}" if as_of else ""))
    row = desk_.page.locator("#hamlet-table tbody tr", has_text="Thôn Nà Pàn")
    cells = row.locator("td.c small").all_inner_texts()
    return cells[0].strip(), cells[-1].strip()  # adults_ready first, visit_coverage last


def test_merging_a_planted_duplicate_keeps_the_newer_survey_and_can_be_undone(request: pytest.FixtureRequest) -> None:
    office: Desk = request.getfixturevalue("desk")  # test_dashboard's desk, over this module's server
    page = office.page
    older_id, newer_id = PLANTED
    office.sign_in(ADMIN)
    before = {day: na_pan(office, day) for day in ("", "2026-03-31", "2026-06-30")}
    assert before == {"": ("1/2", "2/3"), "2026-03-31": ("0/1", "1/2"), "2026-06-30": ("0/1", "1/3")}

    # The follow-up summary: counts by need × hamlet.
    office.go("/dash/follow-ups")
    assert page.locator('#need-table tr[data-hamlet="na-pan"]').count() == 1
    office.shot("follow-up-summary")

    office.go(f"/dash/hamlets/{NA_PAN}")
    pair = page.locator("a[data-merge]")
    assert pair.count() == 1  # the planted pair is flagged: same name and address, typed two ways
    office.shot("hamlet-duplicates")
    pair.click()
    page.wait_for_url(re.compile(r"/duplicates/"))
    suggested = page.locator("section[data-suggested]")
    assert suggested.get_attribute("data-side") == newer_id  # the newer survey is suggested
    office.shot("merge-choose")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector('section[data-role="kept"]')
    assert page.locator('section[data-role="kept"] dl').get_attribute("data-household") == newer_id
    assert page.locator('section[data-role="dropped"] dl').get_attribute("data-household") == older_id
    office.shot("merge-confirm")
    page.locator("main form button.danger[type=submit]").click()
    page.wait_for_url(re.compile(rf"/dash/hamlets/{NA_PAN}"))
    assert page.locator(f'tr[data-kept="{newer_id}"][data-dropped="{older_id}"]').count() == 1
    office.shot("merged")

    after = {day: na_pan(office, day) for day in ("", "2026-03-31", "2026-06-30")}
    assert after == {"": ("1/1", "1/2"), "2026-03-31": ("0/1", "1/2"), "2026-06-30": ("0/1", "1/2")}

    # Undone: every figure as before.
    office.go(f"/dash/hamlets/{NA_PAN}")
    page.locator(f'tr[data-kept="{newer_id}"] form button[type=submit]').click()
    page.wait_for_url(re.compile(rf"/dash/hamlets/{NA_PAN}"))
    assert page.locator(f'tr[data-kept="{newer_id}"]').count() == 0
    assert {day: na_pan(office, day) for day in ("", "2026-03-31", "2026-06-30")} == before
    office.shot("undone")
    office.assert_console_clean()

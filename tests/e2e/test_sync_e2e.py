"""Enrol, visit and sync in a real browser against a real sync server process.

The app (served as a web app, driven by Playwright) enrols with a one-time code that the
admin command line issued, records a "nobody home" visit to a new household, syncs, and
the server's own database then holds the household and the visit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server_sync import db, models
from server_sync.services import coverage

from ..sync.conftest import COMMUNE, commune_database, running_server
from .phone import REPO, Phone

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HAMLET_ID, HAMLET = "na-pan", "Thôn Nà Pàn"
HOUSEHOLD = "Nguyễn Văn Bình"
BACK = re.compile(r"^\s*Quay lại\s*$")  # Flutter's own back button, in the app's Vietnamese


def issue_code(data_dir: Path, volunteer: str) -> str:
    """A one-time code from the real admin command line, as a commune's admin gets one."""
    env = {**os.environ, "SERVER_DATA_DIR": str(data_dir), "PYTHONPATH": f"{REPO / 'mobile'}{os.pathsep}{REPO}"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # the return code is asserted below
        [sys.executable, "-m", "server_sync", "issue-code", "--volunteer", volunteer, "--no-qr"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip()
    assert code and "\n" not in code, done.stdout
    return code


def back(phone: Phone) -> None:
    """Tap the app bar's arrow of the screen on top.

    Once a screen has been popped, the arrow of the one below may own (aria-owns) another
    node, so its accessible name is no longer exactly "Back": find it by its own text, and
    only a visible one (a popped screen may linger hidden with its own arrow).
    """
    arrow = phone.page.locator("flt-semantics[role=button]").filter(has_text=BACK).locator("visible=true")
    phone._press(arrow.first)


def server_counts(database_url: str) -> tuple[int, int, list[str | None], int]:
    """Households, visits, the visits' outcomes, and the hamlet's visit-coverage denominator."""
    engine = db.make_engine(database_url)
    try:
        with db.session_factory(engine)() as session:
            households = session.scalar(select(func.count()).select_from(models.Household))
            visits = session.scalar(select(func.count()).select_from(models.Visit))
            outcomes = list(session.scalars(select(models.Visit.outcome)))
            commune = session.get(models.Commune, COMMUNE[0])
            denominator = coverage.report(session, commune).hamlets[HAMLET_ID]["visit_coverage"].denominator
    finally:
        engine.dispose()
    return households, visits, outcomes, denominator


def test_enrol_visit_and_sync_reach_the_server(phone: Phone, tmp_path: Path) -> None:
    data_dir = tmp_path / "sync-server"
    data_dir.mkdir()
    database_url, volunteers = commune_database(
        data_dir, [(HAMLET_ID, HAMLET, "2026-03-01")], {"Hoa": ("Hoàng Thị Hoa", [HAMLET_ID])}
    )
    code = issue_code(data_dir, volunteers["Hoa"])
    with running_server(data_dir) as server_url:
        # Enrol: the server's address and the one-time code.
        phone.see("Chào mừng bạn!")
        phone.settle_network()  # before typing anything: see Phone.settle_network
        phone.shot("welcome")
        phone.tap("Đăng ký với máy chủ của xã")
        phone.see("Địa chỉ máy chủ")
        phone.type_into("Địa chỉ máy chủ", server_url)
        phone.type_into("Mã đăng ký một lần", code)
        phone.shot("enrol")
        phone.tap("Đăng ký")
        phone.see(HAMLET)
        phone.see("bản ghi chờ đồng bộ")
        phone.shot("home-enrolled")

        # A household and the shortest valid visit: nobody home.
        phone.open_card(HAMLET)
        phone.see("Tìm theo tên chủ hộ, địa chỉ")
        phone.shot("hamlet")
        phone.tap("Thêm hộ")
        phone.type_into("Họ tên chủ hộ", HOUSEHOLD)
        phone.type_into("Địa chỉ (số nhà, xóm)", "Số 7")
        phone.shot("new-household")
        phone.tap("Lưu")
        phone.see("Bắt đầu thăm hộ")
        phone.see(HOUSEHOLD)
        phone.shot("household")
        phone.tap("Bắt đầu thăm hộ")
        phone.see("Kết quả chuyến thăm")
        phone.choose("Không có ai ở nhà (thăm lại)")
        phone.shot("wizard-outcome")
        phone.tap("Tiếp")
        phone.see("Xem lại trước khi lưu")
        phone.shot("wizard-summary")
        phone.tap("Lưu chuyến thăm")
        phone.see("Không có ai ở nhà (thăm lại) (")  # waiting, or sent already: it syncs by itself
        phone.shot("household-visited")

        # Back home: what was saved has gone to the server by itself (sync on every save,
        # the browser's link allowing it), and the badge says the server answered.
        back(phone)
        phone.see("Tìm theo tên chủ hộ, địa chỉ")
        back(phone)
        phone.see("0 bản ghi chờ đồng bộ")
        phone.see("Máy chủ: được lúc")
        phone.shot("home-synced")
        phone.open_card("bản ghi chờ đồng bộ")
        phone.see("Đồng bộ ngay")
        phone.see("Đồng bộ lần cuối")
        phone.shot("sync")
        phone.tap("Đồng bộ ngay")  # nothing left to send: only the roster comes back
        phone.see("Xong: 0 bản ghi mới hoặc đã sửa lên máy chủ")
        phone.shot("sync-done")

        # The server's own database holds what the phone recorded.
        households, visits, outcomes, denominator = server_counts(database_url)
        assert households == 1
        assert visits == 1
        assert outcomes == ["nobody_home"]
        assert denominator == 1  # the hamlet's roster: the one household

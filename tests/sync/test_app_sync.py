"""The app's enrolment and sync screens, headless, against a real server process."""

from __future__ import annotations

import asyncio

import flet as ft

from survey.records import Household
from tests.app.harness import start_app, walk
from tests.survey.builders import completed_visit

from .conftest import Server


async def tap(app, label: str) -> None:
    for control in walk(app.view):
        if isinstance(control, (ft.FilledButton, ft.OutlinedButton, ft.TextButton)) and control.content == label:
            await app.fire(control)
            return
    raise LookupError(f"no button {label!r} in {app.texts()}")


async def type_into(app, label: str, text: str) -> None:
    field = app.find(ft.TextField, label=label)
    app.enter(field, text)
    await app.fire(field, "change")


def test_enrol_then_record_then_sync_from_the_screens(tmp_path, server: Server):
    async def scenario():
        app = await start_app(tmp_path / "phone")
        await app.go("/enrol")
        await type_into(app, "Địa chỉ máy chủ", server.url)
        await type_into(app, "Mã đăng ký một lần", server.code("Hoa"))
        await tap(app, "Đăng ký")
        assert app.view.route == "/" and "Thôn Nà Pàn" in app.texts()
        state = app.router.state
        assert state.enrolled and not state.is_demo

        home = Household(hamlet_id="na-pan", head_name="Nguyễn Văn Bình")
        home.complete()
        state.repo.save_household(home)
        good = completed_visit(home)
        good.complete()
        state.repo.save_visit(good)
        bad = completed_visit(Household(id=home.id, hamlet_id="na-pan", head_name="x"))
        bad.consent = None
        bad.complete()
        state.repo.save_visit(bad)

        await app.go("/sync")
        assert "3 bản ghi chờ đồng bộ" in app.texts()
        await tap(app, "Đồng bộ ngay")
        shown = app.texts()
        assert "0 bản ghi chờ đồng bộ" in shown  # nothing waits for the network...
        assert "1 bản ghi bị máy chủ từ chối: cần sửa" in shown  # ...the refused visit waits for a fix
        assert any("Chưa ghi nhận sự đồng ý" in s for s in shown)  # the server's reason, in Vietnamese
        await tap(app, "Sửa")
        assert app.view.route == f"/visit/{bad.id}"
        assert "Xem lại trước khi lưu" in app.texts()

    asyncio.run(scenario())


def test_a_pending_enrolment_completes_at_the_next_sync(tmp_path, server: Server):
    async def scenario():
        app = await start_app(tmp_path / "phone")
        state = app.router.state
        assert state.request_enrolment(server.url, server.code("Hoa")) == []
        assert not state.enrolled
        report = state.sync_now()
        assert report.ok and state.enrolled
        assert [h.id for h in state.repo.hamlets()] == ["na-pan"]

    asyncio.run(scenario())


def test_demo_data_never_syncs(tmp_path):
    async def scenario():
        app = await start_app(tmp_path / "phone")
        state = app.router.state
        state.use_demo()
        report = state.sync_now()
        assert report.error is not None and report.error.code == "enrolment_required"

    asyncio.run(scenario())


def test_auto_sync_follows_the_setting(tmp_path, server: Server):
    async def scenario():
        app = await start_app(tmp_path / "phone")
        state = app.router.state
        assert state.enrol(server.url, server.code("Hoa")) == []
        home = Household(hamlet_id="na-pan", head_name="Lý Thị Hai")
        home.complete()
        state.repo.save_household(home)
        assert state.should_auto_sync({"wifi"})
        assert not state.should_auto_sync({"mobile"})
        state.set_sync_mode("any")
        assert state.should_auto_sync({"mobile"}) and not state.should_auto_sync({"none"})
        state.set_sync_mode("manual")
        assert not state.should_auto_sync({"wifi"})

    asyncio.run(scenario())


def test_a_wrong_code_or_no_network_leaves_an_enrolled_phone_enrolled(tmp_path, server: Server):
    # Issue 11: Settings → enrol → any wrong code un-enrolled a working phone for good.
    from state import AppState

    state = AppState.open(tmp_path / "phone")
    assert state.enrol(server.url.replace("http://", ""), server.code("Hoa")) == []  # http:// added
    token, enrolment = state.repo.setting("token"), state.enrolment
    for url, code, expected in (
        (server.url, "SAI-MA-0001", "enrolment_code_invalid"),  # wrong
        (server.url, "ab", "enrolment_code_format"),  # not even a code
        ("http://127.0.0.1:1", server.code("Hoa"), "network_unreachable"),  # no server there
        ("http://127.0.0.1:http://127.0.0.1:91009100", server.code("Hoa"), "server_url_invalid"),
    ):
        assert [i.code for i in state.enrol(url, code)] == [expected]
        assert state.enrolled and state.repo.setting("token") == token and state.enrolment == enrolment
    report = state.sync_now()
    assert report.error is None, report.error
    other = server.code("Tú")
    assert state.enrol(server.url, other) == []  # a working new code replaces the enrolment
    assert state.repo.setting("token") != token and state.enrolled
    state.repo.close()


def devices(server: Server) -> int:
    from sqlalchemy import func, select

    from server_sync import db, models

    engine = db.make_engine(server.database_url)
    try:
        with db.session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(models.Device)) or 0)
    finally:
        engine.dispose()


def test_enrolling_again_is_explicit_warned_and_a_wrong_code_changes_nothing_on_the_screens(tmp_path, server: Server):
    # Issue 11 §3: Settings → "Đăng ký với máy chủ của xã" → a wrong code un-enrolled the phone.
    async def scenario():
        app = await start_app(tmp_path / "phone")
        state = app.router.state
        assert await app.router.ctx.io(state.enrol, server.url, server.code("Hoa")) == []
        token, on_server = state.repo.setting("token"), devices(server)
        await app.go("/settings")
        await tap(app, "Đăng ký lại")  # not "enrol": the phone is enrolled, and says so
        assert app.view.route == "/enrol"
        warning = app.find(ft.Text, key="re-enrol-warning").value
        assert server.url in warning and "vẫn giữ đăng ký cũ" in warning
        assert app.find(ft.TextField, label="Mã đăng ký một lần").value == ""  # the spent code is not offered again
        await type_into(app, "Mã đăng ký một lần", "SAI-MA-0001")
        await tap(app, "Đăng ký lại")
        assert app.dialog is not None and app.dialog.title.value == "Đăng ký lại điện thoại này?"
        await app.tap_in_dialog("Hủy")
        assert state.repo.setting("token") == token  # cancelled: nothing was tried
        await tap(app, "Đăng ký lại")
        await app.tap_in_dialog("Có, đăng ký lại")
        shown = app.texts()
        assert any("không đúng" in s for s in shown)  # wrong, used or expired: not a format hint
        assert "Điện thoại vẫn đăng ký như trước và vẫn đồng bộ được." in shown
        assert state.enrolled and state.repo.setting("token") == token
        assert devices(server) == on_server  # a refused code adds no device
        report = await app.router.ctx.network(state.sync_now)
        assert report.error is None

    asyncio.run(scenario())


def test_the_qr_link_opens_the_enrolment_screen_filled_and_a_pasted_link_fills_both_fields(tmp_path, server: Server):
    # Issue 11 §3: the phone's camera opens khaosat://enrol?server=…&code=…; Android hands the
    # app its query as the route, the web build its own address with the same query.
    from server_sync.services import admin

    async def scenario():
        app = await start_app(tmp_path / "phone")
        assert "Chào mừng bạn!" in app.texts()  # not set up: the link still reaches the enrolment
        code = server.code("Hoa")
        link = admin.enrol_link(server.url, code)
        await app.go("/?" + link.split("?", 1)[1])
        assert app.view.route == "/enrol"
        assert app.find(ft.TextField, label="Địa chỉ máy chủ").value == server.url
        assert app.find(ft.TextField, label="Mã đăng ký một lần").value == code
        await app.go("/welcome")
        await app.go("/enrol")
        assert app.find(ft.TextField, label="Mã đăng ký một lần").value == ""  # the link filled it once
        await type_into(app, "Mã đăng ký một lần", "  " + link + "\n")  # the whole link pasted
        assert app.find(ft.TextField, label="Địa chỉ máy chủ").value == server.url
        assert app.find(ft.TextField, label="Mã đăng ký một lần").value == code
        assert "Đã điền địa chỉ máy chủ và mã từ đường dẫn." in app.texts()
        await tap(app, "Đăng ký")
        assert app.view.route == "/" and "Thôn Nà Pàn" in app.texts()
        assert app.router.state.enrolled

    asyncio.run(scenario())


def test_a_household_brought_back_onto_the_roster_is_followed_by_the_server(tmp_path, server: Server):
    # Issue 11 §1: a mis-tapped "moved away" could not be undone; re-adding made a second record.
    from sqlalchemy import select
    from state import AppState
    from wizard import VisitWizard

    from server_sync import db, models

    def on_server(household_id: str) -> tuple[object, int]:
        engine = db.make_engine(server.database_url)
        try:
            with db.session_factory(engine)() as session:
                home = session.get(models.Household, household_id)
                assert home is not None
                count = len(list(session.scalars(select(models.Household.id))))
                return home.removed_at, count
        finally:
            engine.dispose()

    state = AppState.open(tmp_path / "phone")
    assert state.enrol(server.url, server.code("Hoa")) == []
    home, _ = state.add_household("na-pan", "Đinh Văn Lực", "Số 3")
    assert home is not None
    wizard = state.start_visit(home.id)
    assert isinstance(wizard, VisitWizard)
    wizard.set_outcome("moved")
    state.save_visit(wizard)
    assert state.sync_now().error is None
    removed_at, households = on_server(home.id)
    assert removed_at is not None
    restored, issues = state.restore_household(home.id)
    assert restored is not None, issues
    report = state.sync_now()
    assert report.error is None and report.accepted >= 1
    assert on_server(home.id) == (None, households)  # back on the roster, and not a second record
    state.repo.close()


def waiting(state) -> int:
    return state.repo.waiting()["complete"]


def test_records_sync_by_themselves_on_start_and_after_a_save_and_the_badge_says_if_the_server_answered(
    tmp_path, server: Server
):
    # Issue 11 §4: auto-sync ran only on a change of network: records saved while online never
    # synced, and nothing synced when the app opened with 20 records waiting; the badge said
    # "Có mạng" while the server was down.
    from state import AppState

    folder = tmp_path / "phone"
    state = AppState.open(folder)
    assert state.enrol(server.url, server.code("Hoa")) == []
    state.set_sync_mode("any")
    for n in range(20):
        home, issues = state.add_household("na-pan", f"Hộ số {n}", f"Số {n}")
        assert home is not None, issues
    assert waiting(state) == 20
    state.repo.close()

    async def scenario():
        app = await start_app(folder)  # opened with 20 records waiting
        state = app.router.state
        assert waiting(state) == 0  # sent on start, nobody tapped anything
        badge = app.find(ft.Text, key="sync-badge").value
        assert badge.startswith("Máy chủ: được lúc")
        await app.go("/hamlet/na-pan/new")
        await type_into(app, "Họ tên chủ hộ", "Đặng Văn Tư")
        await tap(app, "Lưu")
        assert waiting(state) == 0  # saved while online: sent right after the save

        # the server is gone (the address now leads nowhere): the badge says so, the record waits
        enrolment = dict(state.enrolment)
        state.repo.set_setting("enrolment", {**enrolment, "server_url": "http://127.0.0.1:9"})
        await app.go("/hamlet/na-pan/new")
        await type_into(app, "Họ tên chủ hộ", "Đặng Thị Năm")
        await tap(app, "Lưu")
        assert waiting(state) == 1
        await app.go("/")
        assert app.find(ft.Text, key="sync-badge").value.startswith("Không tới được máy chủ lúc")

        # back again: the periodic try sends it, with no tap
        state.repo.set_setting("enrolment", enrolment)
        await app.router.auto_sync()
        assert waiting(state) == 0
        assert app.find(ft.Text, key="sync-badge").value.startswith("Máy chủ: được lúc")

        # "manual": nothing goes by itself, and the save says how to send
        await app.router.ctx.io(state.set_sync_mode, "manual")
        household = state.repo.households("na-pan")[0].household
        await app.go(f"/household/{household.id}")
        await tap(app, "Bắt đầu thăm hộ")
        group = app.find(ft.RadioGroup, key="outcome")
        await app.choose(group, "nobody_home")
        await tap(app, "Tiếp")
        await tap(app, "Lưu chuyến thăm")
        assert app.dialog.content.value == "Đã lưu chuyến thăm. Bấm «Đồng bộ ngay» để gửi."
        assert waiting(state) == 1

    asyncio.run(scenario())


def server_records(server: Server) -> tuple[int, int]:
    from sqlalchemy import func, select

    from server_sync import db, models

    engine = db.make_engine(server.database_url)
    try:
        with db.session_factory(engine)() as session:
            households = session.scalar(select(func.count()).select_from(models.Household))
            visits = session.scalar(select(func.count()).select_from(models.Visit))
            return int(households or 0), int(visits or 0)
    finally:
        engine.dispose()


def test_a_backup_saved_off_the_phone_restores_on_a_new_phone_without_duplicating_anything(tmp_path, server: Server):
    # Issue 11 §5: the backup went into the app's private folder, and nothing could restore it.
    from state import AppState

    old = AppState.open(tmp_path / "old-phone")
    assert old.enrol(server.url, server.code("Hoa")) == []
    old.set_sync_mode("manual")
    homes = [old.add_household("na-pan", name, "Xóm Chợ")[0] for name in ("Vi Văn Sáng", "Hà Thị Lan")]
    assert all(homes)
    wizard = old.start_visit(homes[0].id)
    wizard.set_outcome("nobody_home")
    old.save_visit(wizard)
    assert old.sync_now().error is None  # two households and a visit on the server
    wizard = old.start_visit(homes[1].id)
    wizard.set_outcome("declined")
    unsent = old.save_visit(wizard)  # ...and one visit that never left the old phone
    old.repo.close()
    before = server_records(server)

    async def save_on_the_old_phone() -> bytes:
        app = await start_app(tmp_path / "old-phone")
        app.client.answers["save_file"] = "/storage/emulated/0/Download/sao-luu.json"
        await app.go("/settings")
        await tap(app, "Lưu tệp sao lưu…")
        [args] = [a for name, a in app.client.calls if name == "save_file"]
        assert args["file_name"].startswith("sao-luu-") and app.dialog.content.value.startswith("Đã lưu tệp sao lưu")
        return args["src_bytes"]

    backup = asyncio.run(save_on_the_old_phone())
    assert b"token" not in backup and server.url.encode() not in backup  # no credentials in it

    async def restore_on_a_new_phone() -> None:
        app = await start_app(tmp_path / "new-phone")
        state = app.router.state
        assert await app.router.ctx.io(state.enrol, server.url, server.code("Hoa")) == []
        await app.router.ctx.io(state.set_sync_mode, "manual")
        await app.go("/settings")
        app.client.answers["pick_files"] = [{"id": 0, "name": "x.json", "size": 9, "bytes": list(b"not json!")}]
        await tap(app, "Khôi phục từ tệp sao lưu…")
        assert app.dialog.content.value.startswith("Tệp này không phải tệp sao lưu")
        app.client.answers["pick_files"] = [{"id": 0, "name": "b.json", "size": len(backup), "bytes": list(backup)}]
        await tap(app, "Khôi phục từ tệp sao lưu…")
        said = app.dialog.content.value
        assert said.startswith("Đã khôi phục") and "2 lượt thăm" in said  # the roster had the households
        assert state.repo.visit(unsent.id) is not None
        assert state.repo.waiting()["complete"] == 1  # only the visit the server never had waits
        await tap(app, "Khôi phục từ tệp sao lưu…")  # restoring twice adds nothing
        assert "0 hộ, 0 lượt thăm" in app.dialog.content.value
        report = await app.router.ctx.network(state.sync_now)
        assert report.error is None and report.accepted == 1

    asyncio.run(restore_on_a_new_phone())
    assert server_records(server) == (before[0], before[1] + 1)
    old = AppState.open(tmp_path / "old-phone")  # the old phone turns up and syncs after all
    report = old.sync_now()
    assert report.error is None and report.duplicate == 1 and report.accepted == 0
    assert server_records(server) == (before[0], before[1] + 1)  # nothing twice
    old.repo.close()


def test_a_household_merged_away_on_the_dashboard_leaves_the_phone_and_an_undo_brings_it_back(tmp_path, server: Server):
    # Issue 12 §4: "the phones follow" a merge of duplicates and its undo, through the roster pull.
    from state import AppState

    from server_sync import db
    from server_sync.services import merges, staff

    def on_server(work) -> object:
        engine = db.make_engine(server.database_url)
        try:
            with db.session_factory(engine)() as session:
                done = work(session)
                session.commit()
                return done
        finally:
            engine.dispose()

    state = AppState.open(tmp_path / "phone")
    assert state.enrol(server.url, server.code("Hoa")) == []
    kept, _ = state.add_household("na-pan", "Đinh Văn Lực", "Số 3")
    dropped, _ = state.add_household("na-pan", "Dinh Van Luc", "3")
    assert kept is not None and dropped is not None
    assert state.sync_now().error is None
    admin = on_server(lambda s: staff.create_staff(s, "06577", "quan.tri", "Quản trị", "admin", "quan-tri-2026-x").id)
    merge_id = on_server(lambda s: merges.merge(s, kept.id, dropped.id, admin, hamlet_id="na-pan"))

    assert state.sync_now().error is None
    gone = state.repo.household(dropped.id)
    assert (gone.removed_at is not None, gone.removed_reason) == (True, "duplicate")
    assert state.repo.household(kept.id).removed_at is None

    on_server(lambda s: merges.undo(s, merge_id, admin, hamlet_id="na-pan"))
    assert state.sync_now().error is None
    back = state.repo.household(dropped.id)
    assert (back.removed_at, back.removed_reason) == (None, None)  # on the phone's roster again
    state.repo.close()


def _set_paused(server: Server, volunteer: str, paused: bool) -> None:
    """What commune staff do on the dashboard or the command line: services/volunteers.py."""
    from server_sync import db, models
    from server_sync.services import volunteers

    engine = db.make_engine(server.database_url)
    try:
        with db.session_factory(engine).begin() as session:
            person = session.get_one(models.Volunteer, server.volunteers[volunteer])
            (volunteers.deactivate if paused else volunteers.reactivate)(session, person)
    finally:
        engine.dispose()


def test_a_paused_volunteers_phone_says_so_keeps_its_records_and_syncs_once_reactivated(tmp_path, server: Server):
    async def scenario():
        app = await start_app(tmp_path / "phone")
        await app.go("/enrol")
        await type_into(app, "Địa chỉ máy chủ", server.url)
        await type_into(app, "Mã đăng ký một lần", server.code("Hoa"))
        await tap(app, "Đăng ký")
        state = app.router.state
        home = Household(hamlet_id="na-pan", head_name="Nguyễn Văn Bình")
        home.complete()
        state.repo.save_household(home)

        _set_paused(server, "Hoa", True)
        await app.go("/sync")
        await tap(app, "Đồng bộ ngay")
        assert any("Tài khoản tình nguyện viên của bạn đang tạm dừng" in s for s in app.texts())
        assert "1 bản ghi chờ đồng bộ" in app.texts()  # kept, waiting
        await app.go("/")
        warning = app.find(ft.Text, key="sync-refused").value
        assert "đang tạm dừng" in warning and "an toàn trên điện thoại" in warning
        assert state.sync_counts()["complete"] == 1

        _set_paused(server, "Hoa", False)
        await app.go("/sync")
        await tap(app, "Đồng bộ ngay")
        assert "0 bản ghi chờ đồng bộ" in app.texts()
        await app.go("/")
        assert not [c for c in walk(app.view) if isinstance(c, ft.Text) and c.key == "sync-refused"]

    asyncio.run(scenario())

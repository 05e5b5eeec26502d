"""Every screen driven headless through the real router, state and on-disk store."""

from __future__ import annotations

import asyncio

import flet as ft
from state import AppState

from .harness import App, start_app


def run(scenario):
    return asyncio.run(scenario())


async def tap(app: App, label: str) -> None:
    for control in _walk_buttons(app):
        if getattr(control, "content", None) == label:
            await app.fire(control)
            return
    raise LookupError(f"no button {label!r} in {app.texts()}")


def _walk_buttons(app: App):
    from .harness import walk

    for control in walk(app.view):
        if isinstance(control, (ft.FilledButton, ft.OutlinedButton, ft.TextButton)):
            yield control


async def type_into(app: App, label: str, text: str) -> None:
    field = app.find(ft.TextField, label=label)
    app.enter(field, text)
    await app.fire(field, "change")


async def choose_radio(app: App, key: str, value: str) -> None:
    group = app.find(ft.RadioGroup, key=key)
    await app.choose(group, value)


async def tick(app: App, key: str) -> None:
    box = app.find(ft.Checkbox, key=key)
    await app.choose(box, True)


async def demo_app(tmp_path) -> App:
    app = await start_app(tmp_path)
    await tap(app, "Dùng thử với dữ liệu mẫu")
    return app


def test_demo_then_home_lists_demo_hamlets(tmp_path):
    async def scenario():
        app = await demo_app(tmp_path)
        assert app.view.route == "/"
        shown = app.texts()
        assert "Thôn Nà Pàn" in shown and "4/12 hộ đã khảo sát" in "\n".join(shown)
        assert any("DỮ LIỆU MẪU" in s for s in shown)

    run(scenario)


def test_language_switch_to_english_on_first_run(tmp_path):
    async def scenario():
        app = await start_app(tmp_path)
        await tap(app, "English")
        await app.settle()
        assert "Welcome!" in app.texts()
        await tap(app, "Try with demo data")
        assert "My hamlets" in app.texts()

    run(scenario)


def test_enrolment_form_checks_input_and_keeps_it(tmp_path):
    async def scenario():
        app = await start_app(tmp_path)
        await app.go("/enrol")
        await type_into(app, "Địa chỉ máy chủ", "not a url")
        await type_into(app, "Mã đăng ký một lần", "12")
        await tap(app, "Đăng ký")
        assert any("không hợp lệ" in s for s in app.texts())
        # No server answers there (a closed port on this machine): the phone keeps the code
        # and enrols at the next sync.
        await type_into(app, "Địa chỉ máy chủ", "http://127.0.0.1:9")
        await type_into(app, "Mã đăng ký một lần", "ABCD-1234")
        await tap(app, "Đăng ký")
        state = AppState.open(tmp_path)
        assert state.enrolment == {"server_url": "http://127.0.0.1:9", "code": "ABCD-1234", "status": "pending"}
        assert app.view.route == "/"

    run(scenario)


def test_hamlet_search_without_diacritics_and_filters(tmp_path):
    async def scenario():
        app = await demo_app(tmp_path)
        await app.go("/hamlet/demo-na-pan")
        await tap(app, "Thêm hộ") if False else None
        await app.go("/hamlet/demo-na-pan/new")
        await type_into(app, "Họ tên chủ hộ", "Nguyễn Văn Bình")
        await type_into(app, "Địa chỉ (số nhà, xóm)", "Số 99")
        await tap(app, "Lưu")
        assert app.view.route.startswith("/household/")
        await app.go("/hamlet/demo-na-pan")
        search = app.find(ft.TextField, key="search")
        app.enter(search, "nguyen van binh")
        await app.fire(search, "change")
        assert "Nguyễn Văn Bình" in app.texts()
        assert len([c for c in app.view.controls[-1].controls if isinstance(c, ft.ListTile)]) == 1
        app.enter(search, "")
        await app.fire(search, "change")
        await tap(app, "Chưa thăm")
        assert app.find(ft.FilledButton, key="filter:not_visited")  # the chosen filter shows as chosen
        tiles = [c for c in app.view.controls[-1].controls if isinstance(c, ft.ListTile)]
        assert len(tiles) == 9  # 12 demo households, 4 visited, plus the new one

    run(scenario)


def test_full_visit_through_the_wizard(tmp_path):
    async def scenario():
        app = await demo_app(tmp_path)
        state = app.router.state
        household, _ = state.add_household("demo-na-pan", "Nguyễn Văn Bình", "Số 99")
        await app.go(f"/household/{household.id}")
        await tap(app, "Bắt đầu thăm hộ")
        assert app.view.route.startswith("/visit/")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        assert "Bước 2/9" in app.texts()
        await tap(app, "Tiếp")  # consent not given yet: stays, says why
        assert any("Chưa ghi nhận sự đồng ý" in s for s in app.texts())
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Chủ hộ")
        await tick_consent(app)
        await tap(app, "Tiếp")
        await type_into(app, "Số nhân khẩu của hộ", "4")
        for relation, year, sex in (
            ("head", 1978, "male"),
            ("spouse", 1980, "female"),
            ("child", 2012, "male"),
            ("child", 2016, "female"),
        ):
            await tap(app, "Thêm thành viên")
            member = app.router.state.resume(_draft(app)).visit.members[-1]
            await choose_radio(app, f"{member.id}:relation", relation)
            field = app.find(ft.TextField, key=f"{member.id}:birth_year")
            app.enter(field, str(year))
            await app.fire(field, "change")
            await choose_radio(app, f"{member.id}:sex", sex)
        await tap(app, "Tiếp")
        assert any(s.startswith("Người lớn: Chủ hộ") for s in app.texts())
        wizard = state.resume(_draft(app))
        head, spouse = wizard.adults_asked()
        for key, value in (
            ("phone_type", "smartphone"),
            ("vneid", "level2"),
            ("vneid_seen", "seen"),
            ("online_services", "used"),
        ):
            await choose_radio(app, f"{head.id}:{key}", value)
        await tick(app, f"{head.id}:payment_accounts:bank_app")
        await tap(app, "Tiếp")
        for key, value in (("phone_type", "feature_phone"), ("vneid", "none"), ("online_services", "not_used")):
            await choose_radio(app, f"{spouse.id}:{key}", value)
        await tick(app, f"{spouse.id}:payment_accounts:none")
        await tap(app, "Tiếp")
        await tick(app, "household:guided_services:health")
        await tap(app, "Tiếp")
        await choose_radio(app, "household:waste_sorting", "yes")
        await tap(app, "Tiếp")
        await choose_radio(app, "household:is_business", "yes")
        await tick(app, "household:business_tools:cashless")
        await tap(app, "Thêm sản phẩm")
        product = app.find(ft.TextField, label="Tên sản phẩm")
        app.enter(product, "Miến dong")
        await app.fire(product, "change")
        await tap(app, "Tiếp")
        await tap(app, "Tiếp")  # guidance: optional
        assert any("Hỗ trợ đăng ký tài khoản VNeID" in s for s in app.texts())
        await tap(app, "Tiếp")
        assert "Xem lại trước khi lưu" in app.texts()
        await tap(app, "Lưu chuyến thăm")
        assert app.view.route == f"/household/{household.id}"
        shown = app.texts()
        assert any("Đã khảo sát xong" in s and "chờ đồng bộ" in s for s in shown)
        assert any("Hỗ trợ đăng ký tài khoản VNeID" in s for s in shown)
        progress = {p.hamlet.id: p for p in state.hamlet_progress()}["demo-na-pan"]
        assert (progress.visited, progress.total) == (5, 13)
        await app.go("/follow-ups")
        assert any("Hỗ trợ đăng ký tài khoản VNeID (Vợ/chồng, sinh 1980)" in s for s in app.texts())

    run(scenario)


async def tick_consent(app: App) -> None:
    box = next(c for c in _walk(app) if isinstance(c, ft.Checkbox))
    await app.choose(box, True)


def _walk(app: App):
    from .harness import walk

    return walk(app.view)


def _draft(app: App) -> str:
    return app.view.route.split("/")[-1]


def test_restart_mid_wizard_offers_to_resume_exactly_there(tmp_path):
    async def first_run():
        app = await demo_app(tmp_path)
        household, _ = app.router.state.add_household("demo-na-pan", "Lý Thị Hoa")
        await app.go(f"/household/{household.id}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Bà Hoa")
        await tick_consent(app)
        await tap(app, "Tiếp")
        await type_into(app, "Số nhân khẩu của hộ", "2")
        return _draft(app)

    key = run(first_run)

    async def second_run():
        app = await start_app(tmp_path)  # the process was killed; a new one starts
        dialog = app.page.overlay[-1] if app.page.overlay else None
        dialogs = [c for c in app.page._dialogs.controls] if hasattr(app.page, "_dialogs") else []
        shown = dialogs[-1] if dialogs else dialog
        assert shown is not None and "Lý Thị Hoa" in shown.content.value
        resume = shown.actions[-1]
        await app.fire(resume)
        assert app.view.route == f"/visit/{key}"
        assert "Bước 3/6" in app.texts() or any("Bước 3/" in s for s in app.texts())
        assert app.find(ft.TextField, label="Số nhân khẩu của hộ").value == "2"

    run(second_run)


def test_settings_change_language_adult_age_and_export(tmp_path):
    async def scenario():
        app = await demo_app(tmp_path)
        await app.go("/settings")
        age = app.find(ft.Dropdown, label="Tuổi tính là người lớn")
        await app.choose(age, "15")
        assert app.router.state.adult_age == 15
        await tap(app, "Lưu tệp sao lưu…")  # no save dialog on this client: the app folder
        exports = list((tmp_path / "exports").glob("sao-luu-*.json"))
        assert len(exports) == 1 and "Thôn Nà Pàn" in exports[0].read_text("utf-8")
        language = app.find(ft.Dropdown, label="Ngôn ngữ")
        await app.choose(language, "en")
        assert "Settings" in app.texts() and "Language" in app.texts()
        await app.go("/follow-ups")
        shown = app.texts()
        assert "Needs help" in shown and "Hamlet" in shown
        assert any(s.strip().startswith("• Help") for s in shown)

    run(scenario)

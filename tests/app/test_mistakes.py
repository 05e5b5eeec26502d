"""Issue 11 §1–§2: every mistake a volunteer makes can be put right, and every error shows
where the volunteer is looking. Headless, through the real router, state and store."""

from __future__ import annotations

import flet as ft
from state import AppState, row_state

from survey.records import FollowUp, Hamlet, Status
from tests.survey.builders import completed_visit

from .harness import App, start_app, walk
from .test_screens import choose_radio, run, tap, type_into

HAMLET = "na-pan"


def phone_with_households(tmp_path) -> tuple[AppState, dict[str, str]]:
    state = AppState.open(tmp_path)
    state.repo.save_hamlets([Hamlet(id=HAMLET, name="Thôn Nà Pàn")])
    ids = {}
    for name, address, phone in (
        ("Nguyễn Văn Bình", "Số 7, xóm Chợ", "0912 345 678"),
        ("Lý Thị Hoa", "Số 9", ""),
    ):
        home, issues = state.add_household(HAMLET, name, address, phone)
        assert home is not None, issues
        ids[name] = home.id
    state.repo.close()
    return state, ids


def tiles(app: App) -> list[str]:
    return [c.title.value for c in walk(app.view) if isinstance(c, ft.ListTile)]


async def search(app: App, text: str) -> None:
    field = app.find(ft.TextField, key="search")
    app.enter(field, text)
    await app.fire(field, "change")


def test_a_mis_tapped_moved_away_is_found_and_brought_back(tmp_path):
    _, ids = phone_with_households(tmp_path)
    binh = ids["Nguyễn Văn Bình"]

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/household/{binh}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "moved")
        await tap(app, "Tiếp")
        await tap(app, "Lưu chuyến thăm")
        await app.go(f"/hamlet/{HAMLET}")
        assert tiles(app) == ["Lý Thị Hoa"]  # off the list to visit...
        await tap(app, "Chuyển đi / trùng")
        assert tiles(app) == ["Nguyễn Văn Bình"]  # ...but under its own filter
        await tap(app, "Tất cả")
        await search(app, "nguyen van binh")
        assert tiles(app) == ["Nguyễn Văn Bình"]  # and search finds it, marked so
        assert any("Đã chuyển đi / trùng hộ" in s for s in app.texts())
        await app.go(f"/household/{binh}")
        warning = app.find(ft.Text, key="household-removed").value
        assert "đã chuyển đi" in warning and "/" in warning  # when, as dd/mm/yyyy
        await tap(app, "Đưa hộ trở lại danh sách")
        assert "Đưa hộ trở lại danh sách" not in [getattr(c, "content", None) for c in walk(app.view)]
        await app.go(f"/hamlet/{HAMLET}")
        assert sorted(tiles(app)) == ["Lý Thị Hoa", "Nguyễn Văn Bình"]

    run(scenario)
    state = AppState.open(tmp_path)
    home = state.repo.household(binh)
    assert home is not None and home.removed_at is None and home.removed_reason is None
    assert home.status is Status.COMPLETE  # a change that goes out at the next sync
    [row] = [r for r in state.repo.households(HAMLET) if r.household.id == binh]
    assert row_state(row) == "not_visited"  # back on the roster: it waits for a visit again
    assert len(state.repo.households(HAMLET)) == 2  # nothing was added twice


def test_a_likely_duplicate_is_named_before_it_is_added(tmp_path):
    _, ids = phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/hamlet/{HAMLET}/new")
        # the same house typed without diacritics, punctuation or the same spaces
        await type_into(app, "Họ tên chủ hộ", "nguyen van  binh")
        await type_into(app, "Địa chỉ (số nhà, xóm)", "so 7 xom cho")
        await tap(app, "Lưu")
        assert app.view.route == f"/hamlet/{HAMLET}/new"  # not saved yet
        shown = app.texts()
        assert "Có thể trùng với hộ đã có:" in shown and "Nguyễn Văn Bình" in shown
        assert "Số 7, xóm Chợ · 0912 345 678" in shown
        await tap(app, "Mở hộ này")
        assert app.view.route == f"/household/{ids['Nguyễn Văn Bình']}"

        # the same phone number, written another way, under another name
        await app.go(f"/hamlet/{HAMLET}/new")
        await type_into(app, "Họ tên chủ hộ", "Trần Thị Mai")
        await type_into(app, "Số điện thoại (không bắt buộc)", "0912.345.678")
        await tap(app, "Lưu")
        assert "Có thể trùng với hộ đã có:" in app.texts()
        await tap(app, "Vẫn thêm hộ mới")  # it is another household after all
        assert app.view.route.startswith("/household/") and "Trần Thị Mai" in app.texts()

        # a household of its own is added at the first tap
        await app.go(f"/hamlet/{HAMLET}/new")
        await type_into(app, "Họ tên chủ hộ", "Nguyễn Văn Bình")
        await type_into(app, "Địa chỉ (số nhà, xóm)", "Số 70")
        await tap(app, "Lưu")
        assert app.view.route.startswith("/household/")

    run(scenario)
    names = sorted(r.household.head_name for r in AppState.open(tmp_path).repo.households(HAMLET))
    assert names == ["Lý Thị Hoa", "Nguyễn Văn Bình", "Nguyễn Văn Bình", "Trần Thị Mai"]


def test_a_phone_number_is_found_by_its_digits(tmp_path):
    phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/hamlet/{HAMLET}")
        for typed in ("0912345678", "0912 345 678", "345678", "345 678", "+84 912.345.678", "84912345678"):
            await search(app, typed)
            assert tiles(app) == ["Nguyễn Văn Bình"], typed
        await search(app, "0912345679")
        assert tiles(app) == []

    run(scenario)


def test_a_revisit_opens_with_the_last_answers_and_says_so(tmp_path):
    state, ids = phone_with_households(tmp_path)
    state = AppState.open(tmp_path)
    home = state.repo.household(ids["Lý Thị Hoa"])
    assert home is not None
    previous = completed_visit(home, visited_at="2026-10-05T09:00:00+07:00")
    previous.complete()
    state.repo.save_visit(previous)
    state.repo.close()

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/household/{home.id}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Bà Hoa")
        box = next(c for c in walk(app.view) if isinstance(c, ft.Checkbox))
        await app.choose(box, True)
        await tap(app, "Tiếp")
        assert app.find(ft.Text, key="prefilled").value.startswith("Đã điền sẵn từ lần thăm ngày 05/10/2026")
        assert app.find(ft.TextField, label="Số nhân khẩu của hộ").value == "2"
        await tap(app, "Tiếp")  # the roster confirmed as it was
        adult = previous.members[0]
        assert app.find(ft.RadioGroup, key=f"{adult.id}:vneid").value == "level2"

    run(scenario)


def test_next_with_a_missing_answer_marks_the_field_and_scrolls_to_it_and_a_new_step_opens_at_its_top(tmp_path):
    _, ids = phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/household/{ids['Lý Thị Hoa']}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        app.client.calls.clear()
        await tap(app, "Tiếp")
        assert ("scroll_to", {"offset": 0, "delta": None, "scroll_key": None, "duration": 0, "curve": "ease"}) in [
            (n, {**a, "curve": str(getattr(a.get("curve"), "value", a.get("curve")))}) for n, a in app.client.calls
        ]  # the consent step opens at its top
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Bà Hoa")
        box = next(c for c in walk(app.view) if isinstance(c, ft.Checkbox))
        await app.choose(box, True)
        await tap(app, "Tiếp")
        app.client.calls.clear()
        await tap(app, "Tiếp")  # the member count is missing
        count = app.find(ft.TextField, label="Số nhân khẩu của hộ")
        assert count.error and "Số nhân khẩu của hộ" in count.error  # on the field itself
        # the step's own problem (nobody listed) is drawn first, under the title, and shown
        body = app.view.controls[-1].controls[0].controls  # this drawing of the step
        problem = body[2].controls[1].value  # an icon, then the words
        assert isinstance(body[2].controls[0], ft.Icon) and "thành viên" in problem
        assert [a["offset"] for n, a in app.client.calls if n == "scroll_to"] == [0]
        await type_into(app, "Số nhân khẩu của hộ", "1")  # typing still works after the redraw
        await tap(app, "Thêm thành viên")
        member = app.router.state.resume(app.view.route.rsplit("/", 1)[1]).visit.members[-1]
        await choose_radio(app, f"{member.id}:relation", "head")
        app.client.calls.clear()
        await tap(app, "Tiếp")  # no birth year, no sex yet
        assert app.find(ft.TextField, key=f"{member.id}:birth_year").error
        scrolled = [a["scroll_key"] for n, a in app.client.calls if n == "scroll_to"]
        assert scrolled == [f"{member.id}:birth_year"]  # to the first problem, a field well below the top

    run(scenario)


def test_removing_a_member_can_be_undone_and_discarding_a_visit_is_asked_twice(tmp_path):
    _, ids = phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        state = app.router.state
        await app.go(f"/household/{ids['Lý Thị Hoa']}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Bà Hoa")
        box = next(c for c in walk(app.view) if isinstance(c, ft.Checkbox))
        await app.choose(box, True)
        await tap(app, "Tiếp")
        await tap(app, "Thêm thành viên")
        key = app.view.route.rsplit("/", 1)[1]
        member = state.resume(key).visit.members[-1]
        await choose_radio(app, f"{member.id}:relation", "head")
        await tap(app, "Xóa")
        assert state.resume(key).visit.members == []
        assert "Đã xóa Chủ hộ khỏi danh sách." in app.texts()  # said on the roster, with the way back
        await tap(app, "Hoàn tác")
        [back] = state.resume(key).visit.members
        assert (back.id, back.relation) == (member.id, "head")  # with what was answered

        # leaving: the destructive choice stands apart and is asked again
        await tap(app, "Quay lại")
        await tap(app, "Quay lại")
        await tap(app, "Quay lại")
        dialog = app.dialog
        assert isinstance(dialog, ft.AlertDialog)
        first, rest = dialog.actions
        assert first.content == "Bỏ chuyến thăm này" and isinstance(rest, ft.Row)
        assert [c.content for c in rest.controls] == ["Ở lại", "Lưu nháp và thoát"]
        await app.tap_in_dialog("Bỏ chuyến thăm này")
        assert app.dialog.title.value == "Bỏ hẳn chuyến thăm này?"
        await app.tap_in_dialog("Lưu nháp và thoát")  # changed their mind: nothing lost
        assert state.repo.draft(key) is not None
        await tap(app, "Quay lại")
        await app.tap_in_dialog("Bỏ chuyến thăm này")
        await app.tap_in_dialog("Bỏ chuyến thăm")
        assert state.repo.draft(key) is None

    run(scenario)


def test_the_phone_follows_the_communes_adult_age_and_labels_its_own_choice(tmp_path):
    # Issue 11 §4: the phone's adult-age setting silently changed the home figures away from
    # the commune's.
    from survey.indicators import default_config

    state, _ = phone_with_households(tmp_path)
    state = AppState.open(tmp_path)
    state.repo.set_setting("config", {**default_config().to_dict(), "adult_age": 15})  # as the server sent it
    state.repo.close()

    async def scenario():
        app = await start_app(tmp_path)
        state = app.router.state
        assert (state.adult_age, state.config.adult_age, state.local_adult_age) == (15, 15, None)
        assert "adult-age-differs" not in [getattr(c, "key", None) for c in walk(app.view)]
        await app.go("/settings")
        age = app.find(ft.Dropdown, label="Tuổi tính là người lớn")
        assert age.value == "commune" and age.options[0].text == "Theo xã (15 tuổi)"
        await app.choose(age, "18")
        assert state.config.adult_age == 18
        await app.go("/")
        label = app.find(ft.Text, key="adult-age-differs").value
        assert "từ 18 tuổi" in label and "xã tính từ 15 tuổi" in label
        await app.go("/settings")
        await app.choose(app.find(ft.Dropdown, label="Tuổi tính là người lớn"), "commune")
        assert (state.adult_age, state.local_adult_age) == (15, None)

    run(scenario)


def test_back_goes_where_the_volunteer_came_from_and_never_past_an_unsaved_visit(tmp_path):
    # Issue 11 §5: Back from a household opened from "Cần hỗ trợ" went to the hamlet list; in the
    # web build, the browser's Back right after saving showed a blank "Không tìm thấy", and Back
    # in the wizard skipped the leave dialog.
    state, ids = phone_with_households(tmp_path)
    state = AppState.open(tmp_path)
    home = state.repo.household(ids["Lý Thị Hoa"])
    assert home is not None
    previous = completed_visit(home, follow_ups=[FollowUp(code="online_safety")])  # a need left open
    previous.complete()
    state.repo.save_visit(previous)
    state.repo.close()

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/follow-ups/{HAMLET}")
        await tap(app, "Lý Thị Hoa")
        assert app.page.route == f"/household/{home.id}?from=/follow-ups/{HAMLET}"
        assert [v.route for v in app.page.views] == ["/", f"/follow-ups/{HAMLET}", f"/household/{home.id}"]
        await app.router.popped(None)  # the app bar's arrow, Android's back
        await app.settle()
        assert app.view.route == f"/follow-ups/{HAMLET}"

        await app.go(f"/household/{home.id}")
        await tap(app, "Bắt đầu thăm hộ")
        visit_route = app.view.route
        await choose_radio(app, "outcome", "nobody_home")
        await app.go(f"/household/{home.id}")  # the browser's Back
        assert app.view.route == visit_route and isinstance(app.dialog, ft.AlertDialog)
        assert app.dialog.title.value == "Rời chuyến thăm?"
        await app.tap_in_dialog("Ở lại")
        await tap(app, "Tiếp")
        await tap(app, "Lưu chuyến thăm")
        assert app.view.route == f"/household/{home.id}"
        await app.go(visit_route)  # the browser's Back right after saving
        assert "Không tìm thấy." not in app.texts() and "Lý Thị Hoa" in app.texts()

    run(scenario)


def test_words_say_what_is_true_and_every_control_has_a_vietnamese_name(tmp_path):
    # Issue 11 §5: a 16-year-old was labelled "(người lớn)" with the adult age at 18; the
    # follow-ups hint said "already ticked" of items that cannot be unticked; screen readers
    # heard English, and the product delete button and the hamlet picker had no name.
    phone_with_households(tmp_path)
    state = AppState.open(tmp_path)
    state.repo.save_hamlets([Hamlet(id=HAMLET, name="Thôn Nà Pàn"), Hamlet(id="ban-cao", name="Thôn Bản Cao")])
    state.repo.close()

    async def scenario():
        app = await start_app(tmp_path)
        assert app.page.locale_configuration.current_locale.language_code == "vi"  # Flutter's own words
        home = app.router.state.repo.households(HAMLET)[0].household
        await app.go(f"/household/{home.id}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Bà Hoa")
        box = next(c for c in walk(app.view) if isinstance(c, ft.Checkbox))
        await app.choose(box, True)
        await tap(app, "Tiếp")
        year = app.router.state.config.today(app.router.state.clock).year
        for born in (year - 16, year - 40):
            await tap(app, "Thêm thành viên")
            member = app.router.state.resume(app.view.route.rsplit("/", 1)[1]).visit.members[-1]
            field = app.find(ft.TextField, key=f"{member.id}:birth_year")
            app.enter(field, str(born))
            await app.fire(field, "change")
            await choose_radio(app, f"{member.id}:sex", "female")  # a tap redraws the headings
        shown = app.texts()
        assert "Thành viên 1 (từ 15 tuổi: hỏi phần người lớn)" in shown  # 16: asked, not counted
        assert "Thành viên 2 (người lớn)" in shown
        await app.go(f"/follow-ups/{HAMLET}")  # away from the visit: asked first
        await app.tap_in_dialog("Lưu nháp và thoát")
        await app.go(f"/follow-ups/{HAMLET}")
        picker = next(c for c in walk(app.view) if isinstance(c, ft.Semantics) and c.identifier == "follow-up-hamlet")
        assert picker.label == "Thôn/bản: Thôn Nà Pàn"

    run(scenario)


def test_a_tap_on_a_tick_rows_words_ticks_it_after_the_step_was_redrawn(tmp_path):
    # A fresh tester: tapping the words "Ví điện tử" (not the small box) after choosing a radio
    # on the same step replaced the app with "Checkbox … must be added to the page first".
    _, ids = phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        state = app.router.state
        await app.go(f"/household/{ids['Lý Thị Hoa']}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        await tap(app, "Tiếp")  # consent missing: the step is drawn again with its problem
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Bà Hoa")
        await app.fire(row_of(app, "Hộ gia đình đồng ý tham gia khảo sát"))  # the words, not the box
        key = app.view.route.rsplit("/", 1)[1]
        assert state.resume(key).visit.consent is not None
        await tap(app, "Tiếp")
        await type_into(app, "Số nhân khẩu của hộ", "1")
        await tap(app, "Thêm thành viên")
        member = state.resume(key).visit.members[-1]
        await choose_radio(app, f"{member.id}:relation", "head")
        field = app.find(ft.TextField, key=f"{member.id}:birth_year")
        app.enter(field, "1975")
        await app.fire(field, "change")
        await choose_radio(app, f"{member.id}:sex", "male")
        await tap(app, "Tiếp")
        await choose_radio(app, f"{member.id}:phone_type", "smartphone")  # the step is redrawn
        for words in ("Ví điện tử", "Ứng dụng ngân hàng", "Ví điện tử"):
            await app.fire(row_of(app, words))
        assert state.resume(key).visit.members[0].answers["payment_accounts"] == ["bank_app"]
        assert app.find(ft.Checkbox, semantics_label="Ứng dụng ngân hàng").value is True

    run(scenario)


def row_of(app: App, words: str) -> ft.Container:
    """The tappable row around the tick box named `words`."""
    for control in walk(app.view):
        if isinstance(control, ft.Container) and control.on_click is not None:
            inner = control.content
            if isinstance(inner, ft.Row) and any(
                isinstance(c, ft.Checkbox) and c.semantics_label == words for c in inner.controls
            ):
                return control
    raise LookupError(words)


def test_a_visit_left_before_any_answer_leaves_no_draft(tmp_path):
    _, ids = phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/household/{ids['Lý Thị Hoa']}")
        await tap(app, "Bắt đầu thăm hộ")
        assert app.router.state.repo.drafts()
        await app.go(f"/household/{ids['Lý Thị Hoa']}")  # the browser's Back at the first step
        assert app.router.state.repo.drafts() == {} and app.dialog is None
        assert "Bắt đầu thăm hộ" in app.texts()

    run(scenario)


def test_a_code_kept_for_later_is_said_on_home_and_the_roster_is_fetched_every_quarter_hour(tmp_path):
    from datetime import UTC, datetime, timedelta

    phone_with_households(tmp_path)
    now = {"at": datetime(2026, 11, 30, 3, 0, tzinfo=UTC)}
    state = AppState.open(tmp_path, clock=lambda: now["at"])
    assert state.request_enrolment("http://127.0.0.1:9", "ABCD-1234") == []
    state.repo.close()

    async def scenario():
        app = await start_app(tmp_path, clock=lambda: now["at"])
        banner = app.find(ft.Text, key="enrol-waiting").value
        assert "http://127.0.0.1:9" in banner and "Mã đã được giữ" in banner
        state = app.router.state
        # enrolled: with nothing to send, the roster is still fetched every 15 minutes
        state.repo.set_setting("enrolment", {"server_url": "http://127.0.0.1:9", "status": "enrolled"})
        state.repo.set_setting("token", "t")
        state.repo.set_setting("last_attempt", {"at": now["at"].isoformat(), "reached": True, "code": None})
        assert state.pull_due() is False
        now["at"] += timedelta(minutes=16)
        assert state.pull_due() is True and state.should_auto_sync(None) is True
        assert state.should_auto_sync({"mobile"}) is False  # "Wi-Fi only" still holds
        now["at"] -= timedelta(hours=2)  # a clock set back: due, never stuck
        assert state.pull_due() is True

    run(scenario)


def test_the_consents_name_survives_next_without_the_tick_and_a_changed_form_drops_a_stale_warning(tmp_path):
    _, ids = phone_with_households(tmp_path)

    async def scenario():
        app = await start_app(tmp_path)
        await app.go(f"/household/{ids['Lý Thị Hoa']}")
        await tap(app, "Bắt đầu thăm hộ")
        await choose_radio(app, "outcome", "completed")
        await tap(app, "Tiếp")
        await type_into(app, "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)", "Vợ chủ hộ")
        await tap(app, "Tiếp")  # not ticked: the step is drawn again with its problem
        assert app.find(ft.TextField, label="Người đồng ý (họ tên hoặc quan hệ với chủ hộ)").value == "Vợ chủ hộ"

        await app.go(f"/hamlet/{HAMLET}/new")
        await app.tap_in_dialog("Lưu nháp và thoát")  # leaving the visit with an answer: asked
        await app.go(f"/hamlet/{HAMLET}/new")
        await type_into(app, "Họ tên chủ hộ", "Trần Thị Mai")
        await type_into(app, "Số điện thoại (không bắt buộc)", "+84 912 345 678")
        await tap(app, "Lưu")
        assert "Có thể trùng với hộ đã có:" in app.texts()
        await type_into(app, "Số điện thoại (không bắt buộc)", "0987 654 321")  # another number after all
        assert "Có thể trùng với hộ đã có:" not in app.texts() and "Vẫn thêm hộ mới" not in app.texts()

    run(scenario)

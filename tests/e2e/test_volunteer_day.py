"""A volunteer's day in a real browser on a 360×800 phone screen, against the real app process.

The same scenario as `tests/app/test_screens.py`, but through Flutter's rendering, the web
socket, and a process that is killed and started again on the same data directory.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from .phone import AppServer, Phone

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HAMLET = "Thôn Nà Pàn"
CONSENT_BY = "Người đồng ý (họ tên hoặc quan hệ với chủ hộ)"
CONSENT = "Hộ gia đình đồng ý tham gia khảo sát"
MEMBER_COUNT = "Số nhân khẩu của hộ"
DEMO_ROW = re.compile(r"Số \d+, Thôn Nà Pàn")  # a demo household's tile in the hamlet list


def start_demo(phone: Phone) -> None:
    phone.see("Chào mừng bạn!")
    phone.shot("welcome")
    phone.tap("Dùng thử với dữ liệu mẫu")
    phone.see("4/12 hộ đã khảo sát")
    phone.see("DỮ LIỆU MẪU")
    phone.settle_network()  # before typing anything: see Phone.settle_network
    phone.shot("home")


def register_household(phone: Phone, name: str, address: str) -> None:
    """From home: open the hamlet, add a household, land on its screen."""
    phone.open_card(HAMLET)
    phone.see("Tìm theo tên chủ hộ, địa chỉ")
    phone.shot("hamlet")
    phone.tap("Thêm hộ")
    phone.type_into("Họ tên chủ hộ", name)
    phone.type_into("Địa chỉ (số nhà, xóm)", address)
    phone.shot("new-household")
    phone.tap("Lưu")
    phone.see("Bắt đầu thăm hộ")
    phone.see(name)
    phone.shot("household")


def consent_and_count(phone: Phone, count: int) -> None:
    """The first three steps of a completed visit, up to the member count."""
    phone.tap("Bắt đầu thăm hộ")
    phone.see("Kết quả chuyến thăm")
    phone.choose("Đã khảo sát xong")
    phone.shot("wizard-outcome")
    phone.tap("Tiếp")
    phone.see("Sự đồng ý của hộ")
    phone.type_into(CONSENT_BY, "Chủ hộ")
    phone.tick(CONSENT)
    phone.shot("wizard-consent")
    phone.tap("Tiếp")
    phone.see("Bước 3/")
    phone.type_into(MEMBER_COUNT, str(count))


def test_complete_visit_survives_a_restart(phone: Phone, app_server: AppServer) -> None:
    start_demo(phone)
    register_household(phone, "Nguyễn Văn Bình", "Số 99")
    consent_and_count(phone, 4)

    # Members: who they are, born when; adults get their own steps.
    members = (("Chủ hộ", "1978", "Nam"), ("Vợ/chồng", "1980", "Nữ"), ("Con", "2012", "Nam"), ("Con", "2016", "Nữ"))
    for n, (relation, year, sex) in enumerate(members):
        phone.tap("Thêm thành viên")
        phone.see(f"Thành viên {n + 1}")
        phone.choose(relation, nth=n)
        phone.type_into("Năm sinh", year, nth=n)
        phone.choose(sex, nth=n)
    phone.see("Thành viên 2 (người lớn)")
    phone.shot("wizard-members")
    phone.tap("Tiếp")

    phone.see("Người lớn: Chủ hộ, sinh 1978")
    phone.choose("Điện thoại thông minh")
    phone.choose("Mức 2")
    phone.choose("Đã xem trên ứng dụng")  # shown only once VNeID level 2 is chosen
    phone.tick("Ứng dụng ngân hàng")
    phone.choose("Đã sử dụng")
    phone.shot("wizard-adult-head")
    phone.tap("Tiếp")

    phone.see("Người lớn: Vợ/chồng, sinh 1980")
    phone.choose("Điện thoại phổ thông (kể cả 4G)")
    phone.choose("Chưa có")  # VNeID: none (a radio)
    phone.tick("Chưa có")  # payment accounts: none (a checkbox)
    phone.choose("Có nhu cầu nhưng chưa sử dụng")
    phone.shot("wizard-adult-spouse")
    phone.tap("Tiếp")

    phone.see("Dịch vụ số thiết yếu")
    phone.tick("Y tế (sổ sức khỏe điện tử trên VNeID)")
    phone.shot("wizard-services")
    phone.tap("Tiếp")

    phone.see("Phân loại rác tại nguồn")
    phone.choose("Có")
    phone.shot("wizard-waste")
    phone.tap("Tiếp")

    phone.see("Hộ kinh doanh / cơ sở sản xuất")
    phone.choose("Có")
    phone.tick("Nhận thanh toán QR / không tiền mặt")
    phone.tap("Thêm sản phẩm")
    phone.type_into("Tên sản phẩm", "Miến dong")
    phone.shot("wizard-business")
    phone.tap("Tiếp")

    phone.see("Hướng dẫn hôm nay")
    phone.shot("wizard-guidance")
    phone.tap("Tiếp")  # nothing taught today: optional

    phone.see("Việc cần hỗ trợ tiếp")
    phone.see("Hỗ trợ đăng ký tài khoản VNeID (Vợ/chồng, sinh 1980)")
    phone.shot("wizard-follow-ups")
    phone.tap("Tiếp")

    phone.see("Xem lại trước khi lưu")
    phone.see("Thành viên: 4")
    phone.shot("wizard-summary")
    phone.tap("Lưu chuyến thăm")
    phone.see("Đã khảo sát xong (chờ đồng bộ)")
    phone.shot("household-visited")

    # The app is stopped (as when the phone closes it) and opened again: everything is there.
    app_server.stop()
    app_server.start()
    phone.reload()
    phone.see("Đã khảo sát xong (chờ đồng bộ)")  # the same household screen, from disk
    phone.see("Hỗ trợ đăng ký tài khoản VNeID (Vợ/chồng, sinh 1980)")
    phone.shot("household-after-restart")
    phone.settle_network()

    phone.tap("Quay lại")
    phone.see("Tìm theo tên chủ hộ, địa chỉ")
    phone.wait_until(
        lambda: phone.page.get_by_role("button", name=DEMO_ROW).count() == 12,
        "the hamlet does not list its 12 demo households",
    )
    phone.type_into("Tìm theo tên chủ hộ, địa chỉ", "nguyen van binh")
    phone.see("Nguyễn Văn Bình")
    phone.wait_until(
        lambda: phone.page.get_by_role("button", name=DEMO_ROW).count() == 0,
        "the search without diacritics still lists other households",
    )
    assert phone.page.get_by_role("button", name=re.compile("^Nguyễn Văn Bình")).count() == 1
    phone.shot("hamlet-search")

    phone.tap("Quay lại")
    phone.see("5/13 hộ đã khảo sát")
    phone.shot("home-after-visit")

    phone.tab("Cần hỗ trợ")
    phone.see("Nguyễn Văn Bình")
    phone.see("Hỗ trợ đăng ký tài khoản VNeID (Vợ/chồng, sinh 1980)")
    # ...and that line is under this household, not another one's: read the screen in order.
    screen = phone.page.locator("body").aria_snapshot()
    after = screen.split('button "Nguyễn Văn Bình"', 1)[-1].split("- button", 1)[0]
    assert "Hỗ trợ đăng ký tài khoản VNeID (Vợ/chồng, sinh 1980)" in after, screen
    phone.shot("follow-ups")


def test_killed_mid_visit_resumes_on_the_same_step(phone: Phone, app_server: AppServer) -> None:
    start_demo(phone)
    register_household(phone, "Lý Thị Hoa", "Số 100")
    consent_and_count(phone, 3)
    phone.shot("wizard-members")
    wait_for_draft(app_server, lambda draft: '"member_count": 3' in draft)

    app_server.kill()  # SIGKILL: no chance to save anything more
    app_server.start()
    phone.relaunch()  # the app opened again from the launcher: at its start

    phone.see("Tiếp tục chuyến thăm dở?")
    phone.see("Bạn đang khảo sát dở hộ Lý Thị Hoa")
    phone.shot("resume-offer")
    phone.settle_network()
    phone.tap("Tiếp tục")
    phone.see("Bước 3/")
    phone.see("Thành viên hộ")
    phone.see("Hộ: Lý Thị Hoa")
    assert phone.field_text(MEMBER_COUNT) == "3"
    phone.shot("resumed")


def test_english_first_screens_and_settings(phone: Phone) -> None:
    phone.see("Chào mừng bạn!")
    phone.tap("English")
    phone.see("Welcome!")
    phone.see("How do you want to start?")
    phone.see("Enrol with the commune's server")
    phone.shot("welcome-en")
    phone.tap("Try with demo data")
    phone.see("My hamlets")
    phone.see("4/12 households visited")
    phone.see("DEMO DATA")
    phone.shot("home-en")
    phone.tab("Settings")
    phone.see("Language: English")  # the dropdowns' accessible labels: field and choice
    phone.see("Age counted as adult: The commune's (18)")
    phone.see("Sync: Wi-Fi only")
    phone.see("Not enrolled with a server")
    phone.see("Save a backup…")
    phone.shot("settings-en")
    # Every other screen in English too: hamlet, new household, household, the wizard, follow-ups.
    phone.tab("Home")
    phone.open_card(HAMLET)
    phone.see("Search by head's name, address")
    phone.see("Not visited")
    phone.shot("hamlet-en")
    phone.tap("Add household")
    phone.type_into("Head of household", "Lò Văn Sáng")
    phone.type_into("Address (house, hamlet group)", "Số 7")
    phone.shot("new-household-en")
    phone.tap("Save")
    phone.see("New visit")
    phone.see("Open follow-ups")
    phone.shot("household-en")
    phone.tap("New visit")
    phone.see("What happened at the door?")
    phone.choose("Nobody home (revisit)")
    phone.shot("wizard-outcome-en")
    phone.tap("Next")
    phone.see("Review before saving")
    phone.shot("wizard-summary-en")
    phone.tap("Save the visit")
    phone.see("Nobody home (revisit) (waiting to sync)", exact=False)
    phone.shot("household-visited-en")
    phone.tap("Back")  # the app bar's arrow, as the Android back button would
    phone.see("Lò Văn Sáng Số 7 Nobody home: revisit")  # the hamlet list, settled, knows the visit
    phone.page.go_back()  # the browser's Back returns to the previous page: the household
    phone.see("Open follow-ups")
    phone.shot("household-after-browser-back-en")


def wait_for_draft(server: AppServer, holds, timeout: float = 10.0) -> None:
    """Autosave runs in the background: wait until the draft on disk has the last answer."""
    path = server.data_dir / "drafts.json"
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            text = json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False)
        except (OSError, ValueError):
            text = ""
        if holds(text):
            return
        time.sleep(0.1)
    raise AssertionError(f"the draft was not saved in {timeout:.0f} s: {text[:500]}")

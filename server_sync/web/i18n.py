"""The dashboard's words, Vietnamese first, English too; one place for every page."""

from __future__ import annotations

from survey.indicators import INDICATORS

LANGS = ("vi", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("Khảo sát chuyển đổi số", "Digital inclusion survey"),
    "overview": ("Tổng quan", "Overview"),
    "report": ("Báo cáo in", "Printable report"),
    "admin": ("Quản trị", "Administration"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "role_staff": ("Cán bộ", "Staff"),
    "role_admin": ("Quản trị viên", "Administrator"),
    "other_lang": ("English", "Tiếng Việt"),
    "as_of": ("Số liệu đến ngày", "Figures as of"),
    "current": ("Hiện tại", "Current"),
    "today": ("Hôm nay", "Today"),
    "show": ("Xem", "Show"),
    "quarter": ("Quý", "Quarter"),
    "interim": ("Sơ kết (hết Q4/2027)", "Interim review (end Q4 2027)"),
    "final": ("Tổng kết (hết Q3/2030)", "Final review (end Q3 2030)"),
    "future_note": ("Ngày được chọn còn ở tương lai: số liệu là số liệu đến hôm nay.",
                    "The chosen date is in the future: the figures are those known today."),
    "commune_total": ("Toàn xã", "Whole commune"),
    "hamlet": ("Thôn/bản", "Hamlet"),
    "hamlets": ("Các thôn/bản", "Hamlets"),
    "sorted_by_lag": ("Xếp theo mức chậm so với chỉ tiêu (chậm nhất trước)",
                      "Sorted by how far they lag behind the targets (furthest first)"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "target": ("Mục tiêu", "Target"),
    "result": ("Kết quả", "Result"),
    "no_data": ("Chưa có số liệu", "No data"),
    "status_met": ("Đạt", "Met"),
    "status_close": ("Gần đạt", "Close"),
    "status_far": ("Còn xa", "Far"),
    "status_no_data": ("Chưa có số liệu", "No data"),
    "status_no_target": ("Không có chỉ tiêu", "No target"),
    "trend": ("Diễn biến theo quý", "Trend by quarter"),
    "downloads": ("Tải về", "Downloads"),
    "indicator_table": ("Bảng chỉ tiêu", "Indicator table"),
    "follow_up_list": ("Danh sách cần hỗ trợ", "Follow-up list"),
    "xlsx_hint": ("Nên dùng XLSX khi mở bằng Excel.", "Prefer XLSX when opening in Excel."),
    "print": ("In báo cáo", "Print"),
    "report_title": ("Báo cáo kết quả thực hiện chỉ tiêu chuyển đổi số, chuyển đổi xanh",
                     "Report on the digital and green transition indicators"),
    "prepared_by": ("Người lập biểu", "Prepared by"),
    "approved_by": ("Lãnh đạo đơn vị", "Approved by"),
    "printed_on": ("Ngày lập", "Printed on"),
    "households": ("Hộ", "Households"),
    "roster": ("Hộ trong danh sách", "Households on the roster"),
    "completed": ("Đã khảo sát xong", "Completed"),
    "not_visited": ("Chưa đến hộ nào", "Not visited yet"),
    "to_revisit": ("Cần đến lại", "To revisit"),
    "declined": ("Từ chối", "Declined"),
    "head_name": ("Chủ hộ", "Head of household"),
    "address": ("Địa chỉ", "Address"),
    "phone": ("Điện thoại", "Phone"),
    "attempts": ("Số lần đến", "Attempts"),
    "last_visit": ("Lần đến gần nhất", "Last visit"),
    "waiting_since": ("Chờ từ", "Waiting since"),
    "follow_ups": ("Việc cần hỗ trợ", "Open follow-ups"),
    "member": ("Thành viên", "Member"),
    "need": ("Cần hỗ trợ", "Needs"),
    "visited_on": ("Ngày khảo sát", "Visited on"),
    "duplicates": ("Hộ có thể bị trùng", "Likely duplicate households"),
    "reason_name_phone": ("Cùng tên (bỏ dấu) và cùng số điện thoại", "Same name (without diacritics) and phone"),
    "reason_name": ("Cùng tên (bỏ dấu), thiếu số điện thoại", "Same name (without diacritics), a phone missing"),
    "merge": ("Gộp: giữ hộ thứ nhất", "Merge: keep the first"),
    "dismiss": ("Không trùng", "Not a duplicate"),
    "admin_only": ("Chỉ quản trị viên được gộp hoặc bỏ qua.", "Only an administrator may merge or dismiss."),
    "volunteers": ("Hoạt động của tình nguyện viên", "Volunteer activity"),
    "volunteer": ("Tình nguyện viên", "Volunteer"),
    "last_7": ("7 ngày qua", "Last 7 days"),
    "last_30": ("30 ngày qua", "Last 30 days"),
    "total": ("Tổng", "Total"),
    "last_sync": ("Đồng bộ gần nhất", "Last sync"),
    "devices": ("Điện thoại", "Phones"),
    "none": ("Không có.", "None."),
    "back": ("Quay lại", "Back"),
    "error": ("Có lỗi", "Something went wrong"),
    "signed_out": ("Đã đăng xuất.", "You are signed out."),
    "merged": ("Đã gộp hộ trùng.", "The duplicate was merged."),
    "dismissed": ("Đã ghi nhận: không trùng.", "Noted: not a duplicate."),
    "show_more": ("Xem thêm", "Show more"),
    "of": ("trên", "of"),
}

# Short column heads for the wide tables, in INDICATORS order.
SHORT: dict[str, tuple[str, str]] = {
    "adults_ready": ("Người lớn sẵn sàng số", "Adults digitally ready"),
    "adults_online_services": ("Dùng DVC trực tuyến", "Online public services"),
    "households_guided": ("Hộ được hướng dẫn", "Households guided"),
    "households_waste_sorting": ("Phân loại rác", "Waste sorting"),
    "households_waste_partly": ("Phân loại một phần", "Sorting partly"),
    "businesses_digital": ("HKD dùng công cụ số", "Businesses digital"),
    "products_online": ("Sản phẩm lên mạng", "Products online"),
    "hamlets_with_team": ("Tổ CNS cộng đồng", "Digital-tech team"),
    "visit_coverage": ("Hộ đã khảo sát", "Households visited"),
}


def t(lang: str, key: str) -> str:
    vi, en = TEXT[key]
    return en if lang == "en" else vi


def label(lang: str, indicator: str) -> str:
    for item in INDICATORS:
        if item.id == indicator:
            return item.label.en if lang == "en" else item.label.vi
    return indicator


def short(lang: str, indicator: str) -> str:
    vi, en = SHORT.get(indicator, (indicator, indicator))
    return en if lang == "en" else vi


def percent(value: float | None, lang: str) -> str:
    """45.5 → "45,5%" in Vietnamese, "45.5%" in English; None → "—" (no data)."""
    if value is None:
        return "—"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return (text.replace(".", ",") if lang == "vi" else text) + "%"


def day(value: object, lang: str) -> str:
    """A date as staff write it: 31/12/2027 in Vietnamese, 2027-12-31 in English."""
    if value is None:
        return ""
    iso = value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]
    if lang == "vi" and len(iso) == 10:
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
    return iso

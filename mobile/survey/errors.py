"""The one catalogue of issue codes, with Vietnamese and English messages.

Validation and the sync protocol speak in codes; human text is made only at the edge
(a screen, an HTTP error body) from this catalogue. Tests assert on codes, never on text.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["vi", "en"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in user input: what (code), where (field) and the details."""

    code: str
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

    def message(self, lang: str = "vi") -> str:
        return message(self.code, lang, **self.context)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "context": dict(self.context)}


@dataclass(frozen=True)
class Entry:
    vi: str
    en: str
    severity: Severity = "error"


CATALOGUE: dict[str, Entry] = {
    # Visit and its outcome
    "checklist_version_unknown": Entry(
        "Phiên bản phiếu khảo sát {version} không được hỗ trợ.",
        "Checklist version {version} is not supported.",
    ),
    "outcome_missing": Entry(
        "Chưa chọn kết quả chuyến thăm: chọn một trong các dòng.",
        "No visit outcome chosen yet: pick one of the lines.",
    ),
    "outcome_invalid": Entry(
        "Kết quả chuyến thăm «{value}» không hợp lệ.",
        "Visit outcome '{value}' is not valid.",
    ),
    "time_invalid": Entry(
        "Thời điểm «{value}» không hợp lệ (cần ngày giờ kèm múi giờ).",
        "'{value}' is not a valid time (a date and time with its offset).",
    ),
    "time_before_campaign": Entry(
        "Ngày {day} trước khi chiến dịch bắt đầu ({start}): ngày giờ của điện thoại lúc ghi có lẽ bị sai. "
        "Hãy kiểm tra ngày giờ trong Cài đặt của điện thoại, rồi sửa lại.",
        "{day} is before the campaign started ({start}): the phone's date was probably wrong when this "
        "was recorded. Check the date and time in the phone's settings, then fix it.",
    ),
    "time_in_future": Entry(
        "Thời điểm {day} nằm trong tương lai: đồng hồ của điện thoại lúc ghi có lẽ bị sai. "
        "Hãy kiểm tra ngày giờ trong Cài đặt của điện thoại, rồi sửa lại.",
        "{day} is in the future: the phone's clock was probably wrong when this was recorded. "
        "Check the date and time in the phone's settings, then fix it.",
    ),
    "consent_missing": Entry(
        "Chưa ghi nhận sự đồng ý của hộ gia đình (ai đồng ý, lúc nào).",
        "The household's consent (who agreed, and when) is not recorded.",
    ),
    "declined_has_personal_data": Entry(
        "Hộ từ chối khảo sát: không được lưu thông tin cá nhân ({what}).",
        "The household declined: no personal data may be stored ({what}).",
    ),
    "answers_without_completed_visit": Entry(
        "Chỉ lưu câu trả lời khi chuyến thăm đã hoàn thành ({what}).",
        "Answers are stored only for a completed visit ({what}).",
    ),
    # Answers
    "required_missing": Entry(
        "Chưa trả lời câu hỏi bắt buộc: {label_vi}.",
        "A required question is not answered: {label_en}.",
    ),
    "choice_invalid": Entry(
        "Lựa chọn «{value}» không có trong câu hỏi {label_vi}.",
        "'{value}' is not a choice of the question {label_en}.",
    ),
    "choice_exclusive": Entry(
        "«{value}» không thể chọn cùng các lựa chọn khác ({label_vi}).",
        "'{value}' cannot be chosen together with other choices ({label_en}).",
    ),
    "number_invalid": Entry(
        "Giá trị «{value}» không phải là số nguyên ({label_vi}).",
        "'{value}' is not a whole number ({label_en}).",
    ),
    "number_out_of_range": Entry(
        "Giá trị {value} phải nằm trong khoảng {min}–{max} ({label_vi}).",
        "{value} must be between {min} and {max} ({label_en}).",
    ),
    "text_too_long": Entry(
        "Nội dung quá dài (tối đa {max} ký tự): {label_vi}.",
        "The text is too long (at most {max} characters): {label_en}.",
    ),
    "answer_not_applicable": Entry(
        "Câu hỏi {label_vi} không áp dụng cho trường hợp này nên không được trả lời.",
        "The question {label_en} does not apply here and must stay empty.",
    ),
    "question_unknown": Entry(
        "Câu hỏi «{question}» không có trong phiếu phiên bản {version}.",
        "Question '{question}' is not in checklist version {version}.",
    ),
    # Members
    "year_in_future": Entry(
        "{label_vi} {value} nằm trong tương lai.",
        "{label_en} {value} is in the future.",
    ),
    "year_too_early": Entry(
        "{label_vi} {value} trước năm {min}.",
        "{label_en} {value} is before {min}.",
    ),
    "adults_exceed_members": Entry(
        "Số người lớn ({adults}) nhiều hơn số nhân khẩu của hộ ({members}).",
        "There are more adults ({adults}) than household members ({members}).",
    ),
    "roster_size_mismatch": Entry(
        "Danh sách có {listed} người nhưng hộ khai {members} nhân khẩu.",
        "{listed} people are listed but the household declared {members} members.",
        "warning",
    ),
    "members_missing": Entry(
        "Chưa có thành viên nào trong danh sách của hộ.",
        "No household member is listed.",
    ),
    "member_id_duplicate": Entry(
        "Một thành viên bị nhập hai lần.",
        "A member is listed twice.",
    ),
    # Follow-ups and guidance
    "follow_up_unknown_member": Entry(
        "Việc cần hỗ trợ gắn với một người lớn không có trong danh sách thành viên.",
        "A follow-up names an adult who is not in the member list.",
    ),
    "follow_up_unknown_code": Entry(
        "Việc cần hỗ trợ «{value}» không có trong danh mục.",
        "Follow-up '{value}' is not in the catalogue.",
    ),
    # Households
    "head_name_missing": Entry(
        "Chưa nhập họ tên chủ hộ.",
        "The head of household's name is missing.",
    ),
    "hamlet_missing": Entry(
        "Chưa chọn thôn/bản của hộ.",
        "The household's hamlet is not chosen.",
    ),
    "phone_invalid": Entry(
        "Số điện thoại «{value}» không hợp lệ (9–11 chữ số).",
        "Phone number '{value}' is not valid (9–11 digits).",
    ),
    # The form of a record (survey.shape): what a form on the phone cannot produce
    "id_invalid": Entry(
        "Mã bản ghi tại «{field}» không hợp lệ (1–64 chữ cái, chữ số hoặc dấu - _ . :).",
        "The id at '{field}' is not valid (1–64 letters, digits or - _ . :).",
    ),
    "status_invalid": Entry(
        "Trạng thái bản ghi «{value}» không hợp lệ.",
        "Record status '{value}' is not valid.",
    ),
    "value_type_invalid": Entry(
        "Giá trị tại «{field}» không đúng kiểu (cần {expected_vi}).",
        "The value at '{field}' is of the wrong kind (expected {expected_en}).",
    ),
    "household_refused": Entry(
        "Hộ của chuyến thăm này bị từ chối trong cùng lần gửi; hãy sửa hộ trước, chuyến thăm sẽ được gửi lại cùng hộ.",
        "This visit's household was refused in the same sync; fix the household first, and the visit goes with it.",
    ),
    "characters_invalid": Entry(
        "«{label_vi}» chứa ký tự điều khiển không đọc được; hãy nhập lại.",
        "'{label_en}' holds unreadable control characters; please type it again.",
    ),
    "items_too_many": Entry(
        "Quá nhiều mục tại «{field}»: {count} (tối đa {max}).",
        "Too many items at '{field}': {count} (at most {max}).",
    ),
    "revision_invalid": Entry(
        "Phiên bản hộ «{value}» không hợp lệ.",
        "Household revision '{value}' is not valid.",
    ),
    # The phone's clock and store
    "clock_before_campaign": Entry(
        "Ngày giờ của điện thoại đang là {now}, trước khi chiến dịch bắt đầu ({start}). "
        "Hãy vào Cài đặt của điện thoại, chỉnh đúng ngày giờ rồi mới ghi tiếp.",
        "The phone's date and time say {now}, before the campaign started ({start}). "
        "Set the right date and time in the phone's settings before recording.",
    ),
    "clock_far_from_server": Entry(
        "Đồng hồ của điện thoại lệch khoảng {difference_vi} so với máy chủ (lần đồng bộ gần nhất). "
        "Hãy kiểm tra ngày giờ và múi giờ (GMT+7) trong Cài đặt của điện thoại.",
        "The phone's clock was about {difference_en} off the server's at the last sync. Check the date, "
        "time and time zone (GMT+7) in the phone's settings.",
        "warning",
    ),
    "store_in_use": Entry(
        "Dữ liệu trong thư mục {folder} đang được một chương trình khác mở. Hãy đóng chương trình đó rồi mở lại.",
        "The data in {folder} is open in another program. Close that program, then open this again.",
    ),
    # Set-up
    "server_url_invalid": Entry(
        "Địa chỉ máy chủ «{value}» không hợp lệ (ví dụ: http://192.168.1.10:8000).",
        "Server address '{value}' is not valid (e.g. http://192.168.1.10:8000).",
    ),
    "enrolment_code_format": Entry(
        "Mã đăng ký gồm 6–32 chữ cái hoặc chữ số (ví dụ K7P2-9QXA); hãy kiểm tra lại.",
        "An enrolment code is 6–32 letters or digits (e.g. K7P2-9QXA); please check it.",
    ),
    "enrolment_code_invalid": Entry(
        "Mã đăng ký không đúng: hãy kiểm tra từng ký tự, hoặc xin cán bộ xã một mã mới.",
        "The enrolment code is wrong: check each character, or ask the commune staff for a new code.",
    ),
    "backup_invalid": Entry(
        "Tệp này không phải tệp sao lưu của ứng dụng (hoặc đã hỏng). Không có gì trên máy bị thay đổi.",
        "This file is not a backup made by this app (or it is damaged). Nothing on the phone was changed.",
    ),
    # The phone's side of sync
    "network_unreachable": Entry(
        "Không kết nối được máy chủ. Dữ liệu vẫn an toàn trên máy; hãy thử lại khi có Wi-Fi.",
        "Cannot reach the server. Everything is safe on the phone; try again on Wi-Fi.",
    ),
    "network_timeout": Entry(
        "Máy chủ không trả lời kịp. Dữ liệu vẫn an toàn trên máy; hãy thử lại.",
        "The server did not answer in time. Everything is safe on the phone; try again.",
    ),
    "enrolment_required": Entry(
        "Máy chưa đăng ký với máy chủ của xã (dữ liệu mẫu không bao giờ được đồng bộ).",
        "This phone is not enrolled with the commune's server (demo data never syncs).",
    ),
    "household_status_invalid": Entry(
        "Trạng thái hộ «{value}» không hợp lệ.",
        "Household status '{value}' is not valid.",
    ),
    # Sync server: per-record results
    "hamlet_forbidden": Entry(
        "Thôn/bản «{hamlet}» không thuộc phạm vi được giao cho bạn.",
        "Hamlet '{hamlet}' is not one of the hamlets assigned to you.",
    ),
    "household_unknown": Entry(
        "Máy chủ chưa có hộ gia đình của chuyến thăm này; hãy gửi hộ cùng chuyến thăm.",
        "The server does not know this visit's household; send the household with the visit.",
    ),
    "visit_immutable": Entry(
        "Chuyến thăm này đã được gửi với nội dung khác; không thể sửa chuyến thăm đã gửi.",
        "This visit was already sent with different content; a sent visit cannot be changed.",
    ),
    "changed_elsewhere": Entry(
        "Đã được sửa trên máy khác trước: {fields_vi}. Máy chủ giữ bản sửa trước đó; bản sửa của bạn "
        "được lưu trong nhật ký. Điện thoại đã nhận bản của máy chủ.",
        "Changed on another phone first: {fields_en}. The server keeps that change; yours is kept in the "
        "audit trail. The phone now holds the server's version.",
        "warning",
    ),
    # Sync server: refused requests
    "body_not_json": Entry(
        "Dữ liệu gửi lên không phải JSON hợp lệ ({problem}).",
        "The request body is not valid JSON ({problem}).",
    ),
    "body_too_complex": Entry(
        "Dữ liệu gửi lên có quá nhiều phần tử hoặc lồng quá sâu (tối đa {elements} phần tử, {depth} cấp).",
        "The request body has too many elements or nests too deep (at most {elements} elements, {depth} levels).",
    ),
    "body_timeout": Entry(
        "Dữ liệu gửi lên quá chậm (không nhận được gì trong {seconds} giây); hãy thử lại khi mạng tốt hơn.",
        "The request body arrived too slowly (nothing for {seconds} seconds); try again on a better connection.",
    ),
    "batch_too_large": Entry(
        "Một lần đồng bộ gửi quá nhiều bản ghi ({households} hộ, {visits} chuyến thăm; tối đa "
        "{max_households} hộ và {max_visits} chuyến thăm); điện thoại sẽ gửi thành nhiều lần.",
        "One sync sent too many records ({households} households, {visits} visits; at most "
        "{max_households} households and {max_visits} visits); the phone sends them in several requests.",
    ),
    "adult_age_unsupported": Entry(
        "Tuổi người lớn {value} không được hỗ trợ; chọn một trong: {allowed}.",
        "Adult age {value} is not supported; choose one of: {allowed}.",
    ),
    "body_not_gzip": Entry(
        "Dữ liệu nén gzip bị hỏng.",
        "The gzip-compressed request body is corrupt.",
    ),
    "body_too_large": Entry(
        "Dữ liệu gửi lên quá lớn (tối đa {limit} byte).",
        "The request body is too large (at most {limit} bytes).",
    ),
    "content_type_unsupported": Entry(
        "Kiểu dữ liệu «{value}» không được hỗ trợ; hãy gửi application/json.",
        "Content type '{value}' is not supported; send application/json.",
    ),
    "schema_invalid": Entry(
        "Dữ liệu không đúng định dạng tại «{field}»: {problem}.",
        "The data is malformed at '{field}': {problem}.",
    ),
    "protocol_unsupported": Entry(
        "Phiên bản giao thức đồng bộ {value} không được hỗ trợ; hãy cập nhật ứng dụng.",
        "Sync protocol version {value} is not supported; please update the app.",
    ),
    "date_invalid": Entry(
        "Ngày «{value}» không hợp lệ (định dạng NNNN-TT-NN).",
        "'{value}' is not a valid date (format YYYY-MM-DD).",
    ),
    # A day typed by staff or saved by a spreadsheet (survey.times.read_day)
    "day_unreadable": Entry(
        "«{value}» không phải là một ngày: viết dạng ngày/tháng/năm (01/03/2026) hoặc năm-tháng-ngày (2026-03-01).",
        "'{value}' is not a date: write it as day/month/year (01/03/2026) or year-month-day (2026-03-01).",
    ),
    "day_impossible": Entry(
        "Ngày «{value}» không có trên lịch: kiểm tra lại ngày và tháng (đọc theo thứ tự ngày/tháng/năm).",
        "'{value}' is no day of the calendar: check the day and the month (read as day/month/year).",
    ),
    "day_month_first": Entry(
        "Ngày «{value}» viết tháng trước ngày (kiểu Mỹ): hãy viết ngày trước, theo thứ tự ngày/tháng/năm.",
        "'{value}' puts the month before the day (the US order): write the day first, as day/month/year.",
    ),
    "day_ambiguous": Entry(
        "Ngày «{value}» có năm hai chữ số, không rõ là năm nào: viết đủ bốn chữ số, ví dụ 01/03/2026.",
        "'{value}' has a two-digit year, so the year is unclear: write all four digits, e.g. 01/03/2026.",
    ),
    "token_missing": Entry(
        "Thiết bị chưa đăng ký: thiếu mã truy cập.",
        "This device is not enrolled: the access token is missing.",
    ),
    "token_invalid": Entry(
        "Mã truy cập của thiết bị không hợp lệ; hãy đăng ký lại.",
        "The device's access token is not valid; please enrol again.",
    ),
    "token_revoked": Entry(
        "Thiết bị này đã bị thu hồi quyền truy cập; hãy liên hệ cán bộ xã.",
        "This device's access was revoked; please contact the commune staff.",
    ),
    "enrolment_code_expired": Entry(
        "Mã đăng ký đã hết hạn; hãy xin cán bộ xã mã mới.",
        "The enrolment code has expired; ask the commune staff for a new one.",
    ),
    "enrolment_locked": Entry(
        "Đã thử quá nhiều mã đăng ký sai; hãy thử lại sau {minutes} phút, với mã cán bộ xã vừa đưa.",
        "Too many wrong enrolment codes; try again in {minutes} minutes, with the code the commune staff gave you.",
    ),
    "enrolment_code_used": Entry(
        "Mã đăng ký đã được sử dụng; mỗi mã chỉ dùng được một lần.",
        "The enrolment code was already used; each code works only once.",
    ),
    "enrolment_code_revoked": Entry(
        "Mã đăng ký này đã bị cán bộ xã thu hồi; hãy xin cán bộ xã một mã mới.",
        "This enrolment code was taken back by the commune staff; ask them for a new code.",
    ),
    "volunteer_inactive": Entry(
        "Tài khoản tình nguyện viên của bạn đang tạm dừng nên máy chưa gửi, chưa nhận được gì. "
        "Mọi dữ liệu vẫn an toàn trên điện thoại; hãy liên hệ cán bộ xã để được mở lại.",
        "Your volunteer account is paused, so nothing was sent or received. Everything is safe "
        "on the phone; ask the commune staff to reactivate it.",
    ),
    "not_found": Entry(
        "Không tìm thấy địa chỉ yêu cầu.",
        "The requested address was not found.",
    ),
    "method_not_allowed": Entry(
        "Phương thức yêu cầu không được hỗ trợ tại địa chỉ này.",
        "This request method is not allowed here.",
    ),
    "server_error": Entry(
        "Máy chủ gặp lỗi; dữ liệu của bạn vẫn an toàn trên điện thoại, hãy thử lại sau.",
        "The server hit an error; your data is still safe on the phone, please try again later.",
    ),
    "server_busy": Entry(
        "Máy chủ của xã đang bận; điện thoại sẽ tự gửi lại sau ít phút. Dữ liệu vẫn an toàn trên điện thoại.",
        "The commune's server is busy; the phone sends again in a few minutes. Your data is safe on the phone.",
    ),
    "storage_full": Entry(
        "Máy chủ của xã đã hết chỗ lưu trữ nên chưa nhận được dữ liệu; hãy báo cán bộ xã. "
        "Dữ liệu vẫn an toàn trên điện thoại.",
        "The commune's server has run out of storage and could not take the data; tell the commune "
        "staff. Your data is safe on the phone.",
    ),
    # Sync server: commune staff signing in to the dashboard
    "sign_in_failed": Entry(
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "The username or password is not correct.",
    ),
    "sign_in_locked": Entry(
        "Đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút.",
        "Too many failed sign-ins; please try again in {minutes} minutes.",
    ),
    "session_missing": Entry(
        "Bạn chưa đăng nhập; hãy đăng nhập để tiếp tục.",
        "You are not signed in; please sign in to continue.",
    ),
    "session_expired": Entry(
        "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.",
        "Your session has expired; please sign in again.",
    ),
    "csrf_invalid": Entry(
        "Biểu mẫu đã cũ hoặc không hợp lệ; hãy tải lại trang và thử lại.",
        "The form is out of date or not valid; reload the page and try again.",
    ),
    "role_forbidden": Entry(
        "Tài khoản của bạn không có quyền làm việc này; hãy liên hệ quản trị viên của xã.",
        "Your account is not allowed to do this; ask the commune's administrator.",
    ),
    "page_invalid": Entry(
        "Trang «{value}» không có: chọn từ 1 đến {count}, hoặc «all» để xem tất cả.",
        "There is no page '{value}': choose 1 to {count}, or 'all' to see every hamlet.",
    ),
    "export_flavour_invalid": Entry(
        "Không có kiểu tệp {kind} «{value}»; chọn một trong: {allowed}.",
        "There is no {kind} file flavour '{value}'; choose one of: {allowed}.",
    ),
    # A figure of the plan that no visit measures, entered by commune staff (survey.figures)
    "figure_indicator_unknown": Entry(
        "Không có chỉ tiêu «{value}» trong số các chỉ tiêu nhập theo kỳ.",
        "There is no period-entered indicator '{value}'.",
    ),
    "figure_period_invalid": Entry(
        "Kỳ «{value}» không hợp lệ: chọn một năm (2027) hoặc một quý (2027-Q4).",
        "'{value}' is not a period: choose a year (2027) or a quarter (2027-Q4).",
    ),
    "figure_period_before_campaign": Entry(
        "Kỳ {value} ở ngoài kế hoạch: kế hoạch bắt đầu từ năm {year}.",
        "Period {value} is outside the plan, which starts in {year}.",
    ),
    "figure_period_future": Entry(
        "Kỳ {value} chưa bắt đầu: chỉ nhập số liệu của kỳ đã bắt đầu.",
        "Period {value} has not begun: enter figures only for periods that have begun.",
    ),
    "figure_number_invalid": Entry(
        "«{value}» không phải là số nguyên không âm.",
        "'{value}' is not a whole number of zero or more.",
    ),
    "figure_number_too_large": Entry(
        "Số quá lớn (tối đa {limit}): kiểm tra lại số đã gõ.",
        "The number is too large (at most {limit}): check what was typed.",
    ),
    "figure_denominator_zero": Entry(
        "Mẫu số phải lớn hơn 0 (chưa có số liệu thì để trống kỳ này).",
        "The denominator must be above 0 (leave the period empty when there is no figure).",
    ),
    "figure_numerator_above": Entry(
        "Tử số {numerator} lớn hơn mẫu số {denominator}.",
        "The numerator {numerator} is above the denominator {denominator}.",
    ),
    "figure_source_missing": Entry(
        "Cần ghi nguồn số liệu (sổ, báo cáo hoặc người cung cấp).",
        "A source is needed (register, report or who provided the figure).",
    ),
    "figure_source_too_long": Entry(
        "Ghi chú nguồn dài quá {limit} ký tự.",
        "The source note is longer than {limit} characters.",
    ),
    "follow_up_page_invalid": Entry(
        "Danh sách cần hỗ trợ không có trang «{value}»: chọn từ 1 đến {count}.",
        "The follow-up list has no page '{value}': choose 1 to {count}.",
    ),
    "need_unknown": Entry(
        "Không có việc cần hỗ trợ nào mang mã «{value}».",
        "No follow-up has the code '{value}'.",
    ),
    # A commune set-up change refused on the dashboard: the message comes from the service.
    "admin_refused": Entry("{vi}", "{en}"),
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def shown(value: Any, limit: int = 60) -> Any:
    """A value as a message may quote it: short, printable text (a 5 MB answer is quoted
    by its first words, a control character as �), numbers and None as they are."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else type(value).__name__
    text = _CONTROL.sub("\ufffd", text[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message(code: str, lang: str = "vi", **context: Any) -> str:
    """The human text for a code in `lang`: "vi", else English (a screen's or a page's
    language setting is passed as it is; nothing but "vi" and "en" is ever offered).

    A missing context value never raises: a screen must always be able to show something.
    """
    entry = CATALOGUE[code]
    template = entry.vi if lang == "vi" else entry.en
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.format_map(_Blank(context))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "…"

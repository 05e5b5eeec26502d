"""The app's own strings, Vietnamese first, every one also in English.

Messages about user input come from `survey.errors`; this holds the words of the screens.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Khảo sát Chuyển đổi số", "Digital transition survey"),
    "offline": ("Ngoại tuyến", "Offline"),
    "my_hamlets": ("Thôn/bản của tôi", "My hamlets"),
    "visited_of": ("{visited}/{total} hộ đã khảo sát", "{visited}/{total} households visited"),
    "adults_ready": ("Người lớn đủ 3 tiêu chí số: {value}", "Adults digitally ready: {value}"),
    "no_data": ("chưa có dữ liệu", "no data yet"),
    "waiting_sync": ("{count} bản ghi chờ đồng bộ", "{count} records waiting to sync"),
    "empty_store": (
        "Chưa có thôn/bản nào trên máy. Hãy đăng ký với máy chủ của xã hoặc dùng dữ liệu mẫu.",
        "No hamlets on this phone yet. Enrol with the commune's server or try the demo data.",
    ),
    "loading": ("Đang mở dữ liệu…", "Opening data…"),
}


def t(key: str, lang: str = "vi", **values: object) -> str:
    vi, en = STRINGS[key]
    return (vi if lang == "vi" else en).format(**values)


STRINGS.update(
    {
        "online": ("Có mạng", "Online"),
        "demo_banner": ("DỮ LIỆU MẪU: chỉ để tập dùng, không đồng bộ", "DEMO DATA: for practice, never synced"),
        # first run
        "welcome": ("Chào mừng bạn!", "Welcome!"),
        "choose_language": ("Chọn ngôn ngữ", "Choose a language"),
        "start_how": ("Bắt đầu thế nào?", "How do you want to start?"),
        "enrol": ("Đăng ký với máy chủ của xã", "Enrol with the commune's server"),
        "try_demo": ("Dùng thử với dữ liệu mẫu", "Try with demo data"),
        "server_url": ("Địa chỉ máy chủ", "Server address"),
        "enrol_code": ("Mã đăng ký một lần", "One-time enrolment code"),
        "enrol_saved": (
            "Đã lưu. Ứng dụng sẽ đăng ký khi kết nối được máy chủ.",
            "Saved. The app will enrol as soon as it reaches the server.",
        ),
        "save": ("Lưu", "Save"),
        # home
        "last_sync": ("Đồng bộ lần cuối: {when}", "Last sync: {when}"),
        "never_synced": ("Chưa đồng bộ lần nào", "Never synced"),
        "guided": ("Hộ được hướng dẫn dịch vụ số: {value}", "Households guided to digital services: {value}"),
        "target": ("mục tiêu {value}", "target {value}"),
        "follow_ups_nav": ("Cần hỗ trợ", "Needs help"),
        "settings_nav": ("Cài đặt", "Settings"),
        "home_nav": ("Trang chủ", "Home"),
        "resume_title": ("Tiếp tục chuyến thăm dở?", "Resume the unfinished visit?"),
        "resume_body": (
            "Bạn đang khảo sát dở hộ {name}. Tiếp tục đúng chỗ đã dừng?",
            "You were visiting {name}. Continue where you stopped?",
        ),
        "resume": ("Tiếp tục", "Resume"),
        "later": ("Để sau", "Later"),
        # hamlet
        "search": ("Tìm theo tên chủ hộ, địa chỉ", "Search by head's name, address"),
        "filter_all": ("Tất cả", "All"),
        "filter_not_visited": ("Chưa thăm", "Not visited"),
        "filter_revisit": ("Thăm lại", "Revisit"),
        "filter_follow_up": ("Cần hỗ trợ", "Needs help"),
        "filter_declined": ("Từ chối", "Declined"),
        "filter_moved": ("Chuyển đi / trùng", "Moved / duplicate"),
        "add_household": ("Thêm hộ", "Add household"),
        "no_households": ("Không có hộ nào phù hợp.", "No matching household."),
        "more_households": ("Xem thêm {count} hộ (còn {left})", "Show {count} more ({left} left)"),
        "state_not_visited": ("Chưa thăm", "Not visited"),
        "state_revisit": ("Không có nhà: thăm lại", "Nobody home: revisit"),
        "state_declined": ("Từ chối", "Declined"),
        "state_moved": ("Đã chuyển đi / trùng hộ", "Moved away or duplicate"),
        "state_completed": ("Đã khảo sát", "Visited"),
        # household
        "head_name": ("Họ tên chủ hộ", "Head of household"),
        "address": ("Địa chỉ (số nhà, xóm)", "Address (house, hamlet group)"),
        "phone": ("Số điện thoại (không bắt buộc)", "Phone (optional)"),
        "members": ("Thành viên", "Members"),
        "visits": ("Các lần thăm", "Visits"),
        "open_follow_ups": ("Việc cần hỗ trợ", "Open follow-ups"),
        "new_visit": ("Bắt đầu thăm hộ", "New visit"),
        "continue_visit": ("Tiếp tục chuyến thăm dở", "Continue the unfinished visit"),
        "none_yet": ("Chưa có", "None yet"),
        "waiting": ("chờ đồng bộ", "waiting to sync"),
        "synced": ("đã đồng bộ", "synced"),
        "rejected": ("bị từ chối: {reason}", "rejected: {reason}"),
        # wizard
        "step_of": ("Bước {index}/{total}", "Step {index} of {total}"),
        "next": ("Tiếp", "Next"),
        "back": ("Quay lại", "Back"),
        "outcome_title": ("Kết quả chuyến thăm", "What happened at the door?"),
        "consent_title": ("Sự đồng ý của hộ", "The household's consent"),
        "roster_title": ("Thành viên hộ", "Household members"),
        "adult_title": ("Người lớn: {who}", "Adult: {who}"),
        "adult_questions_title": ("Phần người lớn: {who}", "Adult questions: {who}"),
        "follow_ups_title": ("Việc cần hỗ trợ tiếp", "Follow-ups still needed"),
        "follow_ups_hint": (
            "Những việc có biểu tượng xanh suy ra từ câu trả lời: sửa câu trả lời để bỏ. Đánh dấu thêm việc khác nếu "
            "cần.",
            "Items with the green icon follow from the answers: change an answer to drop one. Tick any other that is "
            "needed.",
        ),
        "summary_title": ("Xem lại trước khi lưu", "Review before saving"),
        "add_member": ("Thêm thành viên", "Add member"),
        "remove": ("Xóa", "Remove"),
        "member_n": ("Thành viên {n}", "Member {n}"),
        "adult_tag": ("người lớn", "adult"),
        "adult_questions_tag": ("từ {age} tuổi: hỏi phần người lớn", "{age} or over: asked the adult questions"),
        "remove_product": ("Xóa sản phẩm này", "Remove this product"),
        "add_product": ("Thêm sản phẩm", "Add product"),
        "product_name": ("Tên sản phẩm", "Product"),
        "promoted_online": ("Được quảng bá trên mạng", "Promoted online"),
        "save_visit": ("Lưu chuyến thăm", "Save the visit"),
        "saved_visit": ("Đã lưu chuyến thăm.", "Visit saved."),
        "saved_wifi": ("Sẽ tự gửi khi có Wi-Fi.", "It goes out by itself on Wi-Fi."),
        "saved_any": ("Sẽ tự gửi khi có mạng.", "It goes out by itself when there is a network."),
        "saved_manual": ("Bấm «Đồng bộ ngay» để gửi.", "Tap “Sync now” to send it."),
        "fix_first": ("Còn lỗi cần sửa trước khi lưu:", "Fix these before saving:"),
        "fix": ("Sửa", "Fix"),
        "leave_title": ("Rời chuyến thăm?", "Leave this visit?"),
        "leave_body": ("Bản nháp đã được lưu; bạn có thể tiếp tục sau.", "The draft is saved; you can continue later."),
        "keep_draft": ("Lưu nháp và thoát", "Keep draft and leave"),
        "stay": ("Ở lại", "Stay"),
        "discard": ("Bỏ chuyến thăm này", "Discard this visit"),
        "household_label": ("Hộ: {name}", "Household: {name}"),
        # follow-ups and settings
        "hamlet": ("Thôn/bản", "Hamlet"),
        "follow_ups_count": (
            "{households} hộ cần hỗ trợ, {needs} việc",
            "{households} households need help, {needs} items",
        ),
        "no_follow_ups": ("Chưa có việc cần hỗ trợ.", "Nothing to follow up yet."),
        "language": ("Ngôn ngữ", "Language"),
        "adult_age": ("Tuổi tính là người lớn", "Age counted as adult"),
        "sync_mode": ("Đồng bộ", "Sync"),
        "sync_wifi": ("Chỉ khi có Wi-Fi", "Wi-Fi only"),
        "sync_any": ("Mọi kết nối", "Any network"),
        "sync_manual": ("Tự bấm đồng bộ", "Manual"),
        "server": ("Máy chủ", "Server"),
        "not_enrolled": ("Chưa đăng ký máy chủ", "Not enrolled with a server"),
        "enrol_pending": ("Chờ đăng ký với {url}", "Enrolment pending with {url}"),
        "enrolled": ("Đã đăng ký với {url}", "Enrolled with {url}"),
        "export_backup": ("Lưu tệp sao lưu…", "Save a backup…"),
        "backup_done": (
            "Máy này không có hộp thoại lưu tệp: đã sao lưu vào {path}",
            "No save dialog on this device: the backup was written to {path}",
        ),
        "sync_title": ("Đồng bộ", "Sync"),
        "sync_now": ("Đồng bộ ngay", "Sync now"),
        "syncing": ("Đang đồng bộ…", "Syncing…"),
        "sync_done": (
            "Xong: {accepted} bản ghi mới hoặc đã sửa lên máy chủ, {duplicate} máy chủ đã có từ trước, "
            "{conflict} hộ đã được sửa trên máy khác, {rejected} bị từ chối; {roster} hộ cập nhật từ máy chủ.",
            "Done: {accepted} new or changed records on the server, {duplicate} the server already had, "
            "{conflict} households changed on another phone, {rejected} refused; {roster} households "
            "updated from the server.",
        ),
        "rejected_title": ("Bị máy chủ từ chối (cần sửa)", "Refused by the server (to fix)"),
        "conflicts_title": ("Đã được sửa trên máy khác", "Changed on another phone"),
        "refused_count": (
            "{count} bản ghi bị máy chủ từ chối: cần sửa",
            "{count} records refused by the server: to fix",
        ),
        "fix_hint_visit_household": (
            "Hộ của chuyến thăm này bị từ chối: bấm «Sửa» để sửa hộ trước; chuyến thăm sẽ được gửi cùng hộ.",
            "This visit's household was refused: tap “Fix” to correct the household first; the visit goes with it.",
        ),
        "visit_of": ("Chuyến thăm hộ {name}, ngày {when}", "Visit to {name} on {when}"),
        "fix_time": ("Lấy lại ngày giờ", "Take the time again"),
        "fixed_time": (
            "Đã lấy lại ngày giờ; hộ sẽ được gửi ở lần đồng bộ sau.",
            "The time was taken again; the household goes out at the next sync.",
        ),
        "fix_hint_household": (
            "Bấm «Sửa» để sửa thông tin của hộ, rồi đồng bộ lại.",
            "Tap “Fix” to correct the household's details, then sync again.",
        ),
        "fix_hint_household_time": (
            "Kiểm tra ngày giờ trong Cài đặt của điện thoại, rồi bấm «Lấy lại ngày giờ».",
            "Check the date and time in the phone's settings, then tap “Take the time again”.",
        ),
        "fix_hint_visit": (
            "Bấm «Sửa» để xem lại chuyến thăm và sửa chỗ được chỉ ra, rồi đồng bộ lại.",
            "Tap “Fix” to review the visit and correct what is pointed out, then sync again.",
        ),
        "fix_hint_visit_time": (
            "Kiểm tra ngày giờ trong Cài đặt của điện thoại, rồi bấm «Sửa» và «Ngày giờ đã đúng: lấy giờ hiện tại».",
            "Check the date and time in the phone's settings, then tap “Fix” and “The clock is right now: use the "
            "current time”.",
        ),
        "refused_time": (
            "Máy chủ đã từ chối chuyến thăm này: {reason}",
            "The server refused this visit: {reason}",
        ),
        "clock_fix_first": (
            "Chưa lấy lại giờ được: {problem} Hãy sửa ngày giờ trong Cài đặt của điện thoại trước.",
            "The time was not taken again: {problem} Set the phone's date and time right first.",
        ),
        "use_time_now": ("Ngày giờ đã đúng: lấy giờ hiện tại", "The clock is right now: use the current time"),
        "edit_household": ("Sửa thông tin hộ", "Edit the household"),
        "saved_household": (
            "Đã lưu. Thay đổi sẽ được gửi ở lần đồng bộ sau.",
            "Saved. The change goes out at the next sync.",
        ),
        "enrolling": ("Đang đăng ký…", "Enrolling…"),
        "enrolled_ok": ("Đã đăng ký. Đang tải danh sách hộ…", "Enrolled. Fetching the households…"),
        "not_found": ("Không tìm thấy.", "Not found."),
        # putting mistakes right
        "household_removed": (
            "Hộ này đã được đánh dấu «{reason}» ngày {day} và không còn trong danh sách khảo sát. "
            "Nếu bấm nhầm, hãy đưa hộ trở lại.",
            "This household was marked “{reason}” on {day} and is off the survey list. "
            "If that was a mistake, bring it back.",
        ),
        "removed_moved": ("đã chuyển đi", "moved away"),
        "removed_duplicate": ("trùng hộ", "duplicate"),
        "restore": ("Đưa hộ trở lại danh sách", "Bring the household back onto the list"),
        "restored": (
            "Hộ đã trở lại danh sách; thay đổi sẽ được gửi ở lần đồng bộ sau.",
            "The household is back on the list; the change goes out at the next sync.",
        ),
        "undo": ("Hoàn tác", "Undo"),
        "maybe_same": ("Có thể trùng với hộ đã có:", "This may be the same as a household already listed:"),
        "maybe_same_hint": (
            "Mở hộ đã có nếu đúng là hộ đó; nếu không, bấm «Vẫn thêm hộ mới».",
            "Open the existing household if it is the same; if not, tap “Add as a new household anyway”.",
        ),
        "open_existing": ("Mở hộ này", "Open this household"),
        "add_anyway": ("Vẫn thêm hộ mới", "Add as a new household anyway"),
        "prefilled": (
            "Đã điền sẵn từ lần thăm ngày {day}: hỏi lại, sửa chỗ nào khác rồi bấm «Tiếp».",
            "Filled in from the visit of {day}: ask again, change what differs, then tap “Next”.",
        ),
        "member_removed": ("Đã xóa {who} khỏi danh sách.", "{who} was removed from the list."),
        "discard_title": ("Bỏ hẳn chuyến thăm này?", "Throw this visit away?"),
        "discard_body": (
            "Mọi câu trả lời đã nhập cho hộ {name} trong chuyến thăm này sẽ mất và không lấy lại được.",
            "Every answer typed for {name} in this visit will be lost for good.",
        ),
        "discard_confirm": ("Bỏ chuyến thăm", "Throw it away"),
        "badge_offline": ("Ngoại tuyến", "Offline"),
        "badge_not_tried": ("Chưa đồng bộ", "Not synced yet"),
        "badge_online": ("Có mạng", "Online"),
        "badge_reached": ("Máy chủ: được lúc {at}", "Server reached at {at}"),
        "badge_unreachable": ("Không tới được máy chủ lúc {at}", "Server not reached at {at}"),
        "adult_age_commune": ("Theo xã ({age} tuổi)", "The commune's ({age})"),
        "adult_age_local": ("{age} tuổi (chỉ trên máy này)", "{age} (this phone only)"),
        "adult_age_differs": (
            "Số liệu trên máy này tính người lớn từ {age} tuổi (chọn trong Cài đặt); xã tính từ {commune} tuổi.",
            "Figures on this phone count adults from {age} (chosen in Settings); the commune counts from {commune}.",
        ),
        "backup_title": ("Sao lưu", "Backup"),
        "backup_hint": (
            "Lưu hoặc gửi tệp sao lưu ra ngoài ứng dụng (Zalo, thư, Drive): gỡ ứng dụng sẽ xóa thư mục riêng của nó. "
            "Trên điện thoại mới, «Khôi phục» đưa lại mọi bản ghi mà không gửi trùng lên máy chủ.",
            "Save or send the backup outside the app (Zalo, e-mail, Drive): uninstalling deletes the app's own "
            "folder. On a new phone, “Restore” brings every record back without sending anything twice.",
        ),
        "backup_saved": ("Đã lưu tệp sao lưu {name}.", "Backup {name} saved."),
        "backup_cancelled": ("Chưa lưu tệp sao lưu.", "The backup was not saved."),
        "share_backup": ("Gửi tệp sao lưu…", "Send the backup…"),
        "share_unavailable": (
            "Máy này không gửi tệp được; hãy dùng «Lưu tệp sao lưu».",
            "This device cannot send files; use “Save a backup”.",
        ),
        "restore_backup": ("Khôi phục từ tệp sao lưu…", "Restore from a backup…"),
        "pick_unavailable": ("Máy này không chọn tệp được.", "This device cannot pick a file."),
        "restored_backup": (
            "Đã khôi phục {households} hộ, {visits} lượt thăm, {drafts} bản nháp; {kept} bản ghi đã có trên máy được "
            "giữ nguyên.",
            "Restored {households} households, {visits} visits, {drafts} drafts; {kept} records already on the phone "
            "were kept as they are.",
        ),
        "enrol_waiting": (
            "Chưa đăng ký xong: chưa tới được máy chủ {url}. Mã đã được giữ; ứng dụng sẽ đăng ký khi tới được. "
            "Nếu địa chỉ sai, hãy đăng ký lại.",
            "Not enrolled yet: the server {url} was not reached. The code is kept; the app enrols once it is. "
            "If the address is wrong, enrol again.",
        ),
        # enrolment
        "enrol_how": (
            "Quét mã QR của xã bằng camera điện thoại, hoặc nhập (hay dán) địa chỉ máy chủ và mã đăng ký.",
            "Scan the commune's QR code with the phone's camera, or type (or paste) the server address and the code.",
        ),
        "enrol_submit": ("Đăng ký", "Enrol"),
        "link_filled": (
            "Đã điền địa chỉ máy chủ và mã từ đường dẫn.",
            "The server address and the code were filled from the link.",
        ),
        "re_enrol": ("Đăng ký lại", "Enrol again"),
        "re_enrol_confirm": ("Có, đăng ký lại", "Yes, enrol again"),
        "re_enrol_title": ("Đăng ký lại điện thoại này?", "Enrol this phone again?"),
        "re_enrol_warning": (
            "Điện thoại này đang đăng ký với {url}. Chỉ đăng ký lại khi cán bộ xã đưa mã mới. "
            "Nếu mã sai, đã dùng hoặc hết hạn, điện thoại vẫn giữ đăng ký cũ.",
            "This phone is enrolled with {url}. Enrol again only with a new code from commune staff. "
            "If the code is wrong, used or expired, the phone keeps its enrolment.",
        ),
        "re_enrol_unsent": (
            "Còn {count} bản ghi chưa gửi: hãy đồng bộ trước.",
            "{count} records are not sent yet: sync first.",
        ),
        "re_enrol_body": (
            "Đăng ký mới sẽ thay đăng ký với {url} khi mã mới được chấp nhận. {count} bản ghi chưa gửi sẽ được "
            "gửi tới máy chủ mới.",
            "The new enrolment replaces the one with {url} once the new code is accepted. {count} records not yet "
            "sent will go to the new server.",
        ),
        "still_enrolled": (
            "Điện thoại vẫn đăng ký như trước và vẫn đồng bộ được.",
            "The phone is still enrolled as before and keeps syncing.",
        ),
        "cancel": ("Hủy", "Cancel"),
    }
)

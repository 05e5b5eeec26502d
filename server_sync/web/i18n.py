"""The dashboard's words, Vietnamese first, English too; one place for every page."""

from __future__ import annotations

from survey.indicators import indicator_label

LANGS = ("vi", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("Khảo sát chuyển đổi số", "Digital inclusion survey"),
    "overview": ("Tổng quan", "Overview"),
    "report": ("Báo cáo", "Report"),
    "admin": ("Quản trị", "Administration"),
    "figures": ("Chỉ tiêu nhập theo kỳ", "Figures entered per period"),
    "figures_intro": (
        "Các chỉ tiêu của Kế hoạch (mục III) không đo qua khảo sát hộ: cán bộ nhập tử số, mẫu số và nguồn cho từng quý hoặc năm.",
        "The plan's targets (section III) no household visit measures: staff enter the numerator, denominator and source for each quarter or year.",
    ),
    "report_docx": ("Tải báo cáo Word (.docx)", "Download the Word report (.docx)"),
    "report_hint": (
        "Các phần nhận định đã điền sẵn số liệu; hãy tải bản Word để viết lại, bổ sung trước khi trình ký.",
        "The narrative sections come filled with the facts; download the Word file to rewrite and complete them before signing.",
    ),
    "report_settings": ("Thể thức báo cáo", "How reports are headed and signed"),
    "report_settings_hint": (
        "Theo Nghị định 30/2020/NĐ-CP. Để trống một ô để dùng mặc định.",
        "As Decree 30/2020/NĐ-CP lays out. Leave a field empty for its default.",
    ),
    "report_settings_save": ("Lưu thể thức", "Save"),
    "report_settings_saved": ("Đã lưu thể thức báo cáo.", "The report settings are saved."),
    "rs_issuing_body": ("Tên cơ quan ban hành (mỗi dòng một dòng)", "Issuing body (one line each)"),
    "rs_number": ("Số, ký hiệu", "Number and symbol"),
    "rs_place": ("Địa danh (dòng ngày tháng)", "Place (date line)"),
    "rs_plan_name": ("Tên kế hoạch", "The plan's name"),
    "rs_recipients": ("Nơi nhận (mỗi dòng một nơi)", "Recipients (one per line)"),
    "rs_signature_titles": ("Quyền hạn, chức vụ người ký (mỗi dòng một dòng)", "Signature titles (one per line)"),
    "rs_signer": ("Họ và tên người ký", "Signer's full name"),
    "trend_hint": (
        "Mỗi biểu đồ: tỷ lệ đến cuối từng quý (đường liền) và mục tiêu (đường đứt nét); quý chưa có số liệu để trống.",
        "Each chart: the share at each quarter's end (solid line) and the target (dashed); a quarter without data is left blank.",
    ),
    "trend_numbers": ("Bảng số liệu theo quý", "The quarterly figures as a table"),
    "fig_pending": (
        "{period} đã nhập ({share}), được tính khi hết kỳ ({end})",
        "{period} entered ({share}), counted once it ends ({end})",
    ),
    "fig_open_staff": ("Xem số liệu theo kỳ và lịch sử nhập →", "See the period figures and their history →"),
    "fig_admin_only": (
        "Chỉ quản trị viên được nhập, sửa hoặc rút lại số liệu.",
        "Only an administrator may enter, correct or take back a figure.",
    ),
    "fig_open": ("Xem và nhập số liệu theo kỳ →", "See and enter the period figures →"),
    "ready_parts": ("Người lớn sẵn sàng số: điều kiện nào còn thiếu", "Adults digitally ready: which condition lags"),
    "ready_parts_hint": (
        "Tỷ lệ người lớn đạt từng điều kiện; cả ba phải đạt mục tiêu thì chỉ tiêu chung mới đạt.",
        "The share of adults meeting each condition; all three must reach the target for the indicator to.",
    ),
    "fig_latest": ("Số liệu mới nhất", "Latest figures"),
    "fig_period": ("Kỳ", "Period"),
    "fig_year": ("Năm", "Year"),
    "fig_whole_year": ("Cả năm", "Whole year"),
    "fig_source": ("Nguồn số liệu", "Source"),
    "fig_source_hint": ("Ví dụ: Sổ theo dõi tập huấn của UBND xã", "E.g. the commune's training register"),
    "fig_entered": ("Người nhập, ngày", "Entered by, on"),
    "fig_none": ("Chưa nhập số liệu.", "No figure entered yet."),
    "fig_rising": ("và tăng hằng năm", "and rising yearly"),
    "fig_not_rising": ("chưa tăng so với năm trước", "not above the year before"),
    "fig_withdraw": ("Rút lại", "Take back"),
    "fig_enter": ("Nhập hoặc sửa số liệu", "Enter or correct a figure"),
    "fig_numerator": ("Tử số (đạt)", "Numerator (reached)"),
    "fig_denominator": ("Mẫu số (tổng)", "Denominator (total)"),
    "fig_save": ("Lưu số liệu", "Save the figure"),
    "fig_correct_hint": (
        "Nhập lại cùng chỉ tiêu và kỳ để sửa: số cũ vẫn được giữ trong lịch sử.",
        "Enter the same indicator and period again to correct it: the old figure stays in the history.",
    ),
    "fig_refused": ("Chưa lưu: hãy sửa các ô được đánh dấu.", "Not saved: correct the marked fields."),
    "fig_report_rule": (
        "Báo cáo đến một ngày dùng kỳ gần nhất đã kết thúc trước ngày đó (năm được ưu tiên hơn quý IV).",
        "A report as of a day uses the latest period ended by that day (a year before its fourth quarter).",
    ),
    "fig_history": ("Lịch sử nhập", "History of entries"),
    "fig_state": ("Trạng thái", "State"),
    "fig_state_current": ("Đang dùng", "Counts"),
    "fig_state_replaced": ("Đã được sửa", "Corrected later"),
    "fig_state_withdrawn": ("Đã rút lại", "Taken back"),
    "fig_done_entered": ("Đã lưu số liệu.", "The figure is saved."),
    "fig_done_corrected": (
        "Đã sửa số liệu; số cũ vẫn trong lịch sử.",
        "The figure is corrected; the old one stays in the history.",
    ),
    "fig_restore": ("Khôi phục", "Restore"),
    "fig_done_restored": ("Đã khôi phục số liệu đã rút lại.", "The figure taken back counts again."),
    "fig_done_nothing_to_restore": (
        "Không khôi phục được: đã có số liệu mới hơn cho kỳ này.",
        "Nothing to restore: a newer figure was entered for that period.",
    ),
    "fig_done_withdrawn": (
        "Đã rút lại số liệu. Bấm «Khôi phục» trong lịch sử nhập để đưa lại.",
        "The figure is taken back. Press “Restore” in the history to put it back.",
    ),
    "fig_done_nothing_to_withdraw": ("Không có số liệu nào để rút lại.", "There was no figure to take back."),
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
    "future_note": (
        "Ngày được chọn còn ở tương lai: số liệu là số liệu đến hôm nay.",
        "The chosen date is in the future: the figures are those known today.",
    ),
    "commune_total": ("Toàn xã", "Whole commune"),
    "hamlet": ("Thôn/bản", "Hamlet"),
    "hamlets": ("Các thôn/bản", "Hamlets"),
    "sorted_by_lag": (
        "Xếp theo mức chậm so với chỉ tiêu (chậm nhất trước)",
        "Sorted by how far they lag behind the targets (furthest first)",
    ),
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
    "csv_plain": ("CSV", "CSV"),
    "csv_plain_hint": (
        "CSV chuẩn: dấu phẩy giữa các cột, dấu chấm thập phân, ngày NNNN-TT-NN (cho phần mềm khác)",
        "Standard CSV: comma separated, decimal point, days as YYYY-MM-DD (for other software)",
    ),
    "csv_excel_vi": (
        "CSV (Excel tiếng Việt: dấu ; và dấu phẩy thập phân)",
        "CSV (Vietnamese Excel: ; separated, decimal comma)",
    ),
    "csv_excel_vi_hint": (
        "Mở đúng bằng Excel cài tiếng Việt: số điện thoại giữ số 0 đầu, 50,3 là số, ngày dd/mm/yyyy",
        "Opens right in Excel set to Vietnamese: phones keep their leading 0, 50,3 is a number, days dd/mm/yyyy",
    ),
    "print": ("In báo cáo", "Print"),
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
    "duplicates_hint": (
        "Giống nhau nhất ở trên cùng: so tên chủ hộ (bỏ dấu), địa chỉ (số nhà, xóm, đường) và số điện thoại. "
        "Cùng tên mà khác số nhà thì không coi là trùng.",
        "Most alike first: the head's name (without diacritics), the address (house number, hamlet "
        "group, road) and the phone are compared. The same name at another house number is not a duplicate.",
    ),
    "duplicate_first": ("Hộ thứ nhất", "First household"),
    "duplicate_second": ("Hộ thứ hai", "Second household"),
    "duplicate_why": ("Vì sao", "Why"),
    "no_address": ("(không ghi địa chỉ)", "(no address)"),
    "no_phone": ("(không ghi số điện thoại)", "(no phone)"),
    # the evidence a pair is weighed on (survey.duplicates.WEIGHTS), for then against
    "evidence_same_name": ("cùng tên", "same name"),
    "evidence_similar_name": ("tên gần giống", "similar name"),
    "evidence_other_name": ("khác tên", "different name"),
    "evidence_same_address": ("cùng địa chỉ", "same address"),
    "evidence_same_house_number": ("cùng số nhà", "same house number"),
    "evidence_same_place": ("cùng xóm/đường (không có số nhà)", "same place (no house number)"),
    "evidence_same_place_number_missing": (
        "cùng xóm/đường, một bên không ghi số nhà",
        "same place, one house number missing",
    ),
    "evidence_other_place": ("khác xóm/đường", "different place"),
    "evidence_other_house_number": ("khác số nhà", "different house number"),
    "evidence_same_phone": ("cùng số điện thoại", "same phone"),
    "evidence_other_phone": ("khác số điện thoại", "different phone"),
    "merge": ("Xem và gộp…", "Compare and merge…"),
    # the merge page (issue 12 §4)
    "merge_title": ("Gộp hai hộ trùng", "Merge two duplicate households"),
    "merge_hint": (
        "Chọn hộ giữ lại. Hộ kia rời danh sách (trùng), các lần khảo sát vẫn được giữ nguyên; hộ giữ lại "
        "tính theo lần khảo sát xong mới nhất của cả hai. Có thể hoàn tác.",
        "Choose the household to keep. The other leaves the roster (duplicate); every visit is kept as "
        "recorded; the kept household counts from the newest completed visit of the two. It can be undone.",
    ),
    "merge_keep": ("Giữ hộ này", "Keep this one"),
    "merge_next": ("Tiếp tục", "Continue"),
    "merge_confirm_title": ("Xác nhận gộp", "Confirm the merge"),
    "merge_confirm": ("Xác nhận gộp", "Confirm the merge"),
    "merge_cancel": ("Huỷ", "Cancel"),
    "merge_will_keep": ("Giữ lại", "Kept"),
    "merge_will_drop": ("Rời danh sách (hộ trùng)", "Leaves the roster (duplicate)"),
    "merge_will_count": (
        "Hộ giữ lại được tính theo lần khảo sát xong mới nhất của cả hai hộ; từ ngày hộ thứ hai được ghi nhận, "
        "hai hộ chỉ tính là một. Điện thoại của tình nguyện viên nhận thay đổi ở lần đồng bộ tới.",
        "The kept household counts from the newest completed visit of the two; from the day the second "
        "record was made, the pair counts once. Volunteers' phones receive the change at their next sync.",
    ),
    "merge_can_undo": (
        "Có thể hoàn tác ở trang thôn (mục “Hộ đã gộp”).",
        "It can be undone from the hamlet page (“Merged households”).",
    ),
    "merge_why_newer_visit": (
        "Gợi ý giữ hộ này: lần khảo sát xong của hộ này mới hơn.",
        "Suggested: this household's completed visit is the newer.",
    ),
    "merge_why_only_visited": (
        "Gợi ý giữ hộ này: chỉ hộ này đã được khảo sát xong.",
        "Suggested: only this household has a completed visit.",
    ),
    "merge_why_older_record": (
        "Gợi ý giữ hộ này: chưa hộ nào được khảo sát xong, hộ này được ghi nhận trước.",
        "Suggested: neither has a completed visit, and this one was recorded first.",
    ),
    "created_on": ("Ngày ghi nhận", "Recorded on"),
    "members_latest": ("Thành viên (lần khảo sát xong gần nhất)", "Members (latest completed visit)"),
    "relation": ("Quan hệ với chủ hộ", "Relation to the head"),
    "birth_year": ("Năm sinh", "Birth year"),
    "sex": ("Giới tính", "Sex"),
    "visits": ("Các lần đến hộ", "Visits"),
    "outcome": ("Kết quả", "Outcome"),
    "outcome_completed": ("Khảo sát xong", "Completed"),
    "outcome_nobody_home": ("Không có nhà", "Nobody home"),
    "outcome_declined": ("Từ chối", "Declined"),
    "outcome_moved": ("Chuyển đi / trùng", "Moved away / duplicate"),
    "merged_pairs": ("Hộ đã gộp", "Merged households"),
    "merged_kept": ("Hộ giữ lại", "Kept"),
    "merged_dropped": ("Hộ trùng (đã rời danh sách)", "Duplicate (off the roster)"),
    "merged_on": ("Ngày gộp", "Merged on"),
    "undo": ("Hoàn tác", "Undo"),
    "unmerged": ("Đã hoàn tác: hai hộ trở lại danh sách.", "Undone: both households are back on the roster."),
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
    "previous": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "show_all": ("Xem tất cả", "Show all"),
    "most_lagging": ("Chỉ 100 thôn chậm nhất mỗi trang", "100 most lagging per page"),
    # -- which day a block's figures are of (issue 12 §3) ------------------------------------
    "today_figures": ("Số liệu hôm nay ({day})", "Today's figures ({day})"),
    "today_not_chosen": (
        "Số liệu hôm nay ({day}), không theo ngày đã chọn",
        "Today's figures ({day}), not as of the chosen date",
    ),
    "as_of_figures": ("Số liệu đến ngày {day}", "Figures as of {day}"),
    # -- follow-ups (templates/follow_ups.html, the hamlet page) --------------------------------
    "fu_by_hamlet": ("Số hộ cần hỗ trợ, theo thôn và theo việc", "Households needing each follow-up, by hamlet"),
    "fu_summary_hint": (
        "Mỗi ô là số hộ cần việc đó (hộ có hai người cùng cần vẫn tính một hộ); bấm vào số để xem danh sách.",
        "Each cell counts the households that need it (a household where two people need it counts once); "
        "click a number for the list.",
    ),
    "fu_needs_here": ("Số hộ cần từng việc", "Households needing each follow-up"),
    "fu_households": ("Số hộ", "Households"),
    "fu_any": ("Hộ cần ít nhất một việc", "Households needing anything"),
    "fu_list": ("Danh sách cần hỗ trợ", "Follow-up list"),
    "fu_order": (
        "Xếp theo thôn, rồi hộ chờ lâu nhất trước (lần khảo sát xong gần nhất cũ nhất).",
        "By hamlet, then the longest waiting first (the oldest latest completed visit).",
    ),
    "fu_file": (
        "Tệp tải về: mỗi hộ một dòng (xếp theo thôn, rồi tên chủ hộ), mỗi việc một cột ghi ai cần "
        "(cả hộ, hoặc quan hệ với chủ hộ và năm sinh).",
        "The download: a row per household (by hamlet, then the head's name), a column per need saying "
        "who needs it (the whole household, or relation to the head and birth year).",
    ),
    "fu_rows": ("Việc {first}–{last} trên {total}", "Follow-ups {first}–{last} of {total}"),
    "fu_every_need": ("Mọi việc", "Every need"),
    "fu_every_hamlet": ("Mọi thôn", "Every hamlet"),
    "fu_filter": ("Lọc", "Filter"),
    "fu_clear": ("Bỏ lọc", "Clear the filters"),
    "fu_commune": ("Việc cần hỗ trợ của toàn xã", "The whole commune's follow-ups"),
    "fu_behind": (
        "{n} hộ vừa thay đổi có thể chưa được tính vào các số này (máy chủ đang bận); hãy tải lại trang sau ít phút.",
        "{n} households changed lately may not be in these figures yet (the server is busy); "
        "reload the page in a few minutes.",
    ),
    "page": ("Trang", "Page"),
    # -- admin pages (server_sync/web/admin_pages.py, templates/admin*.html) -----------------
    "adm_title": ("Quản trị xã", "Commune administration"),
    "adm_hamlets": ("Thôn/bản", "Hamlets"),
    "adm_id": ("Mã", "Id"),
    "adm_name": ("Tên", "Name"),
    "adm_team_since": ("Tổ công nghệ số cộng đồng hoạt động từ", "Digital-tech team active since"),
    "adm_team_none": ("Chưa có tổ", "No active team"),
    "adm_save": ("Lưu", "Save"),
    "adm_clear": ("Bỏ", "Clear"),
    "adm_import": ("Nhập thôn từ tệp CSV", "Import hamlets from a CSV file"),
    "adm_import_hint": (
        "Tệp CSV UTF-8 (trong Excel: Lưu thành “CSV UTF-8”), cột cách nhau bằng dấu phẩy hoặc chấm phẩy, "
        "dòng đầu là id,name hoặc id,name,team_active_since; ngày viết 01/03/2026 hoặc 2026-03-01. "
        "Thôn mới được thêm, thôn đã có được cập nhật; thôn không có trong tệp vẫn được giữ. "
        "Tệp có lỗi thì không ghi gì.",
        "A UTF-8 CSV file (in Excel: Save as “CSV UTF-8”), columns separated by commas or semicolons, "
        "whose first line is id,name or id,name,team_active_since; dates as 01/03/2026 (day first) or "
        "2026-03-01. New hamlets are added, known ones updated; hamlets not in the file are kept. A file "
        "with any error writes nothing.",
    ),
    "adm_csv_file": ("Tệp CSV", "CSV file"),
    "adm_upload": ("Nhập tệp", "Import the file"),
    "adm_volunteers": ("Tình nguyện viên", "Volunteers"),
    "adm_add_volunteer": ("Thêm tình nguyện viên", "Add a volunteer"),
    "adm_full_name": ("Họ tên", "Full name"),
    "adm_covers": ("Thôn phụ trách", "Hamlets covered"),
    "adm_add": ("Thêm", "Add"),
    "adm_codes": ("Mã đăng ký điện thoại", "Enrolment codes"),
    "adm_codes_hint": (
        "Mỗi mã chỉ dùng được một lần và chỉ hiện một lần; máy chủ chỉ lưu bản băm của mã. "
        "Mã cấp trước mà chưa dùng vẫn còn hiệu lực đến khi hết hạn.",
        "Each code works once and is shown once; the server keeps only a hash of it. "
        "Codes issued earlier and not yet used stay valid until they expire.",
    ),
    "adm_days": ("Hiệu lực (ngày)", "Valid for (days)"),
    "adm_days_unit": ("ngày", "days"),
    "adm_issue": ("Cấp mã", "Issue a code"),
    "adm_code_title": ("Mã đăng ký một lần", "One-time enrolment code"),
    "adm_code_once": (
        "Mã này chỉ hiện một lần, máy chủ không lưu lại. Nếu làm mất, hãy cấp mã mới.",
        "This code is shown only once; the server does not keep it. If it is lost, issue a new one.",
    ),
    "adm_code_steps": (
        "Trên điện thoại: Đăng ký với máy chủ của xã → quét mã QR, hoặc nhập địa chỉ máy chủ và mã.",
        "On the phone: Enrol with the commune's server → scan the QR code, or type the server address and the code.",
    ),
    "adm_server": ("Địa chỉ máy chủ", "Server address"),
    "adm_expires": ("Hết hạn", "Expires"),
    "adm_qr": (
        "Mã QR: địa chỉ máy chủ và mã đăng ký (không có mật khẩu)",
        "QR code: the server address and the enrolment code (no password)",
    ),
    "adm_qr_png": (
        "Tải ảnh mã QR (PNG, có tên và mã để in)",
        "Download the QR code (PNG, with the name and code, to print)",
    ),
    "adm_back": ("Về trang quản trị", "Back to administration"),
    "adm_devices": ("Điện thoại đã đăng ký", "Enrolled phones"),
    "adm_device": ("Điện thoại", "Phone"),
    "adm_enrolled": ("Đăng ký lúc", "Enrolled"),
    "adm_last_seen": ("Kết nối gần nhất", "Last seen"),
    "adm_state": ("Trạng thái", "Status"),
    "adm_active": ("Đang hoạt động", "Active"),
    "adm_revoked": ("Đã thu hồi", "Revoked"),
    "adm_revoke": ("Thu hồi", "Revoke"),
    "adm_revoke_title": ("Thu hồi điện thoại này?", "Revoke this phone?"),
    "adm_revoke_warn": (
        "Điện thoại sẽ không đồng bộ được nữa. Dữ liệu chưa đồng bộ vẫn nằm trên máy; "
        "muốn dùng lại máy này phải cấp mã đăng ký mới.",
        "The phone will no longer be able to sync. What it has not synced stays on it; "
        "to use it again, issue a new enrolment code.",
    ),
    "adm_revoke_yes": ("Có, thu hồi", "Yes, revoke"),
    "adm_cancel": ("Hủy", "Cancel"),
    "adm_targets": ("Chỉ tiêu và cấu hình", "Targets and settings"),
    "adm_min": ("Tối thiểu (%)", "Minimum (%)"),
    "adm_strict": ("Phải vượt (>)", "Must exceed (>)"),
    "adm_max": ("Tối đa (%)", "Maximum (%)"),
    "adm_default": ("Mặc định", "Default"),
    "adm_targets_hint": (
        "Để trống ô tối thiểu: không đặt chỉ tiêu. Ô tối đa cho chỉ tiêu dạng khoảng "
        "(ví dụ 30–50%). Giá trị bằng mặc định thì theo mặc định.",
        "Leave the minimum empty for no target. The maximum is for a range target "
        "(e.g. 30–50%). A value equal to the default follows the default.",
    ),
    "adm_close_margin": (
        "Biên “gần đạt” (điểm phần trăm dưới chỉ tiêu)",
        "“Close” margin (percentage points below the target)",
    ),
    "adm_adult_age": ("Tuổi người lớn", "Adult age"),
    "adm_time_zone": ("Múi giờ của xã", "The commune's time zone"),
    "adm_campaign_start": ("Ngày bắt đầu chiến dịch", "Campaign start"),
    "adm_time_hint": (
        "Mọi số liệu tính theo ngày ở múi giờ này (mặc định Asia/Ho_Chi_Minh); bản ghi ghi trước "
        "ngày bắt đầu chiến dịch bị từ chối.",
        "Every figure counts days in this zone (default Asia/Ho_Chi_Minh); records dated before "
        "the campaign start are refused.",
    ),
    "adm_adult_age_hint": (
        "Mặc định 18; một số chỉ tiêu quốc gia dùng 15.",
        "18 by default; some national indicators use 15.",
    ),
    "adm_done_imported": (
        "Đã nhập thôn: thêm {added}, cập nhật {updated}, giữ nguyên {unchanged}.",
        "Hamlets imported: {added} added, {updated} updated, {unchanged} unchanged.",
    ),
    "adm_done_kept": ("{kept} thôn không có trong tệp vẫn được giữ.", "{kept} hamlet(s) not in the file are kept."),
    "adm_done_no_team": (
        "Tệp không có cột team_active_since: ngày có Tổ công nghệ số của các thôn đã có giữ nguyên.",
        "No team_active_since column: known hamlets keep their digital-tech team date.",
    ),
    "adm_done_team_set": ("Đã lưu ngày có Tổ công nghệ số.", "The digital-tech team date is saved."),
    "adm_done_team_cleared": (
        "Đã ghi nhận: thôn chưa có Tổ công nghệ số hoạt động.",
        "Noted: the hamlet has no active digital-tech team.",
    ),
    "adm_done_volunteer_added": (
        "Đã thêm tình nguyện viên. Cấp mã đăng ký cho điện thoại ở mục “Mã đăng ký điện thoại”.",
        "The volunteer is added. Issue a code for their phone under “Enrolment codes”.",
    ),
    "adm_done_revoked": (
        "Đã thu hồi điện thoại: nó không đồng bộ được nữa.",
        "The phone is revoked: it can no longer sync.",
    ),
    "adm_done_already_revoked": ("Điện thoại này đã bị thu hồi từ trước.", "That phone was already revoked."),
    "adm_done_targets_saved": ("Đã lưu chỉ tiêu và cấu hình.", "Targets and settings are saved."),
    # -- administration over five years: volunteers, codes, accounts, the audit trail ---------
    "adm_staff_link": ("Tài khoản cán bộ", "Staff accounts"),
    "adm_audit_link": ("Nhật ký thay đổi", "Audit trail"),
    "adm_edit": ("Sửa", "Edit"),
    "adm_paused": ("Tạm dừng", "Paused"),
    "adm_open_codes": ("Mã chưa dùng, còn hạn", "Unused codes still valid"),
    "adm_open_codes_hint": (
        "Máy chủ chỉ lưu bản băm nên không xem lại được mã. Thu hồi mã bị lộ hoặc không dùng đến.",
        "The server keeps only a hash, so a code cannot be shown again. Take back a code that "
        "was seen by others or will not be used.",
    ),
    "adm_issued": ("Cấp lúc", "Issued"),
    "adm_code_revoke": ("Thu hồi mã", "Take back"),
    "adm_paused_no_code": ("Đang tạm dừng: mở lại để cấp mã.", "Paused: reactivate them to issue a code."),
    "adm_done_volunteer_saved": ("Đã lưu tên và thôn phụ trách.", "The name and hamlets are saved."),
    "adm_done_volunteer_unchanged": ("Không có gì thay đổi.", "Nothing changed."),
    "adm_done_deactivated": (
        "Đã tạm dừng tình nguyện viên: điện thoại của họ không đồng bộ được cho đến khi mở lại.",
        "The volunteer is paused: their phones cannot sync until they are reactivated.",
    ),
    "adm_done_reactivated": (
        "Đã mở lại: điện thoại của tình nguyện viên đồng bộ tiếp như trước.",
        "Reactivated: the volunteer's phones sync again as before.",
    ),
    "adm_done_code_revoked": (
        "Đã thu hồi mã: không dùng mã đó đăng ký được nữa.",
        "The code is taken back: it no longer enrols.",
    ),
    "adm_done_code_not_open": (
        "Mã đó đã được dùng hoặc đã bị thu hồi từ trước.",
        "That code was already used or taken back.",
    ),
    "vol_edit": ("Tên và thôn phụ trách", "Name and hamlets"),
    "vol_hamlets_hint": (
        "Ở lần đồng bộ sau, điện thoại của tình nguyện viên nhận thôn mới cùng mọi hộ của thôn; "
        "thôn bỏ đi không còn hiện trên máy. Không dữ liệu nào bị xóa.",
        "At their next sync the volunteer's phones get a new hamlet with all its households; a "
        "hamlet taken away no longer shows on them. Nothing is deleted.",
    ),
    "vol_active_text": (
        "Đang hoạt động: điện thoại của người này đồng bộ bình thường.",
        "Active: this volunteer's phones sync as usual.",
    ),
    "vol_paused_text": (
        "Đang tạm dừng từ {since}: điện thoại của người này không đồng bộ được và mã đăng ký của "
        "họ không dùng được. Không dữ liệu nào bị xóa.",
        "Paused since {since}: this volunteer's phones cannot sync and their enrolment codes do "
        "not work. Nothing is deleted.",
    ),
    "vol_deactivate": ("Tạm dừng tình nguyện viên", "Pause this volunteer"),
    "vol_deactivate_hint": (
        "Khi tình nguyện viên nghỉ hoặc vắng lâu. Điện thoại giữ nguyên dữ liệu; mở lại thì các "
        "máy đó đồng bộ tiếp, không cần đăng ký lại.",
        "When a volunteer leaves or is away for long. Their phones keep their data; once "
        "reactivated the same phones sync again, without enrolling again.",
    ),
    "vol_reactivate": ("Mở lại", "Reactivate"),
    "vol_trail": ("Nhật ký", "Audit trail"),
    "vol_trail_phones": ("Thay đổi từ điện thoại của người này", "Changes from this volunteer's phones"),
    "vol_trail_record": ("Thay đổi hồ sơ tình nguyện viên", "Changes to this volunteer's set-up"),
    "stf_title": ("Tài khoản cán bộ", "Staff accounts"),
    "stf_hint": (
        "Cán bộ xem và tải số liệu; quản trị viên còn quản lý thôn, tình nguyện viên, chỉ tiêu và "
        "tài khoản. Xã luôn cần ít nhất một quản trị viên đang hoạt động.",
        "Staff see and download the figures; administrators also manage hamlets, volunteers, "
        "targets and accounts. A commune always needs at least one active administrator.",
    ),
    "stf_created": ("Tạo lúc", "Created"),
    "stf_role": ("Vai trò", "Role"),
    "stf_disabled_since": ("Đã khóa từ", "Disabled since"),
    "stf_disable": ("Khóa", "Disable"),
    "stf_enable": ("Mở khóa", "Re-enable"),
    "stf_new_password": ("Mật khẩu mới", "New password"),
    "stf_password": ("Mật khẩu ban đầu", "First password"),
    "stf_again": ("Nhập lại mật khẩu", "Password again"),
    "stf_reset": ("Đặt lại mật khẩu", "Reset the password"),
    "stf_change_role": ("Đổi vai trò", "Change the role"),
    "stf_add": ("Thêm tài khoản", "Add an account"),
    "stf_password_hint": (
        "Ít nhất {min} ký tự, không trùng tên đăng nhập. Đặt lại mật khẩu thì mọi phiên đăng nhập "
        "của tài khoản đó kết thúc.",
        "At least {min} characters, not the username. Resetting a password ends every open session of that account.",
    ),
    "stf_you": ("bạn", "you"),
    "stf_actions": ("Thao tác", "Actions"),
    "stf_done_added": ("Đã thêm tài khoản {user}.", "The account {user} is added."),
    "stf_done_disabled": (
        "Đã khóa tài khoản {user}: không đăng nhập được nữa.",
        "The account {user} is disabled: it can no longer sign in.",
    ),
    "stf_done_already_disabled": ("Tài khoản {user} đã bị khóa từ trước.", "The account {user} was already disabled."),
    "stf_done_enabled": (
        "Đã mở khóa tài khoản {user}: đăng nhập được bằng mật khẩu cũ.",
        "The account {user} is re-enabled: it signs in with its password.",
    ),
    "stf_done_already_enabled": ("Tài khoản {user} đang hoạt động.", "The account {user} is active."),
    "stf_done_password_reset": (
        "Đã đặt mật khẩu mới cho {user}; các phiên đăng nhập cũ đã kết thúc.",
        "{user} has a new password; their open sessions were ended.",
    ),
    "stf_done_role": ("Đã đổi vai trò của {user}.", "The role of {user} is changed."),
    "stf_done_same_role": ("{user} đã có vai trò đó.", "{user} already has that role."),
    "aud_title": ("Nhật ký thay đổi", "Audit trail"),
    "aud_hint": (
        "Ai thay đổi gì, khi nào: bản ghi từ điện thoại, thay đổi trên trang quản trị và lệnh quản "
        "trị trên máy chủ. Mới nhất trước; giờ theo múi giờ của xã.",
        "Who changed what, when: records from phones, changes on the administration pages and "
        "admin commands on the server. Newest first; times in the commune's time zone.",
    ),
    "aud_when": ("Thời điểm", "When"),
    "aud_who": ("Người thay đổi", "Who"),
    "aud_kind": ("Loại", "Kind"),
    "aud_record": ("Mã bản ghi", "Record id"),
    "aud_action": ("Thao tác", "Action"),
    "aud_change": ("Trước → sau", "Before → after"),
    "aud_any": ("Tất cả", "Any"),
    "aud_from": ("Từ ngày", "From"),
    "aud_to": ("Đến ngày", "To"),
    "aud_filter": ("Lọc", "Filter"),
    "aud_clear": ("Bỏ lọc", "Clear the filters"),
    "aud_cli": ("Lệnh quản trị trên máy chủ", "Admin command line on the server"),
    "aud_staff_group": ("Cán bộ", "Staff"),
    "aud_volunteer_group": ("Tình nguyện viên (mọi điện thoại)", "Volunteers (any of their phones)"),
    "aud_phone": ("Điện thoại", "Phone"),
    "aud_newer": ("← Mới hơn", "← Newer"),
    "aud_older": ("Cũ hơn →", "Older →"),
    "aud_newest": ("Mới nhất", "Newest"),
    "aud_none": ("Không có thay đổi nào khớp.", "No change matches."),
    "aud_more": ("và {n} trường khác", "and {n} more fields"),
    "aud_page_size": ("{n} dòng mỗi trang", "{n} rows a page"),
}

# Kinds and actions of the audit trail (services/audit.py); an unknown one shows as stored.
AUDIT_WORDS: dict[str, tuple[str, str]] = {
    "kind_household": ("Hộ", "Household"),
    "kind_visit": ("Chuyến thăm", "Visit"),
    "kind_figure": ("Số liệu theo kỳ", "Period figure"),
    "kind_commune": ("Cấu hình xã", "Commune settings"),
    "kind_hamlet": ("Thôn/bản", "Hamlet"),
    "kind_volunteer": ("Tình nguyện viên", "Volunteer"),
    "kind_code": ("Mã đăng ký", "Enrolment code"),
    "kind_device": ("Điện thoại", "Phone"),
    "kind_staff": ("Tài khoản cán bộ", "Staff account"),
    "created": ("Tạo mới", "Created"),
    "updated": ("Sửa", "Updated"),
    "merged": ("Ghép nội dung", "Merged"),
    "conflict": ("Xung đột (bản khác được giữ)", "Conflict (the other kept)"),
    "refused": ("Bị từ chối", "Refused"),
    "withdrawn": ("Rút lại", "Taken back"),
    "report_settings": ("Thể thức báo cáo", "Report settings"),
    "target": ("Chỉ tiêu", "Target"),
    "adult_age": ("Tuổi người lớn", "Adult age"),
    "close_margin": ("Biên “gần đạt”", "“Close” margin"),
    "time_zone": ("Múi giờ", "Time zone"),
    "campaign_start": ("Ngày bắt đầu chiến dịch", "Campaign start"),
    "team": ("Tổ công nghệ số", "Digital-tech team"),
    "renamed": ("Đổi tên", "Renamed"),
    "hamlets": ("Đổi thôn phụ trách", "Hamlets changed"),
    "deactivated": ("Tạm dừng", "Paused"),
    "reactivated": ("Mở lại", "Reactivated"),
    "issued": ("Cấp mã", "Issued"),
    "revoked": ("Thu hồi", "Revoked"),
    "disabled": ("Khóa", "Disabled"),
    "enabled": ("Mở khóa", "Re-enabled"),
    "password_reset": ("Đặt lại mật khẩu", "Password reset"),
    "role": ("Đổi vai trò", "Role changed"),
}


# What a field of an audit row's content is called (services/audit.py); else an indicator's
# short name, a report setting's label, or the field as stored.
AUDIT_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("Tên", "Name"),
    "province": ("Tỉnh", "Province"),
    "hamlets": ("Thôn phụ trách", "Hamlets"),
    "team_active_since": ("Tổ công nghệ số hoạt động từ", "Digital-tech team since"),
    "role": ("Vai trò", "Role"),
    "volunteer": ("Tình nguyện viên", "Volunteer"),
    "expires_at": ("Hết hạn (UTC)", "Expires (UTC)"),
    "adult_age": ("Tuổi người lớn", "Adult age"),
    "close_margin": ("Biên “gần đạt”", "“Close” margin"),
    "time_zone": ("Múi giờ", "Time zone"),
    "campaign_start": ("Ngày bắt đầu chiến dịch", "Campaign start"),
    "head_name": ("Chủ hộ", "Head of household"),
    "address": ("Địa chỉ", "Address"),
    "phone": ("Điện thoại", "Phone"),
    "hamlet_id": ("Thôn/bản", "Hamlet"),
    "created_at": ("Tạo lúc", "Created"),
    "removed_at": ("Rời danh sách lúc", "Off the roster at"),
    "removed_reason": ("Lý do rời danh sách", "Why off the roster"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "period": ("Kỳ", "Period"),
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "source": ("Nguồn", "Source"),
    "withdrawn": ("Đã rút lại", "Taken back"),
}


def audit_field(lang: str, key: str) -> str:
    """A field of an audit row's content in `lang` (see AUDIT_FIELDS)."""
    found = AUDIT_FIELDS.get(key) or SHORT.get(key) or TEXT.get(f"rs_{key}")
    if found is None:
        return key
    return found[1] if lang == "en" else found[0]


def audit_value(lang: str, field: str, value: str) -> str:
    """A value of an audit row's change as shown (services/audit.shown): a role by its name."""
    if field == "role" and f"role_{value}" in TEXT:
        return t(lang, f"role_{value}")
    return value


def audit_word(lang: str, key: str) -> str:
    """A kind ("kind_" + kind) or an action of the audit trail in `lang`; unknown: as stored."""
    vi, en = AUDIT_WORDS.get(key, (key.removeprefix("kind_"), key.removeprefix("kind_")))
    return en if lang == "en" else vi


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
    "adults_smartphone": ("Có điện thoại thông minh", "Smartphone"),
    "adults_vneid_level2": ("Có VNeID mức 2", "VNeID level 2"),
    "adults_payment_account": ("Có tài khoản thanh toán", "Payment account"),
    "businesses_traceability": ("HKD dùng mã truy xuất", "Traceability codes"),
    "officials_trained": ("CBCC được tập huấn", "Officials trained"),
    "team_members_trained": ("Tổ CNS được tập huấn", "Team members trained"),
    "procedures_online": ("Hồ sơ TTHC trực tuyến", "Dossiers online"),
    "documents_electronic": ("Văn bản điện tử", "Electronic documents"),
    "officials_digital_signature": ("CBCC dùng chữ ký số", "Digital signatures"),
}


def t(lang: str, key: str) -> str:
    vi, en = TEXT[key]
    return en if lang == "en" else vi


def label(lang: str, indicator: str) -> str:
    """An indicator's name (visit-measured or period-entered) in `lang`."""
    return indicator_label(indicator, "en" if lang == "en" else "vi")


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


def quarter_label(value: object, lang: str) -> str:
    """A trend point: "Q4/2026" at a quarter's end, else the day itself (a quarter under way,
    shown as of the figures' day)."""
    if not hasattr(value, "month"):
        return str(value)
    month, day_ = value.month, value.day  # type: ignore[attr-defined]
    year = value.year  # type: ignore[attr-defined]
    if (month, day_) in ((3, 31), (6, 30), (9, 30), (12, 31)):
        return f"Q{(month - 1) // 3 + 1}/{year}"
    return day(value, lang)

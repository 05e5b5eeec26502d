"""The one catalogue of issue codes, with Vietnamese and English messages.

Validation and the sync protocol speak in codes; human text is made only at the edge
(a screen, an HTTP error body) from this catalogue. Tests assert on codes, never on text.
"""

from __future__ import annotations

import dataclasses
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

    def message(self, lang: Lang = "vi") -> str:
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
    "outcome_invalid": Entry(
        "Kết quả chuyến thăm «{value}» không hợp lệ.",
        "Visit outcome '{value}' is not valid.",
    ),
    "visit_in_future": Entry(
        "Thời điểm thăm hộ nằm trong tương lai.",
        "The visit time is in the future.",
    ),
    "time_invalid": Entry(
        "Thời điểm «{value}» không hợp lệ.",
        "'{value}' is not a valid time.",
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
    # Set-up
    "server_url_invalid": Entry(
        "Địa chỉ máy chủ «{value}» không hợp lệ (ví dụ: http://192.168.1.10:8000).",
        "Server address '{value}' is not valid (e.g. http://192.168.1.10:8000).",
    ),
    "enrolment_code_invalid": Entry(
        "Mã đăng ký không hợp lệ (6–32 chữ cái hoặc chữ số).",
        "The enrolment code is not valid (6–32 letters or digits).",
    ),
    "household_status_invalid": Entry(
        "Trạng thái hộ «{value}» không hợp lệ.",
        "Household status '{value}' is not valid.",
    ),
}


def message(code: str, lang: Lang = "vi", **context: Any) -> str:
    """The human text for a code, in the volunteer's language.

    A missing context value never raises: a screen must always be able to show something.
    """
    entry = CATALOGUE[code]
    template = entry.vi if lang == "vi" else entry.en
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.format_map(_Blank(context))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"

from __future__ import annotations

import pytest

from survey.errors import CATALOGUE, Issue, message
from survey.text import fold, matches


@pytest.mark.parametrize(
    "text,folded",
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐẶNG THỊ Đào", "dang thi dao"),
        ("  Hoàng   Thị\tHồng ", "hoang thi hong"),
        ("Khuổi Cáp", "khuoi cap"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_matches_every_word_in_any_order():
    key = fold("Nguyễn Văn An, thôn Nà Pàn")
    assert matches("nguyen van", key)
    assert matches("Văn nguyễn", key)
    assert matches("na pan", key)
    assert not matches("nguyen thi", key)


def test_catalogue_messages_are_bilingual_and_never_raise():
    for code, entry in CATALOGUE.items():
        assert entry.vi != entry.en, code
        assert message(code, "vi") and message(code, "en")  # missing context: placeholder, no error
    issue = Issue(
        "year_in_future", "members[0].birth_year", {"value": 2030, "label_vi": "Năm sinh", "label_en": "Birth year"}
    )
    assert issue.message("vi") == "Năm sinh 2030 nằm trong tương lai."
    assert issue.message("en") == "Birth year 2030 is in the future."
    assert issue.to_dict()["code"] == "year_in_future"


def test_a_phone_number_is_its_national_digits_however_written():
    from survey.text import phone_digits

    for written in ("0912 345 678", "0912.345.678", "+84 912 345 678", "(+84) 912-345-678", "84912345678"):
        assert phone_digits(written) == "0912345678", written
    assert phone_digits("0243 825 1234") == "02438251234"  # a landline keeps its own digits
    assert phone_digits("8412") == "8412" and phone_digits(None) == ""  # too short to be a country code

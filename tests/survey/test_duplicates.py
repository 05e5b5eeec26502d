"""Two household records weighed on name, address and phone together (issue 12 §4)."""

from __future__ import annotations

import pytest

from survey.duplicates import (
    LIKELY,
    WEIGHTS,
    blocking_keys,
    likeness,
    name_key,
    particulars,
    same_household_key,
    similar_names,
)
from survey.text import phone_digits

AN = ("Nguyễn Văn An", "Số 12, xóm Đông", "0912 345 678")


@pytest.mark.parametrize(
    "other, evidence, likely",
    [
        # the twins: same name, same address, another phone (or none)
        (("nguyen van an", "12 Xom Dong", "0987 654 321"), ("same_name", "same_address", "other_phone"), True),
        (("NGUYỄN VĂN AN", "SN 12 - xóm Đông", ""), ("same_name", "same_address"), True),
        (("Nguyễn Văn An", "Số 12, xóm Đông", "+84 912 345 678"), ("same_name", "same_address", "same_phone"), True),
        # the false alarms: a common name at another house number
        (("Nguyễn Văn An", "Số 21, xóm Đông", ""), ("same_name", "other_house_number"), False),
        (
            ("Nguyễn Văn An", "Số 21, xóm Đông", "0987 654 321"),
            ("same_name", "other_house_number", "other_phone"),
            False,
        ),
        # the same house number in another xóm
        (("Nguyễn Văn An", "Số 12, xóm Tây", ""), ("same_name", "other_place"), False),
        # a name alike at the same house, and the same phone under a name alike
        (("Nguyễn An", "12 xóm Đông", ""), ("similar_name", "same_address"), True),
        (("Nguyen An", "", "0912345678"), ("same_phone", "similar_name"), True),
        (("Nguyễn Văn Anh", "", "0912345678"), ("same_phone", "other_name"), False),  # An and Anh: two names
        # a family sharing a phone: another name, elsewhere or at the same house
        (("Lý Thị Mai", "", "0912345678"), ("same_phone", "other_name"), False),
        (("Lý Thị Mai", "Số 12 xóm Đông", "0912345678"), ("same_address", "same_phone", "other_name"), True),
        (("Lý Thị Mai", "Số 12 xóm Đông", ""), ("same_address", "other_name"), False),  # two households, one house
        # the same name and nothing else known
        (("Nguyễn Văn An", "", ""), ("same_name",), True),
        (("Nguyễn Văn An", "", "0987 654 321"), ("same_name", "other_phone"), False),
        (("Nguyễn Văn An", "Số 12", ""), ("same_name", "same_house_number"), True),
        (("Nguyễn Văn An", "xóm Đông", ""), ("same_name", "same_place_number_missing"), True),
        (
            ("Nguyễn Văn An", "xóm Đông", "0987 654 321"),
            ("same_name", "same_place_number_missing", "other_phone"),
            False,
        ),
        (("Nguyễn Văn An", "xóm Tây", ""), ("same_name", "other_place"), False),
    ],
)
def test_a_pair_is_weighed_on_name_address_and_phone_together(
    other: tuple[str, str, str], evidence: tuple[str, ...], likely: bool
) -> None:
    a, b = particulars(*AN), particulars(*other)
    found = likeness(a, b)
    assert sorted(found.evidence) == sorted(evidence)
    assert found.score == sum(WEIGHTS[e] for e in evidence)
    assert found.likely is likely and (found.score >= LIKELY) is likely
    assert likeness(b, a) == found  # the order of the two never matters
    assert set(found.for_) | set(found.against) == set(found.evidence)
    assert found.evidence == found.for_ + found.against  # for first, strongest first


def test_what_one_side_lacks_is_evidence_neither_way() -> None:
    assert likeness(particulars("", "", ""), particulars(*AN)).evidence == ()
    assert likeness(particulars("", "", "123"), particulars("", "", "123")).evidence == ()  # not a phone number


def test_names_compare_folded_and_alike() -> None:
    assert name_key("  Nguyễn Văn  An. ") == "nguyen van an"
    assert similar_names("nguyen an", "nguyen van an")
    assert similar_names("nguyen thi minh an", "nguyen an")
    assert similar_names("luong van thanh", "luong van than")  # a typo apart
    assert not similar_names("nguyen van an", "tran van an")
    assert not similar_names("dinh van hung", "dinh thi hoa")
    assert not similar_names("nguyen van an", "nguyen van anh")  # short given names one letter apart
    assert not similar_names("ha van hoa", "ha van hai")
    assert not similar_names("luong thi lan", "duong thi lan")  # so are family names
    assert not similar_names("nguyen van an", "nguyen thi an")
    assert not similar_names("an", "an van")


def test_without_a_house_number_the_place_is_what_is_left_to_compare() -> None:
    tren = particulars("Hà Văn Sáu", "Xóm Trên", "")
    assert likeness(tren, particulars("Ha Van Sau", "xom tren, thon Na Pan", "")).evidence == (
        "same_name",
        "same_place",
    )
    assert likeness(tren, particulars("Hà Sáu", "Xóm Trên", "")).likely  # a middle name left out: 4 + 3
    assert likeness(tren, particulars("Hà Văn Sáu", "Xóm Dưới", "")).evidence == ("same_name", "other_place")


def test_a_phone_number_is_its_national_digits_however_written() -> None:
    for written in ("+84 912.345.678", "0912-345-678", "0084 912 345 678", "84912345678"):
        assert phone_digits(written) == "0912345678", written
    assert phone_digits("") == phone_digits(None) == ""
    assert phone_digits("0912 345 67\u00b2") == "091234567"  # a superscript is no digit


@pytest.mark.parametrize(
    "a, b",
    [
        (AN, ("nguyen van an", "12 Xom Dong", "0987 654 321")),  # the name
        (AN, ("Nguyễn An", "12 xóm Đông", "")),  # the house number
        (AN, ("Nguyen An", "", "0912345678")),  # the phone
        (("Nguyễn Văn An", "xóm Đông", ""), ("Nguyễn An", "Xom Dong, thon Na Pan", "")),  # the given name at the place
        (("Lý Thị Mai", "Tổ 3", ""), ("Lý Mai", "to 3", "")),  # ... or at a numbered part of it
    ],
)
def test_a_likely_pair_shares_a_blocking_key(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    first, second = particulars(*a), particulars(*b)
    assert likeness(first, second).likely
    assert set(blocking_keys(first)) & set(blocking_keys(second))


def test_a_household_is_blocked_by_what_it_has() -> None:
    assert blocking_keys(particulars("", "", "")) == ()
    assert blocking_keys(particulars(*AN)) == ("phone:0912345678", "name:nguyen van an", "house:12")
    assert blocking_keys(particulars("Nguyễn Văn An", "Tổ 3, xóm Đông", "")) == (
        "name:nguyen van an",
        "place:an|to3",
        "place:an|dong",
    )


def test_the_phone_warns_about_the_same_name_and_address_however_typed() -> None:
    key = same_household_key("Nguyễn Văn  Bình", "Số 7, xóm Chợ")
    assert same_household_key("nguyen van binh", "so 7 xom cho") == key
    assert same_household_key("Nguyen Van Binh", "7 Xom Cho") == key
    assert same_household_key("Nguyễn Văn Bình", "Số 70") != key
    assert same_household_key("Nguyễn Văn Bình", "Số 7, xóm Tây") != key

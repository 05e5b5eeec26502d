"""Addresses read the same however a volunteer typed them (issue 12 §4): the house number
apart, the rest as a place."""

from __future__ import annotations

import pytest

from survey.address import Address, compare_places, normal_address


@pytest.mark.parametrize(
    "written",
    [
        "Số 12, xóm Đông",
        "12 Xom Dong",
        "số 12 - XÓM ĐÔNG",
        "SN 12, xóm Đông",
        "SN12 xóm Đông",
        "Số nhà 12, xóm Đông",
        "Nhà số 12 xóm Đông",
        "nha 012, xom dong",
        "Số 12, xóm Đông, xã Thống Nhất, tỉnh Lạng Sơn",  # the commune's own name is dropped
    ],
)
def test_one_house_written_many_ways_is_one_address(written: str) -> None:
    assert normal_address(written) == Address("12", (), ("dong",))


@pytest.mark.parametrize(
    "written, house, units, words",
    [
        ("Số 21", "21", (), ()),
        ("Số nhà 12B, ngõ 5, đường Lê Lợi", "12b", (("ngo", "5"),), ("le", "loi")),
        ("12/3 Lê Lợi", "12/3", (), ("le", "loi")),
        ("Tổ 3, thôn Nà Pàn", "", (("to", "3"),), ("na", "pan")),  # a group number is not a house number
        ("tổ dân phố 3", "", (("to", "3"),), ()),
        ("Xóm số 5", "", (("xom", "5"),), ()),
        ("Km 12, QL1A", "", (("km", "12"), ("ql", "1a")), ()),
        ("Thôn Bản Cao", "", (), ("cao",)),  # thôn and bản are one unit, dropped
        ("Bản Cao", "", (), ("cao",)),
        ("th. Nà Pàn", "", (), ("na", "pan")),
        ("Xóm Trên", "", (), ("tren",)),
        ("Khuổi Xa", "", (), ("khuoi", "xa")),  # "xa" ending a name does not cut it
        ("", "", (), ()),
        ("  ,.- ", "", (), ()),
    ],
)
def test_the_house_number_and_the_place_are_read_apart(
    written: str, house: str, units: tuple[tuple[str, str], ...], words: tuple[str, ...]
) -> None:
    assert normal_address(written) == Address(house, units, words)


def test_an_address_key_tells_houses_apart_by_their_number() -> None:
    assert normal_address("Số 12, xóm Đông").key == normal_address("12 Xom Dong").key == "12|dong"
    assert normal_address("Số 12").key != normal_address("Số 21").key
    assert normal_address("Số 12").key != normal_address("Số 12B").key
    assert normal_address(None).key == "|"


@pytest.mark.parametrize(
    "a, b, match",
    [
        ("xóm Đông", "Xom Dong", "same"),
        ("Số 12, xóm Đông", "12 xóm Đông, thôn Nà Pàn", "same"),  # one's words all in the other's
        ("thôn Nà Pàn", "thon Na Phan", "same"),  # a typo apart
        ("Tổ 3, xóm Đông", "tổ 3", "same"),
        ("xóm Đông", "xóm Tây", "other"),
        ("Tổ 3", "Tổ 4", "other"),
        ("Tổ 3, xóm Đông", "Tổ 4, xóm Đông", "other"),
        ("Tổ 3", "xóm Đông", "unknown"),
        ("Số 12", "xóm Đông", "unknown"),
        ("", "", "unknown"),
    ],
)
def test_places_compare_same_other_or_unknown(a: str, b: str, match: str) -> None:
    assert compare_places(normal_address(a), normal_address(b)) == match
    assert compare_places(normal_address(b), normal_address(a)) == match

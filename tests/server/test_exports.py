"""The indicator table staff download, as XLSX and CSV, from a commune synced for real.

Expected figures are counted by hand from the households below (DESIGN §3), so a change
in how the exports read a report, or in what the report says, shows up here.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest

from server_sync import models
from server_sync.services import admin, coverage, exports, households, staff
from server_sync.services.dashboard import SHOWN as INDICATOR_IDS  # the exported indicators, in order
from server_sync.services.exports import Sheet
from survey import checklist as checklists
from survey.indicators import CoverageReport
from tests.survey.builders import adult, child, completed_visit, household, other_visit

from .conftest import World
from .test_web_pages import ADMIN, STAFF, assert_page, desk

EVIL_NAME = '=HYPERLINK("http://evil.example","Bấm vào")'
TODAY = date(2026, 11, 20)
TOTAL_VI = "Toàn xã (Xã Thống Nhất)"


def seed(world: World) -> None:
    """Nà Pàn: two visited households and one never visited; Khòn Chu: one visited, one that
    declined; Pác Mạ (team since 2027) and a hamlet with a hostile name: nobody."""
    a = household("thon-na-pan")
    b = household("thon-na-pan", head_name="Lý Thị Mai")
    c = household("thon-na-pan", head_name="Vi Thị Lan")
    d = household("thon-khon-chu", head_name="Nông Văn Tâm")
    e = household("thon-khon-chu", head_name="Lộc Văn Nam")
    visits = [
        completed_visit(
            a,
            members=[adult(1980), adult(1985, relation="spouse", vneid="level1", online="not_needed"), child(2018)],
            visited_at="2026-05-10T09:00:00.000+00:00",
        ),
        completed_visit(
            b,
            members=[adult(1970, phone="feature_phone")],
            waste="partly",
            guided=["none"],
            business=True,
            tools=["social_sales"],
            products=[{"name": "Hồi", "promoted_online": "yes"}, {"name": "Quế", "promoted_online": "no"}],
            visited_at="2026-04-01T09:00:00.000+00:00",
        ),
        completed_visit(d, members=[adult(1990)], waste="no", visited_at="2026-06-01T09:00:00.000+00:00"),
        other_visit(e, "declined", "2026-06-02T09:00:00.000+00:00"),
    ]
    results = world.sync([a, b, c, d, e], visits).json()["results"]
    assert all(r["result"] == "accepted" for r in results), results
    with world.session() as session:
        admin.add_hamlet(session, "06577", "thon-xau", EVIL_NAME)


def load(world: World, as_of: date | None = None) -> tuple[CoverageReport, dict[str, str]]:
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        report = coverage.report(session, commune, as_of=as_of, today=TODAY)
        names = {h.id: h.name for h in admin.hamlets_of(session, "06577")}
    return report, names


# (numerator, denominator) per indicator, in INDICATORS order, counted by hand
EXPECTED = {
    "commune": [(2, 4), (4, 4), (2, 3), (1, 3), (1, 3), (1, 1), (1, 2), (1, 4), (3, 5)],
    "thon-khon-chu": [(1, 1), (1, 1), (1, 1), (0, 1), (0, 1), (0, 0), (0, 0), (0, 1), (1, 2)],
    "thon-na-pan": [(1, 3), (3, 3), (1, 2), (1, 2), (1, 2), (1, 1), (1, 2), (1, 1), (2, 3)],
    "thon-pac-ma": [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1), (0, 0)],  # team from 2027
    "thon-xau": [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1), (0, 0)],
}
ROW_NAMES = [TOTAL_VI, "Thôn Khòn Chu", "Thôn Nà Pàn", "Thôn Pác Mạ", "'" + EVIL_NAME]


def read_xlsx(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def read_csv(data: bytes, delimiter: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


LITERAL = re.compile(r'="((?:[^"]|"")*)"')


def as_excel_shows(field: str) -> str:
    """What Excel shows for a CSV field: a ="…" string literal is its text; anything else
    starting with '=' would be a formula it runs (never written: asserted)."""
    literal = LITERAL.fullmatch(field)
    if literal:
        return literal[1].replace('""', '"')
    assert not field.startswith(exports.FORMULA_STARTS), f"Excel would run {field!r}"
    return field


def header_row(sheet: Any) -> int:
    """The row the table's header is on: the last row frozen above the data."""
    return openpyxl.utils.cell.coordinate_to_tuple(sheet.freeze_panes)[0] - 1


HEADING_VI = [
    "Chỉ tiêu chuyển đổi số – Xã Thống Nhất (06577), Lạng Sơn",
    "Số liệu hôm nay 20/11/2026",
    "Người lớn: từ 18 tuổi",
]


def indicator_book(world: World, lang: str = "vi", as_of: date | None = None) -> Any:
    report, names = load(world, as_of)
    data = exports.indicator_xlsx(
        report, names, lang, "Xã Thống Nhất", today=TODAY, commune_code="06577", province="Lạng Sơn"
    )
    return read_xlsx(data)


def test_xlsx_shares_and_counts_hold_hand_counted_figures(world: World) -> None:
    seed(world)
    book = indicator_book(world)
    assert book.sheetnames == ["Tỷ lệ theo thôn", "Tử số, mẫu số theo thôn", "Chỉ tiêu (dạng bảng dọc)"]
    assert book.properties.title == HEADING_VI[0]
    shares, counts = book.worksheets[0], book.worksheets[1]
    # Shares: a % column per indicator under its name and target, the hamlet column and the
    # header kept in view (frozen), an auto filter over the table.
    assert shares.freeze_panes == "B6" and shares.auto_filter.ref == "A5:J10"
    assert shares.max_column == 1 + len(INDICATOR_IDS) and shares.max_row == 10
    assert shares["A5"].value == "Thôn/bản" and shares["A5"].font.b and shares["B5"].alignment.wrap_text
    assert shares["B5"].value == (
        "Người lớn có điện thoại thông minh, VNeID mức 2 và tài khoản thanh toán số\n(mục tiêu ≥90%)"
    )
    assert [shares.cell(row=r, column=1).value for r in range(6, 11)] == ROW_NAMES
    assert shares["A10"].data_type == "s"  # the hostile name is text, not a formula
    for r, key in enumerate(EXPECTED, start=6):
        for k, (num, den) in enumerate(EXPECTED[key]):
            cell = shares.cell(row=r, column=2 + k)
            if den:
                assert cell.value == pytest.approx(num / den), (key, INDICATOR_IDS[k])
                assert cell.number_format == "0.0%" and cell.data_type == "n"
            else:
                assert cell.value is None, (key, INDICATOR_IDS[k])  # no data: empty, never 0%
    assert shares["B6"].value == 0.5  # commune adults_ready 2/4
    # Counts: numerator and denominator under each indicator's name (merged over both).
    assert counts.freeze_panes == "B7" and counts.auto_filter.ref == "A6:S11"
    assert counts["B5"].value.startswith("Người lớn có điện thoại") and "B5:C5" in counts.merged_cells
    assert [counts.cell(row=6, column=c).value for c in range(1, 4)] == ["Thôn/bản", "Tử số", "Mẫu số"]
    for r, key in enumerate(EXPECTED, start=7):
        got = [
            (counts.cell(row=r, column=2 + 2 * k).value, counts.cell(row=r, column=3 + 2 * k).value) for k in range(9)
        ]
        assert got == EXPECTED[key], key
    assert counts["B7"].data_type == "n"


def test_every_sheet_says_the_commune_the_day_and_the_adult_age(world: World) -> None:
    """Issue 12 §5: "its first sheet carries no date"."""
    seed(world)
    for sheet in indicator_book(world).worksheets:
        assert [sheet.cell(row=r, column=1).value for r in (1, 2, 3, 4)] == [*HEADING_VI, None], sheet.title
        assert sheet["A1"].font.b and sheet["A1"].font.sz == 14
    past = indicator_book(world, as_of=date(2026, 5, 1))
    assert [s["A2"].value for s in past.worksheets] == ["Số liệu đến ngày 01/05/2026"] * 3
    future = indicator_book(world, "en", as_of=date(2027, 1, 1))
    assert future.worksheets[0]["A1"].value == "Digital transformation indicators – Xã Thống Nhất (06577), Lạng Sơn"
    assert (
        future.worksheets[0]["A2"].value
        == "Figures as of 01/01/2027 (a day still to come: today's figures, 20/11/2026)"
    )
    assert future.worksheets[0]["A3"].value == "Adults: aged 18 and over"
    report, names = load(world)
    fifteen = dataclasses.replace(report, config=report.config.with_adult_age(15))
    book = read_xlsx(exports.indicator_xlsx(fifteen, names, "vi", "Xã Thống Nhất", today=TODAY))
    assert book.worksheets[0]["A1"].value == "Chỉ tiêu chuyển đổi số – Xã Thống Nhất"
    assert book.worksheets[2]["A3"].value == "Người lớn: từ 15 tuổi"


def test_every_sheet_prints_on_a4_one_page_wide_with_its_header_on_each_page(world: World) -> None:
    """Issue 12 §5: "the wide XLSX sheet prints 28 columns on one page"."""
    seed(world)
    book = indicator_book(world)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9, sheet.title  # A4
        assert setup.orientation == "landscape", sheet.title  # all three are wider than a portrait page
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0) and sheet.sheet_properties.pageSetUpPr.fitToPage
        margins = sheet.page_margins
        assert 0.25 <= margins.left <= 0.75 and 0.25 <= margins.right <= 0.75 and margins.top >= 0.5
        assert sheet.oddFooter.center.text == "Trang &P / &N"
        assert sheet.oddHeader.left.text == HEADING_VI[0] and sheet.oddHeader.right.text == HEADING_VI[1]
    assert [s.print_title_rows for s in book.worksheets] == ["$5:$5", "$5:$6", "$5:$5"]
    # No 28 columns on a page: the widest sheet has two per indicator, each readable.
    assert max(s.max_column for s in book.worksheets) == 1 + 2 * len(INDICATOR_IDS)
    shares = book.worksheets[0]
    widths = [shares.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, 11)]
    assert all(w >= 9 for w in widths) and widths[0] >= len(TOTAL_VI)
    assert shares.row_dimensions[5].height >= 15 * 5  # the wrapped indicator names fit their row
    # A narrow table prints upright.
    narrow = read_xlsx(exports.to_xlsx([Sheet("t", ["a", "b"], [["x", 1]])]))
    assert narrow.worksheets[0].page_setup.orientation == "portrait"


def test_xlsx_long_table_says_target_and_status(world: World) -> None:
    seed(world)
    long = indicator_book(world).worksheets[2]
    assert long.freeze_panes == "A6"
    assert [c.value for c in long[5]] == [
        "Thôn/bản",
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Tử số",
        "Mẫu số",
        "%",
        "Mục tiêu",
        "Đánh giá",
        "Số liệu đến ngày",
    ]
    assert long.max_row == 5 + 5 * len(INDICATOR_IDS)
    rows = {(r[0], r[1]): r for r in long.iter_rows(min_row=6, values_only=True)}
    assert rows[(TOTAL_VI, "adults_ready")] == (
        TOTAL_VI,
        "adults_ready",
        "Người lớn có điện thoại thông minh, VNeID mức 2 và tài khoản thanh toán số",
        2,
        4,
        0.5,
        "≥90%",
        "Còn xa",
        "Hiện tại (2026-11-20)",
    )
    assert rows[("Thôn Nà Pàn", "households_waste_sorting")][5:8] == (0.5, ">60%", "Gần đạt")  # 50 ≥ 60 − 10
    assert rows[("Thôn Nà Pàn", "products_online")][6:8] == ("30–50%", "Đạt")
    assert rows[("Thôn Pác Mạ", "adults_ready")][3:8] == (0, 0, None, "≥90%", "Chưa có số liệu")
    assert rows[(TOTAL_VI, "households_waste_partly")][6:8] == (None, "Không có chỉ tiêu")
    first = next(long.iter_rows(min_row=6, max_row=6))
    assert first[5].number_format == "0.0%"
    assert (first[1].data_type, first[1].number_format) == ("s", "@")  # the indicator id is a code
    assert first[2].alignment.wrap_text  # long names wrap rather than widen the page…
    assert long.row_dimensions[6].height == 30  # …in a row tall enough for two lines (not every viewer fits it)
    assert long.row_dimensions[8].height is None  # a short name: the default height


@pytest.mark.parametrize(
    "text, width, lines",
    [("", 10, 1), ("abc def", 10, 1), ("abc defgh", 10, 2), ("a" * 30, 12, 3), ("x\ny", 10, 2), ("ab\n", 10, 2)],
)
def test_wrapped_lines_counts_words_to_a_line(text: str, width: float, lines: int) -> None:
    assert exports.wrapped_lines(text, width) == lines


def test_csv_is_the_long_table_with_percent_numbers(world: World) -> None:
    seed(world)
    report, names = load(world)
    rows = read_csv(exports.indicator_csv(report, names, "vi", "Xã Thống Nhất", today=TODAY))
    assert rows[0] == [
        "Thôn/bản",
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Tử số",
        "Mẫu số",
        "%",
        "Mục tiêu",
        "Đánh giá",
        "Số liệu đến ngày",
    ]
    assert len(rows) == 1 + 5 * len(INDICATOR_IDS)
    by_key = {(r[0], r[1]): r for r in rows[1:]}
    assert by_key[(TOTAL_VI, "households_guided")][3:] == ["2", "3", "66.7", ">90%", "Còn xa", "Hiện tại (2026-11-20)"]
    assert by_key[("Thôn Nà Pàn", "adults_ready")][3:6] == ["1", "3", "33.3"]
    assert by_key[("Thôn Khòn Chu", "businesses_digital")][3:8] == ["0", "0", "", ">70%", "Chưa có số liệu"]
    # the hostile hamlet name is written as text: Excel will not run it
    assert ("'" + EVIL_NAME, "hamlets_with_team") in by_key
    assert not any(r[0].startswith("=") for r in rows)
    assert [r[1] for r in rows[1:10]] == list(INDICATOR_IDS)


def test_english_and_as_of(world: World) -> None:
    seed(world)
    report, names = load(world, as_of=date(2026, 5, 1))  # only Lý Thị Mai's visit (1 April) counts
    vi = read_csv(exports.indicator_csv(report, names, "vi", "Xã Thống Nhất"))
    en = read_csv(exports.indicator_csv(report, names, "en", "Xã Thống Nhất"))
    assert vi[0] != en[0] and en[0][:2] == ["Hamlet", "Indicator id"]
    total = {r[1]: r for r in en[1:] if r[0] == "Whole commune (Xã Thống Nhất)"}
    assert total["visit_coverage"][3:] == ["1", "5", "20.0", "≥100%", "Far", "2026-05-01"]
    assert total["hamlets_with_team"][3:6] == ["1", "4", "25.0"]  # Pác Mạ's team starts in 2027
    assert total["adults_ready"][2] == "Adults with a smartphone, VNeID level 2 and a digital payment account"
    assert total["households_waste_partly"][6:8] == ["", "No target"]
    assert {r[7] for r in en[1:]} == {"Met", "Far", "No data", "No target"}
    book = read_xlsx(exports.indicator_xlsx(report, names, "en", "Xã Thống Nhất"))
    assert book.sheetnames == ["Shares by hamlet", "Counts by hamlet", "Indicators (long table)"]
    assert book.properties.subject == "Figures as of 01/05/2026 · Adults: aged 18 and over"


def test_the_excel_vi_csv_has_semicolons_decimal_commas_and_the_same_table(world: World) -> None:
    """Issue 12 §5: "its percentages (50.3) import as text where the decimal separator is a comma"."""
    seed(world)
    report, names = load(world)
    plain = read_csv(exports.indicator_csv(report, names, "vi", "Xã Thống Nhất", today=TODAY))
    data = exports.indicator_csv(report, names, "vi", "Xã Thống Nhất", today=TODAY, flavour="excel-vi")
    rows = read_csv(data, delimiter=";")
    assert rows[0] == plain[0] and len(rows) == len(plain)
    assert all(len(r) == 9 for r in rows)  # ';' separates, commas inside names stay inside fields
    by_key = {(r[0], as_excel_shows(r[1])): r for r in rows[1:]}
    assert by_key[(TOTAL_VI, "households_guided")][3:] == ["2", "3", "66,7", ">90%", "Còn xa", "Hiện tại (2026-11-20)"]
    assert by_key[("Thôn Nà Pàn", "adults_ready")][3:6] == ["1", "3", "33,3"]
    assert by_key[("Thôn Khòn Chu", "businesses_digital")][3:8] == ["0", "0", "", ">70%", "Chưa có số liệu"]
    assert ("'" + EVIL_NAME, "hamlets_with_team") in by_key
    assert [as_excel_shows(f) for r in rows for f in r]  # no field Excel would run
    assert not re.search(rb"\d\.\d", data)  # no decimal point anywhere
    with pytest.raises(ValueError):
        exports.indicator_csv(report, names, "vi", "Xã Thống Nhất", flavour="excel-fr")


def test_hamlets_follow_the_callers_order_and_none_vanish(world: World) -> None:
    seed(world)
    report, _ = load(world)
    names = {"thon-pac-ma": "Pác Mạ", "thon-na-pan": "Nà Pàn", "thon-gone": "Not in the report"}
    shares, counts, long = exports.indicator_sheets(report, names, "en", commune_name="")
    order = ["Whole commune", "Pác Mạ", "Nà Pàn", "thon-khon-chu", "thon-xau"]
    assert [r[0] for r in shares.rows] == [r[0] for r in counts.rows] == order
    assert shares.percent_columns == frozenset(range(1, len(INDICATOR_IDS) + 1))
    assert counts.percent_columns == frozenset() and len(counts.groups) == len(counts.header)
    assert long.text_columns == frozenset({1})
    with pytest.raises(ValueError):
        exports.indicator_sheets(report, names, "fr", commune_name="")


# -- the follow-up list -----------------------------------------------------------------------

PHONE = "0912345678"


def follow_up_files(world: World, role: str = "admin") -> dict[str, bytes]:
    an = household("thon-na-pan", "Nguyễn Văn An", phone=PHONE, address="Xóm Trên, số 12")
    plus = household("thon-na-pan", "Lý Thị Mai", phone="+84987654321", address="12/3")
    visits = [
        completed_visit(an, members=[adult(1980, vneid="level1")], visited_at="2026-11-20T02:00:00.000+00:00"),
        completed_visit(plus, members=[adult(1975, vneid="none")], visited_at="2026-10-05T02:00:00.000+00:00"),
    ]
    assert all(r["result"] == "accepted" for r in world.sync([an, plus], visits).json()["results"])
    fields = staff.PERSONAL_FIELDS[role]
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        rows = households.follow_ups(session, "06577", fields=fields)
        sheet = households.follow_up_sheet(rows, "vi", fields=fields)
        titled = households.follow_up_heading(commune, "vi", today=TODAY)
    return {
        "xlsx": exports.to_xlsx([sheet], titled),
        "csv": exports.to_csv(sheet),
        "excel-vi": exports.to_csv(sheet, "excel-vi"),
    }


def test_follow_ups_keep_the_phones_leading_0_in_every_file(world: World) -> None:
    """Issue 12 §5: "the CSV loses the leading 0 of phone numbers in a spreadsheet"."""
    files = follow_up_files(world)
    sheet = read_xlsx(files["xlsx"]).worksheets[0]
    head = header_row(sheet)
    header = [c.value for c in sheet[head]]
    install, upgrade = (checklists.load(1).catalogue_label(c, "vi") for c in ("install_vneid", "upgrade_vneid_level2"))
    assert header == ["Thôn", "Chủ hộ", "Địa chỉ", "Điện thoại", "Ngày khảo sát", install, upgrade, "Mã hộ"]
    assert sheet.cell(row=head - 1, column=6).value == "Việc cần hỗ trợ (ai cần)"  # the needs' group heading
    rows = list(sheet.iter_rows(min_row=head + 1))
    assert len(rows) == 2  # a row per household
    phones = {r[1].value: r[3] for r in rows}
    assert phones["Nguyễn Văn An"].value == PHONE
    assert (phones["Nguyễn Văn An"].data_type, phones["Nguyễn Văn An"].number_format) == ("s", "@")
    assert phones["Lý Thị Mai"].value == "+84987654321" and phones["Lý Thị Mai"].number_format == "@"
    assert all(r[7].data_type == "s" and r[7].number_format == "@" for r in rows)  # household ids too
    visited = next(r[4] for r in rows if r[1].value == "Nguyễn Văn An")
    assert visited.is_date and visited.value.date() == date(2026, 11, 20) and visited.number_format == "dd/mm/yyyy"
    assert [(r[5].value, r[6].value) for r in rows] == [
        ("Chủ hộ (1975)", None),
        (None, "Chủ hộ (1980)"),
    ]  # Lý before Nguyễn

    excel = read_csv(files["excel-vi"], delimiter=";")
    assert excel[0] == [
        *header[:5],
        f"Việc cần hỗ trợ (ai cần): {install}",
        f"Việc cần hỗ trợ (ai cần): {upgrade}",
        "Mã hộ",
    ]
    shown = [[as_excel_shows(f) for f in r] for r in excel[1:]]
    assert {r[3] for r in shown} == {PHONE, "+84987654321"}
    assert {r[4] for r in shown} == {"20/11/2026", "05/10/2026"}
    assert "12/3" in {r[2] for r in shown} and '="12/3"' in {r[2] for r in excel[1:]}  # never a date in Excel
    assert [r[5:7] for r in shown] == [["Chủ hộ (1975)", ""], ["", "Chủ hộ (1980)"]]

    plain = read_csv(files["csv"])  # for software: the values as they are, ISO days
    assert {r[3] for r in plain[1:]} == {PHONE, "'+84987654321"} and {r[4] for r in plain[1:]} == {
        "2026-11-20",
        "2026-10-05",
    }


def test_the_follow_up_xlsx_says_today_and_prints_on_a4(world: World) -> None:
    sheet = read_xlsx(follow_up_files(world, "staff")["xlsx"]).worksheets[0]
    assert [sheet.cell(row=r, column=1).value for r in (1, 2, 3)] == [
        "Việc cần hỗ trợ – Xã Thống Nhất (06577), Lạng Sơn",
        "Số liệu hôm nay 20/11/2026",
        "Người lớn: từ 15 tuổi (theo phiếu khảo sát)",
    ]
    assert sheet.freeze_panes == "A7" and sheet.print_title_rows == "$5:$6"  # the needs' group row, the header
    assert sheet.page_setup.paperSize == 9 and (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.oddFooter.center.text == "Trang &P / &N"
    assert "Điện thoại" not in [c.value for c in sheet[6]]  # staff: no phone column


# -- the writers on their own ------------------------------------------------------------------


def test_the_issue_examples_through_the_writers() -> None:
    sheet = Sheet("t", ["Điện thoại", "%"], [[PHONE, 0.503], ["=1+1", 0.5]], frozenset({1}), frozenset({0}))
    excel = read_csv(exports.to_csv(sheet, "excel-vi"), delimiter=";")
    assert excel == [["Điện thoại", "%"], ['="0912345678"', "50,3"], ['="=1+1"', "50,0"]]
    assert [as_excel_shows(r[0]) for r in excel[1:]] == [PHONE, "=1+1"]  # a literal text, never run
    assert read_csv(exports.to_csv(sheet)) == [["Điện thoại", "%"], [PHONE, "50.3"], ["'=1+1", "50.0"]]
    cells = read_xlsx(exports.to_xlsx([sheet])).worksheets[0]
    assert (cells["A2"].value, cells["A2"].data_type, cells["A2"].number_format) == (PHONE, "s", "@")
    assert (cells["B2"].value, cells["B2"].data_type, cells["B2"].number_format) == (0.503, "n", "0.0%")
    with pytest.raises(ValueError):
        exports.to_csv(sheet, "excel")


@pytest.mark.parametrize(
    "text, code, written",
    [
        ("0912 345 678", False, '="0912 345 678"'),
        ("12/3", False, '="12/3"'),
        ("1,5", False, '="1,5"'),
        ("2E5", False, '="2E5"'),
        ("08:30", False, '="08:30"'),
        ("50%", False, '="50%"'),
        ("Nà Pàn", False, "Nà Pàn"),
        ("Số 12", False, "Số 12"),
        ("+84 912", False, '="+84 912"'),
        ("-x", False, "'-x"),
        ("=HYPERLINK(1)", False, "'=HYPERLINK(1)"),
        ('a"b', True, '="a""b"'),
        ("h1-abc", True, '="h1-abc"'),
        ("0" * 256, True, "0" * 256),  # too long for a formula: as it is
        ("09\n12", True, "09\n12"),
        ("", True, ""),
        ("-.,/", False, "'-.,/"),  # no digit: Excel keeps it as text
        ("1" * 100_000 + "x", False, "1" * 100_000 + "x"),  # and no regular expression backtracks on it
    ],
)
def test_excel_text_keeps_what_excel_would_convert(text: str, code: bool, written: str) -> None:
    assert exports.excel_text(text, code) == written
    if written.startswith("="):
        assert as_excel_shows(written) == text


def test_csv_guards_text_and_leaves_numbers() -> None:
    sheet = Sheet(
        "t",
        ["name", "n", "share"],
        [
            ["=1+1", -3, 0.125],
            ["+84 912", 2.5, None],
            ["@SUM(A1)", 0, 0.0],
            ["-x", 7, 1.0],
            ["\tTab", 1, 2 / 3],
            ["\rCR", 1, 0.0005],
            ['Nà Pàn, "xóm"', 1, 0.4545],
        ],
        frozenset({2}),
    )
    rows = read_csv(exports.to_csv(sheet))
    assert rows == [
        ["name", "n", "share"],
        ["'=1+1", "-3", "12.5"],
        ["'+84 912", "2.5", ""],
        ["'@SUM(A1)", "0", "0.0"],
        ["'-x", "7", "100.0"],
        ["'\tTab", "1", "66.7"],
        ["'\rCR", "1", "0.1"],
        ['Nà Pàn, "xóm"', "1", "45.5"],
    ]


def test_xlsx_tabs_cells_and_widths() -> None:
    long_title = "Danh sách hộ cần theo dõi tiếp theo thôn bản"
    sheets = [
        Sheet(long_title, ["Hộ", "Số"], [["=cmd|' /C calc'!A0", 1], ["bad\x01char", None]]),
        Sheet(long_title, ["a"], []),
        Sheet("a/b[c]:d*e?f\\g", ["x"], [["y" * 200]]),
        Sheet("", ["x"], []),
    ]
    book = read_xlsx(exports.to_xlsx(sheets))
    assert book.sheetnames == [long_title[:31], long_title[:27].rstrip() + " (2)", "a-b-c--d-e-f-g", "Sheet4"]
    assert all(len(name) <= 31 for name in book.sheetnames)
    first = book.worksheets[0]
    assert first["A2"].value == "'=cmd|' /C calc'!A0" and first["A2"].data_type == "s"
    assert first["A3"].value == "badchar" and first["B3"].value is None
    assert first.auto_filter.ref == "A1:B3" and book.worksheets[1].auto_filter.ref == "A1:A1"
    assert first.freeze_panes == "A2" and first.print_title_rows == "$1:$1"
    assert book.worksheets[2].column_dimensions["A"].width == exports.MAX_WIDTH  # long text capped…
    assert book.worksheets[2]["A2"].alignment.wrap_text  # …and wrapped
    assert 6 <= first.column_dimensions["B"].width < 10
    titled = read_xlsx(exports.to_xlsx(sheets[:1], exports.Heading("Báo cáo & tổng hợp", "Xã A&B", "2026", "")))
    assert titled.properties.title == "Báo cáo & tổng hợp – Xã A&B"
    assert titled.worksheets[0].oddHeader.left.text == "Báo cáo && tổng hợp – Xã A&&B"  # '&' escaped for print
    assert [titled.worksheets[0].cell(row=r, column=1).value for r in (1, 2, 3, 4)] == [
        "Báo cáo & tổng hợp – Xã A&B",
        "2026",
        None,
        "Hộ",
    ]
    with pytest.raises(ValueError):
        exports.to_xlsx([])


def test_xlsx_texts_that_look_like_formulas_or_errors_stay_texts() -> None:
    """openpyxl takes a text starting with '=' for a formula and "#N/A" for an error: a code
    (never guarded) and a name typed on a phone reach the file as text all the same."""
    sheet = Sheet("t", ["code", "name"], [["=1+1", "#N/A"], ["#REF!", "=x"]], text_columns=frozenset({0}))
    cells = read_xlsx(exports.to_xlsx([sheet])).worksheets[0]
    assert [(c.value, c.data_type) for row in cells.iter_rows(min_row=2) for c in row] == [
        ("=1+1", "s"),
        ("#N/A", "s"),
        ("#REF!", "s"),
        ("'=x", "s"),
    ]


def test_the_xlsx_package_is_well_formed_and_the_same_table_every_time() -> None:
    """Every part parses as XML and each is declared: what Excel checks before it offers to
    "repair" a file. The same sheets give the same parts; only the file's creation time
    (docProps/core.xml, and the zip's own entry times) says when it was made. (The hand-written
    writer this replaced also fixed those, for byte-identical files; openpyxl stamps them.)"""
    sheet = Sheet(
        "Tab 'một' ok",
        ["a & b", "<c>", "d"],
        [["x\x0by", 1.5, date(2026, 1, 2)], [None, float("nan"), True], ["  spaces  ", 10**15, "\ud800"]],
        groups=["g", "g", ""],
    )

    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return {name: package.read(name) for name in package.namelist()}

    data = exports.to_xlsx([sheet, sheet], exports.heading("T", "P", None, TODAY, 18, "en"))
    first, again = parts(data), parts(exports.to_xlsx([sheet, sheet], exports.heading("T", "P", None, TODAY, 18, "en")))
    assert first.keys() == again.keys()
    assert [n for n in first if first[n] != again[n]] in ([], ["docProps/core.xml"])
    trees = {name: ElementTree.fromstring(xml) for name, xml in first.items()}
    declared = {o.get("PartName") for o in trees["[Content_Types].xml"]}
    assert {"/" + n for n in first if n.endswith(".xml") and n != "[Content_Types].xml"} <= declared
    book = read_xlsx(data)
    tab = book.worksheets[1]
    assert book.sheetnames == ["Tab 'một' ok", "Tab 'một' ok (2)"] and tab.print_title_rows == "$5:$6"
    assert [c.value for c in tab[6]] == ["a & b", "<c>", "d"] and "A5:B5" in tab.merged_cells
    assert [c.value for c in tab[7]] == ["xy", 1.5, datetime(2026, 1, 2)]
    assert [c.value for c in tab[8]] == [None, None, True]
    assert [c.value for c in tab[9]] == ["  spaces  ", 10**15, None]  # a lone surrogate dropped: nothing left


# -- the downloads, through the dashboard -------------------------------------------------------

SERVER_TODAY = "29/11/2026"  # conftest.SERVER_NOW in the commune


@pytest.fixture
def site(world: World) -> World:
    """The conftest's commune with an administrator and a staff member (as test_web_pages')."""
    with world.session() as session:
        staff.create_staff(session, "06577", ADMIN[0], "Hoàng Văn Quân", "admin", ADMIN[1])
        staff.create_staff(session, "06577", STAFF[0], "Nguyễn Thị Lan", "staff", STAFF[1])
    return world


def test_downloads_come_in_both_csv_flavours_with_the_heading_in_the_xlsx(site: World) -> None:
    an = household("thon-na-pan", "Nguyễn Văn An", phone=PHONE)
    visit = completed_visit(an, members=[adult(1980, vneid="level1")], visited_at="2026-11-20T02:00:00.000+00:00")
    assert site.sync([an], [visit]).json()["results"][0]["result"] == "accepted"
    me = desk(site.client, ADMIN)

    answer = me.get("/dash/exports/follow-ups.csv?hamlet=thon-na-pan&flavour=excel-vi")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="can-ho-tro-06577-thon-na-pan-excel-vi.csv"' in answer.headers["content-disposition"]
    rows = read_csv(answer.content, delimiter=";")
    assert rows[0][3] == "Điện thoại" and [as_excel_shows(r[3]) for r in rows[1:]] == [PHONE]
    plain = me.get("/dash/exports/follow-ups.csv?hamlet=thon-na-pan")
    assert 'filename="can-ho-tro-06577-thon-na-pan.csv"' in plain.headers["content-disposition"]
    assert [r[3] for r in read_csv(plain.content)[1:]] == [PHONE]
    assert (
        me.get("/dash/exports/follow-ups.csv?flavour=plain").content == me.get("/dash/exports/follow-ups.csv").content
    )

    follow_ups = read_xlsx(me.get("/dash/exports/follow-ups.xlsx").content).worksheets[0]
    assert follow_ups["A1"].value == "Việc cần hỗ trợ – Xã Thống Nhất (06577), Lạng Sơn"
    assert follow_ups["A2"].value == f"Số liệu hôm nay {SERVER_TODAY}"
    indicators = read_xlsx(me.get("/dash/exports/indicators.xlsx").content)
    assert [s["A2"].value for s in indicators.worksheets] == [f"Số liệu hôm nay {SERVER_TODAY}"] * 3
    past = read_xlsx(me.get("/dash/exports/indicators.xlsx?as_of=2026-Q2&lang=en").content).worksheets[0]
    assert (past["A2"].value, past["A3"].value) == ("Figures as of 30/06/2026", "Adults: aged 18 and over")

    # An XLSX file is a zip already: sent as it is; a CSV compresses ~10×.
    assert "content-encoding" not in me.get("/dash/exports/indicators.xlsx").headers
    assert me.get("/dash/exports/indicators.csv").headers.get("content-encoding") == "gzip"

    answer = me.get("/dash/exports/indicators.csv?as_of=2026-11-20&flavour=excel-vi")
    assert 'filename="chi-tieu-06577-2026-11-20-excel-vi.csv"' in answer.headers["content-disposition"]
    total = next(r for r in read_csv(answer.content, delimiter=";") if as_excel_shows(r[1]) == "adults_online_services")
    assert total[3:6] == ["1", "1", "100,0"]


@pytest.mark.parametrize(
    "url",
    [
        "/dash/exports/indicators.csv?flavour=excel-fr",
        "/dash/exports/indicators.csv?flavour=EXCEL-VI",
        "/dash/exports/indicators.csv?flavour=%00",
        "/dash/exports/indicators.csv?flavour=" + "x" * 300,
        "/dash/exports/indicators.xlsx?flavour=excel-vi",  # an XLSX has one flavour
        "/dash/exports/follow-ups.csv?flavour=excel",
        "/dash/exports/follow-ups.xlsx?flavour=excel-vi&hamlet=thon-na-pan",
    ],
)
def test_an_unknown_flavour_is_a_clear_422_page(site: World, url: str) -> None:
    me = desk(site.client, STAFF)
    answer = me.get(url)
    assert_page(answer, 422, "export_flavour_invalid")
    assert "excel-vi" in answer.text or "plain" in answer.text  # the message says what there is
    english = me.get(url + "&lang=en")
    assert_page(english, 422, "export_flavour_invalid")
    assert "file flavour" in english.text


def test_the_pages_offer_the_vietnamese_excel_csv_beside_the_plain_one(site: World) -> None:
    me = desk(site.client, STAFF)
    overview = me.get("/dash/?as_of=2026-Q2").text
    assert 'href="/dash/exports/indicators.csv?as_of=2026-06-30&amp;flavour=excel-vi"' in overview
    assert 'href="/dash/exports/indicators.csv?as_of=2026-06-30"' in overview
    assert 'href="/dash/exports/follow-ups.csv?flavour=excel-vi"' in overview
    assert overview.count(">CSV (Excel tiếng Việt: dấu ; và dấu phẩy thập phân)</a>") == 2
    english = me.get("/dash/?lang=en").text
    assert english.count(">CSV (Vietnamese Excel: ; separated, decimal comma)</a>") == 2
    hamlet = me.get("/dash/hamlets/thon-na-pan").text
    assert 'href="/dash/exports/follow-ups.csv?hamlet=thon-na-pan&amp;flavour=excel-vi"' in hamlet
    assert 'href="/dash/exports/follow-ups.csv?hamlet=thon-na-pan"' in hamlet

"""The indicator table staff download, as XLSX and CSV, from a commune synced for real.

Expected figures are counted by hand from the households below (DESIGN §3), so a change
in how the exports read a report, or in what the report says, shows up here.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest

from server_sync import models
from server_sync.services import admin, coverage, exports
from server_sync.services.dashboard import SHOWN as INDICATOR_IDS  # the exported indicators, in order
from server_sync.services.exports import Sheet
from survey.indicators import CoverageReport
from tests.survey.builders import adult, child, completed_visit, household, other_visit

from .conftest import World

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


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_xlsx_wide_table_holds_hand_counted_figures(world: World) -> None:
    seed(world)
    report, names = load(world)
    book = read_xlsx(exports.indicator_xlsx(report, names, "vi", "Xã Thống Nhất", today=TODAY))
    assert book.sheetnames == ["Chỉ tiêu theo thôn", "Chỉ tiêu (dạng bảng dọc)"]
    assert book.properties.title == "Chỉ tiêu chuyển đổi số – Xã Thống Nhất"
    wide = book["Chỉ tiêu theo thôn"]
    assert wide.freeze_panes == "A2" and wide.auto_filter.ref == "A1:AB6"
    assert wide.max_row == 6 and wide.max_column == 1 + 3 * len(INDICATOR_IDS)
    assert wide["A1"].value == "Thôn/bản" and wide["A1"].font.b
    assert wide["B1"].value.endswith(": Tử số") and wide["D1"].value.endswith(": %")
    assert [wide.cell(row=r, column=1).value for r in range(2, 7)] == ROW_NAMES
    assert wide["A6"].data_type == "s"  # the hostile name is text, not a formula
    for r, key in enumerate(EXPECTED, start=2):
        for k, (num, den) in enumerate(EXPECTED[key]):
            cells = [wide.cell(row=r, column=2 + 3 * k + j) for j in range(3)]
            assert (cells[0].value, cells[1].value) == (num, den), (key, INDICATOR_IDS[k])
            if den:
                assert cells[2].value == pytest.approx(num / den) and cells[2].number_format == "0.0%"
            else:
                assert cells[2].value is None, (key, INDICATOR_IDS[k])  # no data: empty, never 0%
    assert wide["D2"].value == 0.5 and wide["D2"].data_type == "n"  # commune adults_ready 2/4
    assert wide["AB2"].value == pytest.approx(0.6)  # commune visit_coverage 3/5


def test_xlsx_long_table_says_target_and_status(world: World) -> None:
    seed(world)
    report, names = load(world)
    book = read_xlsx(exports.indicator_xlsx(report, names, "vi", "Xã Thống Nhất", today=TODAY))
    long = book.worksheets[1]
    assert long.freeze_panes == "A2"
    assert [c.value for c in long[1]] == [
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
    assert long.max_row == 1 + 5 * len(INDICATOR_IDS)
    rows = {(r[0], r[1]): r for r in long.iter_rows(min_row=2, values_only=True)}
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
    pct = next(long.iter_rows(min_row=2, max_row=2))[5]
    assert pct.number_format == "0.0%"


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
    assert book.sheetnames == ["Indicators by hamlet", "Indicators (long table)"]
    assert book.properties.subject == "Figures as of: 2026-05-01"


def test_hamlets_follow_the_callers_order_and_none_vanish(world: World) -> None:
    seed(world)
    report, _ = load(world)
    names = {"thon-pac-ma": "Pác Mạ", "thon-na-pan": "Nà Pàn", "thon-gone": "Not in the report"}
    wide = exports.indicator_sheets(report, names, "en", commune_name="")[0]
    assert [r[0] for r in wide.rows] == ["Whole commune", "Pác Mạ", "Nà Pàn", "thon-khon-chu", "thon-xau"]
    assert wide.percent_columns == frozenset(range(3, 3 * len(INDICATOR_IDS) + 1, 3))
    with pytest.raises(ValueError):
        exports.indicator_sheets(report, names, "fr", commune_name="")


# -- the writers on their own ------------------------------------------------------------------


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
    book = read_xlsx(exports.to_xlsx(sheets, title="Báo cáo & tổng hợp", subtitle="2026"))
    assert book.sheetnames == [long_title[:31], long_title[:27].rstrip() + " (2)", "a-b-c--d-e-f-g", "Sheet4"]
    assert all(len(name) <= 31 for name in book.sheetnames)
    first = book.worksheets[0]
    assert first["A2"].value == "'=cmd|' /C calc'!A0" and first["A2"].data_type == "s"
    assert first["A3"].value == "badchar" and first["B3"].value is None
    assert first.auto_filter.ref == "A1:B3" and book.worksheets[1].auto_filter.ref == "A1:A1"
    assert book.worksheets[2].column_dimensions["A"].width == 50  # long text capped
    assert 6 <= first.column_dimensions["B"].width < 10
    assert book.properties.title == "Báo cáo & tổng hợp"
    assert first.oddHeader.center.text == "Báo cáo && tổng hợp"  # '&' escaped for the print header
    with pytest.raises(ValueError):
        exports.to_xlsx([])

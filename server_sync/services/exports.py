"""Tables staff download: the indicator table and the follow-up list, as CSV and XLSX.

A `Sheet` is plain data (a title, a header, rows of cells); services build sheets, this
module writes them. Rows hold Python values: str, int, float (a share, 0.0–1.0, written as a
percentage), None (an empty cell, e.g. "no data").

Both writers guard against formula injection: a hamlet or household name typed on a phone
("=HYPERLINK(…)", "+84…") must reach a spreadsheet as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from survey.indicators import INDICATORS as ALL_INDICATORS
from survey.indicators import Coverage, CoverageReport

from .dashboard import SHOWN

# The indicators the dashboard shows in its hamlet table, in its order.
INDICATORS = tuple(i for i in ALL_INDICATORS if i.id in SHOWN)


@dataclass(frozen=True)
class Sheet:
    title: str  # also the XLSX tab name (≤ 31 characters) and the CSV file's stem
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    percent_columns: frozenset[int] = field(default_factory=frozenset)  # 0-based; shares written as %


# -- cells --------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PERCENT_FORMAT = "0.0%"


def safe_text(text: str) -> str:
    """Text a spreadsheet will not run: a leading `'` before what could start a formula.

    Excel, LibreOffice and Google Sheets evaluate a CSV field starting with one of
    FORMULA_STARTS (OWASP "CSV injection"); names come from phones, so never trust them.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _percent_text(share: float) -> str:
    """45.5 for 0.455: one decimal, halves rounded up as Excel shows them (Python rounds
    halves to even), float noise such as 45.50000000000001 ignored first."""
    return str(Decimal(repr(round(share * 100, 9))).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _csv_cell(value: Any, percent: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if _is_number(value):
        return _percent_text(value) if percent else str(value)
    return safe_text(str(value))


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as a CSV file Excel opens right: UTF-8 with a BOM (else Vietnamese letters
    come out garbled), CRLF rows, header first, shares as percentages with one decimal."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(str(h)) for h in sheet.header])
    for row in sheet.rows:
        writer.writerow([_csv_cell(v, k in sheet.percent_columns) for k, v in enumerate(row)])
    return out.getvalue().encode("utf-8-sig")


# -- XLSX ---------------------------------------------------------------------------------------

TAB_NAME_MAX = 31
TAB_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 6, 50, 18  # characters; longer headers wrap


def tab_names(titles: Sequence[str]) -> list[str]:
    """Excel's rules for tab names: ≤ 31 characters, none of []:*?/\\, no leading or
    trailing apostrophe, unique regardless of case (else Excel calls the file damaged)."""
    names: list[str] = []
    taken: set[str] = set()
    for number, title in enumerate(titles, start=1):
        base = title.translate(TAB_FORBIDDEN).strip().strip("'").strip() or f"Sheet{number}"
        name, n = base[:TAB_NAME_MAX], 1
        while name.casefold() in taken or name.casefold() == "history":  # "History" is Excel's
            n += 1
            suffix = f" ({n})"
            name = base[: TAB_NAME_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _xlsx_text(text: str) -> str:
    # openpyxl refuses control characters XML cannot hold; a name with one must not fail a download
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", text))


def _header_text(text: str) -> str:
    return text.replace("&", "&&")  # '&' starts a code in print headers and footers


def _fill(ws: Worksheet, sheet: Sheet) -> None:
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    widths = [min(len(str(h)), HEADER_WIDTH) for h in sheet.header]
    for col, label in enumerate(sheet.header, start=1):
        cell = ws.cell(row=1, column=col, value=_xlsx_text(str(label)))
        cell.font, cell.alignment = bold, wrap
    for r, row in enumerate(sheet.rows, start=2):
        for k, value in enumerate(row):
            if k >= len(widths):
                widths.append(0)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue  # no data: an empty cell, never 0
            cell = ws.cell(row=r, column=k + 1)
            if _is_number(value):
                cell.value = value
                if k in sheet.percent_columns:
                    cell.number_format = PERCENT_FORMAT
                    shown = 6
                else:
                    shown = len(str(value))
            else:
                text = _xlsx_text(str(value))
                cell.value = text
                shown = len(text)
            widths[k] = max(widths[k], shown)
    header_lines = 1
    for k, longest in enumerate(widths):
        width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(k + 1)].width = width
        if k < len(sheet.header):
            header_lines = max(header_lines, math.ceil(len(str(sheet.header[k])) / (width - 1)))
    ws.row_dimensions[1].height = 15 * min(header_lines, 6)  # not every viewer fits wrapped rows
    last = f"{get_column_letter(max(len(widths), 1))}{len(sheet.rows) + 1}"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}"


def _print_setup(ws: Worksheet, title: str, subtitle: str) -> None:
    """On paper: landscape, as wide as the page, the header row on every page, the title on top."""
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title:
        ws.oddHeader.center.text = _header_text(title)
    if subtitle:
        ws.oddHeader.right.text = _header_text(subtitle)
    ws.oddFooter.center.text = "&P / &N"


def to_xlsx(sheets: Sequence[Sheet], *, title: str = "", subtitle: str = "") -> bytes:
    """One tab per sheet, ready to filter and print: bold frozen header with an auto filter,
    numbers as numbers, shares as real percentages, "no data" as an empty cell."""
    if not sheets:
        raise ValueError("an XLSX file needs at least one sheet")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, name in zip(sheets, tab_names([s.title for s in sheets]), strict=False):
        ws = workbook.create_sheet(name)
        _fill(ws, sheet)
        _print_setup(ws, title, subtitle)
    workbook.properties.title = title or sheets[0].title
    workbook.properties.subject = subtitle or None
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- the indicator table ------------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "wide_title": "Chỉ tiêu theo thôn",
        "long_title": "Chỉ tiêu (dạng bảng dọc)",
        "hamlet": "Thôn/bản",
        "commune_total": "Toàn xã",
        "indicator_id": "Mã chỉ tiêu",
        "indicator": "Chỉ tiêu",
        "numerator": "Tử số",
        "denominator": "Mẫu số",
        "percent": "%",
        "target": "Mục tiêu",
        "status": "Đánh giá",
        "as_of": "Số liệu đến ngày",
        "current": "Hiện tại",
        "document": "Chỉ tiêu chuyển đổi số",
        "met": "Đạt",
        "close": "Gần đạt",
        "far": "Còn xa",
        "no_data": "Chưa có số liệu",
        "no_target": "Không có chỉ tiêu",
    },
    "en": {
        "wide_title": "Indicators by hamlet",
        "long_title": "Indicators (long table)",
        "hamlet": "Hamlet",
        "commune_total": "Whole commune",
        "indicator_id": "Indicator id",
        "indicator": "Indicator",
        "numerator": "Numerator",
        "denominator": "Denominator",
        "percent": "%",
        "target": "Target",
        "status": "Status",
        "as_of": "Figures as of",
        "current": "Current",
        "document": "Digital transformation indicators",
        "met": "Met",
        "close": "Close",
        "far": "Far",
        "no_data": "No data",
        "no_target": "No target",
    },
}


def _words(lang: str) -> dict[str, str]:
    if lang not in WORDS:
        raise ValueError(f"unknown language {lang!r}; expected one of {sorted(WORDS)}")
    return WORDS[lang]


def _share(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _rows(
    report: CoverageReport, hamlet_names: Mapping[str, str], lang: str, commune_name: str
) -> list[tuple[str, Coverage]]:
    """(name, coverage): the commune first, then hamlets in the caller's order; a hamlet the
    report has but the names lack comes last under its id rather than vanishing."""
    total = _words(lang)["commune_total"]
    rows = [(f"{total} ({commune_name})" if commune_name else total, report.total)]
    rows += [
        (name, report.hamlets[hamlet_id]) for hamlet_id, name in hamlet_names.items() if hamlet_id in report.hamlets
    ]
    rows += [
        (hamlet_id, coverage) for hamlet_id, coverage in sorted(report.hamlets.items()) if hamlet_id not in hamlet_names
    ]
    return rows


def as_of_text(report: CoverageReport, lang: str, today: date | None = None) -> str:
    """The report's date, or "Current (today)" for current figures: every row says when."""
    if report.as_of is not None:
        return report.as_of.isoformat()
    return f"{_words(lang)['current']} ({(today or report.shown_day).isoformat()})"


def indicator_sheets(
    report: CoverageReport, hamlet_names: Mapping[str, str], lang: str, *, commune_name: str, today: date | None = None
) -> list[Sheet]:
    """The wide table staff read (a row per hamlet, three columns per indicator) and the long
    one for pivot tables and the report upward (a row per hamlet and indicator)."""
    words = _words(lang)
    rows = _rows(report, hamlet_names, lang, commune_name)
    header = [words["hamlet"]]
    for indicator in INDICATORS:
        label = indicator.label.text(lang)
        header += [f"{label}: {words['numerator']}", f"{label}: {words['denominator']}", f"{label}: {words['percent']}"]
    wide_rows = []
    for name, coverage in rows:
        row: list[Any] = [name]
        for indicator in INDICATORS:
            value = coverage[indicator.id]
            row += [value.numerator, value.denominator, _share(value.numerator, value.denominator)]
        wide_rows.append(row)
    wide = Sheet(words["wide_title"], header, wide_rows, frozenset(3 + 3 * k for k in range(len(INDICATORS))))

    when = as_of_text(report, lang, today)
    margin = report.config.close_margin
    long_rows = [
        [
            name,
            indicator.id,
            indicator.label.text(lang),
            value.numerator,
            value.denominator,
            _share(value.numerator, value.denominator),
            None if value.target is None else value.target.describe(),
            words[value.status(margin)],
            when,
        ]
        for name, coverage in rows
        for indicator in INDICATORS
        for value in (coverage[indicator.id],)
    ]
    long_header = [
        words[k]
        for k in (
            "hamlet",
            "indicator_id",
            "indicator",
            "numerator",
            "denominator",
            "percent",
            "target",
            "status",
            "as_of",
        )
    ]
    return [wide, Sheet(words["long_title"], long_header, long_rows, frozenset({5}))]


def indicator_csv(
    report: CoverageReport, hamlet_names: Mapping[str, str], lang: str, commune_name: str, *, today: date | None = None
) -> bytes:
    """The long table: one file that pivots, and the shape the report upward asks for."""
    return to_csv(indicator_sheets(report, hamlet_names, lang, commune_name=commune_name, today=today)[1])


def indicator_xlsx(
    report: CoverageReport, hamlet_names: Mapping[str, str], lang: str, commune_name: str, *, today: date | None = None
) -> bytes:
    """Both tables in one workbook, titled with the commune and the date of the figures."""
    words = _words(lang)
    title = f"{words['document']} – {commune_name}" if commune_name else words["document"]
    subtitle = f"{words['as_of']}: {as_of_text(report, lang, today)}"
    return to_xlsx(
        indicator_sheets(report, hamlet_names, lang, commune_name=commune_name, today=today),
        title=title,
        subtitle=subtitle,
    )


__all__ = [
    "WORDS",
    "Sheet",
    "as_of_text",
    "indicator_csv",
    "indicator_sheets",
    "indicator_xlsx",
    "safe_text",
    "tab_names",
    "to_csv",
    "to_xlsx",
]

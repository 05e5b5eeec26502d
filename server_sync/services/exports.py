"""Tables staff download: the indicator table and the follow-up list, as CSV and XLSX.

A `Sheet` is plain data (a title, a header, rows of cells); services build sheets, this
module writes them. Rows hold Python values: str, int, float (a share, 0.0–1.0, written as a
percentage), `datetime.date`, None (an empty cell, e.g. "no data").

The files, for a commune clerk with Vietnamese Excel and for software alike:

- XLSX (`to_xlsx`): every sheet starts with a `Heading` (what, which commune, the day of the
  figures, the adult age), the header row is frozen below it and repeated on every printed
  page, A4 fitted to one page wide (landscape when wide), page numbers in the footer. Shares
  are numbers in a percent format, days are dates (dd/mm/yyyy), codes are text ('@').
  Written by openpyxl in its write-only mode; data cells keep openpyxl's default look unless
  they need a format or wrapping (each styled cell costs several times a plain one).
- CSV, in two flavours (`CSV_FLAVOURS`), both UTF-8 with a BOM (else Excel garbles
  Vietnamese letters) and CRLF rows, header first, no title rows (a table, nothing else):
  "plain" is RFC 4180 for software and import dialogs (',', '50.3', ISO days);
  "excel-vi" is what Excel set to Vietnamese (list separator ';', decimal comma, days d/m/y)
  opens right with a double click (';', '50,3', '20/11/2026', codes as ="0912…").

Both writers guard against formula injection: a hamlet or household name typed on a phone
("=HYPERLINK(…)", "+84…") must reach a spreadsheet as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from survey.indicators import INDICATORS as ALL_INDICATORS
from survey.indicators import Coverage, CoverageReport

from .dashboard import SHOWN

# The indicators the dashboard shows in its hamlet table, in its order.
INDICATORS = tuple(i for i in ALL_INDICATORS if i.id in SHOWN)


@dataclass(frozen=True)
class Sheet:
    title: str  # also the XLSX tab name (≤ 31 characters)
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    percent_columns: frozenset[int] = field(default_factory=frozenset)  # 0-based; shares written as %
    # 0-based; codes (phone numbers, ids): text with their leading 0 in every spreadsheet
    text_columns: frozenset[int] = field(default_factory=frozenset)
    # XLSX only: a heading per column above the header, a run of one heading merged (the CSV
    # header says "group: header" instead)
    groups: Sequence[str] = ()
    frozen_columns: int = 0  # XLSX only: columns kept in view when scrolling sideways
    # XLSX only, 0-based: columns no wider than a header (HEADER_WIDTH); longer texts wrap
    narrow_columns: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Heading:
    """What every XLSX sheet says above its table, and every printed page in its header:
    what the file is, the commune, the day the figures hold for, and who counts as an adult
    (build one with `heading`)."""

    title: str  # "Chỉ tiêu chuyển đổi số"
    place: str  # "Xã Thống Nhất (06577), Lạng Sơn"
    when: str  # "Số liệu đến ngày 30/06/2026", "Số liệu hôm nay 20/11/2026"
    ages: str  # "Người lớn: từ 18 tuổi"
    lang: str = "vi"

    @property
    def lines(self) -> list[str]:
        first = f"{self.title} – {self.place}" if self.place else self.title
        return [line for line in (first, self.when, self.ages) if line]


# -- words and days ---------------------------------------------------------------------------

HEADING_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "today": "Số liệu hôm nay {today}",
        "as_of": "Số liệu đến ngày {day}",
        "future": "Số liệu đến ngày {day} (ngày chưa tới: là số liệu hôm nay {today})",
        "adults": "Người lớn: từ {age} tuổi",
        "page": "Trang &P / &N",
    },
    "en": {
        "today": "Figures for today, {today}",
        "as_of": "Figures as of {day}",
        "future": "Figures as of {day} (a day still to come: today's figures, {today})",
        "adults": "Adults: aged {age} and over",
        "page": "Page &P of &N",
    },
}


def day_text(day: date) -> str:
    """dd/mm/yyyy, as Vietnamese documents and Excel set to Vietnamese write a day."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def when_text(as_of: date | None, today: date, lang: str) -> str:
    """The day figures hold for, in words: today's ("hôm nay dd/mm/yyyy") when `as_of` is
    None or today; "đến ngày dd/mm/yyyy" for a past day; a day still to come says that its
    figures are today's (the dashboard counts them so). `lang` "vi", else English."""
    words = HEADING_WORDS["vi" if lang == "vi" else "en"]
    if as_of is None or as_of == today:
        return words["today"].format(today=day_text(today))
    key = "future" if as_of > today else "as_of"
    return words[key].format(day=day_text(as_of), today=day_text(today))


def place_text(name: str, code: str = "", province: str = "") -> str:
    """The commune, its official code and its province: "Xã Thống Nhất (06577), Lạng Sơn"."""
    named = f"{name} ({code})" if name and code else name or code
    return ", ".join(part for part in (named, province) if part)


def heading(title: str, place: str, as_of: date | None, today: date, adult_age: int | None, lang: str) -> Heading:
    """The heading of a file of `title` for `place` (see `place_text`), with figures as of
    `as_of` (None: today's) and adults counted from `adult_age` years (None: not said)."""
    words = HEADING_WORDS["vi" if lang == "vi" else "en"]
    ages = words["adults"].format(age=adult_age) if adult_age is not None else ""
    return Heading(title, place, when_text(as_of, today, lang), ages, lang)


# -- cells --------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PERCENT_FORMAT = "0.0%"
CSV_FLAVOURS = ("plain", "excel-vi")


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


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _plain_cell(value: Any, percent: bool, code: bool) -> str:
    if _empty(value):
        return ""
    if _is_number(value):
        return _percent_text(value) if percent else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


# What Excel would turn into a number, a date or a time on opening: digits with separators
# ("0912 345 678", "12/3", "1,5", "2E5", "08:30", "50%").
_EXCEL_CONVERTS = re.compile(r"[\s\d.,:/%()+\-eE]+")  # and a digit, checked apart (no backtracking)
_DIGIT = re.compile(r"\d")
_FORMULA_TEXT_MAX = 255  # Excel's limit for a text in a formula


def excel_text(text: str, code: bool) -> str:
    """Text as the Vietnamese-Excel CSV writes it: a code (`code`), or anything Excel would
    turn into a number or a date, as the formula ="…" whose value is exactly that text.

    Why the formula: Excel applies no format on opening a CSV; it drops a phone's leading 0
    and turns "12/3" into a date. A leading apostrophe or a tab would be shown or kept as part
    of the value; ="0912345678" is a string literal that Excel and Google Sheets show as
    0912345678 (LibreOffice too when its import evaluates formulas, else it shows the formula,
    digits intact), and it runs nothing (quotes are doubled inside it). Texts Excel would not
    convert stay plain (guarded by `safe_text`), as do those a formula cannot hold (longer
    than 255 characters, line breaks, tabs).
    """
    if not text or len(text) > _FORMULA_TEXT_MAX or any(c in text for c in "\r\n\t"):
        return safe_text(text)
    if code or (_EXCEL_CONVERTS.fullmatch(text) is not None and _DIGIT.search(text) is not None):
        return '="' + text.replace('"', '""') + '"'
    return safe_text(text)


def _excel_vi_cell(value: Any, percent: bool, code: bool) -> str:
    if _empty(value):
        return ""
    if _is_number(value):
        if code:
            return excel_text(str(value), True)
        text = _percent_text(value) if percent else repr(value) if isinstance(value, float) else str(value)
        return text.replace(".", ",")
    if isinstance(value, date):
        return day_text(value)
    return excel_text(str(value), code)


def _csv_header(sheet: Sheet) -> list[str]:
    groups = list(sheet.groups) + [""] * (len(sheet.header) - len(sheet.groups))
    return [safe_text(f"{g}: {h}" if g else str(h)) for g, h in zip(groups, sheet.header, strict=False)]


def to_csv(sheet: Sheet, flavour: str = "plain") -> bytes:
    """The sheet as a CSV file: UTF-8 with a BOM, CRLF rows, header first, nothing above it.

    `flavour` "plain": RFC 4180, ',' between fields, shares as percentages with a decimal
    point ("50.3"), days as YYYY-MM-DD. "excel-vi": ';' between fields, decimal comma
    ("50,3"), days dd/mm/yyyy, codes and number-like texts as ="…" (`excel_text`). Raises
    ValueError for another flavour.
    """
    if flavour not in CSV_FLAVOURS:
        raise ValueError(f"unknown CSV flavour {flavour!r}; expected one of {CSV_FLAVOURS}")
    excel = flavour == "excel-vi"
    write = _excel_vi_cell if excel else _plain_cell
    percent, code = sheet.percent_columns, sheet.text_columns
    texts: dict[tuple[str, bool], str] = {}  # a text written once: names and labels repeat down a column

    def cell(value: Any, k: int) -> str:
        if isinstance(value, str):
            key = (value, k in code)
            found = texts.get(key)
            if found is None:
                found = texts[key] = write(value, False, key[1])
            return found
        return write(value, k in percent, k in code)

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(_csv_header(sheet))
    writer.writerows([cell(v, k) for k, v in enumerate(row)] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


# -- XLSX ---------------------------------------------------------------------------------------

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TAB_NAME_MAX = 31
TAB_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 6, 40, 16  # characters; longer texts and headers wrap
PERCENT_WIDTH = 9
PORTRAIT_WIDTH = 100  # characters that fit across an A4 page upright; wider sheets print landscape
LINE_HEIGHT = 15.0  # points, one line of the default font
TITLE_HEIGHT = 21.0  # points, the title line (14 pt)
HEADER_LINES_MAX = 8  # a header row grows to this many lines of wrapped text, no more
PAGE_TEXT_MAX = 80  # per part of a printed header or footer (Excel allows 255 in all)
DATE_FORMAT, TEXT_FORMAT = "dd/mm/yyyy", "@"
KINDS = ("general", "code", "wrap", "percent")

# Characters XML 1.0 cannot hold, or UTF-8 cannot encode: dropped (a name typed on a phone
# with one must not fail a download; openpyxl would raise).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Column:
    """How a column looks: `width` in characters of the default font; `kind` one of KINDS:
    "general" (numbers as numbers, text as text), "code" (everything as text in the Text
    format '@': a phone's leading 0 stays, and Excel never turns it into a number when
    edited), "wrap" (long text, wrapped), "percent" (shares 0.0–1.0 shown as 45.5%)."""

    width: float
    kind: str = "general"


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped at spaces in a column `width` characters wide.

    Viewers do not all fit a row's height to wrapped text on opening (LibreOffice keeps the
    default), so rows with wrapped text are given a height from this; a little generous,
    as a letter is narrower than the width unit (a digit) on average and fonts differ.
    """
    per_line = max(int(width) - 2, 1)
    lines = 0
    for part in text.split("\n"):
        lines += 1
        used = 0
        for word in part.split():
            if used and used + 1 + len(word) > per_line:
                lines += 1
                used = 0
            used += len(word) + (1 if used else 0)
            while used > per_line:  # a word longer than a line is broken
                lines += 1
                used -= per_line
    return lines


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


def _shown_length(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return min(len(repr(value)), 12)
    return len(str(value))


def _layout(sheet: Sheet) -> tuple[list[Column], int]:
    """Each column's width and look from what it holds, and the header's height in lines:
    wide enough for its longest value (within MIN_WIDTH…MAX_WIDTH; longer text wraps) and for
    the header's longest word; headers wrap beyond HEADER_WIDTH."""
    count = max(len(sheet.header), max((len(r) for r in sheet.rows), default=0))
    longest = []
    for k in range(count):
        values = [row[k] for row in sheet.rows if k < len(row) and row[k] is not None]
        try:
            longest.append(max(map(len, values), default=0))  # a column of texts: the common case
        except TypeError:
            longest.append(max(map(_shown_length, values), default=0))
    columns, lines = [], 1
    for k in range(count):
        label = str(sheet.header[k]) if k < len(sheet.header) else ""
        word = max((len(w) for w in label.split()), default=0)
        need = max(word, min(max((len(part) for part in label.split("\n")), default=0), HEADER_WIDTH))
        if k in sheet.percent_columns:
            kind, width = "percent", max(PERCENT_WIDTH, need + 2)
        elif k in sheet.text_columns:
            kind, width = "code", max(longest[k], need) + 2
        else:
            widest = HEADER_WIDTH + 2 if k in sheet.narrow_columns else MAX_WIDTH
            kind = "wrap" if longest[k] + 2 > widest else "general"
            width = max(min(longest[k] + 2, widest), need + 2)
        width = min(max(width, MIN_WIDTH), MAX_WIDTH)
        columns.append(Column(width, kind))
        lines = max(lines, wrapped_lines(label, width))
    return columns, min(lines, HEADER_LINES_MAX)


def _page_text(text: str, *, codes: bool = False) -> str:
    """A part of a printed header or footer: '&' starts a code there, so it is doubled;
    `codes` keeps '&P' and '&N' (page number and count) as codes."""
    text = _ILLEGAL.sub("", text)[:PAGE_TEXT_MAX].replace("&", "&&")
    return text.replace("&&P", "&P").replace("&&N", "&N") if codes else text


class _Looks:
    """The workbook's cell looks, made once: openpyxl registers a style the first time a
    cell takes it, so cells share these objects rather than build their own."""

    def __init__(self) -> None:
        thin = Side(style="thin", color="FFA6A6A6")
        self.title = Font(bold=True, size=14)
        self.header_font = Font(bold=True)
        self.header_fill = PatternFill("solid", fgColor="FFDDEBF7")
        self.header_border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.wrap = Alignment(vertical="top", wrap_text=True)


class _Cells:
    """Turns one sheet's values into what a write-only row takes: a plain value where
    openpyxl's default look will do (most cells: the fast path), a `WriteOnlyCell` where the
    cell needs a format (codes '@', shares %, days dd/mm/yyyy) or wrapping.

    A styled cell is made once per column and look, then given each row's value: openpyxl
    writes a row as it is appended, and making a styled cell (its style looked up and
    registered) costs several times writing one (issue 12 §6)."""

    def __init__(self, ws: Any, columns: Sequence[Column], looks: _Looks) -> None:
        self.ws, self.looks = ws, looks
        self.kinds = [c.kind for c in columns]
        self.fits = [int(c.width) - 2 for c in columns]  # characters a line holds: longer texts wrap
        self.texts: dict[tuple[str, bool], str] = {}  # each text cleaned once: names repeat down a column
        self.made: dict[tuple[int, str | None, bool], Any] = {}  # (column, format, wrapped): its cell

    def text(self, value: str, code: bool) -> str:
        key = (value, code)
        found = self.texts.get(key)
        if found is None:
            cleaned = _ILLEGAL.sub("", value)
            found = self.texts[key] = cleaned if code else safe_text(cleaned)
        return found

    def styled(self, column: int, value: Any, number_format: str | None = None, wrap: bool = False) -> Any:
        """The column's cell of that look, holding `value` (valid until the row is appended)."""
        key = (column, number_format, wrap)
        cell = self.made.get(key)
        if cell is None:
            cell = self.made[key] = WriteOnlyCell(self.ws)
            if number_format:
                cell.number_format = number_format
            if wrap:
                cell.alignment = self.looks.wrap
        cell.value = value
        if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
            cell.data_type = "s"  # a text all the same: never a formula or an error
        return cell

    def row(self, values: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for k, (kind, fits, value) in enumerate(
            zip(self.kinds, self.fits, values, strict=False)
        ):  # a longer row is cut
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                out.append(None)
            elif kind == "code":
                out.append(self.styled(k, self.text(str(value), True), TEXT_FORMAT))
            elif isinstance(value, str):
                text = self.text(value, False)
                if kind == "wrap" and len(text) > fits:  # a short text needs no wrapping (nor its cost)
                    out.append(self.styled(k, text, wrap=True))
                else:
                    out.append(self.styled(k, text) if text in ERROR_CODES else text)
            elif isinstance(value, date):
                out.append(self.styled(k, value, DATE_FORMAT))
            elif kind == "percent" and _is_number(value):
                out.append(self.styled(k, value, PERCENT_FORMAT))
            else:
                out.append(value)
        return out


def _write_sheet(book: Any, sheet: Sheet, name: str, heading: Heading | None, looks: _Looks) -> None:
    """One worksheet, top to bottom. In write-only mode openpyxl writes the sheet's
    properties, view (the frozen pane), column widths and each row's height as the rows come,
    so those are set before the rows; filter, merges and print setup are written at the end."""
    ws = book.create_sheet(name)
    columns, header_lines = _layout(sheet)
    lines = heading.lines if heading else []
    width = max(len(columns), len(sheet.header), 1)
    groups = list(sheet.groups)
    head = (len(lines) + 1 if lines else 0) + (1 if groups else 0) + 1  # the header's row
    last = get_column_letter(width)
    for k, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(k)].width = column.width
    frozen = min(sheet.frozen_columns, width - 1)
    ws.freeze_panes = f"{get_column_letter(frozen + 1)}{head + 1}"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    for number, line in enumerate(lines, start=1):
        cell = WriteOnlyCell(ws, value=_ILLEGAL.sub("", line))
        if number == 1:
            cell.font = looks.title
            ws.row_dimensions[number].height = TITLE_HEIGHT
        ws.append([cell])
    if lines:
        ws.append([])

    def header_cell(label: str) -> Any:
        cell = WriteOnlyCell(ws, value=safe_text(_ILLEGAL.sub("", label)) if label else None)
        cell.font, cell.fill, cell.border, cell.alignment = (
            looks.header_font,
            looks.header_fill,
            looks.header_border,
            looks.header_align,
        )
        return cell

    if groups:
        k, tall = 0, 1
        while k < width:
            group = groups[k] if k < len(groups) else ""
            end = k
            while group and end + 1 < min(width, len(groups)) and groups[end + 1] == group:
                end += 1
            if end > k:
                ws.merged_cells.add(f"{get_column_letter(k + 1)}{head - 1}:{get_column_letter(end + 1)}{head - 1}")
            if group:
                tall = max(tall, wrapped_lines(group, sum(c.width for c in columns[k : end + 1])))
            k = end + 1
        ws.row_dimensions[head - 1].height = LINE_HEIGHT * min(tall, HEADER_LINES_MAX) + 3
        ws.append([header_cell(groups[k] if k < len(groups) else "") for k in range(width)])
    ws.row_dimensions[head].height = LINE_HEIGHT * max(header_lines, 1) + 3
    ws.append([header_cell(str(label)) for label in sheet.header])

    cells = _Cells(ws, columns, looks)
    wrapping = [(k, c.width) for k, c in enumerate(columns) if c.kind == "wrap"]
    for number, values in enumerate(sheet.rows, start=head + 1):
        tall = 1
        for k, column_width in wrapping:
            long = values[k] if k < len(values) else None
            if isinstance(long, str) and len(long) > column_width - 2:
                tall = max(tall, wrapped_lines(long, column_width))
        if tall > 1:
            ws.row_dimensions[number].height = LINE_HEIGHT * tall
        ws.append(cells.row(values))

    ws.auto_filter.ref = f"A{head}:{last}{head + len(sheet.rows)}"
    ws.print_title_rows = f"{head - 1 if groups else head}:{head}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(c.width for c in columns) > PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    if heading:
        ws.oddHeader.left.text = _page_text(lines[0])
        ws.oddHeader.right.text = _page_text(heading.when)
    page = HEADING_WORDS["en" if heading and heading.lang == "en" else "vi"]["page"]
    ws.oddFooter.center.text = _page_text(page, codes=True)


def to_xlsx(sheets: Sequence[Sheet], heading: Heading | None = None) -> bytes:
    """One tab per sheet, ready to filter and print (the .xlsx file's bytes), written by
    openpyxl in its write-only mode (a row at a time, several times faster than its normal mode).

    Each tab: the `heading`'s lines on top (when given), the header row bold, frozen, with
    an auto filter, repeated on every printed page; numbers as numbers, shares as real
    percentages, days as dates, codes (`Sheet.text_columns`) as text in the '@' format,
    "no data" as an empty cell; A4 fitted to one page wide, landscape when the columns are
    wider than PORTRAIT_WIDTH characters, the heading (when given) and "page n / N" printed
    on every page. Raises ValueError for no sheet.
    """
    if not sheets:
        raise ValueError("an XLSX file needs at least one sheet")
    book = Workbook(write_only=True)
    looks = _Looks()
    for sheet, name in zip(sheets, tab_names([s.title for s in sheets]), strict=True):
        _write_sheet(book, sheet, name, heading, looks)
    lines = heading.lines if heading else []
    book.properties.title = lines[0] if lines else sheets[0].title
    book.properties.subject = " · ".join(lines[1:]) or None
    book.properties.creator = "Khảo sát chuyển đổi số"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the indicator table ------------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "ratio_title": "Tỷ lệ theo thôn",
        "counts_title": "Tử số, mẫu số theo thôn",
        "long_title": "Chỉ tiêu (dạng bảng dọc)",
        "hamlet": "Thôn/bản",
        "commune_total": "Toàn xã",
        "indicator_id": "Mã chỉ tiêu",
        "indicator": "Chỉ tiêu",
        "numerator": "Tử số",
        "denominator": "Mẫu số",
        "percent": "%",
        "target": "Mục tiêu",
        "target_is": "mục tiêu {target}",
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
        "ratio_title": "Shares by hamlet",
        "counts_title": "Counts by hamlet",
        "long_title": "Indicators (long table)",
        "hamlet": "Hamlet",
        "commune_total": "Whole commune",
        "indicator_id": "Indicator id",
        "indicator": "Indicator",
        "numerator": "Numerator",
        "denominator": "Denominator",
        "percent": "%",
        "target": "Target",
        "target_is": "target {target}",
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
    """Three tables, a row per hamlet after the commune's (`_rows`), indicators in the order
    of `survey.indicators.INDICATORS`:

    1. the shares staff read: a % column per indicator, headed with its target;
    2. the counts behind them: numerator and denominator per indicator, under its name;
    3. the long table for pivot tables and the report upward: a row per hamlet and
       indicator (numerator, denominator, share, target, status, the day of the figures).

    A zero denominator gives an empty share ("no data"), never 0% or 100%. Raises
    ValueError for a `lang` other than "vi" and "en".
    """
    words = _words(lang)
    rows = _rows(report, hamlet_names, lang, commune_name)
    count = len(INDICATORS)
    labels = [indicator.label.text(lang) for indicator in INDICATORS]
    targets = [report.total[indicator.id].target for indicator in INDICATORS]
    ratio_header = [words["hamlet"]] + [
        f"{label}\n({words['target_is'].format(target=target.describe())})" if target is not None else label
        for label, target in zip(labels, targets, strict=True)
    ]
    ratio_rows = [
        [name] + [_share(v.numerator, v.denominator) for v in (coverage[i.id] for i in INDICATORS)]
        for name, coverage in rows
    ]
    ratio = Sheet(words["ratio_title"], ratio_header, ratio_rows, frozenset(range(1, count + 1)), frozen_columns=1)

    counts_rows = []
    for name, coverage in rows:
        row: list[Any] = [name]
        for indicator in INDICATORS:
            value = coverage[indicator.id]
            row += [value.numerator, value.denominator]
        counts_rows.append(row)
    counts = Sheet(
        words["counts_title"],
        [words["hamlet"]] + [words["numerator"], words["denominator"]] * count,
        counts_rows,
        groups=[""] + [label for label in labels for _ in range(2)],
        frozen_columns=1,
    )

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
    long = Sheet(words["long_title"], long_header, long_rows, frozenset({5}), frozenset({1}))
    return [ratio, counts, long]


def indicator_heading(
    report: CoverageReport,
    lang: str,
    *,
    commune_name: str,
    commune_code: str = "",
    province: str = "",
    today: date | None = None,
) -> Heading:
    """The indicator file's heading: the commune, the day of the figures (today's when the
    report is current or as of a day still to come) and the report's adult age. `today`:
    the commune's today (by default the report's for current figures, else the clock's)."""
    if today is None:
        today = report.day if report.as_of is None and report.day else report.config.today()
    return heading(
        _words(lang)["document"],
        place_text(commune_name, commune_code, province),
        report.as_of,
        today,
        report.config.adult_age,
        lang,
    )


def indicator_csv(
    report: CoverageReport,
    hamlet_names: Mapping[str, str],
    lang: str,
    commune_name: str,
    *,
    today: date | None = None,
    flavour: str = "plain",
) -> bytes:
    """The long table (`indicator_sheets`' third) in a CSV `flavour` (`to_csv`): one file that
    pivots, and the shape the report upward asks for. Raises ValueError for an unknown
    `lang` or `flavour`."""
    return to_csv(indicator_sheets(report, hamlet_names, lang, commune_name=commune_name, today=today)[2], flavour)


def indicator_xlsx(
    report: CoverageReport,
    hamlet_names: Mapping[str, str],
    lang: str,
    commune_name: str,
    *,
    today: date | None = None,
    commune_code: str = "",
    province: str = "",
) -> bytes:
    """The three tables of `indicator_sheets` in one workbook, each under the heading of
    `indicator_heading`. Raises ValueError for an unknown `lang`."""
    sheets = indicator_sheets(report, hamlet_names, lang, commune_name=commune_name, today=today)
    titled = indicator_heading(
        report, lang, commune_name=commune_name, commune_code=commune_code, province=province, today=today
    )
    return to_xlsx(sheets, titled)


__all__ = [
    "CSV_FLAVOURS",
    "WORDS",
    "XLSX_MEDIA_TYPE",
    "Heading",
    "Sheet",
    "as_of_text",
    "day_text",
    "excel_text",
    "heading",
    "indicator_csv",
    "indicator_heading",
    "indicator_sheets",
    "indicator_xlsx",
    "place_text",
    "safe_text",
    "tab_names",
    "to_csv",
    "to_xlsx",
    "when_text",
    "wrapped_lines",
]

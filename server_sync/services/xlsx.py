"""XLSX files written straight as SpreadsheetML (ECMA-376), fast enough for a whole commune.

Why not openpyxl, which wrote them before: the commune-wide follow-up list of ~4,000
households is ~19,000 rows of 9 cells, and openpyxl spends ~5 µs on each cell whatever the
mode (`bench/dashboard.py`: 2.1 s in its normal mode, 1.1 s in write-only mode, lxml or
not), while the whole download has 1 s. Writing the few parts a table needs, with shared
strings and one style index per cell, takes ~0.15–0.2 s for the same rows. openpyxl still reads
every file back in the tests.

What this writes is a small, fixed subset of the format: title lines, an optional row of
merged group headings, a header row (frozen, repeated on every printed page, with an auto
filter), data cells of five looks (`Column.kind`), column widths, A4 print setup and a page
header and footer. Nothing here decides what a table holds or how wide a column is: see
`exports`.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CELL_TEXT_MAX = 32_767  # Excel's limit for one cell
PAGE_TEXT_MAX = 80  # per part of a printed header or footer (Excel allows 255 in all)
LINE_HEIGHT = 15.0  # points, one line of the default font
HEADER_LINES_MAX = 8  # a header row grows to this many lines of wrapped text, no more
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's serial dates (1900 system, after its leap-year bug)

KINDS = ("general", "code", "wrap", "percent", "date")


@dataclass(frozen=True)
class Column:
    """How a column looks: `width` in characters of the default font; `kind`:
    "general" (numbers as numbers, text as text), "code" (everything as text in the Text
    format '@', so a phone's leading 0 stays and Excel never turns it into a number when
    edited), "wrap" (long text, wrapped), "percent" (shares 0.0–1.0 shown as 45.5%),
    "date" (`datetime.date` shown as dd/mm/yyyy)."""

    width: float
    kind: str = "general"


@dataclass(frozen=True)
class Tab:
    """One worksheet. Rows from the top: `lines` (the first bold and larger: the title), an
    empty row, the `groups` row when given, the `header` row, then `rows`.

    `groups`: a heading per column above the header; a run of equal non-empty headings is
    merged into one cell. Cells of `rows` are str, int, float, bool, `datetime.date` or None
    (an empty cell; NaN and infinities are empty too); texts outside "code" columns go
    through `guard` when given (`exports.safe_text`). `page_header` and `page_footer` are
    (left, centre, right) texts printed on every page; '&P' and '&N' in the footer are the
    page number and count, any other '&' is printed as it is.
    """

    name: str  # a valid, unique tab name: see `exports.tab_names`
    lines: Sequence[str]
    header: Sequence[str]
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    groups: Sequence[str] = ()
    header_lines: int = 1  # the header row's height, in lines of wrapped text
    frozen_columns: int = 0
    landscape: bool = False
    page_header: tuple[str, str, str] = ("", "", "")
    page_footer: tuple[str, str, str] = ("", "", "")
    guard: Callable[[str], str] | None = None  # every text of a non-code data cell passes through it


# -- styles -------------------------------------------------------------------------------------

PERCENT_FORMAT, DATE_FORMAT, TEXT_FORMAT = "0.0%", "dd/mm/yyyy", "@"
_NUMBER_FORMATS = {164: PERCENT_FORMAT, 165: DATE_FORMAT}  # 49 is Excel's built-in '@'
# cellXfs, by name: (numFmtId, fontId, fillId, borderId, alignment)
_XFS: dict[str, tuple[int, int, int, int, str]] = {
    "default": (0, 0, 0, 0, ""),
    "title": (0, 2, 0, 0, ""),
    "header": (0, 1, 2, 1, '<alignment horizontal="center" vertical="center" wrapText="1"/>'),
    "general": (0, 0, 0, 1, '<alignment vertical="top"/>'),
    "code": (49, 0, 0, 1, '<alignment vertical="top"/>'),
    "wrap": (0, 0, 0, 1, '<alignment vertical="top" wrapText="1"/>'),
    "percent": (164, 0, 0, 1, '<alignment vertical="top"/>'),
    "date": (165, 0, 0, 1, '<alignment horizontal="left" vertical="top"/>'),
}
STYLE = {name: index for index, name in enumerate(_XFS)}


def _styles() -> str:
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>' for i, code in _NUMBER_FORMATS.items())
    xfs = "".join(
        f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
        + (' applyNumberFormat="1"' if fmt else "")
        + (' applyFont="1"' if font else "")
        + (' applyFill="1"' if fill else "")
        + (' applyBorder="1"' if border else "")
        + (f' applyAlignment="1">{align}</xf>' if align else "/>")
        for fmt, font, fill, border, align in _XFS.values()
    )
    thin = '<{0} style="thin"><color rgb="FFA6A6A6"/></{0}>'
    return (
        f'{DECLARATION}<styleSheet xmlns="{MAIN}">'
        f'<numFmts count="{len(_NUMBER_FORMATS)}">{formats}</numFmts>'
        '<fonts count="3">'
        '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
        "</fonts>"
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
        "</fills>"
        '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
        f"<border>{''.join(thin.format(side) for side in ('left', 'right', 'top', 'bottom'))}<diagonal/></border>"
        "</borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(_XFS)}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


# -- text ---------------------------------------------------------------------------------------

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # not in XML 1.0, or not UTF-8


def _text(value: str) -> str:
    """Cell text XML can hold: characters XML 1.0 forbids dropped (a name typed on a phone
    with one must not fail a download), escaped, within Excel's length for a cell."""
    value = _ILLEGAL.sub("", value)[:CELL_TEXT_MAX]
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _page_text(value: str) -> str:
    return _ILLEGAL.sub("", value)[:PAGE_TEXT_MAX].replace("&", "&&")  # '&' starts a code there


def _page(parts: tuple[str, str, str], *, codes: bool = False) -> str:
    """'&L…&C…&R…' for a printed header or footer; `codes` keeps '&P' and '&N' as codes."""
    out = ""
    for code, part in zip(("&L", "&C", "&R"), parts, strict=True):
        if part:
            text = _page_text(part)
            if codes:
                text = text.replace("&&P", "&P").replace("&&N", "&N")
            out += code + text
    return _text(out)


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


def column_letter(index: int) -> str:
    """'A' for 1, 'AB' for 28."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# -- a worksheet --------------------------------------------------------------------------------


class _Strings:
    """The shared string table: each distinct text written once, cells point at it."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{_text(s)}</t></si>' for s in self.index)
        return f'{DECLARATION}<sst xmlns="{MAIN}" uniqueCount="{len(self.index)}">{items}</sst>'


def _cell_writer(column: Column, strings: _Strings, guard: Callable[[str], str] | None) -> Callable[[str, Any], str]:
    """A function (reference, value) → the <c> element, for one column's look. The hot
    loop of a download (~170,000 cells for a commune's follow-ups): texts first, no call
    but the guard's for them."""
    kind = column.kind if column.kind in KINDS else "general"
    if kind == "code":
        guard = None
    base = STYLE[kind]
    text_style = base if kind in ("code", "wrap") else STYLE["general"]
    number_style = STYLE["percent"] if kind == "percent" else STYLE["general"]
    index = strings.index
    empty, text = f'" s="{base}"/>', f'" s="{text_style}" t="s"><v>'
    number, day = f'" s="{number_style}"><v>', f'" s="{STYLE["date"]}"><v>'

    def write(ref: str, value: Any) -> str:
        if type(value) is not str:
            if value is None:
                return f'<c r="{ref}{empty}'
            if kind != "code":
                if isinstance(value, bool):
                    return f'<c r="{ref}" s="{STYLE["general"]}" t="b"><v>{int(value)}</v></c>'
                if isinstance(value, (int, float)):
                    if isinstance(value, float) and not math.isfinite(value):
                        return f'<c r="{ref}{empty}'
                    return f'<c r="{ref}{number}{value!r}</v></c>'
                if isinstance(value, date) and not isinstance(value, datetime):
                    return f'<c r="{ref}{day}{(value - EXCEL_EPOCH).days}</v></c>'
            value = str(value)
        if guard is not None:
            value = guard(value)
        found = index.get(value)
        if found is None:
            found = index[value] = len(index)
        return f'<c r="{ref}{text}{found}</v></c>'

    return write


def _row(number: int, cells: str, height: float | None = None) -> str:
    size = f' ht="{height:g}" customHeight="1"' if height else ""
    return f'<row r="{number}"{size}>{cells}</row>'


def header_row(tab: Tab) -> int:
    """The header row's number (1-based) in the sheet `tab` becomes."""
    return (len(tab.lines) + 1 if tab.lines else 0) + (1 if tab.groups else 0) + 1


def _worksheet(tab: Tab, strings: _Strings, first: bool) -> tuple[str, str]:
    """(the worksheet's XML, the range of its auto filter)."""
    width = max(len(tab.columns), len(tab.header), 1)
    letters = [column_letter(k + 1) for k in range(width)]
    head = header_row(tab)
    last_row = head + len(tab.rows)
    out: list[str] = []
    for number, line in enumerate(tab.lines, start=1):
        style = STYLE["title"] if number == 1 else STYLE["default"]
        cell = f'<c r="A{number}" s="{style}" t="s"><v>{strings(line)}</v></c>'
        out.append(_row(number, cell, 21 if number == 1 else None))
    merges: list[str] = []
    if tab.groups:
        cells, k = [], 0
        while k < width:
            name = tab.groups[k] if k < len(tab.groups) else ""
            end = k
            while name and end + 1 < min(width, len(tab.groups)) and tab.groups[end + 1] == name:
                end += 1
            value = f' t="s"><v>{strings(name)}</v></c>' if name else "/>"
            cells.append(f'<c r="{letters[k]}{head - 1}" s="{STYLE["header"]}"{value}')
            cells += [f'<c r="{letters[j]}{head - 1}" s="{STYLE["header"]}"/>' for j in range(k + 1, end + 1)]
            if end > k:
                merges.append(f"{letters[k]}{head - 1}:{letters[end]}{head - 1}")
            k = end + 1
        group_lines = max([1] + [wrapped_lines(g, _span_width(tab, g)) for g in tab.groups if g])
        out.append(_row(head - 1, "".join(cells), LINE_HEIGHT * min(group_lines, HEADER_LINES_MAX) + 3))
    header = "".join(
        f'<c r="{letters[k]}{head}" s="{STYLE["header"]}" t="s"><v>{strings(str(label))}</v></c>'
        for k, label in enumerate(tab.header)
    )
    out.append(_row(head, header, LINE_HEIGHT * max(tab.header_lines, 1) + 3))
    writers = [_cell_writer(c, strings, tab.guard) for c in tab.columns]
    writers += [_cell_writer(Column(10), strings, tab.guard)] * (width - len(writers))
    wrapping = [(k, c.width) for k, c in enumerate(tab.columns) if c.kind == "wrap"]
    for number, values in enumerate(tab.rows, start=head + 1):
        n = str(number)
        # a row shorter than the header leaves its last cells out; a longer one is cut at `width`
        row_xml = "".join([write(letter + n, v) for write, letter, v in zip(writers, letters, values, strict=False)])
        lines = 1
        for k, column_width in wrapping:
            long = values[k] if k < len(values) else None
            if isinstance(long, str) and len(long) > column_width - 2:
                lines = max(lines, wrapped_lines(long, column_width))
        out.append(_row(number, row_xml, LINE_HEIGHT * lines if lines > 1 else None))
    span = f"A{head}:{letters[-1]}{last_row}"
    frozen = min(tab.frozen_columns, width - 1)
    top_left = f"{letters[frozen]}{head + 1}"
    if frozen:
        pane = (
            f'<pane xSplit="{frozen}" ySplit="{head}" topLeftCell="{top_left}" activePane="bottomRight" '
            'state="frozen"/><selection pane="topRight"/><selection pane="bottomLeft"/>'
            f'<selection pane="bottomRight" activeCell="{top_left}" sqref="{top_left}"/>'
        )
    else:
        pane = (
            f'<pane ySplit="{head}" topLeftCell="{top_left}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top_left}" sqref="{top_left}"/>'
        )
    cols = "".join(
        f'<col min="{k + 1}" max="{k + 1}" width="{c.width:g}" customWidth="1"/>' for k, c in enumerate(tab.columns)
    )
    merged = (
        f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
    )
    on_top = f"<oddHeader>{_page(tab.page_header)}</oddHeader>" if any(tab.page_header) else ""
    footer = f"<oddFooter>{_page(tab.page_footer, codes=True)}</oddFooter>" if any(tab.page_footer) else ""
    selected = ' tabSelected="1"' if first else ""
    xml = (
        f'{DECLARATION}<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{letters[-1]}{last_row}"/>'
        f'<sheetViews><sheetView{selected} workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f"<sheetData>{''.join(out)}</sheetData>"
        f'<autoFilter ref="{span}"/>'
        + (merged if merges else "")
        + '<pageMargins left="0.4" right="0.4" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f'<pageSetup paperSize="9" orientation="{"landscape" if tab.landscape else "portrait"}" '
        'fitToWidth="1" fitToHeight="0"/>'
        + (f"<headerFooter>{on_top}{footer}</headerFooter>" if on_top or footer else "")
        + "</worksheet>"
    )
    return xml, span


def _span_width(tab: Tab, group: str) -> float:
    return sum(c.width for g, c in zip(tab.groups, tab.columns, strict=False) if g == group)


# -- the package --------------------------------------------------------------------------------


def workbook(tabs: Sequence[Tab], *, title: str = "", subject: str = "", creator: str = "") -> bytes:
    """The .xlsx file's bytes: one worksheet per tab, in order, the first one shown.

    `title`, `subject` and `creator` go to the document's properties. Raises ValueError for
    no tab (a workbook needs one). Deterministic: the same tabs give the same bytes.
    """
    if not tabs:
        raise ValueError("an XLSX file needs at least one sheet")
    strings = _Strings()
    sheets, names = [], []
    for index, tab in enumerate(tabs):
        xml, span = _worksheet(tab, strings, index == 0)
        sheets.append(xml)
        quoted = _quoted(tab.name)
        head = header_row(tab)
        first_title = head - 1 if tab.groups else head
        names.append(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
            f"{_text(quoted)}!{_absolute(span)}</definedName>"
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
            f"{_text(quoted)}!${first_title}:${head}</definedName>"
        )
    n = len(tabs)
    book = (
        f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr/>'
        '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        + "".join(f'<sheet name="{_attr(t.name)}" sheetId="{k}" r:id="rId{k}"/>' for k, t in enumerate(tabs, start=1))
        + f"</sheets><definedNames>{''.join(names)}</definedNames></workbook>"
    )
    relation = f"{REL}/"
    book_rels = (
        f'{DECLARATION}<Relationships xmlns="{PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{k}" Type="{relation}worksheet" Target="worksheets/sheet{k}.xml"/>'
            for k in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{relation}styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{relation}sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    office = "application/vnd.openxmlformats-officedocument"
    types = (
        f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{office}.spreadsheetml.worksheet+xml"/>'
            for k in range(1, n + 1)
        )
        + f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/>'
        "</Types>"
    )
    root_rels = (
        f'{DECLARATION}<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{relation}officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{relation}extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    core = (
        f"{DECLARATION}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + (f"<dc:title>{_text(title)}</dc:title>" if title else "")
        + (f"<dc:subject>{_text(subject)}</dc:subject>" if subject else "")
        + (f"<dc:creator>{_text(creator)}</dc:creator>" if creator else "")
        + "</cp:coreProperties>"
    )
    app = (
        f'{DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Khảo sát chuyển đổi số</Application><DocSecurity>0</DocSecurity></Properties>"
    )
    parts = [
        ("[Content_Types].xml", types),
        ("_rels/.rels", root_rels),
        ("docProps/core.xml", core),
        ("docProps/app.xml", app),
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", book_rels),
        ("xl/styles.xml", _styles()),
        *((f"xl/worksheets/sheet{k}.xml", xml) for k, xml in enumerate(sheets, start=1)),
        ("xl/sharedStrings.xml", strings.xml()),  # last: every sheet has added its texts
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: the same tabs, the same bytes
            # level 3: a third of level 6's time for a file ~15 % larger (~0.8 MB for 19,000 rows)
            package.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED, compresslevel=3)
    return out.getvalue()


def _absolute(span: str) -> str:
    first, last = span.split(":")
    return ":".join("$" + re.sub(r"(\d+)", r"$\1", ref) for ref in (first, last))


__all__ = ["KINDS", "MEDIA_TYPE", "Column", "Tab", "column_letter", "header_row", "workbook", "wrapped_lines"]

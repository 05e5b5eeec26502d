"""The commune's report as an editable Word file (python-docx), laid out as Nghị định
30/2020/NĐ-CP asks of an administrative document: A4, Times New Roman (Vietnamese renders
in it on every office computer), margins 20/20/30/15 mm, page numbers from the second
page, the header of issuing body and national motto, numbered sections in bold capitals,
"Nơi nhận" beside the signature block. Officers write their narrative into it and sign.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .report import Report, as_of_note, closing_line, vi_percent

FONT = "Times New Roman"
STATUS = {
    "met": "Đạt",
    "close": "Gần đạt",
    "far": "Chưa đạt",
    "no_data": "Chưa có số liệu",
    "no_target": "Không đặt mục tiêu",
}
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SECTIONS = (
    "I. TÌNH HÌNH CHUNG",
    "II. KẾT QUẢ THỰC HIỆN",
    "III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "IV. NHIỆM VỤ, GIẢI PHÁP KỲ TỚI",
    "V. ĐỀ XUẤT, KIẾN NGHỊ",
)
SHORT = {  # the per-hamlet table's column heads (it must fit a portrait A4 page)
    "adults_ready": "Người lớn sẵn sàng số",
    "adults_online_services": "Dùng DVC trực tuyến",
    "households_guided": "Hộ được hướng dẫn DVS",
    "households_waste_sorting": "Phân loại rác",
    "households_waste_partly": "Phân loại một phần",
    "businesses_digital": "HKD dùng công cụ số",
    "products_online": "Sản phẩm lên mạng",
    "hamlets_with_team": "Tổ CNS cộng đồng",
    "visit_coverage": "Hộ đã khảo sát",
}


def _font(run: object, size: float, *, bold: bool = False, italic: bool = False) -> None:
    """Size and emphasis of a run; the typeface is the document's (its Normal style), so a
    run never names another (a cell of the hamlet table is ~20 XML elements fewer)."""
    font = run.font  # type: ignore[attr-defined]
    font.size = Pt(size)
    if bold:
        font.bold = True
    if italic:
        font.italic = True


def _para(
    container: object,
    text: str = "",
    size: float = 14,
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    after: float = 6,
    keep: bool = False,
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    if text:
        _font(paragraph.add_run(text), size, bold=bold, italic=italic)
    form = paragraph.paragraph_format
    form.space_before, form.space_after, form.line_spacing = Pt(0), Pt(after), 1.1
    if align is not None:
        paragraph.alignment = align
    if indent:
        form.first_line_indent = Mm(10)
    if keep:
        form.keep_with_next = True
    return paragraph


def _cell_text(cell: _Cell, lines: list[tuple[str, bool, bool]], size: float, align: WD_ALIGN_PARAGRAPH) -> None:
    """Fill a cell with (text, bold, italic) lines, each its own paragraph."""
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    for text, bold, italic in lines:
        _para(cell, text, size, bold=bold, italic=italic, align=align, after=0)


def _widths(table: Table, widths: tuple[Mm, ...]) -> None:
    """Fixed column widths (the grid Word and LibreOffice lay out by, and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _keep_rows(table: Table, *, header: bool = True) -> None:
    """Rows never split across pages; the head row repeats on every page."""
    for k, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        properties.append(cant)
        if header and k == 0:
            repeat = OxmlElement("w:tblHeader")
            properties.append(repeat)


def _page_number(paragraph: Paragraph) -> None:
    run = paragraph.add_run()
    _font(run, 13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _head(document: object, report: Report) -> None:
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (Mm(65), Mm(100)))
    left, right = table.rows[0].cells
    body = report.settings["issuing_body"].split("\n")
    place = report.settings["place"]
    made = report.today
    _cell_text(
        left,
        [(line, True, False) for line in body]
        + [("———", False, False), (f"Số: {report.settings['number']}", False, False)],
        13,
        WD_ALIGN_PARAGRAPH.CENTER,
    )
    _cell_text(
        right,
        [
            (MOTTO[0], True, False),
            (MOTTO[1], True, False),
            ("———————————", False, False),
            (f"{place}, ngày {made.day:02d} tháng {made.month:02d} năm {made.year}", False, True),
        ],
        13,
        WD_ALIGN_PARAGRAPH.CENTER,
    )


def _targets_table(document: object, report: Report) -> None:
    heads = ("STT", "Chỉ tiêu", "Mục tiêu", "Kết quả", "n/N", "Đánh giá")
    table = document.add_table(rows=1, cols=len(heads))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    widths = (Mm(14), Mm(66), Mm(19), Mm(19), Mm(21), Mm(26))
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        _cell_text(cell, [(head, True, False)], 12, WD_ALIGN_PARAGRAPH.CENTER)
    for line in report.targets:
        cells = table.add_row().cells
        target = line.value.target
        name = line.label + (f" ({line.period})" if line.period else "")
        verdict = STATUS.get(line.status, line.status)
        if line.rising is False:
            verdict += "; chưa tăng so với năm trước"
        texts = (
            str(line.number),
            name,
            target.describe() if target else "—",
            vi_percent(line.value.percent) if line.value.percent is not None else "—",
            f"{line.value.numerator}/{line.value.denominator}",
            verdict,
        )
        for k, (cell, text) in enumerate(zip(cells, texts, strict=True)):
            _cell_text(
                cell, [(text, False, False)], 12, WD_ALIGN_PARAGRAPH.LEFT if k == 1 else WD_ALIGN_PARAGRAPH.CENTER
            )
    _widths(table, widths)
    _keep_rows(table)


def _hamlets_table(document: object, report: Report) -> None:
    heads = ("STT", "Thôn/bản", *(SHORT.get(i, i) for i in report.shown))
    table = document.add_table(rows=1, cols=len(heads))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        _cell_text(cell, [(head, True, False)], 9, WD_ALIGN_PARAGRAPH.CENTER)
    for line in report.hamlets:
        cells = table.add_row().cells
        _cell_text(cells[0], [(str(line.number), False, False)], 9, WD_ALIGN_PARAGRAPH.CENTER)
        _cell_text(cells[1], [(line.name, False, False)], 9, WD_ALIGN_PARAGRAPH.LEFT)
        for cell, value in zip(cells[2:], line.values, strict=True):
            percent = vi_percent(value.percent) if value.percent is not None else "—"
            _cell_text(
                cell,
                [(percent, False, False), (f"{value.numerator}/{value.denominator}", False, True)],
                9,
                WD_ALIGN_PARAGRAPH.CENTER,
            )
    rest = (165 - 11 - 24) / len(report.shown)  # millimetres of the text width left per indicator
    _widths(table, (Mm(11), Mm(24), *(Mm(rest) for _ in report.shown)))
    _keep_rows(table)


def _signature(document: object, report: Report) -> None:
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    _no_borders(table)
    _widths(table, (Mm(75), Mm(90)))
    left, right = table.rows[0].cells
    recipients = [("Nơi nhận:", True, True)] + [
        (f"- {line}", False, False) for line in report.settings["recipients"].split("\n") if line.strip()
    ]
    _cell_text(left, recipients, 11, WD_ALIGN_PARAGRAPH.LEFT)
    titles = [(line, True, False) for line in report.settings["signature_titles"].split("\n") if line.strip()]
    signer = report.settings["signer"].strip()
    _cell_text(
        right,
        [
            *titles,
            ("(Ký, ghi rõ họ tên, đóng dấu)", False, True),
            ("", False, False),
            ("", False, False),
            ("", False, False),
            (signer or "…………………………", True, False),
        ],
        14,
        WD_ALIGN_PARAGRAPH.CENTER,
    )
    _keep_rows(table, header=False)


def to_docx(report: Report) -> bytes:
    """The report as a .docx file's bytes (Vietnamese, A4 portrait)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.different_first_page_header_footer = True
    _page_number(section.header.paragraphs[0])
    section.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):  # Vietnamese in every script slot
        fonts.set(qn(attribute), FONT)
    document.core_properties.title = f"Báo cáo: {report.title}"
    document.core_properties.language = "vi-VN"

    _head(document, report)
    _para(document, "", after=6)
    _para(document, "BÁO CÁO", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0, keep=True)
    _para(document, report.title, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0, keep=True)
    _para(document, "————————", 14, align=WD_ALIGN_PARAGRAPH.CENTER, after=6, keep=True)
    _para(document, as_of_note(report), 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)

    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    _para(document, SECTIONS[0], 14, bold=True, keep=True)
    for text in report.situation:
        _para(document, text, 14, align=justify, indent=True)
    _para(document, SECTIONS[1], 14, bold=True, keep=True)
    _para(document, "1. Kết quả thực hiện các chỉ tiêu của Kế hoạch", 14, bold=True, keep=True)
    _targets_table(document, report)
    _para(document, "", after=6)
    _para(document, "2. Kết quả theo thôn/bản", 14, bold=True, keep=True)
    _hamlets_table(document, report)
    _para(
        document,
        "Mỗi ô: tỷ lệ và tử số/mẫu số (số hộ hoặc số người lớn). “—”: chưa có số liệu.",
        11,
        italic=True,
        after=6,
    )
    for heading, texts in zip(SECTIONS[2:], (report.shortcomings, report.tasks, report.proposals), strict=True):
        _para(document, heading, 14, bold=True, keep=True)
        for text in texts:
            _para(document, text, 14, align=justify, indent=True)
    closing = _para(
        document,
        closing_line(report),
        14,
        align=justify,
        indent=True,
        keep=True,
    )
    closing.paragraph_format.keep_with_next = True
    _signature(document, report)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

"""The report a commune signs and sends (issue 12 §2): the Word file read back with
python-docx and the print view, on real SQLite and PostgreSQL, with visits synced through
the real API and figures entered through the dashboard."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from docx import Document
from sqlalchemy import select

from server_sync import models
from server_sync.services import report
from tests.survey.builders import adult, completed_visit, household

from .conftest import World
from .test_web_pages import ADMIN, STAFF, Desk, assert_page, desk

SECTIONS = [
    "I. TÌNH HÌNH CHUNG",
    "II. KẾT QUẢ THỰC HIỆN",
    "III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "IV. NHIỆM VỤ, GIẢI PHÁP KỲ TỚI",
    "V. ĐỀ XUẤT, KIẾN NGHỊ",
]


@pytest.fixture
def site(office: World) -> World:
    """The conftest's commune with its office, two visited households and one not yet visited."""
    world = office
    made = "2026-10-01T02:00:00.000+00:00"
    a = household("thon-na-pan", "Lò Văn Tám", created_at=made)
    b = household("thon-na-pan", "Vi Thị Chín", created_at=made)
    c = household("thon-khon-chu", "Hoàng Văn Mười", created_at=made)
    visits = [
        completed_visit(
            a, visited_at="2026-11-02T02:00:00.000+00:00", members=[adult(1970), adult(1972, relation="spouse")]
        ),
        completed_visit(b, visited_at="2026-11-03T02:00:00.000+00:00", members=[adult(1980, payments=["none"])]),
    ]
    answer = world.sync([a, b, c], visits)
    assert answer.status_code == 200, answer.text
    return world


def enter(quan: Desk, indicator: str, period: str, n: str, d: str) -> None:
    year, _, quarter = period.partition("-Q")
    answer = quan.post(
        "/dash/figures",
        {
            "csrf": quan.csrf(),
            "indicator": indicator,
            "year": year,
            "quarter": quarter or "year",
            "numerator": n,
            "denominator": d,
            "source": "Sổ theo dõi",
        },
    )
    assert answer.status_code == 303, answer.text[:400]


def read(data: bytes) -> Document:
    assert data[:2] == b"PK"  # a .docx is a zip
    return Document(io.BytesIO(data))


def cell_texts(table) -> list[list[str]]:
    return [[c.text.strip() for c in row.cells] for row in table.rows]


def test_the_word_report_has_the_decree_30_layout_and_every_target(site: World) -> None:
    quan = desk(site.client, ADMIN)
    for indicator, n, d in [
        ("officials_trained", "25", "27"),
        ("team_members_trained", "40", "48"),
        ("procedures_online", "712", "1000"),
        ("documents_electronic", "1840", "1840"),
        ("officials_digital_signature", "20", "27"),
    ]:
        enter(quan, indicator, "2026-Q3", n, d)
    answer = quan.get("/dash/report.docx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert 'filename="bao-cao-06577-2026-11-29.docx"' in answer.headers["content-disposition"]
    document = read(answer.content)
    head, targets, hamlets, sign = document.tables
    left, right = cell_texts(head)[0]
    assert left.splitlines()[:2] == ["ỦY BAN NHÂN DÂN", "XÃ THỐNG NHẤT"] and "Số: …/BC-UBND" in left
    assert right.splitlines()[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert "Thống Nhất, ngày 29 tháng 11 năm 2026" in right
    paragraphs = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in paragraphs
    title = paragraphs[paragraphs.index("BÁO CÁO") + 1]
    assert title.startswith("Kết quả thực hiện Kế hoạch") and title.endswith("đến ngày 29/11/2026")
    assert "(Số liệu đến ngày 29/11/2026; người lớn tính từ đủ 18 tuổi)" in paragraphs  # the adult age used
    assert [p for p in paragraphs if p in SECTIONS] == SECTIONS  # numbered, in order
    rows = cell_texts(targets)
    assert rows[0] == ["STT", "Chỉ tiêu", "Mục tiêu", "Kết quả", "n/N", "Đánh giá"]
    assert [r[0] for r in rows[1:]] == [str(k) for k in range(1, 16)]  # 9 shown + traceability + 5 entered
    by_name = {r[1]: r for r in rows[1:]}
    visited = by_name["Hộ đã được khảo sát"]
    assert visited[3:] == ["66,7%", "2/3", "Chưa đạt"]  # 2 of 3 households; target 100%
    officials = by_name["Cán bộ, công chức xã được tập huấn kiến thức, kỹ năng số cơ bản (Quý III/2026)"]
    assert officials[2:] == ["≥100%", "92,6%", "25/27", "Gần đạt"]  # within the 10-point margin
    assert by_name["Văn bản trao đổi với cơ quan khác dưới dạng điện tử (trừ văn bản mật) (Quý III/2026)"][5] == "Đạt"
    ready = by_name["Người lớn có điện thoại thông minh, VNeID mức 2 và tài khoản thanh toán số"]
    assert ready[3:5] == ["66,7%", "2/3"]
    hamlet_rows = cell_texts(hamlets)
    assert hamlet_rows[0][:2] == ["STT", "Thôn/bản"] and len(hamlet_rows[0]) == 11
    assert [r[1] for r in hamlet_rows[1:]] == ["Thôn Khòn Chu", "Thôn Nà Pàn", "Thôn Pác Mạ"]  # by name
    na_pan = hamlet_rows[2]
    assert na_pan[-1].splitlines() == ["100%", "2/2"]  # visit coverage of Nà Pàn
    recipients, signature = cell_texts(sign)[0]
    assert recipients.startswith("Nơi nhận:") and "- Lưu: VT, VH-XH." in recipients
    assert signature.splitlines()[:3] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    # The narrative comes pre-filled with the facts, for staff to rewrite.
    text = "\n".join(paragraphs)
    assert "3 thôn/bản với 3 hộ trong danh sách theo dõi" in text
    assert "Chưa đạt:" in text and "Hộ đã được khảo sát đạt 66,7% (mục tiêu ≥100%)" in text
    assert "Các thôn/bản còn chậm nhất: Thôn Khòn Chu (bình quân thấp hơn mục tiêu" in text
    assert paragraphs[-1].startswith("Trên đây là báo cáo") and paragraphs[-1].endswith("của UBND xã Thống Nhất./.")
    assert document.styles["Normal"].font.name == "Times New Roman"  # renders Vietnamese on every office PC
    fonts = {r.font.name for p in document.paragraphs for r in p.runs}
    assert fonts == {None}  # no run names another typeface
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)


def test_the_interim_and_final_reviews_are_titled_as_such(site: World) -> None:
    lan = desk(site.client, STAFF)
    interim = read(lan.get("/dash/report.docx?as_of=2027-12-31").content)
    paragraphs = [p.text for p in interim.paragraphs]
    assert paragraphs[paragraphs.index("BÁO CÁO") + 1].startswith(
        "Sơ kết giữa kỳ (đến hết Quý IV/2027) thực hiện Kế hoạch"
    )
    assert any("còn ở tương lai" in p for p in paragraphs)  # the test server's today is 29/11/2026
    final = lan.get("/dash/report.docx?as_of=2030-Q3")
    assert 'filename="tong-ket-06577-2030-09-30.docx"' in final.headers["content-disposition"]
    paragraphs = [p.text for p in read(final.content).paragraphs]
    assert paragraphs[paragraphs.index("BÁO CÁO") + 1].startswith("Tổng kết (đến hết Quý III/2030)")
    page = lan.get("/dash/report?as_of=2027-12-31").text
    assert (
        "Sơ kết giữa kỳ (đến hết Quý IV/2027)"
        in re.search(r'<h1 class="doc-title" id="report-title">(.*?)</h1>', page, re.S)[1]
    )


def test_the_print_view_says_what_the_word_file_says(site: World) -> None:
    lan = desk(site.client, STAFF)
    page = lan.get("/dash/report").text
    document = read(lan.get("/dash/report.docx").content)
    for table_id, table in (("report-total", document.tables[1]), ("report-hamlets", document.tables[2])):
        html = unescape(
            re.sub(r"<[^>]+>", " ", re.search(rf'<table class="report" id="{table_id}">(.*?)</table>', page, re.S)[1])
        )
        for row in cell_texts(table)[1:]:
            for text in row:
                first = text.splitlines()[0] if text else text
                assert first in html, (table_id, first)
    for heading in SECTIONS:
        assert f"<h2>{heading}</h2>" in page
    assert "Nơi nhận:" in page and "TM. ỦY BAN NHÂN DÂN" in page
    assert "Người lập biểu" not in page and "Ngày lập" not in page  # the old page's footer lines


def test_the_heading_and_signature_are_commune_settings_audited_and_revertible(site: World) -> None:
    quan = desk(site.client, ADMIN)
    form = {
        "csrf": quan.csrf(),
        "issuing_body": "UBND TỈNH LẠNG SƠN\nỦY BAN NHÂN DÂN XÃ THỐNG NHẤT",
        "number": "…/BC-UBND",
        "place": "Thống Nhất",
        "plan_name": "Kế hoạch số 45/KH-UBND ngày 10/3/2026",
        "recipients": "Sở KH&CN tỉnh Lạng Sơn;\nLưu: VT.",
        "signature_titles": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
        "signer": "Nông Văn Hùng",
    }
    answer = quan.post("/dash/report/settings", form)
    assert answer.status_code == 303 and "done=settings" in answer.headers["location"]
    document = read(quan.get("/dash/report.docx").content)
    left = cell_texts(document.tables[0])[0][0].splitlines()
    assert left[:2] == ["UBND TỈNH LẠNG SƠN", "ỦY BAN NHÂN DÂN XÃ THỐNG NHẤT"]
    recipients, signature = cell_texts(document.tables[-1])[0]
    assert "- Sở KH&CN tỉnh Lạng Sơn;" in recipients
    assert (
        signature.splitlines()[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
        and signature.splitlines()[-1] == "Nông Văn Hùng"
    )
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[paragraphs.index("BÁO CÁO") + 1].startswith("Kết quả thực hiện Kế hoạch số 45/KH-UBND")
    with site.session() as session:
        audit = session.scalars(select(models.Audit).where(models.Audit.kind == "commune")).one()
        assert audit.action == "report_settings" and audit.new_content["signer"] == "Nông Văn Hùng"
        assert audit.staff_user_id is not None
    # Emptied, every field is the default again.
    blank = {key: "" for key in report.REPORT_SETTINGS}
    assert quan.post("/dash/report/settings", {"csrf": quan.csrf(), **blank}).status_code == 303
    left = cell_texts(read(quan.get("/dash/report.docx").content).tables[0])[0][0].splitlines()
    assert left[:2] == ["ỦY BAN NHÂN DÂN", "XÃ THỐNG NHẤT"]


def test_settings_are_for_administrators_and_bounded(site: World) -> None:
    lan = desk(site.client, STAFF)
    assert_page(lan.post("/dash/report/settings", {"csrf": lan.csrf(), "signer": "X"}), 403, "role_forbidden")
    quan = desk(site.client, ADMIN)
    too_long = quan.post("/dash/report/settings", {"csrf": quan.csrf(), "plan_name": "x" * 1_500})
    assert_page(too_long, 422, "admin_refused")
    with site.session() as session:
        assert session.get(models.Commune, "06577").report_settings is None  # nothing stored
    assert_page(quan.get("/dash/report.docx?as_of=2027-13-01"), 422, "date_invalid")


@pytest.mark.parametrize(
    "label, written",
    [
        ("Người lớn có VNeID mức 2", "người lớn có VNeID mức 2"),
        ("Hộ được hướng dẫn dịch vụ số thiết yếu", "hộ được hướng dẫn dịch vụ số thiết yếu"),
        ("Cán bộ UBND dùng chữ ký số", "cán bộ UBND dùng chữ ký số"),
        ("Mã QR truy xuất", "mã QR truy xuất"),
    ],
)
def test_a_label_inside_a_sentence_keeps_its_acronyms(label: str, written: str) -> None:
    """A fresh tester read "xa nhất: … vneid mức 2" in the report's narrative."""
    assert report.in_sentence(label) == written

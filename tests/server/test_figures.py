"""The plan's targets no visit measures, entered on the dashboard (issue 12 §1), on real
SQLite and PostgreSQL: entry, correction, taking back, the history, the audit trail,
refusals that keep what staff typed and store nothing, and the overview as of a date."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from server_sync import models
from survey.indicators import PERIOD_INDICATOR_IDS

from .conftest import World
from .test_web_pages import ADMIN, STAFF, Desk, assert_page, desk

# Today on the test server is 29/11/2026: 2026 and its quarters may be entered.
FIVE = {
    "officials_trained": ("2026", "year", "25", "27", "Sổ theo dõi tập huấn của UBND xã"),
    "team_members_trained": ("2026", "3", "40", "48", "Danh sách Tổ CNS cộng đồng"),
    "procedures_online": ("2026", "3", "712", "1.000", "Cổng dịch vụ công, quý III"),
    "documents_electronic": ("2026", "year", "1840", "1840", "Hệ thống quản lý văn bản"),
    "officials_digital_signature": ("2026", "year", "20", "27", "Văn phòng UBND xã"),
}


def enter(desk_: Desk, indicator: str, year: str, quarter: str, n: str, d: str, source: str) -> object:
    return desk_.post(
        "/dash/figures",
        {
            "csrf": desk_.csrf(),
            "indicator": indicator,
            "year": year,
            "quarter": quarter,
            "numerator": n,
            "denominator": d,
            "source": source,
        },
    )


def stored(world: World) -> list[models.PeriodFigure]:
    with world.session() as session:
        return list(session.scalars(select(models.PeriodFigure).order_by(models.PeriodFigure.id)))


def row_of(html: str, indicator: str) -> str:
    found = re.search(rf'<tr id="fig-{indicator}">(.*?)</tr>', html, re.S)
    assert found, indicator
    return found[1]


def test_the_five_figures_are_entered_shown_and_audited(office: World) -> None:
    quan = desk(office.client, ADMIN)
    for indicator, args in FIVE.items():
        answer = enter(quan, indicator, *args)
        assert answer.status_code == 303, answer.text[:500]
        assert answer.headers["location"].startswith("/dash/figures?done=entered")
    rows = stored(office)
    assert [(r.indicator, r.period, r.numerator, r.denominator) for r in rows] == [
        ("officials_trained", "2026", 25, 27),
        ("team_members_trained", "2026-Q3", 40, 48),
        ("procedures_online", "2026-Q3", 712, 1000),  # "1.000" is a thousand
        ("documents_electronic", "2026", 1840, 1840),
        ("officials_digital_signature", "2026", 20, 27),
    ]
    page = quan.get("/dash/figures").text
    assert "92,6%" in row_of(page, "officials_trained")  # 25/27
    assert "Quý III/2026" in row_of(page, "procedures_online") and "71,2%" in row_of(page, "procedures_online")
    assert "Hoàng Văn Quân" in row_of(page, "documents_electronic")
    with office.session() as session:
        audits = session.execute(
            select(models.Audit.action, models.Audit.record_id, models.Audit.staff_user_id).where(
                models.Audit.kind == "figure"
            )
        ).all()
    assert sorted(a[1] for a in audits) == sorted(
        f"06577:{i}:{FIVE[i][0]}" + ("" if FIVE[i][1] == "year" else f"-Q{FIVE[i][1]}") for i in FIVE
    )
    assert {a[0] for a in audits} == {"created"} and None not in {a[2] for a in audits}


def test_the_overview_shows_them_as_of_its_day(office: World) -> None:
    quan = desk(office.client, ADMIN)
    assert enter(quan, "procedures_online", "2026", "2", "600", "1000", "Cổng DVC").status_code == 303
    assert enter(quan, "procedures_online", "2026", "3", "712", "1000", "Cổng DVC").status_code == 303
    today = quan.get("/dash/").text
    block = re.search(r'<ul class="bars" id="period-figures">(.*?)</ul>', today, re.S)[1]
    online = re.search(r'data-indicator="procedures_online">(.*?)</li>', block, re.S)[1]
    assert "71,2%" in online and "Quý III/2026" in online and "(712/1000)" in online
    summer = quan.get("/dash/?as_of=2026-07-15").text  # Q3 had not ended: Q2's figure
    block = re.search(r'<ul class="bars" id="period-figures">(.*?)</ul>', summer, re.S)[1]
    online = re.search(r'data-indicator="procedures_online">(.*?)</li>', block, re.S)[1]
    assert "60%" in online and "Quý II/2026" in online
    spring = quan.get("/dash/?as_of=2026-03-01").text  # nothing had ended: no data, never 0%
    block = re.search(r'<ul class="bars" id="period-figures">(.*?)</ul>', spring, re.S)[1]
    assert "<strong>0%</strong>" not in block and block.count("Chưa nhập số liệu.") == len(PERIOD_INDICATOR_IDS)


def test_a_correction_keeps_the_first_entry_and_taking_back_can_be_undone(office: World) -> None:
    quan = desk(office.client, ADMIN)
    enter(quan, "officials_trained", "2026", "year", "20", "27", "Sổ tập huấn")
    answer = enter(quan, "officials_trained", "2026", "year", "25", "27", "Sổ tập huấn (đã đối chiếu)")
    assert "done=corrected" in answer.headers["location"]
    page = quan.get("/dash/figures").text
    assert "92,6%" in row_of(page, "officials_trained")
    history = re.search(r'<table class="grid" id="figure-history">(.*?)</table>', page, re.S)[1]
    assert "20/27" in history and "25/27" in history and "Đã được sửa" in history
    taken = quan.post(
        "/dash/figures/withdraw", {"csrf": quan.csrf(), "indicator": "officials_trained", "period": "2026"}
    )
    assert "done=withdrawn" in taken.headers["location"]
    assert "Chưa nhập số liệu." in row_of(quan.get("/dash/figures").text, "officials_trained")
    again = quan.post(
        "/dash/figures/withdraw", {"csrf": quan.csrf(), "indicator": "officials_trained", "period": "2026"}
    )
    assert "done=nothing_to_withdraw" in again.headers["location"]
    enter(quan, "officials_trained", "2026", "year", "25", "27", "Sổ tập huấn (đã đối chiếu)")  # put back
    assert "92,6%" in row_of(quan.get("/dash/figures").text, "officials_trained")
    assert len(stored(office)) == 4  # nothing is ever deleted
    with office.session() as session:
        actions = session.scalars(
            select(models.Audit.action).where(models.Audit.kind == "figure").order_by(models.Audit.id)
        ).all()
    assert actions == ["created", "updated", "withdrawn", "created"]


@pytest.mark.parametrize(
    ("args", "field", "code"),
    [
        (("officials_trained", "2026", "year", "30", "27", "Sổ"), "numerator", "figure_numerator_above"),
        (("officials_trained", "2026", "year", "2", "0", "Sổ"), "denominator", "figure_denominator_zero"),
        (("officials_trained", "2026", "year", "hai", "27", "Sổ"), "numerator", "figure_number_invalid"),
        (("officials_trained", "2026", "year", "2", "27", ""), "source", "figure_source_missing"),
        (("officials_trained", "2027", "1", "2", "27", "Sổ"), "period", "figure_period_future"),
        (("officials_trained", "2025", "year", "2", "27", "Sổ"), "period", "figure_period_before_campaign"),
        (("officials_trained", "20x6", "year", "2", "27", "Sổ"), "period", "figure_period_invalid"),
        (("happiness", "2026", "year", "2", "27", "Sổ"), "indicator", "figure_indicator_unknown"),
    ],
)
def test_a_refused_entry_stores_nothing_and_keeps_what_was_typed(office: World, args, field, code) -> None:
    quan = desk(office.client, ADMIN)
    enter(quan, "documents_electronic", "2026", "year", "10", "10", "Hệ thống")
    answer = enter(quan, *args)
    assert answer.status_code == 422
    assert f'id="err-{field}"' in answer.text
    assert re.search(rf'id="err-{field}" data-code="{code}">[^<]+</span>', answer.text)  # with its message
    assert f'value="{args[3]}"' in answer.text or field == "numerator"  # the numerator typed is kept
    assert len(stored(office)) == 1


def test_only_an_administrator_enters_and_every_staff_member_reads(office: World) -> None:
    lan = desk(office.client, STAFF)
    page = lan.get("/dash/figures")
    assert page.status_code == 200 and 'action="/dash/figures"' not in page.text
    answer = lan.post(
        "/dash/figures",
        {
            "csrf": lan.csrf(),
            "indicator": "officials_trained",
            "year": "2026",
            "quarter": "year",
            "numerator": "1",
            "denominator": "2",
            "source": "x",
        },
    )
    assert_page(answer, 403, "role_forbidden")
    taken = lan.post("/dash/figures/withdraw", {"csrf": lan.csrf(), "indicator": "officials_trained", "period": "2026"})
    assert_page(taken, 403, "role_forbidden")
    quan = desk(office.client, ADMIN)
    no_csrf = quan.post("/dash/figures", {"indicator": "officials_trained", "year": "2026", "quarter": "year"})
    assert_page(no_csrf, 403, "csrf_invalid")
    assert stored(office) == []
    with office.session() as session:
        assert session.scalar(select(func.count()).select_from(models.Audit).where(models.Audit.kind == "figure")) == 0


def test_the_overview_says_which_condition_of_adults_ready_lags_per_hamlet(office: World) -> None:
    from tests.survey.builders import adult, completed_visit, household

    home = household("thon-na-pan", "Lò Văn Tám", created_at="2026-10-01T02:00:00.000+00:00")
    visit = completed_visit(
        home,
        visited_at="2026-11-02T02:00:00.000+00:00",
        members=[
            adult(1970),  # all three conditions
            adult(1975, relation="spouse", payments=["none"]),  # smartphone and level 2, no account
            adult(1990, relation="child", phone="feature_phone", vneid="level1", payments=["e_wallet"]),
            adult(1995, relation="child", payments=["none"], vneid="level1"),
        ],
    )
    answer = office.sync([home], [visit])
    assert answer.status_code == 200, answer.text
    page = desk(office.client, ADMIN).get("/dash/").text
    table = re.search(r'<table class="grid" id="ready-table">(.*?)</table>', page, re.S)[1]
    row = re.search(r"<th scope=\"row\">Thôn Nà Pàn</th>(.*?)</tr>", table, re.S)[1]
    figures = re.findall(r"<small>(\d+/\d+)</small>", row)
    # smartphone 3/4, VNeID level 2 2/4, payment account 2/4, all three (adults_ready) 1/4
    assert figures == ["3/4", "2/4", "2/4", "1/4"]
    assert 'class="c far p50"' in row  # 50% against adults_ready's 90%: the lagging conditions


def test_a_figure_taken_back_by_mistake_is_restored_from_the_history(office: World) -> None:
    quan = desk(office.client, ADMIN)
    enter(quan, "officials_trained", "2026", "year", "25", "27", "Sổ tập huấn")
    quan.post("/dash/figures/withdraw", {"csrf": quan.csrf(), "indicator": "officials_trained", "period": "2026"})
    page = quan.get("/dash/figures").text
    entry = re.search(r'data-restore="(\d+)"', page)[1]
    assert "<s>25/27</s>" in page  # the history still shows what was taken back
    answer = quan.post("/dash/figures/restore", {"csrf": quan.csrf(), "entry": entry})
    assert "done=restored" in answer.headers["location"]
    assert "92,6%" in row_of(quan.get("/dash/figures").text, "officials_trained")
    again = quan.post("/dash/figures/restore", {"csrf": quan.csrf(), "entry": entry})  # no longer the latest
    assert "done=nothing_to_restore" in again.headers["location"]
    for bad in ("", "x", "99999999999999999999", "-1"):
        assert (
            "done=nothing_to_restore"
            in quan.post("/dash/figures/restore", {"csrf": quan.csrf(), "entry": bad}).headers["location"]
        )
    with office.session() as session:
        actions = session.scalars(
            select(models.Audit.action).where(models.Audit.kind == "figure").order_by(models.Audit.id)
        ).all()
    assert actions == ["created", "withdrawn", "restored"]
    lan = desk(office.client, STAFF)
    assert_page(lan.post("/dash/figures/restore", {"csrf": lan.csrf(), "entry": entry}), 403, "role_forbidden")

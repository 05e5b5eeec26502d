"""The quarterly trend as SVG charts (issue 12 §3): what each chart draws, checked by
reading the SVG back as XML, and the overview's charts with the strict CSP kept."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from server_sync.web import charts
from survey.indicators import IndicatorValue, Target

from .conftest import World
from .test_web_pages import ADMIN, desk

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
TARGET = Target(min=90)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_a_line_against_the_target_with_a_gap_where_there_is_no_data():
    values = [
        IndicatorValue("adults_ready", 0, 0, TARGET),  # no data: no point, never 0%
        IndicatorValue("adults_ready", 1, 4, TARGET),
        IndicatorValue("adults_ready", 3, 4, TARGET),
        IndicatorValue("adults_ready", 9, 10, TARGET),
    ]
    root = parse(charts.chart("adults_ready", DAYS, values, "met", "vi"))
    assert root.get("class") == "chart met" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Người lớn có điện thoại thông minh, VNeID mức 2 và tài khoản thanh toán số"
    assert "Q1/2026: —" in root.find(f"{SVG}desc").text and "Q4/2026: 90%" in root.find(f"{SVG}desc").text
    [line] = root.findall(f"{SVG}polyline")
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == 3  # the quarter without data is left out
    ys = [y for _, y in points]
    assert ys[0] > ys[1] > ys[2]  # 25% → 75% → 90%: rising is upwards
    [target] = root.findall(f"{SVG}line[@class='target']")
    assert float(target.get("y1")) == ys[2]  # 90% is on the target line
    assert [t.text for t in root.findall(f"{SVG}text[@class='last']")] == ["90%"]
    axis = [t.text for t in root.findall(f"{SVG}text[@class='axis']")]
    assert "Q1/2026" in axis and "Q4/2026" in axis


def test_two_runs_when_data_stops_and_starts_again():
    values = [
        IndicatorValue("visit_coverage", 1, 2, TARGET),
        IndicatorValue("visit_coverage", 0, 0, TARGET),
        IndicatorValue("visit_coverage", 1, 2, TARGET),
        IndicatorValue("visit_coverage", 2, 2, TARGET),
    ]
    root = parse(charts.chart("visit_coverage", DAYS, values, "met", "en"))
    assert len(root.findall(f"{SVG}polyline")) == 1  # a lone first point has no line of its own
    assert len(root.findall(f"{SVG}circle")) == 3


def test_the_overview_draws_a_chart_per_indicator_and_keeps_the_csp(office: World) -> None:
    from tests.survey.builders import adult, completed_visit, household

    home = household("thon-na-pan", "Lò Văn Tám", created_at="2026-02-01T02:00:00.000+00:00")
    visit = completed_visit(home, visited_at="2026-05-02T02:00:00.000+00:00", members=[adult(1970)])
    assert office.sync([home], [visit]).status_code == 200
    answer = desk(office.client, ADMIN).get("/dash/")
    page = answer.text
    svgs = re.findall(r"<svg class=\"chart[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 9 + 5  # the hamlet table's indicators and the five entered per period
    coverage = next(s for s in svgs if 'data-indicator="visit_coverage"' in s)
    desc = parse(coverage).find(f"{SVG}desc").text
    # Q1 2026: on the roster, not visited (0 of 1 is 0%, a figure); from Q2 on, visited
    assert desc.startswith("Q1/2026: 0%; Q2/2026: 100%; Q3/2026: 100%")
    assert "style=" not in page and "<script>" not in page
    assert "style-src 'self'" in answer.headers["content-security-policy"]

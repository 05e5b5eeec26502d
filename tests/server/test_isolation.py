"""One commune never touches another (issue 10 §2): every route that takes an id, called by
commune 06577's admin or phone with an id of commune 06578, answers 404 and changes nothing;
on SQLite and PostgreSQL. The table of routes is checked against the app's own routes, so a
new id-taking route cannot be added without a line here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from server_sync import models
from server_sync.services import admin, enrolment, merges, staff
from tests.survey.builders import household

from .conftest import World
from .snapshot import snapshot
from .test_web_pages import ADMIN, Desk, assert_page, codes, desk

OTHER = "06578"
THEIR_HAMLET = "thon-xa-khac"


def routes(app: Any) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers."""

    def walk(items: Any, prefix: str) -> Iterator[tuple[str, str]]:
        for route in items:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            else:
                for method in sorted(getattr(route, "methods", None) or []):
                    yield method, prefix + route.path

    yield from walk(app.router.routes, "")


@pytest.fixture
def two(world: World) -> dict[str, Any]:
    """The conftest's commune with its admin, and commune 06578 with a hamlet, two households
    (a likely duplicate pair), a volunteer and an enrolled phone."""
    with world.session() as session:
        staff.create_staff(session, "06577", ADMIN[0], "Hoàng Văn Quân", "admin", ADMIN[1])
        admin.create_commune(session, OTHER, "Xã Khác", "Lạng Sơn")
        admin.add_hamlet(session, OTHER, THEIR_HAMLET, "Thôn Xã Khác")
        volunteer = admin.add_volunteer(session, OTHER, "Lò Thị Khác", [THEIR_HAMLET])
        code = enrolment.issue_code(session, volunteer.id)
        unused = enrolment.issue_code(session, volunteer.id)  # stays unused: for the codes' routes
        their_admin = staff.create_staff(session, OTHER, "xa.khac", "Lò Văn Khác", "admin", ADMIN[1]).id
    with world.session() as session:
        theirs = enrolment.enroll(session, code, "Điện thoại xã khác")
        unused_id = session.scalars(
            select(models.EnrolmentCode.id).where(
                models.EnrolmentCode.code_hash == enrolment.digest(enrolment.normalise_code(unused))
            )
        ).one()
    pair = [household(THEIR_HAMLET, "Lò Văn Sáu"), household(THEIR_HAMLET, "Lo Van Sau")]
    answer = world.sync(pair, token=theirs.token).json()
    assert [r["result"] for r in answer["results"]] == ["accepted", "accepted"], answer
    ours = [household("thon-na-pan", "Nguyễn Văn An"), household("thon-na-pan", "Nguyen Van An")]
    assert [r["result"] for r in world.sync(ours).json()["results"]] == ["accepted", "accepted"]
    merged = [household(THEIR_HAMLET, "Hà Văn Bảy"), household(THEIR_HAMLET, "Ha Van Bay")]
    assert [r["result"] for r in world.sync(merged, token=theirs.token).json()["results"]] == ["accepted"] * 2
    with world.session() as session:
        their_admin = staff.create_staff(session, OTHER, "quan.tri.khac", "Lò Văn Quản", "admin", ADMIN[1])
        merge_id = merges.merge(session, merged[0].id, merged[1].id, their_admin.id, hamlet_id=THEIR_HAMLET)
    return {
        "merge": merge_id,
        "volunteer": volunteer.id,
        "device": theirs.scope.device_id,
        "pair": [h.id for h in pair],
        "ours": [h.id for h in ours],
        "code": unused_id,
        "staff": their_admin,
    }


Call = Callable[[World, Desk, dict[str, Any], str], Any]


def _form(desk_: Desk, url: str, **data: str) -> Any:
    return desk_.post(url, {"csrf": desk_.csrf(), **data})


# Every route whose path or query takes an id, with ids of the other commune.
CALLS: dict[tuple[str, str], list[Call]] = {
    ("GET", "/dash/hamlets/{hamlet_id}"): [lambda w, d, t, _: d.get(f"/dash/hamlets/{THEIR_HAMLET}")],
    ("POST", "/dash/hamlets/{hamlet_id}/duplicates"): [
        # the issue's example: our hamlet in the URL, their households in the form
        lambda w, d, t, decision: _form(
            d, "/dash/hamlets/thon-na-pan/duplicates", first=t["pair"][0], second=t["pair"][1], decision=decision
        ),
        lambda w, d, t, decision: _form(
            d, f"/dash/hamlets/{THEIR_HAMLET}/duplicates", first=t["pair"][0], second=t["pair"][1], decision=decision
        ),
        # one of ours and one of theirs
        lambda w, d, t, decision: _form(
            d, "/dash/hamlets/thon-na-pan/duplicates", first=t["ours"][0], second=t["pair"][1], decision=decision
        ),
        # two of ours, under a hamlet of ours that is not theirs
        lambda w, d, t, decision: _form(
            d, "/dash/hamlets/thon-khon-chu/duplicates", first=t["ours"][0], second=t["ours"][1], decision=decision
        ),
    ],
    ("GET", "/dash/hamlets/{hamlet_id}/duplicates/{a}/{b}"): [
        lambda w, d, t, _: d.get(f"/dash/hamlets/thon-na-pan/duplicates/{t['pair'][0]}/{t['pair'][1]}"),
        lambda w, d, t, _: d.get(f"/dash/hamlets/{THEIR_HAMLET}/duplicates/{t['pair'][0]}/{t['pair'][1]}"),
        lambda w, d, t, _: d.get(f"/dash/hamlets/thon-na-pan/duplicates/{t['ours'][0]}/{t['pair'][1]}"),
        lambda w, d, t, _: d.get(f"/dash/hamlets/thon-khon-chu/duplicates/{t['ours'][0]}/{t['ours'][1]}"),
    ],
    ("POST", "/dash/hamlets/{hamlet_id}/duplicates/{a}/{b}"): [
        lambda w, d, t, _: _form(
            d, f"/dash/hamlets/thon-na-pan/duplicates/{t['pair'][0]}/{t['pair'][1]}", keep=t["pair"][0], confirm="yes"
        ),
        lambda w, d, t, _: _form(
            d, f"/dash/hamlets/{THEIR_HAMLET}/duplicates/{t['pair'][0]}/{t['pair'][1]}", keep=t["pair"][0]
        ),
        lambda w, d, t, _: _form(
            d, f"/dash/hamlets/thon-na-pan/duplicates/{t['ours'][0]}/{t['pair'][1]}", keep=t["ours"][0], confirm="yes"
        ),
        lambda w, d, t, _: _form(
            d, f"/dash/hamlets/thon-khon-chu/duplicates/{t['ours'][0]}/{t['ours'][1]}", keep=t["ours"][0], confirm="yes"
        ),
    ],
    ("POST", "/dash/hamlets/{hamlet_id}/merges/{merge_id}/undo"): [
        lambda w, d, t, _: _form(d, f"/dash/hamlets/thon-na-pan/merges/{t['merge']}/undo"),
        lambda w, d, t, _: _form(d, f"/dash/hamlets/{THEIR_HAMLET}/merges/{t['merge']}/undo"),
    ],
    ("GET", "/dash/exports/follow-ups.{kind}"): [
        lambda w, d, t, _: d.get(f"/dash/exports/follow-ups.csv?hamlet={THEIR_HAMLET}"),
        lambda w, d, t, _: d.get(f"/dash/exports/follow-ups.xlsx?hamlet={THEIR_HAMLET}"),
    ],
    ("GET", "/dash/follow-ups"): [
        lambda w, d, t, _: d.get(f"/dash/follow-ups?hamlet={THEIR_HAMLET}"),
        lambda w, d, t, _: d.get(f"/dash/follow-ups?hamlet={THEIR_HAMLET}&need=online_safety&page=1"),
    ],
    ("POST", "/dash/admin/hamlets/{hamlet_id}/team"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/hamlets/{THEIR_HAMLET}/team", since="2026-05-01")
    ],
    ("POST", "/dash/admin/volunteers/{volunteer_id}/code"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/volunteers/{t['volunteer']}/code", days="7")
    ],
    ("POST", "/dash/admin/devices/{device_id}/revoke"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/devices/{t['device']}/revoke"),
        lambda w, d, t, _: _form(d, f"/dash/admin/devices/{t['device']}/revoke", confirm="1"),
    ],
    ("GET", "/dash/admin/volunteers/{volunteer_id}"): [
        lambda w, d, t, _: d.get(f"/dash/admin/volunteers/{t['volunteer']}")
    ],
    ("POST", "/dash/admin/volunteers/{volunteer_id}"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/volunteers/{t['volunteer']}", name="Lấy", hamlets="thon-na-pan")
    ],
    ("POST", "/dash/admin/volunteers/{volunteer_id}/deactivate"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/volunteers/{t['volunteer']}/deactivate")
    ],
    ("POST", "/dash/admin/volunteers/{volunteer_id}/reactivate"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/volunteers/{t['volunteer']}/reactivate")
    ],
    ("POST", "/dash/admin/codes/{code_id}/revoke"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/codes/{t['code']}/revoke")
    ],
    ("POST", "/dash/admin/staff/{user_id}/disable"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/staff/{t['staff']}/disable")
    ],
    ("POST", "/dash/admin/staff/{user_id}/enable"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/staff/{t['staff']}/enable")
    ],
    ("POST", "/dash/admin/staff/{user_id}/password"): [
        lambda w, d, t, _: _form(
            d, f"/dash/admin/staff/{t['staff']}/password", password="mot-mat-khau-moi", again="mot-mat-khau-moi"
        )
    ],
    ("POST", "/dash/admin/staff/{user_id}/role"): [
        lambda w, d, t, _: _form(d, f"/dash/admin/staff/{t['staff']}/role", role="staff")
    ],
    ("GET", "/dash/admin/audit"): [  # a filter by another commune's ids: a page without rows
        lambda w, d, t, _: d.get(f"/dash/admin/audit?who=volunteer%3A{t['volunteer']}"),
        lambda w, d, t, _: d.get(f"/dash/admin/audit?record={t['pair'][0]}"),
        lambda w, d, t, _: d.get(f"/dash/admin/audit?who=device%3A{t['device']}"),
    ],
    ("GET", "/api/v1/coverage"): [
        lambda w, d, t, _: w.client.get(f"/api/v1/coverage?hamlet={THEIR_HAMLET}", headers=w.auth)
    ],
}
# Routes that take an id only as a form's choice (checked by the service, refused in the form).
FORM_IDS = {("POST", "/dash/admin/volunteers")}
# Routes of the same path whose GET only sends the browser back to the admin page.
REDIRECTS = re.compile(r"^/dash/admin/.+$")


def test_every_id_taking_route_is_in_the_table(app: Any) -> None:
    taking = {(m, p) for m, p in routes(app) if "{" in p and not p.endswith(".{kind}") and m != "HEAD"}
    taking |= {  # ids in the query
        ("GET", "/dash/exports/follow-ups.{kind}"),
        ("GET", "/dash/follow-ups"),
        ("GET", "/api/v1/coverage"),
    }
    taking |= {("GET", "/dash/admin/audit")}
    missing = {(m, p) for m, p in taking if (m, p) not in CALLS and not (m == "GET" and REDIRECTS.match(p))}
    assert not missing, f"id-taking routes not checked for another commune's ids: {sorted(missing)}"


@pytest.mark.parametrize("key", sorted(CALLS), ids=lambda k: f"{k[0]} {k[1]}")
def test_another_communes_ids_are_not_found(world: World, two: dict[str, Any], key: tuple[str, str]) -> None:
    office = desk(world.client, ADMIN)
    for index, call in enumerate(CALLS[key]):
        for decision in ("merge", "dismiss") if "duplicates" in key[1] else ("",):
            before = snapshot(world.app)
            answer = call(world, office, two, decision)
            where = f"{key} call {index} {decision}"
            if key == ("GET", "/dash/admin/audit"):
                assert answer.status_code == 200 and "data-audit=" not in answer.text, where
                assert "data-audit=" in office.get("/dash/admin/audit").text  # this commune's rows are there
            elif key[1].startswith("/api/"):
                assert answer.status_code == 404, (where, answer.text)
                assert answer.json()["error"]["code"] == "not_found"
            else:
                assert_page(answer, 404, "not_found")
            assert snapshot(world.app) == before, where


def test_a_volunteer_for_another_communes_hamlet_is_refused_and_not_made(world: World, two: dict[str, Any]) -> None:
    office = desk(world.client, ADMIN)
    before = snapshot(world.app)
    answer = _form(office, "/dash/admin/volunteers", name="Người Lạ", hamlets=THEIR_HAMLET)
    assert answer.status_code == 422, (answer.status_code, codes(answer))
    assert "admin_refused" in codes(answer)
    assert snapshot(world.app) == before


def test_a_phone_cannot_edit_or_visit_another_communes_household(world: World, two: dict[str, Any]) -> None:
    from tests.survey.builders import completed_visit

    before = snapshot(world.app)
    theirs = household(THEIR_HAMLET, "Lò Văn Sáu", id=two["pair"][0], phone="0912000111")
    moved = household("thon-na-pan", "Lò Văn Sáu", id=two["pair"][1])  # pulled into our hamlet
    visit = completed_visit(household(THEIR_HAMLET, id=two["pair"][0]))
    results = world.sync([theirs, moved], [visit]).json()["results"]
    assert [(r["result"], r["code"]) for r in results] == [("rejected", "hamlet_forbidden")] * 3
    after = snapshot(world.app)
    assert {k: v for k, v in after.items() if k not in ("audit", "change_counter", "device")} == {
        k: v for k, v in before.items() if k not in ("audit", "change_counter", "device")
    }

"""Administration over five years on the dashboard (issue 12 §4), through a real TestClient
on SQLite and PostgreSQL: a volunteer's page (name, hamlets, pause), unused enrolment codes,
staff accounts and the audit trail. Every change is checked in the database and through the
real sync and enrolment API; every refusal by its code, its status and by what did not
change; another commune's volunteer, code and account do not exist here."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from server_sync import models
from server_sync.services import audit, enrolment, staff, volunteers
from tests.survey.builders import household

from .conftest import SERVER_NOW, World
from .test_web_admin import (
    ADMIN,
    OTHER,
    STAFF,
    STAFF_PASSWORD,
    Site,
    code_of,
    done_of,
    make_site,
    post_form,
    sign_in,
    snapshot,
)

NEW_PASSWORD = "mot-mat-khau-moi-2027"


def state(app: Any) -> dict[str, Any]:
    """What this file's pages can change, beside what test_web_admin's snapshot covers."""
    with app.state.sessions() as session:
        return {
            **snapshot(app),
            "paused": sorted(v.id for v in session.scalars(select(models.Volunteer)) if v.deactivated_at),
            "open_codes": sorted(c.id for c in session.scalars(select(models.EnrolmentCode)) if not c.revoked_at),
            "accounts": sorted(
                (u.username, u.role, u.disabled_at is None, u.password_hash)
                for u in session.scalars(select(models.StaffUser))
            ),
            "audit": session.scalar(select(func.count()).select_from(models.Audit)),
        }


def error_text(response: Any) -> str:
    found = re.search(r'<div class="error" role="alert".*?</div>', response.text, re.S)
    assert found, response.text[:800]
    return found.group(0)


def refused(response: Any) -> str:
    """A 422 refusal shown on the page, its message in plain words (no command-line flag)."""
    assert response.status_code == 422 and code_of(response) == "admin_refused", response.text[:800]
    text = error_text(response)
    assert "--" not in text
    return text


def user_id(app: Any, username: str) -> int:
    with app.state.sessions() as session:
        return staff.staff_user(session, username).id


def open_code(app: Any, volunteer_id: str) -> tuple[str, int]:
    with app.state.sessions.begin() as session:
        code = volunteers.issue_code(session, session.get_one(models.Volunteer, volunteer_id))
    with app.state.sessions() as session:
        row = session.scalars(
            select(models.EnrolmentCode).where(
                models.EnrolmentCode.code_hash == enrolment.digest(enrolment.normalise_code(code))
            )
        ).one()
        return code, row.id


def trail(app: Any, kind: str) -> list[models.Audit]:
    with app.state.sessions() as session:
        return list(session.scalars(select(models.Audit).where(models.Audit.kind == kind).order_by(models.Audit.id)))


@pytest.fixture
def site(world: World) -> Site:
    """test_web_admin's: commune 06577 with an admin and a staff account, and a second commune."""
    return make_site(world)


@pytest.fixture
def other_admin(site: Site) -> int:
    """An administrator of the other commune: never listed, never reachable from 06577."""
    with site.app.state.sessions.begin() as session:
        return staff.create_staff(session, OTHER, "ben.canh", "Lý Văn Cạnh", "admin", NEW_PASSWORD).id


# -- who may look and change ------------------------------------------------------------------------


PAGES = ["/dash/admin/staff", "/dash/admin/audit", "/dash/admin/volunteers/{volunteer}"]


@pytest.mark.parametrize("path", PAGES)
def test_the_new_pages_are_for_admins_and_need_no_inline_script_or_style(site: Site, path: str) -> None:
    url = path.format(volunteer=site.world.volunteer_id)
    client, _ = sign_in(site.app)
    response = client.get(url)
    assert response.status_code == 200
    assert "<script" not in response.text and "style=" not in response.text
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    staff_client, _ = sign_in(site.app, STAFF, STAFF_PASSWORD)
    forbidden = staff_client.get(url)
    assert forbidden.status_code == 403 and code_of(forbidden) == "role_forbidden"


POSTS = [
    ("/dash/admin/volunteers/{volunteer}", {"name": "Tên Mới", "hamlets": "thon-pac-ma"}),
    ("/dash/admin/volunteers/{volunteer}/deactivate", {}),
    ("/dash/admin/volunteers/{volunteer}/reactivate", {}),
    ("/dash/admin/codes/{code}/revoke", {}),
    (
        "/dash/admin/staff",
        {"username": "mai.ly", "name": "Lý Thị Mai", "role": "admin", "password": NEW_PASSWORD, "again": NEW_PASSWORD},
    ),
    ("/dash/admin/staff/{user}/disable", {}),
    ("/dash/admin/staff/{user}/enable", {}),
    ("/dash/admin/staff/{user}/password", {"password": NEW_PASSWORD, "again": NEW_PASSWORD}),
    ("/dash/admin/staff/{user}/role", {"role": "admin"}),
]
IDS = [p[0].removeprefix("/dash/admin/") for p in POSTS]


def _url(site: Site, path: str, code: int) -> str:
    return path.format(volunteer=site.world.volunteer_id, code=code, user=user_id(site.app, STAFF))


@pytest.mark.parametrize("path, data", POSTS, ids=IDS)
def test_staff_who_are_not_admins_are_refused_and_nothing_changes(site: Site, path: str, data: dict[str, str]) -> None:
    _, code = open_code(site.app, site.world.volunteer_id)
    client, csrf = sign_in(site.app, STAFF, STAFF_PASSWORD)
    before = state(site.app)
    response = client.post(_url(site, path, code), data={**data, "csrf": csrf}, follow_redirects=False)
    assert response.status_code == 403 and code_of(response) == "role_forbidden"
    assert state(site.app) == before


@pytest.mark.parametrize("path, data", POSTS, ids=IDS)
@pytest.mark.parametrize("csrf", [None, "not-the-session-value"])
def test_a_missing_or_wrong_csrf_value_is_refused_and_nothing_changes(
    site: Site, path: str, data: dict[str, str], csrf: str | None
) -> None:
    _, code = open_code(site.app, site.world.volunteer_id)
    client, _ = sign_in(site.app)
    before = state(site.app)
    sent = data if csrf is None else {**data, "csrf": csrf}
    response = client.post(_url(site, path, code), data=sent, follow_redirects=False)
    assert response.status_code == 403 and code_of(response) == "csrf_invalid"
    assert state(site.app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/dash/admin/volunteers/{other_volunteer}",
        "/dash/admin/volunteers/{other_volunteer}/deactivate",
        "/dash/admin/volunteers/{other_volunteer}/reactivate",
        "/dash/admin/codes/{other_code}/revoke",
        "/dash/admin/staff/{other_user}/disable",
        "/dash/admin/staff/{other_user}/enable",
        "/dash/admin/staff/{other_user}/password",
        "/dash/admin/staff/{other_user}/role",
        "/dash/admin/volunteers/no-such-volunteer",
        "/dash/admin/codes/999999/revoke",
        "/dash/admin/codes/not-a-number/revoke",
        "/dash/admin/staff/999999/disable",
        "/dash/admin/staff/%00/role",
    ],
)
def test_another_communes_volunteer_code_or_account_is_not_found(site: Site, other_admin: int, path: str) -> None:
    _, other_code = open_code(site.app, site.other_volunteer)
    client, csrf = sign_in(site.app)
    url = path.format(other_volunteer=site.other_volunteer, other_code=other_code, other_user=other_admin)
    before = state(site.app)
    response = client.post(
        url,
        data={"csrf": csrf, "name": "Lấy Của Xã Khác", "hamlets": "thon-na-pan", "role": "staff"}
        | {"password": NEW_PASSWORD, "again": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 404 and code_of(response) == "not_found"
    assert state(site.app) == before
    if "/volunteers/" in path and path.count("/") == 3:
        page = client.get(url)
        assert page.status_code == 404 and code_of(page) == "not_found"
    assert site.world.sync(token=site.other_token).status_code == 200  # the other commune's phone still works


# -- a volunteer's name, hamlets and pause -------------------------------------------------------------


def test_a_volunteers_name_and_hamlets_are_changed_on_their_page_and_audited(site: Site) -> None:
    client, csrf = sign_in(site.app)
    url = f"/dash/admin/volunteers/{site.world.volunteer_id}"
    page = client.get(url).text
    assert 'name="hamlets" value="thon-na-pan" checked' in page and 'value="thon-pac-ma">' in page
    assert site.other_hamlet not in page
    response = post_form(
        client,
        url,
        [("csrf", csrf), ("name", " Hoàng  Thị Hoa B "), ("hamlets", "thon-pac-ma"), ("hamlets", "thon-na-pan")],
    )
    assert done_of(response)["done"] == ["volunteer_saved"] and done_of(response)["#"] == ["volunteers"]
    with site.app.state.sessions() as session:
        assert session.get_one(models.Volunteer, site.world.volunteer_id).name == "Hoàng Thị Hoa B"
        assert volunteers.hamlet_ids(session, site.world.volunteer_id) == ["thon-na-pan", "thon-pac-ma"]
    rows = trail(site.app, "volunteer")
    assert [(r.action, r.staff_user_id, r.commune_code) for r in rows] == [
        ("renamed", user_id(site.app, ADMIN), "06577"),
        ("hamlets", user_id(site.app, ADMIN), "06577"),
    ]
    synced = site.world.sync().json()  # the phone's scope follows at once
    assert [h["id"] for h in synced["roster"]["hamlets"]] == ["thon-na-pan", "thon-pac-ma"]
    same = post_form(
        client,
        url,
        [("csrf", csrf), ("name", "Hoàng Thị Hoa B"), ("hamlets", "thon-na-pan"), ("hamlets", "thon-pac-ma")],
    )
    assert done_of(same)["done"] == ["volunteer_unchanged"] and len(trail(site.app, "volunteer")) == 2
    shown = client.get(same.headers["location"]).text
    assert 'data-done="volunteer_unchanged"' in shown


@pytest.mark.parametrize(
    "fields",
    [
        [("name", "Hoàng Thị Hoa")],  # no hamlet ticked
        [("name", "   "), ("hamlets", "thon-na-pan")],
        [("name", "Hoàng Thị Hoa"), ("hamlets", "thon-na-pan"), ("hamlets", "thon-ben-canh")],  # another commune's
        [("name", "Hoàng\x00Hoa"), ("hamlets", "thon-na-pan")],
    ],
)
def test_a_bad_edit_is_shown_again_as_typed_and_changes_nothing(site: Site, fields: list[tuple[str, str]]) -> None:
    client, csrf = sign_in(site.app)
    before = state(site.app)
    response = post_form(client, f"/dash/admin/volunteers/{site.world.volunteer_id}", [("csrf", csrf), *fields])
    refused(response)
    if "\x00" not in fields[0][1]:
        assert f'name="name" maxlength="200" required value="{fields[0][1]}"' in response.text
    assert state(site.app) == before


def test_a_paused_volunteers_phone_is_refused_and_syncs_again_once_reactivated(site: Site) -> None:
    client, csrf = sign_in(site.app)
    base = f"/dash/admin/volunteers/{site.world.volunteer_id}"
    first = household("thon-na-pan", head_name="Đã gửi")
    assert site.world.sync([first]).status_code == 200
    assert done_of(client.post(f"{base}/deactivate", data={"csrf": csrf}, follow_redirects=False))["done"] == [
        "deactivated"
    ]
    later = household("thon-na-pan", head_name="Chờ mở lại")
    blocked = site.world.sync([later])
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "volunteer_inactive"
    assert site.world.sync(token=site.other_token).status_code == 200  # nobody else is held up
    admin_page = client.get("/dash/admin").text
    assert re.search(rf'data-volunteer="{site.world.volunteer_id}" class="paused"', admin_page)
    assert f"/volunteers/{site.world.volunteer_id}/code" not in admin_page  # no code for a paused volunteer
    issue = client.post(f"{base}/code", data={"csrf": csrf, "days": "7"}, follow_redirects=False)
    refused(issue)
    assert 'data-state="paused"' in client.get(base).text

    assert done_of(client.post(f"{base}/reactivate", data={"csrf": csrf}, follow_redirects=False))["done"] == [
        "reactivated"
    ]
    again = site.world.sync([later])
    assert again.status_code == 200 and again.json()["results"][0]["result"] == "accepted"
    with site.app.state.sessions() as session:  # nothing was lost meanwhile
        assert session.get(models.Household, first.id) is not None and session.get(models.Household, later.id)
    assert [r.action for r in trail(site.app, "volunteer")] == ["deactivated", "reactivated"]


# -- enrolment codes ----------------------------------------------------------------------------------


def test_unused_codes_are_listed_without_the_code_and_one_taken_back_does_not_enrol(site: Site) -> None:
    code, code_id = open_code(site.app, site.world.volunteer_id)
    _, other_id = open_code(site.app, site.other_volunteer)
    client, csrf = sign_in(site.app)
    codes_card = client.get("/dash/admin").text.split('id="codes"')[1].split("</section>")[0]
    assert f'data-code-id="{code_id}"' in codes_card and f'data-code-id="{other_id}"' not in codes_card
    assert code not in codes_card and code.replace("-", "") not in codes_card
    done = done_of(client.post(f"/dash/admin/codes/{code_id}/revoke", data={"csrf": csrf}, follow_redirects=False))
    assert done["done"] == ["code_revoked"] and done["#"] == ["codes"]
    enrolling = site.world.client.post("/api/v1/enroll", json={"code": code, "device_name": "thief"})
    assert enrolling.status_code == 401 and enrolling.json()["error"]["code"] == "enrolment_code_revoked"
    again = client.post(f"/dash/admin/codes/{code_id}/revoke", data={"csrf": csrf}, follow_redirects=False)
    assert done_of(again)["done"] == ["code_not_open"]
    assert f'data-code-id="{code_id}"' not in client.get("/dash/admin").text
    [issued, revoked] = [r for r in trail(site.app, "code") if r.commune_code == "06577"]
    assert (issued.action, issued.staff_user_id, revoked.action, revoked.staff_user_id) == (
        "issued",
        None,
        "revoked",
        user_id(site.app, ADMIN),
    )


# -- staff accounts ---------------------------------------------------------------------------------


def test_the_account_page_lists_this_communes_accounts_only(site: Site, other_admin: int) -> None:
    client, _ = sign_in(site.app)
    page = client.get("/dash/admin/staff").text
    assert f'data-account="{ADMIN}"' in page and f'data-account="{STAFF}"' in page
    assert "ben.canh" not in page and f"/staff/{other_admin}/" not in page
    assert "argon2" not in page


def test_an_added_account_signs_in_and_bad_ones_are_refused(site: Site) -> None:
    client, csrf = sign_in(site.app)
    form = {"csrf": csrf, "username": "Mai.Ly", "name": "Lý Thị Mai", "role": "staff"}
    before = state(site.app)
    for extra in (
        {"password": NEW_PASSWORD, "again": NEW_PASSWORD + "x"},  # typed differently twice
        {"password": "ngan", "again": "ngan"},  # too short
        {"password": NEW_PASSWORD, "again": NEW_PASSWORD, "username": STAFF},  # taken
        {"password": NEW_PASSWORD, "again": NEW_PASSWORD, "role": "root"},
        {"password": NEW_PASSWORD, "again": NEW_PASSWORD, "username": "có dấu"},
    ):
        response = client.post("/dash/admin/staff", data={**form, **extra}, follow_redirects=False)
        refused(response)
        assert NEW_PASSWORD not in response.text and "ngan" not in response.text.split('id="add"')[1]
    assert state(site.app) == before
    response = client.post(
        "/dash/admin/staff", data={**form, "password": NEW_PASSWORD, "again": NEW_PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and "done=added" in response.headers["location"]
    assert 'data-done="added"' in client.get(response.headers["location"]).text
    new_client, _ = sign_in(site.app, "mai.ly", NEW_PASSWORD)
    assert new_client.get("/dash/admin").status_code == 403  # staff: not an admin
    [row] = trail(site.app, "staff")
    assert (row.record_id, row.action, row.new_content, row.staff_user_id) == (
        "mai.ly",
        "created",
        {"name": "Lý Thị Mai", "role": "staff"},
        user_id(site.app, ADMIN),
    )


def test_disable_enable_reset_and_role_change_take_effect_at_once(site: Site) -> None:
    admin_client, csrf = sign_in(site.app)
    lan_client, _ = sign_in(site.app, STAFF, STAFF_PASSWORD)
    lan = user_id(site.app, STAFF)
    base = f"/dash/admin/staff/{lan}"

    def post(action: str, **data: str) -> Any:
        response = admin_client.post(f"{base}/{action}", data={"csrf": csrf, **data}, follow_redirects=False)
        assert response.status_code == 303, response.text[:500]
        return response.headers["location"]

    assert "done=disabled" in post("disable")
    assert lan_client.get("/dash/", follow_redirects=False).status_code == 303  # their session ended
    with pytest.raises(AssertionError):
        sign_in(site.app, STAFF, STAFF_PASSWORD)
    assert "done=already_disabled" in post("disable")
    assert "done=enabled" in post("enable")
    lan_client, _ = sign_in(site.app, STAFF, STAFF_PASSWORD)  # the old password again
    assert "done=password_reset" in post("password", password=NEW_PASSWORD, again=NEW_PASSWORD)
    assert lan_client.get("/dash/", follow_redirects=False).status_code == 303  # whoever knew the old one is out
    lan_client, _ = sign_in(site.app, STAFF, NEW_PASSWORD)
    assert lan_client.get("/dash/admin").status_code == 403
    assert "done=role" in post("role", role="admin")
    assert lan_client.get("/dash/admin").status_code == 200  # from their next request
    assert "done=same_role" in post("role", role="admin")
    assert [r.action for r in trail(site.app, "staff")] == ["disabled", "enabled", "password_reset", "role"]
    with site.app.state.sessions() as session:
        written = repr([(r.old_content, r.new_content) for r in session.scalars(select(models.Audit))])
    assert NEW_PASSWORD not in written and STAFF_PASSWORD not in written


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(site: Site, other_admin: int) -> None:
    client, csrf = sign_in(site.app)
    me = user_id(site.app, ADMIN)
    before = state(site.app)
    for action, data in (("disable", {}), ("role", {"role": "staff"})):
        response = client.post(f"/dash/admin/staff/{me}/{action}", data={"csrf": csrf, **data}, follow_redirects=False)
        assert ADMIN in refused(response)
    assert state(site.app) == before  # the other commune's admin does not count
    # with a second admin, the first may step down: their own session then ends at the overview
    lan = user_id(site.app, STAFF)
    client.post(f"/dash/admin/staff/{lan}/role", data={"csrf": csrf, "role": "admin"})
    response = client.post(f"/dash/admin/staff/{me}/role", data={"csrf": csrf, "role": "staff"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dash/"
    assert client.get("/dash/admin").status_code == 403


# -- the audit trail -------------------------------------------------------------------------------


def test_set_up_changes_made_on_the_pages_show_in_the_trail_with_who_and_when(site: Site) -> None:
    client, csrf = sign_in(site.app)
    client.post("/dash/admin/hamlets/thon-khon-chu/team", data={"csrf": csrf, "since": "2026-05-01", "action": "set"})
    client.post(f"/dash/admin/volunteers/{site.world.volunteer_id}/deactivate", data={"csrf": csrf})
    site.world.sync([household("thon-na-pan")])  # refused: a paused volunteer writes nothing, audits nothing
    page = client.get("/dash/admin/audit")
    assert page.status_code == 200 and "style=" not in page.text and "<script" not in page.text
    rows = re.findall(
        r'<tr data-audit="(\d+)" data-kind="([a-z]+)" data-action="([a-z_]+)">(.*?)</tr>', page.text, re.S
    )
    assert [(kind, action) for _, kind, action, _ in rows] == [("volunteer", "deactivated"), ("hamlet", "team")]
    team = rows[1][3]
    assert "29/11/2026 12:00" in team  # the server's clock, in the commune's zone
    assert "Hoàng Văn Quân" in team and "thon-khon-chu" in team and "— → 2026-05-01" in team
    english = client.get("/dash/admin/audit?lang=en").text
    assert "Digital-tech team" in english and "Paused" in english


def test_the_trail_is_filtered_and_paged_and_shows_this_commune_only(site: Site) -> None:
    admin_id = user_id(site.app, ADMIN)
    with site.app.state.sessions.begin() as session:
        for i in range(55):
            audit.record(
                session,
                commune_code="06577",
                kind="hamlet",
                record_id=f"thon-{i:02d}",
                action="updated",
                old={"name": f"A{i}"},
                new={"name": f"B{i}"},
                staff_user_id=admin_id if i % 2 else None,
                now=SERVER_NOW - timedelta(days=i),
            )
        audit.record(
            session, commune_code=OTHER, kind="hamlet", record_id="thon-ben-canh", action="updated", now=SERVER_NOW
        )
    site.world.sync([household("thon-na-pan")])
    client, _ = sign_in(site.app)

    def ids(query: str) -> list[str]:
        response = client.get(f"/dash/admin/audit{query}")
        assert response.status_code == 200, response.text[:800]
        return re.findall(
            r'<tr data-audit="\d+" data-kind="[a-z]+" data-action="[a-z_]+">\s*<td>[^<]*</td>.*?<code>([^<]+)</code>',
            response.text,
            re.S,
        )

    first = client.get("/dash/admin/audit?kind=hamlet")
    shown = ids("?kind=hamlet")
    assert len(shown) == audit.PAGE and shown[0] == "thon-00" and "thon-ben-canh" not in first.text
    older = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert "kind=hamlet" in older
    second = client.get(older)
    assert ids(older.removeprefix("/dash/admin/audit")) == [f"thon-{i}" for i in range(50, 55)]
    assert 'rel="next"' not in second.text
    newer = re.search(r'href="([^"]+)" rel="prev"', second.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert ids(newer.removeprefix("/dash/admin/audit")) == shown
    assert ids("?kind=hamlet&record=thon-07") == ["thon-07"]
    assert ids(f"?kind=hamlet&who=staff%3A{admin_id}&from=2026-11-20") == [f"thon-{i:02d}" for i in (1, 3, 5, 7, 9)]
    assert ids("?kind=hamlet&who=cli&from=2026-11-26&to=2026-11-27") == ["thon-02"]
    phone = ids(f"?who=volunteer%3A{site.world.volunteer_id}")
    assert len(phone) == 1 and ids(f"?who=device%3A{site.world.device_id}") == phone
    assert ids(f"?who=volunteer%3A{site.other_volunteer}") == []


@pytest.mark.parametrize(
    "query",
    ["?kind=passwords", "?who=someone", "?from=29%2F11%2F2026", "?from=2026-12-01&to=2026-11-01", "?before=abc"],
)
def test_a_bad_filter_shows_the_message_and_no_rows(site: Site, query: str) -> None:
    client, _ = sign_in(site.app)
    response = client.get(f"/dash/admin/audit{query}")
    refused(response)
    assert "data-audit=" not in response.text

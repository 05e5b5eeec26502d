"""The administrator's dashboard pages, through a real TestClient on SQLite and PostgreSQL.

Staff sign in through the real /dash/sign-in form. Every change is checked in the database;
every refusal by its code, its status and by what did *not* change. A second commune sits
beside the admin's: its hamlet, volunteer and phone must be out of reach."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import segno
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server_sync import models
from server_sync.services import admin, enrolment, staff
from server_sync.web import admin_pages, i18n
from tests.server.browser import sign_in_form

from .conftest import World, enrol

ADMIN, ADMIN_PASSWORD = "quan.tri", "quan-tri-vien-2026"
STAFF, STAFF_PASSWORD = "lan.nguyen", "mat-khau-dai-1"
OTHER = "06578"


@dataclass
class Site:
    world: World
    other_hamlet: str
    other_volunteer: str
    other_device: str
    other_token: str

    @property
    def app(self) -> Any:
        return self.world.app


@pytest.fixture
def site(world: World) -> Site:
    return make_site(world)


def make_site(world: World) -> Site:
    """The conftest commune (06577) with an admin and a staff account, and a second commune."""
    with world.session() as session:
        staff.create_staff(session, "06577", ADMIN, "Hoàng Văn Quân", "admin", ADMIN_PASSWORD)
        staff.create_staff(session, "06577", STAFF, "Nguyễn Thị Lan", "staff", STAFF_PASSWORD)
        admin.create_commune(session, OTHER, "Xã Bên Cạnh", "Lạng Sơn")
        admin.add_hamlet(session, OTHER, "thon-ben-canh", "Thôn Bên Cạnh", None)
        other = admin.add_volunteer(session, OTHER, "Lý Văn Khác", ["thon-ben-canh"]).id
    token, device = enrol(world.app, other, "Nokia C12")
    return Site(world, "thon-ben-canh", other, device, token)


def sign_in(app: Any, username: str = ADMIN, password: str = ADMIN_PASSWORD) -> tuple[TestClient, str]:
    """A browser of its own, signed in through the form; the session's CSRF value."""
    client = TestClient(app)
    response = client.post(
        "/dash/sign-in",
        data=sign_in_form(client, username=username, password=password, next="/dash/"),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get("/dash/")
    assert home.status_code == 200
    return client, csrf_of(home.text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def code_of(response: Any) -> str:
    found = re.search(r'data-code="([a-z_]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def done_of(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text[:800]
    location = urlsplit(response.headers["location"])
    assert location.path == "/dash/admin"
    return {**parse_qs(location.query), "#": [location.fragment]}


def snapshot(app: Any) -> dict[str, Any]:
    """What admin operations can change, to compare before and after a refusal."""
    with app.state.sessions() as session:
        return {
            "hamlets": sorted(
                (h.id, h.commune_code, h.name, h.team_active_since) for h in session.scalars(select(models.Hamlet))
            ),
            "volunteers": sorted((v.id, v.name) for v in session.scalars(select(models.Volunteer))),
            "scopes": sorted((s.volunteer_id, s.hamlet_id) for s in session.scalars(select(models.VolunteerHamlet))),
            "codes": session.scalar(select(func.count()).select_from(models.EnrolmentCode)),
            "devices": sorted((d.id, d.revoked_at is None) for d in session.scalars(select(models.Device))),
            "communes": sorted(
                (c.code, c.adult_age, c.close_margin, repr(sorted((c.targets or {}).items())))
                for c in session.scalars(select(models.Commune))
            ),
        }


def post_form(client: TestClient, url: str, fields: list[tuple[str, str]]) -> Any:
    """A urlencoded form with repeated fields in document order, as a browser sends it."""
    return client.post(
        url,
        content=urlencode(fields),
        follow_redirects=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def commune(app: Any, code: str = "06577") -> models.Commune:
    with app.state.sessions() as session:
        found = session.get(models.Commune, code)
        assert found is not None
        return found


def targets_form(
    csrf: str,
    changes: dict[str, tuple[str, bool, str]],
    *,
    close_margin: str = "10",
    adult_age: str = "18",
    app: Any = None,
    **settings: str,
) -> list[tuple[str, str]]:
    """The targets form as a browser posts it: the stored values, then the changes typed."""
    current = admin.coverage_config(commune(app)).targets if app is not None else {}
    fields = [("csrf", csrf)]
    for item in admin_pages.TARGETED:
        target = current.get(item.id)
        low, strict, high = (
            (f"{target.min:g}", target.strict, "" if target.max is None else f"{target.max:g}")
            if target
            else ("", False, "")
        )
        low, strict, high = changes.get(item.id, (low, strict, high))
        fields += [("indicator", item.id), ("min", low), ("max", high)]
        if strict:
            fields.append(("strict", item.id))
    return [*fields, ("close_margin", close_margin), ("adult_age", adult_age), *settings.items()]


# -- who may look ------------------------------------------------------------------------------------


def test_the_admin_page_shows_this_commune_only_and_needs_no_inline_script_or_style(site: Site) -> None:
    client, _ = sign_in(site.app)
    response = client.get("/dash/admin")
    assert response.status_code == 200
    page = response.text
    for hamlet in ("thon-na-pan", "thon-khon-chu", "thon-pac-ma"):
        assert f'data-hamlet="{hamlet}"' in page
    assert f'data-volunteer="{site.world.volunteer_id}"' in page
    assert f'data-device="{site.world.device_id}"' in page
    assert site.other_hamlet not in page and site.other_volunteer not in page and site.other_device not in page
    assert page.count('data-indicator="') == len(admin_pages.TARGETED)
    # the CSP allows no inline script and no style attribute
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert "<script" not in page and "style=" not in page
    assert response.headers["cache-control"] == "no-store"


def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    client = TestClient(site.app)
    response = client.get("/dash/admin", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dash/sign-in?next=%2Fdash%2Fadmin")


POSTS = [
    (
        "/dash/admin/hamlets/import",
        {},
        {"file": ("thon.csv", b"id,name\nthon-moi,Th\xc3\xb4n M\xe1\xbb\x9bi\n", "text/csv")},
    ),
    ("/dash/admin/hamlets/thon-na-pan/team", {"since": "", "action": "clear"}, None),
    ("/dash/admin/volunteers", {"name": "Lý Văn Nam", "hamlets": "thon-na-pan"}, None),
    ("/dash/admin/volunteers/{volunteer}/code", {"days": "7"}, None),
    ("/dash/admin/devices/{device}/revoke", {"confirm": "1"}, None),
    ("/dash/admin/targets", {"indicator": "adults_ready", "min": "50", "max": "", "adult_age": "15"}, None),
]


def _post(client: TestClient, site: Site, path: str, data: dict[str, str], files: Any) -> Any:
    url = path.format(volunteer=site.world.volunteer_id, device=site.world.device_id)
    return client.post(url, data=data, files=files, follow_redirects=False)


@pytest.mark.parametrize("path, data, files", POSTS, ids=[p[0].split("/admin/")[1] for p in POSTS])
def test_staff_who_are_not_admins_get_role_forbidden_and_change_nothing(
    site: Site, path: str, data: dict[str, str], files: Any
) -> None:
    client, csrf = sign_in(site.app, STAFF, STAFF_PASSWORD)
    page = client.get("/dash/admin")
    assert page.status_code == 403 and code_of(page) == "role_forbidden"
    assert 'href="/dash/admin"' not in client.get("/dash/").text  # no Administration link either
    before = snapshot(site.app)
    response = _post(client, site, path, {**data, "csrf": csrf}, files)
    assert response.status_code == 403 and code_of(response) == "role_forbidden"
    assert snapshot(site.app) == before


@pytest.mark.parametrize("path, data, files", POSTS, ids=[p[0].split("/admin/")[1] for p in POSTS])
@pytest.mark.parametrize("csrf", [None, "", "not-the-session-value"])
def test_a_missing_or_wrong_csrf_value_is_refused_and_changes_nothing(
    site: Site, path: str, data: dict[str, str], files: Any, csrf: str | None
) -> None:
    client, _ = sign_in(site.app)
    before = snapshot(site.app)
    response = _post(client, site, path, data if csrf is None else {**data, "csrf": csrf}, files)
    assert response.status_code == 403 and code_of(response) == "csrf_invalid"
    assert snapshot(site.app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/dash/admin/hamlets/{hamlet}/team",
        "/dash/admin/volunteers/{volunteer}/code",
        "/dash/admin/devices/{device}/revoke",
        "/dash/admin/hamlets/no-such-hamlet/team",
        "/dash/admin/volunteers/no-such-volunteer/code",
        "/dash/admin/devices/no-such-device/revoke",
    ],
)
def test_another_communes_hamlet_volunteer_or_phone_is_not_found(site: Site, path: str) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    url = path.format(hamlet=site.other_hamlet, volunteer=site.other_volunteer, device=site.other_device)
    response = client.post(
        url,
        data={"csrf": csrf, "since": "2026-05-01", "action": "set", "days": "7", "confirm": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 404 and code_of(response) == "not_found"
    assert snapshot(site.app) == before
    assert site.world.sync(token=site.other_token).status_code == 200  # the other commune's phone still works


def test_a_post_only_address_opened_by_get_goes_back_to_the_admin_page(site: Site) -> None:
    client, _ = sign_in(site.app)
    before = snapshot(site.app)
    response = client.get(f"/dash/admin/volunteers/{site.world.volunteer_id}/code?lang=en", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dash/admin?lang=en"
    assert snapshot(site.app) == before  # opening the address issued no code


# -- hamlets -------------------------------------------------------------------------------------------


def test_a_hamlet_csv_is_imported_and_the_summary_shown(site: Site) -> None:
    client, csrf = sign_in(site.app)
    data = (
        "id;name;team_active_since\n"  # what a Vietnamese spreadsheet saves
        "thon-na-pan;Thôn Nà Pàn Mới;2026-03-01\n"
        "thon-ban-cao;Thôn Bản Cao;2026-04-15\n"
    ).encode("utf-8-sig")
    response = client.post(
        "/dash/admin/hamlets/import",
        data={"csrf": csrf},
        files={"file": ("thon.csv", data, "text/csv")},
        follow_redirects=False,
    )
    done = done_of(response)
    assert done["done"] == ["imported"] and done["#"] == ["hamlets"]
    assert (done["added"], done["updated"], done["unchanged"], done["kept"]) == (["1"], ["1"], ["0"], ["2"])
    hamlets = {h[0]: h for h in snapshot(site.app)["hamlets"]}
    assert hamlets["thon-ban-cao"] == ("thon-ban-cao", "06577", "Thôn Bản Cao", "2026-04-15")
    assert hamlets["thon-na-pan"][2] == "Thôn Nà Pàn Mới"
    with site.app.state.sessions() as session:  # a new hamlet gets its zero tallies, as from the CLI
        assert (
            session.scalar(
                select(func.count())
                .select_from(models.HamletTally)
                .where(models.HamletTally.hamlet_id == "thon-ban-cao")
            )
            > 0
        )
    shown = client.get(response.headers["location"])
    assert shown.status_code == 200 and 'data-done="imported"' in shown.text
    assert 'data-hamlet="thon-ban-cao"' in shown.text


def test_a_bad_csv_is_refused_with_every_bad_line_and_nothing_is_imported(site: Site) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    data = (
        "id,name,team_active_since\n"
        "thon-moi,Thôn Mới,\n"  # fine, but not imported: the file has errors
        "thôn có dấu,Thôn Dấu,\n"  # line 3: bad id
        "thon-hai,,\n"  # line 4: no name
        "thon-ba,Thôn Ba,31/02/2026\n"  # line 5: no such day
        "thon-moi,Thôn Mới Lần Hai,\n"
    ).encode()  # line 6: repeats line 2
    response = client.post(
        "/dash/admin/hamlets/import",
        data={"csrf": csrf},
        files={"file": ("thon.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert 'data-card="hamlets"' in response.text
    items = re.findall(r'<li data-problem="([a-z_]+)">(.*?)</li>', response.text.split('class="details"')[1])
    assert [(code, re.search(r"\d+", item).group(0)) for code, item in items] == [  # type: ignore[union-attr]
        ("hamlet_id_invalid", "3"),
        ("hamlet_name_missing", "4"),
        ("day_impossible", "5"),
        ("hamlet_id_repeated", "6"),
    ]
    assert snapshot(site.app) == before


def import_file(client: TestClient, csrf: str, data: bytes, lang: str = "vi") -> Any:
    return client.post(
        f"/dash/admin/hamlets/import?lang={lang}",
        data={"csrf": csrf},
        files={"file": ("thon.csv", data, "text/csv")},
        follow_redirects=False,
    )


def problems_of(response: Any) -> list[tuple[str, str]]:
    """The refusal's (code, text) per offending line, as the page lists them."""
    assert response.status_code == 422 and code_of(response) == "admin_refused", response.text[:500]
    details = response.text.split('class="details"')[1].split("</ul>")[0]
    return re.findall(r'<li data-problem="([a-z_]+)">(.*?)</li>', details)


def test_the_issues_example_a_hamlet_file_with_day_first_dates_as_vietnamese_excel_saves_it(site: Site) -> None:
    # Issue 12 §4: "the hamlet file as Vietnamese Excel writes it: dates as dd/mm/yyyy are
    # accepted beside ISO dates" — `;` between columns, a BOM, CRLF, 15/03/2026.
    client, csrf = sign_in(site.app)
    data = (
        "id;name;team_active_since\r\n"
        "thon-na-pan;Thôn Nà Pàn;15/03/2026\r\n"
        "thon-moi;Thôn Mới;2026-04-01\r\n"
        "thon-chua-co;Thôn Chưa Có;\r\n"
    ).encode("utf-8-sig")
    done = done_of(import_file(client, csrf, data))
    assert done["done"] == ["imported"] and (done["added"], done["updated"]) == (["2"], ["1"])
    teams = {h[0]: h[3] for h in snapshot(site.app)["hamlets"]}
    assert (teams["thon-na-pan"], teams["thon-moi"], teams["thon-chua-co"]) == ("2026-03-15", "2026-04-01", None)


def test_every_day_first_form_is_accepted_and_stored_iso(site: Site) -> None:
    client, csrf = sign_in(site.app)
    for typed, stored in [
        ("01/03/2026", "2026-03-01"),
        ("2/3/2026", "2026-03-02"),
        ("03-03-2026", "2026-03-03"),
        ("4.3.2026", "2026-03-04"),
        ("2026-03-05", "2026-03-05"),
        ("06/03/2026", "2026-03-06"),  # 6 March, never 3 June: the day comes first
    ]:
        data = f"id,name,team_active_since\nthon-khon-chu,Thôn Khòn Chu,{typed}\n".encode()
        assert done_of(import_file(client, csrf, data))["updated"] == ["1"], typed
        assert {h[0]: h[3] for h in snapshot(site.app)["hamlets"]}["thon-khon-chu"] == stored, typed


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_day_that_is_not_one_is_refused_by_line_and_code_in_the_readers_language(site: Site, lang: str) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    data = (
        "id;name;team_active_since\n"
        "thon-a;Thôn A;31/02/2027\n"  # line 2: no such day
        "thon-b;Thôn B;2027-13-01\n"  # 3: no month 13
        "thon-c;Thôn C;03/31/2027\n"  # 4: month first
        "thon-d;Thôn D;01/03/27\n"  # 5: a two-digit year
        "thon-e;Thôn E;mùng 1 tháng 3\n"  # 6: not a date
        "thon-f;Thôn F;01/03/2027\n"  # 7: fine, but not imported
    ).encode()
    found = problems_of(import_file(client, csrf, data, lang))
    assert [code for code, _ in found] == [
        "day_impossible",
        "day_impossible",
        "day_month_first",
        "day_ambiguous",
        "day_unreadable",
    ]
    word = "Dòng" if lang == "vi" else "Line"
    for (_, text), line, typed in zip(
        found, range(2, 7), ["31/02/2027", "2027-13-01", "03/31/2027", "01/03/27", "mùng 1 tháng 3"], strict=True
    ):
        assert text.startswith(f"{word} {line}: ") and typed in text.replace("&#39;", "'")
        assert "team_active_since" in text
    assert snapshot(site.app) == before


def test_web_messages_never_name_a_command_line_flag(site: Site) -> None:
    """The service's messages reach the web pages too: a form has no --hamlets or --max."""
    client, csrf = sign_in(site.app)
    refusals = [
        client.post("/dash/admin/volunteers", data={"csrf": csrf, "name": "Lý Văn Nam"}, follow_redirects=False),
        post_form(
            client, "/dash/admin/targets", targets_form(csrf, {"adults_ready": ("80", False, "70")}, app=site.app)
        ),
        post_form(
            client, "/dash/admin/targets", targets_form(csrf, {"adults_ready": ("120", False, "")}, app=site.app)
        ),
        import_file(client, csrf, b"id,name,team_active_since\nthon-a,A,31/02/2027\n"),
        client.post(
            "/dash/admin/hamlets/thon-na-pan/team",
            data={"csrf": csrf, "since": "03/31/2027", "action": "set"},
            follow_redirects=False,
        ),
    ]
    for response in refusals:
        assert response.status_code == 422 and code_of(response) == "admin_refused"
        shown = response.text.split('class="error"')[1].split("</div>")[0]
        assert not re.search(r"(^|\s|\()--[a-z]", shown), shown
    for key, texts in i18n.TEXT.items():
        assert not any(re.search(r"(^|\s|\()--[a-z]", text) for text in texts), key


@pytest.mark.parametrize("content", [b"", b"\xff\xfe not utf-8", b"ma,ten\nthon-a,A\n", b"x" * (1024 * 1024 + 1)])
def test_an_empty_unreadable_or_oversized_file_is_refused(site: Site, content: bytes) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    response = client.post(
        "/dash/admin/hamlets/import",
        data={"csrf": csrf},
        files={"file": ("thon.csv", content, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert snapshot(site.app) == before


def test_importing_another_communes_hamlet_id_is_refused(site: Site) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    data = f"id,name\nthon-moi,Thôn Mới\n{site.other_hamlet},Lấy Của Xã Khác\n".encode()
    response = client.post(
        "/dash/admin/hamlets/import",
        data={"csrf": csrf},
        files={"file": ("thon.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert snapshot(site.app) == before


def test_the_team_date_is_set_and_cleared_and_a_bad_date_changes_nothing(site: Site) -> None:
    client, csrf = sign_in(site.app)

    def team(hamlet: str) -> str | None:
        return {h[0]: h[3] for h in snapshot(site.app)["hamlets"]}[hamlet]

    done = done_of(
        client.post(
            "/dash/admin/hamlets/thon-khon-chu/team",
            data={"csrf": csrf, "since": "2026-05-01", "action": "set"},
            follow_redirects=False,
        )
    )
    assert done["done"] == ["team_set"] and done["#"] == ["hamlets"]
    assert team("thon-khon-chu") == "2026-05-01"
    done = done_of(
        client.post(
            "/dash/admin/hamlets/thon-na-pan/team",
            data={"csrf": csrf, "since": "2026-03-01", "action": "clear"},
            follow_redirects=False,
        )
    )
    assert done["done"] == ["team_cleared"] and team("thon-na-pan") is None
    before = snapshot(site.app)
    for since in ("31/02/2027", "", "2026-02-30", "05/31/2026", "1/5/26"):
        response = client.post(
            "/dash/admin/hamlets/thon-khon-chu/team",
            data={"csrf": csrf, "since": since, "action": "set"},
            follow_redirects=False,
        )
        assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert snapshot(site.app) == before


# -- volunteers, codes, phones --------------------------------------------------------------------------


def test_a_volunteer_is_added_with_their_hamlets(site: Site) -> None:
    client, csrf = sign_in(site.app)
    response = client.post(
        "/dash/admin/volunteers",
        data={"csrf": csrf, "name": "  Lý   Văn Nam ", "hamlets": ["thon-pac-ma", "thon-khon-chu"]},
        follow_redirects=False,
    )
    assert done_of(response)["done"] == ["volunteer_added"]
    with site.app.state.sessions() as session:
        added = [(v, ids) for v, ids in admin.volunteers(session, "06577") if v.name == "Lý Văn Nam"]
    assert len(added) == 1 and added[0][1] == ["thon-khon-chu", "thon-pac-ma"]
    assert f'data-volunteer="{added[0][0].id}"' in client.get("/dash/admin").text


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Lý Văn Nam"},  # no hamlet ticked
        {"name": "   ", "hamlets": "thon-na-pan"},
        {"name": "Lý Văn Nam", "hamlets": ["thon-na-pan", "thon-ben-canh"]},  # the other commune's hamlet
        {"name": "Lý Văn Nam", "hamlets": "no-such-hamlet"},
    ],
)
def test_a_bad_volunteer_is_refused_and_the_form_keeps_what_was_typed(site: Site, data: dict[str, Any]) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    response = client.post("/dash/admin/volunteers", data={"csrf": csrf, **data}, follow_redirects=False)
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert 'data-card="volunteers"' in response.text
    assert f'value="{data["name"]}"' in response.text
    assert snapshot(site.app) == before


def test_an_issued_code_is_shown_once_enrols_a_phone_and_its_qr_holds_it(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SERVER_URL", raising=False)
    client, csrf = sign_in(site.app)
    before = datetime.now(UTC)
    response = client.post(
        f"/dash/admin/volunteers/{site.world.volunteer_id}/code",
        data={"csrf": csrf, "days": "3"},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', response.text).group(1)  # type: ignore[union-attr]
    payload = re.search(r'data-payload="([^"]+)"', response.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert admin.parse_enrol_link(payload) == ("http://testserver", code)
    # the inline SVG is the QR of exactly that payload
    svg = re.search(r"<svg.*?</svg>", response.text, re.S).group(0)  # type: ignore[union-attr]
    assert svg == segno.make(payload, error="m", micro=False).svg_inline(scale=8, border=4, omitsize=True)
    # under the QR, as text: whose code it is and the code itself, so printed codes are told apart
    caption = re.search(r"<figcaption>(.*?)</figcaption>", response.text, re.S).group(1)  # type: ignore[union-attr]
    with site.app.state.sessions() as session:
        name = session.get(models.Volunteer, site.world.volunteer_id).name  # type: ignore[union-attr]
    assert f'id="enrol-qr-name">{name}<' in caption and f'id="enrol-qr-code">{code}<' in caption
    png = re.search(r'href="data:image/png;base64,([^"]+)"', caption).group(1)  # type: ignore[union-attr]
    assert base64.b64decode(png) == admin.enrol_qr_png(payload, (name, code))
    with site.app.state.sessions() as session:
        rows = list(
            session.scalars(
                select(models.EnrolmentCode)
                .where(models.EnrolmentCode.volunteer_id == site.world.volunteer_id)
                .order_by(models.EnrolmentCode.id)
            )
        )
        stored = rows[-1]
        assert stored.code_hash == enrolment.digest(enrolment.normalise_code(code))
        assert code.replace("-", "") not in repr([(r.code_hash, r.created_at) for r in rows])
        expires = stored.expires_at if stored.expires_at.tzinfo else stored.expires_at.replace(tzinfo=UTC)
        assert before + timedelta(days=3) <= expires <= datetime.now(UTC) + timedelta(days=3)
    with site.app.state.sessions.begin() as session:
        enrolled = enrolment.enroll(session, code, "Xiaomi Redmi 13C")
    assert enrolled.scope.volunteer_id == site.world.volunteer_id
    assert site.world.sync(token=enrolled.token).status_code == 200
    assert f'data-device="{enrolled.scope.device_id}"' in client.get("/dash/admin").text
    # the code page is a POST answer: opening its address shows no code
    again = client.get(f"/dash/admin/volunteers/{site.world.volunteer_id}/code")
    assert again.status_code == 200 and code not in again.text


@pytest.mark.parametrize("days", ["0", "91", "seven", "-1", "1e3"])
def test_a_code_with_bad_days_is_refused_and_none_is_issued(site: Site, days: str) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    response = client.post(
        f"/dash/admin/volunteers/{site.world.volunteer_id}/code",
        data={"csrf": csrf, "days": days},
        follow_redirects=False,
    )
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert 'data-card="codes"' in response.text
    assert snapshot(site.app) == before


def test_a_page_opened_on_the_server_itself_puts_the_lan_address_in_the_qr(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, csrf = sign_in(site.app)
    url = f"/dash/admin/volunteers/{site.world.volunteer_id}/code"

    def server_in_qr(host: str) -> str:
        response = client.post(url, data={"csrf": csrf}, headers={"Host": host}, follow_redirects=False)
        assert response.status_code == 200
        payload = re.search(r'data-payload="([^"]+)"', response.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        return admin.parse_enrol_link(payload)[0]

    monkeypatch.delenv("SERVER_URL", raising=False)
    assert server_in_qr("192.168.1.20:8000") == "http://192.168.1.20:8000"
    assert server_in_qr("127.0.0.1:8123") == admin.guess_server_url(8123).rstrip("/")
    assert server_in_qr("localhost:8000") == admin.guess_server_url(8000).rstrip("/")
    monkeypatch.setenv("SERVER_URL", "https://khaosat.thongnhat.example/")
    assert server_in_qr("192.168.1.20:8000") == "https://khaosat.thongnhat.example"
    assert server_in_qr("127.0.0.1:8000") == "https://khaosat.thongnhat.example"


def test_revoking_a_phone_asks_first_then_its_token_is_refused(site: Site) -> None:
    client, csrf = sign_in(site.app)
    url = f"/dash/admin/devices/{site.world.device_id}/revoke"
    ask = client.post(url, data={"csrf": csrf}, follow_redirects=False)
    assert ask.status_code == 200 and 'name="confirm" value="1"' in ask.text and "style=" not in ask.text
    assert site.world.sync().status_code == 200  # asking revoked nothing
    done = done_of(client.post(url, data={"csrf": csrf, "confirm": "1"}, follow_redirects=False))
    assert done["done"] == ["revoked"] and done["#"] == ["devices"]
    refused = site.world.sync()
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert done_of(client.post(url, data={"csrf": csrf, "confirm": "1"}, follow_redirects=False))["done"] == [
        "already_revoked"
    ]
    page = client.get("/dash/admin").text
    assert re.search(rf'data-device="{site.world.device_id}" class="revoked"', page)
    assert site.world.sync(token=site.other_token).status_code == 200  # only that phone


# -- targets and settings --------------------------------------------------------------------------------


def test_targets_adult_age_and_margin_are_saved_and_defaults_stay_defaults(site: Site) -> None:
    client, csrf = sign_in(site.app)
    assert commune(site.app).targets == {"adults_ready": {"min": 90}}  # the fixture's override, equal to the default
    form = targets_form(
        csrf,
        {
            "adults_online_services": ("85", False, ""),
            "products_online": ("35", False, "55,5"),  # a decimal comma, as typed in Vietnamese
            "households_waste_partly": ("20", True, ""),  # no target by default
            "visit_coverage": ("", False, ""),  # no target at all
        },
        close_margin="5",
        adult_age="15",
        app=site.app,
    )
    done = done_of(post_form(client, "/dash/admin/targets", form))
    assert done["done"] == ["targets_saved"] and done["#"] == ["targets"]
    saved = commune(site.app)
    assert saved.targets == {
        "adults_online_services": {"min": 85.0, "strict": False, "max": None},
        "products_online": {"min": 35.0, "strict": False, "max": 55.5},
        "households_waste_partly": {"min": 20.0, "strict": True, "max": None},
        "visit_coverage": None,
    }
    assert (saved.adult_age, saved.close_margin) == (15, 5.0)
    config = admin.coverage_config(saved)
    assert "visit_coverage" not in config.targets and config.targets["adults_ready"].min == 90
    # the page shows what is stored
    page = client.get("/dash/admin").text
    row = page.split('data-indicator="products_online"')[1].split("</tr>")[0]
    assert 'name="min" value="35"' in row and 'name="max" value="55.5"' in row
    assert '<option value="15" selected>' in page
    assert 'name="time_zone" value="Asia/Ho_Chi_Minh"' in page and 'name="campaign_start" value="2026-01-01"' in page


def test_the_communes_time_zone_and_campaign_start_are_set_on_the_page(site: Site) -> None:
    client, csrf = sign_in(site.app)
    form = targets_form(
        csrf, {}, app=site.app, close_margin="10", adult_age="18", time_zone="Asia/Bangkok", campaign_start="2026-02-01"
    )
    assert done_of(post_form(client, "/dash/admin/targets", form))["done"] == ["targets_saved"]
    saved = commune(site.app)
    assert (saved.time_zone, saved.campaign_start.isoformat()) == ("Asia/Bangkok", "2026-02-01")
    # a household registered in January is now before the campaign: refused, per record
    from tests.survey.builders import household

    early = site.world.sync([household("thon-na-pan", created_at="2026-01-20T08:00:00.000+07:00")]).json()
    assert early["results"][0]["code"] == "time_before_campaign"
    assert early["config"]["time_zone"] == "Asia/Bangkok" and early["config"]["campaign_start"] == "2026-02-01"


@pytest.mark.parametrize(
    "changes, extra",
    [
        ({"adults_ready": ("150", False, "")}, {}),
        ({"products_online": ("50", False, "30")}, {}),  # max below min
        ({"adults_ready": ("ninety", False, "")}, {}),
        ({"adults_ready": ("nan", False, "")}, {}),
        ({"products_online": ("", False, "50")}, {}),  # a max without a min
        ({}, {"adult_age": "16"}),
        ({}, {"close_margin": "-1"}),
        ({}, {"close_margin": "lots"}),
        ({}, {"time_zone": "Mars/Olympus"}),
        ({}, {"campaign_start": "01/13/2026"}),
    ],
)
def test_a_bad_target_or_setting_is_refused_and_nothing_changes(
    site: Site, changes: dict[str, Any], extra: dict[str, str]
) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    # good changes next to the bad one: all or nothing
    form = targets_form(
        csrf,
        {"households_guided": ("80", True, ""), **changes},
        app=site.app,
        **{"close_margin": "7", "adult_age": "15", **extra},
    )
    response = post_form(client, "/dash/admin/targets", form)
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert 'data-card="targets"' in response.text
    assert snapshot(site.app) == before
    # the form shows what was typed, to correct it
    row = response.text.split('data-indicator="households_guided"')[1].split("</tr>")[0]
    assert 'name="min" value="80"' in row


def test_an_unknown_indicator_is_refused_and_nothing_changes(site: Site) -> None:
    client, csrf = sign_in(site.app)
    before = snapshot(site.app)
    form = targets_form(csrf, {"adults_ready": ("80", False, "")}, app=site.app)
    form += [("indicator", "no_such_indicator"), ("min", "50"), ("max", "")]
    response = post_form(client, "/dash/admin/targets", form)
    assert response.status_code == 422 and code_of(response) == "admin_refused"
    assert snapshot(site.app) == before
    misaligned = [*targets_form(csrf, {}, app=site.app), ("min", "50")]
    response = post_form(client, "/dash/admin/targets", misaligned)
    assert response.status_code == 422 and snapshot(site.app) == before


def test_a_refusal_is_shown_in_the_readers_language(site: Site) -> None:
    client, csrf = sign_in(site.app)
    client.get("/dash/admin?lang=en")
    response = client.post("/dash/admin/volunteers", data={"csrf": csrf, "name": "Lý Văn Nam"}, follow_redirects=False)
    assert response.status_code == 422
    assert '<html lang="en">' in response.text
    with site.app.state.sessions() as session:
        try:
            admin.new_volunteer(session, "06577", "Lý Văn Nam", [])
        except admin.AdminError as error:
            expected = error.en
    assert f"<strong>{expected}</strong>" in response.text.replace("&#39;", "'")


def test_nul_bytes_and_odd_digits_are_refused_never_a_server_error(site: Site) -> None:
    """PostgreSQL refuses text with a NUL byte, and int() refuses digits str.isdigit() accepts:
    such input is refused before it gets there."""
    client, csrf = sign_in(site.app)
    client = TestClient(site.app, raise_server_exceptions=False, cookies=client.cookies)
    before = snapshot(site.app)
    for path in (
        "/dash/admin/hamlets/%00/team",
        f"/dash/admin/volunteers/{site.world.volunteer_id}%00/code",
        f"/dash/admin/devices/%00{site.world.device_id}/revoke",
    ):
        response = client.post(path, data={"csrf": csrf, "since": "2026-05-01", "confirm": "1"}, follow_redirects=False)
        assert response.status_code == 404 and code_of(response) == "not_found", path
    refused = [
        client.post("/dash/admin/volunteers", data={"csrf": csrf, "name": "Lý\x00Nam", "hamlets": "thon-na-pan"}),
        client.post("/dash/admin/volunteers", data={"csrf": csrf, "name": "Lý Nam", "hamlets": "thon-na-pan\x00"}),
        client.post(
            "/dash/admin/hamlets/import",
            data={"csrf": csrf},
            files={"file": ("thon.csv", b"id,name\nthon-moi,Th\x00n\n", "text/csv")},
        ),
        client.post(f"/dash/admin/volunteers/{site.world.volunteer_id}/code", data={"csrf": csrf, "days": "\u00b2"}),
        post_form(
            client,
            "/dash/admin/targets",
            targets_form(csrf, {"adults_ready": ("8\x000", False, "")}, adult_age="\u0661\u0668", app=site.app),
        ),
        post_form(
            client, "/dash/admin/targets", [("csrf", csrf), ("indicator", "adults\x00ready"), ("min", "5"), ("max", "")]
        ),
    ]
    assert [(r.status_code, code_of(r)) for r in refused] == [(422, "admin_refused")] * len(refused)
    assert snapshot(site.app) == before
    shown = client.get("/dash/admin?done=imported&added=\u00b2&kept=%00")
    assert shown.status_code == 200 and 'data-done="imported"' in shown.text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_notice_shows_in_the_card_the_redirect_scrolls_to(site: Site, lang: str) -> None:
    client, _ = sign_in(site.app)
    for key, card in admin_pages.DONE.items():
        response = client.get(f"/dash/admin?done={key}&added=2&kept=1&team=0&lang={lang}")
        assert response.status_code == 200
        section = response.text.split(f'id="{card}"')[1].split("</section>")[0]
        assert f'data-done="{key}"' in section
    assert "data-done=" not in client.get("/dash/admin?done=bogus").text

"""The staff dashboard's pages over HTTP with bad input, on real SQLite and PostgreSQL.

Sign-in failures and locks, expired and missing sessions, where a browser goes after signing
in, roles and CSRF, malformed dates and unknown things, and the headers every page carries.
Refusals are checked by their `data-code` and status, never by their text; a refusal on a
/dash path is always an HTML page, never a JSON body, and never a server error.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from server_sync import models
from server_sync.services import admin, staff
from server_sync.web.deps import COOKIE
from tests.server.browser import sign_in_form
from tests.survey.builders import household

from .conftest import World

ADMIN = ("quan.tri", "quan-tri-vien-2026")
STAFF = ("lan.nguyen", "mat-khau-can-bo-1")
OTHER_STAFF = ("mai.le", "mat-khau-can-bo-2")
HAMLET = "thon-na-pan"
ELSEWHERE = "thon-xa-khac"  # a hamlet of another commune

CODE = re.compile(r'data-code="([^"]*)"')
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture
def site(world: World) -> World:
    """The conftest's commune (three hamlets), its staff, and another commune with a hamlet."""
    with world.session() as session:
        staff.create_staff(session, "06577", ADMIN[0], "Hoàng Văn Quân", "admin", ADMIN[1])
        staff.create_staff(session, "06577", STAFF[0], "Nguyễn Thị Lan", "staff", STAFF[1])
        staff.create_staff(session, "06577", OTHER_STAFF[0], "Lê Thị Mai", "staff", OTHER_STAFF[1])
        admin.create_commune(session, "06578", "Xã Khác", "Lạng Sơn")
        admin.add_hamlet(session, "06578", ELSEWHERE, "Thôn Xã Khác")
    return world


def sign_in(client: TestClient, who: tuple[str, str], next_url: str = "") -> Any:
    client.cookies.clear()
    answer = client.post(
        "/dash/sign-in",
        data=sign_in_form(client, username=who[0], password=who[1], next=next_url),
        follow_redirects=False,
    )
    client.cookies.clear()  # each `Desk` below sends its own cookie
    return answer


@dataclass
class Desk:
    """One signed-in browser: its session cookie sent with every request, no redirect followed."""

    client: TestClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.token}"}

    def get(self, url: str, **kwargs: Any) -> Any:
        self.client.cookies.clear()
        return self.client.get(url, headers=self.headers, follow_redirects=False, **kwargs)

    def post(self, url: str, data: dict[str, str]) -> Any:
        self.client.cookies.clear()
        return self.client.post(url, data=data, headers=self.headers, follow_redirects=False)

    def csrf(self) -> str:
        page = self.get("/dash/")
        assert page.status_code == 200, page.status_code
        return CSRF.search(page.text)[1]


def desk(client: TestClient, who: tuple[str, str]) -> Desk:
    answer = sign_in(client, who)
    assert answer.status_code == 303, (answer.status_code, codes(answer))
    return Desk(client, answer.cookies[COOKIE])


def codes(answer: Any) -> list[str]:
    return CODE.findall(answer.text)


def assert_page(answer: Any, status: int, code: str) -> None:
    """A refusal page: the status, the code, HTML (never a JSON body)."""
    assert answer.status_code == status, (answer.status_code, codes(answer), answer.text[:300])
    assert answer.headers["content-type"].startswith("text/html")
    assert code in codes(answer), codes(answer)


def sign_in_redirect(answer: Any) -> dict[str, list[str]]:
    """The query of a redirect to the sign-in page (asserting it is one)."""
    assert answer.status_code == 303, answer.status_code
    target = urlsplit(answer.headers["location"])
    assert (target.scheme, target.netloc, target.path) == ("", "", "/dash/sign-in"), answer.headers["location"]
    return parse_qs(target.query)


# -- signing in ------------------------------------------------------------------------------


def test_a_wrong_password_is_a_401_page_and_no_cookie(site: World) -> None:
    answer = sign_in(site.client, (STAFF[0], "not-the-password"))
    assert_page(answer, 401, "sign_in_failed")
    assert COOKIE not in answer.cookies
    unknown = sign_in(site.client, ("khong.co.ai", STAFF[1]))
    assert_page(unknown, 401, "sign_in_failed")  # the same refusal: usernames are not revealed


def test_after_three_failures_this_browser_waits_even_with_the_right_password_for_that_username(site: World) -> None:
    for attempt in range(3):
        assert_page(sign_in(site.client, (STAFF[0], f"wrong-{attempt}")), 401, "sign_in_failed")
    locked = sign_in(site.client, STAFF)
    assert_page(locked, 429, "sign_in_locked")
    assert COOKIE not in locked.cookies
    assert_page(sign_in(site.client, STAFF), 429, "sign_in_locked")  # still locked
    # Another username from the same browser still signs in, and can read the overview.
    other = desk(site.client, OTHER_STAFF)
    assert other.get("/dash/").status_code == 200


@pytest.mark.parametrize("how", ["idle", "absolute"])
def test_an_expired_session_sends_to_sign_in_with_the_reason_and_back_after(site: World, how: str) -> None:
    me = desk(site.client, STAFF)
    assert me.get("/dash/").status_code == 200
    now = datetime.now(UTC)
    values = (
        {"last_seen": now - staff.IDLE_TTL - timedelta(minutes=1)}
        if how == "idle"
        else {"expires_at": now - timedelta(seconds=1)}
    )
    with site.session() as session:
        assert session.execute(update(models.StaffSession).values(**values)).rowcount == 1
    here = f"/dash/hamlets/{HAMLET}?as_of=2026-Q1"
    query = sign_in_redirect(me.get(here))
    assert query == {"next": [here], "reason": ["session_expired"]}
    page = me.get(f"/dash/sign-in?next={quote(here, safe='')}&reason=session_expired")
    assert page.status_code == 200 and codes(page) == ["session_expired"]
    assert f'name="next" value="{here}"' in page.text.replace("&amp;", "&")
    with site.session() as session:  # the expired session is gone
        assert session.scalar(select(func.count()).select_from(models.StaffSession)) == 0
    again = sign_in(site.client, STAFF, next_url=here)
    assert again.status_code == 303 and again.headers["location"] == here


def test_no_cookie_or_an_unknown_one_sends_to_sign_in_with_next(site: World) -> None:
    here = f"/dash/hamlets/{HAMLET}?as_of=2026-03-31"
    site.client.cookies.clear()
    for headers in ({}, {"Cookie": f"{COOKIE}=made-up-token"}, {"Cookie": f"{COOKIE}="}):
        for url in (
            here,
            "/dash/",
            "/dash/report",
            "/dash/exports/indicators.xlsx",
            f"/dash/exports/follow-ups.csv?hamlet={HAMLET}",
        ):
            query = sign_in_redirect(site.client.get(url, headers=headers, follow_redirects=False))
            assert query == {"next": [url]}, (url, headers)
    assert sign_in_redirect(site.client.post("/dash/sign-out", data={"csrf": "x"}, follow_redirects=False))
    # The root sends to the dashboard.
    assert site.client.get("/", follow_redirects=False).headers["location"] == "/dash/"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "//evil",
        "//evil.example/dash/",
        "/\\evil.example",
        "\\\\evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "http://testserver.evil.example/dash/",
        "/dash\\@evil.example",
        "/dash/x://evil.example",
        "dash/",
        "",
    ],
)
def test_after_sign_in_next_off_site_is_ignored(site: World, next_url: str) -> None:
    answer = sign_in(site.client, STAFF, next_url=next_url)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dash/"
    form = site.client.get("/dash/sign-in", params={"next": next_url})
    assert form.status_code == 200 and 'name="next" value="/dash/"' in form.text


@pytest.mark.parametrize("next_url", ["/dash/\r\nSet-Cookie: x=1", "/dash/\n//evil.example", "/dash/ x"])
def test_next_with_line_breaks_cannot_split_the_redirect(site: World, next_url: str) -> None:
    answer = sign_in(site.client, STAFF, next_url=next_url)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert "\r" not in location and "\n" not in location and " " not in location
    assert urlsplit(location).netloc == "" and location.startswith("/dash/")
    assert "x" not in answer.cookies


# -- roles and CSRF --------------------------------------------------------------------------


def test_staff_may_not_open_the_admin_pages(site: World) -> None:
    me = desk(site.client, STAFF)
    assert_page(me.get("/dash/admin"), 403, "role_forbidden")
    assert desk(site.client, ADMIN).get("/dash/admin").status_code == 200


def duplicate_pair(site: World) -> tuple[str, str]:
    first = household(HAMLET, "Nguyễn Văn An", phone="0912345678")
    second = household(HAMLET, "Nguyen Van An", phone="0912 345 678")
    body = site.sync([first, second]).json()
    assert [r["result"] for r in body["results"]] == ["accepted", "accepted"]
    return first.id, second.id


def on_roster(site: World, *ids: str) -> list[bool]:
    with site.session() as session:
        return [session.get(models.Household, i).removed_at is None for i in ids]


def test_staff_cannot_merge_duplicates_and_a_form_without_csrf_is_refused(site: World) -> None:
    first, second = duplicate_pair(site)
    url = f"/dash/hamlets/{HAMLET}/duplicates/{first}/{second}"
    clerk = desk(site.client, STAFF)
    form = {"keep": first, "confirm": "yes", "csrf": clerk.csrf()}
    assert_page(clerk.get(url), 403, "role_forbidden")
    assert_page(clerk.post(url, form), 403, "role_forbidden")
    boss = desk(site.client, ADMIN)
    for csrf in ("", "not-the-value", clerk.csrf()):  # missing, wrong, another session's
        assert_page(boss.post(url, {**form, "csrf": csrf}), 403, "csrf_invalid")
    no_field = {k: v for k, v in form.items() if k != "csrf"}
    assert_page(boss.post(url, no_field), 403, "csrf_invalid")
    # The old one-click form only leads to the pair's page: nothing is merged without a choice.
    old = boss.post(
        f"/dash/hamlets/{HAMLET}/duplicates",
        {"first": first, "second": second, "decision": "merge", "csrf": boss.csrf()},
    )
    assert old.status_code == 303 and old.headers["location"] == url
    assert on_roster(site, first, second) == [True, True]  # nothing happened
    # The same form with the admin's own value goes through (the refusals above were real).
    done = boss.post(url, {**form, "csrf": boss.csrf()})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/dash/hamlets/{HAMLET}?done=merged")
    assert on_roster(site, first, second) == [True, False]


def test_sign_out_needs_csrf_and_the_old_cookie_then_leads_to_sign_in(site: World) -> None:
    me = desk(site.client, STAFF)
    assert_page(me.post("/dash/sign-out", {}), 403, "csrf_invalid")
    assert me.get("/dash/").status_code == 200  # still signed in
    out = me.post("/dash/sign-out", {"csrf": me.csrf()})
    assert sign_in_redirect(out) == {"reason": ["signed_out"]}
    assert re.search(rf"{COOKIE}=[^;]*;.*(Max-Age=0|expires=)", out.headers["set-cookie"], re.IGNORECASE)
    assert sign_in_redirect(me.get("/dash/")) == {"next": ["/dash/"]}  # the old cookie is dead
    assert sign_in_redirect(me.get("/dash/exports/indicators.csv")) == {"next": ["/dash/exports/indicators.csv"]}


# -- malformed input ------------------------------------------------------------------------

BAD_DATES = [
    "2027-13-45",
    "abc",
    "2027-Q5",
    "9999-01-01",
    "2027-02-30",
    "1999-12-31",
    "2027-Q0",
    "2027-1-1",
    "20271231",
    "2027-12-31T00:00",
    "2027-12-31;DROP TABLE households",
    "2027-" + "1" * 10_000,
    "\x00",
    "2027-12-31\x00",
    "٢٠٢٧-١٢-٣١",
]
DATED_ROUTES = [
    "/dash/",
    "/dash/report",
    "/dash/exports/indicators.xlsx",
    "/dash/exports/indicators.csv",
    f"/dash/hamlets/{HAMLET}",
]


@pytest.mark.parametrize("route", DATED_ROUTES)
def test_malformed_dates_are_a_422_page_never_a_server_error(site: World, route: str) -> None:
    me = desk(site.client, STAFF)
    for value in BAD_DATES:
        answer = me.get(route, params={"as_of": value})
        assert_page(answer, 422, "date_invalid")
    # Percent-escapes straight in the address, as a browser sends them.
    for raw in ("%00", "%ff%fe", "2027-12-31%00", "%", "%zz", "2027%2D13%2D31%0A"):
        answer = me.get(f"{route}?as_of={raw}")
        assert_page(answer, 422, "date_invalid")
    assert me.get(route, params={"as_of": "2026-Q1"}).status_code == 200  # the same route works


def test_unknown_export_kinds_hamlets_and_other_communes_are_404(site: World) -> None:
    me = desk(site.client, ADMIN)
    for url in (
        "/dash/exports/indicators.pdf",
        "/dash/exports/follow-ups.pdf",
        "/dash/exports/indicators.xlsx.exe",
        "/dash/exports/indicators.XLSX",
        "/dash/exports/other.csv",
        f"/dash/hamlets/{ELSEWHERE}",
        f"/dash/exports/follow-ups.xlsx?hamlet={ELSEWHERE}",
        f"/dash/exports/follow-ups.csv?hamlet={ELSEWHERE}",
        "/dash/hamlets/khong-co-thon-nay",
        f"/dash/hamlets/{ELSEWHERE}?as_of=2026-Q1",
        "/dash/no-such-page",
    ):
        assert_page(me.get(url), 404, "not_found")
    answer = me.post(
        f"/dash/hamlets/{ELSEWHERE}/duplicates", {"first": "a", "second": "b", "decision": "dismiss", "csrf": me.csrf()}
    )
    assert_page(answer, 404, "not_found")


# -- headers -----------------------------------------------------------------------------------


def test_every_dash_response_has_the_csp_and_pages_are_not_cached(site: World) -> None:
    client = site.client
    me = desk(client, ADMIN)
    client.cookies.clear()
    answers = {
        "sign-in form": client.get("/dash/sign-in"),
        "sign-in failed": sign_in(client, (ADMIN[0], "wrong-password")),
        "sign-in done": sign_in(client, OTHER_STAFF),
        "redirect to sign-in": client.get("/dash/", follow_redirects=False),
        "overview": me.get("/dash/"),
        "overview as of": me.get("/dash/?as_of=2027-12-31&lang=en"),
        "hamlet": me.get(f"/dash/hamlets/{HAMLET}"),
        "hamlet as of, one need": me.get(f"/dash/hamlets/{HAMLET}?as_of=2026-Q3&need=online_safety"),
        "follow-ups": me.get(f"/dash/follow-ups?hamlet={HAMLET}&need=online_safety"),
        "page refused": me.get("/dash/follow-ups?page=99"),
        "report": me.get("/dash/report?as_of=2026-Q1"),
        "indicators.xlsx": me.get("/dash/exports/indicators.xlsx"),
        "indicators.csv": me.get("/dash/exports/indicators.csv?as_of=2026-06-30"),
        "follow-ups.xlsx": me.get(f"/dash/exports/follow-ups.xlsx?hamlet={HAMLET}"),
        "date refused": me.get("/dash/?as_of=abc"),
        "not found": me.get("/dash/hamlets/nowhere"),
        "csrf refused": me.post("/dash/sign-out", {}),
        "admin": me.get("/dash/admin"),
    }
    for name, answer in answers.items():
        assert answer.status_code < 500, name
        policy = answer.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, name
        assert "'unsafe-inline'" not in policy, name
        assert answer.headers.get("x-content-type-options") == "nosniff", name
        assert "no-store" in answer.headers.get("cache-control", ""), name
    stylesheet = client.get("/dash/static/dash.css")
    assert stylesheet.status_code == 200 and "default-src 'self'" in stylesheet.headers["content-security-policy"]
    # The API keeps its JSON and no page policy.
    assert "content-security-policy" not in client.get("/api/v1/health").headers


# -- random queries --------------------------------------------------------------------------

GET_ROUTES = [
    "/dash/",
    "/dash/report",
    f"/dash/hamlets/{HAMLET}",
    "/dash/follow-ups",
    "/dash/exports/indicators.csv",
    "/dash/exports/indicators.xlsx",
    "/dash/exports/follow-ups.csv",
    "/dash/exports/follow-ups.xlsx",
    "/dash/sign-in",
    "/dash/admin",
]
KEYS = [
    "as_of",
    "as_of",
    "as_of",
    "lang",
    "hamlet",
    "need",
    "page",
    "next",
    "reason",
    "done",
    "kind",
    "flavour",
    "AS_OF",
    "as_of[]",
    "",
    "x" * 300,
]
VALUES = [
    "",
    "2026-Q1",
    "2026q4",
    "2027-12-31",
    "2030-09-30",
    "2000-01-01",
    "2100-12-31",
    "2101-01-01",
    "1999-12-31",
    "vi",
    "en",
    "fr",
    HAMLET,
    ELSEWHERE,
    "merged",
    "dismissed",
    "online_safety",
    "upgrade_vneid_level2",
    "2",
    "session_expired",
    "excel-vi",
    "plain",
    "/dash/",
    "//evil.example",
    "https://evil.example",
    "%00",
    "%ff",
    "%",
    "%2F",
    "+",
    "&",
    "=",
    "'",
    '"',
    "<script>",
    "{{7*7}}",
    "${x}",
    "Thôn Nà Pàn",
    "２０２６-Q1",
    "-1",
    "0",
    "9" * 400,
    "\u202e",
    "😀",
]
ALPHABET = "0123456789-Qq:T /.%+=;,'\"<>\\abcxyzĐđàấ\u00a0\u0300"


def random_text(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(VALUES)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def random_query(rng: random.Random) -> str:
    pairs = []
    for _ in range(rng.randint(0, 4)):
        key = rng.choice(KEYS) if rng.random() < 0.85 else random_text(rng)
        value = random_text(rng)
        if rng.random() < 0.5:
            key, value = quote(key, safe=""), quote(value, safe="")
        pairs.append(f"{key}={value}" if rng.random() < 0.9 else key)
    return "&".join(pairs)


@pytest.mark.slow
def test_random_queries_on_every_dashboard_page_never_give_a_server_error(site: World) -> None:
    rng = random.Random(20261124)
    token = sign_in(site.client, ADMIN).cookies[COOKIE]
    client = TestClient(site.app, raise_server_exceptions=False)  # a 500 is an answer to check here
    failures = []
    for route in [*GET_ROUTES, "/dash/hamlets/{random}"]:
        for n in range(200):
            path = route
            if "{random}" in route:
                path = "/dash/hamlets/" + quote(random_text(rng), safe="")
            url = f"{path}?{random_query(rng)}"
            headers = {"Cookie": f"{COOKIE}={token}"} if n % 8 else {}  # some without a session
            client.cookies.clear()
            answer = client.get(url, headers=headers, follow_redirects=False)
            if answer.status_code >= 500:
                failures.append((answer.status_code, url[:200], codes(answer)))
            elif answer.status_code >= 400 and (
                not answer.headers["content-type"].startswith("text/html") or not codes(answer)
            ):
                failures.append((answer.status_code, url[:200], answer.headers["content-type"]))
            if "content-security-policy" not in answer.headers:
                failures.append(("no CSP", url[:200]))
    assert not failures, failures[:20]


def test_nul_bytes_anywhere_are_refused_never_a_server_error(site: World) -> None:
    """PostgreSQL refuses text with a NUL byte: such input must be refused before it gets there."""
    client = TestClient(site.app, raise_server_exceptions=False)  # every case answered, then checked
    me = desk(client, ADMIN)
    csrf = me.csrf()
    answers = {
        "sign-in username": (sign_in(client, ("lan\x00.nguyen", STAFF[1])), 401, "sign_in_failed"),
        "sign-in password": (sign_in(client, (STAFF[0], "mat-khau\x00")), 401, "sign_in_failed"),
        "hamlet path": (me.get("/dash/hamlets/%00"), 404, "not_found"),
        "hamlet path end": (me.get(f"/dash/hamlets/{HAMLET}%00"), 404, "not_found"),
        "follow-ups hamlet": (me.get("/dash/exports/follow-ups.xlsx?hamlet=%00"), 404, "not_found"),
        "follow-ups hamlet csv": (me.get("/dash/exports/follow-ups.csv?hamlet=thon%00"), 404, "not_found"),
        "duplicate ids": (
            me.post(
                f"/dash/hamlets/{HAMLET}/duplicates",
                {"first": "\x00", "second": "a\x00", "decision": "merge", "csrf": csrf},
            ),
            None,
            None,
        ),
    }
    wrong = {}
    for name, (answer, status, code) in answers.items():
        ok = (
            answer.status_code == status and code in codes(answer)
            if status
            else 400 <= answer.status_code < 500 and codes(answer)
        )
        if not ok:
            wrong[name] = (answer.status_code, codes(answer))
    assert not wrong, "; ".join(f"{name}: {got}" for name, got in wrong.items())
    assert desk(client, STAFF).get("/dash/").status_code == 200  # two failures: the user is not locked


# -- sign-in that an outsider cannot turn against staff (issue 10 §4) ------------------------------


def test_the_sign_in_form_refuses_a_post_without_its_own_token(site: World) -> None:
    client = site.client
    client.cookies.clear()
    bare = client.post("/dash/sign-in", data={"username": STAFF[0], "password": STAFF[1]}, follow_redirects=False)
    assert_page(bare, 403, "csrf_invalid")  # a form posted from another site: no cookie, no token
    assert COOKIE not in bare.cookies
    form = sign_in_form(client, username=STAFF[0], password=STAFF[1])
    forged = client.post("/dash/sign-in", data={**form, "csrf": "not-the-token"}, follow_redirects=False)
    assert_page(forged, 403, "csrf_invalid")
    client.cookies.clear()
    again = sign_in_form(client, username=STAFF[0], password=STAFF[1])
    signed = client.post("/dash/sign-in", data=again, follow_redirects=False)
    assert signed.status_code == 303 and COOKIE in signed.cookies
    client.cookies.clear()


def test_behind_a_trusted_proxy_each_browser_is_counted_and_https_gets_a_secure_cookie(site: World) -> None:
    from server_sync.cli import behind_proxies

    # TestClient's own address ("testclient") is the proxy; the browsers used HTTPS to reach it
    proxied = TestClient(behind_proxies(site.app, "testclient"), base_url="https://testserver")
    proxied_http = TestClient(behind_proxies(site.app, "testclient"))
    alone = TestClient(behind_proxies(site.app, "192.0.2.1"))  # a proxy that is not this one: headers ignored

    def attempt(client: TestClient, who: tuple[str, str], browser: str, scheme: str = "https") -> Any:
        client.cookies.clear()
        headers = {"X-Forwarded-For": browser, "X-Forwarded-Proto": scheme}
        page = client.get("/dash/sign-in", headers=headers)
        token = CSRF.search(page.text)[1]
        return client.post(
            "/dash/sign-in",
            data={"username": who[0], "password": who[1], "csrf": token},
            headers=headers,
            follow_redirects=False,
        )

    for n in range(3):
        assert_page(attempt(proxied, (STAFF[0], f"sai-{n}"), "203.0.113.50"), 401, "sign_in_failed")
    assert_page(attempt(proxied, STAFF, "203.0.113.50"), 429, "sign_in_locked")  # that browser waits
    signed = attempt(proxied, STAFF, "198.51.100.7")  # another browser behind the same proxy does not
    assert signed.status_code == 303
    assert "secure" in signed.headers["set-cookie"].lower().replace("samesite", "")
    plain = attempt(proxied_http, OTHER_STAFF, "198.51.100.8", scheme="http")
    assert plain.status_code == 303 and "secure" not in plain.headers["set-cookie"].lower().replace("samesite", "")
    # An untrusted sender's headers are ignored: its failures count against its own address.
    for n in range(3):
        assert_page(attempt(alone, (OTHER_STAFF[0], f"sai-{n}"), f"203.0.113.{60 + n}", "http"), 401, "sign_in_failed")
    assert_page(attempt(alone, OTHER_STAFF, "203.0.113.99", "http"), 429, "sign_in_locked")

"""Bounded work per request (issue 10 §1, §5): every limit is checked before the work it
bounds, answers with its own code and changes nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from server_sync.settings import Limits
from tests.survey.builders import completed_visit, household

from .conftest import World, serving
from .snapshot import snapshot
from .test_errors import assert_refused, batch, post


def gzipped(raw: bytes) -> dict[str, Any]:
    return {"content": gzip.compress(raw), "headers": {"Content-Encoding": "gzip"}}


def test_a_million_empty_visits_in_3_kb_of_gzip_are_refused_before_any_record_is_read(world: World) -> None:
    # The example of the issue: {"protocol": 1, "visits": [{}, {}, … 1,000,000 times]}
    raw = b'{"protocol": 1, "visits": [' + b"{}," * 999_999 + b"{}]}"
    body = gzip.compress(raw)
    assert len(body) < 10_000
    before = snapshot(world.app)
    response = post(world, body, **{"Content-Encoding": "gzip"})
    assert_refused(response, 413, "batch_too_large")
    assert response.json()["error"]["context"] == {
        "households": 0,
        "visits": 1_000_000,
        "max_households": 5_000,
        "max_visits": 20_000,
    }
    # four million: over the element limit, refused before a single object is built
    raw = b'{"protocol": 2, "visits": [' + b"{}," * 3_999_999 + b"{}]}"
    response = post(world, gzip.compress(raw), **{"Content-Encoding": "gzip"})
    assert_refused(response, 413, "body_too_complex")
    assert response.json()["error"]["context"] == {"elements": 2_000_000, "depth": 32}
    assert snapshot(world.app) == before


def test_elements_are_counted_against_the_limit(world: World) -> None:
    world.app.state.limits = Limits(json_elements=1_000)
    before = snapshot(world.app)
    over = json.dumps({"protocol": 2, "visits": [{}] * 1_000}).encode()
    assert_refused(post(world, over), 413, "body_too_complex")
    assert snapshot(world.app) == before
    under = json.dumps({"protocol": 2, "visits": [{}] * 900}).encode()  # rejected one by one, not refused
    response = post(world, under)
    assert response.status_code == 200, response.text
    assert [r["result"] for r in response.json()["results"]] == ["rejected"] * 900


def test_enrolment_takes_a_small_body_before_anyone_is_known(world: World) -> None:
    # 22 million empty objects in an unknown field took 1.8 GiB: now 16 KiB is the most read.
    before = snapshot(world.app)
    raw = b'{"code": "x", "junk": [' + b"{}," * 2_000_000 + b"{}]}"
    response = world.client.post(
        "/api/v1/enroll", **gzipped(raw) | {"headers": {"Content-Type": "application/json", "Content-Encoding": "gzip"}}
    )
    assert_refused(response, 413, "body_too_large")
    few = json.dumps({"code": "x", "junk": [{}] * 100}).encode()  # small, but over 64 elements
    response = world.client.post("/api/v1/enroll", content=few, headers={"Content-Type": "application/json"})
    assert_refused(response, 413, "body_too_complex")
    assert snapshot(world.app) == before


def test_nesting_deeper_than_the_limit_is_refused(world: World) -> None:
    before = snapshot(world.app)
    deep = b'{"protocol": 2, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_refused(post(world, deep), 413, "body_too_complex")
    just = b'{"protocol": 2, "x": ' + b"[" * 30 + b"]" * 30 + b"}"  # 31 levels: within 32
    assert post(world, just).status_code == 200
    assert snapshot(world.app) == before


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b'{"protocol": 2, "visits": [], "app_version": "\xff\xfe"}', "UTF-8"),  # invalid UTF-8
        (b'{"protocol": 2, "n": ' + b"7" * 5_000 + b"}", "digits"),  # a 5,000-digit integer
        (b'{"protocol": 2, "n": NaN}', "NaN"),  # not JSON (RFC 8259)
        (b'{"protocol": 2, "visits": [}', "at character"),
        (b'{"protocol": 2, "x": ' + b"[" * 200 + b"}", ""),  # brackets that do not pair up
    ],
)
def test_text_that_is_not_json_is_400_body_not_json(world: World, raw: bytes, problem: str) -> None:
    before = snapshot(world.app)
    response = post(world, raw)
    assert_refused(response, 400, "body_not_json")
    assert problem in response.json()["error"]["context"]["problem"]
    assert snapshot(world.app) == before


def test_a_batch_over_the_record_limits_is_refused_whole_before_any_record_is_read(world: World) -> None:
    world.app.state.limits = Limits(batch_households=2, batch_visits=3)
    before = snapshot(world.app)
    homes = [household("thon-na-pan") for _ in range(3)]
    response = world.sync(homes)
    assert_refused(response, 413, "batch_too_large")
    assert response.json()["error"]["context"] == {"households": 3, "visits": 0, "max_households": 2, "max_visits": 3}
    visits = [completed_visit(homes[0]) for _ in range(4)]
    assert_refused(world.sync(homes[:1], visits), 413, "batch_too_large")
    assert snapshot(world.app) == before
    ok = world.sync(homes[:2], visits[:3])
    assert [r["result"] for r in ok.json()["results"]] == ["accepted"] * 5


def test_the_body_is_not_read_for_a_caller_with_no_valid_token(world: World) -> None:
    # An unknown caller is refused on its header: a body that is not even JSON is never looked at.
    response = post(world, b"\xff not json", Authorization="Bearer nope")
    assert_refused(response, 401, "token_invalid")


@pytest.mark.parametrize("age", [37, 16, 0])
def test_coverage_takes_only_the_adult_ages_kept(world: World, age: int) -> None:
    world.sync([household("thon-na-pan")])
    response = world.client.get(f"/api/v1/coverage?adult_age={age}", headers=world.auth)
    assert_refused(response, 422, "adult_age_unsupported", "adult_age")
    assert response.json()["error"]["context"] == {"value": age, "allowed": "18, 15"}
    for kept in (15, 18):
        assert world.client.get(f"/api/v1/coverage?adult_age={kept}", headers=world.auth).status_code == 200


# -- a client that stops sending: a real server, since only a socket can half-send ------------


@pytest.fixture
def live(world: World) -> Iterator[tuple[World, int]]:
    world.app.state.limits = Limits(body_idle_seconds=0.5, body_seconds=5)
    with serving(world.app) as port:
        yield world, port


def test_a_half_sent_body_is_answered_408_and_dropped(live: tuple[World, int]) -> None:
    world, port = live
    before = snapshot(world.app)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(
            b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + world.token.encode() + b"\r\n"
            b"Content-Length: 5000\r\n\r\n" + batch()[:100]
        )
        answer = b""
        while chunk := client.recv(65536):  # the server answers, then closes: recv returns b""
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), head
    assert json.loads(body)["error"]["code"] == "body_timeout"
    assert snapshot(world.app) == before


def test_the_phone_splits_a_batch_the_server_finds_too_large(live: tuple[World, int], tmp_path) -> None:
    from storage import Repository
    from sync.client import SyncClient
    from sync.service import sync_once

    world, port = live
    world.app.state.limits = Limits(body_idle_seconds=5, batch_households=2, batch_visits=3)
    repo = Repository(tmp_path / "phone")
    homes = [household("thon-na-pan", f"Hộ số {i}", status="complete") for i in range(5)]
    for home in homes:
        repo.save_household(home)
        repo.save_visit(completed_visit(home, status="complete"))
    client = SyncClient(f"http://127.0.0.1:{port}", token=world.token, sleep=lambda _: None)
    report = sync_once(repo, client)
    repo.close()
    assert report.error is None
    assert (report.accepted, report.rejected, report.sent) == (10, 0, 10)
    assert report.round_trips >= 4  # 10 records at most 2 households and 3 visits a time
    with world.session() as session:
        from server_sync import models

        assert session.query(models.Visit).count() == 5
        assert session.query(models.Household).count() == 5


def test_enrolment_guesses_are_limited_per_client(world: World) -> None:
    from fastapi.testclient import TestClient

    from server_sync.cli import behind_proxies
    from server_sync.services import enrolment

    client = TestClient(behind_proxies(world.app, "testclient"))  # browsers told apart by X-Forwarded-For

    def enrol_as(code: str, address: str) -> Any:
        return client.post(
            "/api/v1/enroll", json={"code": code, "device_name": "A05"}, headers={"X-Forwarded-For": address}
        )

    with world.session() as session:
        good = enrolment.issue_code(session, world.volunteer_id)
    for n in range(enrolment.ENROL_FAILURES):
        assert_refused(enrol_as(f"SAI{n:05d}", "203.0.113.9"), 401, "enrolment_code_invalid")
    before = snapshot(world.app)
    held = enrol_as(good, "203.0.113.9")  # even the right code: the guesser waits
    assert_refused(held, 429, "enrolment_locked", "code")
    assert held.json()["error"]["context"] == {"minutes": 15} and held.headers["Retry-After"] == "900"
    assert snapshot(world.app) == before
    assert enrol_as(good, "198.51.100.4").status_code == 200  # the volunteer's own phone is not held


# -- connections that send nothing, too many from one address, too many bodies at once --------


def closed_by_server(sock: socket.socket) -> bool:
    """Wait for the server's answer: True when it closed the connection without one."""
    return sock.recv(65536) == b""


def test_a_connection_that_sends_no_request_is_closed_and_one_address_holds_few(world: World) -> None:
    from server_sync.connections import bounded_protocol

    protocol = bounded_protocol("", header_seconds=0.5, per_client=3)
    with serving(world.app, http=protocol) as port:
        silent = socket.create_connection(("127.0.0.1", port), timeout=60)
        half = socket.create_connection(("127.0.0.1", port), timeout=60)
        half.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        third = socket.create_connection(("127.0.0.1", port), timeout=60)
        fourth = socket.create_connection(("127.0.0.1", port), timeout=60)  # one too many from 127.0.0.1
        assert closed_by_server(fourth)
        third.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert third.recv(65536).startswith(b"HTTP/1.1 200")  # a real request is served
        assert closed_by_server(silent) and closed_by_server(half)  # after 0.5 s without a request
        for sock in (silent, half, third, fourth):
            sock.close()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as again:  # slots freed
            again.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert again.recv(65536).startswith(b"HTTP/1.1 200")


def test_slow_senders_hold_no_turn_and_a_turn_not_had_in_time_is_503(world: World) -> None:
    import requests

    world.app.state.limits = Limits(parallel_bodies=1, queue_seconds=0.3, body_idle_seconds=30)
    with serving(world.app) as port:
        slow = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(3)]
        for sock in slow:  # bodies that stop arriving: each holds its own connection only
            sock.sendall(
                b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer " + world.token.encode() + b"\r\nContent-Length: 5000\r\n\r\n{"
            )
        answer = requests.post(
            f"http://127.0.0.1:{port}/api/v1/sync",
            data=batch(),
            timeout=60,
            headers={"Content-Type": "application/json", **world.auth},
        )
        assert answer.status_code == 200, answer.text  # another phone's sync is not held up
        for sock in slow:
            sock.close()
    before = snapshot(world.app)
    world.app.state.limits = Limits(parallel_bodies=0, queue_seconds=0.3)  # no turn ever free
    world.app.state.__dict__.pop("body_gates", None)
    waiting = world.sync([household("thon-na-pan")])
    assert_refused(waiting, 503, "server_busy")
    assert waiting.headers["Retry-After"] == "5"
    assert snapshot(world.app) == before


def test_brackets_inside_strings_do_not_hide_the_nesting(world: World) -> None:
    before = snapshot(world.app)
    hidden = b'{"protocol": 2, "x": ' + b"[" * 900 + b'"}"' + b"]" * 900 + b"}"
    assert_refused(post(world, hidden), 413, "body_too_complex")
    home = household("thon-na-pan").to_dict()
    deep = json.dumps({**home, "rejection": {}})[:-2] + '{"a":' * 600 + '"]"' + "}" * 600 + "}"
    assert_refused(
        post(world, json.dumps({"protocol": 2, "households": []})[:-2].encode() + b", " + deep.encode() + b"]}"),
        413,
        "body_too_complex",
    )
    fine = b'{"protocol": 2, "app_version": "x]}[{", "households": []}'  # brackets in a string, shallow
    assert post(world, fine).status_code == 200
    assert snapshot(world.app) == before


def test_a_device_name_keeps_no_control_or_invisible_characters(world: World) -> None:
    from server_sync import models
    from server_sync.services import enrolment

    with world.session() as session:
        code = enrolment.issue_code(session, world.volunteer_id)
    name = "Máy\x1b[31m của\u202e Hoa\x00"
    answer = world.client.post("/api/v1/enroll", json={"code": code, "device_name": name})
    assert answer.status_code == 200, answer.text
    with world.session() as session:
        stored = session.get(models.Device, answer.json()["device_id"]).name
    assert stored == "Máy [31m của Hoa"  # what staff see and list-devices prints


def test_a_client_gone_mid_body_is_let_go_quietly(world: World, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    messages = iter([{"type": "http.request", "body": b'{"code": "AB', "more_body": True}, {"type": "http.disconnect"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/enroll",
        "raw_path": b"/api/v1/enroll",
        "query_string": b"",
        "root_path": "",
        "client": ("203.0.113.5", 5000),
        "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), (b"content-length", b"100")],
    }
    asyncio.run(world.app(scope, receive, send))  # raises nothing: nobody is left to answer
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

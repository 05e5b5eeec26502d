"""Refused requests: each status of the protocol's table, one error body, nothing changed."""

from __future__ import annotations

import gzip
import json

import pytest

from server_sync.services import timeline
from server_sync.settings import Limits
from tests.survey.builders import completed_visit, household

from .conftest import World
from .snapshot import snapshot


def post(world: World, raw: bytes, **headers: str):
    base = {"Content-Type": "application/json", **world.auth}
    return world.client.post("/api/v1/sync", content=raw, headers={**base, **headers})


def batch(**extra) -> bytes:
    home = household("thon-na-pan")
    body = {
        "protocol": 2,
        "cursor": None,
        "households": [home.to_dict()],
        "visits": [completed_visit(home).to_dict()],
        **extra,
    }
    return json.dumps(body).encode()


def assert_refused(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]["vi"] and error["message"]["en"]
    if field is not None:
        assert error["field"] == field


@pytest.mark.parametrize(
    "make, status, code, field",
    [
        (lambda w: post(w, b"{not json"), 400, "body_not_json", None),
        (lambda w: post(w, b"\x1f\x8b\x08 broken", **{"Content-Encoding": "gzip"}), 400, "body_not_gzip", None),
        (lambda w: post(w, gzip.compress(batch())[:-12], **{"Content-Encoding": "gzip"}), 400, "body_not_gzip", None),
        (lambda w: post(w, batch(), Authorization=""), 401, "token_missing", None),
        (lambda w: post(w, batch(), Authorization="Bearer nope"), 401, "token_invalid", None),
        (lambda w: post(w, batch(), **{"Content-Type": "text/plain"}), 415, "content_type_unsupported", None),
        (lambda w: post(w, batch(protocol=1)), 422, "protocol_unsupported", "protocol"),  # an older app
        (lambda w: post(w, batch(protocol=3)), 422, "protocol_unsupported", "protocol"),
        (lambda w: post(w, batch(cursor="abc")), 422, "schema_invalid", "cursor"),
        (lambda w: post(w, batch(cursor="²")), 422, "schema_invalid", "cursor"),  # a digit, of another script
        (lambda w: post(w, json.dumps({"protocol": 2, "visits": {"id": 5}}).encode()), 422, "schema_invalid", "visits"),
        (lambda w: w.client.get("/api/v1/coverage?as_of=2027-13-40", headers=w.auth), 422, "date_invalid", "as_of"),
        (
            lambda w: w.client.get("/api/v1/coverage?hamlet=thon-pac-ma", headers=w.auth),
            403,
            "hamlet_forbidden",
            "hamlet",
        ),
        (lambda w: w.client.get("/api/v1/coverage"), 401, "token_missing", None),
        (lambda w: w.client.get("/api/v1/nowhere"), 404, "not_found", None),
    ],
)
def test_refused_requests_change_nothing(world: World, make, status: int, code: str, field: str | None) -> None:
    world.sync([household("thon-na-pan")])  # something stored to keep
    with world.session() as session:
        timeline.catch_up(session)  # derived coverage brought current, as any read would
    before = snapshot(world.app)
    assert_refused(make(world), status, code, field)
    assert snapshot(world.app) == before


@pytest.mark.parametrize(
    "records, field, code",
    [
        ({"visits": [{"id": 5}]}, "id", "id_invalid"),
        (
            {"households": [{**household("thon-na-pan").to_dict(), "created_at": "yesterday"}]},
            "created_at",
            "time_invalid",
        ),
        (
            {"visits": [{**completed_visit(household("thon-na-pan")).to_dict(), "members": "many"}]},
            "members",
            "value_type_invalid",
        ),
        ({"visits": ["not a visit"]}, "", "value_type_invalid"),
    ],
)
def test_a_malformed_record_is_rejected_alone_not_the_request(world: World, records, field: str, code: str) -> None:
    response = post(world, json.dumps({"protocol": 2, **records}).encode())
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["result"], result["code"], result["field"]) == ("rejected", code, field)
    assert result["message"]["vi"] and result["message"]["en"]


def test_body_over_the_limit_is_413_by_header_by_count_and_once_decompressed(world: World) -> None:
    world.app.state.limits = Limits(body_bytes=20_000, decompressed_bytes=100_000)
    before = snapshot(world.app)
    big = batch(app_version="x" * 30)[:-1] + b', "padding": "' + b"x" * 30_000 + b'"}'
    assert_refused(post(world, big), 413, "body_too_large")

    def chunks():  # no Content-Length: the server has to count
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    response = world.client.post(
        "/api/v1/sync", content=chunks(), headers={"Content-Type": "application/json", **world.auth}
    )
    assert_refused(response, 413, "body_too_large")
    bomb = gzip.compress(b'{"protocol": 2, "pad": "' + b"0" * 5_000_000 + b'"}')
    assert len(bomb) < 20_000
    assert_refused(post(world, bomb, **{"Content-Encoding": "gzip"}), 413, "body_too_large")
    assert snapshot(world.app) == before


def test_revoked_device_gets_401(world: World) -> None:
    from server_sync.services import enrolment

    with world.session() as session:
        assert enrolment.revoke_device(session, world.device_id)
    before = snapshot(world.app)
    assert_refused(world.sync([household("thon-na-pan")]), 401, "token_revoked")
    assert_refused(world.client.get("/api/v1/coverage", headers=world.auth), 401, "token_revoked")
    assert snapshot(world.app) == before


# Codes only the staff dashboard answers (HTML pages, never the API).
DASHBOARD_ONLY = {
    "sign_in_failed",
    "sign_in_locked",
    "session_missing",
    "session_expired",
    "csrf_invalid",
    "role_forbidden",
    "page_invalid",
    "admin_refused",
    "follow_up_page_invalid",
    "need_unknown",
    "export_flavour_invalid",
}


def test_every_status_and_code_the_api_can_answer_is_in_the_protocols_table() -> None:
    import re
    from pathlib import Path

    from server_sync.refusal import STATUS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "sync-protocol.md").read_text(encoding="utf-8")
    table = doc[doc.index("| status | codes |") : doc.index("Messages come from the same catalogue")]
    documented = {
        (int(status), code)
        for status, codes in re.findall(r"^\| (\d{3}) \| (.*) \|$", table, re.M)
        for code in re.findall(r"`([a-z_]+)`", codes)
    }
    answered = {(status, code) for code, status in STATUS.items() if code not in DASHBOARD_ONLY}
    assert answered <= documented, sorted(answered - documented)
    wrong = {(status, code) for status, code in documented if code in STATUS and STATUS[code] != status}
    assert not wrong, sorted(wrong)  # a code documented under another status than the server's

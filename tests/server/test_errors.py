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
    body = {"protocol": 1, "cursor": None, "households": [home.to_dict()],
            "visits": [completed_visit(home).to_dict()], **extra}
    return json.dumps(body).encode()


def assert_refused(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]["vi"] and error["message"]["en"]
    if field is not None:
        assert error["field"] == field


@pytest.mark.parametrize("make, status, code, field", [
    (lambda w: post(w, b"{not json"), 400, "body_not_json", None),
    (lambda w: post(w, b"\x1f\x8b\x08 broken", **{"Content-Encoding": "gzip"}), 400, "body_not_gzip", None),
    (lambda w: post(w, gzip.compress(batch())[:-12], **{"Content-Encoding": "gzip"}), 400, "body_not_gzip", None),
    (lambda w: post(w, batch(), Authorization=""), 401, "token_missing", None),
    (lambda w: post(w, batch(), Authorization="Bearer nope"), 401, "token_invalid", None),
    (lambda w: post(w, batch(), **{"Content-Type": "text/plain"}), 415, "content_type_unsupported", None),
    (lambda w: post(w, batch(protocol=2)), 422, "protocol_unsupported", "protocol"),
    (lambda w: post(w, batch(cursor="abc")), 422, "schema_invalid", "cursor"),
    (lambda w: post(w, json.dumps({"protocol": 1, "visits": [{"id": 5}]}).encode()), 422, "schema_invalid", "visits[0].id"),
    (lambda w: post(w, json.dumps({"protocol": 1, "households": [
        {**household().to_dict(), "created_at": "yesterday"}]}).encode()), 422, "schema_invalid", "households[0].created_at"),
    (lambda w: post(w, json.dumps({"protocol": 1, "visits": [
        {**completed_visit().to_dict(), "members": "many"}]}).encode()), 422, "schema_invalid", "visits[0].members"),
    (lambda w: w.client.get("/api/v1/coverage?as_of=2027-13-40", headers=w.auth), 422, "date_invalid", "as_of"),
    (lambda w: w.client.get("/api/v1/coverage?hamlet=thon-pac-ma", headers=w.auth), 403, "hamlet_forbidden", "hamlet"),
    (lambda w: w.client.get("/api/v1/coverage"), 401, "token_missing", None),
    (lambda w: w.client.get("/api/v1/nowhere"), 404, "not_found", None),
])
def test_refused_requests_change_nothing(world: World, make, status: int, code: str, field: str | None) -> None:
    world.sync([household("thon-na-pan")])  # something stored to keep
    with world.session() as session:
        timeline.catch_up(session)  # derived coverage brought current, as any read would
    before = snapshot(world.app)
    assert_refused(make(world), status, code, field)
    assert snapshot(world.app) == before


def test_body_over_the_limit_is_413_by_header_by_count_and_once_decompressed(world: World) -> None:
    world.app.state.limits = Limits(body_bytes=20_000, decompressed_bytes=100_000)
    before = snapshot(world.app)
    big = batch(app_version="x" * 30)[:-1] + b', "padding": "' + b"x" * 30_000 + b'"}'
    assert_refused(post(world, big), 413, "body_too_large")

    def chunks():  # no Content-Length: the server has to count
        for start in range(0, len(big), 4096):
            yield big[start:start + 4096]

    response = world.client.post("/api/v1/sync", content=chunks(),
                                 headers={"Content-Type": "application/json", **world.auth})
    assert_refused(response, 413, "body_too_large")
    bomb = gzip.compress(b'{"protocol": 1, "pad": "' + b"0" * 5_000_000 + b'"}')
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

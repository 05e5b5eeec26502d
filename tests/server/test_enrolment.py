"""Enrolment: a code works once, expires, and only hashes are stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server_sync import models
from server_sync.refusal import Refused
from server_sync.services import enrolment

from .conftest import World


def test_enrol_over_http_returns_the_protocols_answer(world: World) -> None:
    with world.session() as session:
        code = enrolment.issue_code(session, world.volunteer_id)
    response = world.client.post("/api/v1/enroll", json={"code": code.lower(), "device_name": "Redmi 9A"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["token"]) >= 43
    assert body["volunteer"]["name"] == "Hoàng Thị Hoa"
    assert body["commune"] == {"code": "06577", "name": "Xã Thống Nhất", "province": "Lạng Sơn"}
    assert [h["id"] for h in body["hamlets"]] == ["thon-khon-chu", "thon-na-pan"]
    assert body["config"]["adult_age"] == 18 and body["config"]["targets"]["adults_ready"]["min"] == 90
    with world.session() as session:
        hashes = session.scalars(select(models.Device.token_hash)).all()
        codes = session.scalars(select(models.EnrolmentCode.code_hash)).all()
    assert enrolment.digest(body["token"]) in hashes and body["token"] not in hashes
    assert all(code.replace("-", "") not in c for c in codes)
    ok = world.client.get("/api/v1/coverage", headers={"Authorization": f"Bearer {body['token']}"})
    assert ok.status_code == 200

    again = world.client.post("/api/v1/enroll", json={"code": code, "device_name": "thief"})
    assert again.status_code == 401 and again.json()["error"]["code"] == "enrolment_code_used"


def test_codes_expire(world: World) -> None:
    past = datetime.now(UTC) - timedelta(days=8)
    with world.session() as session:
        code = enrolment.issue_code(session, world.volunteer_id, now=past)
    response = world.client.post("/api/v1/enroll", json={"code": code, "device_name": "late"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "enrolment_code_expired"
    with world.session() as session, pytest.raises(Refused) as refused:
        enrolment.enroll(session, "ZZZZ-ZZZZ", "guess")
    assert refused.value.code == "enrolment_code_invalid"


def test_revoking_one_device_leaves_the_others(world: World) -> None:
    from .conftest import enrol

    second_token, second_id = enrol(world.app, world.volunteer_id, "second phone")
    with world.session() as session:
        assert enrolment.revoke_device(session, second_id)
        assert not enrolment.revoke_device(session, second_id)
    assert world.client.get("/api/v1/coverage", headers=world.auth).status_code == 200
    revoked = world.client.get("/api/v1/coverage", headers={"Authorization": f"Bearer {second_token}"})
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "token_revoked"

"""A volunteer over the years (issue 12 §4), through the service functions and the real sync
API on SQLite and PostgreSQL: their hamlets change and their phones follow at the next
sync; paused, their phones are refused and their codes do not enrol, and nothing stored is
lost; reactivated, the same phones sync again; an unused code taken back does not enrol."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server_sync import models
from server_sync.refusal import Refused
from server_sync.services import admin, enrolment, roster, volunteers
from tests.survey.builders import completed_visit, household

from .conftest import World, enrol


def volunteer(world: World, volunteer_id: str | None = None) -> models.Volunteer:
    with world.app.state.sessions() as session:
        found = session.get(models.Volunteer, volunteer_id or world.volunteer_id)
        assert found is not None
        return found


def audit_rows(world: World, kind: str) -> list[models.Audit]:
    with world.app.state.sessions() as session:
        return list(session.scalars(select(models.Audit).where(models.Audit.kind == kind).order_by(models.Audit.id)))


def stored(world: World, model: type[models.Base]) -> int:
    with world.app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_hamlet_given_later_comes_whole_at_the_next_sync_and_one_taken_away_is_let_go(world: World) -> None:
    with world.session() as session:  # someone else's hamlet, with a household synced long ago
        other = admin.add_volunteer(session, "06577", "Lý Văn Tú", ["thon-pac-ma"]).id
    token, _ = enrol(world.app, other, "Tú's phone")
    old = household("thon-pac-ma", head_name="Nông Văn Cũ")
    assert world.sync([old], [completed_visit(old)], token=token).status_code == 200
    first = world.sync().json()  # the volunteer's phone is up to date: its cursor is past `old`
    cursor = first["cursor"]
    assert [h["id"] for h in first["roster"]["households"]] == []

    with world.session() as session:
        done = volunteers.edit(
            session,
            session.get_one(models.Volunteer, world.volunteer_id),
            "Hoàng Thị Hoa",
            ["thon-na-pan", "thon-pac-ma"],
        )
    assert done == ["hamlets"]

    after = world.sync(cursor=cursor).json()
    assert [h["id"] for h in after["roster"]["hamlets"]] == ["thon-na-pan", "thon-pac-ma"]
    assert [h["id"] for h in after["roster"]["households"]] == [old.id]  # whole, whatever the cursor
    assert [v["household_id"] for v in after["roster"]["visits"]] == [old.id]
    assert sorted(after["coverage"]["hamlets"]) == ["thon-na-pan", "thon-pac-ma"]
    again = world.sync(cursor=after["cursor"]).json()
    assert again["roster"]["households"] == []  # once only
    # writes follow the new scope, per record
    kept, stray = household("thon-pac-ma", head_name="Mới"), household("thon-khon-chu", head_name="Bỏ")
    results = {r["id"]: r for r in world.sync([kept, stray], cursor=again["cursor"]).json()["results"]}
    assert results[kept.id]["result"] == "accepted"
    assert (results[stray.id]["result"], results[stray.id]["code"]) == ("rejected", "hamlet_forbidden")
    [row] = audit_rows(world, "volunteer")
    assert (row.action, row.old_content, row.new_content) == (
        "hamlets",
        {"hamlets": ["thon-khon-chu", "thon-na-pan"]},
        {"hamlets": ["thon-na-pan", "thon-pac-ma"]},
    )
    assert (row.commune_code, row.record_id, row.staff_user_id, row.device_id) == (
        "06577",
        world.volunteer_id,
        None,
        None,
    )


def test_a_sync_that_read_the_scope_before_a_hamlet_was_given_holds_its_cursor_back(world: World) -> None:
    """The scope is read in a transaction of its own a moment before the sync's: a hamlet
    given in between must not be skipped by the cursor that sync hands back."""
    with world.session() as session:
        home = session.get_one(models.Volunteer, world.volunteer_id)
        stale = enrolment.authenticate(session, world.token, touch=False)
        before = roster.current_seq(session)
    with world.session() as session:
        volunteers.edit(
            session, session.get_one(models.Volunteer, home.id), home.name, [*stale.hamlet_ids, "thon-pac-ma"]
        )
    with world.session() as session:
        raced = roster.changes(session, stale, before)
        assert raced.cursor == before and "thon-pac-ma" not in {h["id"] for h in raced.hamlets}
        fresh = enrolment.authenticate(session, world.token, touch=False)
        caught_up = roster.changes(session, fresh, raced.cursor)
        assert "thon-pac-ma" in {h["id"] for h in caught_up.hamlets} and caught_up.cursor > before


@pytest.mark.parametrize(
    "name, hamlets",
    [
        ("Hoàng Thị Hoa", []),
        ("  ", ["thon-na-pan"]),
        ("Hoàng Thị Hoa", ["thon-na-pan", "no-such-hamlet"]),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(world: World, name: str, hamlets: list[str]) -> None:
    with world.session() as session, pytest.raises(admin.AdminError) as refused:
        volunteers.edit(session, session.get_one(models.Volunteer, world.volunteer_id), name, hamlets)
    assert "--" not in refused.value.vi + refused.value.en  # shown on the web as it is
    with world.app.state.sessions() as session:
        assert volunteers.hamlet_ids(session, world.volunteer_id) == ["thon-khon-chu", "thon-na-pan"]
    assert audit_rows(world, "volunteer") == []


def test_a_paused_volunteers_phones_are_refused_and_sync_again_once_reactivated(world: World) -> None:
    first = household("thon-na-pan", head_name="Đã gửi")
    assert world.sync([first], [completed_visit(first)]).status_code == 200
    with world.session() as session:
        waiting = enrolment.issue_code(session, world.volunteer_id)  # issued before the pause
    with world.session() as session:
        assert volunteers.deactivate(session, session.get_one(models.Volunteer, world.volunteer_id))
        assert not volunteers.deactivate(session, session.get_one(models.Volunteer, world.volunteer_id))
    counts = (stored(world, models.Household), stored(world, models.Visit))

    later = household("thon-na-pan", head_name="Chưa gửi")
    refused = world.sync([later], [completed_visit(later)])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "volunteer_inactive"
    assert refused.json()["error"]["message"]["en"].startswith("Your volunteer account is paused")
    coverage = world.client.get("/api/v1/coverage", headers=world.auth)
    assert coverage.status_code == 403 and coverage.json()["error"]["code"] == "volunteer_inactive"
    assert (stored(world, models.Household), stored(world, models.Visit)) == counts  # nothing lost, nothing added
    enrolling = world.client.post("/api/v1/enroll", json={"code": waiting, "device_name": "new phone"})
    assert enrolling.status_code == 403 and enrolling.json()["error"]["code"] == "volunteer_inactive"
    with world.session() as session, pytest.raises(admin.AdminError):
        volunteers.issue_code(session, session.get_one(models.Volunteer, world.volunteer_id))

    with world.session() as session:
        assert volunteers.reactivate(session, session.get_one(models.Volunteer, world.volunteer_id))
    again = world.sync([later], [completed_visit(later)])
    assert again.status_code == 200
    assert {r["result"] for r in again.json()["results"]} == {"accepted"}
    assert world.client.post("/api/v1/enroll", json={"code": waiting, "device_name": "new phone"}).status_code == 200
    assert [r.action for r in audit_rows(world, "volunteer")] == ["deactivated", "reactivated"]


def test_an_unused_code_is_listed_without_itself_and_once_taken_back_does_not_enrol(world: World) -> None:
    with world.session() as session:
        hoa = session.get_one(models.Volunteer, world.volunteer_id)
        code = volunteers.issue_code(session, hoa, ttl=timedelta(days=3))
        expired = enrolment.issue_code(session, hoa.id, now=datetime.now(UTC) - timedelta(days=8))
        used = volunteers.issue_code(session, hoa)
    assert world.client.post("/api/v1/enroll", json={"code": used, "device_name": "x"}).status_code == 200
    with world.app.state.sessions() as session:
        listed = volunteers.open_codes(session, "06577")
    assert [v.id for _, v in listed] == [world.volunteer_id]  # neither the used nor the expired one
    row = listed[0][0]
    assert row.code_hash == enrolment.digest(enrolment.normalise_code(code))
    with world.session() as session:
        row, owner = volunteers.find_code(session, str(row.id))
        assert volunteers.revoke_code(session, row, owner)
        assert not volunteers.revoke_code(session, row, owner)  # again: nothing to do
        assert volunteers.open_codes(session, "06577") == []
    refused = world.client.post("/api/v1/enroll", json={"code": code, "device_name": "thief"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "enrolment_code_revoked"
    assert world.client.post("/api/v1/enroll", json={"code": expired, "device_name": "x"}).status_code == 401
    trail = audit_rows(world, "code")
    assert [r.action for r in trail] == ["issued", "issued", "revoked"]
    written = json.dumps([(r.record_id, r.old_content, r.new_content) for r in trail])
    for secret in (code, used):
        plain = enrolment.normalise_code(secret)
        assert plain not in written.replace("-", "") and enrolment.digest(plain) not in written
    with world.session() as session, pytest.raises(admin.AdminError):
        volunteers.find_code(session, "999999")


def test_revoking_a_phone_is_audited_once(world: World) -> None:
    with world.session() as session:
        device = session.get_one(models.Device, world.device_id)
        hoa = session.get_one(models.Volunteer, world.volunteer_id)
        assert volunteers.revoke_device(session, device, hoa)
        assert not volunteers.revoke_device(session, device, hoa)
    [row] = audit_rows(world, "device")
    assert (row.record_id, row.action, row.old_content) == (
        world.device_id,
        "revoked",
        {"name": "Samsung A05", "volunteer": "Hoàng Thị Hoa"},
    )
    with world.session() as session, pytest.raises(Refused) as refused:
        enrolment.authenticate(session, world.token)
    assert refused.value.code == "token_revoked"

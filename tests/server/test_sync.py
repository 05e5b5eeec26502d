"""POST /api/v1/sync: the batch rules of docs/sync-protocol.md, over HTTP, on every database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server_sync import models
from server_sync.services.ingest import fingerprint, stored_content
from tests.survey.builders import adult, completed_visit, household, other_visit

from .conftest import World


def results(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.text
    return [(r["kind"], r["result"], r.get("code", "")) for r in response.json()["results"]]


def count(world: World, model: Any) -> int:
    with world.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_household_and_its_first_visit_in_one_batch(world: World) -> None:
    home = household("thon-na-pan")
    visit = completed_visit(home)
    response = world.sync([home], [visit], gzipped=True)
    assert results(response) == [("household", "accepted", ""), ("visit", "accepted", "")]
    body = response.json()
    assert body["roster"]["households"][0]["id"] == home.id
    assert body["roster"]["visits"][0]["id"] == visit.id
    assert body["coverage"]["hamlets"]["thon-na-pan"]["visit_coverage"]["numerator"] == 1
    assert set(body["coverage"]["hamlets"]) == {"thon-na-pan", "thon-khon-chu"}


def test_same_batch_twice_is_duplicates_never_a_second_row(world: World) -> None:
    home = household("thon-na-pan")
    visits = [completed_visit(home), other_visit(home, "nobody_home")]
    first = world.sync([home], visits)
    again = world.sync([home], visits, gzipped=True)
    assert [r for _, r, _ in results(first)] == ["accepted"] * 3
    assert [r for _, r, _ in results(again)] == ["duplicate"] * 3
    assert count(world, models.Household) == 1
    assert count(world, models.Visit) == 2


def test_fingerprint_is_the_domain_fingerprint() -> None:
    visit = completed_visit()
    assert fingerprint(stored_content(visit)) == visit.fingerprint()
    assert fingerprint(visit.to_dict()) == visit.fingerprint()
    expected = {**visit.to_dict(), "status": "synced", "rejection": None}
    assert stored_content(visit) == expected
    home = household(removed_at="2026-05-01T00:00:00.000+00:00", removed_reason="moved")
    assert stored_content(home) == {**home.to_dict(), "status": "synced", "rejection": None}


def test_household_edits_are_ordered_by_revisions_never_by_clocks(world: World) -> None:
    home = household("thon-na-pan", updated_at="2026-06-01T08:00:00.000+00:00")
    assert world.sync([home]).json()["results"][0]["revision"] == 1
    phone = household(
        "thon-na-pan", id=home.id, revision=1, phone="0912345678", updated_at="2026-06-02T08:00:00.000+00:00"
    )
    answer = world.sync([phone]).json()
    assert (answer["results"][0]["result"], answer["results"][0]["revision"]) == ("accepted", 2)
    # made on revision 1 with an older clock: its address still applies (nobody else changed it)
    address = household(
        "thon-na-pan", id=home.id, revision=1, address="Số 1", updated_at="2026-05-01T08:00:00.000+00:00"
    )
    answer = world.sync([address]).json()
    assert (answer["results"][0]["result"], answer["results"][0]["revision"]) == ("accepted", 3)
    kept = {h["id"]: h for h in answer["roster"]["households"]}[home.id]  # merged: it comes back at once
    assert (kept["phone"], kept["address"], kept["revision"]) == ("0912345678", "Số 1", 3)
    # made on revision 1 too, with a newer clock, on the phone number changed since: the first wins
    late = household(
        "thon-na-pan", id=home.id, revision=1, phone="0987654321", updated_at="2026-11-28T08:00:00.000+00:00"
    )
    answer = world.sync([late]).json()
    result = answer["results"][0]
    assert (result["result"], result["code"], result["revision"]) == ("conflict", "changed_elsewhere", 3)
    assert result["context"]["fields"] == ["phone"] and "Số điện thoại" in result["message"]["vi"]
    assert {h["id"]: h for h in answer["roster"]["households"]}[home.id]["phone"] == "0912345678"
    with world.session() as session:
        stored = session.get(models.Household, home.id)
        assert (stored.content["phone"], stored.content["address"], stored.revision) == ("0912345678", "Số 1", 3)
        actions = session.scalars(
            select(models.Audit.action).where(models.Audit.record_id == home.id).order_by(models.Audit.id)
        ).all()
        conflict = session.scalar(select(models.Audit).where(models.Audit.action == "conflict"))
        kept_revisions = session.scalars(
            select(models.HouseholdRevision.revision).where(models.HouseholdRevision.household_id == home.id)
        ).all()
    assert actions == ["created", "updated", "merged", "conflict"]
    assert conflict.new_content["phone"] == "0987654321" and conflict.device_id == world.device_id
    assert sorted(kept_revisions) == [1, 2, 3]


def test_visit_is_immutable(world: World) -> None:
    home = household("thon-na-pan")
    visit = completed_visit(home)
    results(world.sync([home], [visit]))
    changed = completed_visit(home, id=visit.id, waste="no")
    response = world.sync([], [changed])
    assert results(response) == [("visit", "rejected", "visit_immutable")]
    with world.session() as session:
        assert session.get(models.Visit, visit.id).content["answers"]["environment"]["waste_sorting"] == "yes"
        assert session.scalar(select(models.Audit.action).where(models.Audit.action == "refused")) == "refused"


def test_one_bad_record_never_blocks_the_rest(world: World) -> None:
    good, nameless = household("thon-na-pan"), household("thon-na-pan", head_name=" ")
    no_consent = completed_visit(good)
    no_consent.consent = None
    orphan = completed_visit(household("thon-na-pan"))
    fine = completed_visit(good, visited_at="2026-06-16T09:00:00.000+00:00")
    response = world.sync([nameless, good], [no_consent, orphan, fine])
    assert results(response) == [
        ("household", "rejected", "head_name_missing"),
        ("household", "accepted", ""),
        ("visit", "rejected", "consent_missing"),
        ("visit", "rejected", "household_unknown"),
        ("visit", "accepted", ""),
    ]
    rejected = response.json()["results"][2]
    assert rejected["field"] == "consent" and rejected["message"]["vi"] and rejected["message"]["en"]
    assert count(world, models.Visit) == 1


def test_records_outside_the_volunteers_hamlets_are_rejected(world: World) -> None:
    theirs = household("thon-pac-ma")
    mine = household("thon-na-pan")
    response = world.sync([theirs, mine], [completed_visit(theirs), completed_visit(mine)])
    assert results(response) == [
        ("household", "rejected", "hamlet_forbidden"),
        ("household", "accepted", ""),
        ("visit", "rejected", "hamlet_forbidden"),
        ("visit", "accepted", ""),
    ]
    assert response.json()["results"][0]["context"] == {"hamlet": "thon-pac-ma"}


def test_a_household_cannot_be_moved_out_of_anothers_hamlet(world: World) -> None:
    from server_sync.services import admin

    from .conftest import build_commune  # noqa: F401  (the world already has the commune)

    with world.session() as session:
        other = admin.add_volunteer(session, "06577", "Nông Văn Bình", ["thon-pac-ma"])
    from .conftest import enrol

    token, _ = enrol(world.app, other.id)
    theirs = household("thon-pac-ma")
    assert results(world.sync([theirs], token=token)) == [("household", "accepted", "")]
    moved = household("thon-na-pan", id=theirs.id, updated_at="2026-12-01T00:00:00.000+00:00")
    assert results(world.sync([moved])) == [("household", "rejected", "hamlet_forbidden")]


def test_declined_visit_with_personal_data_is_rejected_by_the_shared_rules(world: World) -> None:
    home = household("thon-na-pan")
    declined = other_visit(home, "declined")
    declined.members = [adult()]
    assert results(world.sync([home], [declined]))[1] == ("visit", "rejected", "declined_has_personal_data")


def test_plain_and_gzip_bodies_and_gzip_answers(world: World) -> None:
    home = household("thon-na-pan")
    plain = world.sync([home])
    assert plain.status_code == 200
    zipped = world.sync([household("thon-khon-chu")], gzipped=True)
    assert zipped.status_code == 200
    assert zipped.headers.get("content-encoding") == "gzip"  # TestClient asks for gzip
    assert len(zipped.json()["roster"]["households"]) == 2


def test_answers_of_the_wrong_shape_reject_that_record_only(world: World) -> None:
    home = household("thon-na-pan")
    odd = completed_visit(home).to_dict()
    odd["members"][0]["answers"]["payment_accounts"] = ["none", {"bank": 1}]
    odd["answers"]["environment"]["waste_sorting"] = {"yes": True}
    fine = completed_visit(home)
    response = world.sync([home], [odd, fine])
    got = results(response)
    assert got[0] == ("household", "accepted", "") and got[2] == ("visit", "accepted", "")
    assert got[1][:2] == ("visit", "rejected")

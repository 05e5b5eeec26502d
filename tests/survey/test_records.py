"""Records: device-made ids, timestamps, the status lifecycle, serialisation."""

from __future__ import annotations

from datetime import date

import pytest

from survey.records import FollowUp, Household, InvalidTransition, Member, Status, Visit, new_id
from survey.times import instant

from .builders import adult, completed_visit, household


def test_ids_and_timestamps_are_made_on_the_device():
    a, b = household(), household()
    assert a.id != b.id and len(a.id) == 36
    visit = completed_visit(a)
    assert instant(visit.created_at).tzinfo is not None
    assert visit.updated_at == visit.created_at
    assert len({Member().id for _ in range(100)}) == 100


def test_visit_lifecycle():
    visit = completed_visit()
    assert visit.status is Status.DRAFT and not visit.needs_sync
    visit.complete()
    assert visit.needs_sync
    visit.mark_rejected("consent_missing", "consent")
    assert visit.status is Status.REJECTED and visit.rejection["code"] == "consent_missing"
    assert visit.needs_sync  # a rejected record stays on the phone, to be fixed
    visit.reopen()
    visit.complete()
    assert visit.rejection is None
    visit.mark_synced()
    visit.mark_synced()  # a duplicate answer is harmless
    for move in (visit.reopen, visit.complete, lambda: visit.mark_rejected("x")):
        with pytest.raises(InvalidTransition):
            move()


def test_draft_cannot_be_synced_or_rejected():
    visit = completed_visit()
    with pytest.raises(InvalidTransition):
        visit.mark_synced()
    with pytest.raises(InvalidTransition):
        visit.mark_rejected("x")


def test_an_edited_synced_household_goes_back_to_the_outbox():
    home = household()
    home.complete()
    home.mark_synced()
    home.phone = "0912345678"
    home.touch()
    home.complete()
    assert home.status is Status.COMPLETE and home.needs_sync


def test_round_trip_and_fingerprint():
    visit = completed_visit(follow_ups=[FollowUp(code="install_vneid")])
    again = Visit.from_dict(visit.to_dict())
    assert again == visit
    assert again.fingerprint() == visit.fingerprint()
    again.complete()
    assert again.fingerprint() == visit.fingerprint()  # bookkeeping is not content
    again.answers["environment"]["waste_sorting"] = "no"
    assert again.fingerprint() != visit.fingerprint()


def test_newer_fields_are_ignored_when_reading():
    raw = household().to_dict() | {"gps": [21.8, 106.7]}
    assert Household.from_dict(raw).head_name == "Nguyễn Văn An"


def test_adult_is_computed_from_the_visit_year():
    member = adult(2008)
    assert member.is_adult(2026, 18)
    assert not member.is_adult(2025, 18)
    assert member.is_adult(2025, 15)
    assert not Member(birth_year=None).is_adult(2026, 18)


def test_roster_membership_as_of():
    home = household(created_at="2026-01-10T08:00:00+00:00")
    assert not home.on_roster(date(2026, 1, 9))
    assert home.on_roster(date(2026, 1, 10)) and home.on_roster()
    home.removed_at, home.removed_reason = "2026-04-02T09:00:00+00:00", "moved"
    assert home.on_roster(date(2026, 4, 1))
    assert not home.on_roster(date(2026, 4, 2)) and not home.on_roster()


def test_new_id_is_a_uuid4():
    assert new_id()[14] == "4"

"""Settling an edit made on an older revision, field by field (survey.revisions)."""

from __future__ import annotations

from survey.errors import message
from survey.revisions import describe, settle

BASE = {
    "id": "h1",
    "hamlet_id": "thon-a",
    "head_name": "Nguyễn Văn An",
    "address": "Xóm 1",
    "phone": "0912000000",
    "removed_at": None,
    "removed_reason": None,
    "updated_at": "2026-06-01T08:00:00+07:00",
    "revision": 2,
}


def version(**changes):
    return {**BASE, **changes}


def test_the_same_field_changed_twice_keeps_the_first_received():
    current = version(phone="0912111111", revision=3)
    incoming = version(phone="0912222222", updated_at="2026-06-02T08:00:00+07:00")
    settled = settle(BASE, current, incoming)
    assert settled.content["phone"] == "0912111111"
    assert (settled.applied, settled.lost) == ((), ("phone",))


def test_different_fields_both_apply():
    current = version(hamlet_id="thon-b", revision=3)
    incoming = version(phone="0912222222", updated_at="2026-06-02T08:00:00+07:00")
    settled = settle(BASE, current, incoming)
    assert (settled.content["hamlet_id"], settled.content["phone"]) == ("thon-b", "0912222222")
    assert (settled.applied, settled.lost) == (("phone",), ())
    assert settled.content["updated_at"] == "2026-06-02T08:00:00+07:00"


def test_removal_and_its_reason_are_one_field():
    current = version(removed_at="2026-06-02T08:00:00+07:00", removed_reason="duplicate")
    incoming = version(removed_at="2026-06-03T08:00:00+07:00", removed_reason="moved", address="Xóm 2")
    settled = settle(BASE, current, incoming)
    assert settled.content["removed_reason"] == "duplicate" and settled.content["address"] == "Xóm 2"
    assert settled.lost == ("removed",)


def test_the_same_change_on_both_phones_is_no_conflict_and_no_base_means_nothing_applies():
    current = version(phone="0912333333")
    assert settle(BASE, current, version(phone="0912333333")).lost == ()
    settled = settle(None, current, version(address="Xóm 9"))
    assert settled.content == current and settled.lost == ("address", "phone")


def test_the_message_names_the_fields_in_both_languages():
    context = describe(["phone", "hamlet_id"])
    assert "Số điện thoại, Thôn/bản" in message("changed_elsewhere", "vi", **context)
    assert "Phone number, Hamlet" in message("changed_elsewhere", "en", **context)

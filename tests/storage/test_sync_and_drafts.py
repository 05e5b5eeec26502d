"""Contract: outbox, sync results, rejected records, drafts, settings, counts, batches."""

from __future__ import annotations

import pytest

from storage import Outbox, Repository, SyncResult
from survey.records import Household, Status, Visit
from tests.storage.builders import at, completed, household, other


@pytest.fixture
def day(repo: Repository) -> dict[str, Household | Visit]:
    """A volunteer's day: one new household, one from the roster, visits in every status."""
    new = household(head_name="Nguyễn Văn An", created_at=at(1, 8))
    roster = household(head_name="Trần Thị Bình", status=Status.SYNCED, created_at=at(1, 7))
    records: dict[str, Household | Visit] = {"new": new, "roster": roster}
    repo.save_household(new)
    repo.save_household(roster)
    records["done"] = completed(roster, at(10, 9))
    records["absent"] = other(new, "nobody_home", at(10, 8))
    records["draft"] = completed(new, at(10, 11), status=Status.DRAFT)
    records["old"] = completed(roster, at(2), status=Status.SYNCED)
    for key in ("done", "absent", "draft", "old"):
        repo.save_visit(records[key])  # type: ignore[arg-type]
    return records


def _ids(records: list) -> list[str]:
    return [r.id for r in records]


def test_outbox_holds_complete_records_and_never_drafts(repo: Repository, day: dict) -> None:
    outbox = repo.outbox()
    assert isinstance(outbox, Outbox) and len(outbox) == 3
    assert outbox.households == [day["new"]]
    assert _ids(outbox.visits) == [day["absent"].id, day["done"].id]  # in visit order
    assert repo.counts() == {"households": 2, "visits": 4, "unsynced": 3}


def test_accepted_and_duplicate_results_mark_records_synced(repo: Repository, day: dict, reopen) -> None:
    changed = repo.record_results(
        [
            SyncResult("household", day["new"].id, "accepted"),
            SyncResult("visit", day["absent"].id, "duplicate"),
            SyncResult("visit", day["done"].id, "accepted"),
        ]
    )
    assert changed == 3
    store = reopen()
    assert len(store.outbox()) == 0
    assert store.household(day["new"].id).status is Status.SYNCED
    assert store.visit(day["done"].id).status is Status.SYNCED
    assert store.visit(day["draft"].id).status is Status.DRAFT
    assert store.counts()["unsynced"] == 0
    assert store.households("thon-1")[1].summary.last_completed_visit_id == day["done"].id


def test_rejected_records_stay_visible_with_their_reason_and_go_out_again(repo: Repository, day: dict) -> None:
    repo.record_results(
        [
            SyncResult(
                "visit",
                day["done"].id,
                "rejected",
                code="consent_missing",
                field="consent",
                context={"hint": "ask the head"},
            ),
            SyncResult("household", day["new"].id, "accepted"),
        ]
    )
    [rejected] = repo.rejected()
    assert rejected.id == day["done"].id and rejected.status is Status.REJECTED
    assert rejected.rejection == {"code": "consent_missing", "field": "consent", "context": {"hint": "ask the head"}}
    assert day["done"].id in _ids(repo.outbox().visits)
    repo.record_results([SyncResult("visit", day["done"].id, "rejected", code="other_code")])
    assert repo.rejected()[0].rejection["code"] == "other_code"
    repo.record_results([SyncResult("visit", day["done"].id, "accepted")])
    assert repo.rejected() == [] and repo.visit(day["done"].id).rejection is None


def test_results_that_do_not_apply_change_nothing(repo: Repository, day: dict) -> None:
    edited = repo.household(day["new"].id)
    sent_fingerprint = edited.fingerprint()
    edited.phone = "0900000000"
    repo.save_household(edited)
    changed = repo.record_results(
        [
            SyncResult("household", day["new"].id, "accepted", fingerprint=sent_fingerprint),
            SyncResult("visit", day["draft"].id, "accepted"),  # reopened for editing since sending
            SyncResult("visit", day["old"].id, "rejected", code="late"),  # already synced
            SyncResult("visit", "unknown-id", "accepted"),
            SyncResult("household", "unknown-id", "accepted"),
        ]
    )
    assert changed == 0
    assert repo.household(day["new"].id).status is Status.COMPLETE
    assert repo.visit(day["draft"].id).status is Status.DRAFT
    assert repo.visit(day["old"].id).status is Status.SYNCED
    with pytest.raises(ValueError):
        repo.record_results([SyncResult("member", "x", "accepted")])  # type: ignore[arg-type]


def test_drafts_round_trip_as_private_copies(repo: Repository, reopen) -> None:
    wizard = {"household_id": "h1", "step": 3, "answers": {"vneid": ["level1"]}, "note": "Nguyễn"}
    repo.save_draft("visit:h1", wizard)
    repo.save_draft("household:new", {"head_name": "Đặng"})
    wizard["step"] = 99
    read = repo.draft("visit:h1")
    read["answers"]["vneid"].append("mutated")
    store = reopen()
    assert store.draft("visit:h1") == {
        "household_id": "h1",
        "step": 3,
        "answers": {"vneid": ["level1"]},
        "note": "Nguyễn",
    }
    assert set(store.drafts()) == {"visit:h1", "household:new"}
    store.delete_draft("visit:h1")
    store.delete_draft("never-saved")
    assert store.draft("visit:h1") is None and list(store.drafts()) == ["household:new"]


def test_a_draft_json_cannot_hold_is_refused_before_anything_changes(repo: Repository) -> None:
    repo.save_draft("k", {"step": 1})
    with pytest.raises(TypeError):
        repo.save_draft("k", {"when": object()})
    assert repo.draft("k") == {"step": 1}


def test_settings_hold_json_values(repo: Repository, reopen) -> None:
    assert repo.setting("sync_mode") is None
    assert repo.setting("sync_mode", "wifi_only") == "wifi_only"
    repo.set_setting("sync_mode", "manual")
    repo.set_setting("server", {"url": "https://xa.example.vn", "hamlets": ["thon-1"]})
    repo.setting("server")["hamlets"].append("mutated")
    store = reopen()
    assert store.setting("sync_mode") == "manual"
    assert store.setting("server") == {"url": "https://xa.example.vn", "hamlets": ["thon-1"]}


def test_a_batch_lands_everything(repo: Repository, reopen) -> None:
    with repo.batch():
        for n in range(30):
            home = household(f"thon-{n % 3}", f"Hộ {n}")
            repo.save_household(home)
            repo.save_visit(completed(home))
    store = reopen()
    assert store.counts() == {"households": 30, "visits": 30, "unsynced": 60}
    assert len(store.households("thon-2")) == 10


def test_archive_cannot_run_inside_a_batch(repo: Repository) -> None:
    with pytest.raises(RuntimeError), repo.batch():
        repo.archive_synced()


def test_a_batch_that_fails_leaves_nothing_behind(repo: Repository, reopen) -> None:
    kept = household(head_name="Có Sẵn")
    repo.save_household(kept)
    with pytest.raises(KeyError), repo.batch():
        repo.save_household(household(head_name="Mới Một"))
        repo.save_household(household("thon-2", "Mới Hai"))
        repo.save_visit(completed(kept))
        repo.save_draft("wizard", {"step": 1})
        raise KeyError("the roster pull broke half way")
    for store in (repo, reopen()):
        assert store.counts() == {"households": 1, "visits": 0, "unsynced": 1}
        assert store.search("moi") == [] and store.drafts() == {}
        assert store.households("thon-1")[0].summary.last_visit_at is None


def test_saves_from_several_threads_all_land(repo: Repository, reopen) -> None:
    import threading

    homes = [household(head_name=f"Hộ {n}") for n in range(4)]
    for home in homes:
        repo.save_household(home)

    def volunteer(home: Household) -> None:  # Flet runs each handler on a worker thread
        for n in range(10):
            repo.save_draft(home.id, {"step": n})
            repo.save_visit(other(home, "nobody_home", at(n + 1)))

    workers = [threading.Thread(target=volunteer, args=(home,)) for home in homes]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    store = reopen()
    assert store.counts()["visits"] == 40 and len(store.drafts()) == 4
    assert all(row.summary.last_visit_at == at(10) for row in store.households("thon-1"))

"""Contract: visits, the household summary they keep up to date, and the archive."""

from __future__ import annotations

import pytest

from storage import Repository
from survey.records import FollowUp, Household, Status, Visit
from tests.storage.builders import at, completed, household, other


@pytest.fixture
def home(repo: Repository) -> Household:
    home = household()
    repo.save_household(home)
    return home


def test_a_saved_visit_reads_back_equal(repo: Repository, home: Household) -> None:
    visit = completed(home, follow_ups=[FollowUp(code="online_safety")])
    repo.save_visit(visit)
    assert repo.visit(visit.id) == visit
    assert repo.visits_of(home.id) == [visit]
    assert repo.visit("no-such-visit") is None
    assert repo.visits_of("no-such-household") == []


def test_a_visit_needs_its_household_on_the_phone_and_is_kept_with_it(repo: Repository, home: Household) -> None:
    with pytest.raises(ValueError):
        repo.save_visit(completed(household()))  # never saved
    with pytest.raises(ValueError):
        repo.save_visit(Visit(household_id=home.id, hamlet_id="../x", outcome="declined"))
    assert repo.visits_of(home.id) == [] and repo.counts()["visits"] == 0
    made_elsewhere = completed(home)
    made_elsewhere.hamlet_id = "thon-2"  # made before the household moved here: it keeps its hamlet
    repo.save_visit(made_elsewhere)
    assert repo.visits_of(home.id) == [made_elsewhere] and repo.households("thon-2") == []


def test_visits_are_copies_both_ways(repo: Repository, home: Household) -> None:
    visit = completed(home)
    repo.save_visit(visit)
    visit.members[0].answers["vneid"] = "none"
    read = repo.visit(visit.id)
    read.members[0].answers["payment_accounts"].append("e_wallet")
    read.answers["environment"]["waste_sorting"] = "no"
    read.consent.by = "someone else"
    again = repo.visits_of(home.id)[0]
    assert again.members[0].answers == {
        "phone_type": "smartphone",
        "vneid": "level1",
        "vneid_seen": "seen",
        "payment_accounts": ["bank_app"],
        "online_services": "used",
    }
    assert again.answer("waste_sorting") == "partly" and again.consent.by == "Chủ hộ"


def test_visits_of_a_household_are_newest_first(repo: Repository, home: Household) -> None:
    first, second, third = other(home, "nobody_home", at(3)), completed(home, at(5)), other(home, "declined", at(4))
    for visit in (second, first, third):
        repo.save_visit(visit)
    neighbour = household(head_name="Trần Thị Mai")
    repo.save_household(neighbour)
    repo.save_visit(other(neighbour, "declined", at(6)))  # someone else's visit is not listed
    assert [v.id for v in repo.visits_of(home.id)] == [second.id, third.id, first.id]


def test_nobody_home_then_completed_moves_the_summary_along(repo: Repository, home: Household) -> None:
    repo.save_visit(other(home, "nobody_home", at(3)))
    summary = repo.households("thon-1")[0].summary
    assert summary.state == "revisit" and summary.last_completed_visit_id is None
    done = completed(home, at(4))
    repo.save_visit(done)
    summary = repo.households("thon-1")[0].summary
    assert summary.state == "completed"
    assert (summary.last_completed_visit_id, summary.last_completed_at, summary.last_outcome) == (
        done.id,
        at(4),
        "completed",
    )
    assert FollowUp(code="upgrade_vneid_level2", member_id=done.members[0].id) in summary.follow_ups


def test_visits_saved_out_of_order_give_the_same_summary(repo: Repository, home: Household) -> None:
    later_absent = other(home, "nobody_home", at(20))
    earlier_done = completed(home, at(10))
    repo.save_visit(later_absent)
    repo.save_visit(earlier_done)
    summary = repo.households("thon-1")[0].summary
    assert summary.last_outcome == "nobody_home" and summary.last_visit_at == at(20)
    assert summary.last_completed_visit_id == earlier_done.id
    assert summary.state == "completed"  # a later "nobody home" does not erase a completed visit


def test_editing_an_unsynced_visit_can_take_back_its_completion(repo: Repository, home: Household) -> None:
    old = completed(home, at(2), status=Status.SYNCED)
    new = completed(home, at(8))
    repo.save_visit(old)
    repo.save_visit(new)
    assert repo.households("thon-1")[0].summary.last_completed_visit_id == new.id
    new.reopen()
    new.outcome, new.members, new.answers, new.consent = "nobody_home", [], {}, None
    repo.save_visit(new)
    summary = repo.households("thon-1")[0].summary
    assert summary.last_completed_visit_id == old.id and summary.last_outcome == "nobody_home"
    assert [v.id for v in repo.latest_completed_visits()] == [old.id]


def test_a_synced_visit_is_append_only(repo: Repository, home: Household) -> None:
    visit = completed(home, status=Status.SYNCED)
    repo.save_visit(visit)
    repo.save_visit(Visit.from_dict(visit.to_dict()))  # the same content again: harmless
    changed = Visit.from_dict(visit.to_dict())
    changed.answers["environment"]["waste_sorting"] = "yes"
    with pytest.raises(ValueError):
        repo.save_visit(changed)
    back = Visit.from_dict(visit.to_dict())
    back.status = Status.COMPLETE
    with pytest.raises(ValueError):
        repo.save_visit(back)
    assert repo.visit(visit.id) == visit


def test_latest_completed_visits_one_per_household(repo: Repository, home: Household) -> None:
    other_home = household("thon-2", "Trần Văn Bình")
    never = household(head_name="Lê Thị Cúc")
    repo.save_household(other_home)
    repo.save_household(never)
    mine = completed(home, at(9))
    theirs = completed(other_home, at(7))
    for visit in (completed(home, at(3)), mine, other(home, "nobody_home", at(12)), theirs, other(never, "declined")):
        repo.save_visit(visit)
    assert [v.id for v in repo.latest_completed_visits("thon-1")] == [mine.id]
    assert {v.id for v in repo.latest_completed_visits()} == {mine.id, theirs.id}


@pytest.fixture
def history(repo: Repository, home: Household) -> dict[str, Visit]:
    """Three synced completed visits, a later synced nobody-home, an unsynced completed one."""
    visits = {
        "2024": completed(home, at(5, year=2024), status=Status.SYNCED),
        "2025": completed(home, at(5, year=2025), status=Status.SYNCED),
        "2026": completed(home, at(5, year=2026), status=Status.SYNCED),
        "absent": other(home, "nobody_home", at(9, year=2026), status=Status.SYNCED),
        "unsynced": completed(home, at(20, year=2026)),
    }
    for visit in visits.values():
        repo.save_visit(visit)
    return visits


def test_archive_moves_only_synced_visits_a_synced_completed_one_superseded(
    repo: Repository, home: Household, history: dict[str, Visit], reopen
) -> None:
    before = repo.visits_of(home.id)
    counts = repo.counts()
    assert repo.archive_synced() == 2
    assert repo.archive_synced() == 0
    for store in (repo, reopen()):
        assert store.visits_of(home.id) == before
        assert store.counts() == counts
        assert store.visit(history["2024"].id) == history["2024"]
        assert [v.id for v in store.latest_completed_visits()] == [history["unsynced"].id]
        assert store.households("thon-1")[0].summary.last_completed_visit_id == history["unsynced"].id


def test_an_unsynced_visit_never_pushes_the_latest_synced_one_out(repo: Repository, home: Household) -> None:
    synced = completed(home, at(2), status=Status.SYNCED)
    pending = completed(home, at(3))
    repo.save_visit(synced)
    repo.save_visit(pending)
    assert repo.archive_synced() == 0  # `pending` may still be edited into "nobody home"


def test_an_archived_visit_stays_append_only(repo: Repository, home: Household, history: dict[str, Visit]) -> None:
    repo.archive_synced()
    old = history["2024"]
    repo.save_visit(Visit.from_dict(old.to_dict()))
    changed = Visit.from_dict(old.to_dict())
    changed.outcome = "declined"
    with pytest.raises(ValueError):
        repo.save_visit(changed)
    assert repo.counts()["visits"] == 5
    assert repo.visit(old.id) == old

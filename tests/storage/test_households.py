"""Contract: hamlets, households and search, on every backend."""

from __future__ import annotations

import pytest

from storage import HouseholdRow, Repository
from survey.records import Hamlet, Household, Status
from survey.summary import HouseholdSummary
from tests.storage.builders import household


def test_hamlets_keep_the_servers_order_and_are_replaced_as_a_list(repo: Repository) -> None:
    repo.save_hamlets([Hamlet(id="thon-2", name="Thôn Nà Làng"), Hamlet(id="thon-1", name="Bản Pjạo")])
    assert [h.id for h in repo.hamlets()] == ["thon-2", "thon-1"]
    assert repo.hamlet("thon-1") == Hamlet(id="thon-1", name="Bản Pjạo")
    repo.save_hamlets([Hamlet(id="thon-3", name="Còn Quan", team_active_since="2026-03-01")])
    assert [h.id for h in repo.hamlets()] == ["thon-3"]
    assert repo.hamlet("thon-1") is None
    assert repo.hamlet("thon-3").team_active_since == "2026-03-01"


def test_hamlets_are_copies(repo: Repository) -> None:
    hamlet = Hamlet(id="thon-1", name="Bản Pjạo")
    repo.save_hamlets([hamlet])
    hamlet.name = "changed after saving"
    repo.hamlet("thon-1").name = "changed after reading"
    assert repo.hamlets()[0].name == "Bản Pjạo"


@pytest.mark.parametrize("bad", ["../etc", "thôn-1", "", "a" * 65, "a/b", "a.json", "a b", None])
def test_hamlet_ids_that_would_make_unsafe_paths_are_refused(repo: Repository, bad: object) -> None:
    with pytest.raises(ValueError):
        repo.save_hamlets([Hamlet(id=bad, name="x")])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        repo.save_household(household(hamlet_id=bad))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        repo.households(bad)  # type: ignore[arg-type]
    assert repo.hamlets() == [] and repo.counts()["households"] == 0


def test_a_saved_household_reads_back_equal_with_an_empty_summary(repo: Repository) -> None:
    home = household(address="Số 5, Bản Pjạo", phone="0912345678")
    repo.save_household(home)
    assert repo.household(home.id) == home
    assert repo.households("thon-1") == [HouseholdRow(home, HouseholdSummary())]
    assert repo.household("no-such-id") is None
    assert repo.households("thon-9") == []


def test_households_are_copies_both_ways(repo: Repository) -> None:
    home = household()
    repo.save_household(home)
    home.head_name = "changed after saving"
    read = repo.household(home.id)
    read.head_name = "changed after reading"
    read.mark_rejected("x", "head_name", {"n": 1})
    row = repo.households("thon-1")[0]
    row.summary.follow_ups.append(None)  # type: ignore[arg-type]
    assert repo.household(home.id).head_name == "Nguyễn Văn An"
    assert repo.household(home.id).status is Status.COMPLETE
    assert repo.households("thon-1")[0].summary == HouseholdSummary()


def test_saving_again_replaces_the_household_and_keeps_its_summary(repo: Repository) -> None:
    from tests.storage.builders import completed

    home = household()
    repo.save_household(home)
    visit = completed(home)
    repo.save_visit(visit)
    home.phone = "0987654321"
    repo.save_household(home)
    assert repo.household(home.id).phone == "0987654321"
    assert repo.households("thon-1")[0].summary.last_completed_visit_id == visit.id


def test_a_household_moved_to_another_hamlet_takes_every_visit_along(repo: Repository) -> None:
    from .builders import at, completed, other

    home, neighbour = household("thon-1"), household("thon-1", head_name="Lý Thị Mai")
    repo.save_household(home)
    repo.save_household(neighbour)
    old = completed(home, at(2, year=2026), status=Status.SYNCED)
    new = completed(home, at(20, year=2026), status=Status.SYNCED)
    waiting = other(home, "nobody_home", at(25))
    for visit in (old, new, waiting):
        repo.save_visit(visit)
    repo.archive_synced()  # `old` goes to thon-1's archive
    counts = repo.counts()
    moved = Household.from_dict({**home.to_dict(), "hamlet_id": "thon-2", "revision": 3})
    repo.save_household(moved)  # the server's version after another phone moved it
    assert [r.household.id for r in repo.households("thon-2")] == [home.id]
    assert [r.household.id for r in repo.households("thon-1")] == [neighbour.id]
    assert repo.households("thon-2")[0].summary.last_completed_visit_id == new.id
    assert [v.id for v in repo.visits_of(home.id)] == [waiting.id, new.id, old.id]
    assert [v.id for v in repo.latest_completed_visits("thon-2")] == [new.id]
    assert repo.counts() == counts
    assert repo.household(home.id).revision == 3 and repo.outbox().visits == [waiting]


def test_households_are_listed_by_head_name_as_vietnamese_reads_it(repo: Repository) -> None:
    names = ["Nguyễn Văn Bình", "Đặng Thị Hạnh", "ánh Lương", "Bùi Văn An", "Nguyễn Văn An", "Lăng Văn Tâm"]
    for name in names:
        repo.save_household(household(head_name=name))
    repo.save_household(household("thon-2", "Âu Thị Ba"))
    listed = [row.household.head_name for row in repo.households("thon-1")]
    assert listed == ["ánh Lương", "Bùi Văn An", "Đặng Thị Hạnh", "Lăng Văn Tâm", "Nguyễn Văn An", "Nguyễn Văn Bình"]


@pytest.fixture
def village(repo: Repository) -> Repository:
    for hamlet, name, address, phone in [
        ("thon-1", "Nguyễn Văn An", "Số 1, Bản Pjạo", "0911000001"),
        ("thon-1", "Nguyễn Thị Văn", "Số 2, Bản Pjạo", "0911000002"),
        ("thon-1", "Đặng Văn Nguyên", "Số 3, Bản Pjạo", "0911000003"),
        ("thon-2", "Nguyễn Văn Bình", "Số 9, Nà Làng", "0988777666"),
        ("thon-2", "Hoàng Thị Lan", "Số 4, Nà Làng", ""),
    ]:
        repo.save_household(household(hamlet, name, address=address, phone=phone))
    return repo


def _names(rows: list[HouseholdRow]) -> list[str]:
    return [row.household.head_name for row in rows]


def test_search_ignores_diacritics_and_case(village: Repository) -> None:
    # every word anywhere in name, address or phone: the rule of survey.text.matches
    assert _names(village.search("nguyen van")) == [
        "Đặng Văn Nguyên",
        "Nguyễn Thị Văn",
        "Nguyễn Văn An",
        "Nguyễn Văn Bình",
    ]
    assert _names(village.search("NGUYỄN VĂN BÌNH")) == ["Nguyễn Văn Bình"]
    assert _names(village.search("dang")) == ["Đặng Văn Nguyên"]
    assert _names(village.search("đặng")) == ["Đặng Văn Nguyên"]


def test_search_matches_address_and_phone_too(village: Repository) -> None:
    assert _names(village.search("na lang")) == ["Hoàng Thị Lan", "Nguyễn Văn Bình"]
    assert _names(village.search("0988")) == ["Nguyễn Văn Bình"]
    assert village.search("không ai") == []


def test_search_within_a_hamlet_and_with_a_limit(village: Repository) -> None:
    assert _names(village.search("nguyen", hamlet_id="thon-2")) == ["Nguyễn Văn Bình"]
    assert _names(village.search("nguyen", limit=2)) == ["Đặng Văn Nguyên", "Nguyễn Thị Văn"]
    assert village.search("nguyen", limit=0) == []
    assert len(village.search("")) == 5


def test_search_follows_edits_and_returns_copies(village: Repository) -> None:
    home = village.search("hoang thi lan")[0].household
    home.head_name = "Vi Thị Lan"
    village.save_household(home)
    assert village.search("hoang") == []
    found = village.search("vi thi")
    assert _names(found) == ["Vi Thị Lan"]
    found[0].household.head_name = "mutated"
    assert _names(village.search("vi thi")) == ["Vi Thị Lan"]


def test_search_sees_households_of_a_reopened_store(village: Repository, reopen) -> None:
    assert _names(reopen().search("nguyen van binh")) == ["Nguyễn Văn Bình"]

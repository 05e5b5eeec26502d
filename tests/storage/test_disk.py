"""Disk only: what survives a new app start, a killed writer, a full disk, a bad file."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from storage import Repository, StoreCorrupted, default_data_dir
from survey.records import Hamlet, Status
from tests.storage.builders import at, completed, household, other


def restart(repo: Repository, folder: Path) -> Repository:
    """A new app start: the store let go of, then opened again from what is on disk."""
    repo.close()
    return Repository(folder)


def test_a_new_instance_sees_everything(folder: Path) -> None:
    repo = Repository(folder)
    repo.save_hamlets([Hamlet(id="thon-1", name="Bản Pjạo")])
    home = household()
    repo.save_household(home)
    visits = [completed(home, at(2, year=2025), status=Status.SYNCED), completed(home, at(3), status=Status.SYNCED)]
    for visit in visits:
        repo.save_visit(visit)
    repo.archive_synced()
    repo.save_draft("wizard", {"step": 2})
    repo.set_setting("lang", "vi")

    counts = repo.counts()
    again = restart(repo, folder)
    assert again is not repo
    assert again.hamlets() == [Hamlet(id="thon-1", name="Bản Pjạo")]
    assert again.household(home.id) == home
    assert again.visits_of(home.id) == visits[::-1]
    assert again.draft("wizard") == {"step": 2} and again.setting("lang") == "vi"
    assert again.counts() == counts == {"households": 1, "visits": 2, "unsynced": 1}


def test_the_layout_on_disk_is_the_documented_one(folder: Path) -> None:
    repo = Repository(folder)
    repo.save_hamlets([Hamlet(id="thon-1", name="Bản Pjạo")])
    home = household(head_name="Nguyễn Văn Đông")
    repo.save_household(home)
    repo.save_visit(completed(home, at(2, year=2025), status=Status.SYNCED))
    repo.save_visit(completed(home, at(2, year=2026), status=Status.SYNCED))
    repo.archive_synced()
    repo.save_draft("d", {})
    repo.set_setting("s", 1)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert files == [
        ".lock",
        "archive/thon-1/2025.json",
        "drafts.json",
        "hamlets/thon-1.json",
        "meta.json",
        "settings.json",
    ]
    raw = (folder / "hamlets" / "thon-1.json").read_bytes()
    assert "Nguyễn Văn Đông".encode() in raw and b'": ' not in raw  # UTF-8, compact
    shard = json.loads(raw)
    assert set(shard["households"]) == {home.id} and len(shard["visits"]) == 1


def test_reading_a_hamlet_creates_no_file(folder: Path) -> None:
    repo = Repository(folder)
    assert repo.households("thon-1") == [] and repo.search("x") == [] and repo.counts()["households"] == 0
    assert not folder.exists() or not any(folder.rglob("*.json"))


def test_leftover_temp_files_of_a_killed_writer_are_removed_on_open(folder: Path) -> None:
    repo = Repository(folder)
    repo.save_household(household())
    shard_dir = folder / "hamlets"
    leftover = shard_dir / ".thon-1.json.k3j4h5.tmp"
    leftover.write_text('{"households": {"half', encoding="utf-8")
    unrelated = shard_dir / "notes.txt"
    unrelated.write_text("keep me", encoding="utf-8")
    assert len(restart(repo, folder).households("thon-1")) == 1
    assert not leftover.exists() and unrelated.exists()


def test_a_corrupted_file_raises_and_is_never_overwritten(folder: Path) -> None:
    repo = Repository(folder)
    home = household()
    repo.save_household(home)
    shard = folder / "hamlets" / "thon-1.json"
    evidence = b'{"households": {"abc": {"head_name": "Nguy'
    shard.write_bytes(evidence)
    again = restart(repo, folder)
    with pytest.raises(StoreCorrupted) as caught:
        again.households("thon-1")
    assert caught.value.path == shard and str(shard) in str(caught.value)
    with pytest.raises(StoreCorrupted):
        again.save_household(household(head_name="Trần Văn Mới"))
    with pytest.raises(StoreCorrupted):
        again.save_visit(completed(home))
    assert shard.read_bytes() == evidence


def test_a_file_that_is_json_but_not_tables_is_corrupted_too(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "settings.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(StoreCorrupted):
        Repository(folder).setting("x")


def _failing_replace(monkeypatch: pytest.MonkeyPatch, *, after: int = 0) -> list[str]:
    """os.replace succeeds `after` times, then fails as a full disk would."""
    real = os.replace
    calls: list[str] = []

    def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(dst))
        if len(calls) > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_failed_write_leaves_disk_and_memory_as_before(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(folder)
    home = household()
    repo.save_household(home)
    first = completed(home, at(2))
    repo.save_visit(first)
    shard = folder / "hamlets" / "thon-1.json"
    before = shard.read_bytes()
    row_before = repo.households("thon-1")

    _failing_replace(monkeypatch)
    later = other(home, "nobody_home", at(5))
    with pytest.raises(OSError):
        repo.save_visit(later)
    renamed = household(head_name="Vi Văn Đổi")
    renamed.id = home.id
    with pytest.raises(OSError):
        repo.save_household(renamed)

    assert shard.read_bytes() == before
    assert [p.name for p in shard.parent.iterdir()] == ["thon-1.json"]  # no temp file left behind
    assert repo.visit(later.id) is None
    assert repo.households("thon-1") == row_before
    assert repo.search("vi van") == [] and len(repo.search("nguyen")) == 1
    monkeypatch.undo()
    repo.save_visit(later)
    assert restart(repo, folder).households("thon-1")[0].summary.last_outcome == "nobody_home"


def test_the_archive_crash_window_loses_nothing_and_counts_nothing_twice(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repository(folder)
    home = household()
    repo.save_household(home)
    old = completed(home, at(2, year=2025), status=Status.SYNCED)
    new = completed(home, at(2, year=2026), status=Status.SYNCED)
    repo.save_visit(old)
    repo.save_visit(new)
    counts = repo.counts()

    calls = _failing_replace(monkeypatch, after=1)  # the archive write lands, the hot one does not
    with pytest.raises(OSError):
        repo.archive_synced()
    monkeypatch.undo()
    assert calls == [str(folder / "archive" / "thon-1" / "2025.json"), str(folder / "hamlets" / "thon-1.json")]
    in_archive = json.loads((folder / "archive" / "thon-1" / "2025.json").read_text(encoding="utf-8"))
    in_hot = json.loads((folder / "hamlets" / "thon-1.json").read_text(encoding="utf-8"))
    assert old.id in in_archive["visits"] and old.id in in_hot["visits"]  # in both: the window

    after_crash = restart(repo, folder)
    assert after_crash.visits_of(home.id) == [new, old]
    assert after_crash.counts() == counts
    assert after_crash.visit(old.id) == old
    assert after_crash.archive_synced() == 1  # the next run finishes the move
    in_hot = json.loads((folder / "hamlets" / "thon-1.json").read_text(encoding="utf-8"))
    assert list(in_hot["visits"]) == [new.id]
    final = restart(after_crash, folder)
    assert final.visits_of(home.id) == [new, old] and final.counts() == counts


def test_default_data_dir_follows_flet_then_falls_back_to_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "app-data"))
    assert default_data_dir() == tmp_path / "app-data"
    monkeypatch.delenv("FLET_APP_STORAGE_DATA")
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == tmp_path / "storage" / "data"


def test_a_hostile_hamlet_id_never_reaches_the_filesystem(folder: Path) -> None:
    repo = Repository(folder)
    with pytest.raises(ValueError):
        repo.save_household(household(hamlet_id="../../escape"))
    assert not (folder.parent / "escape.json").exists() and not (folder.parent.parent / "escape.json").exists()


def test_hamlet_fingerprint_follows_the_hamlet_file_content(folder: Path) -> None:
    repo = Repository(folder)
    assert repo.hamlet_fingerprint("thon-1") is None  # no file yet
    home = household("thon-1")
    repo.save_household(home)
    first = repo.hamlet_fingerprint("thon-1")
    assert first is not None and Repository(folder).hamlet_fingerprint("thon-1") == first  # the same store
    repo.save_visit(completed(home, at(1)))
    assert repo.hamlet_fingerprint("thon-1") not in (None, first)
    with repo.batch():
        repo.save_household(household("thon-1"))
        assert repo.hamlet_fingerprint("thon-1") is None  # the file does not hold this yet
    assert Repository.in_memory().hamlet_fingerprint("thon-1") is None


# -- one data folder, one writer ---------------------------------------------------------------


def test_two_repositories_on_one_folder_are_one_store_and_drop_nothing(folder: Path) -> None:
    first, second = Repository(folder), Repository(folder)  # two browser tabs of the web build
    assert first is second
    one, two = household(head_name="Hoàng Văn Một"), household(head_name="Lý Thị Hai")
    first.save_household(one)
    second.save_household(two)
    first.save_household(one)  # tab 1 saves again: tab 2's household must survive it
    assert {r.household.id for r in restart(first, folder).households("thon-1")} == {one.id, two.id}


def test_a_second_process_is_kept_off_a_folder_in_use_with_a_clear_message(folder: Path) -> None:
    import subprocess
    import sys

    repo = Repository(folder)
    repo.save_household(household())
    probe = (
        "import sys; sys.path[:0] = ['mobile', '.']\n"
        "from storage import Repository\nfrom storage.owner import StoreInUse\n"
        f"try:\n    Repository({str(folder)!r})\nexcept StoreInUse as e:\n    print(e.code, '|', e.text('vi'))\n"
        "else:\n    print('opened')\n"
    )
    root = Path(__file__).resolve().parents[2]
    busy = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )
    assert busy.stdout.startswith("store_in_use |") and "chương trình khác" in busy.stdout, busy.stderr
    repo.close()
    free = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )
    assert free.stdout.strip() == "opened", free.stderr
    with pytest.raises(RuntimeError):
        repo.save_household(household())  # a closed store refuses writes instead of losing them


def test_two_app_sessions_share_the_store_and_see_each_others_saves(folder: Path) -> None:
    from state import AppState

    tab1, tab2 = AppState.open(folder), AppState.open(folder)
    tab1.repo.save_hamlets([Hamlet(id="thon-1", name="Bản Pjạo")])
    assert [p.total for p in tab2.hamlet_progress()] == [0]
    home, _ = tab1.add_household("thon-1", "Nông Văn Ba")
    assert [p.total for p in tab2.hamlet_progress()] == [1]  # tab 2's cached figures follow tab 1's save
    assert home is not None and tab2.repo.household(home.id) == home


# -- households another phone moved ---------------------------------------------------------------


def test_a_move_a_crash_interrupted_is_finished_at_the_next_open(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storage.shard import HamletShard
    from survey.records import Household

    repo = Repository(folder)
    home, neighbour = household("thon-1"), household("thon-1", head_name="Lý Thị Mai")
    repo.save_household(home)
    repo.save_household(neighbour)
    visits = [completed(home, at(2, year=2025), status=Status.SYNCED), completed(home, at(3), status=Status.SYNCED)]
    for visit in visits:
        repo.save_visit(visit)
    repo.archive_synced()
    counts = repo.counts()

    def power_cut(self, household_id, archived):  # the new hamlet's files are written, the old one's not
        raise OSError("battery died")

    monkeypatch.setattr(HamletShard, "release", power_cut)
    with pytest.raises(OSError):
        repo.save_household(Household.from_dict({**home.to_dict(), "hamlet_id": "thon-2"}))
    monkeypatch.undo()
    after = restart(repo, folder)
    assert [r.household.id for r in after.households("thon-2")] == [home.id]
    assert [r.household.id for r in after.households("thon-1")] == [neighbour.id]
    assert after.visits_of(home.id) == visits[::-1] and after.counts() == counts
    assert after.setting("moves_in_progress") == []


def test_a_household_moved_out_of_this_phones_hamlets_is_let_go_only_when_nothing_waits(folder: Path) -> None:
    repo = Repository(folder)
    done, busy = (
        household("thon-1", status=Status.SYNCED),
        household("thon-1", head_name="Vi Văn Bận", status=Status.SYNCED),
    )
    for home in (done, busy):
        repo.save_household(home)
    repo.save_visit(completed(done, at(2, year=2025), status=Status.SYNCED))
    repo.save_visit(completed(done, at(3), status=Status.SYNCED))
    repo.archive_synced()
    waiting = other(busy, "nobody_home", at(4))
    repo.save_visit(waiting)
    assert repo.forget_household(done.id) and repo.household(done.id) is None
    assert repo.visits_of(done.id) == [] and repo.counts() == {"households": 1, "visits": 1, "unsynced": 1}
    assert not repo.forget_household(busy.id)  # its visit has not reached the server: kept
    assert repo.visit(waiting.id) == waiting
    again = restart(repo, folder)
    assert again.household(done.id) is None and again.counts() == {"households": 1, "visits": 1, "unsynced": 1}

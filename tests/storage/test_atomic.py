"""AtomicJSONStorage and Transactional on their own: the guarantees the repository builds on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.atomic import AtomicJSONStorage, Database, StoreCorrupted, TransactionAborted
from storage.shard import put


def test_a_missing_file_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "sub" / "db.json")
    assert storage.read() is None
    assert not (tmp_path / "sub" / "db.json").exists()


def test_what_was_written_is_what_a_new_instance_reads(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "db.json"
    AtomicJSONStorage(path).write({"t": {"a": {"name": "Lăng Thị Đào", "n": 1}}})
    assert AtomicJSONStorage(path).read() == {"t": {"a": {"name": "Lăng Thị Đào", "n": 1}}}
    assert path.read_text(encoding="utf-8") == '{"t":{"a":{"name":"Lăng Thị Đào","n":1}}}'


def test_reads_after_the_first_come_from_memory(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"a": {}}})
    path.unlink()  # only we write our files: the cache is the truth
    assert storage.read() == {"t": {"a": {}}}


def test_a_failed_write_drops_what_memory_claimed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"a": {"v": 1}}})
    data = storage.read()
    data["t"]["b"] = {"v": 2}  # what TinyDB does before it calls write()

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        storage.write(data)
    monkeypatch.undo()
    assert storage.read() == {"t": {"a": {"v": 1}}}
    assert os.listdir(tmp_path) == ["db.json"]


def test_unserialisable_data_fails_before_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {}})
    with pytest.raises(TypeError):
        storage.write({"t": {"a": {"x": object()}}})
    assert path.read_text(encoding="utf-8") == '{"t":{}}' and storage.read() == {"t": {}}


@pytest.mark.parametrize("content", [b"", b"{", b'{"t": {"a": 1', b"\xff\xfe", b"[]", b'{"t": 3}'])
def test_anything_but_our_json_is_corrupted_and_kept(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(content)
    with pytest.raises(StoreCorrupted) as caught:
        AtomicJSONStorage(path)
    assert caught.value.path == path
    assert path.read_bytes() == content


def test_only_our_temp_files_are_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    for name in (".db.json.abc123.tmp", ".db.json.x.tmp", ".other.json.abc.tmp", "db.json.bak"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    AtomicJSONStorage(path)
    assert sorted(os.listdir(tmp_path)) == [".other.json.abc.tmp", "db.json.bak"]


def _count_replaces(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    real = os.replace
    calls: list[str] = []

    def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_transaction_over_two_tables_is_one_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(AtomicJSONStorage(tmp_path / "db.json"))
    calls = _count_replaces(monkeypatch)
    storage = db.transactional
    storage.begin()
    put(db.table("visits"), "v1", {"id": "v1"})
    put(db.table("households"), "h1", {"id": "h1", "summary": {"last": "v1"}})
    assert calls == [] and db.table("visits").get(doc_id="v1") == {"id": "v1"}
    storage.commit()
    assert len(calls) == 1
    again = Database(AtomicJSONStorage(tmp_path / "db.json"))
    assert again.table("households").get(doc_id="h1")["summary"] == {"last": "v1"}


def test_an_aborted_transaction_leaves_no_trace(tmp_path: Path) -> None:
    db = Database(AtomicJSONStorage(tmp_path / "db.json"))
    put(db.table("t"), "a", {"v": 1})
    storage = db.transactional
    storage.begin()
    put(db.table("t"), "a", {"v": 2})
    put(db.table("t"), "b", {"v": 3})
    storage.abort()
    assert db.table("t").get(doc_id="a") == {"v": 1} and db.table("t").get(doc_id="b") is None


def test_an_error_in_a_nested_transaction_stops_the_outer_commit(tmp_path: Path) -> None:
    db = Database(AtomicJSONStorage(tmp_path / "db.json"))
    storage = db.transactional
    storage.begin()
    put(db.table("t"), "a", {"v": 1})
    storage.begin()
    storage.abort()  # the inner level failed and its caller swallowed the error
    with pytest.raises(TransactionAborted):
        storage.commit()
    assert db.table("t").get(doc_id="a") is None
    assert not (tmp_path / "db.json").exists()


@pytest.fixture(params=["disk", "memory"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Database, object]:
    """A transactional TinyDB on a file (reloads on rollback) or in memory (snapshots)."""
    from tinydb.storages import MemoryStorage

    if request.param == "disk":
        return Database(AtomicJSONStorage(tmp_path / "db.json")), lambda: Database(
            AtomicJSONStorage(tmp_path / "db.json")
        )
    inner = MemoryStorage()
    return Database(inner), lambda: Database(inner)


def test_an_aborted_inner_transaction_whose_caller_carries_on_never_reaches_the_disk(database) -> None:
    db, reopen = database
    put(db.table("t"), "kept", {"v": 0})
    storage = db.transactional
    storage.begin()
    put(db.table("t"), "outer", {"v": 1})
    storage.begin()
    put(db.table("t"), "inner", {"v": 2})
    storage.abort()  # the inner level failed; its caller swallows the error and carries on
    put(db.table("t"), "after", {"v": 3})
    with pytest.raises(TransactionAborted):
        storage.commit()
    assert sorted(d.doc_id for d in db.table("t").all()) == ["kept"]
    put(db.table("t"), "later", {"v": 4})  # an unrelated write, long after: it carries nothing along
    assert sorted(d.doc_id for d in reopen().table("t").all()) == ["kept", "later"]
    assert sorted(d.doc_id for d in db.table("t").all()) == ["kept", "later"]


def test_query_results_do_not_survive_an_abort(database) -> None:
    from tinydb import Query

    db, _ = database
    table = db.table("households")
    put(table, "a", {"hamlet": "thon-1"})
    in_hamlet = Query().hamlet == "thon-1"
    assert [d.doc_id for d in table.search(in_hamlet)] == ["a"]  # now cached
    storage = db.transactional
    storage.begin()
    put(table, "b", {"hamlet": "thon-1"})
    assert sorted(d.doc_id for d in table.search(in_hamlet)) == ["a", "b"]  # cached inside
    storage.abort()
    assert [d.doc_id for d in table.search(in_hamlet)] == ["a"]
    assert table.count(in_hamlet) == 1


def test_an_outer_abort_after_a_committed_inner_level_undoes_both(database) -> None:
    db, reopen = database
    storage = db.transactional
    storage.begin()
    put(db.table("t"), "outer", {"v": 1})
    storage.begin()
    put(db.table("t"), "inner", {"v": 2})
    storage.commit()  # inner levels commit into the outer one, not to the disk
    storage.abort()
    assert db.table("t").all() == [] and reopen().table("t").all() == []

"""Backing up and restoring the server's SQLite database (issue 10 §6; DESIGN §7: the server
can be backed up and restored while it runs).

`backup` uses SQLite's online backup API (`sqlite3.Connection.backup`): the copy is one
consistent state of the database, taken while the server keeps serving (WAL lets syncs go
on; the copy holds a read transaction, so it never sees half a sync). `restore` copies a
backup into the server's database the same way, after checking that it is one of ours and
intact, refuses to overwrite a database that holds a commune unless forced, and migrates
it to this version's schema. PostgreSQL has its own tools: README, "Production".
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from ..settings import database_url


class BackupError(Exception):
    """A backup or restore that cannot be done; vi and en say why (nothing was changed)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int  # bytes
    tables: dict[str, int]  # rows per table, for the operator to check


def sqlite_path(url: str | None) -> Path:
    """The SQLite file a database URL names; BackupError for PostgreSQL or an in-memory one."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError(
            "Sao lưu và khôi phục bằng lệnh này chỉ dành cho SQLite; với PostgreSQL hãy dùng pg_dump / "
            "pg_restore (xem README).",
            "These commands back up and restore SQLite only; for PostgreSQL use pg_dump / pg_restore (see the README).",
        )
    return Path(parsed.database)


def _tables(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def backup(url: str | None, target: Path) -> Copied:
    """Copy the server's database to `target` (a new file; an existing one is refused), while
    the server runs. Returns the copy's size and its rows per table."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"Không có cơ sở dữ liệu ở {source}.", f"There is no database at {source}.")
    if target.exists():
        raise BackupError(
            f"Tệp {target} đã có; hãy chọn tên khác (bản sao lưu không bao giờ ghi đè).",
            f"{target} exists; choose another name (a backup never overwrites).",
        )
    if not target.parent.is_dir():
        raise BackupError(f"Không có thư mục {target.parent}.", f"There is no folder {target.parent}.")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # one step: a consistent snapshot under a read transaction
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            tables = _tables(dst)
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"Bản sao không toàn vẹn ({check}).", f"The copy is not intact ({check}).")
    partial.replace(target)
    return Copied(target, target.stat().st_size, tables)


def restore(url: str | None, source: Path, *, force: bool = False) -> Copied:
    """Put the backup `source` in place of the server's database (stop the server first).

    Refuses a file that is not an intact backup of this server, and a database that already
    holds a commune unless `force`. The caller migrates the result to this version's
    schema. Returns the restored database's rows per table."""
    target = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"Không có tệp {source}.", f"There is no file {source}.")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            check = src.execute("PRAGMA integrity_check").fetchone()[0]
            ours = (
                src.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name IN ('alembic_version', 'commune')"
                ).fetchone()[0]
                == 2
            )
        finally:
            src.close()
    except sqlite3.DatabaseError:
        check, ours = "not a database", False
    if check != "ok" or not ours:
        why_vi = "không phải CSDL của máy chủ này" if check == "ok" else f"hỏng: {check}"
        why_en = "not this server's database" if check == "ok" else f"damaged: {check}"
        raise BackupError(
            f"{source} không phải bản sao lưu nguyên vẹn của máy chủ này ({why_vi}).",
            f"{source} is not an intact backup of this server ({why_en}).",
        )
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(
            "Tệp sao lưu chính là CSDL đang dùng; hãy chọn một bản sao lưu.",
            "The backup is the database in use itself; choose a backup file.",
        )
    if target.exists() and not force:
        existing = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            has_table = existing.execute("SELECT count(*) FROM sqlite_master WHERE name = 'commune'").fetchone()[0]
            communes = existing.execute("SELECT count(*) FROM commune").fetchone()[0] if has_table else 0
        finally:
            existing.close()
        if communes:
            raise BackupError(
                f"Cơ sở dữ liệu {target} đang có dữ liệu của {communes} xã; thêm --force để ghi đè (hãy sao lưu nó trước).",
                f"The database {target} holds {communes} commune(s); add --force to overwrite it (back it up first).",
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            tables = _tables(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return Copied(target, target.stat().st_size, tables)

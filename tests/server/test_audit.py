"""The audit trail (services/audit.py) on real SQLite and PostgreSQL: set-up changes are
audited when they change something, and the trail reads one commune's rows newest first, a
bounded page at a time, filtered by kind, who, record and the commune's days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_sync import db, models
from server_sync.services import admin, audit, staff
from tests.survey.builders import household

from .conftest import World

T0 = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)  # 00:30 on 29/11/2026 in Vietnam


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(database_url)
    db.migrate(engine)
    factory = db.session_factory(engine)
    with factory.begin() as session:
        admin.create_commune(session, "06577", "Xã Thống Nhất", "Lạng Sơn")
        admin.create_commune(session, "06578", "Xã Bên Cạnh", "Lạng Sơn")
        admin.add_hamlet(session, "06577", "thon-na-pan", "Thôn Nà Pàn")
        staff.create_staff(session, "06577", "quan.tri", "Hoàng Văn Quân", "admin", "mat-khau-dai-1")
    yield factory
    engine.dispose()


def rows(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, object, object]]:
    with sessions() as session:
        found = session.scalars(select(models.Audit).order_by(models.Audit.id))
        return [(r.kind, r.record_id, r.action, r.old_content, r.new_content) for r in found]


def test_every_set_up_change_is_audited_once_and_no_change_is_not(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        commune = session.get_one(models.Commune, "06577")
        admin.set_target(session, commune, "adults_ready", {"min": 85})
        admin.set_target(session, commune, "adults_ready", {"min": 85})  # the same: nothing to audit
        admin.set_target(session, commune, "visit_coverage", None)
        admin.set_adult_age(session, commune, 15)
        admin.set_adult_age(session, commune, 15)
        admin.set_close_margin(session, commune, 5)
        admin.set_time_zone(session, commune, "Asia/Bangkok")
        admin.set_campaign_start(session, commune, "2026-02-01")
        admin.set_team(session, "thon-na-pan", "2026-03-01")
        admin.set_team(session, "thon-na-pan", "2026-03-01")
        csv = admin.parse_hamlets_csv("id,name\nthon-na-pan,Thôn Nà Pàn Mới\nthon-ban-cao,Thôn Bản Cao\n".encode())
        admin.import_hamlets(session, "06577", csv)
        volunteer = admin.new_volunteer(session, "06577", "Hoàng Thị Hoa", ["thon-ban-cao"])
    assert rows(sessions) == [
        ("commune", "06577", "target", {"adults_ready": {"min": 90.0, "strict": False, "max": None}}, {"adults_ready": {"min": 85.0, "strict": False, "max": None}}),
        ("commune", "06577", "target", {"visit_coverage": {"min": 100.0, "strict": False, "max": None}}, {"visit_coverage": None}),
        ("commune", "06577", "adult_age", {"adult_age": 18}, {"adult_age": 15}),
        ("commune", "06577", "close_margin", {"close_margin": 10.0}, {"close_margin": 5.0}),
        ("commune", "06577", "time_zone", {"time_zone": "Asia/Ho_Chi_Minh"}, {"time_zone": "Asia/Bangkok"}),
        ("commune", "06577", "campaign_start", {"campaign_start": "2026-01-01"}, {"campaign_start": "2026-02-01"}),
        ("hamlet", "thon-na-pan", "team", {"team_active_since": None}, {"team_active_since": "2026-03-01"}),
        ("hamlet", "thon-na-pan", "updated", {"name": "Thôn Nà Pàn", "team_active_since": "2026-03-01"}, {"name": "Thôn Nà Pàn Mới", "team_active_since": "2026-03-01"}),
        ("hamlet", "thon-ban-cao", "created", None, {"name": "Thôn Bản Cao", "team_active_since": None}),
        ("volunteer", volunteer.id, "created", None, {"name": "Hoàng Thị Hoa", "hamlets": ["thon-ban-cao"]}),
    ]  # fmt: skip
    with sessions() as session:
        assert {r.commune_code for r in session.scalars(select(models.Audit))} == {"06577"}


def test_a_refused_set_up_change_leaves_no_audit_row(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        commune = session.get_one(models.Commune, "06577")
        for call in (
            lambda: admin.set_adult_age(session, commune, 16),
            lambda: admin.set_time_zone(session, commune, "Mars/Olympus"),
            lambda: admin.set_target(session, commune, "adults_ready", {"min": 150}),
        ):
            with pytest.raises(admin.AdminError):
                call()
        session.flush()
        assert session.scalars(select(models.Audit)).all() == []


def seed(sessions: sessionmaker[Session], count: int, *, commune: str = "06577", start: datetime = T0) -> list[int]:
    """`count` set-up rows an hour apart from `start`: alternately by the admin and the command line."""
    ids = []
    with sessions.begin() as session:
        admin_id = staff.staff_user(session, "quan.tri").id
        for i in range(count):
            row = audit.record(
                session,
                commune_code=commune,
                kind="hamlet" if i % 2 else "volunteer",
                record_id=f"rec-{i}",
                action="updated",
                old={"name": f"A{i}"},
                new={"name": f"B{i}"},
                staff_user_id=admin_id if i % 2 else None,
                now=start + timedelta(hours=i),
            )
            ids.append(row.id)
    return ids


def page(sessions: sessionmaker[Session], query: dict[str, str] | None = None, **cursor: int) -> audit.Page:
    with sessions() as session:
        commune = session.get_one(models.Commune, "06577")
        return audit.trail(session, commune, audit.parse_filters(query or {}), limit=4, **cursor)


def test_pages_run_newest_first_and_back_without_gaps_or_repeats(sessions: sessionmaker[Session]) -> None:
    ids = seed(sessions, 10)
    seed(sessions, 3, commune="06578")  # never shown to 06577
    first = page(sessions)
    assert [r.id for r in first.rows] == ids[::-1][:4] and first.newer is None and first.older == ids[6]
    second = page(sessions, before=first.older)  # type: ignore[arg-type]
    third = page(sessions, before=second.older)  # type: ignore[arg-type]
    assert [r.id for r in second.rows] == ids[::-1][4:8] and [r.id for r in third.rows] == ids[::-1][8:]
    assert third.older is None and third.newer == ids[1]
    back = page(sessions, after=third.newer)  # type: ignore[arg-type]
    assert [r.id for r in back.rows] == [r.id for r in second.rows] and back.newer == ids[5]
    assert [r.id for r in page(sessions, after=back.newer).rows] == [r.id for r in first.rows]  # type: ignore[arg-type]
    # another commune's row as a cursor is ignored: the first page
    with sessions() as session:
        foreign = session.scalars(select(models.Audit.id).where(models.Audit.commune_code == "06578")).first()
    assert [r.id for r in page(sessions, before=foreign).rows] == [r.id for r in first.rows]  # type: ignore[arg-type]
    row = first.rows[0]
    assert (row.kind, row.record_id, row.changes) == ("hamlet", "rec-9", [audit.Change("name", "A9", "B9")])
    assert row.staff_name == "Hoàng Văn Quân" and not row.by_cli and first.rows[1].by_cli


def test_filters_by_kind_who_record_and_the_communes_days(sessions: sessionmaker[Session]) -> None:
    ids = seed(sessions, 10)  # from 00:30 on 29/11 in Vietnam, hourly
    with sessions() as session:
        admin_id = staff.staff_user(session, "quan.tri").id

    def found(**query: str) -> list[int]:
        with sessions() as session:
            commune = session.get_one(models.Commune, "06577")
            return [r.id for r in audit.trail(session, commune, audit.parse_filters(query)).rows]

    assert found(kind="hamlet") == ids[1::2][::-1]
    assert found(who=f"staff:{admin_id}") == ids[1::2][::-1]
    assert found(who="cli") == ids[0::2][::-1]
    assert found(record="rec-3") == [ids[3]]
    assert found(**{"from": "2026-11-29", "to": "2026-11-29"}) == ids[::-1]  # commune days, not UTC's 28/11
    assert found(to="2026-11-28") == []
    with sessions.begin() as session:
        commune = session.get_one(models.Commune, "06577")
        commune.time_zone = "UTC"  # the same instants, read in another zone's days
    assert found(to="2026-11-28") == ids[:7][::-1]  # 17:30 to 23:30 UTC on 28/11


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "passwords"},
        {"who": "staff:abc"},
        {"who": "someone"},
        {"from": "29/11/2026"},
        {"to": "2026-02-30"},
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"record": "a\x00b"},
    ],
)
def test_a_bad_filter_is_refused_with_a_message_in_both_languages(query: dict[str, str]) -> None:
    with pytest.raises(admin.AdminError) as refused:
        audit.parse_filters(query)
    assert refused.value.vi and refused.value.en and "--" not in refused.value.vi + refused.value.en


def test_phone_rows_name_the_volunteer_and_phone_and_summarise_the_change(world: World) -> None:
    home = household("thon-na-pan", head_name="Nguyễn Văn An", phone="0912000111")
    world.sync([home])
    world.sync([household("thon-na-pan", id=home.id, head_name="Nguyễn Văn Ân", phone="0912000111", revision=1)])
    with world.app.state.sessions() as session:
        commune = session.get_one(models.Commune, "06577")
        found = audit.trail(session, commune, audit.Filters(kind="household")).rows
    assert [r.action for r in found] == ["updated", "created"]
    assert (found[0].volunteer_name, found[0].device_name, found[0].device_id) == (
        "Hoàng Thị Hoa",
        "Samsung A05",
        world.device_id,
    )
    assert audit.Change("head_name", "Nguyễn Văn An", "Nguyễn Văn Ân") in found[0].changes
    assert all(c.field not in audit.QUIET for c in found[0].changes)
    created = {c.field: c.after for c in found[1].changes}
    assert created["head_name"] == "Nguyễn Văn An" and created["hamlet_id"] == "thon-na-pan"


def test_values_are_shown_short() -> None:
    assert audit.shown({"min": 90.0, "strict": True, "max": None}) == "> 90%"
    assert audit.shown({"min": 30, "strict": False, "max": 50}) == "≥ 30%, ≤ 50%"
    assert audit.shown(["thon-a", "thon-b"]) == "thon-a, thon-b"
    assert audit.shown([{"a": 1}, {"b": 2}]) == "[2]"
    assert audit.shown(None) == audit.shown("") == "—"
    assert audit.shown("x" * 100).endswith("…") and len(audit.shown("x" * 100)) == audit.VALUE_SHOWN

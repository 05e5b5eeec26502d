"""Migrations: an empty database reaches head; a database of revision 0001 with records
upgrades without loss and its coverage tallies are rebuilt from the stored visits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, inspect, select, text

from server_sync import db, models
from server_sync.app import create_app
from server_sync.services.ingest import fingerprint, stored_content
from survey.times import as_utc
from tests.survey.builders import completed_visit, household


def test_empty_database_migrates_to_head(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        db.migrate(engine)
        assert db.current_revision(engine) == "0008"
        inspector = inspect(engine)
        assert set(models.Base.metadata.tables) <= set(inspector.get_table_names())
        for name, table in models.Base.metadata.tables.items():  # the models and the migrations agree
            assert {c.name for c in table.columns} == {c["name"] for c in inspector.get_columns(name)}, name
        db.migrate(engine)  # again: nothing to do, nothing breaks
        assert db.current_revision(engine) == "0008"
    finally:
        engine.dispose()


def test_existing_database_upgrades_without_loss(database_url: str) -> None:
    engine = db.make_engine(database_url)
    home = household("thon-1", created_at="2026-01-09T23:00:00.000+00:00")  # 10/1 in Vietnam
    visit = completed_visit(home, visited_at="2026-06-14T23:30:00.000+00:00")  # 15/6 in Vietnam
    now = datetime.now(UTC)
    try:
        db.migrate(engine, "0001")
        with engine.begin() as conn:  # what a 0001 server had written
            conn.execute(
                text(
                    "INSERT INTO commune (code, name, province, adult_age, close_margin, targets) "
                    "VALUES ('06577', 'Xã Thống Nhất', 'Lạng Sơn', 18, 10, '{}')"
                )
            )
            conn.execute(text("INSERT INTO hamlet (id, commune_code, name) VALUES ('thon-1', '06577', 'Thôn 1')"))
            conn.execute(
                text(  # 0001 kept the phone's text times and the day in its offset
                    "INSERT INTO household (id, hamlet_id, content, fingerprint, created_at, updated_at, removed_at, "
                    "created_day, removed_day, received_at, change_seq) VALUES (:id, 'thon-1', :content, :fp, :c, :u, "
                    "NULL, :day, NULL, :now, 1)"
                ),
                {
                    "id": home.id,
                    "content": __import__("json").dumps(stored_content(home)),
                    "fp": home.fingerprint(),
                    "c": home.created_at,
                    "u": home.updated_at,
                    "day": date(2026, 1, 9),
                    "now": now,
                },
            )
            conn.execute(
                text(
                    "INSERT INTO visit (id, household_id, hamlet_id, visited_at, visited_day, outcome, content, "
                    "fingerprint, received_at) VALUES (:id, :h, 'thon-1', :at, :day, 'completed', :content, :fp, :now)"
                ),
                {
                    "id": visit.id,
                    "h": home.id,
                    "at": visit.visited_at,
                    "day": date(2026, 6, 14),  # 0001: the UTC day
                    "content": __import__("json").dumps(stored_content(visit)),
                    "fp": fingerprint(stored_content(visit)),
                    "now": now,
                },
            )
    finally:
        engine.dispose()

    app = create_app(database_url)  # upgrades to head and rebuilds the tallies
    try:
        with app.state.sessions() as session:
            assert session.scalar(select(func.count()).select_from(models.Visit)) == 1
            stored = session.get(models.Household, home.id)
            assert stored.content["head_name"] == "Nguyễn Văn An"
            assert stored.latest_visit_id == visit.id
            sums = dict(
                session.execute(
                    select(models.HamletTally.indicator, models.HamletTally.numerator).where(
                        models.HamletTally.adult_age == 18
                    )
                ).all()
            )
            assert sums["visit_coverage"] == 1 and sums["adults_ready"] == 1
            assert session.get(models.Meta, "tally_signature") is not None
            # times became instants; days became the commune's days
            assert as_utc(stored.created_at) == datetime(2026, 1, 9, 23, 0, tzinfo=UTC)
            assert stored.created_day == date(2026, 1, 10)
            stored_visit = session.get(models.Visit, visit.id)
            assert as_utc(stored_visit.visited_at) == datetime(2026, 6, 14, 23, 30, tzinfo=UTC)
            assert stored_visit.visited_day == date(2026, 6, 15)
            # every household has revision 1, kept, and its first placement
            assert stored.revision == 1 and stored.content["revision"] == 1
            kept = session.get(models.HouseholdRevision, (home.id, 1))
            assert kept is not None and kept.content["head_name"] == "Nguyễn Văn An"
            placed = session.scalars(select(models.HouseholdPlacement)).all()
            assert [(p.day, p.hamlet_id, p.on_roster) for p in placed] == [(date(2026, 1, 10), "thon-1", True)]
        assert db.current_revision(app.state.engine) == "0008"
    finally:
        app.state.engine.dispose()


BEFORE_ADMINISTRATION = "0007"  # the revision 0008_administration.py upgrades from


def test_administration_gives_every_stored_audit_row_its_commune(database_url: str) -> None:
    """Rows written before the administration migration get their commune from the staff
    user, the record's hamlet, the device's volunteer or, for a commune row, its own code."""
    engine = db.make_engine(database_url)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    try:
        db.migrate(engine, BEFORE_ADMINISTRATION)
        with engine.begin() as conn:
            for code in ("06577", "06578"):
                conn.execute(
                    text(
                        "INSERT INTO commune (code, name, province, adult_age, close_margin, targets, time_zone, "
                        "campaign_start) VALUES (:c, 'Xã', 'Lạng Sơn', 18, 10, '{}', 'Asia/Ho_Chi_Minh', '2026-01-01')"
                    ),
                    {"c": code},
                )
            conn.execute(text("INSERT INTO hamlet (id, commune_code, name) VALUES ('thon-2', '06578', 'Thôn 2')"))
            conn.execute(
                text("INSERT INTO volunteer (id, commune_code, name, created_at) VALUES ('v-2', '06578', 'Tú', :n)"),
                {"n": now},
            )
            conn.execute(
                text(
                    "INSERT INTO device (id, volunteer_id, name, token_hash, created_at) "
                    "VALUES ('d-2', 'v-2', 'Nokia', 'hash', :n)"
                ),
                {"n": now},
            )
            conn.execute(
                text(
                    "INSERT INTO staff_user (commune_code, username, name, role, password_hash, created_at) "
                    "VALUES ('06577', 'quan.tri', 'Quân', 'admin', 'x', :n)"
                ),
                {"n": now},
            )
            conn.execute(
                text(
                    "INSERT INTO household (id, hamlet_id, content, fingerprint, created_at, updated_at, created_day, "
                    "received_at, change_seq, revision) VALUES ('h-2', 'thon-2', '{}', 'fp', :n, :n, '2026-06-01', :n, 1, 1)"
                ),
                {"n": now},
            )
            staff_id = conn.execute(text("SELECT id FROM staff_user")).scalar_one()
            audits = [
                ("household", "h-2", None, None),  # its household's hamlet
                ("visit", "never-stored", "d-2", None),  # a refused visit: its device's volunteer
                ("figure", "06577:officials_trained:2026", None, staff_id),  # its staff user
                ("commune", "06578", None, None),  # its own code
                ("visit", "unknown", "seed-demo", None),  # nothing to tell: stays without
            ]
            for kind, record_id, device_id, staff_user_id in audits:
                conn.execute(
                    text(
                        "INSERT INTO audit (at, device_id, kind, record_id, action, staff_user_id) "
                        "VALUES (:n, :d, :k, :r, 'created', :s)"
                    ),
                    {"n": now, "d": device_id, "k": kind, "r": record_id, "s": staff_user_id},
                )
        db.migrate(engine)
        with engine.connect() as conn:
            found = conn.execute(text("SELECT record_id, commune_code FROM audit ORDER BY id")).all()
        assert [tuple(row) for row in found] == [
            ("h-2", "06578"),
            ("never-stored", "06578"),
            ("06577:officials_trained:2026", "06577"),
            ("06578", "06578"),
            ("unknown", None),
        ]
        assert "ix_audit_commune_at" in {i["name"] for i in inspect(engine).get_indexes("audit")}
    finally:
        engine.dispose()

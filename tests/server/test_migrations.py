"""Migrations: an empty database reaches head; a database of revision 0001 with records
upgrades without loss and its coverage tallies are rebuilt from the stored visits."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, inspect, select, text

from server_sync import db, models
from server_sync.app import create_app
from server_sync.services.ingest import fingerprint, stored_content
from tests.survey.builders import completed_visit, household


def test_empty_database_migrates_to_head(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        db.migrate(engine)
        assert db.current_revision(engine) == "0003"
        inspector = inspect(engine)
        assert set(models.Base.metadata.tables) <= set(inspector.get_table_names())
        for name, table in models.Base.metadata.tables.items():  # the models and the migrations agree
            assert {c.name for c in table.columns} == {c["name"] for c in inspector.get_columns(name)}, name
        db.migrate(engine)  # again: nothing to do, nothing breaks
        assert db.current_revision(engine) == "0003"
    finally:
        engine.dispose()


def test_existing_database_upgrades_without_loss(database_url: str) -> None:
    engine = db.make_engine(database_url)
    home = household("thon-1")
    visit = completed_visit(home)
    now = datetime.now(timezone.utc)
    try:
        db.migrate(engine, "0001")
        with engine.begin() as conn:  # what a 0001 server had written
            conn.execute(text("INSERT INTO commune (code, name, province, adult_age, close_margin, targets) "
                              "VALUES ('06577', 'Xã Thống Nhất', 'Lạng Sơn', 18, 10, '{}')"))
            conn.execute(text("INSERT INTO hamlet (id, commune_code, name) VALUES ('thon-1', '06577', 'Thôn 1')"))
            conn.execute(models.Household.__table__.insert().values(
                id=home.id, hamlet_id="thon-1", content=stored_content(home), fingerprint=home.fingerprint(),
                created_at=home.created_at, updated_at=home.updated_at, removed_at=None,
                created_day=datetime(2026, 1, 10).date(), removed_day=None, received_at=now, change_seq=1))
            conn.execute(text(
                "INSERT INTO visit (id, household_id, hamlet_id, visited_at, visited_day, outcome, content, "
                "fingerprint, received_at) VALUES (:id, :h, 'thon-1', :at, :day, 'completed', :content, :fp, :now)"),
                {"id": visit.id, "h": home.id, "at": visit.visited_at, "day": visit.day,
                 "content": __import__("json").dumps(stored_content(visit)),
                 "fp": fingerprint(stored_content(visit)), "now": now})
    finally:
        engine.dispose()

    app = create_app(database_url)  # upgrades to head and rebuilds the tallies
    try:
        with app.state.sessions() as session:
            assert session.scalar(select(func.count()).select_from(models.Visit)) == 1
            stored = session.get(models.Household, home.id)
            assert stored.content["head_name"] == "Nguyễn Văn An"
            assert stored.latest_visit_id == visit.id
            sums = dict(session.execute(select(models.HamletTally.indicator, models.HamletTally.numerator)
                                        .where(models.HamletTally.adult_age == 18)).all())
            assert sums["visit_coverage"] == 1 and sums["adults_ready"] == 1
            assert session.get(models.Meta, "tally_signature") is not None
        assert db.current_revision(app.state.engine) == "0003"
    finally:
        app.state.engine.dispose()

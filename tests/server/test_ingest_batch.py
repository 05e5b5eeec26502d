"""Bulk ingest (services.ingest) decides a batch exactly as records sent one at a time would,
and what it writes — contents serialised once, tallies summed per hamlet — reads back as
the domain's own records and coverage."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server_sync import models
from server_sync.app import create_app
from server_sync.services import enrolment, ingest, roster, tallies
from server_sync.services.ingest import fingerprint, identify, stored_content
from survey.indicators import compute_coverage, default_config
from survey.records import Household, Visit
from survey.times import as_utc
from tests.survey.builders import adult, child, completed_visit, household, other_visit

from .conftest import build_commune
from .test_coverage import hamlets

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_one_serialisation_gives_the_fingerprint_and_the_stored_text() -> None:
    home = household(
        "thon-na-pan",
        head_name="Nông Thị Ánh",
        address="Bản Pjạo",
        removed_at="2026-05-01T00:00:00.000+00:00",
        removed_reason="moved",
    )
    visit = completed_visit(
        home,
        members=[adult(1980), child(2019)],
        business=True,
        tools=["cashless"],
        products=[{"name": "Hồi", "promoted_online": "yes"}],
    )
    odd = Visit.from_dict(
        {
            **visit.to_dict(),
            "future_field": 1,
            "members": [
                {"id": "m1", "relation": ["head"], "birth_year": 1980.0, "sex": None, "answers": ["not", "a", "dict"]},
                "x",
            ],
            "consent": {"by": 5, "at": None},
            "follow_ups": [{"code": "vneid_level2", "member_id": "m1"}],
        }
    )
    for record in (home, visit, odd):
        content = stored_content(record)
        assert content == {**record.to_dict(), "status": "synced", "rejection": None}
        fp, text = identify(content)
        assert fp == fingerprint(content) == record.fingerprint()
        assert json.loads(text) == content


def mixed_batch() -> tuple[list[Household], list[Visit], list[Household], list[Visit]]:
    """(stored first, then the batch): every rule of the protocol in one batch, in an order
    where later records depend on earlier ones of the same batch."""
    h0 = household("thon-na-pan", head_name="Lý Văn Bình")
    v0 = completed_visit(h0, visited_at="2026-06-01T09:00:00.000+00:00")
    h1 = household("thon-na-pan", updated_at="2026-06-01T08:00:00.000+00:00")
    h1_newer = Household.from_dict(
        {**h1.to_dict(), "phone": "0912345678", "updated_at": "2026-07-01T08:00:00.000+00:00"}
    )
    h1_older = Household.from_dict(
        {**h1.to_dict(), "phone": "0987654321", "updated_at": "2026-05-01T08:00:00.000+00:00"}
    )
    h2 = household("thon-khon-chu", head_name="Hà Thị Lan")
    h3 = household("thon-pac-ma")  # someone else's hamlet
    h4 = household("thon-na-pan", head_name=" ")  # invalid
    h0_removed = Household.from_dict(
        {
            **h0.to_dict(),
            "removed_at": "2026-10-01T00:00:00.000+00:00",
            "removed_reason": "moved",
            "updated_at": "2026-10-01T00:00:00.000+00:00",
        }
    )
    h2_removed = Household.from_dict(
        {
            **h2.to_dict(),
            "removed_at": "2026-10-01T00:00:00.000+00:00",
            "removed_reason": "moved",
            "updated_at": "2026-10-01T00:00:00.000+00:00",
        }
    )
    v1 = completed_visit(h1, members=[adult(1990)], visited_at="2026-07-01T09:00:00.000+00:00")
    v2 = completed_visit(h1, members=[adult(1990, vneid="level1"), child()], visited_at="2026-08-01T09:00:00.000+00:00")
    v3 = other_visit(h2, "nobody_home", "2026-07-02T09:00:00.000+00:00")
    v4 = completed_visit(h0, members=[adult(1960)], visited_at="2026-05-01T09:00:00.000+00:00")  # older than v0
    v5 = completed_visit(h0, members=[adult(1960, payments=["e_wallet"])], visited_at="2026-09-01T09:00:00.000+00:00")
    v0_changed = Visit.from_dict({**v0.to_dict(), "volunteer": "someone else"})
    v6 = completed_visit(household("thon-na-pan"))  # household nobody sent
    v7 = completed_visit(h3)  # in someone else's hamlet
    v8 = other_visit(h2, "declined")
    v8.members = [adult()]  # personal data on a declined visit
    v9 = completed_visit(h2, visited_at="2026-08-02T09:00:00.000+00:00")
    v10 = Visit.from_dict({**completed_visit(h2).to_dict(), "hamlet_id": "thon-pac-ma"})
    v11 = completed_visit(h2, members=[adult(1975)], visited_at="2026-09-02T09:00:00.000+00:00")
    homes = [h1, h2, h1_newer, h1_older, h2, h3, h4, h0_removed, h2_removed]
    visits = [v1, v2, v3, v4, v5, v0, v0_changed, v6, v7, v8, v1, v9, v10, v11]
    return [h0], [v0], homes, visits


def _world(url: str) -> tuple[Any, enrolment.DeviceScope]:
    app = create_app(url)
    volunteer_id = build_commune(app)
    with app.state.sessions.begin() as session:
        code = enrolment.issue_code(session, volunteer_id)
    with app.state.sessions.begin() as session:
        scope = enrolment.enroll(session, code, "test").scope
    return app, scope


def _ingest(app: Any, scope: enrolment.DeviceScope, homes: list[Any], visits: list[Any]) -> list[Any]:
    with app.state.sessions.begin() as session:
        return ingest.ingest(
            session,
            scope,
            [h.to_dict() for h in homes],
            [v.to_dict() for v in visits],
            seq=roster.next_seq(session),
            config=default_config(),
            now=NOW,
        ).results


def _unrevised(content: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in content.items() if k != "revision"}


def _state(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """What was stored, without what depends on how records were grouped into transactions."""
    h, v, a, t = (
        models.Household.__table__,
        models.Visit.__table__,
        models.Audit.__table__,
        models.HamletTally.__table__,
    )
    with app.state.sessions() as session:

        def rows(statement: Any) -> list[tuple[Any, ...]]:  # instants compared as instants, naive or not
            return [
                tuple(as_utc(v) if isinstance(v, datetime) else v for v in row) for row in session.execute(statement)
            ]

        return {
            "households": rows(
                select(
                    h.c.id,
                    h.c.hamlet_id,
                    h.c.content,
                    h.c.fingerprint,
                    h.c.created_at,
                    h.c.updated_at,
                    h.c.removed_at,
                    h.c.created_day,
                    h.c.removed_day,
                    h.c.latest_visit_id,
                    h.c.latest_visited_at,
                    h.c.tallies,
                ).order_by(h.c.id)
            ),
            "visits": rows(
                select(
                    v.c.id,
                    v.c.household_id,
                    v.c.hamlet_id,
                    v.c.visited_at,
                    v.c.visited_day,
                    v.c.outcome,
                    v.c.content,
                    v.c.fingerprint,
                    v.c.tallies,
                ).order_by(v.c.id)
            ),
            "audit": rows(
                select(
                    a.c.kind,
                    a.c.record_id,
                    a.c.action,
                    a.c.old_fingerprint,
                    a.c.new_fingerprint,
                    a.c.old_content,
                    a.c.new_content,
                ).order_by(a.c.id)
            ),
            "tallies": rows(select(t).order_by(t.c.hamlet_id, t.c.adult_age, t.c.indicator)),
        }


def test_a_batch_decides_and_stores_what_one_record_at_a_time_would(database_url: str, tmp_path: Path) -> None:
    stored_homes, stored_visits, homes, visits = mixed_batch()
    batch_app, batch_scope = _world(database_url)
    one_app, one_scope = _world(f"sqlite:///{tmp_path / 'one-by-one.db'}")
    try:
        for app, scope in ((batch_app, batch_scope), (one_app, one_scope)):
            _ingest(app, scope, stored_homes, stored_visits)
        in_batch = _ingest(batch_app, batch_scope, homes, visits)
        one_by_one = [r for h in homes for r in _ingest(one_app, one_scope, [h], [])]
        one_by_one += [r for v in visits for r in _ingest(one_app, one_scope, [], [v])]
        assert in_batch == one_by_one
        assert [(r.kind, r.result, r.code) for r in in_batch] == [
            ("household", "accepted", ""),
            ("household", "accepted", ""),
            ("household", "accepted", ""),
            ("household", "conflict", "changed_elsewhere"),
            ("household", "duplicate", ""),
            ("household", "rejected", "hamlet_forbidden"),
            ("household", "rejected", "head_name_missing"),
            ("household", "accepted", ""),
            ("household", "accepted", ""),
            ("visit", "accepted", ""),
            ("visit", "accepted", ""),
            ("visit", "accepted", ""),
            ("visit", "accepted", ""),
            ("visit", "accepted", ""),
            ("visit", "duplicate", ""),
            ("visit", "rejected", "visit_immutable"),
            ("visit", "rejected", "household_unknown"),
            ("visit", "rejected", "hamlet_forbidden"),
            ("visit", "rejected", "declined_has_personal_data"),
            ("visit", "duplicate", ""),
            ("visit", "accepted", ""),
            ("visit", "rejected", "hamlet_forbidden"),
            ("visit", "accepted", ""),
        ]
        batch_state, one_state = _state(batch_app), _state(one_app)
        for name in batch_state:
            assert batch_state[name] == one_state[name], name
        # what is stored reads back as the domain's records, and the kept sums are its coverage
        with batch_app.state.sessions() as session:
            stored_h = [Household.from_dict(c) for c in session.scalars(select(models.Household.content))]
            stored_v = [Visit.from_dict(c) for c in session.scalars(select(models.Visit.content))]
            sums = tallies.hamlet_sums(session, ["thon-na-pan", "thon-khon-chu", "thon-pac-ma"], 18)
        sent = list(zip(homes + visits, in_batch, strict=False))
        accepted = [record for record, r in sent if r.result == "accepted"]
        kept_h = {h.id: h for h in stored_homes + [h for h in accepted if isinstance(h, Household)]}
        kept_v = {v.id: v for v in stored_visits + [v for v in accepted if isinstance(v, Visit)]}
        assert {h.id: _unrevised(stored_content(h)) for h in kept_h.values()} == {
            h.id: _unrevised(h.to_dict()) for h in stored_h
        }
        # h0 and h2 were removed on revision 1, h1's phone changed on it; h1's older edit lost
        assert {h.id: h.revision for h in stored_h} == {stored_homes[0].id: 2, homes[0].id: 2, homes[1].id: 2}
        assert {v.id: stored_content(v) for v in kept_v.values()} == {v.id: v.to_dict() for v in stored_v}
        expected = compute_coverage(hamlets(), stored_h, stored_v)
        for hamlet_id, coverage in expected.hamlets.items():
            got = sums.get(hamlet_id)
            for indicator, value in coverage.values.items():
                if indicator == "hamlets_with_team":
                    continue
                pair = got.counts[indicator] if got else [0, 0]
                assert pair == [value.numerator, value.denominator], (hamlet_id, indicator)
    finally:
        batch_app.state.engine.dispose()
        one_app.state.engine.dispose()

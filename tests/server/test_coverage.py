"""Coverage over HTTP equals `survey.indicators.compute_coverage` on the same records."""

from __future__ import annotations

from datetime import date

import pytest

from server_sync.services import admin
from survey.indicators import compute_coverage
from survey.records import Hamlet
from tests.survey.builders import adult, child, completed_visit, household, other_visit

from .conftest import HAMLETS, SERVER_NOW, World


def small_commune() -> tuple[list, list]:
    """Hand-made households and visits that exercise every definition of DESIGN §3."""
    a = household("thon-na-pan", created_at="2026-01-10T08:00:00.000+00:00")
    b = household("thon-na-pan", head_name="Lý Thị Mai", created_at="2026-02-01T08:00:00.000+00:00")
    c = household("thon-khon-chu", head_name="Nông Văn Tâm", created_at="2026-03-01T08:00:00.000+00:00")
    moved = household(
        "thon-khon-chu",
        head_name="Hà Văn Sơn",
        created_at="2026-01-05T08:00:00.000+00:00",
        removed_at="2026-08-01T08:00:00.000+00:00",
        removed_reason="moved",
    )
    late = household("thon-na-pan", head_name="Vi Thị Lan", created_at="2026-10-01T08:00:00.000+00:00")
    never = household("thon-khon-chu", head_name="Lộc Văn Nam", created_at="2026-01-20T08:00:00.000+00:00")
    visits = [
        completed_visit(
            a,
            members=[
                adult(1980),
                adult(1985, relation="spouse", vneid="level1", online="not_needed"),
                adult(2010, relation="child", phone="feature_phone", vneid="none", payments=["none"]),
                child(2018),
            ],
            visited_at="2026-05-10T09:00:00.000+00:00",
            waste="partly",
            guided=["none"],
        ),
        other_visit(a, "nobody_home", "2026-09-01T09:00:00.000+00:00"),
        completed_visit(
            b,
            members=[adult(1970)],
            business=True,
            tools=["social_sales"],
            products=[{"name": "Hồi", "promoted_online": "yes"}, {"name": "Quế", "promoted_online": "no"}],
            visited_at="2026-04-01T09:00:00.000+00:00",
        ),
        completed_visit(
            b,
            members=[adult(1970, vneid="level2", payments=["e_wallet"])],
            business=True,
            tools=["none"],
            products=[{"name": "Hồi", "promoted_online": "no"}],
            visited_at="2026-07-15T23:30:00.000+07:00",
        ),
        other_visit(c, "declined", "2026-06-01T09:00:00.000+00:00"),
        completed_visit(moved, members=[adult(1990)], visited_at="2026-06-20T09:00:00.000+00:00"),
        completed_visit(late, members=[adult(2009)], visited_at="2026-10-02T09:00:00.000+00:00"),
    ]
    return [a, b, c, moved, late, never], visits


def hamlets() -> list[Hamlet]:
    return [Hamlet(id=h, name=n, commune_code="06577", team_active_since=s) for h, n, s in HAMLETS]


def assert_same(body: dict, expected, hamlet_ids: list[str]) -> None:
    for indicator, value in expected.total.values.items():
        got = body["commune"][indicator]
        assert (got["numerator"], got["denominator"]) == (value.numerator, value.denominator), indicator
        assert got["percent"] == (None if value.percent is None else round(value.percent, 2))
    assert [h["id"] for h in body["hamlets"]] == hamlet_ids
    for hamlet in body["hamlets"]:
        for indicator, value in expected.hamlets[hamlet["id"]].values.items():
            got = hamlet["indicators"][indicator]
            assert (got["numerator"], got["denominator"]) == (value.numerator, value.denominator), (
                hamlet["id"],
                indicator,
            )


@pytest.mark.parametrize("as_of", [None, "2026-03-15", "2026-07-15", "2026-07-16", "2026-08-01", "2027-12-31"])
@pytest.mark.parametrize("adult_age", [None, 15, 18])
def test_coverage_equals_the_domains(world: World, as_of: str | None, adult_age: int | None) -> None:
    homes, visits = small_commune()
    response = world.sync(homes, visits)
    assert all(r["result"] == "accepted" for r in response.json()["results"]), response.json()["results"]
    with world.session() as session:
        commune = session.get(admin.models.Commune, "06577")
        config = admin.coverage_config(commune)
    if adult_age is not None:
        config = config.with_adult_age(adult_age)
    params = {k: v for k, v in (("as_of", as_of), ("adult_age", adult_age)) if v is not None}
    body = world.client.get("/api/v1/coverage", params=params, headers=world.auth).json()
    day = date.fromisoformat(as_of) if as_of else None
    expected = compute_coverage(hamlets(), homes, visits, as_of=day, config=config, today=SERVER_NOW.date())
    assert body["as_of"] == as_of and body["adult_age"] == config.adult_age
    assert_same(body, expected, ["thon-khon-chu", "thon-na-pan"])


def test_sync_answers_current_coverage_and_tallies_follow_every_change(world: World) -> None:
    homes, visits = small_commune()
    world.sync(homes[:3], visits[:3])
    world.sync(homes[3:], visits[3:])
    removed = household(
        "thon-na-pan",
        id=homes[0].id,
        created_at=homes[0].created_at,
        removed_at="2026-11-01T00:00:00.000+00:00",
        removed_reason="duplicate",
        updated_at="2026-11-01T00:00:00.000+00:00",
    )
    back = household(
        "thon-khon-chu",
        id=homes[3].id,
        head_name="Hà Văn Sơn",
        created_at=homes[3].created_at,
        updated_at="2026-11-02T00:00:00.000+00:00",
    )
    response = world.sync([removed, back])
    homes[0], homes[3] = removed, back
    expected = compute_coverage(hamlets(), homes, visits, today=SERVER_NOW.date())
    sent = response.json()["coverage"]["hamlets"]
    for hamlet_id, indicators in sent.items():
        for indicator, value in expected.hamlets[hamlet_id].values.items():
            assert (indicators[indicator]["numerator"], indicators[indicator]["denominator"]) == (
                value.numerator,
                value.denominator,
            ), (hamlet_id, indicator)
    body = world.client.get("/api/v1/coverage", headers=world.auth).json()
    assert_same(body, expected, ["thon-khon-chu", "thon-na-pan"])
    one = world.client.get("/api/v1/coverage", params={"hamlet": "thon-na-pan"}, headers=world.auth).json()
    assert [h["id"] for h in one["hamlets"]] == ["thon-na-pan"]


def test_no_data_is_null_never_zero(world: World) -> None:
    body = world.client.get("/api/v1/coverage", headers=world.auth).json()
    ready = body["commune"]["adults_ready"]
    assert ready == {
        "numerator": 0,
        "denominator": 0,
        "percent": None,
        "target": {"min": 90.0, "strict": False, "max": None},
        "status": "no_data",
    }

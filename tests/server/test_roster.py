"""Roster pull: changes since the cursor, each household's latest completed visit, hamlets."""

from __future__ import annotations

from tests.survey.builders import completed_visit, household, other_visit

from .conftest import World, enrol


def test_cursor_only_grows_and_returns_what_changed_since(world: World) -> None:
    first = world.sync()
    assert first.status_code == 200
    start = first.json()
    assert start["roster"]["households"] == [] and int(start["cursor"]) >= 0
    assert [h["id"] for h in start["roster"]["hamlets"]] == ["thon-khon-chu", "thon-na-pan"]

    a, b = household("thon-na-pan"), household("thon-khon-chu", head_name="Lý Thị Mai")
    early = completed_visit(a, visited_at="2026-05-01T09:00:00.000+00:00")
    latest = completed_visit(a, visited_at="2026-06-01T09:00:00.000+00:00")
    after = world.sync(
        [a, b], [latest, early, other_visit(a, "nobody_home", "2026-07-01T09:00:00.000+00:00")], cursor=start["cursor"]
    ).json()
    assert int(after["cursor"]) > int(start["cursor"])
    assert {h["id"] for h in after["roster"]["households"]} == {a.id, b.id}
    assert [v["id"] for v in after["roster"]["visits"]] == [latest.id]  # latest completed only
    assert all(h["status"] == "synced" for h in after["roster"]["households"])

    quiet = world.sync(cursor=after["cursor"]).json()
    assert quiet["roster"]["households"] == [] and int(quiet["cursor"]) >= int(after["cursor"])

    # Another phone of the same volunteer changes b: the first phone sees only b.
    token, _ = enrol(world.app, world.volunteer_id, "second phone")
    world.sync(
        [
            household(
                "thon-khon-chu",
                id=b.id,
                head_name="Lý Thị Mai",
                phone="0912345678",
                updated_at="2026-11-01T00:00:00.000+00:00",
            )
        ],
        token=token,
    )
    changed = world.sync(cursor=quiet["cursor"]).json()
    assert [h["id"] for h in changed["roster"]["households"]] == [b.id]
    assert changed["roster"]["households"][0]["phone"] == "0912345678"

    full = world.sync(cursor=None).json()
    assert {h["id"] for h in full["roster"]["households"]} == {a.id, b.id}


def test_a_cursor_from_elsewhere_gets_everything(world: World) -> None:
    home = household("thon-na-pan")
    world.sync([home])
    body = world.sync(cursor="999999").json()
    assert [h["id"] for h in body["roster"]["households"]] == [home.id]

"""Issue 12 §4, "merging duplicates loses the newer survey": the household kept takes the
newest completed visit of the two, as of any day the pair counts once from the later
creation day (before it the earlier household counts alone), every figure agrees (current
tallies, the timeline, the walk, the quarterly trend, the status lists), the phones follow,
and an undo gives back the figures as they were; through the real sync and database."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from server_sync import models
from server_sync.services import coverage, households, merges, tallies, timeline
from server_sync.web.i18n import TEXT
from tests.survey.builders import adult, completed_visit, household

from .conftest import World
from .test_households import STAFF, at, push, staff_user
from .test_web_pages import ADMIN, assert_page, desk
from .test_web_pages import STAFF as STAFF_LOGIN

HAMLET = "thon-na-pan"
MERGED_AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
DAYS = (date(2026, 4, 1), date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15), date(2026, 11, 28))
SHOWN = ("visit_coverage", "adults_ready", "households_guided")


def the_issues_pair() -> tuple[Any, Any, Any, list[Any]]:
    """The LOWER id recorded first (1/2) with an older survey (1/3, its adult without VNeID
    level 2), the higher id recorded again on 1/6 with a newer survey (1/10, ready); and a
    neighbour never visited."""
    low, high = sorted(str(uuid.uuid4()) for _ in range(2))
    older = household(HAMLET, "Hoàng Văn Tú", id=low, address="Số 4, xóm Trên", created_at=at("2026-02-01"))
    newer = household(
        HAMLET, "Hoang Van Tu", id=high, address="4 Xom Tren", phone="0912000004", created_at=at("2026-06-01")
    )
    neighbour = household(HAMLET, "Lý Thị Mai", created_at=at("2026-01-10"))
    visits = [
        completed_visit(older, members=[adult(1980, vneid="level1")], visited_at=at("2026-03-01")),
        completed_visit(
            newer, members=[adult(1980), adult(1982, relation="spouse", sex="female")], visited_at=at("2026-10-01")
        ),
    ]
    return older, newer, neighbour, visits


def figures(world: World, as_of: date | None = None) -> dict[str, tuple[int, int]]:
    """Thôn Nà Pàn's figures as the dashboard reads them (current: kept tallies; as of a
    day: the timeline), held to the walk over the records."""
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        report = coverage.report(session, commune, as_of=as_of)
        walked = coverage.walk(session, [HAMLET], as_of, 18)[HAMLET]
    found = {i: (v.numerator, v.denominator) for i, v in report.hamlets[HAMLET].values.items()}
    assert {i: found[i] for i in SHOWN} == {i: tuple(walked.counts[i]) for i in SHOWN}, as_of
    return {i: found[i] for i in SHOWN}


def quarter_ends(world: World) -> list[tuple[int, int]]:
    with world.session() as session:
        commune = session.get(models.Commune, "06577")
        trend = coverage.trend(session, commune, date(2026, 1, 1), date(2026, 9, 30), hamlet_id=HAMLET)
    return [(c.values["visit_coverage"].numerator, c.values["visit_coverage"].denominator) for _, c in trend]


@pytest.mark.parametrize("keep", ["newer", "older"])
def test_the_issues_example_the_newer_survey_keeps_counting_and_an_undo_gives_the_figures_back(
    world: World, keep: str
) -> None:
    older, newer, neighbour, visits = the_issues_pair()
    cursor = push(world, [older, newer, neighbour], visits)["cursor"]
    user = staff_user(world)
    before = {day: figures(world, day) for day in (None, *DAYS)}
    trend_before = quarter_ends(world)
    assert trend_before == [(1, 2), (1, 3), (1, 3)]
    assert before[None]["adults_ready"] == (2, 3)  # both counted: the duplicate inflates the roster
    assert before[date(2026, 7, 1)]["visit_coverage"] == (1, 3)

    kept, dropped = (newer, older) if keep == "newer" else (older, newer)
    with world.session() as session:
        merges.merge(session, kept.id, dropped.id, user, hamlet_id=HAMLET, now=MERGED_AT)

    # Today: the pair counts once, from the newer survey (1/10, two ready adults), whichever is kept.
    assert figures(world) == {"visit_coverage": (1, 2), "adults_ready": (2, 2), "households_guided": (1, 1)}
    # Before the newer record existed, the older household counts alone, as it did.
    assert figures(world, date(2026, 4, 1)) == before[date(2026, 4, 1)]
    # Between the second record and the merge: counted once, from the survey of that day (1/3).
    assert figures(world, date(2026, 7, 1)) == {
        "visit_coverage": (1, 2),
        "adults_ready": (0, 1),
        "households_guided": (1, 1),
    }
    assert figures(world, date(2026, 10, 15)) == figures(world, date(2026, 11, 28)) == figures(world)
    assert quarter_ends(world) == [(1, 2), (1, 2), (1, 2)]  # the trend agrees: the pair once from 1/6
    with world.session() as session:
        status = households.hamlet_status(session, HAMLET, fields=STAFF)
        assert (status.roster, status.completed) == (2, 1)
        assert [s.household_id for s in status.not_visited] == [neighbour.id]
        assert session.get(models.Household, kept.id).latest_visit_id == visits[1].id
        assert session.scalars(select(models.Visit.household_id).order_by(models.Visit.visited_at)).all() == [
            older.id,
            newer.id,
        ]  # visits stay where they were recorded
        audit = session.scalars(select(models.Audit).where(models.Audit.action == "dup_merged")).all()
        assert {(a.record_id, a.staff_user_id) for a in audit} == {(kept.id, user), (dropped.id, user)}
        assert all(a.new_content["kept"] == kept.id and a.new_content["dropped"] == dropped.id for a in audit)
        [pair] = merges.merged_pairs(session, HAMLET, fields=STAFF)
        assert (pair.kept_id, pair.dropped_id) == (kept.id, dropped.id)

    now = {day: figures(world, day) for day in (None, *DAYS)}
    with world.session() as session:  # what an upgrade or a change of zone recomputes from the records
        tallies.rebuild(session)
        timeline.rebuild(session)
    assert {day: figures(world, day) for day in (None, *DAYS)} == now

    pulled = world.sync(cursor=cursor).json()
    gone = {h["id"]: h for h in pulled["roster"]["households"]}[dropped.id]
    assert (gone["removed_reason"], gone["removed_at"]) == ("duplicate", "2026-11-29T03:00:00.000+00:00")

    with world.session() as session:
        merges.undo(session, pair.merge_id, user, hamlet_id=HAMLET, now=MERGED_AT)
    assert {day: figures(world, day) for day in (None, *DAYS)} == before
    assert quarter_ends(world) == trend_before
    back = {h["id"]: h for h in world.sync(cursor=pulled["cursor"]).json()["roster"]["households"]}[dropped.id]
    assert (back["removed_reason"], back["removed_at"]) == (None, None)  # the phones take it back
    with world.session() as session:
        assert merges.merged_pairs(session, HAMLET, fields=STAFF) == []
        assert session.get(models.Household, older.id).latest_visit_id == visits[0].id
        undone = session.scalars(select(models.Audit).where(models.Audit.action == "dup_unmerged")).all()
        assert {a.record_id for a in undone} == {kept.id, dropped.id}


def test_a_late_visit_to_the_dropped_household_counts_for_the_kept_one(world: World) -> None:
    older, newer, neighbour, visits = the_issues_pair()
    push(world, [older, newer, neighbour], visits[:1])
    user = staff_user(world)
    with world.session() as session:
        merges.merge(session, older.id, newer.id, user, hamlet_id=HAMLET, now=MERGED_AT)
    assert figures(world)["adults_ready"] == (0, 1)
    push(world, [], visits[1:])  # recorded on 1/10 on a phone that had not synced since
    assert figures(world)["adults_ready"] == (2, 2)
    assert figures(world, date(2026, 10, 15))["adults_ready"] == (2, 2)


def test_an_undo_of_another_hamlet_or_twice_and_a_chain_of_merges_are_refused(world: World) -> None:
    older, newer, neighbour, visits = the_issues_pair()
    push(world, [older, newer, neighbour], visits)
    user = staff_user(world)
    with world.session() as session:
        merge_id = merges.merge(session, newer.id, older.id, user, hamlet_id=HAMLET, now=MERGED_AT)
    with pytest.raises(households.AdminError), world.session() as session:
        merges.undo(session, merge_id, user, hamlet_id="thon-khon-chu")
    third = household(HAMLET, "Hoàng Văn Tú", address="Số 4 xóm Trên")
    push(world, [third])
    with pytest.raises(households.AdminError), world.session() as session:  # a chain: keep the kept one instead
        merges.merge(session, third.id, newer.id, user, hamlet_id=HAMLET, now=MERGED_AT)
    with world.session() as session:
        merges.merge(session, newer.id, third.id, user, hamlet_id=HAMLET, now=MERGED_AT)
        merges.undo(session, merge_id, user, hamlet_id=HAMLET, now=MERGED_AT)
    with pytest.raises(households.AdminError), world.session() as session:
        merges.undo(session, merge_id, user, hamlet_id=HAMLET, now=MERGED_AT)


# -- the pages ----------------------------------------------------------------------------------


def test_the_merge_page_chooses_the_newer_survey_asks_for_confirmation_and_can_be_undone(office: World) -> None:
    older, newer, neighbour, visits = the_issues_pair()
    far = household("thon-khon-chu", "Hoàng Văn Tú")
    push(office, [older, newer, neighbour, far], visits)
    before = {day: figures(office, day) for day in (None, *DAYS)}
    boss, clerk = desk(office.client, ADMIN), desk(office.client, STAFF_LOGIN)
    url = f"/dash/hamlets/{HAMLET}/duplicates/{older.id}/{newer.id}"

    page = boss.get(url)
    assert page.status_code == 200
    sides = {m[0]: m[1] for m in re.findall(r'<section data-side="([^"]+)"(.*?)</section>', page.text, re.S)}
    assert set(sides) == {older.id, newer.id}
    assert 'data-suggested="newer_visit"' in sides[newer.id] and "checked" in sides[newer.id]
    assert "data-suggested" not in sides[older.id] and "checked" not in sides[older.id]
    assert TEXT["merge_why_newer_visit"][0] in sides[newer.id]
    assert "0912000004" in sides[newer.id] and "Số 4, xóm Trên" in sides[older.id]  # the admin sees the phone
    assert "1982" in sides[newer.id] and "1982" not in sides[older.id]  # members of each one's latest survey
    assert "01/10/2026" in sides[newer.id] and "01/03/2026" in sides[older.id]  # their visits, day first
    assert 'style="' not in page.text and "<script>" not in page.text  # the CSP holds: no inline style or script
    english = boss.get(f"{url}?lang=en").text
    assert TEXT["merge_why_newer_visit"][1] in html.unescape(english) and TEXT["merge_title"][1] in english

    assert_page(clerk.get(url), 403, "role_forbidden")
    assert_page(clerk.post(url, {"keep": newer.id, "confirm": "yes", "csrf": clerk.csrf()}), 403, "role_forbidden")
    assert_page(boss.get(f"/dash/hamlets/{HAMLET}/duplicates/{older.id}/{far.id}"), 404, "not_found")
    assert_page(boss.post(url, {"keep": far.id, "csrf": boss.csrf()}), 422, "schema_invalid")

    confirming = boss.post(url, {"keep": newer.id, "csrf": boss.csrf()})  # the choice alone merges nothing
    assert confirming.status_code == 200
    kept = confirming.text.split('data-role="kept"')[1].split("</section>")[0]
    dropped = confirming.text.split('data-role="dropped"')[1].split("</section>")[0]
    assert newer.id in kept and older.id in dropped
    assert TEXT["merge_will_count"][0] in confirming.text and TEXT["merge_can_undo"][0] in confirming.text
    assert 'name="confirm" value="yes"' in confirming.text
    assert figures(office) == before[None]
    with office.session() as session:
        assert session.get(models.Household, older.id).removed_at is None
        assert session.scalars(select(models.HouseholdMerge)).all() == []

    done = boss.post(url, {"keep": newer.id, "confirm": "yes", "csrf": boss.csrf()})
    assert done.status_code == 303 and done.headers["location"] == f"/dash/hamlets/{HAMLET}?done=merged#merged"
    assert figures(office)["adults_ready"] == (2, 2)  # the newer survey counts today
    assert figures(office, date(2026, 4, 1)) == before[date(2026, 4, 1)]

    hamlet = boss.get(f"/dash/hamlets/{HAMLET}").text
    merged = hamlet.split('<section aria-labelledby="merged">')[1].split("</section>")[0]
    [merge_id] = re.findall(rf'data-merge-id="(\d+)" data-kept="{newer.id}" data-dropped="{older.id}"', merged)
    undo = f"/dash/hamlets/{HAMLET}/merges/{merge_id}/undo"
    assert_page(boss.post(undo, {}), 403, "csrf_invalid")
    assert_page(clerk.post(undo, {"csrf": clerk.csrf()}), 403, "role_forbidden")
    assert (
        "<form"
        not in clerk.get(f"/dash/hamlets/{HAMLET}").text.split('aria-labelledby="merged"')[1].split("</section>")[0]
    )
    back = boss.post(undo, {"csrf": boss.csrf()})
    assert back.status_code == 303 and back.headers["location"] == f"/dash/hamlets/{HAMLET}?done=unmerged#merged"
    assert {day: figures(office, day) for day in (None, *DAYS)} == before
    assert_page(boss.post(undo, {"csrf": boss.csrf()}), 404, "not_found")  # once undone, nothing to undo
    with office.session() as session:
        actions = session.scalars(
            select(models.Audit.action).where(
                models.Audit.record_id == older.id, models.Audit.staff_user_id.is_not(None)
            )
        ).all()
        assert sorted(actions) == ["dup_merged", "dup_unmerged", "updated", "updated"]


def test_a_phone_that_puts_the_dropped_household_back_undoes_the_merge_and_the_figures_agree(world: World) -> None:
    older, newer, neighbour, visits = the_issues_pair()
    cursor = push(world, [older, newer, neighbour], visits)["cursor"]
    user = staff_user(world)
    before = {day: figures(world, day) for day in (None, *DAYS)}
    with world.session() as session:
        merges.merge(session, newer.id, older.id, user, hamlet_id=HAMLET, now=MERGED_AT)
    pulled = {h["id"]: h for h in world.sync(cursor=cursor).json()["roster"]["households"]}[older.id]
    restored = {**pulled, "removed_at": None, "removed_reason": None, "updated_at": "2026-11-29T04:00:00.000+00:00"}
    push(world, [restored])  # issue 11: the volunteer says it is a household of its own
    today = figures(world)
    assert today == figures(world, date(2026, 11, 29)) == before[None]  # current and as of today agree
    assert {day: figures(world, day) for day in DAYS} == {day: before[day] for day in DAYS}
    with world.session() as session:
        assert merges.merged_pairs(session, HAMLET, fields=STAFF) == []
        audit = session.scalars(select(models.Audit).where(models.Audit.action == "dup_unmerged")).all()
        assert {(a.record_id, a.device_id) for a in audit} == {(newer.id, world.device_id), (older.id, world.device_id)}


def test_merge_links_are_read_a_few_hundred_households_at_a_time(world: World) -> None:
    """bench/dashboard.py's walk over 500,000 households passed every id in one IN list,
    beyond SQLite's limit on variables: asked in parts, the answer is the same."""
    from server_sync.services import timeline

    with world.session() as session:
        many = [f"h{k:07d}" for k in range(40_007)]  # one IN list of these: 80,014 variables, beyond both limits
        assert timeline.merge_links(session, many) == []  # no error, whatever the count

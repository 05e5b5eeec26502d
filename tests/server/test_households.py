"""The hamlet page's data: status lists, follow-ups, likely duplicates (dismiss, merge) and
volunteer activity, on small hand-built hamlets whose expected answers are counted by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, select, update

from server_sync import models
from server_sync.services import coverage, enrolment, followups, households
from server_sync.services.admin import AdminError, add_volunteer
from survey import checklist as checklists
from survey.records import FollowUp
from survey.times import as_utc
from tests.survey.builders import adult, completed_visit, household, other_visit

from .conftest import World, enrol

STAFF = frozenset({"head_name", "address"})
ADMIN = frozenset({"head_name", "address", "phone"})


def at(day: str, time: str = "09:00:00") -> str:
    return f"{day}T{time}.000+00:00"


def push(world: World, homes: list[Any], visits: list[Any] = (), token: str | None = None) -> dict:
    body = world.sync(homes, visits, token=token).json()
    assert all(r["result"] == "accepted" for r in body["results"]), body["results"]
    return body


def staff_user(world: World) -> int:
    with world.session() as session:
        user = models.StaffUser(
            commune_code="06577",
            username="admin",
            name="Cán bộ xã",
            role="admin",
            password_hash="not-a-real-hash",
            created_at=datetime.now(UTC),
        )
        session.add(user)
        session.flush()
        return user.id


# -- 1. the hamlet's status -------------------------------------------------------------------


def status_hamlet() -> tuple[dict[str, Any], list[Any]]:
    """Thôn Nà Pàn: 8 households on the roster, 2 of them completed; plus a removed one and a
    household of another hamlet that must not show."""
    h = {
        "done": household("thon-na-pan", "Nguyễn Văn An", phone="0912345678", address="Xóm Trên"),
        "done_then_away": household("thon-na-pan", "Lý Thị Mai"),
        "never_new": household("thon-na-pan", "Vi Văn Ba", created_at=at("2026-03-01")),
        "never_old": household("thon-na-pan", "Hà Thị Tư", created_at=at("2026-02-01")),
        "away": household("thon-na-pan", "Lộc Văn Năm"),
        "away_old": household("thon-na-pan", "Nông Văn Sáu"),
        "declined": household("thon-na-pan", "Hoàng Thị Bảy"),
        "declined_then_away": household("thon-na-pan", "Lương Văn Tám"),
        "removed": household("thon-na-pan", "Đinh Văn Chín", removed_at=at("2026-05-01"), removed_reason="moved"),
        "elsewhere": household("thon-khon-chu", "Chu Văn Mười"),
    }
    visits = [
        completed_visit(h["done"], visited_at=at("2026-11-20")),
        completed_visit(h["done_then_away"], visited_at=at("2026-06-01")),
        other_visit(h["done_then_away"], "nobody_home", at("2026-11-01")),
        other_visit(h["away"], "nobody_home", at("2026-10-01")),
        other_visit(h["away"], "nobody_home", "2026-11-10T23:30:00.000+07:00"),
        other_visit(h["away_old"], "nobody_home", at("2026-09-01")),
        other_visit(h["declined"], "nobody_home", at("2026-08-01")),
        other_visit(h["declined"], "declined", at("2026-09-15")),
        other_visit(h["declined_then_away"], "declined", at("2026-07-01")),
        other_visit(h["declined_then_away"], "nobody_home", at("2026-10-15")),
    ]
    return h, visits


def test_hamlet_status_lists_whom_to_chase_longest_waiting_first(world: World) -> None:
    h, visits = status_hamlet()
    push(world, list(h.values()), visits)
    with world.session() as session:
        status = households.hamlet_status(session, "thon-na-pan", fields=STAFF)
    assert (status.hamlet_id, status.roster, status.completed) == ("thon-na-pan", 8, 2)
    assert [s.household_id for s in status.not_visited] == [h["never_old"].id, h["never_new"].id]
    assert [s.household_id for s in status.to_revisit] == [h["away_old"].id, h["declined_then_away"].id, h["away"].id]
    assert [s.household_id for s in status.declined] == [h["declined"].id]
    assert status.completed + len(status.not_visited) + len(status.to_revisit) + len(status.declined) == status.roster

    away = status.to_revisit[2]
    assert (away.attempts, away.last_visit_on, away.last_outcome) == (2, date(2026, 11, 10), "nobody_home")
    assert away.waiting_since == date(2026, 11, 10)  # the day in the offset it was recorded with
    never = status.not_visited[0]
    assert (never.attempts, never.last_visit_on, never.last_outcome) == (0, None, None)
    assert never.waiting_since == never.created_on == date(2026, 2, 1)
    declined = status.declined[0]
    assert (declined.attempts, declined.last_outcome, declined.last_visit_on) == (2, "declined", date(2026, 9, 15))
    assert (away.head_name, away.address, away.phone) == ("Lộc Văn Năm", "", None)  # staff: no phone


def test_hamlet_status_shows_only_the_fields_the_role_may_see(world: World) -> None:
    home = household("thon-na-pan", "Nguyễn Văn An", phone="0912345678", address="Xóm Trên")
    push(world, [home])
    with world.session() as session:
        admin_view = households.hamlet_status(session, "thon-na-pan", fields=ADMIN).not_visited[0]
        staff_view = households.hamlet_status(session, "thon-na-pan", fields=STAFF).not_visited[0]
        bare = households.hamlet_status(session, "thon-na-pan", fields=frozenset()).not_visited[0]
    assert (admin_view.head_name, admin_view.address, admin_view.phone) == ("Nguyễn Văn An", "Xóm Trên", "0912345678")
    assert (staff_view.head_name, staff_view.address, staff_view.phone) == ("Nguyễn Văn An", "Xóm Trên", None)
    assert (bare.head_name, bare.address, bare.phone) == (None, None, None)
    assert bare.household_id == home.id


def test_an_unknown_hamlet_is_refused(world: World) -> None:
    with world.session() as session:
        for call in (
            lambda: households.hamlet_status(session, "thon-khong-co", fields=STAFF),
            lambda: households.likely_duplicates(session, "thon-khong-co"),
            lambda: households.volunteer_activity(session, "thon-khong-co", today=date(2026, 11, 24)),
        ):
            with pytest.raises(AdminError):
                call()


def test_the_hamlet_page_reads_in_a_few_queries_whatever_its_size(world: World) -> None:
    homes = [household("thon-na-pan", f"Hộ số {n}", phone=f"09{n:08d}") for n in range(60)]
    visits = [other_visit(home, "nobody_home", at("2026-10-01")) for home in homes[::2]]
    visits += [completed_visit(home, visited_at=at("2026-10-02"), waste="no") for home in homes[::3]]
    push(world, homes, visits)
    engine = world.app.state.engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].startswith(("PRAGMA", "BEGIN")):  # a transaction's own settings are not reads
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        with world.session() as session:
            for read in (
                lambda: households.hamlet_status(session, "thon-na-pan", fields=ADMIN),
                lambda: households.follow_ups(session, "06577", hamlet_id="thon-na-pan", fields=ADMIN),
                lambda: households.likely_duplicates(session, "thon-na-pan"),
                lambda: households.volunteer_activity(session, "thon-na-pan", today=date(2026, 11, 24)),
            ):
                statements.clear()
                read()
                assert len(statements) <= 5, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# -- 2. open follow-ups ---------------------------------------------------------------------


def test_follow_ups_come_from_each_roster_households_latest_completed_visit(world: World) -> None:
    an = household("thon-na-pan", "Nguyễn Văn An", phone="0912345678")
    mai = household("thon-na-pan", "Lý Thị Mai", phone="0987654321")
    tam = household("thon-khon-chu", "Nông Văn Tâm")
    gone = household("thon-na-pan", "Hà Văn Sơn", removed_at=at("2026-11-01"), removed_reason="moved")
    spouse = adult(1985, relation="spouse", vneid="level1")
    latest_an = completed_visit(
        an,
        members=[adult(1980), spouse],
        waste="partly",
        visited_at=at("2026-11-20"),
        follow_ups=[FollowUp(code="online_safety")],
    )
    mai_head = adult(1970, phone="feature_phone")
    visits = [
        completed_visit(an, members=[adult(1980, vneid="none")], visited_at=at("2026-05-01")),  # superseded
        latest_an,
        other_visit(an, "nobody_home", at("2026-11-22")),  # does not erase the completed visit
        completed_visit(mai, members=[mai_head], visited_at=at("2026-09-01")),
        completed_visit(tam, members=[adult(1990)], guided=["none"], visited_at=at("2026-10-01")),
        completed_visit(gone, members=[adult(1990, vneid="none")], visited_at=at("2026-06-01")),
    ]
    push(world, [an, mai, tam, gone], visits)
    with world.session() as session:
        na_pan = households.follow_ups(session, "06577", hamlet_id="thon-na-pan", fields=STAFF)
        commune = households.follow_ups(session, "06577", fields=ADMIN)
        elsewhere = households.follow_ups(session, "99999", fields=ADMIN)

    assert [(r.household_id, r.member_id, r.code) for r in na_pan] == [
        (mai.id, mai_head.id, "smartphone_access"),  # "ly thi mai" sorts before "nguyen van an"
        (an.id, None, "online_safety"),  # household needs first, in catalogue order
        (an.id, None, "waste_sorting_instructions"),
        (an.id, spouse.id, "upgrade_vneid_level2"),
    ]
    definition = checklists.load(1)
    spouse_row = na_pan[3]
    assert spouse_row.relation == next(c.label for c in definition.question("relation").choices if c.value == "spouse")
    assert spouse_row.birth_year == 1985
    assert spouse_row.label == next(i.label for i in definition.catalogue if i.code == "upgrade_vneid_level2")
    assert (spouse_row.visited_on, spouse_row.visit_id) == (date(2026, 11, 20), latest_an.id)
    assert (spouse_row.hamlet_id, spouse_row.head_name, spouse_row.phone) == ("thon-na-pan", "Nguyễn Văn An", None)
    assert na_pan[1].relation is None and na_pan[1].birth_year is None

    # The commune: Khòn Chu's rows first (hamlets by name), the removed household nowhere.
    assert [(r.household_id, r.code) for r in commune] == [(tam.id, "essential_digital_services")] + [
        (r.household_id, r.code) for r in na_pan
    ]
    assert commune[1].phone == "0987654321"
    assert elsewhere == []


def test_the_follow_up_sheet_has_no_column_the_role_may_not_see(world: World) -> None:
    an = household("thon-na-pan", "Nguyễn Văn An", phone="0912345678", address="Xóm Trên")
    push(world, [an], [completed_visit(an, members=[adult(1980, vneid="level1")], visited_at=at("2026-11-20"))])
    with world.session() as session:
        staff_rows = households.follow_ups(session, "06577", fields=STAFF)
        admin_rows = households.follow_ups(session, "06577", fields=ADMIN)
        bare_rows = households.follow_ups(session, "06577", fields=frozenset())

    staff_vi = households.follow_up_sheet(staff_rows, "vi")
    admin_en = households.follow_up_sheet(admin_rows, "en")
    bare = households.follow_up_sheet(bare_rows, "vi")
    assert len(admin_en.header) == len(staff_vi.header) + 1 == len(bare.header) + 3
    assert len(staff_vi.rows) == len(admin_en.rows) == 1
    assert "0912345678" in admin_en.rows[0] and "0912345678" not in staff_vi.rows[0]
    assert "Nguyễn Văn An" in staff_vi.rows[0] and "Nguyễn Văn An" not in bare.rows[0]
    label = next(i.label for i in checklists.load(1).catalogue if i.code == "upgrade_vneid_level2")
    assert label.vi in staff_vi.header and label.en in admin_en.header
    assert staff_vi.header != admin_en.header[: len(staff_vi.header)]  # a header in each language
    assert all(len(row) == len(staff_vi.header) for row in staff_vi.rows)
    # Explicit fields win over what the rows carry: an empty staff export has no phone column either.
    empty_staff = households.follow_up_sheet([], "en", fields=STAFF)
    empty_admin = households.follow_up_sheet([], "en", fields=ADMIN)
    assert len(empty_admin.header) == len(empty_staff.header) + 1 == len(admin_en.header) - 1  # no need column
    assert "Phone" not in households.follow_up_sheet(admin_rows, "en", fields=STAFF).header
    assert "Phone" in empty_admin.header and empty_admin.rows == []


def test_the_follow_up_sheet_has_a_row_per_household_and_a_column_per_need(world: World) -> None:
    """Issue 12 §6: the commune's file had a row per follow-up (19,000 rows for 4,000
    households, ~3 s to write); a volunteer helps a household with everything at once."""
    an = household("thon-na-pan", "Nguyễn Văn An", phone="0912345678")
    mai = household("thon-na-pan", "Lý Thị Mai")
    spouse = adult(1985, relation="spouse", vneid="level1")
    child = adult(2004, relation="child", vneid="level1")
    visits = [
        completed_visit(
            an,
            members=[adult(1980), spouse, child],
            waste="partly",
            visited_at=at("2026-11-20"),
            follow_ups=[FollowUp(code="online_safety")],
        ),
        completed_visit(mai, members=[adult(1970, phone="feature_phone")], visited_at=at("2026-09-01")),
    ]
    push(world, [an, mai], visits)
    with world.session() as session:
        rows = households.follow_ups(session, "06577", fields=ADMIN)
        only_vneid = households.follow_ups(session, "06577", need="upgrade_vneid_level2", fields=STAFF)
    assert len(rows) == 5  # a row per follow-up: Mai's smartphone; An's two household needs, two members'

    definition = checklists.load(1)
    relation = {c.value: c.label.vi for c in definition.question("relation").choices}
    need = {i.code: i.label.vi for i in definition.catalogue}
    sheet = households.follow_up_sheet(rows, "vi", fields=ADMIN)
    assert sheet.header == [
        "Thôn",
        "Chủ hộ",
        "Địa chỉ",
        "Điện thoại",
        "Ngày khảo sát",
        need["upgrade_vneid_level2"],
        need["smartphone_access"],
        need["online_safety"],
        need["waste_sorting_instructions"],
        "Mã hộ",
    ]  # the needs found, in catalogue order
    assert list(sheet.groups[5:9]) == ["Việc cần hỗ trợ (ai cần)"] * 4 and set(sheet.groups[:5]) == {""}
    assert sheet.narrow_columns == frozenset({5, 6, 7, 8}) and sheet.text_columns == frozenset({3, 9})
    assert [list(r) for r in sheet.rows] == [
        ["Thôn Nà Pàn", "Lý Thị Mai", "", "", date(2026, 9, 1), None, f"{relation['head']} (1970)", None, None, mai.id],
        [
            "Thôn Nà Pàn",
            "Nguyễn Văn An",
            "",
            "0912345678",
            date(2026, 11, 20),
            f"{relation['spouse']} (1985); {relation['child']} (2004)",
            None,
            "Cả hộ",
            "Cả hộ",
            an.id,
        ],
    ]
    # Filtered by a need: that need's column alone.
    filtered = households.follow_up_sheet(only_vneid, "en", fields=STAFF)
    assert filtered.header[-2:] == [definition.catalogue_label("upgrade_vneid_level2", "en"), "Household id"]
    assert [r[1] for r in filtered.rows] == ["Nguyễn Văn An"] and len(filtered.header) == 6


def test_the_kept_follow_ups_are_the_ones_derived_from_the_visits(world: World) -> None:
    """The download reads the follow-ups the pages count (`visit_need`) once they are taken
    in, and derives them only when they are behind: both give the same rows, in one order."""
    h, visits = status_hamlet()
    tam = household("thon-khon-chu", "Nông Văn Tâm", phone="0911111111")
    an = household("thon-na-pan", "Nguyễn Văn An", phone="0912345678", address="Xóm Trên")
    spouse = adult(1985, relation="spouse", vneid="level1")
    push(world, [*h.values(), tam, an], visits)
    push(
        world,
        [],
        [
            completed_visit(
                an, members=[adult(1980, vneid="none"), spouse], waste="partly", visited_at=at("2026-11-20")
            ),
            completed_visit(
                tam, members=[adult(1990, phone="feature_phone")], guided=["none"], visited_at=at("2026-10-01")
            ),
        ],
    )
    with world.session() as session:
        assert followups.behind(session, "06577") > 0  # not yet taken in
        followups.catch_up(session, "06577")
        session.commit()
    with world.session() as session:
        assert followups.behind(session, "06577") == 0
        for fields in (ADMIN, STAFF, frozenset()):
            for scope in (
                {},
                {"hamlet_id": "thon-na-pan"},
                {"need": "upgrade_vneid_level2"},
                {"hamlet_id": "thon-xau"},
            ):
                derived = households.follow_ups(session, "06577", fields=fields, **scope)
                kept = followups.kept_follow_ups(session, "06577", fields=fields, **scope)
                assert kept == derived, (fields, scope)
        everything = followups.kept_follow_ups(session, "06577", fields=ADMIN)
        assert {r.household_id for r in everything} >= {an.id, tam.id}
        assert followups.kept_follow_ups(session, "99999", fields=ADMIN) == []


# -- 3. likely duplicates ---------------------------------------------------------------------


def duplicate_hamlet() -> dict[str, Any]:
    return {
        "an": household("thon-na-pan", "Nguyễn Văn An", phone="0912 345 678"),
        "an_plain": household("thon-na-pan", "Nguyen Van  An", phone="+84912345678"),
        "an_short": household("thon-na-pan", "Nguyễn An", phone="0912.345.678"),
        "an_no_phone": household("thon-na-pan", "nguyễn văn an"),
        "an_other_phone": household("thon-na-pan", "Nguyễn Văn An", phone="0987654321"),
        "mai_same_phone": household("thon-na-pan", "Lý Thị Mai", phone="0912345678"),
        "thanh": household("thon-na-pan", "Lương Văn Thành", phone="0911111111"),
        "thanh_typo": household("thon-na-pan", "Lương Văn Thàn", phone="0911111111"),
        "hung": household("thon-na-pan", "Đinh Văn Hùng", phone="0922222222"),
        "hoa": household("thon-na-pan", "Đinh Thị Hoa", phone="0922222222"),
        "an_removed": household(
            "thon-na-pan", "Nguyễn Văn An", phone="0912345678", removed_at=at("2026-05-01"), removed_reason="duplicate"
        ),
        "an_elsewhere": household("thon-khon-chu", "Nguyễn Văn An"),
    }


def pairs(found: list[households.DuplicatePair], h: dict[str, Any]) -> list[tuple[frozenset[str], tuple[str, ...]]]:
    """Each pair found as (the two households' keys in `h`, the evidence for it)."""
    name = {home.id: key for key, home in h.items()}
    return [(frozenset({name[p.first.household_id], name[p.second.household_id]}), p.likeness.for_) for p in found]


def test_likely_duplicates_by_similar_name_and_same_phone_or_same_name_without_phone(world: World) -> None:
    h = duplicate_hamlet()
    push(
        world,
        list(h.values()),
        [completed_visit(h["an"], visited_at=at("2026-11-01")), other_visit(h["an"], "nobody_home", at("2026-11-05"))],
    )
    with world.session() as session:
        found = households.likely_duplicates(session, "thon-na-pan", fields=ADMIN)
    got = pairs(found, h)
    same = {(frozenset({"an", "an_plain"}), ("same_name", "same_phone"))}
    similar = {
        (frozenset(p), ("same_phone", "similar_name"))
        for p in [("an", "an_short"), ("an_plain", "an_short"), ("thanh", "thanh_typo")]
    }
    name_only = {
        (frozenset(p), ("same_name",))
        for p in [("an", "an_no_phone"), ("an_plain", "an_no_phone"), ("an_other_phone", "an_no_phone")]
    }
    assert set(got) == same | similar | name_only and len(got) == 7
    assert [p.likeness.score for p in found] == [12, 10, 10, 10, 6, 6, 6]  # strongest first
    # Not pairs: one name with two phones (an, an_other_phone), one phone under other names
    # (an, mai_same_phone; hung, hoa).
    assert all(p.first.household_id < p.second.household_id for p in found)
    side = next(s for p in found for s in (p.first, p.second) if s.household_id == h["an"].id)
    assert (side.visits, side.completed_on, side.phone) == (2, date(2026, 11, 1), "0912 345 678")
    with world.session() as session:
        assert all(
            s.phone is None for p in households.likely_duplicates(session, "thon-na-pan") for s in (p.first, p.second)
        )  # staff's default: no phone


def test_look_alike_households_cost_bounded_work_and_the_strongest_pairs_come_first(world: World) -> None:
    # 400 households typed in under one placeholder name: 79,800 pairs. A page shows the
    # strongest `limit`, after at most `checks` pairs looked at, never all of them.
    same = [household("thon-na-pan", "Chủ hộ") for _ in range(400)]
    twins = [
        household("thon-na-pan", "Lò Văn Sáu", phone="0912000111"),
        household("thon-na-pan", "Lo Van Sau", phone="+84 912 000 111"),
    ]
    push(world, same + twins)
    with world.session() as session:
        found = households.likely_duplicates(session, "thon-na-pan")
        few = households.likely_duplicates(session, "thon-na-pan", limit=500, checks=120)
    assert len(found) == households.DUPLICATES_SHOWN == 200
    assert {found[0].first.household_id, found[0].second.household_id} == {t.id for t in twins}
    assert found[0].likeness.for_ == ("same_name", "same_phone")
    assert {p.likeness.for_ for p in found[1:]} == {("same_name",)}
    assert len({(p.first.household_id, p.second.household_id) for p in found}) == 200
    assert all(p.first.household_id < p.second.household_id for p in found)
    # The twins share a name and a phone, so they are met twice among the 120 pairs looked
    # at (the smallest groups first); the other 118 are of the placeholder name.
    assert len(few) == 119 and few[0].likeness.for_ == ("same_name", "same_phone")


def test_dismissing_a_pair_hides_it_once_in_either_order(world: World) -> None:
    h = duplicate_hamlet()
    push(world, list(h.values()))
    user = staff_user(world)
    with world.session() as session:
        assert (
            households.dismiss_duplicate(session, h["an_plain"].id, h["an"].id, user, hamlet_id="thon-na-pan") is True
        )
    with world.session() as session:
        assert (
            households.dismiss_duplicate(session, h["an"].id, h["an_plain"].id, user, hamlet_id="thon-na-pan") is False
        )
        rows = session.scalars(select(models.DuplicateDismissal)).all()
        assert [(r.first_id, r.second_id, r.staff_user_id) for r in rows] == [
            (*sorted((h["an"].id, h["an_plain"].id)), user)
        ]
        got = pairs(households.likely_duplicates(session, "thon-na-pan"), h)
    assert (frozenset({"an", "an_plain"}), ("same_name", "same_phone")) not in got
    assert (frozenset({"an", "an_short"}), ("same_phone", "similar_name")) in got
    for a, b in (("an", "an"), ("an", "an_elsewhere")):
        with pytest.raises(AdminError), world.session() as session:
            households.dismiss_duplicate(session, h[a].id, h[b].id, user, hamlet_id="thon-na-pan")
    with pytest.raises(AdminError), world.session() as session:
        households.dismiss_duplicate(session, h["an"].id, "no-such-household", user, hamlet_id="thon-na-pan")


def test_merging_takes_the_duplicate_off_the_roster_and_the_kept_one_counts_its_survey(world: World) -> None:
    keep = household("thon-na-pan", "Nguyễn Văn An", phone="0912345678")
    drop = household(
        "thon-na-pan", "Nguyen Van An", phone="+84912345678", updated_at="2026-11-20T09:00:00.000+00:00"
    )  # later than the merge: revisions order edits
    other = household("thon-na-pan", "Lý Thị Mai")
    visits = [
        completed_visit(drop, members=[adult(1980)], visited_at=at("2026-10-01")),
        completed_visit(other, members=[adult(1975, vneid="level1")], visited_at=at("2026-10-02")),
    ]
    cursor = push(world, [keep, drop, other], visits)["cursor"]
    user = staff_user(world)

    def na_pan(as_of: date | None = None) -> dict[str, tuple[int, int]]:
        with world.session() as session:
            report = coverage.report(session, session.get(models.Commune, "06577"), as_of=as_of)
        return {i: (v.numerator, v.denominator) for i, v in report.hamlets["thon-na-pan"].values.items()}

    before = na_pan()
    assert before["visit_coverage"] == (2, 3) and before["adults_ready"] == (1, 2)
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    with world.session() as session:
        households.merge_duplicate(session, keep.id, drop.id, user, hamlet_id="thon-na-pan", now=now)

    after = na_pan()  # issue 12 §4: the kept household takes the dropped one's survey, nothing falls
    assert after["visit_coverage"] == (2, 2) and after["adults_ready"] == (1, 2)
    # both were created on 10/1: as of any day since, the pair counts once
    assert na_pan(date(2026, 11, 20)) == after and na_pan(date(2026, 11, 19)) == after
    with world.session() as session:
        stored = session.get(models.Household, drop.id)
        assert (as_utc(stored.removed_at), stored.content["removed_reason"]) == (now, "duplicate")
        assert (stored.revision, stored.content["revision"]) == (2, 2)
        audit = session.scalars(
            select(models.Audit).where(models.Audit.record_id == drop.id, models.Audit.action == "updated")
        ).one()
        assert (audit.staff_user_id, audit.device_id) == (user, None)
        assert audit.new_content["removed_reason"] == "duplicate" and audit.old_content["removed_reason"] is None
        assert session.scalar(select(models.Visit.id).where(models.Visit.household_id == drop.id)) == visits[0].id
        assert households.likely_duplicates(session, "thon-na-pan") == []
        status = households.hamlet_status(session, "thon-na-pan", fields=STAFF)
        assert (status.roster, status.completed) == (2, 2)
        assert session.get(models.Household, keep.id).latest_visit_id == visits[0].id

    pulled = world.sync(cursor=cursor).json()["roster"]
    assert sorted((h["id"], h["removed_reason"], h["removed_at"]) for h in pulled["households"]) == sorted(
        [(drop.id, "duplicate", "2026-11-20T03:00:00.000+00:00"), (keep.id, None, None)]
    )  # the kept one comes again with its latest completed visit, now the dropped one's survey
    assert [v["id"] for v in pulled["visits"]] == [visits[0].id]


def test_a_merge_that_cannot_be_is_refused_and_writes_nothing(world: World) -> None:
    a = household("thon-na-pan", "Nguyễn Văn An")
    b = household("thon-na-pan", "Nguyễn Văn An")
    gone = household("thon-na-pan", "Nguyễn Văn An", removed_at=at("2026-05-01"), removed_reason="moved")
    far = household("thon-khon-chu", "Nguyễn Văn An")
    cursor = push(world, [a, b, gone, far])["cursor"]
    user = staff_user(world)
    for keep, drop in (
        (a.id, a.id),
        (a.id, "no-such-household"),
        ("no-such-household", a.id),
        (a.id, gone.id),
        (gone.id, a.id),
        (a.id, far.id),
    ):
        with pytest.raises(AdminError), world.session() as session:
            households.merge_duplicate(session, keep, drop, user, hamlet_id="thon-na-pan")
    assert world.sync(cursor=cursor).json()["roster"]["households"] == []
    with world.session() as session:
        assert session.scalars(select(models.Audit).where(models.Audit.staff_user_id.is_not(None))).all() == []
        households.merge_duplicate(session, a.id, b.id, user, hamlet_id="thon-na-pan")
    with pytest.raises(AdminError), world.session() as session:
        households.merge_duplicate(session, a.id, b.id, user, hamlet_id="thon-na-pan")  # already merged


# -- 4. volunteer activity ----------------------------------------------------------------------


def test_volunteer_activity_per_volunteer_of_the_hamlet(world: World) -> None:
    today = date(2026, 11, 24)
    homes = [household("thon-na-pan", f"Hộ {n}") for n in range(6)] + [household("thon-khon-chu", "Hộ Khòn Chu")]
    push(world, homes)
    with world.session() as session:
        binh = add_volunteer(session, "06577", "Lý Văn Bình", ["thon-na-pan"]).id
        cuc = add_volunteer(session, "06577", "Vi Thị Cúc", ["thon-na-pan"]).id
        add_volunteer(session, "06577", "Chu Văn Dũng", ["thon-khon-chu"])
    binh_token_a, binh_device_a = enrol(world.app, binh, "phone A")
    binh_token_b, binh_device_b = enrol(world.app, binh, "phone B")

    push(
        world,
        [],
        [  # Hoa (the world's volunteer), window by window
            completed_visit(homes[0], visited_at=at("2026-11-23")),
            other_visit(homes[1], "nobody_home", at("2026-11-18")),  # the 7th day back still counts
            completed_visit(homes[2], visited_at=at("2026-11-01")),
            completed_visit(homes[3], visited_at=at("2026-06-01")),
            completed_visit(homes[6], visited_at=at("2026-11-23")),  # another hamlet
        ],
    )
    push(world, [], [other_visit(homes[4], "declined", at("2026-11-20"))], token=binh_token_a)
    push(world, [], [completed_visit(homes[5], visited_at=at("2026-10-01"))], token=binh_token_b)
    with world.session() as session:
        enrolment.revoke_device(session, binh_device_a)
        session.execute(delete(models.VolunteerHamlet).where(models.VolunteerHamlet.volunteer_id == binh))
        for device_id, seen in (
            (binh_device_a, datetime(2026, 11, 21, 10, tzinfo=UTC)),
            (binh_device_b, datetime(2026, 11, 22, 8, tzinfo=UTC)),
        ):
            session.execute(update(models.Device).where(models.Device.id == device_id).values(last_seen=seen))

    with world.session() as session:
        activity = households.volunteer_activity(session, "thon-na-pan", today=today)
    assert [(a.volunteer_id, a.assigned) for a in activity] == [
        (world.volunteer_id, True),
        (cuc, True),
        (binh, False),
    ]  # assigned first, then by name
    hoa, vi, ly = activity
    counts = lambda a: (  # noqa: E731
        a.visits_7d,
        a.completed_7d,
        a.visits_30d,
        a.completed_30d,
        a.visits_total,
        a.completed_total,
    )
    assert counts(hoa) == (2, 1, 3, 2, 4, 3) and hoa.last_visit_on == date(2026, 11, 23)
    assert (hoa.devices_active, hoa.devices_revoked) == (1, 0) and hoa.last_sync is not None
    assert counts(ly) == (1, 0, 1, 0, 2, 1) and ly.last_visit_on == date(2026, 11, 20)
    assert (ly.devices_active, ly.devices_revoked) == (1, 1)
    assert ly.last_sync == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert counts(vi) == (0,) * 6 and (vi.last_visit_on, vi.last_sync, vi.devices_active) == (None, None, 0)
    assert vi.name == "Vi Thị Cúc"
    with world.session() as session:
        assert [a.volunteer_id for a in households.volunteer_activity(session, "thon-pac-ma", today=today)] == []


def test_a_roster_typed_with_one_placeholder_name_lists_the_strongest_pairs_only(world: World) -> None:
    h = duplicate_hamlet()
    placeholders = [household("thon-na-pan", head_name="Chưa rõ tên", phone="") for _ in range(30)]
    push(world, list(h.values()) + placeholders)
    with world.session() as session:
        everything = households.likely_duplicates(session, "thon-na-pan", fields=ADMIN, limit=10_000)
        shown = households.likely_duplicates(session, "thon-na-pan", fields=ADMIN, limit=10)
    assert len(everything) == 7 + 30 * 29 // 2  # the hamlet's own pairs, then every placeholder pair
    assert shown == everything[:10]
    assert [p.likeness.score for p in shown[:4]] == [12, 10, 10, 10]

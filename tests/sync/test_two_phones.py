"""Two phones, one household, clocks that lie: the server's revisions order the edits and
every phone ends up holding what the server keeps (DESIGN §5, docs/sync-protocol.md).

Two real phone stores (AppState over TinyDB on disk, each with its own clock) sync with a
real server process over HTTP. Nothing of ours is mocked: only the phones' clocks are
shifted, as a phone whose time zone was left at GMT and whose time was set by hand is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from state import AppState

from survey.records import Status
from tests.survey.builders import completed_visit

from .conftest import Server

SEVEN_HOURS = timedelta(hours=7)


def phone(tmp_path: Path, server: Server, volunteer: str, skew: timedelta = timedelta(0)) -> AppState:
    """A phone whose clock is `skew` off the true time, enrolled with the volunteer's code."""
    shift = {"skew": skew}

    def clock() -> datetime:
        return datetime.now(UTC) + shift["skew"]

    state = AppState.open(tmp_path / f"phone-{volunteer}-{len(list(tmp_path.iterdir()))}", clock=clock)
    state.clock_shift = shift  # type: ignore[attr-defined]  # the test sets the clock right later
    assert state.enrol(server.url, server.code(volunteer)) == []
    return state


def synced(state: AppState) -> None:
    report = state.sync_now()
    assert report.ok, report.error


def held(state: AppState, household_id: str) -> tuple[str, int | None, str]:
    home = state.repo.household(household_id)
    assert home is not None
    return home.phone, home.revision, str(home.status)


def edit(state: AppState, household_id: str, **details: str) -> None:
    edited, issues = state.edit_household(household_id, **details)
    assert edited is not None and issues == [], issues
    assert edited.status is Status.COMPLETE  # waiting to be sent


def register(state: AppState, name: str, phone_number: str) -> str:
    home, issues = state.add_household("na-pan", name, "Xóm Chợ", phone_number)
    assert home is not None, issues
    return home.id


def test_a_phone_seven_hours_slow_still_wins_with_an_edit_made_on_the_current_revision(tmp_path, server):
    a = phone(tmp_path, server, "Hoa", skew=-SEVEN_HOURS)  # the later edit, with the earlier clock
    b = phone(tmp_path, server, "Tú")
    home = register(b, "Nông Văn Dũng", "0912000001")
    synced(b)
    synced(a)  # A pulls the household
    assert held(a, home) == ("0912000001", 1, "synced")
    edit(b, home, phone="0912000002")
    synced(b)
    synced(a)  # A pulls B's number
    assert held(a, home) == ("0912000002", 2, "synced")
    edit(a, home, phone="0912000003")  # ten minutes later by the true time, 7 hours earlier by A's clock
    report = a.sync_now()
    assert (report.accepted, report.conflict, report.rejected) == (1, 0, 0)
    synced(b)
    for state in (a, b):  # two syncs each since the edit: both hold what the server keeps
        synced(state)
        assert held(state, home) == ("0912000003", 3, "synced")


def test_edits_of_different_fields_made_on_one_revision_are_both_kept(tmp_path, server):
    a, b = phone(tmp_path, server, "Hoa", skew=-SEVEN_HOURS), phone(tmp_path, server, "Tú", skew=timedelta(minutes=8))
    home = register(a, "Hà Thị Lan", "0912000010")
    synced(a)
    synced(b)
    edit(a, home, address="Xóm Mới, cạnh trường")  # offline, both on revision 1
    edit(b, home, phone="0912000011")
    synced(b)
    report = a.sync_now()
    assert (report.accepted, report.conflict) == (1, 0)  # nothing of A's was lost
    synced(b)
    for state in (a, b):
        synced(state)
        kept = state.repo.household(home)
        assert (kept.address, kept.phone, kept.revision, kept.status) == (
            "Xóm Mới, cạnh trường",
            "0912000011",
            3,
            Status.SYNCED,
        )


def test_the_same_field_edited_on_two_phones_keeps_the_first_and_tells_the_second(tmp_path, server):
    a, b = phone(tmp_path, server, "Hoa"), phone(tmp_path, server, "Tú", skew=-SEVEN_HOURS)
    home = register(a, "Lý Văn Khánh", "0912000020")
    synced(a)
    synced(b)
    edit(b, home, phone="0912000021")
    edit(a, home, phone="0912000022")  # later by every clock, but it reaches the server second
    synced(b)
    report = a.sync_now()
    assert (report.accepted, report.duplicate, report.conflict, report.rejected) == (0, 0, 1, 0)
    [notice] = report.conflicts
    assert (notice.household_id, notice.head_name, notice.fields) == (home, "Lý Văn Khánh", ["phone"])
    assert "Số điện thoại" in notice.text("vi") and "Lý Văn Khánh" in notice.text("vi")
    assert held(a, home) == ("0912000021", 2, "synced")  # replaced by the server's, in the same sync
    assert a.last_sync_notices()[0].household_id == home  # still shown after a restart of the screen
    for state in (a, b):
        synced(state)
        assert held(state, home) == ("0912000021", 2, "synced")


def test_a_phone_seven_hours_fast_is_refused_warned_and_can_put_it_right(tmp_path, server):
    b = phone(tmp_path, server, "Tú", skew=SEVEN_HOURS)
    home = register(b, "Nông Thị Hậu", "0912000030")  # its clock says 7 hours ahead: the server refuses it
    report = b.sync_now()
    assert (report.accepted, report.rejected) == (0, 1)
    [item] = b.rejected_items()
    assert (item.code, item.head_name) == ("time_in_future", "Nông Thị Hậu")
    assert "ngày giờ" in item.reason("vi")
    warning = b.clock_issue()  # it learnt the server's time at that sync
    assert warning is not None and warning.code == "clock_far_from_server"
    assert "lệch khoảng 7 giờ" in warning.message("vi") and "about 7 h" in warning.message("en")
    refused, issues = b.fix_household_time(home)  # the clock is still 7 hours ahead: that would not help
    assert refused is None and [i.code for i in issues] == ["clock_far_from_server"]
    b.clock_shift["skew"] = timedelta(0)  # type: ignore[attr-defined]  # the volunteer sets the clock right
    assert b.clock_issue() is None  # the clock jumped while the phone's uptime did not: what was learnt is void
    fixed, issues = b.fix_household_time(home)
    assert fixed is not None and issues == []
    synced(b)
    assert held(b, home) == ("0912000030", 1, "synced")
    assert b.clock_issue() is None and b.rejected_items() == []


def test_a_household_moved_to_another_hamlet_reaches_every_phone_as_it_should(tmp_path):
    """Moved by a volunteer who works in both hamlets: a phone enrolled afterwards, a phone of
    the old hamlet only (it lets go) and one of the new hamlet only (it gains it) all follow."""
    from survey.records import Household

    from .conftest import Server, commune_database, running_server

    data_dir = tmp_path / "server"
    data_dir.mkdir()
    database_url, volunteers = commune_database(
        data_dir,
        [("na-pan", "Thôn Nà Pàn", None), ("khuoi-cap", "Bản Khuổi Cáp", None)],
        {
            "Mai": ("Lương Thị Mai", ["na-pan", "khuoi-cap"]),
            "Hoa": ("Hoàng Thị Hoa", ["na-pan"]),
            "Cáp": ("Nông Văn Cáp", ["khuoi-cap"]),
        },
    )
    with running_server(data_dir) as url:
        server = Server(url, database_url, volunteers)
        mai, hoa, cap = (phone(tmp_path, server, name) for name in ("Mai", "Hoa", "Cáp"))
        home = register(mai, "Đinh Văn Chuyển", "0912000040")
        when = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="milliseconds")
        visit = completed_visit(mai.repo.household(home), visited_at=when)  # the roster sends it along
        visit.complete()
        mai.repo.save_visit(visit)
        for state in (mai, hoa, cap):
            synced(state)
        assert hoa.repo.household(home) is not None and cap.repo.household(home) is None
        moved = Household.from_dict({**mai.repo.household(home).to_dict(), "hamlet_id": "khuoi-cap"})
        moved.complete()
        mai.repo.save_household(moved)  # on Mai's phone it moves with its visit at once
        assert [v.id for v in mai.repo.visits_of(home)] == [visit.id]
        report = mai.sync_now()
        assert (report.accepted, report.rejected) == (1, 0)
        late = phone(tmp_path, server, "Mai")  # enrolled after the move: the whole roster, no crash
        synced(late)
        assert late.repo.household(home).hamlet_id == "khuoi-cap"
        assert [r.household.id for r in late.repo.households("khuoi-cap")] == [home]
        assert [v.id for v in late.repo.latest_completed_visits("khuoi-cap")] == [visit.id]
        synced(hoa)  # Nà Pàn only: lets go of it
        assert hoa.repo.household(home) is None and hoa.repo.households("na-pan") == []
        synced(cap)  # Khuổi Cáp only: gains it, with its latest completed visit
        assert cap.repo.household(home).hamlet_id == "khuoi-cap" and cap.repo.household(home).revision == 2
        assert [v.id for v in cap.repo.visits_of(home)] == [visit.id]

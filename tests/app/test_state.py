"""The app state over a real on-disk store: households, drafts, follow-ups, settings, backup."""

from __future__ import annotations

import json

import pytest
from state import AppState, member_label

from storage import Repository
from survey.records import Household, Member
from tests.survey.builders import adult, completed_visit


@pytest.fixture
def state(tmp_path) -> AppState:
    app = AppState.open(tmp_path)
    app.use_demo()
    return app


def test_demo_is_marked_and_seeded_once(state):
    assert state.is_demo and state.is_set_up
    before = [(p.hamlet.id, p.total) for p in state.hamlet_progress()]
    state.use_demo()
    assert (
        [(p.hamlet.id, p.total) for p in state.hamlet_progress()]
        == before
        == [("demo-na-pan", 12), ("demo-khuoi-cap", 12), ("demo-dong-moi", 12)]
    )
    assert state.waiting_to_sync() == 0  # demo records never go to a server


def test_add_household_refuses_bad_input_and_keeps_nothing(state):
    home, issues = state.add_household("demo-na-pan", "   ", phone="12ab")
    assert home is None and [i.code for i in issues] == ["head_name_missing", "phone_invalid"]
    assert len(state.households("demo-na-pan")) == 12
    home, issues = state.add_household("demo-na-pan", "  Đặng   Thị  Vân ", "Xóm 2", "0912 345 678")
    assert home is not None and home.head_name == "Đặng Thị Vân"
    assert state.waiting_to_sync() == 1


def test_filters_and_search(state):
    everyone = state.households("demo-na-pan")
    not_visited = state.households("demo-na-pan", filter_by="not_visited")
    assert len(everyone) == 12 and len(not_visited) == 8
    assert all(not row.summary.visited for row in not_visited)
    needing = state.households("demo-na-pan", filter_by="follow_up")
    assert needing and all(row.summary.follow_ups for row in needing)
    home, _ = state.add_household("demo-na-pan", "Đặng Thị Vân")
    found = state.households("demo-na-pan", "dang thi van")
    assert [r.household.id for r in found] == [home.id]


def test_one_draft_per_household_and_the_latest_is_offered(state):
    home, _ = state.add_household("demo-na-pan", "Lý Văn Tú")
    first = state.start_visit(home.id)
    first.set_outcome("completed")
    state.autosave(first)
    again = state.start_visit(home.id)
    assert again.draft_key == first.draft_key and again.visit.outcome == "completed"
    assert state.latest_draft() == first.draft_key
    assert state.household_detail(home.id).draft_key == first.draft_key
    state.discard(again)
    assert state.latest_draft() is None


def test_saving_a_visit_updates_progress_and_follow_ups(state):
    home, _ = state.add_household("demo-na-pan", "Lý Văn Tú")
    wizard = state.start_visit(home.id)
    visit = completed_visit(home, members=[adult(1970), adult(1972, relation="spouse", vneid="none")])
    visit.id = wizard.visit.id
    wizard.visit = visit
    state.save_visit(wizard)
    progress = {p.hamlet.id: p for p in state.hamlet_progress()}["demo-na-pan"]
    assert (progress.visited, progress.total) == (5, 13)
    mine = [i for i in state.follow_up_list("demo-na-pan") if i.household.id == home.id]
    assert [(i.follow_up.code, member_label(i.member, "vi")) for i in mine] == [
        ("install_vneid", "Vợ/chồng, sinh 1972")
    ]
    assert state.latest_draft() is None
    assert state.waiting_to_sync() == 2  # the household and its visit


def test_settings_persist_and_adult_age_changes_the_counts(state, tmp_path):
    state.set_language("en")
    state.set_sync_mode("manual")
    home, _ = state.add_household("demo-na-pan", "Lý Văn Tú")
    wizard = state.start_visit(home.id)
    visit = completed_visit(home, members=[adult(1970), adult(2010, relation="child")])
    visit.id = wizard.visit.id
    wizard.visit = visit
    state.save_visit(wizard)
    adults_at_18 = {p.hamlet.id: p for p in state.hamlet_progress()}["demo-na-pan"].coverage["adults_ready"].denominator
    state.set_adult_age(15)
    adults_at_15 = {p.hamlet.id: p for p in state.hamlet_progress()}["demo-na-pan"].coverage["adults_ready"].denominator
    assert adults_at_15 == adults_at_18 + 1
    reopened = AppState.open(tmp_path)
    assert (reopened.lang, reopened.sync_mode, reopened.adult_age) == ("en", "manual", 15)
    with pytest.raises(ValueError):
        state.set_adult_age(21)


def test_enrolment_request_is_checked(state):
    issues = state.request_enrolment("ftp://x", "a")
    assert [i.code for i in issues] == ["server_url_invalid", "enrolment_code_format"]
    assert state.enrolment is None
    assert state.request_enrolment("https://xa-thongnhat.vn/", "K7P2-9QXA") == []
    assert state.enrolment["server_url"] == "https://xa-thongnhat.vn"


def test_backup_holds_everything_on_the_phone(state):
    home, _ = state.add_household("demo-na-pan", "Lý Văn Tú")
    state.start_visit(home.id)
    path = state.export_backup()
    data = json.loads(path.read_text("utf-8"))
    assert len(data["hamlets"]) == 3 and len(data["households"]) == 37
    assert len(data["visits"]) == 12 and len(data["drafts"]) == 1


def test_member_label_has_no_name():
    assert member_label(Member(relation="grandchild", birth_year=2019), "en") == "Grandchild, born 2019"


def test_stored_tallies_are_reused_only_while_the_hamlet_file_is_unchanged(tmp_path):
    first = AppState.open(tmp_path)
    first.use_demo()
    visited = {p.hamlet.id: (p.visited, p.total) for p in first.hamlet_progress()}
    assert visited["demo-na-pan"] == (4, 12)
    # Prove a restart reads the stored tally: doctor it, leave the hamlet file alone.
    stored = first.repo.setting("hamlet_tallies")
    stored["demo-na-pan"]["tally"]["visit_coverage"] = [7, 12]
    first.repo.set_setting("hamlet_tallies", stored)
    restarted = AppState.open(tmp_path)
    assert {p.hamlet.id: p.visited for p in restarted.hamlet_progress()}["demo-na-pan"] == 7
    # Any change to the hamlet's file (here by another writer) makes it recompute.
    Repository(tmp_path).save_household(Household(hamlet_id="demo-na-pan", head_name="Hứa Văn Mới"))
    again = AppState.open(tmp_path)
    assert {p.hamlet.id: (p.visited, p.total) for p in again.hamlet_progress()}["demo-na-pan"] == (4, 13)
    # A different adult age never reuses a tally counted with another one.
    again.set_adult_age(15)
    assert (
        AppState.open(tmp_path).hamlet_progress()[0].coverage["adults_ready"].denominator
        >= first.hamlet_progress()[0].coverage["adults_ready"].denominator
    )


def test_every_write_through_the_app_leaves_fresh_stored_tallies(state, tmp_path):
    home, _ = state.add_household("demo-khuoi-cap", "Vi Văn Hùng")
    wizard = state.start_visit(home.id)
    visit = completed_visit(home)
    visit.id = wizard.visit.id
    wizard.visit = visit
    state.save_visit(wizard)
    stored = state.repo.setting("hamlet_tallies")["demo-khuoi-cap"]
    assert stored["key"]["file"] == state.repo.hamlet_fingerprint("demo-khuoi-cap")
    assert stored["tally"]["visit_coverage"] == [5, 13]


def test_a_visit_that_moves_a_household_keeps_what_the_server_sent_meanwhile(state):
    home = state.households("demo-na-pan")[0].household
    wizard = state.start_visit(home.id)  # the volunteer starts at the door...
    newer = Household.from_dict({**home.to_dict(), "phone": "0912000999", "revision": 4})
    newer.status = home.status
    state.repo.save_household(newer)  # ...while a sync brings the server's revision 4
    wizard.set_outcome("moved")
    wizard.step_key = "summary"
    state.save_visit(wizard)
    kept = state.repo.household(home.id)
    assert (kept.phone, kept.revision, kept.removed_reason, str(kept.status)) == ("0912000999", 4, "moved", "complete")
    assert kept.removed_at == wizard.visit.visited_at


@pytest.mark.parametrize(
    "typed, address",
    [
        ("192.168.1.10:8000", "http://192.168.1.10:8000"),  # no scheme: http:// added
        ("  https://xa-thongnhat.vn/  ", "https://xa-thongnhat.vn"),
        ("http://127.0.0.1:8000/khaosat/", "http://127.0.0.1:8000/khaosat"),
        ("http://127.0.0.1:http://127.0.0.1:91009100", None),  # a mangled paste (issue 11)
        ("http://127.0.0.1:99999", None),  # no such port
        ("ftp://xa.vn", None),
        ("http://user@xa.vn", None),
        ("http://xa.vn?x=1", None),
        ("xa vn", None),
        ("", None),
    ],
)
def test_the_server_address_is_completed_and_checked(typed: str, address: str | None) -> None:
    from state import server_address

    assert server_address(typed) == address


@pytest.mark.parametrize(
    "text, found",
    [
        # what staff's QR holds, made by the server's own function
        ("QR", ("http://192.168.1.10:8000", "K7P2-9QXA")),
        # the route Android hands the app when the link opens it, and the web build's address
        ("/?server=http%3A%2F%2F192.168.1.10%3A8000&code=K7P2-9QXA", ("http://192.168.1.10:8000", "K7P2-9QXA")),
        ("/enrol?server=http%3A%2F%2Fa%3A8000&code=K7P2-9QXA", ("http://a:8000", "K7P2-9QXA")),
        ("http://127.0.0.1:8550/enrol?server=a.vn&code=K7P2-9QXA#x", ("a.vn", "K7P2-9QXA")),
        ("  khaosat://enrol/?code=K7P2-9QXA&server=a.vn \n", ("a.vn", "K7P2-9QXA")),  # pasted with spaces
        ("K7P2-9QXA", None),  # a bare code is typed, not a link
        ("khaosat://other?server=a&code=b", None),
        ("/hamlet/x?server=a&code=b", None),  # another screen's query is not an enrolment
        ("/?server=a", None),
        ("/?server=a&server=b&code=c", None),
        ("/?server=&code=c", None),
    ],
)
def test_an_enrolment_link_gives_the_server_and_the_code(text: str, found: tuple[str, str] | None) -> None:
    from state import enrolment_link

    from server_sync.services import admin

    if text == "QR":
        text = admin.enrol_link("http://192.168.1.10:8000", "K7P2-9QXA")
    assert enrolment_link(text) == found

"""The app's state: plain objects whose methods enforce the rules; views only read them.

Everything here may touch the disk, so the shell calls it off the event loop.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wizard import VisitWizard

from storage import HouseholdRow, Repository
from storage.files import check_hamlet_id
from survey import checklist as checklists
from survey.duplicates import same_household_key
from survey.errors import Issue, message
from survey.indicators import (
    TALLY_VERSION,
    Coverage,
    CoverageConfig,
    Tally,
    default_config,
    hamlet_tallies,
    report_from_tallies,
)
from survey.records import FollowUp, Hamlet, Household, Member, Status, Visit
from survey.shape import clean_text
from survey.summary import HouseholdSummary
from survey.text import phone_digits
from survey.times import CLOCK_TOLERANCE, Clock, instant_or_none, now_iso, start_of_day, system_clock
from survey.validation import RecordContext, blocking, check_household
from sync.client import SyncClient, SyncError
from sync.service import ConflictNotice, SyncReport, boot_seconds, enrol, saved_notices, sync_once

FILTERS = ("all", "not_visited", "revisit", "follow_up", "declined", "moved")
SYNC_MODES = ("wifi", "any", "manual")
ADULT_AGES = (18, 15)
_TALLY_CACHE = "hamlet_tallies"
DEVICE_NAME = "Điện thoại tình nguyện viên"


def server_address(text: str) -> str | None:
    """The commune server's address as typed, completed and checked: `http://` added when no
    scheme is given, then an http(s) URL with a host and a valid port; None otherwise (a
    mangled paste such as "http://127.0.0.1:http://127.0.0.1:91009100" included)."""
    value = text.strip()
    if not value or any(ch.isspace() for ch in value):
        return None
    if "://" not in value:
        value = "http://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "://" in parts.netloc + parts.path:
        return None
    if parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


_CODE = re.compile(r"^[A-Za-z0-9-]{6,32}$")

ENROL_LINK = "khaosat://enrol"  # what staff's QR holds (server_sync.services.admin.enrol_link)


def enrolment_link(text: str) -> tuple[str, str] | None:
    """(server address, code) from an enrolment link, else None.

    Accepted: the QR's `khaosat://enrol?server=<percent-encoded URL>&code=<code>`, the same
    query on the web app's address or route (`http://…/enrol?server=…&code=…`, `/enrol?…`),
    and the route Android hands the app when the QR's link opens it (`/?server=…&code=…`).
    The values are returned as they are: the enrolment form checks them (`server_address`)."""
    value = text.strip()
    if "?" not in value or len(value) > 2_000:
        return None
    head, query = value.split("#", 1)[0].split("?", 1)
    parts = urlsplit(head) if "://" in head else None
    if parts is not None and parts.scheme.lower() == "khaosat":
        if parts.netloc.lower() != "enrol" or parts.path.strip("/"):
            return None
    elif (parts.path if parts is not None else head).rstrip("/") not in ("", "/enrol"):
        return None
    found = parse_qs(query, keep_blank_values=True)
    servers, codes = found.get("server", []), found.get("code", [])
    if len(servers) != 1 or len(codes) != 1 or not servers[0].strip() or not codes[0].strip():
        return None
    return servers[0].strip(), codes[0].strip()


@dataclass(frozen=True)
class HamletProgress:
    hamlet: Hamlet
    visited: int
    total: int
    coverage: Coverage
    day: Any = None  # the commune day the figures are as of (today: a team counts from its day)
    waiting: tuple[int, int] = (0, 0)  # records of the hamlet's file to send, and refused


@dataclass(frozen=True)
class HouseholdDetail:
    household: Household
    summary: HouseholdSummary
    visits: list[Visit]
    members: list[Member]
    follow_ups: list[FollowUp]
    draft_key: str | None


@dataclass(frozen=True)
class RejectedItem:
    """A record the server refused, as the sync screen lists it: whose, why, what to do."""

    record: Household | Visit
    head_name: str  # the household's (a visit's household's)
    code: str
    context: dict[str, Any]
    fix: str  # household (edit its details) | household_time (take the time again) | visit | visit_time | visit_household

    def reason(self, lang: str) -> str:
        return message(self.code, lang, **self.context)

    def hint(self, lang: str) -> str:
        from i18n import t

        return t(f"fix_hint_{self.fix}", lang)


TIME_CODES = ("time_before_campaign", "time_in_future", "time_invalid")
UNREACHABLE = ("network_unreachable", "network_timeout")  # the server did not answer at all
# The server answered but will not take this phone's records, whatever is sent, until staff
# act: a revoked token, a paused volunteer. Home says so; the records wait on the phone.
ACCESS_REFUSED = ("token_missing", "token_invalid", "token_revoked", "volunteer_inactive")
PULL_EVERY = timedelta(minutes=15)  # with nothing to send, the roster is fetched this often
BACKUP_FORMAT = 2  # 1: the same records, written before backups could be restored
# Sessions of one process share one store (storage/owner.py): they share its sync too.
_SYNC_LOCKS: weakref.WeakKeyDictionary[Repository, threading.Lock] = weakref.WeakKeyDictionary()
_SYNC_LOCKS_GUARD = threading.Lock()


def _sync_lock(repo: Repository) -> threading.Lock:
    with _SYNC_LOCKS_GUARD:
        return _SYNC_LOCKS.setdefault(repo, threading.Lock())


@dataclass(frozen=True)
class FollowUpItem:
    hamlet: Hamlet
    household: Household
    follow_up: FollowUp
    member: Member | None


@dataclass
class AppState:
    repo: Repository
    data_dir: Path | None = None
    config: CoverageConfig = field(default_factory=default_config)
    clock: Clock = field(default=system_clock, repr=False)  # the phone's clock (tests shift it)
    uptime: Callable[[], float] = field(default=boot_seconds, repr=False)  # seconds since boot: nobody sets it
    # figures per hamlet, with the version of the hamlet's file they were counted from: the
    # store is shared by every session of the process, so another tab's save shows here too
    _progress_cache: dict[str, tuple[int | None, HamletProgress]] = field(default_factory=dict, repr=False)
    last_report: SyncReport | None = None  # what the last sync did, shown until the next one

    @classmethod
    def open(
        cls, folder: Path | str, clock: Clock = system_clock, uptime: Callable[[], float] = boot_seconds
    ) -> AppState:
        """The state over the phone's store in `folder` (one store per folder and process)."""
        state = cls(repo=Repository(folder), data_dir=Path(folder), clock=clock, uptime=uptime)
        state.load_config()
        return state

    def load_config(self) -> None:
        """The commune's configuration the server last sent (time zone, campaign start,
        targets), else the defaults; the volunteer's adult-age choice on top."""
        self.config = self._commune_config().with_adult_age(self.adult_age)

    def _commune_config(self) -> CoverageConfig:
        saved = self.repo.setting("config")
        try:
            return CoverageConfig.from_dict(saved) if isinstance(saved, dict) else default_config()
        except (TypeError, ValueError, KeyError):
            return default_config()

    def context(self) -> RecordContext:
        """What the rules judge a record with on this phone: the commune's setup, and as "now"
        the phone's clock, or the server's as the phone last learnt it when the phone is
        behind: a household another phone stamped at the true time is not "in the future"
        because this phone's clock is slow. (A fast clock is left as it is: what it stamps
        the server refuses, and the phone says why.)"""
        now = self.clock()
        offset = self.learnt_offset()
        if offset is not None and offset < 0:
            now += timedelta(seconds=-offset)
        return RecordContext.of(self.config, now)

    def learnt_offset(self) -> float | None:
        """How far (seconds, + ahead) the phone's clock was from the server's at the last sync,
        while that still holds: None when nothing was learnt, or when the wall clock has been
        set since (it no longer moved with the phone's uptime) or the phone restarted."""
        learnt = self.repo.setting("clock") or {}
        offset = learnt.get("offset_seconds") if isinstance(learnt, dict) else None
        if not isinstance(offset, (int, float)):
            return None
        then_uptime, then_phone = learnt.get("uptime"), instant_or_none(learnt.get("phone_time"))
        if isinstance(then_uptime, (int, float)) and then_phone is not None:
            elapsed = self.uptime() - then_uptime
            if elapsed < 0 or abs((self.clock() - then_phone).total_seconds() - elapsed) > 60:
                return None
        return float(offset)

    # -- settings ----------------------------------------------------------------------------
    @property
    def lang(self) -> str:
        return self.repo.setting("lang", "vi")

    def set_language(self, lang: str) -> None:
        if lang not in ("vi", "en"):
            raise ValueError(lang)
        self.repo.set_setting("lang", lang)

    @property
    def adult_age(self) -> int:
        """The age from which a member counts as an adult in the figures on this phone: the
        commune's (the server's configuration), unless the volunteer chose one here."""
        return self.local_adult_age or self.commune_adult_age

    @property
    def commune_adult_age(self) -> int:
        """The commune's adult age, as the server last sent it (DESIGN §3; default 18)."""
        return self._commune_config().adult_age

    @property
    def local_adult_age(self) -> int | None:
        """An adult age chosen on this phone, overriding the commune's; None: the commune's."""
        chosen = self.repo.setting("adult_age")
        return int(chosen) if chosen in ADULT_AGES else None

    def set_adult_age(self, age: int | None) -> None:
        """Choose the adult age on this phone (15 or 18), or None to follow the commune's."""
        if age is not None and age not in ADULT_AGES:
            raise ValueError(age)
        self.repo.set_setting("adult_age", age)
        self.config = self.config.with_adult_age(self.adult_age)
        self._changed()

    @property
    def sync_mode(self) -> str:
        return self.repo.setting("sync_mode", "wifi")

    def set_sync_mode(self, mode: str) -> None:
        if mode not in SYNC_MODES:
            raise ValueError(mode)
        self.repo.set_setting("sync_mode", mode)

    @property
    def is_set_up(self) -> bool:
        return bool(self.repo.hamlets()) or self.repo.setting("enrolment") is not None

    @property
    def is_demo(self) -> bool:
        return bool(self.repo.setting("demo", False))

    @property
    def enrolment(self) -> dict[str, Any] | None:
        return self.repo.setting("enrolment")

    @property
    def rejected_count(self) -> int:
        return self.sync_counts()["rejected"]

    def sync_counts(self) -> dict[str, int]:
        """{"complete": waiting to be sent, "rejected": refused, to fix}, from the figures kept
        per hamlet (`hamlet_progress`): no record is read when no hamlet's file changed."""
        progress = self.hamlet_progress()
        return {"complete": sum(p.waiting[0] for p in progress), "rejected": sum(p.waiting[1] for p in progress)}

    @property
    def last_sync(self) -> str | None:
        return self.repo.setting("last_sync")

    # -- first run ---------------------------------------------------------------------------
    def use_demo(self) -> None:
        if not self.repo.hamlets():
            from demo import seed_demo  # the demo commune: only for who asks for it

            seed_demo(self.repo)
            self._changed()

    def _checked_enrolment(self, server_url: str, code: str) -> tuple[str | None, list[Issue]]:
        """The server address completed (`http://` added when missing) and the form of the
        code checked: (address or None, issues)."""
        address = server_address(server_url)
        issues = []
        if address is None:
            issues.append(Issue("server_url_invalid", "server_url", {"value": server_url.strip()[:80]}))
        if not _CODE.match(code.strip()):
            issues.append(Issue("enrolment_code_format", "code"))
        return address, issues

    def request_enrolment(self, server_url: str, code: str) -> list[Issue]:
        """Keep the server and one-time code; the sync client trades it for a token. An
        enrolled phone keeps its enrolment: `enrol` replaces it only once a new one works."""
        address, issues = self._checked_enrolment(server_url, code)
        if not issues and not self.enrolled:
            self.repo.set_setting("enrolment", {"server_url": address, "code": code.strip(), "status": "pending"})
        return issues

    def enrol(self, server_url: str, code: str, device_name: str = DEVICE_NAME) -> list[Issue]:
        """Enrol now when the server answers; offline, keep the code and enrol at next sync.

        A phone that is enrolled already changes nothing unless the new enrolment succeeds:
        a wrong, used or expired code, or no network, leaves it enrolled and syncing as before."""
        address, issues = self._checked_enrolment(server_url, code)
        if issues:
            return issues
        if self.enrolled:
            assert address is not None
            try:
                enrol(self.repo, SyncClient(address), code.strip(), device_name)
            except SyncError as error:
                return [Issue(error.code, error.field, error.context)]
            self._changed()
            return []
        self.request_enrolment(server_url, code)
        return self._enrol_pending(device_name)

    def _enrol_pending(self, device_name: str = DEVICE_NAME) -> list[Issue]:
        pending = self.enrolment or {}
        try:
            enrol(self.repo, SyncClient(pending["server_url"]), pending["code"], device_name)
        except SyncError as error:
            if not error.retryable:  # the code itself was refused: ask for a new one
                self.repo.set_setting("enrolment", None)
            return [Issue(error.code, error.field, error.context)]
        self._changed()
        return []

    @property
    def enrolled(self) -> bool:
        return (self.enrolment or {}).get("status") == "enrolled" and bool(self.repo.setting("token"))

    # -- sync ------------------------------------------------------------------------------------
    def sync_now(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """One sync: enrol first if the code is still pending; never with demo data.

        Syncs queue behind each other (Wi-Fi coming back while the volunteer taps "sync"):
        the second finds an empty outbox and only pulls the roster.
        """
        with _sync_lock(self.repo):
            self.last_report = self._sync(progress)
            if self.last_report.error is None or self.last_report.error.code != "enrolment_required":
                self._note_attempt(self.last_report)
            return self.last_report

    def _sync(self, progress: Callable[[int, int], None] | None) -> SyncReport:
        if not self.enrolled:
            pending = self.enrolment
            if pending is None or pending.get("status") != "pending":
                return SyncReport(error=SyncError("enrolment_required"))
            issues = self._enrol_pending()
            if issues:
                return SyncReport(error=SyncError(issues[0].code))
        enrolment = self.enrolment
        if enrolment is None:  # enrolled: the setting is there
            return SyncReport(error=SyncError("enrolment_required"))
        client = SyncClient(enrolment["server_url"], token=self.repo.setting("token"))
        report = sync_once(self.repo, client, progress, clock=self.clock, uptime=self.uptime)
        self.load_config()  # the commune's configuration may have changed
        self._changed()
        return report

    def last_sync_notices(self) -> list[ConflictNotice]:
        """Edits of this phone that another phone's edit beat to the server, at the last sync."""
        if self.last_report is not None and self.last_report.round_trips:
            return list(self.last_report.conflicts)
        return saved_notices(self.repo)

    def clock_issue(self) -> Issue | None:
        """The phone's clock, if it is clearly wrong: before the campaign started, or far from
        the server's time at the last sync (DESIGN §5). None when it looks right."""
        now = self.clock()
        if now < start_of_day(self.config.campaign_start, self.config.zone):
            return Issue(
                "clock_before_campaign",
                "",
                {
                    "now": now.astimezone(self.config.zone).strftime("%d/%m/%Y %H:%M"),
                    "start": self.config.campaign_start.strftime("%d/%m/%Y"),
                },
            )
        offset = self.learnt_offset()
        if offset is not None and abs(offset) > CLOCK_TOLERANCE.total_seconds():
            return Issue("clock_far_from_server", "", _difference(abs(offset)))
        learnt = self.repo.setting("clock") or {}
        server_time = instant_or_none(learnt.get("server_time")) if isinstance(learnt, dict) else None
        if server_time is not None and now < server_time - CLOCK_TOLERANCE:  # set back before that sync
            return Issue("clock_far_from_server", "", _difference((server_time - now).total_seconds()))
        return None

    def link_allows_sync(self, links: set[str] | None) -> bool:
        """Whether the volunteer's sync setting allows syncing over `links` (the kinds of link
        the phone reports: wifi, ethernet, mobile, none…; None when the client cannot tell,
        as a desktop browser: then only the setting decides)."""
        mode = self.sync_mode
        if mode == "manual":
            return False
        if links is None:
            return True
        return ("wifi" in links or "ethernet" in links) if mode == "wifi" else bool(links - {"none"})

    def should_auto_sync(self, links: set[str] | None) -> bool:
        """Sync without being asked (on start, after a save, when the link changes, every few
        minutes): when the setting allows this link, and there is something to do (records
        waiting, or an enrolment code kept for when the server answers). Never demo data."""
        if self.is_demo or not self.link_allows_sync(links):
            return False
        if not self.enrolled:
            return (self.enrolment or {}).get("status") == "pending"
        return self.sync_counts()["complete"] > 0 or self.pull_due()

    def pull_due(self) -> bool:
        """Whether the roster is worth fetching with nothing to send: other phones' changes and
        staff's merges reach this one at least every PULL_EVERY (by this phone's clock, only
        ever compared with its own earlier reading; a clock set back counts as due)."""
        attempt = self.last_attempt()
        at = instant_or_none((attempt or {}).get("at"))
        if at is None:
            return True
        elapsed = self.clock() - at
        return elapsed >= PULL_EVERY or elapsed < timedelta(0)

    def last_attempt(self) -> dict[str, Any] | None:
        """The last sync tried, kept across restarts: {"at": the phone's time, ISO;
        "reached": whether the server answered; "code": the error's code or None}."""
        found = self.repo.setting("last_attempt")
        return found if isinstance(found, dict) else None

    def access_refused(self) -> Issue | None:
        """Why the server refused this phone at the last sync (a revoked token, a volunteer
        paused by commune staff), to say on home until a sync goes through; None otherwise.
        Nothing is lost meanwhile: the records stay on the phone, waiting."""
        code = (self.last_attempt() or {}).get("code")
        return Issue(code) if code in ACCESS_REFUSED else None

    def _note_attempt(self, report: SyncReport) -> None:
        error = report.error
        reached = error is None or error.code not in UNREACHABLE
        self.repo.set_setting(
            "last_attempt",
            {"at": now_iso(self.clock), "reached": reached, "code": None if error is None else error.code},
        )

    def saved_note(self) -> str:
        """The i18n key of what a save says about sending, consistent with the sync setting:
        saved_wifi | saved_any | saved_manual (DESIGN §4: records wait on the phone until sent)."""
        return f"saved_{self.sync_mode}"

    def rejected_records(self) -> list[Household | Visit]:
        return self.repo.rejected()

    def rejected_items(self) -> list[RejectedItem]:
        """Every refused record with its household's name, the reason and the way to fix it."""
        items = []
        for record in self.repo.rejected():
            rejection = record.rejection or {}
            code = str(rejection.get("code") or "server_error")
            context = dict(rejection.get("context") or {})
            if isinstance(record, Household):
                name, fix = record.head_name, "household_time" if code in TIME_CODES else "household"
            else:
                home = self.repo.household(record.household_id)
                name = home.head_name if home else ""
                if code in ("household_refused", "household_unknown"):
                    fix = "visit_household"
                else:
                    fix = "visit_time" if code in TIME_CODES else "visit"
            items.append(RejectedItem(record, name, code, context, fix))
        return items

    def edit_household(
        self, household_id: str, *, head_name: str | None = None, address: str | None = None, phone: str | None = None
    ) -> tuple[Household | None, list[Issue]]:
        """Change a household's details on the phone (offline), judged by the server's rules
        first; it goes out at the next sync, made on the revision the phone holds."""
        household = self.repo.household(household_id)
        if household is None:
            raise KeyError(household_id)
        edited = Household.from_dict(household.to_dict())
        if head_name is not None:
            edited.head_name = clean_text(head_name)
        if address is not None:
            edited.address = clean_text(address)
        if phone is not None:
            edited.phone = clean_text(phone)
        return self._save_edit(edited)

    def fix_household_time(self, household_id: str) -> tuple[Household | None, list[Issue]]:
        """Take a refused household's times from the clock again, once it is right (the way
        out of `time_before_campaign` / `time_in_future`). Refused while the clock is wrong."""
        problem = self.clock_still_wrong()
        if problem is not None:
            return None, [problem]
        household = self.repo.household(household_id)
        if household is None:
            raise KeyError(household_id)
        edited = Household.from_dict(household.to_dict())
        context = self.context()
        now = now_iso(self.clock)
        for name in ("created_at", "removed_at"):
            value = getattr(edited, name)
            moment = instant_or_none(value)
            if value is not None and (moment is None or not context.earliest <= moment <= context.latest):
                setattr(edited, name, now)
        return self._save_edit(edited)

    def clock_still_wrong(self) -> Issue | None:
        """Why taking a refused record's time from the clock again would not help yet: the
        clock is before the campaign, or still ahead of the server's by more than the
        tolerance (DESIGN §5); None when the clock can be trusted for it."""
        problem = self.clock_issue()
        if problem is not None and problem.code == "clock_before_campaign":
            return problem
        offset = self.learnt_offset()
        if problem is not None and offset is not None and offset > CLOCK_TOLERANCE.total_seconds():
            return problem
        return None

    def _save_edit(self, edited: Household) -> tuple[Household | None, list[Issue]]:
        edited.touch(self.clock)
        _, issues = check_household(edited.to_dict(), self.context())
        if blocking(issues):
            return None, issues
        if edited.status is not Status.COMPLETE:
            edited.complete()
        self.repo.save_household(edited)
        self._changed(edited.hamlet_id)
        return edited, issues

    def fix_rejected_visit(self, visit_id: str) -> VisitWizard:
        """Reopen a visit the server refused, on the summary that lists what to fix."""
        visit = self.repo.visit(visit_id)
        household = self.repo.household(visit.household_id) if visit else None
        if visit is None or household is None:
            raise KeyError(visit_id)
        code = (visit.rejection or {}).get("code")
        visit.reopen()
        # a time the server refused is put right on the first step, where the clock's time is taken again
        step = "outcome" if code in TIME_CODES else "summary"
        wizard = VisitWizard(visit=visit, household=household, step_key=step, config=self.config, clock=self.clock)
        self.autosave(wizard)
        return wizard

    # -- home ----------------------------------------------------------------------------------
    def hamlet_progress(self) -> list[HamletProgress]:
        """Visited/total and indicators per hamlet, from what is on the phone.

        Two caches keep home fast with thousands of households. In memory, a hamlet's
        figures are kept until this state writes to that hamlet (every write on the phone
        goes through these methods). On disk, each hamlet's tally is stored with a hash of
        the hamlet file it came from, so a cold start reuses it only for identical data.
        """
        stored = dict(self.repo.setting(_TALLY_CACHE, {}) or {})
        before = dict(stored)
        result = []
        today = self.config.today(self.clock)
        for hamlet in self.repo.hamlets():
            # a file not opened since the store was cannot have changed under this cache, and
            # asking its version does not open (parse) it: a cold start reads no record
            version = self.repo.loaded_version(hamlet.id)
            entry = self._progress_cache.get(hamlet.id)
            cached = entry[1] if entry is not None and entry[0] == version else None
            if cached is None or cached.hamlet != hamlet or cached.day != today:
                tally, waiting = self._hamlet_tally(hamlet.id, stored)
                report = report_from_tallies([hamlet], {hamlet.id: tally}, config=self.config, today=today)
                coverage = report.hamlets[hamlet.id]
                visits = coverage["visit_coverage"]
                cached = HamletProgress(hamlet, visits.numerator, visits.denominator, coverage, today, waiting)
                self._progress_cache[hamlet.id] = (self.repo.loaded_version(hamlet.id), cached)
            result.append(cached)
        if stored != before:
            self.repo.set_setting(_TALLY_CACHE, stored)
        return result

    def _hamlet_tally(self, hamlet_id: str, stored: dict[str, Any]) -> tuple[Tally, tuple[int, int]]:
        """The hamlet's tally and (records to send, refused), from the copy stored for this
        exact file when there is one, else counted from its records (and stored)."""
        fingerprint = self.repo.hamlet_fingerprint(hamlet_id)
        key = {
            "file": fingerprint,
            "adult_age": self.config.adult_age,
            "version": TALLY_VERSION,
            "zone": self.config.time_zone,
        }
        entry = stored.get(hamlet_id)
        if fingerprint is not None and entry and entry.get("key") == key and isinstance(entry.get("waiting"), list):
            complete, rejected = entry["waiting"]
            return Tally.from_dict(entry["tally"]), (int(complete), int(rejected))
        households = [r.household for r in self.repo.households(hamlet_id)]
        tally = hamlet_tallies(
            households,
            self.repo.latest_completed_visits(hamlet_id),
            adult_age=self.config.adult_age,
            tz=self.config.zone,
        ).get(hamlet_id, Tally())
        counts = self.repo.waiting_in(hamlet_id)
        waiting = (counts["complete"], counts["rejected"])
        if fingerprint is not None:
            stored[hamlet_id] = {"key": key, "tally": tally.to_dict(), "waiting": list(waiting)}
        return tally, waiting

    def _changed(self, hamlet_id: str | None = None) -> None:
        """Refresh derived figures after a write (one hamlet, or all when None).

        Recomputed now, in the worker thread that wrote, and stored: the next start of the
        app then finds every hamlet's tally ready instead of re-reading every record.
        """
        if hamlet_id is None:
            self._progress_cache.clear()
        else:
            self._progress_cache.pop(hamlet_id, None)
        self.hamlet_progress()

    def hamlet(self, hamlet_id: str) -> Hamlet | None:
        return self.repo.hamlet(hamlet_id)

    def waiting_to_sync(self) -> int:
        """Records saved and not yet on the server; refused ones are counted apart (they wait
        for the volunteer's fix, not for the network: `rejected_count`)."""
        return self.sync_counts()["complete"]

    # -- hamlet --------------------------------------------------------------------------------
    def households(self, hamlet_id: str, query: str = "", filter_by: str = "all") -> list[HouseholdRow]:
        searching = bool(query.strip())
        rows = self.repo.search(query, hamlet_id, limit=10_000) if searching else self.repo.households(hamlet_id)
        return [row for row in rows if _passes(row, filter_by, searching)]

    def likely_duplicates(
        self, hamlet_id: str, head_name: str, address: str = "", phone: str = "", *, exclude: str | None = None
    ) -> list[Household]:
        """Households of the hamlet that may be the one being added: the same head's name and
        address (folded: diacritics, case, spaces and punctuation ignored; the address read as
        the server reads it, "Số 7, xóm Chợ" as "7 Xom Cho": survey.address), or the same phone
        number (digits alone, at least 8). Moved-away ones count too: re-adding one of those
        is what bringing it back is for."""
        key = same_household_key(head_name, address)
        digits = phone_digits(phone)
        found = []
        for row in self.repo.households(hamlet_id):
            home = row.household
            if home.id == exclude:
                continue
            same_house = bool(clean_text(head_name)) and same_household_key(home.head_name, home.address) == key
            same_phone = len(digits) >= 8 and phone_digits(home.phone) == digits
            if same_house or same_phone:
                found.append(home)
        return found[:5]

    def restore_household(self, household_id: str) -> tuple[Household | None, list[Issue]]:
        """Bring a household marked moved away (or duplicate) back onto the roster: the way
        back from a mis-tapped outcome. A change with the household's revision, as any edit:
        the server and the dashboard follow at the next sync."""
        household = self.repo.household(household_id)
        if household is None:
            raise KeyError(household_id)
        edited = Household.from_dict(household.to_dict())
        edited.removed_at = edited.removed_reason = None
        return self._save_edit(edited)

    def add_household(
        self, hamlet_id: str, head_name: str, address: str = "", phone: str = ""
    ) -> tuple[Household | None, list[Issue]]:
        """A new household, judged by the rules the server applies before it is saved."""
        household = Household(
            hamlet_id=hamlet_id,
            head_name=clean_text(head_name),
            address=clean_text(address),
            phone=clean_text(phone),
            created_at=now_iso(self.clock),
            checklist_version=checklists.current().version,
        )
        _, issues = check_household(household.to_dict(), self.context())
        if blocking(issues):
            return None, issues
        household.complete()
        self.repo.save_household(household)
        self._changed(hamlet_id)
        return household, issues

    # -- household -----------------------------------------------------------------------------
    def household_detail(self, household_id: str) -> HouseholdDetail | None:
        household = self.repo.household(household_id)
        if household is None:
            return None
        visits = self.repo.visits_of(household_id)
        row = next((r for r in self.repo.households(household.hamlet_id) if r.household.id == household_id), None)
        summary = row.summary if row else HouseholdSummary()
        latest = next((v for v in visits if v.id == summary.last_completed_visit_id), None)
        return HouseholdDetail(
            household,
            summary,
            visits,
            latest.members if latest else [],
            summary.follow_ups,
            self.draft_for(household_id),
        )

    def draft_for(self, household_id: str) -> str | None:
        for key, draft in self.repo.drafts().items():
            if draft.get("visit", {}).get("household_id") == household_id:
                return key
        return None

    # -- visits --------------------------------------------------------------------------------
    def start_visit(self, household_id: str) -> VisitWizard:
        """A new visit, or the unfinished one of this household: never two drafts for one door."""
        existing = self.draft_for(household_id)
        if existing is not None:
            return self.resume(existing)
        household = self.repo.household(household_id)
        if household is None:
            raise KeyError(household_id)
        detail = self.household_detail(household_id)
        previous = next((v for v in detail.visits if v.outcome == "completed"), None) if detail else None
        wizard = VisitWizard.start(
            household, previous, volunteer=self.repo.setting("volunteer", ""), config=self.config, clock=self.clock
        )
        self.autosave(wizard)
        return wizard

    def resume(self, draft_key: str) -> VisitWizard:
        draft = self.repo.draft(draft_key)
        if draft is None:
            raise KeyError(draft_key)
        return VisitWizard.from_draft(draft, config=self.config, clock=self.clock)

    def latest_draft(self) -> str | None:
        """The draft a volunteer was last working on, to offer after a restart."""
        drafts = self.repo.drafts()
        if not drafts:
            return None
        return max(drafts, key=lambda k: drafts[k].get("saved_at", ""))

    def autosave(self, wizard: VisitWizard) -> None:
        self.repo.save_draft(wizard.draft_key, wizard.to_draft())
        wizard.dirty = False

    def discard(self, wizard: VisitWizard) -> None:
        self.repo.delete_draft(wizard.draft_key)

    def save_visit(self, wizard: VisitWizard) -> Visit:
        """Save a finished visit; a visit that moves the household away (or finds it back)
        changes the household as it is stored now, not as it was when the visit began: a
        newer version from the server since then is kept, with its revision."""
        visit, household = wizard.finish()
        with self.repo.batch():
            if household is not None:
                current = self.repo.household(household.id)
                if current is not None:
                    current.removed_at, current.removed_reason = household.removed_at, household.removed_reason
                    current.updated_at = household.updated_at
                    if current.status is not Status.COMPLETE:
                        current.complete()
                    household = current
                self.repo.save_household(household)
            self.repo.save_visit(visit)
            self.repo.delete_draft(wizard.draft_key)
        self._changed(visit.hamlet_id)
        return visit

    # -- follow-ups ----------------------------------------------------------------------------
    def follow_up_list(self, hamlet_id: str | None = None) -> list[FollowUpItem]:
        """Who needs what next, household by household (one hamlet, or all when None)."""
        items = []
        hamlets = [h for h in self.repo.hamlets() if hamlet_id in (None, h.id)]
        for hamlet in hamlets:
            latest = {v.household_id: v for v in self.repo.latest_completed_visits(hamlet.id)}
            for row in self.repo.households(hamlet.id):
                visit = latest.get(row.household.id)
                for follow_up in row.summary.follow_ups:
                    member = visit.member(follow_up.member_id) if visit and follow_up.member_id else None
                    items.append(FollowUpItem(hamlet, row.household, follow_up, member))
        return items

    # -- backup --------------------------------------------------------------------------------
    def backup_bytes(self) -> tuple[str, bytes]:
        """Everything recorded on the phone as one JSON file, (file name, UTF-8 bytes), for the
        volunteer to save where they choose or share (a phone's app folder is private and
        goes with the app). Records keep their ids, status and revisions, so a restore never
        makes a second copy of anything on the server. Never the device token."""
        stamp = self.clock().astimezone(self.config.zone).strftime("%Y%m%d-%H%M")
        hamlets = self.repo.hamlets()
        rows = [r for h in hamlets for r in self.repo.households(h.id)]
        payload = {
            "format": BACKUP_FORMAT,
            "exported_at": now_iso(self.clock),
            "hamlets": [h.to_dict() for h in hamlets],
            "households": [r.household.to_dict() for r in rows],
            "visits": [v.to_dict() for r in rows for v in self.repo.visits_of(r.household.id)],
            "drafts": self.repo.drafts(),
        }
        return f"sao-luu-{stamp}.json", json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")

    def export_backup(self) -> Path:
        """The backup written into the app's data folder (`exports/`): the fallback where the
        client can neither save a file elsewhere nor share one (a desktop without dialogs)."""
        name, data = self.backup_bytes()
        folder = (self.data_dir or Path.cwd()) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        temp = target.with_suffix(".tmp")
        temp.write_bytes(data)
        temp.replace(target)
        return target

    def restore_backup(self, data: bytes) -> tuple[dict[str, int] | None, list[Issue]]:
        """Bring a backup onto this phone (a new phone, the old one lost): every household,
        visit and draft it holds that the phone does not have, with its id, status and
        revision; what the phone has already is kept as it is. Records sent before stay
        sent; the others go out at the next sync, once (the server knows records by id).

        Returns ({"households": n, "visits": n, "drafts": n, "kept": n}, []) or (None,
        [Issue("backup_invalid")]) when `data` is not a backup this app wrote; then nothing
        on the phone changes."""
        try:
            payload = json.loads(data.decode("utf-8"))
            if not isinstance(payload, dict) or payload.get("format") not in (1, BACKUP_FORMAT):
                raise ValueError("not a backup")
            hamlets = [Hamlet.from_dict(h) for h in payload.get("hamlets") or []]
            households = [Household.from_dict(h) for h in payload.get("households") or []]
            visits = [Visit.from_dict(v) for v in payload.get("visits") or []]
            drafts = payload.get("drafts") or {}
            if not isinstance(drafts, dict):
                raise ValueError("drafts")
            hamlet_ids = [h.id for h in hamlets] + [h.hamlet_id for h in households] + [v.hamlet_id for v in visits]
            for hamlet_id in hamlet_ids:
                check_hamlet_id(hamlet_id)  # a file name on the phone: checked before anything is written
            if not all(isinstance(r.id, str) and r.id for r in (*households, *visits)):
                raise ValueError("record id")
            if not all(isinstance(v.household_id, str) for v in visits):
                raise ValueError("visit household")
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError):
            return None, [Issue("backup_invalid", "")]
        counts = {"households": 0, "visits": 0, "drafts": 0, "kept": 0}
        with self.repo.batch():
            known = {h.id for h in self.repo.hamlets()}
            missing = [h for h in hamlets if h.id not in known]
            if missing:
                self.repo.save_hamlets([*self.repo.hamlets(), *missing])
            for household in households:
                if self.repo.household(household.id) is not None:
                    counts["kept"] += 1
                    continue
                self.repo.save_household(household)
                counts["households"] += 1
            for visit in visits:
                if self.repo.visit(visit.id) is not None or self.repo.household(visit.household_id) is None:
                    counts["kept"] += 1
                    continue
                self.repo.save_visit(visit)
                counts["visits"] += 1
            present = self.repo.drafts()
            for key, draft in drafts.items():
                if key not in present and isinstance(draft, dict) and self.repo.visit(str(key)) is None:
                    self.repo.save_draft(str(key), draft)
                    counts["drafts"] += 1
        self._changed()
        return counts, []


def _difference(seconds: float) -> dict[str, Any]:
    """How far a clock is off, in words (the context of `clock_far_from_server`)."""
    span = timedelta(seconds=round(seconds))
    hours, minutes = span.days * 24 + span.seconds // 3600, (span.seconds % 3600) // 60
    if hours >= 48:
        return {"difference_vi": f"{hours // 24} ngày", "difference_en": f"{hours // 24} days"}
    if hours:
        return {
            "difference_vi": f"{hours} giờ" + (f" {minutes} phút" if minutes else ""),
            "difference_en": f"{hours} h" + (f" {minutes} min" if minutes else ""),
        }
    return {"difference_vi": f"{minutes} phút", "difference_en": f"{minutes} min"}


def row_state(row: HouseholdRow) -> str:
    """not_visited | revisit | declined | completed | moved, as the hamlet list shows it.

    "moved" is the household's own mark (moved away, or a duplicate): a household brought
    back onto the roster after a mis-tapped "moved" is no longer moved, whatever that visit
    said, and waits for a visit again (or stays surveyed, if it was)."""
    if row.household.removed_at is not None:
        return "moved"
    state = row.summary.state
    if state == "moved":
        return "completed" if row.summary.last_completed_visit_id else "not_visited"
    return state


def _passes(row: HouseholdRow, filter_by: str, searching: bool = False) -> bool:
    state = row_state(row)
    if filter_by == "all":
        return searching or state != "moved"  # a search finds moved households too, marked so
    if filter_by == "follow_up":
        return bool(row.summary.follow_ups) and state != "moved"
    return state == filter_by


def member_label(member: Member, lang: str) -> str:
    """ "Vợ/chồng, sinh 1975": members have no names on purpose (data minimisation)."""
    relation = checklists.current().question("relation").choice_label(member.relation or "", lang)
    born = "sinh" if lang == "vi" else "born"
    return f"{relation}, {born} {member.birth_year}" if member.birth_year else relation


__all__ = [
    "ADULT_AGES",
    "FILTERS",
    "SYNC_MODES",
    "AppState",
    "FollowUpItem",
    "HamletProgress",
    "HouseholdDetail",
    "member_label",
    "row_state",
]

"""What a sync does to the phone's store: send the outbox, settle each record, take the roster.

Order matters for "never lose a visit": results are applied only to records whose content
is still what was sent (fingerprints), so a visit edited while the request was in flight
goes out again; the roster never overwrites a local change that has not reached the server.
Whatever the server keeps of a household comes back in the roster and replaces the phone's
copy (docs/sync-protocol.md: the server orders edits by its revisions, not by clocks), and
an edit of this phone that did not win is reported by name ("changed on another phone").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from storage import Repository, SyncResult
from survey.errors import message
from survey.records import Hamlet, Household, Status, Visit
from survey.revisions import describe
from survey.times import Clock, instant_or_none, iso, system_clock

from .client import SyncClient, SyncError

BATCH = 500  # records per request: 200 visits go in one round trip; a huge outbox in several


@dataclass(frozen=True)
class ConflictNotice:
    """A household edit of this phone that another phone's edit beat to the server."""

    household_id: str
    head_name: str
    fields: list[str]

    def text(self, lang: str) -> str:
        return f"{self.head_name}: {message('changed_elsewhere', lang, **describe(self.fields))}"


@dataclass
class SyncReport:
    """What one sync did, counted apart: sent and accepted, already on the server
    (duplicate), changed on another phone first (conflict), refused (rejected)."""

    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    roster_households: int = 0
    round_trips: int = 0
    error: SyncError | None = None
    rejected_ids: list[str] = field(default_factory=list)
    conflicts: list[ConflictNotice] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def enrol(repo: Repository, client: SyncClient, code: str, device_name: str) -> dict[str, Any]:
    """Trade the one-time code for a token; keep the token, the volunteer and the hamlets."""
    answer = client.enroll(code, device_name)
    with repo.batch():
        repo.set_setting("token", answer["token"])
        repo.set_setting(
            "enrolment",
            {
                "server_url": client.base_url,
                "status": "enrolled",
                "device_id": answer.get("device_id"),
                "volunteer": answer.get("volunteer"),
                "commune": answer.get("commune"),
            },
        )
        repo.set_setting("volunteer", (answer.get("volunteer") or {}).get("id", ""))
        if answer.get("config"):
            repo.set_setting("config", answer["config"])
        repo.set_setting("cursor", None)
        repo.set_setting("demo", False)
        repo.save_hamlets([Hamlet.from_dict(h) for h in answer.get("hamlets", [])])
    return answer


def sync_once(
    repo: Repository,
    client: SyncClient,
    progress: Callable[[int, int], None] | None = None,
    *,
    clock: Clock = system_clock,
    uptime: Callable[[], float] | None = None,
) -> SyncReport:
    """Send everything unsynced in as few round trips as possible, then take the roster.

    `clock` is the phone's: at each answer the phone learns how far it is from the server's
    (`server_time`), to warn the volunteer of a wrong clock before the next save.
    """
    report = SyncReport()
    outbox = repo.outbox()
    records: list[tuple[str, Household | Visit]] = [("household", h) for h in outbox.households] + [
        ("visit", v) for v in outbox.visits
    ]
    total = len(records)
    cursor = repo.setting("cursor")
    size, start = BATCH, 0
    answer: dict[str, Any] = {}
    try:
        while start < len(records) or not report.round_trips:
            # households first: a batch may carry a new household and its first visit
            chunk = records[start : start + size]
            sent = {record.id: record.fingerprint() for _, record in chunk}
            try:
                answer = client.sync(
                    cursor,
                    [r.to_dict() for kind, r in chunk if kind == "household"],
                    [r.to_dict() for kind, r in chunk if kind == "visit"],
                )
            except SyncError as error:
                if error.too_big and len(chunk) > 1:  # a server with smaller limits: halve and go on
                    size = max(1, len(chunk) // 2)
                    continue
                raise
            start += len(chunk)
            report.round_trips += 1
            learn_clock(repo, answer.get("server_time"), clock, uptime or boot_seconds)
            results = [_result(raw, sent) for raw in answer.get("results", [])]
            names = {record.id: record.head_name for kind, record in chunk if isinstance(record, Household)}
            with repo.batch():
                repo.record_results(results)
                applied, moving = apply_roster(repo, answer.get("roster") or {})
            # Households another phone moved: each move is several files, never inside a batch;
            # the cursor moves on only after them (a crash before: the next sync brings them again).
            report.roster_households += applied + apply_moves(repo, moving)
            with repo.batch():
                cursor = answer.get("cursor", cursor)
                repo.set_setting("cursor", cursor)
                if isinstance(answer.get("config"), dict):
                    repo.set_setting("config", answer["config"])
            for result in results:
                if result.result not in ("accepted", "duplicate", "conflict", "rejected"):
                    continue
                setattr(report, result.result, getattr(report, result.result) + 1)
                if result.result == "rejected":
                    report.rejected_ids.append(result.id)
                elif result.result == "conflict":
                    fields = [str(f) for f in result.context.get("fields") or []]
                    report.conflicts.append(ConflictNotice(result.id, names.get(result.id, ""), fields))
            report.sent += len(chunk)
            if progress:
                progress(report.sent, total)
    except SyncError as error:
        report.error = error
        return report
    finally:
        if report.round_trips:  # what the screen shows until the next sync, after a restart too
            repo.set_setting("sync_notices", [asdict(c) for c in report.conflicts])
    with repo.batch():
        repo.set_setting("last_sync", answer.get("server_time") or iso(clock()))
        repo.set_setting("server_coverage", answer.get("coverage"))
    repo.archive_synced()
    return report


def boot_seconds() -> float:
    """Seconds since the phone started, sleep included: a clock nobody sets, against which a
    change of the wall clock shows (Linux and Android; elsewhere the monotonic clock)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME) if hasattr(time, "CLOCK_BOOTTIME") else time.monotonic()


def learn_clock(repo: Repository, server_time: Any, clock: Clock, uptime: Callable[[], float] = boot_seconds) -> None:
    """Keep how far the phone's clock is from the server's (seconds, + when the phone is
    ahead), as of this answer (the network's delay is small beside a wrong clock), with the
    phone's uptime then: if the wall clock is set later, the two stop agreeing and what was
    learnt no longer holds (AppState.learnt_offset)."""
    moment = instant_or_none(server_time)
    if moment is not None:
        phone = clock()
        repo.set_setting(
            "clock",
            {
                "offset_seconds": round((phone - moment).total_seconds()),
                "server_time": iso(moment),
                "phone_time": iso(phone),
                "uptime": uptime(),
            },
        )


def saved_notices(repo: Repository) -> list[ConflictNotice]:
    """The conflicts of the last sync that reached the server."""
    found = []
    for raw in repo.setting("sync_notices") or []:
        if isinstance(raw, dict):
            found.append(
                ConflictNotice(
                    str(raw.get("household_id", "")),
                    str(raw.get("head_name", "")),
                    [str(f) for f in raw.get("fields") or []],
                )
            )
    return found


def _result(raw: dict[str, Any], sent: dict[str, str]) -> SyncResult:
    revision = raw.get("revision")
    return SyncResult(
        kind=raw["kind"],
        id=raw["id"],
        result=raw["result"],
        code=raw.get("code", ""),
        field=raw.get("field", ""),
        context=dict(raw.get("context") or {}),
        fingerprint=sent.get(raw["id"], ""),
        revision=revision if isinstance(revision, int) and not isinstance(revision, bool) else None,
    )


def apply_roster(repo: Repository, roster: dict[str, Any]) -> tuple[int, list[Household]]:
    """Households (and their latest completed visits) other volunteers registered or changed,
    and the version the server kept of this phone's own edits.

    The server's version replaces the phone's copy, with its revision. A household with a
    local change not yet on the server keeps the local version: it goes out with the next
    sync, made on the revision it started from, and the server settles it field by field.
    Returns how many households changed, and those that moved to another hamlet, for
    `apply_moves` to carry over outside the caller's batch.
    """
    if roster.get("hamlets"):
        repo.save_hamlets([Hamlet.from_dict(h) for h in roster["hamlets"]])
    mine = {h.id for h in repo.hamlets()}
    count, moving = 0, []
    for raw in roster.get("households", []):
        incoming = Household.from_dict(raw)
        local = repo.household(incoming.id)
        if local is not None and local.needs_sync:
            continue
        incoming.status, incoming.rejection = Status.SYNCED, None
        if (local is not None and local.hamlet_id != incoming.hamlet_id) or incoming.hamlet_id not in mine:
            if local is not None:
                moving.append(incoming)
            continue
        repo.save_household(incoming)
        count += 1
    for raw in roster.get("visits", []):
        pulled = Visit.from_dict(raw)
        if repo.visit(pulled.id) is not None or repo.household(pulled.household_id) is None:
            continue
        pulled.status, pulled.rejection = Status.SYNCED, None
        repo.save_visit(pulled)
    return count, moving


def apply_moves(repo: Repository, moving: list[Household]) -> int:
    """Households another phone moved to another hamlet: into one of this phone's hamlets,
    with every visit of theirs; out of them, let go of (unless something of theirs has not
    reached the server yet: then kept until it has). How many changed."""
    mine = {h.id for h in repo.hamlets()}
    count = 0
    for household in moving:
        if household.hamlet_id in mine:
            repo.save_household(household)
            count += 1
        elif repo.forget_household(household.id):
            count += 1
    return count

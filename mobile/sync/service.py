"""What a sync does to the phone's store: send the outbox, settle each record, take the roster.

Order matters for "never lose a visit": results are applied only to records whose content
is still what was sent (fingerprints), so a visit edited while the request was in flight
goes out again; the roster never overwrites a local change that has not reached the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from storage import Repository, SyncResult
from survey.records import Hamlet, Household, Status, Visit, now_iso

from .client import SyncClient, SyncError

BATCH = 500  # records per request: 200 visits go in one round trip; a huge outbox in several


@dataclass
class SyncReport:
    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    roster_households: int = 0
    round_trips: int = 0
    error: SyncError | None = None
    rejected_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def enrol(repo: Repository, client: SyncClient, code: str, device_name: str) -> dict[str, Any]:
    """Trade the one-time code for a token; keep the token, the volunteer and the hamlets."""
    answer = client.enroll(code, device_name)
    with repo.batch():
        repo.set_setting("token", answer["token"])
        repo.set_setting("enrolment", {
            "server_url": client.base_url, "status": "enrolled", "device_id": answer.get("device_id"),
            "volunteer": answer.get("volunteer"), "commune": answer.get("commune")})
        repo.set_setting("volunteer", (answer.get("volunteer") or {}).get("id", ""))
        if answer.get("config"):
            repo.set_setting("config", answer["config"])
        repo.set_setting("cursor", None)
        repo.set_setting("demo", False)
        repo.save_hamlets([Hamlet.from_dict(h) for h in answer.get("hamlets", [])])
    return answer


def sync_once(repo: Repository, client: SyncClient,
              progress: Callable[[int, int], None] | None = None) -> SyncReport:
    """Send everything unsynced in as few round trips as possible, then take the roster."""
    report = SyncReport()
    outbox = repo.outbox()
    records: list[tuple[str, Household | Visit]] = (
        [("household", h) for h in outbox.households] + [("visit", v) for v in outbox.visits])
    total = len(records)
    cursor = repo.setting("cursor")
    chunks = [records[i:i + BATCH] for i in range(0, len(records), BATCH)] or [[]]
    answer: dict[str, Any] = {}
    try:
        for chunk in chunks:
            # households first: a batch may carry a new household and its first visit
            sent = {record.id: record.fingerprint() for _, record in chunk}
            answer = client.sync(
                cursor,
                [r.to_dict() for kind, r in chunk if kind == "household"],
                [r.to_dict() for kind, r in chunk if kind == "visit"])
            report.round_trips += 1
            results = [_result(raw, sent) for raw in answer.get("results", [])]
            with repo.batch():
                repo.record_results(results)
                report.roster_households += apply_roster(repo, answer.get("roster") or {})
                cursor = answer.get("cursor", cursor)
                repo.set_setting("cursor", cursor)
            for result in results:
                setattr(report, result.result, getattr(report, result.result) + 1)
                if result.result == "rejected":
                    report.rejected_ids.append(result.id)
            report.sent += len(chunk)
            if progress:
                progress(report.sent, total)
    except SyncError as error:
        report.error = error
        return report
    with repo.batch():
        repo.set_setting("last_sync", answer.get("server_time") or now_iso())
        repo.set_setting("server_coverage", answer.get("coverage"))
    repo.archive_synced()
    return report


def _result(raw: dict[str, Any], sent: dict[str, str]) -> SyncResult:
    return SyncResult(kind=raw["kind"], id=raw["id"], result=raw["result"], code=raw.get("code", ""),
                      field=raw.get("field", ""), context=dict(raw.get("context") or {}),
                      fingerprint=sent.get(raw["id"], ""))


def apply_roster(repo: Repository, roster: dict[str, Any]) -> int:
    """Households (and their latest completed visits) other volunteers registered or changed.

    A household with a local change not yet on the server keeps the local version; it goes
    out with the next sync and the server decides (newer wins).
    """
    if roster.get("hamlets"):
        repo.save_hamlets([Hamlet.from_dict(h) for h in roster["hamlets"]])
    count = 0
    for raw in roster.get("households", []):
        incoming = Household.from_dict(raw)
        local = repo.household(incoming.id)
        if local is not None and local.needs_sync:
            continue
        incoming.status, incoming.rejection = Status.SYNCED, None
        try:
            repo.save_household(incoming)
        except ValueError:
            continue  # moved to another hamlet by staff: not a change this phone can hold
        count += 1
    for raw in roster.get("visits", []):
        incoming = Visit.from_dict(raw)
        if repo.visit(incoming.id) is not None or repo.household(incoming.household_id) is None:
            continue
        incoming.status, incoming.rejection = Status.SYNCED, None
        repo.save_visit(incoming)
    return count

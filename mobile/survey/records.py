"""Household, Member and Visit records, their device-made ids and their status lifecycle.

Every record is made on the phone with a UUID, so a visit recorded offline keeps its
identity through any number of re-sends. A record's status only moves along the lifecycle
below; anything else is a programming error and raises.

    draft ──complete()──▶ complete ──synced()──▶ synced
      ▲                      │  ▲                  │ (households only: an edit
      └──────reopen()────────┘  │                  │  makes them complete again)
                              rejected(reason) ◀───┘ (the server said no; fix, complete again)

Members travel inside their visit (a roster is an answer of that visit) and share its status.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping  # not typing.Mapping: isinstance() through typing is slower
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .times import Clock, instant, local_day, now_iso, system_clock, zone

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Status(StrEnum):
    DRAFT = "draft"
    COMPLETE = "complete"
    SYNCED = "synced"
    REJECTED = "rejected"


class Outcome(StrEnum):
    COMPLETED = "completed"
    NOBODY_HOME = "nobody_home"
    DECLINED = "declined"
    MOVED = "moved"


class InvalidTransition(RuntimeError):
    """A status change the lifecycle does not allow (a bug, never user input)."""


_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.COMPLETE}),
    Status.COMPLETE: frozenset({Status.DRAFT, Status.SYNCED, Status.REJECTED}),
    Status.REJECTED: frozenset({Status.DRAFT, Status.COMPLETE}),
    Status.SYNCED: frozenset(),
}


def new_id() -> str:
    return str(uuid.uuid4())


# Fields of a record that are sync bookkeeping, not what the volunteer recorded: left out of
# its fingerprint (DESIGN §5: the same content under the same id is a duplicate).
BOOKKEEPING = ("status", "rejection", "revision")


@dataclass(kw_only=True)
class Record:
    """What every synced record shares: identity, timestamps, lifecycle."""

    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = ""
    status: Status = Status.DRAFT
    rejection: dict[str, Any] | None = None
    checklist_version: int = 1

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        if not self.updated_at:
            self.updated_at = self.created_at

    # -- lifecycle -------------------------------------------------------------------------
    def _move(self, target: Status) -> None:
        if target not in _TRANSITIONS[self.status]:
            raise InvalidTransition(f"{type(self).__name__} {self.id}: {self.status} → {target}")
        self.status = target

    def complete(self) -> None:
        self._move(Status.COMPLETE)
        self.rejection = None

    def reopen(self) -> None:
        """Back to draft for editing: only before the server has it."""
        self._move(Status.DRAFT)

    def mark_synced(self) -> None:
        if self.status is Status.SYNCED:
            return  # a re-sent record answered "duplicate": already where it should be
        self._move(Status.SYNCED)

    def mark_rejected(self, code: str, field_name: str = "", context: Mapping[str, Any] | None = None) -> None:
        self._move(Status.REJECTED)
        self.rejection = {"code": code, "field": field_name, "context": dict(context or {})}

    def touch(self, clock: Clock = system_clock) -> None:
        """Stamp an edit with the clock's time (the phone's clock: a fact to show and to
        check, never what orders edits; the server's revisions do that)."""
        self.updated_at = now_iso(clock)

    @property
    def needs_sync(self) -> bool:
        return self.status in (Status.COMPLETE, Status.REJECTED)

    # -- content identity ------------------------------------------------------------------
    def fingerprint(self) -> str:
        """A hash of what the volunteer recorded, without sync bookkeeping.

        The server compares fingerprints to tell a harmless re-send (duplicate) from a
        changed record under the same id.
        """
        content = self.to_dict()
        for key in BOOKKEEPING:
            content.pop(key, None)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        return data


@dataclass(kw_only=True)
class Household(Record):
    hamlet_id: str
    head_name: str
    address: str = ""
    phone: str = ""
    # Off the roster from this moment: moved away (from a visit) or a duplicate (staff).
    removed_at: str | None = None
    removed_reason: str | None = None
    # The server's revision this copy is (synced) or was edited from (an edit not yet sent);
    # None until the server first acknowledged the household. Only the server assigns it.
    revision: int | None = None

    def _move(self, target: Status) -> None:
        # A household's details can change after it was synced (new phone, moved):
        # the change must be sent again, so a synced household may become complete.
        if self.status is Status.SYNCED and target is Status.COMPLETE:
            self.status = target
            return
        super()._move(target)

    def on_roster(self, as_of: date | None = None, tz: tzinfo | None = None) -> bool:
        """On the roster at the end of the commune's day `as_of` (now when None), judged by
        this record alone: it joined on the local day of `created_at` and left on that of
        `removed_at`. A household's full history (moves, back from away) is
        `survey.roster.Placement`s; this is its last chapter."""
        if as_of is None:
            return self.removed_at is None
        tz = tz or zone()
        if local_day(instant(self.created_at), tz) > as_of:
            return False
        return self.removed_at is None or local_day(instant(self.removed_at), tz) > as_of

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Household:
        return cls(**_known(cls, raw))


@dataclass(kw_only=True)
class Member:
    """One person in the household; no name, no ID number: data minimisation (DESIGN §7)."""

    id: str = field(default_factory=new_id)
    relation: str | None = None
    birth_year: int | None = None
    sex: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)

    CORE = ("relation", "birth_year", "sex")

    def value(self, question_id: str) -> Any:
        if question_id in self.CORE:
            return getattr(self, question_id)
        return self.answers.get(question_id)

    def values(self) -> dict[str, Any]:
        return {**self.answers, **{k: getattr(self, k) for k in self.CORE}}

    def age_in(self, year: int) -> int | None:
        if not isinstance(self.birth_year, int) or isinstance(self.birth_year, bool):
            return None
        return year - self.birth_year

    def is_adult(self, year: int, adult_age: int) -> bool:
        age = self.age_in(year)
        return age is not None and age >= adult_age

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Member:
        return cls(**_known(cls, raw))


@dataclass(kw_only=True)
class Consent:
    by: str
    at: str

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Consent:
        return cls(by=str(raw.get("by", "")), at=str(raw.get("at", "")))


@dataclass(kw_only=True, frozen=True)
class FollowUp:
    """Something a household or one adult still needs; `member_id` None means the household."""

    code: str
    member_id: str | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FollowUp:
        return cls(code=str(raw.get("code", "")), member_id=raw.get("member_id"))


@dataclass(kw_only=True)
class Visit(Record):
    household_id: str
    hamlet_id: str
    visited_at: str = field(default_factory=now_iso)
    outcome: str | None = None
    consent: Consent | None = None
    members: list[Member] = field(default_factory=list)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    follow_ups: list[FollowUp] = field(default_factory=list)
    volunteer: str = ""

    @property
    def at(self) -> datetime:
        """The instant of the visit (ValueError when `visited_at` is not a time with an offset)."""
        return instant(self.visited_at)

    def day_in(self, tz: tzinfo) -> date:
        """The commune's day of the visit (remembered while `visited_at` stays the same: the
        rules and the tallies ask for it a dozen times per visit)."""
        known: tuple[str, tzinfo, date] | None = self.__dict__.get("_day")
        if known is not None and known[0] == self.visited_at and known[1] is tz:
            return known[2]
        day = local_day(self.at, tz)
        self.__dict__["_day"] = (self.visited_at, tz, day)
        return day

    def year_in(self, tz: tzinfo) -> int:
        """ "The year of that visit" (DESIGN §3: who is an adult), in the commune's calendar."""
        return self.day_in(tz).year

    def household_values(self) -> dict[str, Any]:
        """Household-level answers of every section, by question id (ids are unique)."""
        flat: dict[str, Any] = {}
        for section_answers in self.answers.values():
            flat.update(section_answers)
        return flat

    def answer(self, question_id: str) -> Any:
        return self.household_values().get(question_id)

    def set_answer(self, section_id: str, question_id: str, value: Any) -> None:
        self.answers.setdefault(section_id, {})[question_id] = value

    @property
    def guidance_given(self) -> list[str]:
        return list(self.answer("guidance_given") or [])

    def member(self, member_id: str) -> Member | None:
        return next((m for m in self.members if m.id == member_id), None)

    def adults(self, adult_age: int, tz: tzinfo | None = None) -> list[Member]:
        """Members who are adults in the commune's year of this visit (DESIGN §3)."""
        if not self.members:
            return []
        year = self.year_in(tz or zone())  # parsed once, not once per member
        return [m for m in self.members if m.is_adult(year, adult_age)]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Visit:
        data = _known(cls, raw)
        consent = data.get("consent")
        data["consent"] = Consent.from_dict(consent) if isinstance(consent, Mapping) else None
        data["members"] = [Member.from_dict(m) for m in _list(data.get("members")) if isinstance(m, Mapping)]
        data["follow_ups"] = [FollowUp.from_dict(f) for f in _list(data.get("follow_ups")) if isinstance(f, Mapping)]
        answers = data.get("answers")
        data["answers"] = {
            str(k): dict(v)
            for k, v in (answers.items() if isinstance(answers, Mapping) else ())
            if isinstance(v, Mapping)
        }
        return cls(**data)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _known(cls: type[DataclassInstance], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the fields this version knows: a record from a newer build still opens."""
    names = cls.__dataclass_fields__  # a dict: membership as fast as a set, without building one
    return {k: v for k, v in raw.items() if k in names}


@dataclass(kw_only=True)
class Hamlet:
    """A thôn/bản: the unit volunteers work in and staff report on.

    `team_active_since` is the commune staff's flag for an active community digital-tech
    team (None: no active team), dated so that "as of" reports stay reproducible.
    """

    id: str
    name: str
    commune_code: str = ""
    team_active_since: str | None = None

    def team_active(self, day: date) -> bool:
        """The team is active at the end of `day` (a commune day; "current" is today there)."""
        if self.team_active_since is None:
            return False
        return date.fromisoformat(self.team_active_since[:10]) <= day

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Hamlet:
        return cls(**_known(cls, raw))

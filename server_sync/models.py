"""What the server stores. Record content is kept as the phone's JSON (`to_dict()`), beside
the few columns the server queries by; every schema change goes through a migration in
`server_sync/migrations/`.

Every time is an instant, stored as a UTC `datetime` (DESIGN §3): the phone's text is parsed
once at ingest and kept verbatim only inside the record's content (its fingerprint). Days
("as of" reports) are the commune's calendar days in its time zone, computed at ingest and
recomputed when the zone changes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Commune(Base):
    __tablename__ = "commune"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)  # official ward code
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(200))
    adult_age: Mapped[int] = mapped_column(Integer, default=18)
    close_margin: Mapped[float] = mapped_column(default=10.0)
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)  # overrides of the defaults
    # Since 0004: the zone whose calendar days every figure counts in, and the campaign's
    # first day (nothing recorded before it is accepted).
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    campaign_start: Mapped[date] = mapped_column(Date, default=date(2026, 1, 1))
    # Since 0005: how its reports are headed and signed (services/report.py, REPORT_SETTINGS).
    report_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Hamlet(Base):
    __tablename__ = "hamlet"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # slug, e.g. thon-na-pan
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    team_active_since: Mapped[str | None] = mapped_column(String(32))  # ISO date, staff's flag


class Volunteer(Base):
    __tablename__ = "volunteer"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Since 0006: paused by commune staff; their phones' syncs are refused until reactivated.
    deactivated_at: Mapped[datetime | None]


class VolunteerHamlet(Base):
    __tablename__ = "volunteer_hamlet"
    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteer.id"), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), primary_key=True)
    # Since 0006: the change sequence at which the hamlet joined the volunteer's scope (None:
    # from the start); a phone whose cursor is older gets the whole hamlet (services/roster.py).
    added_seq: Mapped[int | None] = mapped_column(Integer)


class EnrolmentCode(Base):
    __tablename__ = "enrolment_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteer.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256; never the code
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]  # since 0008: taken back by staff before it was used


class Device(Base):
    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteer.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256; never the token
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Household(Base):
    __tablename__ = "household"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the phone's UUID
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"))
    content: Mapped[dict[str, Any]]
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    created_day: Mapped[date] = mapped_column(Date)
    removed_day: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime]
    change_seq: Mapped[int] = mapped_column(Integer)
    # Since revision 0002: the household's latest completed visit and what it contributes to
    # each maintained adult age's indicators (see services/tallies.py).
    latest_visit_id: Mapped[str | None] = mapped_column(String(64))
    latest_visited_at: Mapped[datetime | None]
    tallies: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Since 0004: the revision the server last kept (1 when created); only the server sets it.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_household_hamlet_seq", "hamlet_id", "change_seq"),)


class Visit(Base):
    """Append-only: a visit id is written once and never changed."""

    __tablename__ = "visit"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"))
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"))
    visited_at: Mapped[datetime]
    visited_day: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[dict[str, Any]]
    fingerprint: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    device_id: Mapped[str | None] = mapped_column(String(36))
    tallies: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # since 0002
    change_seq: Mapped[int | None] = mapped_column(Integer)  # since 0003: the batch that brought it

    __table_args__ = (Index("ix_visit_household", "household_id", "outcome", "visited_day"),)


class Audit(Base):
    """Who (device, staff, or the admin command line: neither) changed or tried to change
    which record, from what to what. Kinds and actions: services/audit.py."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    device_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))  # services/audit.KINDS
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # created | updated | merged | conflict | refused
    old_fingerprint: Mapped[str | None] = mapped_column(String(64))
    new_fingerprint: Mapped[str | None] = mapped_column(String(64))
    old_content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    staff_user_id: Mapped[int | None] = mapped_column(Integer)  # since 0003: a change made on the dashboard
    commune_code: Mapped[str | None] = mapped_column(String(16))  # since 0008: whose trail it is

    __table_args__ = (Index("ix_audit_commune_at", "commune_code", "at", "id"),)


class ChangeCounter(Base):
    """One row: the last change sequence handed out. Writers lock it, so sequences commit in order."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class HamletTally(Base):
    """Per hamlet and adult age, the sum of its roster households' tallies (since 0002)."""

    __tablename__ = "hamlet_tally"
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), primary_key=True)
    adult_age: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40), primary_key=True)
    numerator: Mapped[int] = mapped_column(Integer, default=0)
    denominator: Mapped[int] = mapped_column(Integer, default=0)


class Meta(Base):
    """Small facts about derived data, e.g. which tally version the stored sums were made with."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# -- since 0003: commune staff, their sessions, duplicate decisions, coverage over time ------


class StaffUser(Base):
    """A commune staff account for the dashboard; role `staff` (view, export) or `admin`."""

    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # lower case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, never the password
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored; it expires."""

    __tablename__ = "staff_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))  # echoed by every form that changes something
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen: Mapped[datetime]


class SignInFailure(Base):
    """A failed sign-in, kept to slow down password guessing (per username and per client)."""

    __tablename__ = "sign_in_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime]


class DuplicateDismissal(Base):
    """Staff looked at two households flagged as likely duplicates and said they are not."""

    __tablename__ = "duplicate_dismissal"
    first_id: Mapped[str] = mapped_column(ForeignKey("household.id"), primary_key=True)  # the smaller id
    second_id: Mapped[str] = mapped_column(ForeignKey("household.id"), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[datetime]


class TallyChange(Base):
    """How each hamlet's tally changes on a day (period "D") and over a quarter (period "Q",
    `day` = the quarter's first day), per adult age: coverage as of any date is the sum of the
    changes up to it (see services/timeline.py). One column pair per indicator."""

    __tablename__ = "tally_change"
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), primary_key=True)
    adult_age: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)

    __table_args__ = (
        Index("ix_tally_change_age_period_day", "adult_age", "period", "day"),  # as-of and trend reads
    )


class TimelinePending(Base):
    """A household whose history changed since the timeline last took it in, and the batch
    that changed it first: what it was before is its placements and visits of earlier
    batches. The timeline catches up before it is read (services/timeline.py), not inside
    the sync."""

    __tablename__ = "timeline_pending"
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


# -- since 0004: revisions and the history of where each household stood -------------------


class HouseholdRevision(Base):
    """Every version of a household the server kept, by the revision it gave it: the base
    an edit made on an older revision is settled against (survey.revisions)."""

    __tablename__ = "household_revision"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]]
    change_seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]


class HouseholdPlacement(Base):
    """From `day` on (a commune day), the household was in `hamlet_id`, on the roster or
    not (survey.roster.Placement); `position` orders a household's placements and
    `change_seq` says which batch added each (the timeline reads what stood before it)."""

    __tablename__ = "household_placement"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"))
    on_roster: Mapped[bool]
    change_seq: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_household_placement_hamlet", "hamlet_id"),)


# -- since 0005: the plan's targets no visit measures, entered per period ------------------


class PeriodFigure(Base):
    """One entry of a period-entered indicator (survey.figures): append-only, the latest
    entry of an (indicator, period) counts and the earlier ones are its history; a
    `withdrawn` entry takes the period's figure back."""

    __tablename__ = "period_figure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    indicator: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(8))  # "2027" or "2027-Q4"
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    entered_at: Mapped[datetime]

    __table_args__ = (Index("ix_period_figure_commune", "commune_code", "indicator", "period"),)


# -- since 0006: each completed visit's open follow-ups, for the follow-up pages -------------


class VisitNeed(Base):
    """One open follow-up of a completed visit (survey.followups.open_follow_ups), derived
    after the syncs (services/followups.py). A visit is append-only, so its rows never
    change; `position` is the follow-up's place in the visit's list (the household's needs
    first, then each member's, in catalogue order)."""

    __tablename__ = "visit_need"
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))  # a catalogue code of the visit's checklist
    member_id: Mapped[str | None] = mapped_column(String(64))  # None: the whole household
    relation: Mapped[str | None] = mapped_column(String(64))  # the member's, as the checklist's value
    birth_year: Mapped[int | None] = mapped_column(Integer)
    checklist_version: Mapped[int] = mapped_column(Integer)  # whose labels the page shows


# -- since 0007: duplicates merged by staff, and undone ----------------------------------


class HouseholdMerge(Base):
    """Staff judged `dropped_id` a duplicate of `kept_id` (issue 12 §4): the dropped household
    left the roster through an ordinary edit (batch `merged_seq`), and as of any day from
    `from_day` (the later of the two creation days) the pair counts once, as the kept one,
    with the newest completed visit of the two. Visits stay where they were recorded; this
    row is the relation. An undo (batch `undone_seq`) puts both back as they were."""

    __tablename__ = "household_merge"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"), index=True)
    kept_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    dropped_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    from_day: Mapped[date] = mapped_column(Date)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    merged_at: Mapped[datetime]
    merged_seq: Mapped[int] = mapped_column(Integer)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    undone_at: Mapped[datetime | None]
    undone_seq: Mapped[int | None] = mapped_column(Integer)


def table(model: type[Base]) -> Table:
    """The Core table of a mapped class, typed as the `Table` it is (`__table__` is typed as
    any FromClause), for the services' bulk statements."""
    return cast(Table, model.__table__)


def _tally_change_columns() -> None:
    from sqlalchemy import Column

    from survey.indicators import INDICATOR_IDS

    for indicator in INDICATOR_IDS:
        for prefix in ("n", "d"):
            table(TallyChange).append_column(
                Column(f"{prefix}_{indicator}", Integer, nullable=False, server_default="0")
            )


_tally_change_columns()

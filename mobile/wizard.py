"""The visit wizard as plain state: which steps a visit has, what each step shows, what is
wrong on it, and how it is autosaved. The screen only renders this and calls its methods.

Steps come from the checklist (sections, skip conditions, who counts as an adult), never
from the view: a new checklist version changes the wizard without touching a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey import checklist as checklists
from survey.checklist import Checklist, Question, evaluate
from survey.errors import Issue
from survey.followups import derive_follow_ups
from survey.indicators import CoverageConfig, default_config
from survey.records import Consent, FollowUp, Household, Member, Outcome, Status, Visit
from survey.times import Clock, now_iso, system_clock
from survey.validation import RecordContext, blocking, check_visit

TIME_FIELDS = ("visited_at", "created_at", "updated_at")  # a wrong clock shows on the outcome step

DRAFT_FORMAT = 1
# Answers that record what happened at this visit, not how the household stands: a revisit
# never starts from them (the volunteer guides again, sees the VNeID app again).
NOT_CARRIED = frozenset({"guidance_given", "vneid_seen"})


@dataclass(frozen=True)
class Step:
    """One screen of the wizard: `key` is stable across restarts (it is autosaved)."""

    key: str
    kind: str  # outcome | consent | roster | adult | section | follow_ups | summary
    section_id: str | None = None
    member_id: str | None = None


@dataclass
class VisitWizard:
    visit: Visit
    household: Household
    step_key: str = "outcome"
    dirty: bool = False
    started_at: str = field(default_factory=now_iso)
    # The commune's configuration (time zone, campaign start, adult age) and the phone's
    # clock: what the rules judge the visit with, before it is saved (DESIGN §5).
    config: CoverageConfig = field(default_factory=default_config, repr=False)
    clock: Clock = field(default=system_clock, repr=False)
    # The last completed visit's answers this visit started from (a revisit), as a visit's
    # dict; None for a first visit. Kept so that choosing "completed" again after another
    # outcome brings them back.
    prefill: dict[str, Any] | None = None

    # -- construction and autosave -----------------------------------------------------------
    @classmethod
    def start(
        cls,
        household: Household,
        previous: Visit | None = None,
        volunteer: str = "",
        *,
        config: CoverageConfig | None = None,
        clock: Clock = system_clock,
    ) -> VisitWizard:
        """A new visit; a household visited before starts from its last roster."""
        definition = checklists.current()
        now = now_iso(clock)
        visit = Visit(
            household_id=household.id,
            hamlet_id=household.hamlet_id,
            created_at=now,
            visited_at=now,
            checklist_version=definition.version,
            volunteer=volunteer,
        )
        prefill = None
        if previous is not None and previous.outcome == Outcome.COMPLETED:
            prefill = _carried(previous, definition)
            _apply(visit, prefill)
        return cls(
            visit=visit,
            household=household,
            started_at=now,
            config=config or default_config(),
            clock=clock,
            prefill=prefill,
        )

    @property
    def prefilled_from(self) -> str | None:
        """When the visit these answers were carried from took place (None: a first visit)."""
        return (self.prefill or {}).get("visited_at")

    def to_draft(self) -> dict[str, Any]:
        return {
            "format": DRAFT_FORMAT,
            "visit": self.visit.to_dict(),
            "household": self.household.to_dict(),
            "step": self.step_key,
            "started_at": self.started_at,
            "saved_at": now_iso(),
            "prefill": self.prefill,
        }

    @classmethod
    def from_draft(
        cls, draft: dict[str, Any], *, config: CoverageConfig | None = None, clock: Clock = system_clock
    ) -> VisitWizard:
        wizard = cls(
            visit=Visit.from_dict(draft["visit"]),
            household=Household.from_dict(draft["household"]),
            step_key=str(draft.get("step", "outcome")),
            started_at=str(draft.get("started_at") or now_iso(clock)),
            config=config or default_config(),
            clock=clock,
            prefill=draft.get("prefill") if isinstance(draft.get("prefill"), dict) else None,
        )
        if wizard.step_key not in {s.key for s in wizard.steps()}:
            wizard.step_key = "outcome"
        return wizard

    @property
    def draft_key(self) -> str:
        return self.visit.id

    # -- the steps ---------------------------------------------------------------------------
    @property
    def checklist(self) -> Checklist:
        return checklists.load(self.visit.checklist_version)

    def steps(self) -> list[Step]:
        steps = [Step("outcome", "outcome")]
        if self.visit.outcome == Outcome.COMPLETED:
            definition = self.checklist
            steps += [Step("consent", "consent"), Step("roster", "roster")]
            for member in self.adults_asked():
                steps.append(Step(f"adult:{member.id}", "adult", member_id=member.id))
            for section in definition.sections_for("household"):
                if section.id == "members":
                    continue  # its questions sit on the roster step
                steps.append(Step(f"section:{section.id}", "section", section_id=section.id))
            steps.append(Step("follow_ups", "follow_ups"))
        steps.append(Step("summary", "summary"))
        return steps

    @property
    def step(self) -> Step:
        for step in self.steps():
            if step.key == self.step_key:
                return step
        return self.steps()[0]

    @property
    def position(self) -> tuple[int, int]:
        """(1-based index of this step, number of steps) for the progress indicator."""
        keys = [s.key for s in self.steps()]
        return keys.index(self.step.key) + 1, len(keys)

    @property
    def year(self) -> int:
        """The commune's year of the visit (who is an adult): this year while it has no time."""
        try:
            return self.visit.year_in(self.config.zone)
        except (TypeError, ValueError):
            return self.config.today(self.clock).year

    def adults_asked(self) -> list[Member]:
        age = self.checklist.adult_questions_from_age
        year = self.year
        return [m for m in self.visit.members if m.is_adult(year, age)]

    def visible_questions(self, step: Step | None = None) -> list[Question]:
        """The questions this step asks now, after the checklist's skip conditions."""
        step = step or self.step
        definition = self.checklist
        household = self.visit.household_values()
        if step.kind == "section":
            section = next(s for s in definition.sections if s.id == step.section_id)
            return [q for q in section.questions if evaluate(q.when, household)]
        if step.kind == "adult":
            member = self.visit.member(step.member_id or "")
            if member is None:
                return []
            context = {**household, **member.values()}
            return [q for q in definition.questions_for("adult") if evaluate(q.when, context)]
        if step.kind == "roster":
            return list(definition.sections_for("household")[0].questions)
        return []

    # -- moving --------------------------------------------------------------------------------
    def context(self) -> RecordContext:
        """The rules' view of now: the phone's clock, the commune's configuration."""
        return RecordContext.of(self.config, self.clock())

    def issues(self) -> list[Issue]:
        """Every issue of the visit by the rules the server applies (form, times, content)."""
        return check_visit(self.visit.to_dict(), self.context())[1]

    def time_issues(self) -> list[Issue]:
        """Issues of the visit's times: the phone's clock was wrong when they were stamped."""
        return [i for i in self.issues() if i.field in TIME_FIELDS or i.field == "consent.at"]

    def step_issues(self, step: Step | None = None) -> list[Issue]:
        """Issues whose field belongs to this step, to show inline and to gate "Next"."""
        step = step or self.step
        return [i for i in self.issues() if self.step_of_field(i.field) == step.key]

    def step_of_field(self, field_name: str) -> str:
        if field_name.startswith("outcome") or field_name in TIME_FIELDS or not field_name:
            return "outcome"
        if field_name.startswith("consent"):
            return "consent"
        if field_name.startswith("follow_ups"):
            return "follow_ups"
        if field_name.startswith("members["):
            index = int(field_name[len("members[") : field_name.index("]")])
            question = field_name.split(".", 1)[1] if "." in field_name else ""
            if question in {q.id for q in self.checklist.questions_for("adult")} and index < len(self.visit.members):
                key = f"adult:{self.visit.members[index].id}"
                if key in {s.key for s in self.steps()}:
                    return key
            return "roster"  # e.g. a birth year that no longer makes them an adult
        section = field_name.split(".", 1)[0]
        if section == "members":
            return "roster"
        return f"section:{section}"

    def can_leave_step(self) -> bool:
        return not blocking(self.step_issues())

    def next(self) -> bool:
        """Forward when the step has no errors; False (and stay) otherwise."""
        if not self.can_leave_step():
            return False
        keys = [s.key for s in self.steps()]
        index = keys.index(self.step.key)
        self.step_key = keys[min(index + 1, len(keys) - 1)]
        return True

    def back(self) -> bool:
        keys = [s.key for s in self.steps()]
        index = keys.index(self.step.key)
        if index == 0:
            return False
        self.step_key = keys[index - 1]
        return True

    def go_to(self, key: str) -> None:
        """Jump to a step from the summary (to fix something)."""
        if key in {s.key for s in self.steps()}:
            self.step_key = key

    # -- answering -----------------------------------------------------------------------------
    def set_outcome(self, outcome: str) -> None:
        """The volunteer at the door says what happened: that moment is the visit's time."""
        self.visit.outcome = outcome
        self.visit.visited_at = now_iso(self.clock)
        if outcome != Outcome.COMPLETED:
            # A declined or empty-house visit keeps no personal data (DESIGN §7).
            self.visit.members, self.visit.answers, self.visit.consent = [], {}, None
            self.visit.follow_ups = []
        elif self.prefill and not self.visit.members and not self.visit.answers:
            _apply(self.visit, self.prefill)  # back to "completed": the revisit's answers again
        self._changed()

    def set_consent(self, agreed: bool, by: str) -> None:
        self.visit.consent = Consent(by=by.strip(), at=now_iso(self.clock)) if agreed else None
        self._changed()

    def restamp(self) -> None:
        """Take the visit's times from the clock again, once the volunteer set it right: the
        way out of `time_before_campaign` / `time_in_future` without re-entering anything."""
        now = now_iso(self.clock)
        self.visit.visited_at = self.visit.created_at = now
        if self.visit.consent is not None:
            self.visit.consent = Consent(by=self.visit.consent.by, at=now)
        self._changed()

    def answer(self, question_id: str, value: Any, member_id: str | None = None) -> None:
        """Record one answer; answers of questions that became hidden are dropped."""
        if member_id is not None:
            member = self.visit.member(member_id)
            if member is None:
                return
            if question_id in Member.CORE:
                setattr(member, question_id, value)
            else:
                _put(member.answers, question_id, value)
        else:
            section = self.checklist.section_of(question_id)
            _put(self.visit.answers.setdefault(section.id, {}), question_id, value)
        self._drop_hidden()
        self._changed()

    def add_member(self) -> Member:
        member = Member()
        self.visit.members.append(member)
        self._changed()
        return member

    def remove_member(self, member_id: str) -> tuple[int, Member, list[FollowUp]] | None:
        """Take a member off the roster; returns what `restore_member` needs to undo it
        (their place, the member with their answers, their follow-ups), None if not there."""
        index = next((i for i, m in enumerate(self.visit.members) if m.id == member_id), None)
        if index is None:
            return None
        member = self.visit.members[index]
        theirs = [f for f in self.visit.follow_ups if f.member_id == member_id]
        self.visit.members = [m for m in self.visit.members if m.id != member_id]
        self.visit.follow_ups = [f for f in self.visit.follow_ups if f.member_id != member_id]
        self._changed()
        return index, member, theirs

    def restore_member(self, removed: tuple[int, Member, list[FollowUp]]) -> None:
        """Undo `remove_member`: the member back in their place, answers and follow-ups too."""
        index, member, theirs = removed
        if self.visit.member(member.id) is not None:
            return
        self.visit.members.insert(min(index, len(self.visit.members)), member)
        self.visit.follow_ups += theirs
        self._changed()

    def suggested_follow_ups(self) -> list[FollowUp]:
        return derive_follow_ups(self.visit)

    def toggle_follow_up(self, code: str, member_id: str | None, on: bool) -> None:
        wanted = FollowUp(code=code, member_id=member_id)
        rest = [f for f in self.visit.follow_ups if f != wanted]
        self.visit.follow_ups = rest + ([wanted] if on else [])
        self._changed()

    def _drop_hidden(self) -> None:
        definition = self.checklist
        household = self.visit.household_values()
        for section in definition.sections_for("household"):
            answers = self.visit.answers.get(section.id, {})
            for q in section.questions:
                if q.id in answers and not evaluate(q.when, household):
                    del answers[q.id]
        year = self.year
        for member in self.visit.members:
            context = {**household, **member.values()}
            adult = member.is_adult(year, definition.adult_questions_from_age)
            for q in definition.questions_for("adult"):
                if q.id in member.answers and not (adult and evaluate(q.when, context)):
                    del member.answers[q.id]

    def _changed(self) -> None:
        self.dirty = True
        self.visit.updated_at = now_iso(self.clock)

    # -- finishing -----------------------------------------------------------------------------
    def ready_to_save(self) -> bool:
        return self.visit.outcome is not None and not blocking(self.issues())

    def finish(self) -> tuple[Visit, Household | None]:
        """The completed visit, and the household when the visit changed it (moved / back)."""
        if not self.ready_to_save():
            raise ValueError("the visit still has errors")
        self.visit.complete()
        household = None
        if self.visit.outcome == Outcome.MOVED and self.household.removed_at is None:
            household = _copy(self.household)
            household.removed_at, household.removed_reason = self.visit.visited_at, "moved"
        elif self.visit.outcome == Outcome.COMPLETED and self.household.removed_at is not None:
            household = _copy(self.household)
            household.removed_at = household.removed_reason = None
        if household is not None:
            household.touch(self.clock)
            if household.status is not Status.COMPLETE:
                household.complete()
        self.dirty = False
        return self.visit, household


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value in (None, "", []):
        target.pop(key, None)
    else:
        target[key] = value


def _carried(previous: Visit, definition: Checklist) -> dict[str, Any]:
    """What a revisit starts from: the last completed visit's members (with their answers),
    household answers and chosen follow-ups, for the questions this checklist still asks,
    without what belongs to that visit alone (consent, NOT_CARRIED)."""
    known = {q.id for section in definition.sections for q in section.questions} - NOT_CARRIED
    answers = {
        section: {q: v for q, v in values.items() if q in known}
        for section, values in previous.answers.items()
        if isinstance(values, dict)
    }
    members = [
        {
            "id": m.id,
            "relation": m.relation,
            "birth_year": m.birth_year,
            "sex": m.sex,
            "answers": {q: v for q, v in m.answers.items() if q in known},
        }
        for m in previous.members
    ]
    catalogue = {item.code for item in definition.catalogue}
    follow_ups = [
        {"code": f.code, "member_id": f.member_id}
        for f in previous.follow_ups
        if f.code in catalogue and f.member_id in (None, *(m.id for m in previous.members))
    ]
    return {
        "visited_at": previous.visited_at,
        "answers": {k: v for k, v in answers.items() if v},
        "members": members,
        "follow_ups": follow_ups,
    }


def _apply(visit: Visit, prefill: dict[str, Any]) -> None:
    """Put a revisit's carried answers into `visit` (fresh copies: editing one never edits the other)."""
    import copy

    visit.answers = copy.deepcopy(prefill.get("answers") or {})
    visit.members = [Member.from_dict(copy.deepcopy(m)) for m in prefill.get("members") or []]
    visit.follow_ups = [FollowUp.from_dict(f) for f in prefill.get("follow_ups") or []]


def _copy(household: Household) -> Household:
    return Household.from_dict(household.to_dict())

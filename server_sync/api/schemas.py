"""Wire shapes of protocol v1, input and output kept apart (docs/sync-protocol.md).

Input schemas check structure and types only, strictly (no "1" for 1); what a volunteer
answered is judged by `survey.validation`, record by record, so one bad answer rejects one
record instead of the whole batch. Record fields follow `survey.records` `to_dict()`;
unknown fields from a newer app are accepted and ignored.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, model_serializer

from survey.records import parse_time

Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=500)]


def _time(value: str) -> str:
    try:
        parse_time(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("not an ISO 8601 time") from None
    return value


Time = Annotated[str, Field(max_length=40), AfterValidator(_time)]


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class RecordIn(_In):
    id: Id
    created_at: Time
    updated_at: Time | None = None
    status: Annotated[str, Field(max_length=16)] = "complete"
    rejection: dict[str, JsonValue] | None = None
    checklist_version: int = 1


class HouseholdIn(RecordIn):
    hamlet_id: Id
    head_name: Text
    address: Text = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    removed_at: Time | None = None
    removed_reason: Annotated[str, Field(max_length=32)] | None = None


class ConsentIn(_In):
    by: Text
    at: Annotated[str, Field(max_length=40)]


class MemberIn(_In):
    id: Id
    relation: JsonValue = None
    birth_year: JsonValue = None
    sex: JsonValue = None
    answers: dict[str, JsonValue] = {}


class FollowUpIn(_In):
    code: Annotated[str, Field(max_length=64)]
    member_id: Id | None = None


class VisitIn(RecordIn):
    household_id: Id
    hamlet_id: Id
    visited_at: Annotated[str, Field(max_length=40)]
    outcome: Annotated[str, Field(max_length=32)] | None = None
    consent: ConsentIn | None = None
    members: Annotated[list[MemberIn], Field(max_length=100)] = []
    answers: dict[str, dict[str, JsonValue]] = {}
    follow_ups: Annotated[list[FollowUpIn], Field(max_length=200)] = []
    volunteer: Text = ""


class SyncIn(_In):
    protocol: int
    app_version: Annotated[str, Field(max_length=32)] = ""
    cursor: Annotated[str, Field(max_length=20)] | None = None
    households: list[HouseholdIn] = []
    visits: list[VisitIn] = []


class EnrollIn(_In):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    device_name: Annotated[str, Field(max_length=200)] = ""


# -- output -----------------------------------------------------------------------------------


class Message(BaseModel):
    vi: str
    en: str


class ErrorBody(BaseModel):
    code: str
    field: str
    message: Message
    context: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorBody


class HealthOut(BaseModel):
    status: str
    version: str
    protocol: int
    checklist_versions: list[int]


class HamletOut(BaseModel):
    id: str
    name: str
    commune_code: str
    team_active_since: str | None


class VolunteerOut(BaseModel):
    id: str
    name: str


class CommuneOut(BaseModel):
    code: str
    name: str
    province: str


class TargetOut(BaseModel):
    min: float
    strict: bool
    max: float | None


class ConfigOut(BaseModel):
    adult_age: int
    close_margin: float
    targets: dict[str, TargetOut]


class EnrollOut(BaseModel):
    token: str
    device_id: str
    volunteer: VolunteerOut
    commune: CommuneOut
    hamlets: list[HamletOut]
    config: ConfigOut


class ResultOut(BaseModel):
    kind: str
    id: str
    result: str
    code: str | None = None
    field: str | None = None
    context: dict[str, Any] | None = None
    message: Message | None = None

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: Any) -> dict[str, Any]:
        """An accepted record is just kind, id and result, as in the protocol's example."""
        return {k: v for k, v in handler(self).items() if v is not None}


class RosterOut(BaseModel):
    hamlets: list[HamletOut]
    households: list[dict[str, Any]]
    visits: list[dict[str, Any]]


class IndicatorOut(BaseModel):
    numerator: int
    denominator: int
    percent: float | None  # None: no data (denominator 0), never 0 or 100
    target: TargetOut | None
    status: str  # met | close | far | no_data | no_target


class SyncCoverageOut(BaseModel):
    hamlets: dict[str, dict[str, IndicatorOut]]


class SyncOut(BaseModel):
    results: list[ResultOut]
    roster: RosterOut
    cursor: str
    coverage: SyncCoverageOut
    server_time: str


class HamletCoverageOut(BaseModel):
    id: str
    name: str
    indicators: dict[str, IndicatorOut]


class CoverageOut(BaseModel):
    as_of: str | None
    adult_age: int
    commune: dict[str, IndicatorOut]
    hamlets: list[HamletCoverageOut]

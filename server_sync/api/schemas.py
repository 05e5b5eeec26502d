"""Wire shapes of protocol v2, input and output kept apart (docs/sync-protocol.md).

The input schemas check the envelope only: the protocol, the cursor and that households and
visits are lists. Each record is read and judged by the domain's rules about one record
(`survey.validation`: form, times, content), record by record, so a malformed record is
rejected with its own code while the rest of its batch is applied.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_serializer

from survey.records import Outcome
from survey.shape import FIELD_LIMITS, ID, MAX_FOLLOW_UPS, MAX_MEMBERS, MAX_TIME_TEXT, STATUSES


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


# What a record must look like, for the OpenAPI document (a client generated from it sends
# what the server takes). The server does not validate records against these: each record is
# judged by the domain's rules (`survey.validation`), and a bad one is rejected alone.
_ID = {"type": "string", "pattern": f"^{ID.pattern}$"}
_TIME = {
    "type": "string",
    "format": "date-time",
    "maxLength": MAX_TIME_TEXT,
    "description": "ISO 8601 with its offset, e.g. 2026-03-10T09:30:00.000+07:00",
}
_TIME_OR_NULL = {"anyOf": [_TIME, {"type": "null"}]}
_TEXT = {
    name: {"anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}]} for name, limit in FIELD_LIMITS.items()
}
_COMMON = {
    "id": _ID,
    "hamlet_id": _ID,
    "created_at": _TIME,
    "updated_at": _TIME_OR_NULL,
    "status": {"type": "string", "enum": sorted(STATUSES)},
    "checklist_version": {"type": "integer", "minimum": 1},
}
HOUSEHOLD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "hamlet_id", "head_name", "created_at"],
    "properties": {
        **_COMMON,
        "head_name": {"type": "string", "minLength": 1, "maxLength": FIELD_LIMITS["head_name"]},
        "address": _TEXT["address"],
        "phone": _TEXT["phone"],
        "revision": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "description": "the server's revision this edit was made on; null when new",
        },
        "removed_at": _TIME_OR_NULL,
        "removed_reason": {"anyOf": [{"type": "string", "enum": ["moved", "duplicate"]}, {"type": "null"}]},
    },
}
VISIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "household_id", "hamlet_id", "visited_at", "outcome", "created_at"],
    "properties": {
        **_COMMON,
        "household_id": _ID,
        "visited_at": _TIME,
        "outcome": {"type": "string", "enum": [o.value for o in Outcome]},
        "volunteer": _TEXT["volunteer"],
        "consent": {
            "anyOf": [{"type": "object", "properties": {"by": {"type": "string"}, "at": _TIME}}, {"type": "null"}]
        },
        "members": {
            "type": "array",
            "maxItems": MAX_MEMBERS,
            "items": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": _ID,
                    "birth_year": {"type": ["integer", "null"]},
                    "answers": {"type": "object", "description": "member questions of the checklist"},
                },
            },
        },
        "answers": {"type": "object", "description": "household answers by section of the checklist"},
        "follow_ups": {"type": "array", "maxItems": MAX_FOLLOW_UPS, "items": {"type": "object"}},
    },
}


class SyncIn(_In):
    protocol: int
    app_version: Annotated[str, Field(max_length=32)] = ""
    cursor: Annotated[str, Field(max_length=20, pattern=r"^[0-9]*$")] | None = None
    households: Annotated[
        list[Any], WithJsonSchema({"type": "array", "items": HOUSEHOLD_SCHEMA, "maxItems": 5_000})
    ] = Field(default=[], description="Household objects (Household.to_dict()), judged one by one")
    visits: Annotated[list[Any], WithJsonSchema({"type": "array", "items": VISIT_SCHEMA, "maxItems": 20_000})] = Field(
        default=[], description="Visit objects (Visit.to_dict()), judged one by one"
    )


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
    time_zone: str
    campaign_start: str  # YYYY-MM-DD


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
    revision: int | None = None  # households: the revision the server keeps

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
    config: ConfigOut


class HamletCoverageOut(BaseModel):
    id: str
    name: str
    indicators: dict[str, IndicatorOut]


class CoverageOut(BaseModel):
    as_of: str | None  # as asked (None: current figures)
    day: str  # the commune day the figures hold for: today for current figures or a day still to come
    adult_age: int
    commune: dict[str, IndicatorOut]
    hamlets: list[HamletCoverageOut]

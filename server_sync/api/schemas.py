"""Wire shapes of protocol v2, input and output kept apart (docs/sync-protocol.md).

The input schemas check the envelope only: the protocol, the cursor and that households and
visits are lists. Each record is read and judged by the domain's rules about one record
(`survey.validation`: form, times, content), record by record, so a malformed record is
rejected with its own code while the rest of its batch is applied.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_serializer


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class SyncIn(_In):
    protocol: int
    app_version: Annotated[str, Field(max_length=32)] = ""
    cursor: Annotated[str, Field(max_length=20)] | None = None
    households: list[Any] = Field(default=[], description="Household objects (Household.to_dict()), judged one by one")
    visits: list[Any] = Field(default=[], description="Visit objects (Visit.to_dict()), judged one by one")


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

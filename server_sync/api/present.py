"""Domain results → output schemas: rounding and messages are made here, at the edge."""

from __future__ import annotations

from collections.abc import Iterable

from survey.errors import message
from survey.indicators import Coverage, CoverageConfig, CoverageReport, IndicatorValue, Target

from ..services.ingest import RecordResult
from . import schemas


def target(value: Target | None) -> schemas.TargetOut | None:
    return None if value is None else schemas.TargetOut(min=value.min, strict=value.strict, max=value.max)


def indicator(value: IndicatorValue, close_margin: float) -> schemas.IndicatorOut:
    percent = value.percent
    return schemas.IndicatorOut(
        numerator=value.numerator,
        denominator=value.denominator,
        percent=None if percent is None else round(percent, 2),
        target=target(value.target),
        status=value.status(close_margin),
    )


def indicators(coverage: Coverage, config: CoverageConfig) -> dict[str, schemas.IndicatorOut]:
    return {key: indicator(value, config.close_margin) for key, value in coverage.values.items()}


def config(value: CoverageConfig) -> schemas.ConfigOut:
    return schemas.ConfigOut(
        adult_age=value.adult_age,
        close_margin=value.close_margin,
        targets={k: t for k, v in value.targets.items() if (t := target(v))},
        time_zone=value.time_zone,
        campaign_start=value.campaign_start.isoformat(),
    )


def result(value: RecordResult) -> schemas.ResultOut:
    if not value.code:
        return schemas.ResultOut(kind=value.kind, id=value.id, result=value.result, revision=value.revision)
    values = {**value.context, "field": value.field}
    return schemas.ResultOut(
        kind=value.kind,
        id=value.id,
        result=value.result,
        code=value.code,
        field=value.field,
        context=value.context,
        revision=value.revision,
        message=schemas.Message(vi=message(value.code, "vi", **values), en=message(value.code, "en", **values)),
    )


def coverage(report: CoverageReport, hamlet_ids: Iterable[str], names: dict[str, str]) -> schemas.CoverageOut:
    return schemas.CoverageOut(
        as_of=report.as_of.isoformat() if report.as_of else None,
        day=(report.day or report.shown_day).isoformat(),
        adult_age=report.config.adult_age,
        commune=indicators(report.total, report.config),
        hamlets=[
            schemas.HamletCoverageOut(
                id=h, name=names.get(h, h), indicators=indicators(report.hamlets[h], report.config)
            )
            for h in hamlet_ids
            if h in report.hamlets
        ],
    )

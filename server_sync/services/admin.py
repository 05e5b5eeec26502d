"""What commune staff set up: the commune and its configuration, hamlets, volunteers."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey.indicators import CoverageConfig

from .. import models
from . import tallies


def create_commune(session: Session, code: str, name: str, province: str, *,
                   adult_age: int = 18, close_margin: float = 10.0,
                   targets: Mapping[str, Any] | None = None) -> models.Commune:
    targets = dict(targets or {})
    CoverageConfig.from_dict({"targets": targets})  # unknown indicators fail here, not in a report
    commune = models.Commune(code=code, name=name, province=province, adult_age=adult_age,
                             close_margin=close_margin, targets=targets)
    session.add(commune)
    session.flush()
    return commune


def add_hamlet(session: Session, commune_code: str, hamlet_id: str, name: str,
               team_active_since: str | None = None) -> models.Hamlet:
    hamlet = models.Hamlet(id=hamlet_id, commune_code=commune_code, name=name,
                           team_active_since=team_active_since)
    session.add(hamlet)
    session.flush()
    session.execute(insert(models.HamletTally), tallies.zero_rows([hamlet_id]))
    return hamlet


def add_volunteer(session: Session, commune_code: str, name: str,
                  hamlet_ids: Iterable[str]) -> models.Volunteer:
    volunteer = models.Volunteer(id=str(uuid.uuid4()), commune_code=commune_code, name=name,
                                 created_at=datetime.now(timezone.utc))
    session.add(volunteer)
    session.flush()
    for hamlet_id in hamlet_ids:
        session.add(models.VolunteerHamlet(volunteer_id=volunteer.id, hamlet_id=hamlet_id))
    session.flush()
    return volunteer


def coverage_config(commune: models.Commune) -> CoverageConfig:
    return CoverageConfig.from_dict({"adult_age": commune.adult_age, "close_margin": commune.close_margin,
                                     "targets": commune.targets or {}})


def hamlets_of(session: Session, commune_code: str) -> list[models.Hamlet]:
    return list(session.scalars(select(models.Hamlet).where(models.Hamlet.commune_code == commune_code)
                                .order_by(models.Hamlet.id)))

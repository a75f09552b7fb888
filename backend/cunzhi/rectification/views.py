"""The screening and rectification API models, shaped from what the services return. The router calls
these; so does a village's history, which shows the same sheets, proposals and cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cunzhi.rectification import schemas as s

if TYPE_CHECKING:
    from cunzhi.rectification.criteria import DefaultCriterion
    from cunzhi.rectification.models import Criterion


def criterion_out(c: Criterion | DefaultCriterion) -> s.CriterionOut:
    return s.CriterionOut(
        id=c.id,
        county_code=c.county_code,
        code=c.code,
        name=c.name,
        category=c.category,
        weight=c.weight,
        min_score=c.min_score,
        max_score=c.max_score,
        position=c.position,
        active=c.active,
        version=c.version,
    )

"""Day effects: act on a posting's or pairing's start or end day exactly once.

The request that makes a posting take effect today marks it; the daily job marks the ones
whose day arrived later. The mark is an INSERT ... ON CONFLICT DO NOTHING, so two workers
(or a request and a worker) racing for the same row act once.
"""

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, ColumnExpressionArgument

from cunzhi.kit import clock
from cunzhi.worker.models import DayEffect

START, END = "start", "end"


async def claim(session: AsyncSession, entity: str, entity_id: int, edge: str, day: date) -> bool:
    """True for the one caller that marks (entity, id, edge) first."""
    stmt = (insert(DayEffect).values(entity=entity, entity_id=entity_id, edge=edge, day=day, applied_at=clock.now())
            .on_conflict_do_nothing().returning(DayEffect.entity_id))
    return (await session.execute(stmt)).first() is not None


def unmarked(entity: str, id_column: ColumnExpressionArgument[int], edge: str) -> ColumnElement[bool]:
    """WHERE clause: no mark yet for this row's edge."""
    return ~exists(select(DayEffect.entity_id).where(
        DayEffect.entity == entity, DayEffect.entity_id == id_column, DayEffect.edge == edge))

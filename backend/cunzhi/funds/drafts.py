"""Changing a draft claim before it is submitted (its purpose and payee), under If-Match.

A claim has no version column: every change of a claim leaves exactly one step in its trail
(create, edit, attach, submit, recall, ...), so the number of steps is its version and its ETag
`W/"n"`. The check runs under the claim's row lock, so two edits from the same read cannot both pass.

The amount and the line stay as filed: the database refuses to change them (funds_claims_guard,
migration 0030), because the amount is reserved on the line when the claim is filed. A wrong amount
is corrected by withdrawing the draft, which releases its reservation, and filing it anew.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.funds import service
from cunzhi.funds.errors import illegal
from cunzhi.funds.models import Claim, Event, EventEntity
from cunzhi.funds.permissions import EDITABLE_CLAIMS, FUNDS, FundsAction
from cunzhi.kit import clock
from cunzhi.kit.errors import NotFound, Unprocessable
from cunzhi.kit.etag import etag, expected_version
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_ids

EDITABLE_FIELDS = ("purpose", "payee")


async def claim_version(session: AsyncSession, claim_id: int) -> int:
    """The number of steps in the claim's trail: one more after every change."""
    return (await session.execute(select(func.count()).select_from(Event).where(
        Event.entity == EventEntity.claim.value, Event.entity_id == claim_id))).scalar_one()


async def claim_etag(session: AsyncSession, claim_id: int) -> str:
    return etag(await claim_version(session, claim_id))


async def edit_claim(
    session: AsyncSession, p: Principal, claim_id: int, *, if_match: str | None, changes: dict[str, Any]
) -> service.ClaimView:
    """Change a draft claim's purpose or payee (the village committee, If-Match required)."""
    require(p, FUNDS, FundsAction.edit_claim, what="edit a claim")
    claim = (await session.execute(
        select(Claim).where(Claim.id == claim_id, Claim.village_id.in_(village_ids(p))).with_for_update()
    )).scalar_one_or_none()
    if claim is None:
        raise NotFound("Claim not found", code="claim_not_found")
    expected_version(if_match, await claim_version(session, claim.id))
    if claim.status not in EDITABLE_CLAIMS:
        raise illegal("claim", claim.status, "edit")
    changed = {k: v for k, v in changes.items() if k in EDITABLE_FIELDS and v is not None
               and v != getattr(claim, k)}
    if not changed:
        raise Unprocessable("Nothing to change: give a new purpose or payee", code="nothing_to_change")
    old = {k: getattr(claim, k) for k in changed}
    for k, v in changed.items():
        setattr(claim, k, v)
    claim.updated_at = clock.now()
    await session.flush()
    await service.record_step(
        session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=claim.village_id, action="edit",
        from_state=claim.status, to_state=claim.status, data={"before": old, "after": changed},
    )
    return await service.get_claim(session, p, claim.id)

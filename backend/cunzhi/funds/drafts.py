"""Changing a draft claim before it is submitted (its purpose, payee, amount and line), under If-Match.

A claim has no version column: every change of a claim leaves exactly one step in its trail
(create, edit, attach, submit, recall, ...), so the number of steps is its version and its ETag
`W/"n"`. The check runs under the claim's row lock, so two edits from the same read cannot both pass.

A draft's amount is reserved on its line when it is filed; a new amount or line moves the reservation
in the same transaction, with the one conditional UPDATE that files claims (`service.reserve`), so the
line never commits past its approved amount however many edits and claims arrive at once. Both lines
are locked in id order first, so two drafts moving in opposite directions cannot deadlock. Once the
claim is submitted its amount and line are fixed: the service refuses (EDITABLE_CLAIMS), and so does
the database (funds_claims_guard, migration 0190).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.funds import claims as claim_rules
from cunzhi.funds import service
from cunzhi.funds.errors import illegal
from cunzhi.funds.models import BudgetLine, Claim, Event, EventEntity
from cunzhi.funds.permissions import EDITABLE_CLAIMS, FUNDS, FundsAction
from cunzhi.kit import clock
from cunzhi.kit.errors import NotFound, Unprocessable
from cunzhi.kit.etag import etag, expected_version
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_ids
from cunzhi.villages.models import Village

EDITABLE_FIELDS = ("purpose", "payee", "amount", "line_id")


async def claim_version(session: AsyncSession, claim_id: int) -> int:
    """The number of steps in the claim's trail: one more after every change."""
    return (await session.execute(select(func.count()).select_from(Event).where(
        Event.entity == EventEntity.claim.value, Event.entity_id == claim_id))).scalar_one()


async def claim_etag(session: AsyncSession, claim_id: int) -> str:
    return etag(await claim_version(session, claim_id))


async def edit_claim(
    session: AsyncSession, p: Principal, claim_id: int, *, if_match: str | None, changes: dict[str, Any]
) -> service.ClaimView:
    """Change a draft claim's purpose, payee, amount or line (the village committee, If-Match required)."""
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
        raise Unprocessable("Nothing to change: give a new purpose, payee, amount or line", code="nothing_to_change")
    old = {k: getattr(claim, k) for k in changed}
    if "amount" in changed or "line_id" in changed:
        await _move_reservation(session, claim, amount=changed.get("amount", claim.amount),
                                line_id=changed.get("line_id", claim.line_id))
    for k, v in changed.items():
        setattr(claim, k, v)
    claim.updated_at = clock.now()
    await session.flush()
    await service.record_step(
        session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=claim.village_id, action="edit",
        from_state=claim.status, to_state=claim.status, data={"before": old, "after": changed},
    )
    return await service.get_claim(session, p, claim.id)


async def _move_reservation(session: AsyncSession, claim: Claim, *, amount: Any, line_id: int) -> None:
    """Hold `amount` on `line_id` instead of what the draft holds now; refused (and nothing moved) when the
    line has not that much left. The township's limit decides again whether it needs approval."""
    village = (await session.execute(select(Village).where(Village.id == claim.village_id))).scalar_one()
    budget_id, limit = await service.claimable_line(session, village, line_id)
    if line_id == claim.line_id:
        await service.reserve(session, line_id, amount, releasing=claim.amount)
    else:
        await session.execute(select(BudgetLine.id).where(BudgetLine.id.in_((claim.line_id, line_id)))
                              .order_by(BudgetLine.id).with_for_update())
        await service.reserve(session, line_id, amount)
        await service.release(session, claim.line_id, claim.amount)
    claim.budget_id, claim.line_id, claim.amount = budget_id, line_id, amount
    claim.needs_approval = claim_rules.needs_township_approval(amount, limit.single_claim_limit)

"""Which rows of collective funds a principal may read, and when a claim entered its status. Shared
by the funds services and the dashboards' funds panel, so the two never disagree on what a role
sees or on how long a claim has waited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

from cunzhi.funds.claims import ClaimState
from cunzhi.funds.models import Claim
from cunzhi.funds.permissions import FUNDS, FundsAction
from cunzhi.kit.permissions import may
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_ids


def in_scope(p: Principal, village_col: Any) -> Any:
    """A WHERE clause keeping rows whose village (`village_col`) `p` may see."""
    return village_col.in_(village_ids(p))


def claims_visible(p: Principal) -> list[Any]:
    """The claims `p` may read: those of villages in scope; the supervision committee sees a claim only
    once the village has submitted it (never the secretary's drafts, nor a draft withdrawn unsubmitted)."""
    where = [in_scope(p, Claim.village_id)]
    if not may(p, FUNDS, FundsAction.read_drafts):
        where += [Claim.submitted_at.is_not(None), Claim.status != ClaimState.draft]
    return where


def in_status_since() -> Any:
    """When a claim entered its status: funds_claims.status_since, kept by the trail's triggers (the
    latest event into the status); rows from before it fall back to submitted_at, then updated_at."""
    return func.coalesce(Claim.status_since, Claim.submitted_at, Claim.updated_at)

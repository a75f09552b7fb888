"""Reading the audit log: the county sees what its own people and township systems did.

Events name their actor (`user:<id>`, `client:<id>` or `system`), not a county, so the scope is
the actor's: a user whose scope lies in the reader's county (the same rule as the accounts list)
or an API client of one of its townships. Events of `system` (jobs, the CLI) are not shown: they
carry no county. Newest first, by cursor (the log is append-only and long)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import ApiClient, User
from cunzhi.divisions.models import Division
from cunzhi.kit.audit import AuditEvent
from cunzhi.kit.errors import Forbidden
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import county_prefix
from cunzhi.users.permissions import USERS, UserAction
from cunzhi.users.schemas import AuditEventOut, AuditPage
from cunzhi.users.service import in_county


def _actors(p: Principal) -> Any:
    users = select(literal("user:") + cast(User.id, String)).where(in_county(p))
    townships = select(Division.code).where(Division.parent_code == p.division_code)
    clients = select(literal("client:") + cast(ApiClient.id, String)).where(ApiClient.division_code.in_(townships))
    return AuditEvent.actor.in_(users.union_all(clients).scalar_subquery())


async def list_events(session: AsyncSession, p: Principal, *, actor: str | None, entity: str | None,
                      entity_id: str | None, action: str | None, since: datetime | None, until: datetime | None,
                      cursor: int | None, limit: int) -> AuditPage:
    require(p, USERS, UserAction.read_audit, detail=f"Role {p.role.value} may not read the audit log")
    if county_prefix(p) != p.division_code:  # a county's log: city and province scopes have no one county
        raise Forbidden("The audit log is read per county")
    where = [_actors(p)]
    if actor:
        # An actor's key (user:12) or a part of the name the event recorded.
        if ":" in actor:
            where.append(AuditEvent.actor == actor)
        else:
            pattern = "%" + actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(AuditEvent.actor_name.ilike(pattern, escape="\\"))
    if entity:
        where.append(AuditEvent.entity == entity)
    if entity_id:
        where.append(AuditEvent.entity_id == entity_id)
    if action:
        where.append(AuditEvent.action.startswith(action, autoescape=True))
    if since:
        where.append(AuditEvent.at >= since)
    if until:
        where.append(AuditEvent.at < until)
    if cursor:
        where.append(AuditEvent.id < cursor)
    rows = (await session.execute(select(AuditEvent).where(*where).order_by(AuditEvent.id.desc())
                                  .limit(limit + 1))).scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[AuditEventOut(
        id=e.id, at=e.at, actor=e.actor, actor_name=e.actor_name, action=e.action, entity=e.entity,
        entity_id=e.entity_id, before=e.before, after=e.after, sealed=e.seq is not None) for e in rows],
        next_cursor=str(rows[-1].id) if more and rows else None)

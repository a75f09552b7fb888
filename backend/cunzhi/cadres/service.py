"""Stationed cadres: the county's records, posting settings, postings (history kept) and posting
proposals from the matching engine (partners/matching.py). The rules.

Who may do what
* The county organisation department (county_admin) of a county keeps its cadres, settings and
  postings and runs and confirms proposals; county-wide readers (discipline inspectors, city,
  province) read them.
* Everyone else sees the cadres ever posted to a village in their scope (township officials their
  township's, partner units their paired villages', village accounts their village's), and a
  cadre account its own record.
Out-of-scope reads answer 404; in-scope writes by other roles 403.

A cadre's user account is scoped to one village (users.village_id). When a posting of a linked
cadre takes effect on confirmation (it starts today or earlier), the account's village follows it
(changed through the ORM and audited), so the phone pages show the new village.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from cunzhi.auth.models import User
from cunzhi.cadres import views
from cunzhi.cadres.models import Cadre, CadreSettings, Posting, PostingProposal
from cunzhi.cadres.permissions import CADRES, CadreAction, cadre_actions, posting_actions, proposal_actions
from cunzhi.cadres.rules import DEFAULT_EXPERTISE
from cunzhi.cadres.schemas import (
    CadreCreate,
    CadrePatch,
    CadreSettingsIn,
    CadreUpsert,
    PostingCreate,
    PostingEnd,
    PostingEndingReason,
    PostingEndReason,
    PostingPairRef,
    PostingProposalCreate,
    PostingProposalRerun,
    PostingProposalStatus,
    PostingStatus,
)
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, bulk, clock, events
from cunzhi.kit.codes import RectificationStatus, Role
from cunzhi.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import (
    county_prefix,
    get_village,
    lock_county,
    managed_county,
    readable_county,
    sees_county,
    village_clause,
)
from cunzhi.partners import matching
from cunzhi.villages.models import Village

#: villages that get a stationed cadre: listed as weak and not yet accepted
POSTED_STATUSES = (RectificationStatus.weak.value, RectificationStatus.rectifying.value)
_LOCK_NAMESPACE = "cunzhi.cadre-postings."


def now() -> datetime:
    return clock.now()


def today() -> date:
    """The county's calendar day (Asia/Shanghai)."""
    return clock.local_today()


# ------------------------------------------------------------------------------------------
# Scope
# ------------------------------------------------------------------------------------------


def cadre_clause(p: Principal) -> ColumnElement[bool]:
    """A WHERE clause over Cadre that keeps what `p` may see."""
    prefix = county_prefix(p)
    if prefix is not None:
        return Cadre.county_code.startswith(prefix)
    posted_here = (select(Posting.cadre_id).join(Village, Village.id == Posting.village_id)
                   .where(village_clause(p)))
    clause: ColumnElement[bool] = Cadre.id.in_(posted_here)
    if p.kind == "user":
        clause = or_(clause, Cadre.user_id == p.id)
    return clause


def _require_admin(p: Principal, action: CadreAction, county_code: str, what: str) -> None:
    detail = f"Only the county organisation department {what}"
    require(p, CADRES, action, detail=detail)
    if not sees_county(p, county_code):
        raise Forbidden(detail)


async def _lock_county(session: AsyncSession, county_code: str) -> None:
    await lock_county(session, _LOCK_NAMESPACE, county_code)


async def _county_for_write(session: AsyncSession, p: Principal, action: CadreAction, county_code: str | None) -> str:
    require(p, CADRES, action, detail="Only the county organisation department manages stationed cadres")
    return await managed_county(session, p, county_code)


async def _readable_county(session: AsyncSession, p: Principal, county_code: str | None) -> str:
    return await readable_county(session, p, county_code, via_village=True)


# ------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------


@dataclass
class Settings:
    county_code: str
    cadres_per_village: int
    expertise: list[dict[str, str]]
    weights: dict[str, dict[str, int]]
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None
    allow_moves: bool = False

    @property
    def codes(self) -> set[str]:
        return {e["code"] for e in self.expertise}


def _default_settings(county_code: str) -> Settings:
    return Settings(county_code, 1, [dict(e) for e in DEFAULT_EXPERTISE],
                    {c: dict(row) for c, row in matching.DEFAULT_POSTING_WEIGHTS.items()})


async def load_settings(session: AsyncSession, county_code: str) -> Settings:
    row = (await session.execute(
        select(CadreSettings).where(CadreSettings.county_code == county_code))).scalar_one_or_none()
    if row is None:
        return _default_settings(county_code)
    return Settings(county_code, row.cadres_per_village, row.expertise, row.weights, row.version, row.updated_by,
                    row.updated_at, row.allow_moves)


async def get_settings(session: AsyncSession, p: Principal, county_code: str | None) -> Settings:
    return await load_settings(session, await _readable_county(session, p, county_code))


async def update_settings(session: AsyncSession, p: Principal, county_code: str | None, data: CadreSettingsIn,
                          if_match: str | None) -> Settings:
    code = await _readable_county(session, p, county_code)
    code = await _county_for_write(session, p, CadreAction.edit_settings, code)
    await _lock_county(session, code)
    row = (await session.execute(
        select(CadreSettings).where(CadreSettings.county_code == code).with_for_update())).scalar_one_or_none()
    current = await load_settings(session, code)
    expected_version(if_match, current.version)
    new_codes = {e.code for e in data.expertise}
    in_use = (await session.execute(
        select(func.unnest(Cadre.expertise)).where(Cadre.county_code == code).distinct())).scalars().all()
    missing = sorted(set(in_use) - new_codes)
    if missing:
        raise Conflict(f"Expertise still held by cadres: {', '.join(missing)}", code="expertise_in_use",
                       extra={"expertise": missing})
    before = views.settings_out(current).model_dump(mode="json")
    weights = {c.value: {e: w for e, w in sorted(r.items()) if w} for c, r in data.weights.items()}
    expertise = [e.model_dump() for e in data.expertise]
    allow_moves = current.allow_moves if data.allow_moves is None else data.allow_moves
    if row is None:
        session.add(CadreSettings(county_code=code, cadres_per_village=data.cadres_per_village, expertise=expertise,
                                  weights=weights, allow_moves=allow_moves, updated_by=p.name))
    else:
        row.allow_moves = allow_moves
        row.cadres_per_village = data.cadres_per_village
        row.expertise = expertise
        row.weights = weights
        row.updated_by = p.name
    try:
        await session.flush()
    except (StaleDataError, IntegrityError):
        raise PreconditionFailed() from None
    out = await load_settings(session, code)
    await audit.record(session, p, "cadre_settings.update", "cadre_settings", code, before=before,
                       after=views.settings_out(out).model_dump(mode="json"))
    return out


# ------------------------------------------------------------------------------------------
# Postings: shaping
# ------------------------------------------------------------------------------------------


def posting_status(pg: Posting, day: date) -> PostingStatus:
    if pg.end_date is not None and pg.end_date < pg.start_date:
        return PostingStatus.void
    if pg.start_date > day:
        return PostingStatus.upcoming
    if pg.end_date is not None and pg.end_date < day:
        return PostingStatus.ended if pg.ended_reason else PostingStatus.finished
    return PostingStatus.current


def active_on(day: date) -> ColumnElement[bool]:
    return (Posting.start_date <= day) & or_(Posting.end_date.is_(None), Posting.end_date >= day)


@dataclass(frozen=True)
class PostingView:
    """A posting with its cadre's name, its village and township's name, its status on the day read
    and what the caller may do with it."""

    posting: Posting
    cadre_name: str
    village: Village
    township_name: str
    status: PostingStatus
    allowed_actions: list[str]


def _posting_view(pg: Posting, cadre_name: str, v: Village, township_name: str, day: date,
                  p: Principal) -> PostingView:
    status = posting_status(pg, day)
    open_ = pg.ended_at is None and status in (PostingStatus.current, PostingStatus.upcoming)
    return PostingView(pg, cadre_name, v, township_name, status,
                       posting_actions(p, county_code=v.county_code, open_=open_))


@dataclass(frozen=True)
class CadreView:
    cadre: Cadre
    username: str | None
    current_posting: PostingView | None


@dataclass(frozen=True)
class CadreDetailView:
    cadre: CadreView
    postings: list[PostingView]
    allowed_actions: list[str]


def postings_seen(p: Principal) -> ColumnElement[bool]:
    """Which postings of a cadre `p` reads: those in its villages (a township reading a cadre who
    moved on to another township sees the postings it had, not where the cadre went), and all of
    the cadre's own when `p` is that cadre."""
    clause = village_clause(p)
    if p.kind == "user":
        clause = or_(clause, Cadre.user_id == p.id)
    return clause


def _postings_query() -> Select[Posting, Cadre, Village, str]:
    return (select(Posting, Cadre, Village, Division.name).join(Cadre, Cadre.id == Posting.cadre_id)
            .join(Village, Village.id == Posting.village_id).join(Division, Division.code == Village.township_code))


async def _current_postings(session: AsyncSession, p: Principal, cadre_ids: list[int],
                            day: date) -> dict[int, PostingView]:
    if not cadre_ids:
        return {}
    rows = (await session.execute(
        _postings_query().where(Posting.cadre_id.in_(cadre_ids), active_on(day), postings_seen(p))
        .order_by(Posting.start_date.desc(), Posting.id.desc()))).all()
    out: dict[int, PostingView] = {}
    for pg, c, v, tn in rows:
        out.setdefault(pg.cadre_id, _posting_view(pg, c.name, v, tn, day, p))
    return out


async def _usernames(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    ids = [u for u in user_ids if u is not None]
    if not ids:
        return {}
    rows = (await session.execute(select(User.id, User.username).where(User.id.in_(ids)))).all()
    return {uid: name for uid, name in rows}


# ------------------------------------------------------------------------------------------
# Cadres
# ------------------------------------------------------------------------------------------


async def list_cadres(session: AsyncSession, p: Principal, *, county_code: str | None, active: bool | None,
                      expertise: str | None, posted: bool | None, township_code: str | None, q: str | None,
                      limit: int, offset: int) -> tuple[list[CadreView], int]:
    day = today()
    where: list[ColumnElement[bool]] = [cadre_clause(p)]
    if county_code:
        where.append(Cadre.county_code == county_code)
    if active is not None:
        where.append(Cadre.active.is_(active))
    if expertise:
        where.append(Cadre.expertise.contains([expertise]))
    current_ids = select(Posting.cadre_id).where(active_on(day))
    if township_code:
        current_ids = current_ids.join(Village, Village.id == Posting.village_id).where(
            Village.township_code == township_code, village_clause(p))
        where.append(Cadre.id.in_(current_ids))
    if posted is not None:
        where.append(Cadre.id.in_(select(Posting.cadre_id).where(active_on(day))) if posted
                     else Cadre.id.not_in(select(Posting.cadre_id).where(active_on(day))))
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(Cadre.name.ilike(pattern, escape="\\"), Cadre.home_unit.ilike(pattern, escape="\\")))
    total = (await session.execute(select(func.count()).select_from(Cadre).where(*where))).scalar_one()
    cadres = (await session.execute(
        select(Cadre).where(*where).order_by(Cadre.name, Cadre.id).limit(limit).offset(offset))).scalars().all()
    current = await _current_postings(session, p, [c.id for c in cadres], day)
    names = await _usernames(session, [c.user_id for c in cadres if c.user_id])
    return [CadreView(c, names.get(c.user_id) if c.user_id else None, current.get(c.id)) for c in cadres], int(total)


async def _get_cadre(session: AsyncSession, p: Principal, cadre_id: int, *, for_update: bool = False) -> Cadre:
    stmt = select(Cadre).where(Cadre.id == cadre_id, cadre_clause(p))
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    cadre = (await session.execute(stmt)).scalar_one_or_none()
    if cadre is None:
        raise NotFound(f"Cadre {cadre_id} not found", code="cadre_not_found")
    return cadre


async def _cadre_postings(session: AsyncSession, p: Principal, cadre_id: int, day: date) -> list[PostingView]:
    rows = (await session.execute(
        _postings_query().where(Posting.cadre_id == cadre_id, postings_seen(p))
        .order_by(Posting.start_date.desc(), Posting.id.desc()))).all()
    return [_posting_view(pg, c.name, v, tn, day, p) for pg, c, v, tn in rows]


async def get_cadre(session: AsyncSession, p: Principal, cadre_id: int) -> CadreDetailView:
    cadre = await _get_cadre(session, p, cadre_id)
    day = today()
    postings = await _cadre_postings(session, p, cadre.id, day)
    current = next((x for x in postings if x.status == PostingStatus.current), None)
    names = await _usernames(session, [cadre.user_id] if cadre.user_id else [])
    base = CadreView(cadre, names.get(cadre.user_id) if cadre.user_id else None, current)
    return CadreDetailView(base, postings, cadre_actions(p, county_code=cadre.county_code, active=cadre.active))


async def my_cadre(session: AsyncSession, p: Principal) -> Cadre | None:
    if p.kind != "user":
        return None
    return (await session.execute(select(Cadre).where(Cadre.user_id == p.id))).scalar_one_or_none()


def _check_expertise(codes: list[str], settings: Settings) -> None:
    unknown = sorted(set(codes) - settings.codes)
    if unknown:
        raise Unprocessable(f"Unknown expertise: {', '.join(unknown)}", code="unknown_expertise", errors=[
            {"loc": ["body", "expertise"], "msg": f"unknown expertise {c!r} (see cadre settings)",
             "type": "value_error"} for c in unknown])


async def _user_to_link(session: AsyncSession, username: str, county_code: str, cadre_id: int | None) -> User:
    def refuse(msg: str) -> Unprocessable:
        return Unprocessable(msg, code="invalid_cadre_account", errors=[
            {"loc": ["body", "username"], "msg": msg, "type": "value_error"}])

    user = (await session.execute(
        select(User).where(func.lower(User.username) == username.lower()))).scalar_one_or_none()
    if user is None:
        raise refuse("no such user")
    if user.role != Role.cadre.value:
        raise refuse("the account's role is not cadre")
    if user.village_id is not None:
        county = (await session.execute(select(Village.county_code).where(Village.id == user.village_id))).scalar()
        if county != county_code:
            raise refuse("the account belongs to a village of another county")
    other = (await session.execute(select(Cadre.id).where(Cadre.user_id == user.id))).scalar_one_or_none()
    if other is not None and other != cadre_id:
        raise Conflict(f"User {user.username} is already linked to cadre {other}", code="account_already_linked",
                       extra={"cadre_id": other})
    return user


async def create_cadre(session: AsyncSession, p: Principal, data: CadreCreate) -> CadreView:
    county = await _county_for_write(session, p, CadreAction.add_cadre, data.county_code)
    return await _insert_cadre(session, p, county, data)


async def _insert_cadre(session: AsyncSession, p: Principal, county: str, data: CadreCreate,
                        external: tuple[str, str] | None = None) -> CadreView:
    """Add a cadre to `county` (the caller's right to has been checked); `external`: the township and
    its system's id for the cadre."""
    _check_expertise(data.expertise, await load_settings(session, county))
    user = await _user_to_link(session, data.username, county, None) if data.username else None
    cadre = Cadre(county_code=county, name=data.name, phone=data.phone, home_unit=data.home_unit,
                  expertise=data.expertise, active=data.active, user_id=user.id if user else None, note=data.note,
                  created_by=p.name, external_source=external[0] if external else None,
                  external_id=external[1] if external else None)
    session.add(cadre)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("That account is already linked to a cadre", code="account_already_linked") from None
    await session.refresh(cadre)
    await audit.record(session, p, "cadre.create", "cadre", cadre.id, after=audit.snapshot(cadre))
    return CadreView(cadre, user.username if user else None, None)


async def update_cadre(session: AsyncSession, p: Principal, cadre_id: int, data: CadrePatch,
                       if_match: str | None) -> CadreView:
    cadre = await _get_cadre(session, p, cadre_id)
    _require_admin(p, CadreAction.edit_cadre, cadre.county_code, "edits stationed cadres")
    expected_version(if_match, cadre.version)
    return await _apply_cadre(session, p, cadre, data.model_dump(exclude_unset=True))


async def _apply_cadre(session: AsyncSession, p: Principal, cadre: Cadre, changes: dict[str, Any]) -> CadreView:
    """Change `cadre` (the caller's right to and the version have been checked)."""
    for f in ("name", "home_unit", "expertise", "active"):
        if f in changes and changes[f] is None:
            raise Unprocessable(f"{f} cannot be empty", errors=[
                {"loc": ["body", f], "msg": "may not be null", "type": "value_error"}])
    if "expertise" in changes:
        _check_expertise(changes["expertise"], await load_settings(session, cadre.county_code))
    before = audit.snapshot(cadre)
    if "username" in changes:
        username = changes.pop("username")
        cadre.user_id = (await _user_to_link(session, username, cadre.county_code, cadre.id)).id if username else None
    for f, value in changes.items():
        setattr(cadre, f, value)
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed() from None
    except IntegrityError:
        raise Conflict("That account is already linked to a cadre", code="account_already_linked") from None
    await session.refresh(cadre)
    await audit.record(session, p, "cadre.update", "cadre", cadre.id, before=before, after=audit.snapshot(cadre))
    day = today()
    names = await _usernames(session, [cadre.user_id] if cadre.user_id else [])
    return CadreView(cadre, names.get(cadre.user_id) if cadre.user_id else None,
                     (await _current_postings(session, p, [cadre.id], day)).get(cadre.id))


# ------------------------------------------------------------------------------------------
# Postings
# ------------------------------------------------------------------------------------------


async def follow_posting(session: AsyncSession, p: Principal | None, cadre: Cadre, village_id: int,
                          posting_id: int) -> bool:
    """Moves the cadre's linked account to the village of a posting that is in force today."""
    if cadre.user_id is None:
        return False
    user = (await session.execute(select(User).where(User.id == cadre.user_id).with_for_update())).scalar_one()
    if user.village_id == village_id or user.role != Role.cadre.value:
        return False
    before = {"village_id": user.village_id}
    user.village_id = village_id
    await session.flush()
    await audit.record(session, p, "user.follow_posting", "user", user.id, before=before,
                       after={"village_id": village_id, "posting_id": posting_id, "cadre_id": cadre.id})
    return True


async def list_postings(session: AsyncSession, p: Principal, *, village_code: str | None, cadre_id: int | None,
                        township_code: str | None, current: bool, limit: int,
                        offset: int) -> tuple[list[PostingView], int]:
    day = today()
    stmt = _postings_query().where(village_clause(p))
    if village_code:
        stmt = stmt.where(Village.code == village_code)
    if cadre_id is not None:
        stmt = stmt.where(Posting.cadre_id == cadre_id)
    if township_code:
        stmt = stmt.where(Village.township_code == township_code)
    if current:
        stmt = stmt.where(active_on(day))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = (await session.execute(
        stmt.order_by(Village.code, Posting.start_date.desc(), Posting.id.desc()).limit(limit).offset(offset))).all()
    return [_posting_view(pg, c.name, v, tn, day, p) for pg, c, v, tn in rows], int(total)


async def village_history(session: AsyncSession, p: Principal,
                          village_code: str) -> tuple[Village, str, list[PostingView]]:
    """The village, its township's name and its postings, newest first."""
    village = await get_village(session, p, village_code)
    tn = (await session.execute(select(Division.name).where(Division.code == village.township_code))).scalar_one()
    day = today()
    rows = (await session.execute(
        select(Posting, Cadre).join(Cadre, Cadre.id == Posting.cadre_id).where(Posting.village_id == village.id)
        .order_by(Posting.start_date.desc(), Posting.id.desc()))).all()
    return village, tn, [_posting_view(pg, c.name, village, tn, day, p) for pg, c in rows]


async def create_posting(session: AsyncSession, p: Principal, cadre_id: int, data: PostingCreate) -> PostingView:
    cadre = await _get_cadre(session, p, cadre_id)
    _require_admin(p, CadreAction.post, cadre.county_code, "posts stationed cadres")
    village = await get_village(session, p, data.village_code)
    if village.county_code != cadre.county_code:
        raise Unprocessable("The village is not in the cadre's county", code="village_outside_county", errors=[
            {"loc": ["body", "village_code"], "msg": "not a village of the cadre's county", "type": "value_error"}])
    day = today()
    start = data.start_date or day
    if data.end_date is not None and data.end_date < start:
        raise Unprocessable("The posting ends before it starts", code="validation_error", errors=[
            {"loc": ["body", "end_date"], "msg": "must not be before start_date", "type": "value_error"}])
    await _lock_county(session, cadre.county_code)
    cadre = await _get_cadre(session, p, cadre_id, for_update=True)
    if not cadre.active:
        raise Conflict(f"Cadre {cadre.name} is not active", code="cadre_inactive")
    others = (await session.execute(
        select(Posting).where(Posting.cadre_id == cadre.id, Posting.end_date.is_(None) | (Posting.end_date >= start),
                              Posting.end_date.is_(None) | (Posting.end_date >= Posting.start_date))
        .with_for_update())).scalars().all()
    blocking = [o for o in others if o.start_date >= start or o.ended_at is not None]
    if blocking:
        raise Conflict("The cadre already has a posting in that period", code="posting_overlap",
                       extra={"posting_ids": [o.id for o in blocking]})
    ended: list[int] = []
    stamp = now()
    for o in others:  # started before `start`, still open: ends the day before the new one
        before = audit.snapshot(o)
        o.end_date = start - timedelta(days=1)
        o.ended_reason = PostingEndReason.replaced.value
        o.ended_note = None
        o.ended_by = p.name
        o.ended_at = stamp
        await session.flush()
        await audit.record(session, p, "cadre_posting.end", "cadre_posting", o.id, before=before,
                           after=audit.snapshot(o))
        ended.append(o.id)
    posting = Posting(cadre_id=cadre.id, village_id=village.id, post=data.post.value, start_date=start,
                      end_date=data.end_date, note=data.note, created_by=p.name)
    session.add(posting)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("The cadre already has a posting in that period", code="posting_overlap") from None
    await session.refresh(posting)
    await events.emit(session, p, "cadre_posting.create", "cadre_posting", posting.id,
                       after={**audit.snapshot(posting), "ended": ended})
    if start <= day and (data.end_date is None or data.end_date >= day):
        await follow_posting(session, p, cadre, village.id, posting.id)
    tn = (await session.execute(select(Division.name).where(Division.code == village.township_code))).scalar_one()
    return _posting_view(posting, cadre.name, village, tn, day, p)


async def village_postings_now(session: AsyncSession, p: Principal, village: Village) -> list[PostingView]:
    """The village's current and coming postings (what accepting its case would end)."""
    day = today()
    rows = (await session.execute(
        _postings_query().where(Posting.village_id == village.id, Posting.ended_at.is_(None),
                                or_(Posting.end_date.is_(None), Posting.end_date >= day))
        .order_by(Posting.start_date, Posting.id))).all()
    return [_posting_view(pg, c.name, v, tn, day, p) for pg, c, v, tn in rows]


async def end_village_postings(session: AsyncSession, p: Principal, village: Village, last_day: date,
                               *, note: str | None = None) -> list[PostingView]:
    """End the village's current and coming postings on `last_day` (reason village_accepted), for
    the county accepting its case. A posting planned to end earlier keeps its end."""
    await _lock_county(session, village.county_code)
    day = today()
    rows = (await session.execute(
        _postings_query().where(Posting.village_id == village.id, Posting.ended_at.is_(None),
                                or_(Posting.end_date.is_(None), Posting.end_date >= day))
        .order_by(Posting.id).with_for_update(of=Posting).execution_options(populate_existing=True))).all()
    out = []
    for posting, cadre, v, tn in rows:
        end = max(last_day, posting.start_date - timedelta(days=1))
        if posting.end_date is not None and posting.end_date <= end:
            continue
        before = audit.snapshot(posting)
        posting.end_date = end
        posting.ended_reason = PostingEndReason.village_accepted.value
        posting.ended_note = note
        posting.ended_by = p.name
        posting.ended_at = now()
        await session.flush()
        await audit.record(session, p, "cadre_posting.end", "cadre_posting", posting.id, before=before,
                           after=audit.snapshot(posting))
        out.append(_posting_view(posting, cadre.name, v, tn, day, p))
    return out


async def end_posting(session: AsyncSession, p: Principal, posting_id: int, data: PostingEnd) -> PostingView:
    row = (await session.execute(_postings_query().where(Posting.id == posting_id, village_clause(p)))).first()
    if row is None:
        raise NotFound(f"Posting {posting_id} not found", code="posting_not_found")
    _, cadre, village, tn = row
    _require_admin(p, CadreAction.end_posting, village.county_code, "ends postings")
    await _lock_county(session, village.county_code)
    posting = (await session.execute(
        select(Posting).where(Posting.id == posting_id).with_for_update()
        .execution_options(populate_existing=True))).scalar_one()
    if posting.ended_at is not None:
        raise Conflict(f"Posting {posting_id} has already ended", code="posting_ended")
    day = today()
    if posting.end_date is not None and posting.end_date < day:
        raise Conflict(f"Posting {posting_id} is already over", code="posting_ended")
    end = data.end_date or day - timedelta(days=1)
    problems = []
    if end < posting.start_date - timedelta(days=1):
        problems.append("must not be more than one day before the start")
    if posting.end_date is not None and end > posting.end_date:
        problems.append("must not be after the planned end")
    if problems:
        raise Unprocessable("Invalid end date", code="invalid_end_date", errors=[
            {"loc": ["body", "end_date"], "msg": m, "type": "value_error"} for m in problems])
    before = audit.snapshot(posting)
    posting.end_date = end
    posting.ended_reason = data.reason.value
    posting.ended_note = data.note
    posting.ended_by = p.name
    posting.ended_at = now()
    await session.flush()
    await events.emit(session, p, "cadre_posting.end", "cadre_posting", posting.id, before=before,
                      after=audit.snapshot(posting))
    return _posting_view(posting, cadre.name, village, tn, day, p)


# ------------------------------------------------------------------------------------------
# Proposals: the inputs of a run
# ------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    county_code: str
    day: date
    post: str
    settings: Settings
    villages: list[dict[str, Any]]
    cadres: list[dict[str, Any]]
    current: list[dict[str, Any]]  # current postings to the listed villages
    village_by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    village_by_code: dict[str, int] = field(default_factory=dict)

    def keeps(self, pins: list[tuple[int, int]], bans: list[tuple[int, int]], allow_moves: bool) -> list[tuple[int, int]]:
        """The current postings kept as they are when moves are not allowed: every one of an active
        cadre, except those the county banned, whose cadre it pinned elsewhere, or whose village's
        places its pins (or earlier postings, when the setting was lowered) already fill."""
        if allow_moves:
            return []
        cadre_ids = {c["id"] for c in self.cadres if c["capacity"] > 0}
        banned, pinned = set(bans), set(pins)
        pinned_cadres = {u for _, u in pins}
        per_village = Counter(v for v, _ in pins)
        out = []
        for c in self.current:  # oldest posting first
            pair = (c["village_id"], c["cadre_id"])
            if c["cadre_id"] not in cadre_ids or pair in banned or pair in pinned or c["cadre_id"] in pinned_cadres:
                continue
            if per_village[pair[0]] >= self.settings.cadres_per_village:
                continue
            out.append(pair)
            per_village[pair[0]] += 1
            pinned_cadres.add(pair[1])
        return out

    def problem(self, pins: list[tuple[int, int]] = (), bans: list[tuple[int, int]] = (),  # type: ignore[assignment]
                allow_moves: bool = True) -> matching.Problem:
        """The engine's problem (partners/matching.py): pins, bans, and, unless moves are allowed,
        the current postings pinned too, so they are kept whatever another match would score."""
        cadre_ids = {c["id"] for c in self.cadres}
        existing = [(c["village_id"], c["cadre_id"]) for c in self.current if c["cadre_id"] in cadre_ids]
        return matching.Problem(
            [matching.Village(v["id"], v["categories"], self.settings.cadres_per_village) for v in self.villages],
            [matching.Unit(c["id"], c["expertise"], c["capacity"]) for c in self.cadres],
            self.settings.weights, pins=[*pins, *self.keeps(list(pins), list(bans), allow_moves)], bans=bans,
            existing=existing,
        )

    def fingerprint(self, pins: list[tuple[int, int]] = (), bans: list[tuple[int, int]] = (),  # type: ignore[assignment]
                    allow_moves: bool = True) -> str:
        engine_fp = matching.fingerprint(self.problem(pins, bans, allow_moves))
        current = sorted(c["posting_id"] for c in self.current)
        raw = f"{engine_fp}|{current}|{self.day.isoformat()}|{self.post}|{allow_moves}"
        return hashlib.sha256(raw.encode()).hexdigest()


async def snapshot(session: AsyncSession, county_code: str, day: date, post: str) -> Snapshot:
    settings = await load_settings(session, county_code)
    vrows = (await session.execute(
        select(Village.id, Village.code, Village.name, Village.township_code, Division.name,
               Village.problem_categories)
        .join(Division, Division.code == Village.township_code)
        .where(Village.county_code == county_code, Village.status.in_(POSTED_STATUSES))
        .order_by(Village.code))).all()
    villages: list[dict[str, Any]] = [{"id": i, "code": c, "name": n, "township_code": t, "township_name": tn,
                                       "categories": sorted(cats or [])} for i, c, n, t, tn, cats in vrows]
    village_ids = {v["id"] for v in villages}
    cadres = (await session.execute(
        select(Cadre).where(Cadre.county_code == county_code, Cadre.active.is_(True))
        .order_by(Cadre.name, Cadre.id))).scalars().all()
    # Postings that are not over by `day` (and not void): in force on `day`, or later.
    prow = (await session.execute(
        select(Posting.id, Posting.village_id, Posting.cadre_id, Posting.start_date, Cadre.name)
        .join(Cadre, Cadre.id == Posting.cadre_id)
        .where(Cadre.county_code == county_code, Posting.end_date.is_(None) | (Posting.end_date >= day),
               Posting.end_date.is_(None) | (Posting.end_date >= Posting.start_date))
        .order_by(Posting.id))).all()
    busy: set[int] = set()
    current = []
    for pid, vid, cid, start, cname in prow:
        if start <= day and vid in village_ids:
            current.append({"posting_id": pid, "village_id": vid, "cadre_id": cid, "cadre_name": cname,
                            "start_date": start.isoformat()})
        else:  # posted to a village outside the run, or a posting that starts later
            busy.add(cid)
    cadre_dicts = [{"id": c.id, "name": c.name, "home_unit": c.home_unit, "expertise": sorted(c.expertise),
                    "capacity": 0 if c.id in busy else 1} for c in cadres]
    return Snapshot(county_code, day, post, settings, villages, cadre_dicts, current,
                    {v["id"]: v for v in villages}, {v["code"]: v["id"] for v in villages})


def _ending(snap: Snapshot, result: matching.Result, pins: list[tuple[int, int]], bans: list[tuple[int, int]],
            allow_moves: bool) -> list[dict[str, Any]]:
    """Each current posting the result ends, with the reason (decided here, stored with the run)."""
    assigned = {(a.village_id, a.unit_id) for a in result.assignments}
    goes_to = {a.unit_id: a for a in result.assignments}
    active = {c["id"]: c for c in snap.cadres}
    banned, pinned_cadres = set(bans), {u for _, u in pins}
    pinned_villages = Counter(v for v, _ in pins)
    out = []
    for c in snap.current:
        pair = (c["village_id"], c["cadre_id"])
        if pair in assigned:
            continue
        cadre = active.get(c["cadre_id"])
        village = snap.village_by_id[c["village_id"]]
        now_score = matching.pair_score(village["categories"], cadre["expertise"] if cadre else [],
                                        snap.settings.weights)[0]
        new = goes_to.get(c["cadre_id"])
        if cadre is None:
            reason = PostingEndingReason.cadre_inactive
        elif pair in banned:
            reason = PostingEndingReason.banned
        elif c["cadre_id"] in pinned_cadres:
            reason = PostingEndingReason.pinned_elsewhere
        elif pinned_villages[c["village_id"]] >= snap.settings.cadres_per_village:
            reason = PostingEndingReason.replaced_by_pin
        elif not allow_moves:
            reason = PostingEndingReason.over_slots
        elif new is not None:
            reason = PostingEndingReason.moved
        else:
            reason = PostingEndingReason.replaced
        out.append({"posting_id": c["posting_id"], "reason": reason.value, "score_now": now_score,
                    "moved_to": new.village_id if new is not None else None,
                    "score_after": new.score if new is not None else None})
    return out


def _result_json(result: matching.Result, explicit_pins: set[tuple[int, int]] = set()) -> dict[str, Any]:  # noqa: B006
    t = result.totals
    return {
        "assignments": [{"village_id": a.village_id, "cadre_id": a.unit_id, "score": a.score, "kept": a.kept,
                         "pinned": (a.village_id, a.unit_id) in explicit_pins,
                         "reasons": [[r.category, r.strength, r.weight] for r in a.reasons]}
                        for a in result.assignments],
        "uncovered": [{"village_id": u.village_id, "missing": u.missing, "reason": u.reason}
                      for u in result.uncovered],
        "totals": {"villages": t.villages, "villages_fully_covered": t.villages_fully_covered, "slots": t.slots,
                   "covered": t.covered, "uncovered": t.uncovered, "score": t.score, "kept": t.kept,
                   "existing": t.existing},
    }


@dataclass(frozen=True)
class ProposalView:
    """A proposal, whether the county changed since it ran, and what the caller may do with it."""

    proposal: PostingProposal
    stale: bool
    allowed_actions: list[str]


def _proposal_view(pr: PostingProposal, p: Principal, *, stale: bool) -> ProposalView:
    return ProposalView(pr, stale, proposal_actions(p, county_code=pr.county_code,
                                                    open_=pr.status == PostingProposalStatus.open.value, stale=stale))


@dataclass(frozen=True)
class Confirmed:
    proposal: PostingProposal
    created: int
    kept: int
    ended: int
    accounts_moved: int


async def _get_proposal(session: AsyncSession, p: Principal, proposal_id: int, *,
                        for_update: bool = False) -> PostingProposal:
    prefix = county_prefix(p)
    clause = PostingProposal.county_code.startswith(prefix) if prefix is not None else false()
    stmt = select(PostingProposal).where(PostingProposal.id == proposal_id, clause)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    pr = (await session.execute(stmt)).scalar_one_or_none()
    if pr is None:
        raise NotFound(f"Proposal {proposal_id} not found", code="posting_proposal_not_found")
    return pr


async def _is_stale(session: AsyncSession, pr: PostingProposal) -> bool:
    if pr.status != PostingProposalStatus.open.value:
        return False
    if pr.start_date < today():
        return True
    snap = await snapshot(session, pr.county_code, pr.start_date, pr.post)
    pins = _stored_pairs(snap, pr.inputs.get("pins", []))
    bans = _stored_pairs(snap, pr.inputs.get("bans", []))
    return snap.fingerprint(pins, bans, pr.allow_moves) != pr.fingerprint


def _stored_pairs(snap: Snapshot, pairs: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Stored pins or bans on today's inputs: a village no longer in the run changes the fingerprint."""
    return [(snap.village_by_code.get(x["village_code"], -1), x["cadre_id"]) for x in pairs]


def _resolve_pairs(snap: Snapshot, pairs: list[PostingPairRef], kind: str) -> list[tuple[int, int]]:
    cadre_ids = {c["id"] for c in snap.cadres}
    errors: list[dict[str, Any]] = []
    out: list[tuple[int, int]] = []
    for i, pr in enumerate(pairs):
        vid = snap.village_by_code.get(pr.village_code)
        if vid is None:
            errors.append({"loc": ["body", kind, i, "village_code"],
                           "msg": "not a weak village of this county", "type": "value_error"})
        if pr.cadre_id not in cadre_ids:
            errors.append({"loc": ["body", kind, i, "cadre_id"],
                           "msg": "not an active cadre of this county", "type": "value_error"})
        if vid is not None and pr.cadre_id in cadre_ids:
            out.append((vid, pr.cadre_id))
    if errors:
        raise Unprocessable(f"Some {kind} do not name a weak village and an active cadre of the county",
                            code="invalid_pairs", errors=errors)
    return out


def _solve(problem: matching.Problem) -> matching.Result:
    try:
        return matching.solve(problem)
    except matching.MatchingInputError as exc:
        errors = [{"loc": ["body", *issue.loc[:2]], "msg": issue.message, "type": issue.code} for issue in exc.issues]
        raise Unprocessable("The pins and bans cannot all be honoured", code="posting_input_conflict",
                            errors=errors) from None


async def create_proposal(session: AsyncSession, p: Principal, data: PostingProposalCreate) -> ProposalView:
    county = await _county_for_write(session, p, CadreAction.propose, data.county_code)
    start = data.start_date or today()
    if start < today():
        raise Unprocessable("A proposal cannot start in the past", code="posting_start_in_past", errors=[
            {"loc": ["body", "start_date"], "msg": "must be today or later", "type": "value_error"}])
    # The schema checks the two dates when both are given; a start left to default is checked here.
    if data.end_date is not None and data.end_date < start:
        raise Unprocessable("The proposal ends before it starts", code="validation_error", errors=[
            {"loc": ["body", "end_date"], "msg": "must not be before start_date", "type": "value_error"}])
    return await _run(session, p, county, start, data.end_date, data.post.value, data.allow_moves, data.pins,
                      data.bans, None)


async def _run(session: AsyncSession, p: Principal, county: str, start: date, end: date | None, post: str,
               allow_moves: bool | None, pins: list[PostingPairRef], bans: list[PostingPairRef],
               parent_id: int | None) -> ProposalView:
    snap = await snapshot(session, county, start, post)
    moves = snap.settings.allow_moves if allow_moves is None else allow_moves
    pin_ids = _resolve_pairs(snap, pins, "pins")
    ban_ids = _resolve_pairs(snap, bans, "bans")
    result = _solve(snap.problem(pin_ids, ban_ids, moves))
    stored = _result_json(result, set(pin_ids))
    stored["ending"] = _ending(snap, result, pin_ids, ban_ids, moves)
    inputs = {"day": start.isoformat(), "cadres_per_village": snap.settings.cadres_per_village,
              "weights": snap.settings.weights, "settings_version": snap.settings.version,
              "villages": snap.villages, "cadres": snap.cadres, "current": snap.current,
              "pins": [x.model_dump() for x in pins], "bans": [x.model_dump() for x in bans]}
    pr = PostingProposal(county_code=county, status=PostingProposalStatus.open.value, start_date=start,
                         end_date=end, post=post, fingerprint=snap.fingerprint(pin_ids, ban_ids, moves),
                         inputs=inputs, result=stored, slots=result.totals.slots, covered=result.totals.covered,
                         score=result.totals.score, kept=result.totals.kept, allow_moves=moves, parent_id=parent_id,
                         created_by=p.name)
    session.add(pr)
    await session.flush()
    await session.refresh(pr)
    await audit.record(session, p, "cadre_proposal.create", "cadre_proposal", pr.id, after={
        "county_code": county, "parent_id": parent_id, "start_date": start.isoformat(), "post": pr.post,
        "fingerprint": pr.fingerprint, "slots": pr.slots, "covered": pr.covered, "score": pr.score, "kept": pr.kept,
        "allow_moves": moves, "pins": inputs["pins"], "bans": inputs["bans"],
        "ending": [e["posting_id"] for e in stored["ending"]]})
    return _proposal_view(pr, p, stale=False)


async def rerun_proposal(session: AsyncSession, p: Principal, proposal_id: int,
                         data: PostingProposalRerun) -> ProposalView:
    parent = await _get_proposal(session, p, proposal_id)
    county = await _county_for_write(session, p, CadreAction.propose, parent.county_code)
    pins = data.pins if data.pins is not None else [PostingPairRef(**x) for x in parent.inputs.get("pins", [])]
    bans = data.bans if data.bans is not None else [PostingPairRef(**x) for x in parent.inputs.get("bans", [])]
    moves = parent.allow_moves if data.allow_moves is None else data.allow_moves
    start = max(parent.start_date, today())
    end = parent.end_date if parent.end_date is None or parent.end_date >= start else None
    return await _run(session, p, county, start, end, parent.post, moves, pins, bans, parent.id)


async def get_proposal(session: AsyncSession, p: Principal, proposal_id: int) -> ProposalView:
    pr = await _get_proposal(session, p, proposal_id)
    return _proposal_view(pr, p, stale=await _is_stale(session, pr))


async def list_proposals(session: AsyncSession, p: Principal, *, status: PostingProposalStatus | None, limit: int,
                         offset: int) -> tuple[list[PostingProposal], int]:
    prefix = county_prefix(p)
    where: list[ColumnElement[bool]] = [
        PostingProposal.county_code.startswith(prefix) if prefix is not None else false()]
    if status:
        where.append(PostingProposal.status == status.value)
    total = (await session.execute(select(func.count()).select_from(PostingProposal).where(*where))).scalar_one()
    rows = (await session.execute(select(PostingProposal).where(*where).order_by(PostingProposal.id.desc())
                                  .limit(limit).offset(offset))).scalars().all()
    return list(rows), int(total)


async def confirm_proposal(session: AsyncSession, p: Principal, proposal_id: int) -> Confirmed:
    pr = await _get_proposal(session, p, proposal_id)
    county = await _county_for_write(session, p, CadreAction.confirm, pr.county_code)
    await _lock_county(session, county)
    pr = await _get_proposal(session, p, proposal_id, for_update=True)
    if pr.status != PostingProposalStatus.open.value:
        raise Conflict(f"Proposal {pr.id} is {pr.status}", code="posting_proposal_not_open",
                       extra={"proposal_status": pr.status})
    if await _is_stale(session, pr):
        raise Conflict("Cadres, villages, settings or postings changed since this proposal was made; run it again",
                       code="posting_proposal_stale")
    day = pr.start_date
    assigned = {(a["village_id"], a["cadre_id"]) for a in pr.result["assignments"]}
    current = {(c["village_id"], c["cadre_id"]): c["posting_id"] for c in pr.inputs["current"]}
    stamp = now()
    to_end = sorted(pid for pair, pid in current.items() if pair not in assigned)
    if to_end:
        rows = (await session.execute(
            select(Posting).where(Posting.id.in_(to_end)).with_for_update())).scalars().all()
        for pg in rows:
            pg.end_date = max(day - timedelta(days=1), pg.start_date - timedelta(days=1))
            pg.ended_reason = PostingEndReason.replaced.value
            pg.ended_by = p.name
            pg.ended_at = stamp
            pg.ended_by_proposal_id = pr.id
        await session.flush()
    created: list[Posting] = []
    for vid, cid in sorted(assigned - set(current)):
        pg = Posting(cadre_id=cid, village_id=vid, post=pr.post, start_date=day, end_date=pr.end_date,
                     proposal_id=pr.id, created_by=p.name)
        session.add(pg)
        created.append(pg)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("A proposed posting overlaps one that already exists", code="posting_overlap") from None
    moved = 0
    if day <= today():
        cadres = {c.id: c for c in (await session.execute(
            select(Cadre).where(Cadre.id.in_([pg.cadre_id for pg in created])))).scalars()}
        for pg in created:
            moved += await follow_posting(session, p, cadres[pg.cadre_id], pg.village_id, pg.id)
    pr.status = PostingProposalStatus.confirmed.value
    pr.confirmed_by = p.name
    pr.confirmed_at = stamp
    await session.execute(
        update(PostingProposal)
        .where(PostingProposal.county_code == county, PostingProposal.status == PostingProposalStatus.open.value,
               PostingProposal.id != pr.id)
        .values(status=PostingProposalStatus.superseded.value))
    await session.flush()
    kept = len(assigned & set(current))
    await events.emit(session, p, "cadre_proposal.confirm", "cadre_proposal", pr.id, after={
        "county_code": county, "start_date": day.isoformat(), "created": [x.id for x in created], "ended": to_end,
        "kept": kept, "accounts_moved": moved})
    return Confirmed(pr, created=len(created), kept=kept, ended=len(to_end), accounts_moved=moved)


# ------------------------------------------------------------------------------------------
# Bulk upserts by township systems (kit/bulk.py)
# ------------------------------------------------------------------------------------------


async def bulk_upsert(session: AsyncSession, p: Principal, items: list[CadreUpsert]) -> bulk.BulkReport:
    """Cadres a township system keeps, by its own id: they belong to the township's county, and a
    system sees and changes only the cadres it named (its township's external ids). Accounts are not
    linked here (that stays the county's)."""
    require(p, CADRES, CadreAction.sync, detail="Only township systems upsert cadres in bulk")
    township = bulk.township_of(p)
    county = (await session.execute(select(Division.parent_code).where(Division.code == township))).scalar_one()
    if county is None:
        raise Forbidden("The client's township belongs to no county")
    await bulk.lock_keys(session, f"cadre:{township}", [i.external_id for i in items])

    async def apply(item: CadreUpsert) -> bulk.Applied:
        fields = item.model_dump(exclude_unset=True, exclude={"external_id"})
        cadre = (await session.execute(select(Cadre).where(
            Cadre.external_source == township, Cadre.external_id == item.external_id).with_for_update())
        ).scalar_one_or_none()
        if cadre is None:
            out = await _insert_cadre(session, p, county, CadreCreate(county_code=county, **fields),
                                      external=(township, item.external_id))
            return bulk.Outcome.created, str(out.cadre.id), out.cadre.version
        diff = bulk.changed(cadre, fields)
        if not diff:
            return bulk.Outcome.unchanged, str(cadre.id), cadre.version
        out = await _apply_cadre(session, p, cadre, diff)
        return bulk.Outcome.updated, str(out.cadre.id), out.cadre.version

    return await bulk.run(session, items, lambda i: i.external_id, apply)

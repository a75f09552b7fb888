"""Partner units, pairing settings, proposal runs and pairings: the rules.

Who may do what
* County-wide readers (a county, city or province scope): everything of the counties under them.
* Writers: the county organisation department (county_admin) of that county.
* Township officials read the partner units of their county; they see pairings of their villages.
* A partner unit sees itself and exactly the villages it is paired with today.
* Village accounts see the units currently paired with their village.
Out-of-scope reads answer 404; in-scope writes by other roles 403.

Every write that touches a county's pairings (confirm, end) first takes a transaction-level
advisory lock on that county, so two of them never interleave; the proposal's fingerprint is then
compared with today's inputs (409 proposal_stale when they differ).
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from cunzhi.config import get_settings as app_settings
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, events
from cunzhi.kit.codes import DivisionLevel, RectificationStatus
from cunzhi.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import (
    active_pairings_on,
    county_prefix,
    get_village,
    lock_county,
    managed_county,
    principal_county,
    readable_county,
    sees_county,
    village_clause,
)
from cunzhi.partners import matching, views
from cunzhi.partners.models import Pairing, PairingProposal, PairingSettings, PartnerUnit
from cunzhi.partners.permissions import PARTNERS, PartnerAction, pairing_actions, proposal_actions
from cunzhi.partners.schemas import (
    EndReason,
    PairingEnd,
    PairingSettingsIn,
    PairingStatus,
    PairRef,
    PartnerUnitCreate,
    PartnerUnitPatch,
    ProposalCreate,
    ProposalRerun,
    ProposalStatus,
)
from cunzhi.villages.models import Village

DEFAULT_STRENGTHS: list[dict[str, str]] = [
    {"code": "economic", "label": "有经济实力"},
    {"code": "political_legal", "label": "政法"},
    {"code": "party_mass", "label": "党群"},
    {"code": "technical", "label": "专业技术"},
]
#: villages that get partner units: listed as weak and not yet accepted
PAIRED_STATUSES = (RectificationStatus.weak.value, RectificationStatus.rectifying.value)
_LOCK_NAMESPACE = "cunzhi.pairings."


def today() -> date:
    return clock.local_today()


def _now() -> datetime:
    return clock.now()


# ------------------------------------------------------------------------------------------
# Scope helpers
# ------------------------------------------------------------------------------------------


async def _county_for_write(session: AsyncSession, p: Principal, action: PartnerAction, county_code: str | None) -> str:
    require(p, PARTNERS, action, detail="Only the county organisation department manages pairing")
    return await managed_county(session, p, county_code)


async def _lock_county(session: AsyncSession, county_code: str) -> None:
    await lock_county(session, _LOCK_NAMESPACE, county_code)


def _require_desk(p: Principal, action: PartnerAction, county_code: str, detail: str) -> None:
    require(p, PARTNERS, action, detail=detail)
    if not sees_county(p, county_code):
        raise Forbidden(detail)


async def unit_clause(session: AsyncSession, p: Principal) -> ColumnElement[bool]:
    """A WHERE clause over PartnerUnit that keeps what `p` may see."""
    prefix = county_prefix(p)
    if prefix is not None:
        return PartnerUnit.county_code.startswith(prefix)
    if p.division_level == DivisionLevel.township:
        county = await principal_county(session, p)
        return PartnerUnit.county_code == county if county else false()
    if p.partner_unit_id is not None:
        return PartnerUnit.id == p.partner_unit_id
    if p.village_id is not None:
        paired = select(Pairing.partner_unit_id).where(
            Pairing.village_id == p.village_id, active_pairings_on(today()))
        return PartnerUnit.id.in_(paired)
    return false()


# ------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------


@dataclass
class Settings:
    county_code: str
    slots_per_village: int
    strengths: list[dict[str, str]]
    weights: dict[str, dict[str, int]]
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def strength_codes(self) -> set[str]:
        return {s["code"] for s in self.strengths}


def _default_settings(county_code: str) -> Settings:
    return Settings(
        county_code=county_code,
        slots_per_village=app_settings().units_per_village,
        strengths=[dict(s) for s in DEFAULT_STRENGTHS],
        weights={c: {s: w for s, w in row.items() if w} for c, row in matching.DEFAULT_PAIRING_WEIGHTS.items()},
    )


async def load_settings(session: AsyncSession, county_code: str, *, for_update: bool = False) -> Settings:
    stmt = select(PairingSettings).where(PairingSettings.county_code == county_code)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        return _default_settings(county_code)
    return Settings(county_code, row.slots_per_village, row.strengths, row.weights, row.version,
                    row.updated_by, row.updated_at)


async def _readable_county(session: AsyncSession, p: Principal, county_code: str | None) -> str:
    # township officials and partner units may read their own county's settings (strength labels)
    return await readable_county(session, p, county_code)


async def get_settings(session: AsyncSession, p: Principal, county_code: str | None) -> Settings:
    code = await _readable_county(session, p, county_code)
    return await load_settings(session, code)


async def update_settings(session: AsyncSession, p: Principal, county_code: str | None, data: PairingSettingsIn,
                          if_match: str | None) -> Settings:
    code = await _readable_county(session, p, county_code)
    code = await _county_for_write(session, p, PartnerAction.edit_settings, code)
    await _lock_county(session, code)
    row = (await session.execute(
        select(PairingSettings).where(PairingSettings.county_code == code).with_for_update()
    )).scalar_one_or_none()
    current = await load_settings(session, code)
    expected_version(if_match, current.version)
    new_codes = {s.code for s in data.strengths}
    in_use = (await session.execute(
        select(func.unnest(PartnerUnit.strengths)).where(PartnerUnit.county_code == code).distinct()
    )).scalars().all()
    missing = sorted(set(in_use) - new_codes)
    if missing:
        raise Conflict(f"Strengths still held by partner units: {', '.join(missing)}", code="strength_in_use",
                       extra={"strengths": missing})
    before = views.settings_out(current).model_dump(mode="json")
    weights = {c.value: {s: w for s, w in sorted(row_.items()) if w} for c, row_ in data.weights.items()}
    strengths = [s.model_dump() for s in data.strengths]
    if row is None:
        row = PairingSettings(county_code=code, slots_per_village=data.slots_per_village, strengths=strengths,
                              weights=weights, updated_by=p.name)
        session.add(row)
    else:
        row.slots_per_village = data.slots_per_village
        row.strengths = strengths
        row.weights = weights
        row.updated_by = p.name
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed() from None
    except IntegrityError:
        raise PreconditionFailed() from None
    await session.refresh(row)
    out = await load_settings(session, code)
    await audit.record(session, p, "pairing_settings.update", "pairing_settings", code, before=before,
                       after=views.settings_out(out).model_dump(mode="json"))
    return out


# ------------------------------------------------------------------------------------------
# Partner units
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitView:
    """A partner unit with its villages today (those the caller sees): code and name."""

    unit: PartnerUnit
    villages: list[tuple[str, str]]


async def _current_villages(session: AsyncSession, p: Principal,
                            unit_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each unit's villages today, only those `p` sees (a township reads another township's unit
    without learning which of that township's villages are weak)."""
    out: dict[int, list[tuple[str, str]]] = {u: [] for u in unit_ids}
    if not unit_ids:
        return out
    rows = (await session.execute(
        select(Pairing.partner_unit_id, Village.code, Village.name).join(Village, Village.id == Pairing.village_id)
        .where(Pairing.partner_unit_id.in_(unit_ids), active_pairings_on(today()), village_clause(p))
        .order_by(Village.code)
    )).all()
    for uid, code, name in rows:
        out[uid].append((code, name))
    return out


async def list_units(session: AsyncSession, p: Principal, *, county_code: str | None, active: bool | None,
                     strength: str | None, q: str | None, limit: int, offset: int) -> tuple[list[UnitView], int]:
    where = [await unit_clause(session, p)]
    if county_code:
        where.append(PartnerUnit.county_code == county_code)
    if active is not None:
        where.append(PartnerUnit.active.is_(active))
    if strength:
        where.append(PartnerUnit.strengths.contains([strength]))
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(PartnerUnit.name.ilike(pattern, escape="\\"), PartnerUnit.code.ilike(pattern, escape="\\")))
    total = (await session.execute(select(func.count()).select_from(PartnerUnit).where(*where))).scalar_one()
    units = (await session.execute(
        select(PartnerUnit).where(*where).order_by(PartnerUnit.code).limit(limit).offset(offset)
    )).scalars().all()
    villages = await _current_villages(session, p, [u.id for u in units])
    return [UnitView(u, villages[u.id]) for u in units], int(total)


async def _get_unit(session: AsyncSession, p: Principal, unit_id: int, *, for_update: bool = False) -> PartnerUnit:
    stmt = select(PartnerUnit).where(PartnerUnit.id == unit_id, await unit_clause(session, p))
    if for_update:
        stmt = stmt.with_for_update()
    unit = (await session.execute(stmt)).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"Partner unit {unit_id} not found", code="partner_unit_not_found")
    return unit


async def get_unit(session: AsyncSession, p: Principal, unit_id: int) -> UnitView:
    unit = await _get_unit(session, p, unit_id)
    return UnitView(unit, (await _current_villages(session, p, [unit.id]))[unit.id])


def _check_strengths(strengths: list[str], settings: Settings) -> None:
    unknown = sorted(set(strengths) - settings.strength_codes)
    if unknown:
        raise Unprocessable(f"Unknown strengths: {', '.join(unknown)}", code="unknown_strength", errors=[
            {"loc": ["body", "strengths"], "msg": f"unknown strength {s!r} (see pairing settings)",
             "type": "value_error"} for s in unknown])


async def create_unit(session: AsyncSession, p: Principal, data: PartnerUnitCreate) -> UnitView:
    county = await _county_for_write(session, p, PartnerAction.add_unit, data.county_code)
    _check_strengths(data.strengths, await load_settings(session, county))
    exists = (await session.execute(select(PartnerUnit.id).where(PartnerUnit.code == data.code))).scalar_one_or_none()
    if exists is not None:
        raise Conflict(f"Partner unit {data.code} already exists", code="partner_unit_exists")
    unit = PartnerUnit(code=data.code, name=data.name, county_code=county, strengths=data.strengths,
                       capacity=app_settings().villages_per_unit if data.capacity is None else data.capacity,
                       contact_name=data.contact_name, contact_phone=data.contact_phone,
                       active=data.active)
    session.add(unit)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"Partner unit {data.code} already exists", code="partner_unit_exists") from None
    await session.refresh(unit)
    await audit.record(session, p, "partner_unit.create", "partner_unit", unit.id, after=audit.snapshot(unit))
    return UnitView(unit, [])


async def update_unit(session: AsyncSession, p: Principal, unit_id: int, data: PartnerUnitPatch,
                      if_match: str | None) -> UnitView:
    unit = await _get_unit(session, p, unit_id)
    _require_desk(p, PartnerAction.edit_unit, unit.county_code, "Only the county organisation department edits partner units")
    expected_version(if_match, unit.version)
    changes = data.model_dump(exclude_unset=True)
    for f in ("name", "strengths", "capacity", "active"):
        if f in changes and changes[f] is None:
            raise Unprocessable(f"{f} cannot be empty", errors=[
                {"loc": ["body", f], "msg": "may not be null", "type": "value_error"}])
    if "strengths" in changes:
        _check_strengths(changes["strengths"], await load_settings(session, unit.county_code))
    before = audit.snapshot(unit)
    for f, value in changes.items():
        setattr(unit, f, value)
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed() from None
    await session.refresh(unit)
    await audit.record(session, p, "partner_unit.update", "partner_unit", unit.id, before=before,
                       after=audit.snapshot(unit))
    return UnitView(unit, (await _current_villages(session, p, [unit.id]))[unit.id])


# ------------------------------------------------------------------------------------------
# The inputs of a run: today's weak villages, active units, current pairings, settings
# ------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    county_code: str
    day: date
    settings: Settings
    villages: list[dict[str, Any]]
    units: list[dict[str, Any]]
    current: list[dict[str, Any]]  # current pairings of the listed villages (any unit)
    village_by_code: dict[str, int] = field(default_factory=dict)

    def problem(self, pins: list[tuple[int, int]], bans: list[tuple[int, int]]) -> matching.Problem:
        unit_ids = {u["id"] for u in self.units}
        existing = [(c["village_id"], c["unit_id"]) for c in self.current if c["unit_id"] in unit_ids]
        return matching.Problem(
            [matching.Village(v["id"], v["categories"], self.settings.slots_per_village) for v in self.villages],
            [matching.Unit(u["id"], u["strengths"], u["capacity"]) for u in self.units],
            self.settings.weights, pins=pins, bans=bans, existing=existing,
        )

    def fingerprint(self, pins: list[tuple[int, int]], bans: list[tuple[int, int]]) -> str:
        engine_fp = matching.fingerprint(self.problem(pins, bans))
        current = sorted(c["pairing_id"] for c in self.current)
        raw = f"{engine_fp}|{current}|{self.day.isoformat()}"
        return hashlib.sha256(raw.encode()).hexdigest()


async def snapshot(session: AsyncSession, county_code: str, day: date) -> Snapshot:
    settings = await load_settings(session, county_code)
    vrows = (await session.execute(
        select(Village.id, Village.code, Village.name, Village.township_code, Division.name,
               Village.problem_categories)
        .join(Division, Division.code == Village.township_code)
        .where(Village.county_code == county_code, Village.status.in_(PAIRED_STATUSES))
        .order_by(Village.code)
    )).all()
    villages: list[dict[str, Any]] = [{"id": i, "code": c, "name": n, "township_code": t, "township_name": tn,
                 "categories": sorted(cats or [])} for i, c, n, t, tn, cats in vrows]
    village_ids = {v["id"] for v in villages}
    units = (await session.execute(
        select(PartnerUnit).where(PartnerUnit.county_code == county_code, PartnerUnit.active.is_(True))
        .order_by(PartnerUnit.code)
    )).scalars().all()
    prow = (await session.execute(
        select(Pairing.id, Pairing.village_id, Pairing.partner_unit_id, PartnerUnit.name, Pairing.end_date,
               Village.code, Village.name, Village.status)
        .join(PartnerUnit, PartnerUnit.id == Pairing.partner_unit_id)
        .join(Village, Village.id == Pairing.village_id)
        .where(Village.county_code == county_code, active_pairings_on(day))
        .order_by(Pairing.id)
    )).all()
    # Capacity already used by pairings with villages outside this run (e.g. accepted villages):
    # reported with the proposal, so the county sees which units a finished village still holds.
    held: dict[int, list[dict[str, Any]]] = {}
    current = []
    for pid, vid, uid, uname, end, vcode, vname, vstatus in prow:
        if vid in village_ids:
            current.append({"pairing_id": pid, "village_id": vid, "unit_id": uid, "unit_name": uname})
        else:
            held.setdefault(uid, []).append({"pairing_id": pid, "village_code": vcode, "village_name": vname,
                                             "village_status": vstatus, "end_date": end.isoformat() if end else None})
    unit_dicts = [{"id": u.id, "code": u.code, "name": u.name, "strengths": sorted(u.strengths),
                   "capacity": max(u.capacity - len(held.get(u.id, [])), 0), "nominal_capacity": u.capacity,
                   "held_by": held.get(u.id, [])}
                  for u in units]
    return Snapshot(county_code, day, settings, villages, unit_dicts, current,
                    {v["code"]: v["id"] for v in villages})


# ------------------------------------------------------------------------------------------
# Proposals
# ------------------------------------------------------------------------------------------


def _resolve_pairs(snap: Snapshot, pairs: list[PairRef], kind: str) -> list[tuple[int, int]]:
    unit_ids = {u["id"] for u in snap.units}
    errors: list[dict[str, Any]] = []
    out: list[tuple[int, int]] = []
    for i, pr in enumerate(pairs):
        vid = snap.village_by_code.get(pr.village_code)
        if vid is None:
            errors.append({"loc": ["body", kind, i, "village_code"],
                           "msg": "not a weak village of this county", "type": "value_error"})
        if pr.partner_unit_id not in unit_ids:
            errors.append({"loc": ["body", kind, i, "partner_unit_id"],
                           "msg": "not an active partner unit of this county", "type": "value_error"})
        if vid is not None and pr.partner_unit_id in unit_ids:
            out.append((vid, pr.partner_unit_id))
    if errors:
        raise Unprocessable(f"Some {kind} do not name a weak village and an active unit of the county",
                            code="invalid_pairs", errors=errors)
    return out


def _solve(snap: Snapshot, pins: list[tuple[int, int]], bans: list[tuple[int, int]]) -> tuple[matching.Result, int]:
    t0 = time.perf_counter()
    try:
        result = matching.solve(snap.problem(pins, bans))
    except matching.MatchingInputError as exc:
        errors = []
        for issue in exc.issues:
            loc: list[Any] = ["body", *issue.loc[:2]]
            errors.append({"loc": loc, "msg": issue.message, "type": issue.code})
        raise Unprocessable("The pins and bans cannot all be honoured", code="pairing_input_conflict",
                            errors=errors) from None
    return result, int((time.perf_counter() - t0) * 1000)


def _result_json(result: matching.Result) -> dict[str, Any]:
    return {
        "assignments": [
            {"village_id": a.village_id, "unit_id": a.unit_id, "score": a.score, "pinned": a.pinned,
             "kept": a.kept, "reasons": [[r.category, r.strength, r.weight] for r in a.reasons]}
            for a in result.assignments
        ],
        "uncovered": [{"village_id": u.village_id, "missing": u.missing, "reason": u.reason}
                      for u in result.uncovered],
        "totals": {
            "villages": result.totals.villages, "villages_fully_covered": result.totals.villages_fully_covered,
            "slots": result.totals.slots, "covered": result.totals.covered, "uncovered": result.totals.uncovered,
            "score": result.totals.score, "kept": result.totals.kept, "existing": result.totals.existing,
            "pinned": result.totals.pinned,
        },
    }


@dataclass(frozen=True)
class ProposalView:
    """A proposal, whether the county changed since it ran, and what the caller may do with it."""

    proposal: PairingProposal
    stale: bool
    allowed_actions: list[str]


def _proposal_view(pr: PairingProposal, p: Principal, *, stale: bool) -> ProposalView:
    return ProposalView(pr, stale, proposal_actions(p, county_code=pr.county_code,
                                                    open_=pr.status == ProposalStatus.open.value, stale=stale))


async def _run(session: AsyncSession, p: Principal, county: str, start: date, end: date | None,
               pins: list[PairRef], bans: list[PairRef], parent_id: int | None) -> ProposalView:
    snap = await snapshot(session, county, start)
    pin_ids = _resolve_pairs(snap, pins, "pins")
    ban_ids = _resolve_pairs(snap, bans, "bans")
    result, ms = _solve(snap, pin_ids, ban_ids)
    inputs = {
        "day": start.isoformat(),
        "slots_per_village": snap.settings.slots_per_village,
        "strengths": snap.settings.strengths,
        "weights": snap.settings.weights,
        "settings_version": snap.settings.version,
        "villages": snap.villages,
        "units": snap.units,
        "current": snap.current,
        "pins": [pr.model_dump() for pr in pins],
        "bans": [pr.model_dump() for pr in bans],
    }
    proposal = PairingProposal(
        county_code=county, parent_id=parent_id, status=ProposalStatus.open.value, start_date=start, end_date=end,
        fingerprint=snap.fingerprint(pin_ids, ban_ids), inputs=inputs, result=_result_json(result),
        slots=result.totals.slots, covered=result.totals.covered, score=result.totals.score,
        kept=result.totals.kept, solve_ms=ms, created_by=p.name,
    )
    session.add(proposal)
    await session.flush()
    await session.refresh(proposal)
    await audit.record(session, p, "pairing_proposal.create", "pairing_proposal", proposal.id, after={
        "county_code": county, "parent_id": parent_id, "start_date": start.isoformat(),
        "fingerprint": proposal.fingerprint, "slots": proposal.slots, "covered": proposal.covered,
        "score": proposal.score, "kept": proposal.kept,
        "pins": inputs["pins"], "bans": inputs["bans"],
    })
    return _proposal_view(proposal, p, stale=False)


async def create_proposal(session: AsyncSession, p: Principal, data: ProposalCreate) -> ProposalView:
    county = await _county_for_write(session, p, PartnerAction.propose, data.county_code)
    start = data.start_date or today()
    if start < today():
        raise Unprocessable("A proposal cannot start in the past", code="start_in_past", errors=[
            {"loc": ["body", "start_date"], "msg": "must be today or later", "type": "value_error"}])
    return await _run(session, p, county, start, data.end_date, data.pins, data.bans, None)


async def rerun_proposal(session: AsyncSession, p: Principal, proposal_id: int, data: ProposalRerun) -> ProposalView:
    parent = await _get_proposal(session, p, proposal_id)
    county = await _county_for_write(session, p, PartnerAction.rerun, parent.county_code)
    pins = data.pins if data.pins is not None else [PairRef(**x) for x in parent.inputs["pins"]]
    bans = data.bans if data.bans is not None else [PairRef(**x) for x in parent.inputs["bans"]]
    start = max(parent.start_date, today())
    end = parent.end_date if parent.end_date is None or parent.end_date >= start else None
    return await _run(session, p, county, start, end, pins, bans, parent.id)


async def _get_proposal(session: AsyncSession, p: Principal, proposal_id: int, *,
                        for_update: bool = False) -> PairingProposal:
    prefix = county_prefix(p)
    clause = PairingProposal.county_code.startswith(prefix) if prefix is not None else false()
    stmt = select(PairingProposal).where(PairingProposal.id == proposal_id, clause)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    proposal = (await session.execute(stmt)).scalar_one_or_none()
    if proposal is None:
        raise NotFound(f"Proposal {proposal_id} not found", code="proposal_not_found")
    return proposal


async def _is_stale(session: AsyncSession, pr: PairingProposal) -> bool:
    if pr.status != ProposalStatus.open.value:
        return False
    if pr.start_date < today():
        return True
    snap = await snapshot(session, pr.county_code, pr.start_date)
    pins = [(snap.village_by_code.get(x["village_code"], -1), x["partner_unit_id"]) for x in pr.inputs["pins"]]
    bans = [(snap.village_by_code.get(x["village_code"], -1), x["partner_unit_id"]) for x in pr.inputs["bans"]]
    return snap.fingerprint(pins, bans) != pr.fingerprint


async def get_proposal(session: AsyncSession, p: Principal, proposal_id: int) -> ProposalView:
    pr = await _get_proposal(session, p, proposal_id)
    return _proposal_view(pr, p, stale=await _is_stale(session, pr))


async def list_proposals(session: AsyncSession, p: Principal, *, county_code: str | None,
                         status: ProposalStatus | None, limit: int, offset: int) -> tuple[list[PairingProposal], int]:
    prefix = county_prefix(p)
    where: list[ColumnElement[bool]] = [
        PairingProposal.county_code.startswith(prefix) if prefix is not None else false()]
    if county_code:
        where.append(PairingProposal.county_code == county_code)
    if status:
        where.append(PairingProposal.status == status.value)
    total = (await session.execute(select(func.count()).select_from(PairingProposal).where(*where))).scalar_one()
    rows = (await session.execute(
        select(PairingProposal).where(*where).order_by(PairingProposal.id.desc()).limit(limit).offset(offset)
    )).scalars().all()
    return list(rows), int(total)


@dataclass(frozen=True)
class Confirmed:
    proposal: PairingProposal
    created: int
    kept: int
    ended: int


async def confirm_proposal(session: AsyncSession, p: Principal, proposal_id: int) -> Confirmed:
    pr = await _get_proposal(session, p, proposal_id)
    county = await _county_for_write(session, p, PartnerAction.confirm, pr.county_code)
    await _lock_county(session, county)
    pr = await _get_proposal(session, p, proposal_id, for_update=True)
    if pr.status != ProposalStatus.open.value:
        raise Conflict(f"Proposal {pr.id} is {pr.status}", code="proposal_not_open", extra={"proposal_status": pr.status})
    if await _is_stale(session, pr):
        raise Conflict("Units, villages, weights or pairings changed since this proposal was made; run it again",
                       code="proposal_stale")
    day = pr.start_date
    assigned = {(a["village_id"], a["unit_id"]) for a in pr.result["assignments"]}
    current_pairs = {(c["village_id"], c["unit_id"]): c["pairing_id"] for c in pr.inputs["current"]}
    now = _now()
    to_end = [pid for pair, pid in current_pairs.items() if pair not in assigned]
    if to_end:
        rows = (await session.execute(select(Pairing).where(Pairing.id.in_(to_end)).with_for_update())).scalars()
        for pairing in rows:
            pairing.end_date = max(day - timedelta(days=1), pairing.start_date - timedelta(days=1))
            pairing.ended_reason = EndReason.replaced.value
            pairing.ended_by = p.name
            pairing.ended_at = now
            pairing.ended_by_proposal_id = pr.id
        await session.flush()
    created = []
    for vid, uid in sorted(assigned - set(current_pairs)):
        pairing = Pairing(village_id=vid, partner_unit_id=uid, start_date=day, end_date=pr.end_date,
                          proposal_id=pr.id, created_by=p.name)
        session.add(pairing)
        created.append(pairing)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("A proposed pairing overlaps one that already exists", code="pairing_overlap") from None
    pr.status = ProposalStatus.confirmed.value
    pr.confirmed_by = p.name
    pr.confirmed_at = now
    await session.execute(
        update(PairingProposal)
        .where(PairingProposal.county_code == county, PairingProposal.status == ProposalStatus.open.value,
               PairingProposal.id != pr.id)
        .values(status=ProposalStatus.superseded.value)
    )
    await session.flush()
    kept = len(assigned & set(current_pairs))
    await events.emit(session, p, "pairing_proposal.confirm", "pairing_proposal", pr.id, after={
        "county_code": county, "start_date": day.isoformat(), "created": [x.id for x in created],
        "ended": sorted(to_end), "kept": kept,
    })
    return Confirmed(pr, created=len(created), kept=kept, ended=len(to_end))


# ------------------------------------------------------------------------------------------
# Pairings
# ------------------------------------------------------------------------------------------


def pairing_status(pg: Pairing, day: date) -> PairingStatus:
    if pg.end_date is not None and pg.end_date < pg.start_date:
        return PairingStatus.void
    if pg.start_date > day:
        return PairingStatus.upcoming
    if pg.end_date is not None and pg.end_date < day:
        return PairingStatus.ended if pg.ended_reason else PairingStatus.finished
    return PairingStatus.current


@dataclass(frozen=True)
class PairingView:
    pairing: Pairing
    village: Village
    unit: PartnerUnit
    status: PairingStatus
    allowed_actions: list[str]


def _pairing_view(pg: Pairing, v: Village, u: PartnerUnit, day: date, p: Principal) -> PairingView:
    status = pairing_status(pg, day)
    open_ = pg.ended_at is None and status in (PairingStatus.current, PairingStatus.upcoming)
    return PairingView(pg, v, u, status, pairing_actions(p, county_code=v.county_code, open_=open_))


def _pairings_query(p: Principal) -> Select[Pairing, Village, PartnerUnit]:
    stmt = (select(Pairing, Village, PartnerUnit).join(Village, Village.id == Pairing.village_id)
            .join(PartnerUnit, PartnerUnit.id == Pairing.partner_unit_id).where(village_clause(p)))
    if p.partner_unit_id is not None:
        stmt = stmt.where(Pairing.partner_unit_id == p.partner_unit_id)
    return stmt


async def list_pairings(session: AsyncSession, p: Principal, *, village_code: str | None,
                        partner_unit_id: int | None, current: bool, limit: int,
                        offset: int) -> tuple[list[PairingView], int]:
    day = today()
    stmt = _pairings_query(p)
    if village_code:
        stmt = stmt.where(Village.code == village_code)
    if partner_unit_id is not None:
        stmt = stmt.where(Pairing.partner_unit_id == partner_unit_id)
    stmt = stmt.where(active_pairings_on(day) if current else true())
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = (await session.execute(
        stmt.order_by(Village.code, Pairing.start_date.desc(), Pairing.id.desc()).limit(limit).offset(offset)
    )).all()
    return [_pairing_view(pg, v, u, day, p) for pg, v, u in rows], int(total)


async def village_history(session: AsyncSession, p: Principal,
                          village_code: str) -> tuple[Village, list[PairingView]]:
    village = await get_village(session, p, village_code)
    day = today()
    rows = (await session.execute(
        select(Pairing, PartnerUnit).join(PartnerUnit, PartnerUnit.id == Pairing.partner_unit_id)
        .where(Pairing.village_id == village.id)
        .order_by(Pairing.start_date.desc(), Pairing.id.desc())
    )).all()
    return village, [_pairing_view(pg, village, u, day, p) for pg, u in rows]


async def end_village_pairings(session: AsyncSession, p: Principal, village: Village, last_day: date,
                               *, note: str | None = None) -> list[PairingView]:
    """End the village's current and coming pairings on `last_day` (reason village_accepted), for
    the county accepting its case: the units' places go back to weak villages. A pairing planned
    to end earlier keeps its end; one not yet begun by then ends before it starts."""
    await _lock_county(session, village.county_code)
    day = today()
    rows = (await session.execute(
        select(Pairing, PartnerUnit).join(PartnerUnit, PartnerUnit.id == Pairing.partner_unit_id)
        .where(Pairing.village_id == village.id, Pairing.ended_at.is_(None),
               or_(Pairing.end_date.is_(None), Pairing.end_date >= day))
        .order_by(Pairing.id).with_for_update(of=Pairing).execution_options(populate_existing=True)
    )).all()
    out = []
    for pairing, unit in rows:
        end = max(last_day, pairing.start_date - timedelta(days=1))
        if pairing.end_date is not None and pairing.end_date <= end:
            continue
        before = audit.snapshot(pairing)
        pairing.end_date = end
        pairing.ended_reason = EndReason.village_accepted.value
        pairing.ended_note = note
        pairing.ended_by = p.name
        pairing.ended_at = _now()
        await session.flush()
        await audit.record(session, p, "pairing.end", "pairing", pairing.id, before=before,
                           after=audit.snapshot(pairing))
        out.append(_pairing_view(pairing, village, unit, day, p))
    return out


async def village_pairings_now(session: AsyncSession, p: Principal, village: Village) -> list[PairingView]:
    """The village's current and coming pairings (what accepting its case would end)."""
    day = today()
    rows = (await session.execute(
        select(Pairing, PartnerUnit).join(PartnerUnit, PartnerUnit.id == Pairing.partner_unit_id)
        .where(Pairing.village_id == village.id, Pairing.ended_at.is_(None),
               or_(Pairing.end_date.is_(None), Pairing.end_date >= day))
        .order_by(Pairing.start_date, Pairing.id)
    )).all()
    return [_pairing_view(pg, village, u, day, p) for pg, u in rows]


async def end_pairing(session: AsyncSession, p: Principal, pairing_id: int, data: PairingEnd) -> PairingView:
    row = (await session.execute(_pairings_query(p).where(Pairing.id == pairing_id))).first()
    if row is None:
        raise NotFound(f"Pairing {pairing_id} not found", code="pairing_not_found")
    _, village, unit = row
    _require_desk(p, PartnerAction.end_pairing, village.county_code, "Only the county organisation department ends pairings")
    await _lock_county(session, village.county_code)
    pairing = (await session.execute(
        select(Pairing).where(Pairing.id == pairing_id).with_for_update().execution_options(populate_existing=True)
    )).scalar_one()
    if pairing.ended_at is not None:
        raise Conflict(f"Pairing {pairing_id} has already ended", code="pairing_ended")
    day = today()
    end = data.end_date or day - timedelta(days=1)
    problems = []
    if end < pairing.start_date - timedelta(days=1):
        problems.append("must not be more than one day before the start")
    if pairing.end_date is not None and end > pairing.end_date:
        problems.append("must not be after the planned end")
    if pairing.end_date is not None and pairing.end_date < day:
        raise Conflict(f"Pairing {pairing_id} is already over", code="pairing_ended")
    if problems:
        raise Unprocessable("Invalid end date", code="invalid_end_date", errors=[
            {"loc": ["body", "end_date"], "msg": m, "type": "value_error"} for m in problems])
    before = audit.snapshot(pairing)
    pairing.end_date = end
    pairing.ended_reason = data.reason.value
    pairing.ended_note = data.note
    pairing.ended_by = p.name
    pairing.ended_at = _now()
    await session.flush()
    await events.emit(session, p, "pairing.end", "pairing", pairing.id, before=before, after=audit.snapshot(pairing))
    return _pairing_view(pairing, village, unit, day, p)


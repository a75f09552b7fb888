"""The partner units' API models, shaped from what the service returns. The router calls these; so
does the rectification desk, whose acceptance plan lists the pairings that accepting a case ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cunzhi.partners.models import PairingProposal
from cunzhi.partners.schemas import (
    ConfirmResult,
    CurrentUnit,
    EndReason,
    HeldVillage,
    PairingOut,
    PairingProposalOut,
    PairingSettingsOut,
    PairRef,
    PartnerUnitOut,
    ProposalStatus,
    ProposalSummary,
    ProposalTotals,
    ProposedUnit,
    ProposedVillage,
    ReasonOut,
    Strength,
    UncoveredReason,
    UnitLoad,
    VillageRef,
)

if TYPE_CHECKING:
    from cunzhi.partners.service import Confirmed, PairingView, ProposalView, Settings, UnitView


def settings_out(s: Settings) -> PairingSettingsOut:
    return PairingSettingsOut(
        county_code=s.county_code, slots_per_village=s.slots_per_village,
        strengths=[Strength(**x) for x in s.strengths], weights=s.weights, version=s.version,
        updated_by=s.updated_by, updated_at=s.updated_at,
    )


def unit_out(view: UnitView) -> PartnerUnitOut:
    u = view.unit
    return PartnerUnitOut(
        id=u.id, code=u.code, name=u.name, county_code=u.county_code, strengths=sorted(u.strengths),
        capacity=u.capacity, contact_name=u.contact_name, contact_phone=u.contact_phone, active=u.active,
        current_villages=[VillageRef(code=c, name=n) for c, n in view.villages], version=u.version,
    )


def summary(pr: PairingProposal) -> ProposalSummary:
    return ProposalSummary(
        id=pr.id, county_code=pr.county_code, parent_id=pr.parent_id, status=ProposalStatus(pr.status),
        start_date=pr.start_date, end_date=pr.end_date, slots=pr.slots, covered=pr.covered, score=pr.score,
        kept=pr.kept, solve_ms=pr.solve_ms, created_by=pr.created_by, created_at=pr.created_at,
        confirmed_by=pr.confirmed_by, confirmed_at=pr.confirmed_at,
    )


def proposal_out(view: ProposalView) -> PairingProposalOut:
    pr, stale = view.proposal, view.stale
    inputs, result = pr.inputs, pr.result
    units = {u["id"]: u for u in inputs["units"]}
    by_village: dict[int, list[dict[str, Any]]] = {}
    for a in result["assignments"]:
        by_village.setdefault(a["village_id"], []).append(a)
    uncovered = {u["village_id"]: u for u in result["uncovered"]}
    assigned_pairs = {(a["village_id"], a["unit_id"]) for a in result["assignments"]}
    current_by_village: dict[int, list[dict[str, Any]]] = {}
    for c in inputs["current"]:
        current_by_village.setdefault(c["village_id"], []).append(c)
    load: dict[int, int] = {}
    villages: list[ProposedVillage] = []
    ending = 0
    for v in inputs["villages"]:
        proposed = []
        for a in by_village.get(v["id"], []):
            u = units[a["unit_id"]]
            load[u["id"]] = load.get(u["id"], 0) + 1
            proposed.append(ProposedUnit(
                partner_unit_id=u["id"], code=u["code"], name=u["name"], strengths=u["strengths"],
                score=a["score"], pinned=a["pinned"], kept=a["kept"],
                reasons=[ReasonOut(category=c, strength=s, weight=w) for c, s, w in a["reasons"]],
            ))
        cur = []
        for c in current_by_village.get(v["id"], []):
            ends = (c["village_id"], c["unit_id"]) not in assigned_pairs
            ending += ends
            cur.append(CurrentUnit(pairing_id=c["pairing_id"], partner_unit_id=c["unit_id"], name=c["unit_name"],
                                   ends=ends))
        unc = uncovered.get(v["id"])
        villages.append(ProposedVillage(
            village_code=v["code"], village_name=v["name"], township_code=v["township_code"],
            township_name=v["township_name"], categories=v["categories"], slots=inputs["slots_per_village"],
            units=proposed, missing=unc["missing"] if unc else 0,
            uncovered_reason=UncoveredReason(unc["reason"]) if unc else None, current=cur,
        ))
    t = result["totals"]
    totals = ProposalTotals(**t, ending=ending, units=len(units), units_used=len(load))
    return PairingProposalOut(
        **summary(pr).model_dump(), fingerprint=pr.fingerprint, stale=stale,
        slots_per_village=inputs["slots_per_village"], totals=totals,
        pins=[PairRef(**x) for x in inputs["pins"]], bans=[PairRef(**x) for x in inputs["bans"]],
        allowed_actions=view.allowed_actions,
        villages=villages,
        units=[UnitLoad(partner_unit_id=u["id"], code=u["code"], name=u["name"], strengths=u["strengths"],
                        capacity=u["capacity"], assigned=load.get(u["id"], 0),
                        held_by=[HeldVillage(**h) for h in u.get("held_by", [])]) for u in inputs["units"]],
    )


def confirm_out(c: Confirmed) -> ConfirmResult:
    return ConfirmResult(proposal=summary(c.proposal), created=c.created, kept=c.kept, ended=c.ended)


def pairing_out(view: PairingView) -> PairingOut:
    pg, v, u = view.pairing, view.village, view.unit
    return PairingOut(
        id=pg.id, village_code=v.code, village_name=v.name, partner_unit_id=u.id, partner_unit_code=u.code,
        partner_unit_name=u.name, start_date=pg.start_date, end_date=pg.end_date, status=view.status,
        proposal_id=pg.proposal_id, created_by=pg.created_by, created_at=pg.created_at,
        ended_reason=EndReason(pg.ended_reason) if pg.ended_reason else None, ended_note=pg.ended_note,
        ended_by=pg.ended_by, ended_at=pg.ended_at, ended_by_proposal_id=pg.ended_by_proposal_id,
        allowed_actions=view.allowed_actions,
    )

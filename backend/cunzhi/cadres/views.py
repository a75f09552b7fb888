"""The stationed cadres' API models, shaped from what the service returns. The router calls these; so
does the rectification desk, whose acceptance plan lists the postings that accepting a case ends."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from cunzhi.cadres.schemas import (
    CadreDetail,
    CadreOut,
    CadreSettingsOut,
    CadreVillageRef,
    CurrentCadre,
    EndingPosting,
    Expertise,
    MatchBasis,
    Post,
    PostingConfirmResult,
    PostingEndingReason,
    PostingEndReason,
    PostingOut,
    PostingPairRef,
    PostingProposalOut,
    PostingProposalStatus,
    PostingProposalSummary,
    PostingProposalTotals,
    PostingProposedVillage,
    PostingReasonOut,
    PostingUncoveredReason,
    ProposedCadre,
)

if TYPE_CHECKING:
    from cunzhi.cadres.models import PostingProposal
    from cunzhi.cadres.service import CadreDetailView, CadreView, Confirmed, PostingView, ProposalView, Settings
    from cunzhi.villages.models import Village


def settings_out(s: Settings) -> CadreSettingsOut:
    return CadreSettingsOut(county_code=s.county_code, cadres_per_village=s.cadres_per_village,
                            expertise=[Expertise(**e) for e in s.expertise], weights=s.weights,
                            allow_moves=s.allow_moves, version=s.version,
                            updated_by=s.updated_by, updated_at=s.updated_at)


def village_ref(v: Village, township_name: str) -> CadreVillageRef:
    return CadreVillageRef(code=v.code, name=v.name, township_code=v.township_code, township_name=township_name)


def posting_out(view: PostingView) -> PostingOut:
    pg, v = view.posting, view.village
    return PostingOut(
        id=pg.id, cadre_id=pg.cadre_id, cadre_name=view.cadre_name, village=village_ref(v, view.township_name),
        post=Post(pg.post), start_date=pg.start_date, end_date=pg.end_date, status=view.status,
        proposal_id=pg.proposal_id, note=pg.note, created_by=pg.created_by, created_at=pg.created_at,
        ended_reason=PostingEndReason(pg.ended_reason) if pg.ended_reason else None, ended_note=pg.ended_note,
        ended_by=pg.ended_by, ended_at=pg.ended_at, allowed_actions=view.allowed_actions,
    )


def cadre_out(view: CadreView) -> CadreOut:
    c, current = view.cadre, view.current_posting
    return CadreOut(id=c.id, county_code=c.county_code, name=c.name, phone=c.phone, home_unit=c.home_unit,
                    expertise=sorted(c.expertise), active=c.active, user_id=c.user_id, username=view.username,
                    note=c.note, current_posting=posting_out(current) if current else None, version=c.version)


def cadre_detail(view: CadreDetailView) -> CadreDetail:
    return CadreDetail(**cadre_out(view.cadre).model_dump(), postings=[posting_out(x) for x in view.postings],
                       allowed_actions=view.allowed_actions)


def summary(pr: PostingProposal) -> PostingProposalSummary:
    return PostingProposalSummary(
        id=pr.id, county_code=pr.county_code, status=PostingProposalStatus(pr.status), start_date=pr.start_date,
        end_date=pr.end_date, post=Post(pr.post), slots=pr.slots, covered=pr.covered, score=pr.score, kept=pr.kept,
        allow_moves=pr.allow_moves, parent_id=pr.parent_id,
        created_by=pr.created_by, created_at=pr.created_at, confirmed_by=pr.confirmed_by,
        confirmed_at=pr.confirmed_at,
    )


def _basis(a: dict[str, Any]) -> MatchBasis:
    if a.get("pinned") and not a["kept"]:
        return MatchBasis.pinned
    if a["kept"]:
        return MatchBasis.kept
    return MatchBasis.expertise if a["score"] > 0 else MatchBasis.coverage


def proposal_out(view: ProposalView) -> PostingProposalOut:
    pr, stale = view.proposal, view.stale
    inputs, result = pr.inputs, pr.result
    cadres = {c["id"]: c for c in inputs["cadres"]}
    by_village: dict[int, list[dict[str, Any]]] = {}
    for a in result["assignments"]:
        by_village.setdefault(a["village_id"], []).append(a)
    uncovered = {u["village_id"]: u for u in result["uncovered"]}
    assigned = {(a["village_id"], a["cadre_id"]) for a in result["assignments"]}
    current_by_village: dict[int, list[dict[str, Any]]] = {}
    for c in inputs["current"]:
        current_by_village.setdefault(c["village_id"], []).append(c)
    used: set[int] = set()
    ending = 0
    villages: list[PostingProposedVillage] = []
    vcode = {v["id"]: v for v in inputs["villages"]}
    ends = {e["posting_id"]: e for e in result.get("ending", [])}
    for v in inputs["villages"]:
        proposed = []
        for a in by_village.get(v["id"], []):
            c = cadres[a["cadre_id"]]
            used.add(c["id"])
            proposed.append(ProposedCadre(
                cadre_id=c["id"], name=c["name"], home_unit=c["home_unit"], expertise=c["expertise"],
                score=a["score"], kept=a["kept"], pinned=bool(a.get("pinned")), basis=_basis(a),
                reasons=[PostingReasonOut(category=cat, expertise=e, weight=w) for cat, e, w in a["reasons"]]))
        cur = []
        for c in current_by_village.get(v["id"], []):
            end = (c["village_id"], c["cadre_id"]) not in assigned
            ending += end
            why = ends.get(c["posting_id"])
            moved_to = vcode.get(why["moved_to"]) if why and why["moved_to"] is not None else None
            cur.append(CurrentCadre(posting_id=c["posting_id"], cadre_id=c["cadre_id"], name=c["cadre_name"],
                                    ends=end, end_reason=PostingEndingReason(why["reason"]) if why else None,
                                    moved_to_village_code=moved_to["code"] if moved_to else None))
        unc = uncovered.get(v["id"])
        villages.append(PostingProposedVillage(
            village_code=v["code"], village_name=v["name"], township_code=v["township_code"],
            township_name=v["township_name"], categories=v["categories"], slots=inputs["cadres_per_village"],
            cadres=proposed, missing=unc["missing"] if unc else 0,
            uncovered_reason=PostingUncoveredReason(unc["reason"]) if unc else None, current=cur))
    idle = [ProposedCadre(cadre_id=c["id"], name=c["name"], home_unit=c["home_unit"], expertise=c["expertise"],
                          score=0, reasons=[], kept=False)
            for c in inputs["cadres"] if c["id"] not in used and c["capacity"] > 0]
    current = {c["posting_id"]: c for c in inputs["current"]}
    last_day = pr.start_date - timedelta(days=1)
    ending_list = []
    for e in result.get("ending", []):
        c = current[e["posting_id"]]
        v = vcode[c["village_id"]]
        to = vcode.get(e["moved_to"]) if e["moved_to"] is not None else None
        ending_list.append(EndingPosting(
            posting_id=c["posting_id"], cadre_id=c["cadre_id"], cadre_name=c["cadre_name"], village_code=v["code"],
            village_name=v["name"], reason=PostingEndingReason(e["reason"]), last_day=last_day,
            moved_to_village_code=to["code"] if to else None, moved_to_village_name=to["name"] if to else None,
            score_now=e["score_now"], score_after=e["score_after"]))
    totals_in = {k: v for k, v in result["totals"].items() if k != "pinned"}
    totals = PostingProposalTotals(**totals_in, ending=ending, cadres=len(cadres), cadres_used=len(used),
                                   pinned=sum(1 for a in result["assignments"] if a.get("pinned")),
                                   moved=sum(1 for e in ending_list if e.moved_to_village_code))
    return PostingProposalOut(**summary(pr).model_dump(), stale=stale, totals=totals, villages=villages, idle_cadres=idle,
                              pins=[PostingPairRef(**x) for x in inputs.get("pins", [])],
                              bans=[PostingPairRef(**x) for x in inputs.get("bans", [])],
                              ending=ending_list, allowed_actions=view.allowed_actions)


def confirm_out(c: Confirmed) -> PostingConfirmResult:
    return PostingConfirmResult(proposal=summary(c.proposal), created=c.created, kept=c.kept, ended=c.ended,
                                accounts_moved=c.accounts_moved)

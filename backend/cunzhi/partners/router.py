from typing import Annotated, Any

from fastapi import Header, Path, Query, Response

from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.routing import DomainRouter
from cunzhi.partners import service, views
from cunzhi.partners.schemas import (
    ConfirmResult,
    PairingEnd,
    PairingList,
    PairingOut,
    PairingProposalOut,
    PairingSettingsIn,
    PairingSettingsOut,
    PartnerUnitCreate,
    PartnerUnitList,
    PartnerUnitOut,
    PartnerUnitPatch,
    ProposalCreate,
    ProposalList,
    ProposalRerun,
    ProposalStatus,
    VillagePairingHistory,
)

CountyCode = Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="defaults to the caller's county")]
IfMatch = Annotated[str | None, Header(description="ETag from GET")]
PRECONDITIONS: dict[int | str, dict[str, Any]] = {
    412: {"description": "Stale If-Match"},
    428: {"description": "If-Match missing"},
}

units = DomainRouter(prefix="/api/v1/partner-units", tags=["partner-units"])
UnitId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@units.get("", response_model=PartnerUnitList, name="list", summary="Partner units in scope, with their current villages")
async def list_units(
    principal: PrincipalDep,
    session: SessionDep,
    county_code: CountyCode = None,
    active: bool | None = None,
    strength: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,31}$")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="name or code contains")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PartnerUnitList:
    """Partner units in the caller's scope with their strengths, capacity and current villages (only the villages
    the caller may see). Read by the county, townships and API clients with partners:read."""
    items, total = await service.list_units(session, principal, county_code=county_code, active=active,
                                            strength=strength, q=q, limit=limit, offset=offset)
    return PartnerUnitList(items=[views.unit_out(v) for v in items], total=total, limit=limit, offset=offset)


@units.post("", response_model=PartnerUnitOut, status_code=201, name="create",
            summary="Register a partner unit with its strengths and capacity")
async def create_unit(body: PartnerUnitCreate, principal: PrincipalDep, session: SessionDep,
                      response: Response) -> PartnerUnitOut:
    """Registers a partner unit of the county with its strengths, capacity and contact. County admin only; a unit of
    the same name is 409 partner_unit_exists."""
    unit = views.unit_out(await service.create_unit(session, principal, body))
    response.headers["ETag"] = etag(unit.version)
    response.headers["Location"] = f"/api/v1/partner-units/{unit.id}"
    return unit


@units.get("/{unit_id}", response_model=PartnerUnitOut, name="get",
           summary="A partner unit with its current villages, with its ETag")
async def get_unit(unit_id: UnitId, principal: PrincipalDep, session: SessionDep, response: Response) -> PartnerUnitOut:
    """One partner unit with its strengths, capacity and current villages (filtered by the caller's scope), with its
    ETag. Any role that sees partner units; another county's unit is 404."""
    unit = views.unit_out(await service.get_unit(session, principal, unit_id))
    response.headers["ETag"] = etag(unit.version)
    return unit


@units.patch("/{unit_id}", response_model=PartnerUnitOut, name="update", responses=PRECONDITIONS,
             summary="Change a partner unit (If-Match required)")
async def update_unit(unit_id: UnitId, body: PartnerUnitPatch, principal: PrincipalDep, session: SessionDep,
                      response: Response, if_match: IfMatch = None) -> PartnerUnitOut:
    unit = views.unit_out(await service.update_unit(session, principal, unit_id, body, if_match))
    response.headers["ETag"] = etag(unit.version)
    return unit


settings = DomainRouter(prefix="/api/v1/pairing-settings", tags=["pairing-settings"])


@settings.get("", response_model=PairingSettingsOut, name="get", summary="The county's pairing settings")
async def get_settings(principal: PrincipalDep, session: SessionDep, response: Response,
                       county_code: CountyCode = None) -> PairingSettingsOut:
    """The county's pairing settings: default capacity, how many units a village needs and the weights of strengths against
    problem categories. Readable within the county; the county admin changes them."""
    out = views.settings_out(await service.get_settings(session, principal, county_code))
    response.headers["ETag"] = etag(out.version)
    return out


@settings.put("", response_model=PairingSettingsOut, name="update", responses=PRECONDITIONS,
              summary="Change the county's pairing settings")
async def update_settings(body: PairingSettingsIn, principal: PrincipalDep, session: SessionDep,
                          response: Response, county_code: CountyCode = None,
                          if_match: IfMatch = None) -> PairingSettingsOut:
    out = views.settings_out(await service.update_settings(session, principal, county_code, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


proposals = DomainRouter(prefix="/api/v1/pairing-proposals", tags=["pairing-proposals"])
ProposalId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@proposals.get("", response_model=ProposalList, name="list", summary="Pairing proposals of the county")
async def list_proposals(principal: PrincipalDep, session: SessionDep, county_code: CountyCode = None,
                         status: ProposalStatus | None = None, limit: Limit = 20, offset: Offset = 0) -> ProposalList:
    """The county's pairing proposals, newest first, with their state (open, confirmed,
    superseded) and coverage. Readable within the county; only the county admin proposes and confirms."""
    items, total = await service.list_proposals(session, principal, county_code=county_code, status=status,
                                                limit=limit, offset=offset)
    return ProposalList(items=[views.summary(r) for r in items], total=total, limit=limit, offset=offset)


@proposals.post("", response_model=PairingProposalOut, status_code=201, name="create",
                summary="Compute an optimal county-wide pairing proposal")
async def create_proposal(body: ProposalCreate, principal: PrincipalDep, session: SessionDep,
                          response: Response) -> PairingProposalOut:
    """Computes an optimal county-wide pairing of weak villages with partner units (capacity, strengths, kept pairs)
    and stores it as an open proposal. County admin only; a start day in the past is 422 start_in_past."""
    out = views.proposal_out(await service.create_proposal(session, principal, body))
    response.headers["Location"] = f"/api/v1/pairing-proposals/{out.id}"
    return out


@proposals.get("/{proposal_id}", response_model=PairingProposalOut, name="get",
               summary="A pairing proposal with the reason for every match")
async def get_proposal(proposal_id: ProposalId, principal: PrincipalDep, session: SessionDep) -> PairingProposalOut:
    """A pairing proposal with every match and its reason, the villages left uncovered and why, and the units held
    by accepted villages. Readable within the county; another county's proposal is 404."""
    return views.proposal_out(await service.get_proposal(session, principal, proposal_id))


@proposals.post("/{proposal_id}/rerun", response_model=PairingProposalOut, status_code=201, name="rerun",
                summary="Re-run a proposal with pins and bans")
async def rerun_proposal(proposal_id: ProposalId, body: ProposalRerun, principal: PrincipalDep,
                         session: SessionDep, response: Response) -> PairingProposalOut:
    """Computes the proposal again with pins (pairs that must be kept) and bans (pairs that must not be made); the
    old proposal is superseded. County admin only; pins and bans that cannot all hold are 422
    pairing_input_conflict."""
    out = views.proposal_out(await service.rerun_proposal(session, principal, proposal_id, body))
    response.headers["Location"] = f"/api/v1/pairing-proposals/{out.id}"
    return out


@proposals.post("/{proposal_id}/confirm", response_model=ConfirmResult, name="confirm",
                responses={409: {"description": "proposal_stale or proposal_not_open"}},
                summary="Confirm a proposal: its matches become pairings")
async def confirm_proposal(proposal_id: ProposalId, principal: PrincipalDep, session: SessionDep) -> ConfirmResult:
    """Confirms an open proposal: its matches become pairings from its start day. County admin only; a proposal no
    longer open or overtaken by changes is 409 (proposal_not_open, proposal_stale, pairing_overlap)."""
    return views.confirm_out(await service.confirm_proposal(session, principal, proposal_id))


pairings = DomainRouter(prefix="/api/v1/pairings", tags=["pairings"])


@pairings.get("", response_model=PairingList, name="list", summary="Pairings of partner units and villages in scope")
async def list_pairings(
    principal: PrincipalDep,
    session: SessionDep,
    village_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    partner_unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    current: Annotated[bool, Query(description="only pairings in force today")] = True,
    limit: Limit = 100,
    offset: Offset = 0,
) -> PairingList:
    """Pairings of partner units and weak villages in the caller's scope, filtered by village, unit and whether they
    are current. Any role that sees the villages (a township sees its own villages' pairings); nested villages
    never leave the scope."""
    items, total = await service.list_pairings(session, principal, village_code=village_code,
                                               partner_unit_id=partner_unit_id, current=current, limit=limit,
                                               offset=offset)
    return PairingList(items=[views.pairing_out(v) for v in items], total=total, limit=limit, offset=offset)


@pairings.get("/villages/{village_code}", response_model=VillagePairingHistory, name="village-history",
              summary="A village's pairings, current and past")
async def village_history(village_code: Annotated[str, Path(pattern=r"^[0-9]{12}$")], principal: PrincipalDep,
                          session: SessionDep) -> VillagePairingHistory:
    """A village's pairings, current, upcoming and past, with the reason each ended. Any role whose scope holds the
    village; a village outside it is 404."""
    village, history = await service.village_history(session, principal, village_code)
    return VillagePairingHistory(village_code=village.code, village_name=village.name,
                                 items=[views.pairing_out(v) for v in history])


@pairings.post("/{pairing_id}/end", response_model=PairingOut, name="end", summary="End a pairing early, with a reason")
async def end_pairing(pairing_id: Annotated[int, Path(ge=1, le=2_147_483_647)], body: PairingEnd,
                      principal: PrincipalDep, session: SessionDep) -> PairingOut:
    """Ends a pairing early on a given day with a reason (replaced, village accepted, unit withdrawn, other). County
    admin only; an ended pairing is 409 pairing_ended, an end date outside the pairing 422 invalid_end_date."""
    return views.pairing_out(await service.end_pairing(session, principal, pairing_id, body))

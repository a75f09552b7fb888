"""HTTP for the asset and resource registries (tags `assets` and `resources`)."""

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel

from cunzhi.assets import service
from cunzhi.assets.models import Asset
from cunzhi.assets.permissions import asset_actions, resource_actions
from cunzhi.assets.schemas import (
    AssetDetail,
    AssetIn,
    AssetList,
    AssetNoteIn,
    AssetOut,
    AssetReasonIn,
    DisposalIn,
    LettingIn,
    ReserveIn,
    ResourceDetail,
    ResourceIn,
    ResourceList,
    ResourceOut,
    SurveyIn,
    TenderIn,
    ValuationIn,
)
from cunzhi.assets.workflows import (
    ASSET_MACHINE,
    RESOURCE_MACHINE,
    AssetAction,
    AssetState,
    ResourceAction,
    ResourceState,
)
from cunzhi.funds.schemas import FundsEventOut
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.inputs import INT4_MAX
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter

assets_router = DomainRouter(prefix="/api/v1/assets", tags=["assets"])
resources_router = DomainRouter(prefix="/api/v1/resources", tags=["resources"])

Id = Annotated[int, Path(ge=1, le=INT4_MAX)]
VillageFilter = Annotated[str | None, Query(pattern=r"^[0-9]{12}$")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed for this role"},
    404: {"description": "Not found or out of scope"},
    409: {"description": "Refused by the workflow (illegal_transition, below_valuation, below_reserve)"},
}


def _fields(view: service.ItemView, p: Principal) -> dict[str, Any]:
    item = view.item
    is_asset = isinstance(item, Asset)
    actions = ASSET_MACHINE.actions(item.status) if is_asset else RESOURCE_MACHINE.actions(item.status)
    mine = asset_actions(p, item.status) if is_asset else resource_actions(p, item.status)
    return {
        **{c.key: getattr(item, c.key) for c in item.__table__.columns if c.key != "version"},
        "village_code": view.village.code, "village_name": view.village.name, "actions": actions,
        "allowed_actions": mine,
    }


def _trail(view: service.ItemView) -> list[FundsEventOut]:
    return [FundsEventOut.model_validate(e) for e in view.events]


def _asset_detail(view: service.ItemView, p: Principal) -> AssetDetail:
    return AssetDetail(**_fields(view, p), trail=_trail(view))


def _resource_detail(view: service.ItemView, p: Principal) -> ResourceDetail:
    return ResourceDetail(**_fields(view, p), trail=_trail(view))


# ---- assets ---------------------------------------------------------------------------------------


@assets_router.get("", response_model=AssetList, name="list", summary="Collective assets in scope")
async def list_assets(
    principal: PrincipalDep, session: SessionDep, village_code: VillageFilter = None,
    status: AssetState | None = None, limit: Limit = 50, offset: Offset = 0,
) -> AssetList:
    """Collective assets (buildings, machinery, vehicles, facilities) of the villages in the caller's scope,
    filtered by village and state, with the actions the caller may take. Any role that sees the villages."""
    views, total = await service.list_assets(session, principal, village_code=village_code, status=status,
                                             limit=limit, offset=offset)
    return AssetList(items=[AssetOut(**_fields(v, principal)) for v in views], total=total, limit=limit, offset=offset)


@assets_router.post("", response_model=AssetDetail, status_code=201, name="create", responses=_ERRORS,
                    summary="Register an asset (village committee or township agency)")
async def create_asset(body: AssetIn, principal: PrincipalDep, session: SessionDep) -> AssetDetail:
    """Registers a collective asset of a village in the caller's scope: kind, name, location, book value. For the
    village committee or the township agency (403 for others); a village outside the scope is 404."""
    view = await service.register_asset(session, principal, **body.model_dump())
    return _asset_detail(view, principal)


@assets_router.get("/{asset_id}", response_model=AssetDetail, name="get", summary="An asset with its steps")
async def get_asset(asset_id: Id, principal: PrincipalDep, session: SessionDep) -> AssetDetail:
    """One collective asset with its valuation, approval and disposal steps and the actions the caller may take now.
    Any role whose scope holds its village; outside the scope it is 404."""
    return _asset_detail(await service.get_asset(session, principal, asset_id), principal)


def _asset_action(action: AssetAction, body_type: type[BaseModel], summary: str, description: str) -> None:
    async def act(asset_id: Id, body: body_type, principal: PrincipalDep, session: SessionDep) -> AssetDetail:  # type: ignore[valid-type]
        data = {k: getattr(body, k) for k in body_type.model_fields}
        return _asset_detail(await service.act_on_asset(session, principal, asset_id, action, data), principal)

    assets_router.add_api_route(f"/{{asset_id}}/{action.value}", act, methods=["POST"], response_model=AssetDetail,
                                name=action.value, summary=summary, description=description, responses=_ERRORS)


_asset_action(AssetAction.value, ValuationIn, "Record a valuation (village committee or agency)",
              "Records the valuation of a registered asset (amount, valuer, date) before its disposal. For the village "
              "committee or the township agency. Any other state is 409 illegal_transition; an asset outside the caller's"
              " scope is 404.")
_asset_action(AssetAction.approve, AssetNoteIn, "Approve the disposal at the recorded valuation (township official)",
              "Approves disposing of a valued asset at its recorded valuation, with an optional note. For the township "
              "official. Any other state is 409 illegal_transition; an asset outside the caller's scope is 404.")
_asset_action(AssetAction.return_, AssetReasonIn, "Refuse the disposal, with reasons (township official)",
              "Refuses the disposal of a valued asset and returns it with the reasons, to be valued again. For the "
              "township official. Any other state is 409 illegal_transition; an asset outside the caller's scope is 404.")
_asset_action(AssetAction.dispose, DisposalIn, "Record the disposal; a sale's proceeds are booked as income (agency)",
              "Records the disposal of an approved asset (sale, auction, scrapping or transfer); a sale's proceeds are "
              "booked into the village ledger as income. For the township agency. Any other state is 409 "
              "illegal_transition; an asset outside the caller's scope is 404.")


# ---- resources ------------------------------------------------------------------------------------


@resources_router.get("", response_model=ResourceList, name="list", summary="Collective resources in scope")
async def list_resources(
    principal: PrincipalDep, session: SessionDep, village_code: VillageFilter = None,
    status: ResourceState | None = None, limit: Limit = 50, offset: Offset = 0,
) -> ResourceList:
    """Collective resources (land, ponds, forest, grassland) of the villages in the caller's scope, filtered by
    village and state, with their current letting. Any role that sees the villages."""
    views, total = await service.list_resources(session, principal, village_code=village_code, status=status,
                                                limit=limit, offset=offset)
    return ResourceList(items=[ResourceOut(**_fields(v, principal)) for v in views], total=total, limit=limit,
                        offset=offset)


@resources_router.post("", response_model=ResourceDetail, status_code=201, name="create", responses=_ERRORS,
                       summary="Register a resource: land, pond, forest (village committee or township agency)")
async def create_resource(body: ResourceIn, principal: PrincipalDep, session: SessionDep) -> ResourceDetail:
    """Registers a collective resource of a village in the caller's scope: kind, name, location and area. For the
    village committee or the township agency (403 for others); a village outside the scope is 404."""
    return _resource_detail(await service.register_resource(session, principal, **body.model_dump()), principal)


@resources_router.get("/{resource_id}", response_model=ResourceDetail, name="get",
                      summary="A resource with its steps")
async def get_resource(resource_id: Id, principal: PrincipalDep, session: SessionDep) -> ResourceDetail:
    """One collective resource with its survey, valuation, approval, tender and letting steps and the actions the
    caller may take now. Any role whose scope holds its village; outside the scope it is 404."""
    return _resource_detail(await service.get_resource(session, principal, resource_id), principal)


def _resource_action(action: ResourceAction, body_type: type[BaseModel], summary: str, description: str) -> None:
    async def act(resource_id: Id, body: body_type, principal: PrincipalDep, session: SessionDep) -> ResourceDetail:  # type: ignore[valid-type]
        data = {k: getattr(body, k) for k in body_type.model_fields}
        return _resource_detail(await service.act_on_resource(session, principal, resource_id, action, data), principal)

    # Paths use hyphens like every other resource path (the action keeps its name in the trail).
    resources_router.add_api_route(f"/{{resource_id}}/{action.value.replace('_', '-')}", act, methods=["POST"],
                                   response_model=ResourceDetail, name=action.value, summary=summary,
                                   description=description, responses=_ERRORS)


_resource_action(ResourceAction.survey, SurveyIn, "Record the survey: area and boundaries",
              "Records the survey of a registered resource: its area and boundaries. For the village committee or the "
              "township agency. Any other state is 409 illegal_transition; a resource outside the caller's scope is 404.")
_resource_action(ResourceAction.value, ReserveIn, "Record the valuation: the reserve annual rent",
              "Records the valuation of a surveyed resource: the reserve annual rent below which it is not let. For the "
              "village committee or the township agency. Any other state is 409 illegal_transition; a resource outside "
              "the caller's scope is 404.")
_resource_action(ResourceAction.approve, AssetNoteIn, "Approve letting by public tender (township official)",
              "Approves letting a valued resource by public tender, with an optional note. For the township official; Any"
              " other state is 409 illegal_transition; a resource outside the caller's scope is 404.")
_resource_action(ResourceAction.return_, AssetReasonIn, "Refuse the letting, with reasons (township official)",
              "Refuses letting a valued resource and returns it with the reasons. For the township official. Any other "
              "state is 409 illegal_transition; a resource outside the caller's scope is 404.")
_resource_action(ResourceAction.open_tender, TenderIn, "Publish the tender notice",
              "Publishes the tender notice of an approved resource (dates and terms), opening the tender. For the village"
              " committee or the township agency. Any other state is 409 illegal_transition; a resource outside the "
              "caller's scope is 404.")
_resource_action(ResourceAction.tender_failed, AssetReasonIn, "Record a tender without an acceptable bid",
              "Records that a tender closed without an acceptable bid, with the reason; the resource can be tendered "
              "again. For the village committee or the township agency. Any other state is 409 illegal_transition; a "
              "resource outside the caller's scope is 404.")
_resource_action(ResourceAction.record_letting, LettingIn, "Record the tender result and the letting",
              "Records the tender result and the letting: tenant, annual rent (not below the reserve) and term. For the "
              "village committee or the township agency. Any other state is 409 illegal_transition; a resource outside "
              "the caller's scope is 404.")
_resource_action(ResourceAction.end_letting, AssetNoteIn, "End the letting; the resource can be let again",
              "Ends the current letting of a resource, with an optional note; the resource can be let again. For the "
              "village committee or the township agency. Any other state is 409 illegal_transition; a resource outside "
              "the caller's scope is 404.")

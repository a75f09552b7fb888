"""Rules of the asset and resource registries: each step checked by the workflow, recorded with
who and when in the funds trail, and audited. A sale's proceeds are booked into the village ledger
in the same transaction, so income is always booked in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.assets.models import Asset, AssetKind, Resource, ResourceKind
from cunzhi.assets.permissions import ASSET, REGISTRY, RESOURCE, RegistryAction
from cunzhi.assets.workflows import (
    ASSET_MACHINE,
    RESOURCE_MACHINE,
    AssetAction,
    AssetState,
    ResourceAction,
    ResourceState,
)
from cunzhi.funds import service as funds
from cunzhi.funds.models import Event, EventEntity, IncomeSource
from cunzhi.kit import clock
from cunzhi.kit.errors import Conflict, NotFound
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village, village_ids
from cunzhi.villages.models import Village

Item = Asset | Resource
_ENTITY: dict[type[Item], EventEntity] = {Asset: EventEntity.asset, Resource: EventEntity.resource}


@dataclass(frozen=True)
class ItemView:
    item: Any  # Asset or Resource
    village: Village
    events: Sequence[Event] = ()


async def _register(session: AsyncSession, p: Principal, item: Item, village_code: str, data: dict[str, Any]) -> ItemView:
    require(p, REGISTRY, RegistryAction.register, what=f"register {_ENTITY[type(item)].value}s")
    village = await get_village(session, p, village_code)
    item.village_id = village.id
    session.add(item)
    await session.flush()
    await funds.record_step(session, p, entity=_ENTITY[type(item)], entity_id=item.id, village_id=village.id,
                            action="register", from_state=None, to_state=item.status, data=data)
    return await _get(session, p, type(item), item.id)


async def _get(session: AsyncSession, p: Principal, model: type[Item], item_id: int, *, lock: bool = False) -> ItemView:
    entity = _ENTITY[model]
    stmt = select(model, Village).join(Village, Village.id == model.village_id).where(
        model.id == item_id, model.village_id.in_(village_ids(p)))
    if lock:
        stmt = stmt.with_for_update(of=model)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound(f"{entity.value.capitalize()} not found", code=f"{entity.value}_not_found")
    return ItemView(row[0], row[1], () if lock else await funds.trail(session, entity, item_id))


async def _list(
    session: AsyncSession, p: Principal, model: type[Item], *, village_code: str | None, status: str | None,
    limit: int, offset: int,
) -> tuple[list[ItemView], int]:
    where: list[ColumnElement[bool]] = [model.village_id.in_(village_ids(p))]
    if village_code:
        where.append(Village.code == village_code)
    if status:
        where.append(model.status == status)
    base = select(model, Village).join(Village, Village.id == model.village_id).where(*where)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = (await session.execute(base.order_by(Village.code, model.id).limit(limit).offset(offset))).all()
    return [ItemView(item, village) for item, village in rows], total


# ---- assets ---------------------------------------------------------------------------------------


async def register_asset(
    session: AsyncSession, p: Principal, *, village_code: str, name: str, kind: AssetKind, location: str,
    acquired_on: Any, book_value: Decimal,
) -> ItemView:
    asset = Asset(name=name, kind=kind.value, location=location, acquired_on=acquired_on, book_value=book_value,
                  status=AssetState.registered.value)
    return await _register(session, p, asset, village_code,
                           {"name": name, "kind": kind.value, "book_value": book_value})


async def get_asset(session: AsyncSession, p: Principal, asset_id: int) -> ItemView:
    return await _get(session, p, Asset, asset_id)


async def list_assets(
    session: AsyncSession, p: Principal, *, village_code: str | None, status: AssetState | None, limit: int,
    offset: int,
) -> tuple[list[ItemView], int]:
    return await _list(session, p, Asset, village_code=village_code, status=status.value if status else None,
                       limit=limit, offset=offset)


async def act_on_asset(
    session: AsyncSession, p: Principal, asset_id: int, action: AssetAction, data: dict[str, Any]
) -> ItemView:
    view = await _get(session, p, Asset, asset_id, lock=True)
    asset, village = view.item, view.village
    require(p, ASSET, action, what=f"{action.value} an asset")
    old = AssetState(asset.status)
    new = ASSET_MACHINE.next(old, action)
    reason = data.pop("reason", None)
    if action is AssetAction.value:
        asset.valuation, asset.appraiser = data["amount"], data["appraiser"]
    elif action is AssetAction.return_:
        asset.valuation = asset.appraiser = None
    elif action is AssetAction.dispose:
        proceeds: Decimal | None = data.get("proceeds")
        if proceeds is not None and asset.valuation is not None and proceeds < asset.valuation:
            raise Conflict(f"Proceeds {proceeds} are below the approved valuation {asset.valuation}",
                           code="below_valuation")
        if proceeds is not None:  # first: it refuses when the village has no account
            entry = await funds.book_income(session, p, village.code, amount=proceeds, source=IncomeSource.asset_sale,
                                            description=asset.name, payer=data.get("counterparty"))
            data["entry_id"] = entry.id
        asset.disposal_method = data["method"].value
        asset.disposal_proceeds = proceeds
        asset.counterparty = data.get("counterparty")
        asset.disposed_on = clock.local_today()
    asset.status = new.value
    await session.flush()
    await funds.record_step(session, p, entity=EventEntity.asset, entity_id=asset.id, village_id=village.id,
                            action=action.value, from_state=old.value, to_state=new.value, reason=reason,
                            data=data or None)
    return await get_asset(session, p, asset.id)


# ---- resources ------------------------------------------------------------------------------------


async def register_resource(
    session: AsyncSession, p: Principal, *, village_code: str, name: str, kind: ResourceKind, area: Decimal,
    location: str,
) -> ItemView:
    res = Resource(name=name, kind=kind.value, area=area, location=location, status=ResourceState.registered.value)
    return await _register(session, p, res, village_code, {"name": name, "kind": kind.value, "area": area})


async def get_resource(session: AsyncSession, p: Principal, resource_id: int) -> ItemView:
    return await _get(session, p, Resource, resource_id)


async def list_resources(
    session: AsyncSession, p: Principal, *, village_code: str | None, status: ResourceState | None, limit: int,
    offset: int,
) -> tuple[list[ItemView], int]:
    return await _list(session, p, Resource, village_code=village_code, status=status.value if status else None,
                       limit=limit, offset=offset)


_LETTING_FIELDS = ("tenant", "annual_rent", "bids", "term_start", "term_end")


async def act_on_resource(
    session: AsyncSession, p: Principal, resource_id: int, action: ResourceAction, data: dict[str, Any]
) -> ItemView:
    view = await _get(session, p, Resource, resource_id, lock=True)
    res, village = view.item, view.village
    require(p, RESOURCE, action, what=f"{action.value} a resource")
    old = ResourceState(res.status)
    new = RESOURCE_MACHINE.next(old, action)
    reason = data.pop("reason", None)
    if action is ResourceAction.survey:
        res.surveyed_area, res.boundaries = data["surveyed_area"], data["boundaries"]
    elif action is ResourceAction.value:
        res.reserve_rent, res.appraiser = data["reserve_rent"], data["appraiser"]
    elif action is ResourceAction.return_:
        res.reserve_rent = res.appraiser = None
    elif action is ResourceAction.open_tender:
        if data["closes_on"] < clock.local_today():
            raise Conflict("The tender cannot close in the past", code="tender_closes_in_past")
        res.tender_notice, res.tender_closes_on = data["notice"], data["closes_on"]
    elif action is ResourceAction.record_letting:
        assert res.reserve_rent is not None  # approved only after valuation
        if data["annual_rent"] < res.reserve_rent:
            raise Conflict(f"The winning rent {data['annual_rent']} is below the reserve {res.reserve_rent}",
                           code="below_reserve")
        for field in _LETTING_FIELDS:
            setattr(res, field, data[field])
    elif action is ResourceAction.end_letting:
        # The letting stays in the trail; the row is ready for a new survey.
        for field in (*_LETTING_FIELDS, "tender_notice", "tender_closes_on", "reserve_rent", "appraiser"):
            setattr(res, field, None)
    res.status = new.value
    await session.flush()
    await funds.record_step(session, p, entity=EventEntity.resource, entity_id=res.id, village_id=village.id,
                            action=action.value, from_state=old.value, to_state=new.value, reason=reason,
                            data=data or None)
    return await get_resource(session, p, res.id)


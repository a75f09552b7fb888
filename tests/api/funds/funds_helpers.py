"""Helpers for the funds tests: a fresh village of township 02 (no demo funds data) with people in
every role, as API headers and as service principals; and steps through the API many tests share."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from cunzhi.auth.models import User
from cunzhi.kit import clock
from cunzhi.kit.codes import DivisionLevel, Role
from cunzhi.kit.principal import Principal
from cunzhi.kit.security import create_access_token
from cunzhi.villages.models import Village

T01 = "230199100000"
T02 = "230199101000"
V_DEMO = "230199100200"  # township 01's first village: the demo data's (secretary01, committee01)
V_FRESH = "230199101203"  # a village of township 02 with nothing booked
V_OTHER = "230199101204"  # its neighbour in township 02

ROLES = ("agency", "official", "secretary", "committee", "cadre", "inspector", "admin", "other_secretary",
         "other_committee", "outsider_agency")


@dataclass
class Cast:
    """Everyone with a part in the fresh village's money."""

    village: Village
    other: Village
    headers: dict[str, dict[str, str]]
    principals: dict[str, Principal]


async def make_cast(db) -> Cast:  # type: ignore[no-untyped-def]
    village = (await db.execute(select(Village).where(Village.code == V_FRESH))).scalar_one()
    other = (await db.execute(select(Village).where(Village.code == V_OTHER))).scalar_one()
    specs: dict[str, tuple[Role, dict[str, object]]] = {
        "agency": (Role.township_agency, {"division_code": T02}),
        "official": (Role.township_official, {"division_code": T02}),
        "secretary": (Role.village_committee, {"village_id": village.id}),
        "committee": (Role.supervision_committee, {"village_id": village.id}),
        "cadre": (Role.cadre, {"village_id": village.id}),
        "inspector": (Role.discipline_inspector, {"division_code": T02}),
        "admin": (Role.county_admin, {"division_code": "230199000000"}),
        "other_secretary": (Role.village_committee, {"village_id": other.id}),
        "other_committee": (Role.supervision_committee, {"village_id": other.id}),
        "outsider_agency": (Role.township_agency, {"division_code": T01}),
    }
    headers, principals = {}, {}
    for name, (role, scope) in specs.items():
        user = User(username=f"t_{name}_{village.id}", password_hash="x", display_name=name, role=role.value,
                    **scope)
        db.add(user)
        await db.flush()
        token, _ = create_access_token(f"user:{user.id}")
        headers[name] = {"Authorization": f"Bearer {token}"}
        code = scope.get("division_code")
        level = None if code is None else (DivisionLevel.county if code.endswith("000000") else DivisionLevel.township)
        principals[name] = Principal(kind="user", id=user.id, name=user.username, role=role,
                                     division_code=code, division_level=level,  # type: ignore[arg-type]
                                     village_id=scope.get("village_id"))  # type: ignore[arg-type]
    return Cast(village, other, headers, principals)


def money(value: str) -> Decimal:
    return Decimal(value)

API = "/api/v1/funds"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def open_with_income(client: httpx.AsyncClient, cast: Cast, amount: str = "100000.00") -> None:
    h = cast.headers["agency"]
    code = cast.village.code
    await ok(await client.post(f"{API}/villages/{code}/account", headers=h), 201)
    await ok(await client.post(f"{API}/villages/{code}/income", headers=h,
                               json=income_body(amount)), 201)


def income_body(amount: str, **more: Any) -> dict[str, Any]:
    return {"amount": amount, "source": "transfer", "description": "运转经费", "payer": "县财政局",
            "voucher_no": "收-001", "received_on": clock.local_today().isoformat(), **more}


def this_year() -> int:
    return clock.local_today().year


async def approved_budget(
    client: httpx.AsyncClient, cast: Cast, *, year: int | None = None, lines: list[tuple[str, str, str]] | None = None
) -> dict[str, Any]:
    """The village's approved budget, of the current year unless told (claims name the current year's lines)."""
    year = year or this_year()
    lines = lines or [("public_works", "道路维修", "10000.00"), ("office", "办公经费", "3000.00")]
    body = {"year": year, "lines": [{"category": c, "purpose": p, "amount": a} for c, p, a in lines]}
    budget = await ok(await client.post(f"{API}/villages/{cast.village.code}/budgets", json=body,
                                        headers=cast.headers["secretary"]), 201)
    await ok(await client.post(f"{API}/budgets/{budget['id']}/submit", headers=cast.headers["secretary"]))
    return await ok(await client.post(f"{API}/budgets/{budget['id']}/approve", headers=cast.headers["official"]))


async def file_claim(client: httpx.AsyncClient, cast: Cast, line_id: int, amount: str,
                     purpose: str = "材料费", *, invoice: bool = True) -> httpx.Response:
    """A claim (with one invoice attached unless told not to: submitting needs one)."""
    r = await client.post(f"{API}/villages/{cast.village.code}/claims", headers=cast.headers["secretary"],
                          json={"line_id": line_id, "amount": amount, "purpose": purpose, "payee": "县建材站"})
    if invoice and r.status_code == 201:
        await ok(await attach(client, cast, r.json()["id"]), 201)
    return r


async def attach(client: httpx.AsyncClient, cast: Cast, claim_id: int, name: str = "发票.pdf") -> httpx.Response:
    return await client.post(f"{API}/claims/{claim_id}/attachments", headers=cast.headers["secretary"],
                             files={"file": (name, PDF, "application/pdf")})


async def act(client: httpx.AsyncClient, cast: Cast, who: str, claim_id: int, action: str,
              reason: str | None = None) -> httpx.Response:
    return await client.post(f"{API}/claims/{claim_id}/{action}", headers=cast.headers[who],
                             json={"reason": reason} if reason else None)


async def balance(client: httpx.AsyncClient, cast: Cast) -> str:
    return (await ok(await client.get(f"{API}/villages/{cast.village.code}/account",
                                      headers=cast.headers["agency"])))["balance"]


async def line(client: httpx.AsyncClient, cast: Cast, budget_id: int, line_id: int) -> dict[str, Any]:
    budget = await ok(await client.get(f"{API}/budgets/{budget_id}", headers=cast.headers["agency"]))
    return next(x for x in budget["lines"] if x["id"] == line_id)

"""Funds, assets and resources ids beyond their keys' range are a 422 for the field (found by the API
fuzzing: they reached asyncpg and came back as 500 before the kit answered them generically)."""

import re

import pytest

from cunzhi.main import create_app

BIG = 2**31
V = "230199100200"


def _routes() -> list[tuple[str, str, str]]:
    out = []
    for path, item in create_app().openapi()["paths"].items():
        for method, op in item.items():
            if op["operationId"].split("-")[0] in ("funds", "assets", "resources"):
                for name in re.findall(r"\{(\w+_id)\}", path):
                    out.append((method.upper(), path, name))
    return out


ROUTES = _routes()


def test_every_id_route_is_covered():
    assert len(ROUTES) >= 30


@pytest.mark.parametrize("method,path,name", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_path_ids_beyond_their_keys_are_422_for_the_field(client, token_for, method, path, name):
    big = 2**63 if name == "entry_id" else BIG
    url = re.sub(r"\{(\w+)\}", lambda m: str(big) if m.group(1) == name else "1", path).replace("/villages/1/", f"/villages/{V}/")
    kw = {"files": {"file": ("a.pdf", b"%PDF-1.4", "application/pdf")}} if path.endswith("/attachments") else {"json": {}}
    r = await client.request(method, url, headers=await token_for("admin"), **({} if method == "GET" else kw))
    assert r.status_code == 422, r.text
    assert ["path", name] in [e["loc"] for e in r.json()["errors"]]


async def test_ledger_ids_may_be_bigint_and_unknown_ones_are_404(client, token_for):
    r = await client.post(f"/api/v1/funds/ledger/{BIG}/reverse", json={"reason": "冲销"}, headers=await token_for("agency01"))
    assert r.status_code == 404, r.text


async def test_claim_line_id_beyond_int4_is_422(client, token_for):
    body = {"line_id": BIG, "amount": "10.00", "purpose": "办公用品", "payee": "供销社"}
    r = await client.post(f"/api/v1/funds/villages/{V}/claims", json=body, headers=await token_for("secretary01"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "line_id"]

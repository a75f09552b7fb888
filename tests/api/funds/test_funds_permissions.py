"""Every role against every funds write: in scope but the wrong role is 403, out of scope is 404;
reads are open to everyone whose scope holds the village and 404 to the rest."""

import pytest
from funds_helpers import (
    API,
    PDF,
    Cast,
    approved_budget,
    file_claim,
    income_body,
    ok,
    open_with_income,
)

IN_SCOPE = ("agency", "official", "secretary", "committee", "cadre", "inspector", "admin")
OUT_OF_SCOPE = ("other_secretary", "other_committee", "outsider_agency")

# (name, method, path template, json body, roles allowed)
WRITES = [
    ("open account", "POST", "/villages/{v}/account", None, {"agency"}),
    ("book income", "POST", "/villages/{v}/income",
     income_body("1.00"), {"agency"}),
    ("reverse entry", "POST", "/ledger/{entry}/reverse", {"reason": "错账"}, {"agency"}),
    ("draft budget", "POST", "/villages/{v}/budgets",
     {"year": 2040, "lines": [{"category": "office", "purpose": "x", "amount": "1.00"}]}, {"secretary"}),
    ("submit budget", "POST", "/budgets/{draft}/submit", None, {"secretary"}),
    ("approve budget", "POST", "/budgets/{submitted}/approve", None, {"official"}),
    ("return budget", "POST", "/budgets/{submitted}/return", {"reason": "不行"}, {"official"}),
    ("close budget", "POST", "/budgets/{budget}/close", None, {"official"}),
    ("request amendment", "POST", "/lines/{line}/amendments", {"new_amount": "99.00", "reason": "调整"},
     {"secretary"}),
    ("approve amendment", "POST", "/amendments/{amendment}/approve", None, {"official"}),
    ("return amendment", "POST", "/amendments/{amendment}/return", {"reason": "不行"}, {"official"}),
    ("file claim", "POST", "/villages/{v}/claims",
     {"line_id": "{line}", "amount": "1.00", "purpose": "x", "payee": "y"}, {"secretary"}),
    ("attach", "POST", "/claims/{claim}/attachments", "file", {"secretary"}),
    ("submit claim", "POST", "/claims/{claim}/submit", None, {"secretary"}),
    ("sign claim", "POST", "/claims/{claim}/sign", None, {"committee"}),
    ("approve claim", "POST", "/claims/{claim}/approve", None, {"official"}),
    ("pay claim", "POST", "/claims/{claim}/pay", None, {"agency"}),
    ("reject claim", "POST", "/claims/{claim}/reject", {"reason": "不合规"}, {"committee", "official", "agency"}),
    ("withdraw claim", "POST", "/claims/{claim}/withdraw", None, {"secretary"}),
    ("exempt invoice", "POST", "/claims/{claim}/invoice-exemption", {"reason": "无发票"}, {"official"}),
]
READS = ["/villages/{v}/account", "/villages/{v}/ledger", "/villages/{v}/statements/yearly?year=2031",
         "/budgets/{budget}", "/claims/{claim}", "/attachments/{attachment}"]


@pytest.fixture
async def world(client, cast: Cast):  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    line = budget["lines"][0]["id"]
    sec, off = cast.headers["secretary"], cast.headers["official"]
    claim = await ok(await file_claim(client, cast, line, "10.00"), 201)
    attachment = await ok(await client.post(f"{API}/claims/{claim['id']}/attachments", headers=sec,
                                            files={"file": ("a.pdf", PDF, "application/pdf")}), 201)
    # Submitted, so the supervision committee sees it (it never sees drafts).
    await ok(await client.post(f"{API}/claims/{claim['id']}/submit", headers=sec))
    amendment = await ok(await client.post(f"{API}/lines/{line}/amendments", headers=sec,
                                           json={"new_amount": "12000.00", "reason": "增加"}), 201)
    draft = await ok(await client.post(f"{API}/villages/{cast.village.code}/budgets", headers=sec, json={
        "year": 2033, "lines": [{"category": "office", "purpose": "x", "amount": "1.00"}]}), 201)
    submitted = await ok(await client.post(f"{API}/villages/{cast.village.code}/budgets", headers=sec, json={
        "year": 2034, "lines": [{"category": "office", "purpose": "x", "amount": "1.00"}]}), 201)
    await ok(await client.post(f"{API}/budgets/{submitted['id']}/submit", headers=sec))
    ledger = await ok(await client.get(f"{API}/villages/{cast.village.code}/ledger", headers=off))
    return {"v": cast.village.code, "budget": budget["id"], "line": line, "claim": claim["id"],
            "attachment": attachment["id"], "amendment": amendment["id"], "draft": draft["id"],
            "submitted": submitted["id"], "entry": ledger["items"][0]["id"]}


def _fill(template: str, ids: dict) -> str:
    return template.format(**ids)


async def _send(client, method, path, body, ids, headers):  # type: ignore[no-untyped-def]
    url = API + _fill(path, ids)
    if body == "file":
        return await client.post(url, headers=headers, files={"file": ("a.pdf", PDF, "application/pdf")})
    if isinstance(body, dict):
        body = {k: int(_fill(v, ids)) if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}
    return await client.request(method, url, json=body, headers=headers)


# The same role in another village or township.
OUTSIDERS = {"other_secretary": "secretary", "other_committee": "committee", "outsider_agency": "agency"}


@pytest.mark.parametrize("role", IN_SCOPE)
async def test_in_scope_wrong_role_is_403(client, cast: Cast, world, role):  # type: ignore[no-untyped-def]
    for name, method, path, body, allowed in WRITES:
        if role in allowed:
            continue  # the allowed roles are exercised by the workflow tests
        r = await _send(client, method, path, body, world, cast.headers[role])
        assert r.status_code == 403, (name, role, r.status_code, r.text)
        if name == "sign claim":
            assert r.json()["code"] == "not_supervision_committee"


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
async def test_out_of_scope_is_404_even_for_the_right_role(client, cast: Cast, world, role):  # type: ignore[no-untyped-def]
    """The secretary, committee or agency of elsewhere learns nothing of this village's books."""
    for name, method, path, body, allowed in WRITES:
        r = await _send(client, method, path, body, world, cast.headers[role])
        if OUTSIDERS[role] in allowed:
            assert r.status_code == 404, (name, role, r.status_code, r.text)
        else:
            assert r.status_code in (403, 404), (name, role, r.status_code, r.text)


@pytest.mark.parametrize("role", IN_SCOPE + OUT_OF_SCOPE)
async def test_read_matrix(client, cast: Cast, world, role):  # type: ignore[no-untyped-def]
    for path in READS:
        r = await client.get(API + _fill(path, world), headers=cast.headers[role])
        assert r.status_code == (200 if role in IN_SCOPE else 404), (path, role, r.text)
    listed = await ok(await client.get(f"{API}/claims", headers=cast.headers[role]))
    assert (world["claim"] in [c["id"] for c in listed["items"]]) is (role in IN_SCOPE)


async def test_lists_never_leak_other_villages(client, cast: Cast, world):  # type: ignore[no-untyped-def]
    for what in ("claims", "budgets", "accounts"):
        body = await ok(await client.get(f"{API}/{what}", headers=cast.headers["other_secretary"]))
        assert body["items"] == [] and body["total"] == 0, what
    demo = await ok(await client.get(f"{API}/claims", headers=cast.headers["outsider_agency"]))
    # township 01's agency: the claims of its demo villages, none of township 02's
    assert demo["total"] > 0 and {c["village_code"] for c in demo["items"]} == {"230199100200", "230199100201"}


async def test_settings_are_the_township_officials(client, cast: Cast):
    url = f"{API}/townships/230199101000/settings"
    got = await ok(await client.get(url, headers=cast.headers["secretary"]))
    assert got == {"township_code": "230199101000", "single_claim_limit": "5000.00", "is_default": True,
                   "other_year_claims": False}
    for role in ("agency", "secretary", "committee", "inspector"):
        r = await client.put(url, headers=cast.headers[role], json={"single_claim_limit": "1.00"})
        assert r.status_code == 403, role
    r = await client.put(url, headers=cast.headers["outsider_agency"], json={"single_claim_limit": "1.00"})
    assert r.status_code in (403, 404)
    assert (await client.get(url, headers=cast.headers["other_secretary"])).status_code == 200
    assert (await client.get(f"{API}/townships/230199100000/settings",
                             headers=cast.headers["secretary"])).status_code == 404

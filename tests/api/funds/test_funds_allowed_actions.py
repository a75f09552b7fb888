"""`allowed_actions` on claims, budgets and accounts is what the caller can really do: every listed
step goes through, every step the state allows but the list leaves out is refused with 403."""

from funds_helpers import API, ROLES, Cast, act, approved_budget, file_claim, income_body, ok, open_with_income, this_year


async def _seen(client, cast: Cast, path: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """The object as each role in scope reads it."""
    out = {}
    for who in ROLES:
        r = await client.get(path, headers=cast.headers[who])
        if r.status_code == 200:
            out[who] = r.json()
        else:
            assert r.status_code == 404, (who, r.text)
    return out


async def test_claim_allowed_actions_match_what_each_role_may_do(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "800.00"), 201)
    await ok(await act(client, cast, "secretary", claim["id"], "submit"))

    seen = await _seen(client, cast, f"{API}/claims/{claim['id']}")
    assert seen["committee"]["allowed_actions"] == ["sign", "reject"]
    assert seen["secretary"]["allowed_actions"] == ["recall", "withdraw", "attach"]
    assert seen["agency"]["allowed_actions"] == ["reject"]
    assert seen["inspector"]["allowed_actions"] == []
    for who, body in seen.items():
        assert set(body["allowed_actions"]) - {"attach"} <= set(body["actions"]), who
        for action in set(body["actions"]) - set(body["allowed_actions"]):
            r = await act(client, cast, who, claim["id"], action, reason="理由")
            assert r.status_code == 403, (who, action, r.text)

    signed = await ok(await act(client, cast, "committee", claim["id"], "sign"))
    assert signed["status"] == "committee_signed"
    assert signed["allowed_actions"] == ["reject"]  # the answer is the committee's own view
    assert (await ok(await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["agency"])))[
        "allowed_actions"] == ["pay", "reject"]


async def test_budget_allowed_actions_follow_the_status_and_the_role(client, cast: Cast):
    body = {"year": this_year(), "lines": [{"category": "office", "purpose": "办公", "amount": "100.00"}]}
    budget = await ok(await client.post(f"{API}/villages/{cast.village.code}/budgets", json=body,
                                        headers=cast.headers["secretary"]), 201)
    assert budget["allowed_actions"] == ["submit", "edit_budget"]
    seen = await _seen(client, cast, f"{API}/budgets/{budget['id']}")
    assert seen["official"]["allowed_actions"] == [] and seen["agency"]["allowed_actions"] == []
    r = await client.post(f"{API}/budgets/{budget['id']}/submit", headers=cast.headers["official"])
    assert r.status_code == 403

    submitted = await ok(await client.post(f"{API}/budgets/{budget['id']}/submit", headers=cast.headers["secretary"]))
    assert submitted["allowed_actions"] == []
    seen = await _seen(client, cast, f"{API}/budgets/{budget['id']}")
    assert seen["official"]["allowed_actions"] == ["approve", "return"]
    approved = await ok(await client.post(f"{API}/budgets/{budget['id']}/approve", headers=cast.headers["official"]))
    assert approved["allowed_actions"] == ["close"]
    seen = await _seen(client, cast, f"{API}/budgets/{budget['id']}")
    assert seen["secretary"]["allowed_actions"] == ["request_amendment", "file_claim"]
    assert seen["committee"]["allowed_actions"] == []


async def test_account_allowed_actions(client, cast: Cast):
    await open_with_income(client, cast)
    seen = await _seen(client, cast, f"{API}/villages/{cast.village.code}/account")
    assert seen["agency"]["allowed_actions"] == ["book_income", "reverse_entry"]
    assert seen["secretary"]["allowed_actions"] == ["file_claim", "draft_budget"]
    assert seen["committee"]["allowed_actions"] == [] and seen["official"]["allowed_actions"] == []
    r = await client.post(f"{API}/villages/{cast.village.code}/income", headers=cast.headers["secretary"],
                          json=income_body("1.00"))
    assert r.status_code == 403
    listed = await ok(await client.get(f"{API}/accounts", headers=cast.headers["agency"],
                                       params={"township_code": cast.village.township_code}))
    assert all(a["allowed_actions"] == ["book_income", "reverse_entry"] for a in listed["items"])

"""Display names for the user names records carry, limited to the people the caller works with."""

N = "/api/v1/people/names"
ALL = ["admin", "inspector", "township01", "township02", "agency01", "cadre01", "secretary01", "committee01",
       "partner01", "system", "nobody"]


async def _names(client, token_for, who):  # type: ignore[no-untyped-def]
    r = await client.get(N, params=[("username", u) for u in ALL], headers=await token_for(who))
    assert r.status_code == 200, r.text
    return {x["username"]: x["display_name"] for x in r.json()["items"]}


async def test_the_county_knows_everyone_of_its_county(client, token_for):
    names = await _names(client, token_for, "admin")
    assert set(names) == set(ALL) - {"system", "nobody"}
    assert names["admin"] == "县委组织部管理员" and names["township02"].endswith("干部")


async def test_a_township_knows_the_county_staff_itself_and_its_villages_only(client, token_for):
    assert set(await _names(client, token_for, "township02")) == {"admin", "inspector", "township02"}
    assert set(await _names(client, token_for, "township01")) == {
        "admin", "inspector", "township01", "agency01", "cadre01", "secretary01", "committee01"}


async def test_a_village_knows_its_township_and_village_a_unit_its_own_accounts(client, token_for):
    assert set(await _names(client, token_for, "secretary01")) == {
        "admin", "inspector", "township01", "agency01", "cadre01", "secretary01", "committee01"}
    assert set(await _names(client, token_for, "partner01")) == {"admin", "inspector", "partner01"}


async def test_names_need_a_token_and_a_bounded_list(client, token_for):
    assert (await client.get(N, params={"username": "admin"})).status_code == 401
    h = await token_for("admin")
    r = await client.get(N, headers=h)
    assert r.status_code == 422
    r = await client.get(N, params=[("username", f"u{i}") for i in range(101)], headers=h)
    assert r.status_code == 422

"""The account list filtered to one village: the village file asks this way, so a village with no account
yet is an empty list rather than a 404."""

from funds_helpers import API, Cast, open_with_income


async def test_accounts_filtered_to_one_village(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    headers = cast.headers["official"]
    none_yet = await client.get(f"{API}/accounts", params={"village_code": cast.village.code}, headers=headers)
    assert none_yet.status_code == 200 and none_yet.json()["items"] == []
    await open_with_income(client, cast)
    one = await client.get(f"{API}/accounts", params={"village_code": cast.village.code}, headers=headers)
    assert [a["village_code"] for a in one.json()["items"]] == [cast.village.code]
    bad = await client.get(f"{API}/accounts", params={"village_code": "12"}, headers=headers)
    assert bad.status_code == 422

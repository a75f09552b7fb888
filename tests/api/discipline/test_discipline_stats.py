"""Yearly case counts per scope with the change on the year before, as the demo county's seed
gives them (5 cases in 2013, 8 in 2012: down 37.5 %), exact to one decimal, never a float."""

import httpx
from discipline_helpers import VILLAGE_T01

STATS = "/api/v1/discipline/cases/stats"


async def test_the_seed_county_five_cases_in_2013(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(STATS, params={"from_year": 2012, "to_year": 2013}, headers=await auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["county_code"] == "230199000000" and body["from_year"] == 2012 and body["to_year"] == 2013
    y2012, y2013 = body["years"]
    assert y2012 == {"year": 2012, "cases": 8, "previous_year_cases": 0, "change": 8, "change_percent": None}
    assert y2013 == {"year": 2013, "cases": 5, "previous_year_cases": 8, "change": -3, "change_percent": "-37.5"}


async def test_every_year_to_this_one_by_default(client: httpx.AsyncClient, auth, new_case) -> None:
    await new_case(filed_on="2014-06-01", case_number="S-1")
    body = (await client.get(STATS, headers=await auth("inspector"))).json()
    years = [y["year"] for y in body["years"]]
    from cunzhi.kit import clock

    assert years == list(range(2012, clock.local_today().year + 1))
    y2014 = next(y for y in body["years"] if y["year"] == 2014)
    assert y2014["cases"] == 1 and y2014["change_percent"] == "-80.0"
    y2015 = next(y for y in body["years"] if y["year"] == 2015)
    assert y2015 == {"year": 2015, "cases": 0, "previous_year_cases": 1, "change": -1, "change_percent": "-100.0"}


async def test_a_township_counts_only_its_villages(client: httpx.AsyncClient, auth, new_case) -> None:
    # Demo: township 01 has 2 cases in 2012 and 2 in 2013.
    t01 = (await client.get(STATS, params={"from_year": 2012, "to_year": 2013},
                            headers=await auth("township01"))).json()
    assert t01["township_code"] == "230199100000"
    assert [(y["cases"], y["change_percent"]) for y in t01["years"]] == [(2, None), (2, "0.0")]
    await new_case(filed_on="2013-12-01", case_number="S-2")
    t01 = (await client.get(STATS, params={"from_year": 2013, "to_year": 2013},
                            headers=await auth("inspector01"))).json()
    assert t01["years"] == [{"year": 2013, "cases": 3, "previous_year_cases": 2, "change": 1, "change_percent": "50.0"}]
    county = (await client.get(STATS, params={"from_year": 2013, "to_year": 2013, "township_code": "230199100000"},
                               headers=await auth("inspector"))).json()
    assert county["years"][0]["cases"] == 3


async def test_rounding_half_away_from_zero_to_one_decimal(client: httpx.AsyncClient, auth, new_case) -> None:
    # 3 cases in 2030-1 (say 2020), 2 and 4 after: -33.3 and +100.0; 6 after 3 ... use a village with none yet.
    for n, day in enumerate(["2020-01-10", "2020-02-10", "2020-03-10", "2021-01-10", "2021-02-10", "2022-05-05",
                             "2022-06-05", "2022-07-05", "2022-08-05"]):
        await new_case(filed_on=day, case_number=f"R-{n}", village_code=VILLAGE_T01)
    body = (await client.get(STATS, params={"from_year": 2020, "to_year": 2022, "village_code": VILLAGE_T01},
                             headers=await auth("inspector01"))).json()
    assert body["village_code"] == VILLAGE_T01
    assert [(y["cases"], y["change"], y["change_percent"]) for y in body["years"]] == [
        (3, 3, None), (2, -1, "-33.3"), (4, 2, "100.0")]
    by_kind = (await client.get(STATS, params={"from_year": 2020, "to_year": 2020, "violation": "bribery"},
                                headers=await auth("inspector01"))).json()
    assert by_kind["years"][0]["cases"] == 0


async def test_bad_ranges(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    r = await client.get(STATS, params={"from_year": 2014, "to_year": 2013}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "year_range_invalid"
    for bad in ({"from_year": "x"}, {"to_year": 2101}, {"from_year": 1989}):
        assert (await client.get(STATS, params=bad, headers=h)).status_code == 422, bad
    assert (await client.get(STATS, headers=await auth("secretary01"))).status_code == 403

"""The monthly attendance summary: check-in days, logs, promotions and oversights per cadre, in scope."""

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from cadres_helpers import T01, T02, VILLAGE, log_body, new_key

URL = "/api/v1/cadres/attendance"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def this_month() -> str:
    return datetime.now(SHANGHAI).strftime("%Y-%m")


async def test_a_township_sees_its_cadres_month(client: httpx.AsyncClient, auth, checkin) -> None:
    h = await auth("township01")
    month = this_month()
    r = await client.get(URL, params={"month": month}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["month"] == month and out["days_in_month"] in (28, 29, 30, 31)
    assert {row["township_code"] for row in out["rows"]} == {T01}
    mine = next(row for row in out["rows"] if row["village_code"] == VILLAGE and row["cadre_name"] != "郑长海")
    assert mine["checkin_days"] == len(mine["days"]) and all(d.startswith(month) for d in mine["days"])

    r = await checkin()
    assert r.status_code == 201
    r = await client.post("/api/v1/cadres/logs", headers=await auth("cadre01", new_key()),
                          json=log_body(members_recruited=2, activities_held=1, discipline_issues=1,
                                        oversight_note="村干部优亲厚友"))
    assert r.status_code == 201
    after = next(row for row in (await client.get(URL, params={"month": month}, headers=h)).json()["rows"]
                 if row["cadre_id"] == mine["cadre_id"])
    assert after["checkin_days"] == mine["checkin_days"] + 1
    assert after["logs"] == mine["logs"] + 1
    assert after["members_recruited"] == mine["members_recruited"] + 2
    assert after["discipline_issues"] == mine["discipline_issues"] + 1


async def test_scope_and_filters(client: httpx.AsyncClient, auth) -> None:
    month = this_month()
    everything = (await client.get(URL, params={"month": month}, headers=await auth("admin"))).json()["rows"]
    assert len({row["township_code"] for row in everything}) >= 2
    t01 = (await client.get(URL, params={"month": month, "township_code": T01}, headers=await auth("admin"))).json()
    assert t01["rows"] == [row for row in everything if row["township_code"] == T01]
    r = await client.get(URL, params={"month": month, "township_code": T01}, headers=await auth("township02"))
    assert r.status_code == 404 and r.json()["code"] == "township_not_found"
    r = await client.get(URL, params={"month": month, "village_code": VILLAGE}, headers=await auth("township02"))
    assert r.status_code == 404
    r = await client.get(URL, params={"month": month}, headers=await auth("township02"))
    assert {row["township_code"] for row in r.json()["rows"]} <= {T02}
    r = await client.get(URL, params={"month": month}, headers=await auth("cadre01"))
    assert {row["village_code"] for row in r.json()["rows"]} == {VILLAGE}
    for bad in ("2026-13", "2026-1", "May", ""):
        r = await client.get(URL, params={"month": bad}, headers=await auth("admin"))
        assert r.status_code == 422, bad
    assert (await client.get(URL, headers=await auth("admin"))).status_code == 422

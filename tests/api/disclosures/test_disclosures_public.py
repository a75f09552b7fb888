"""The public side: no login, exactly what was published, a bare 404 for everything else, ETag and
Cache-Control, a limit per address, and no internal or personal field in any answer."""

import json
from datetime import date
from typing import Any

import httpx
from disclosure_helpers import API, PNG, VILLAGE

from cunzhi.config import get_settings
from cunzhi.kit import clock

PUBLIC = "/api/v1/public"
OTHER_VILLAGE_T01 = "230199100202"  # no committee account in the demo: it never published
# Keys that never appear in a public answer, at any depth.
INTERNAL = {"published_by", "uploaded_by", "reviewed_by", "inspected_by", "recorded_by", "booked_by", "opened_by",
            "locked_by", "payer", "payee", "voucher_no", "user_id", "username", "display_name", "opinion",
            "findings", "inspections", "reviews", "allowed_actions", "sha256", "version", "status", "round_id",
            "phone", "id_card", "guidance", "fix_by", "publication_id", "village_id", "actor"}


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


async def _published_month(api, month_round, publish, client, auth) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await month_round(2027, 3)
    base = f"{API}/rounds/{r['id']}/villages/{VILLAGE}"
    with clock.travel(date(2027, 3, 2)):
        await api("committee01", "POST", f"{base}/reviews", status=201, json={"opinion": "监委会意见：内部讨论稿"})
        up = await client.post(f"{base}/files", headers=await auth("secretary01"), data={"kind": "board_photo"},
                               files={"file": ("公开栏.png", PNG, "image/png")})
        assert up.status_code == 201
        done = await publish(r["id"])
        page = await api("township01", "GET", base)
        await api("township01", "POST", f"{base}/inspections", status=201, headers={"If-Match": page["_etag"]},
                  json={"result": "failed", "findings": "检查发现：内部整改意见", "fix_by": "2027-03-20"})
    return {"round": r, "publication": done["publication"], "file_id": up.json()["id"]}


async def test_public_answers_show_exactly_what_was_published(api, month_round, publish, client, auth,  # type: ignore[no-untyped-def]
                                                              app) -> None:
    made = await _published_month(api, month_round, publish, client, auth)
    anon = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("198.51.100.7", 5000)),
                             base_url="http://testserver")
    answers: list[httpx.Response] = []
    async with anon:
        months = await anon.get(f"{PUBLIC}/villages/{VILLAGE}/disclosures")
        month = await anon.get(f"{PUBLIC}/villages/{VILLAGE}/disclosures/2027/3")
        photo = await anon.get(f"{PUBLIC}/files/{made['file_id']}")
        answers += [months, month]
        for r in answers:
            assert r.status_code == 200, r.text
            assert r.headers["Cache-Control"].startswith("public, max-age=") and r.headers["ETag"]
        assert photo.status_code == 200 and photo.content == PNG
        listed = months.json()
        assert set(listed) == {"village_code", "village_name", "months"} and listed["village_code"] == VILLAGE
        # Newest first: this month, then the demo's locked months before it.
        assert listed["months"][0] == {"year": 2027, "month": 3}
        assert all((m["year"], m["month"]) < (2027, 3) for m in listed["months"][1:])
        body = month.json()
        assert sorted((e["section"], e["title"], e["text"]) for e in body["entries"]) == sorted(
            (e["section"], e["title"], e["text"]) for e in made["publication"]["entries"])
        assert body["finance"]["frozen"] == made["publication"]["finance"]["frozen"]
        assert [f["url"] for f in body["files"]] == [f"{PUBLIC}/files/{made['file_id']}"]
        # a matching If-None-Match: 304, nothing sent
        again = await anon.get(f"{PUBLIC}/villages/{VILLAGE}/disclosures/2027/3",
                               headers={"If-None-Match": month.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
        # no internal or personal field, nor the review's and inspection's words, nor anyone's name
        for r in answers:
            found = keys(r.json()) & INTERNAL
            assert not found, (r.request.url, found)
            text = r.text
            for secret in ("监委会意见", "检查发现", "县财政局", "收-", "党支部书记", "村务监督委员会", "干部",
                           "secretary01", "committee01", "township01"):
                assert secret not in text, (r.request.url, secret)


async def test_public_misses_are_one_bare_404(api, month_round, publish, client, auth, app) -> None:  # type: ignore[no-untyped-def]
    made = await _published_month(api, month_round, publish, client, auth)
    r2 = await month_round(2027, 4)  # open, nothing published
    with clock.travel(date(2027, 4, 2)):
        await client.post(f"{API}/rounds/{r2['id']}/villages/{VILLAGE}/files", headers=await auth("secretary01"),
                          data={"kind": "attachment"}, files={"file": ("a.png", PNG, "image/png")})
    unpublished_file = (await api("secretary01", "GET", f"{API}/rounds/{r2['id']}/villages/{VILLAGE}"))["files"][0]
    anon = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("198.51.100.8", 5000)),
                             base_url="http://testserver")
    async with anon:
        misses = [await anon.get(f"{PUBLIC}/villages/{path}") for path in (
            "999999999999/disclosures", f"{OTHER_VILLAGE_T01}/disclosures", f"{VILLAGE}/disclosures/2027/4",
            f"{VILLAGE}/disclosures/2027/2", "999999999999/disclosures/2027/3",
            f"{OTHER_VILLAGE_T01}/disclosures/2027/3")]
        misses.append(await anon.get(f"{PUBLIC}/files/{unpublished_file['id']}"))
        misses.append(await anon.get(f"{PUBLIC}/files/2000000000"))
        assert {m.status_code for m in misses} == {404}
        assert len({m.content for m in misses}) == 1, [m.text for m in misses]
        miss = json.loads(misses[0].content)
        assert miss["code"] == "not_found" and miss["detail"] == "Not found"
        assert set(miss) <= {"type", "title", "status", "detail", "code"}, miss
        assert made


async def test_public_requests_are_limited_per_address(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "public_rate_limit_per_minute", 3)
    one = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.5", 1)),
                            base_url="http://testserver")
    two = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.6", 1)),
                            base_url="http://testserver")
    async with one, two:
        codes = [(await one.get(f"{PUBLIC}/villages/{OTHER_VILLAGE_T01}/disclosures")).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        limited = await one.get(f"{PUBLIC}/villages/{OTHER_VILLAGE_T01}/disclosures")
        assert limited.json()["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        assert (await two.get(f"{PUBLIC}/villages/{OTHER_VILLAGE_T01}/disclosures")).status_code == 404


async def test_a_village_qr_code_links_to_its_public_page(api, client, auth) -> None:  # type: ignore[no-untyped-def]
    svg = await client.get(f"{API}/villages/{VILLAGE}/qr.svg", headers=await auth("township01"))
    png = await client.get(f"{API}/villages/{VILLAGE}/qr.png", headers=await auth("township01"))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and png.content.startswith(b"\x89PNG")
    assert svg.headers["X-Link"].endswith(f"/public.html?village={VILLAGE}")
    assert (await client.get(f"{API}/villages/{VILLAGE}/qr.svg", headers=await auth("township02"))).status_code == 404
    assert (await client.get(f"{API}/villages/{VILLAGE}/qr.gif", headers=await auth("township01"))).status_code == 422
    assert (await client.get(f"{API}/villages/{VILLAGE}/qr.svg")).status_code == 401

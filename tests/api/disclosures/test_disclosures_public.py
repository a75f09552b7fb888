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
            "phone", "id_card", "guidance", "fix_by", "publication_id", "village_id", "actor",
            # the ledger's and the disclosure's own ids
            "entry_id", "reverses_entry_id", "reverses_id", "line_id", "claim_id", "account_id", "item_id",
            "updates_item_id", "template_item_id", "round_village_id", "file_ids"}
FUNDS = "/api/v1/funds"


def internal_ids(value: Any) -> set[str]:
    """Keys naming an internal row, at any depth (a file's `id` is its public address, in `url` too)."""
    return {k for k in keys(value) if k.endswith("_id") or k.endswith("_ids")}


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


def _income(amount: str, voucher: str) -> dict[str, str]:
    return {"amount": amount, "source": "transfer", "description": "村级运转经费", "payer": "县财政局",
            "voucher_no": voucher, "received_on": clock.local_today().isoformat()}


async def _published_month(api, month_round, publish, client, auth) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    # February's books (the finance period of March's round): two incomes, the second reversed in February
    with clock.travel(date(2027, 2, 10)):
        if not (await api("agency01", "GET", f"{FUNDS}/accounts?village_code={VILLAGE}"))["items"]:
            await api("agency01", "POST", f"{FUNDS}/villages/{VILLAGE}/account", status=201)
        first = await api("agency01", "POST", f"{FUNDS}/villages/{VILLAGE}/income", status=201,
                          json=_income("800.00", "收-2702-7"))
        second = await api("agency01", "POST", f"{FUNDS}/villages/{VILLAGE}/income", status=201,
                           json=_income("50.00", "收-2702-8"))
        await api("agency01", "POST", f"{FUNDS}/ledger/{second['id']}/reverse", status=201, json={"reason": "重复入账"})
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
    # and February's first income reversed in March: the page shows the books as they stand now too
    with clock.travel(date(2027, 3, 4)):
        await api("agency01", "POST", f"{FUNDS}/ledger/{first['id']}/reverse", status=201, json={"reason": "退回"})
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
        # the books as published, less the ledger's ids (kept in the stored books and their hash)
        stored = made["publication"]["finance"]
        assert {"entry_id", "reverses_entry_id"} <= set(stored["frozen"]["entries"][0])
        assert any(e["reverses_entry_id"] for e in stored["frozen"]["entries"])
        assert body["finance"]["frozen"] == {**stored["frozen"], "entries": [
            {k: v for k, v in e.items() if k not in ("entry_id", "reverses_entry_id")}
            for e in stored["frozen"]["entries"]]}
        assert body["finance"]["frozen_hash"] == stored["frozen_hash"]
        assert body["finance"]["matches"] is False and body["finance"]["current"]["entries"]
        assert [f["url"] for f in body["files"]] == [f"{PUBLIC}/files/{made['file_id']}"]
        # a matching If-None-Match: 304, nothing sent
        again = await anon.get(f"{PUBLIC}/villages/{VILLAGE}/disclosures/2027/3",
                               headers={"If-None-Match": month.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
        # no internal or personal field, nor the review's and inspection's words, nor anyone's name
        for r in answers:
            found = keys(r.json()) & INTERNAL | internal_ids(r.json())
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


def _svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's SVG drawing (one path of horizontal runs: M x y, h n, m dx dy),
    as rows of the whole image in module units, quiet zone included."""
    import re

    width = int(re.search(r'width="(\d+)"', svg).group(1)) // int(re.search(r"scale\((\d+)\)", svg).group(1))  # type: ignore[union-attr]
    d = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    grid = [[False] * width for _ in range(width)]
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([-\d. ]+)", d):
        nums = [float(n) for n in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            run = int(nums[0]) if cmd == "h" else int(nums[0] - x)
            for k in range(run):
                grid[int(y)][int(x) + k] = True
            x += run
    return grid


def _png_modules(png: bytes, scale: int) -> list[list[bool]]:
    """The dark modules of a 1-bit greyscale PNG (PNG spec: IHDR, IDAT, the five row filters), read at
    each module's centre."""
    import struct
    import zlib

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        header = data if kind == b"IHDR" else header
        idat += data if kind == b"IDAT" else b""
        pos += 12 + length
    w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) == (1, 0, 0) and w == h and w % scale == 0
    raw, stride = zlib.decompress(idat), (w + 7) // 8
    rows: list[bytes] = []
    prev = bytes(stride)
    for r in range(h):  # undo the rows' filters (one byte per pixel group at this depth)
        kind, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a, b, c = (line[i - 1] if i else 0), prev[i], (prev[i - 1] if i else 0)
            p = a + b - c
            paeth = a if abs(p - a) <= min(abs(p - b), abs(p - c)) else b if abs(p - b) <= abs(p - c) else c
            line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth)[kind]) & 0xFF
        rows.append(prev := bytes(line))

    def dark(px: int, py: int) -> bool:
        return not (rows[py][px // 8] >> (7 - px % 8)) & 1

    n = w // scale
    return [[dark(c * scale + scale // 2, r * scale + scale // 2) for c in range(n)] for r in range(n)]


async def test_the_qr_codes_encode_the_link_they_state(client, auth) -> None:  # type: ignore[no-untyped-def]
    """Read back module by module, the SVG and the PNG are the QR code of the stated link (as segno
    encodes it, error level M), with the three finder patterns and the quiet zone of a real QR code."""
    import segno

    h = await auth("township01")
    svg = await client.get(f"{API}/villages/{VILLAGE}/qr.svg", headers=h)
    png = await client.get(f"{API}/villages/{VILLAGE}/qr.png", headers=h)
    link = svg.headers["X-Link"]
    assert png.headers["X-Link"] == link
    assert link == f"{get_settings().public_base_url.rstrip('/')}/public.html?village={VILLAGE}"
    expected = [[bool(v) for v in row] for row in segno.make(link, error="m").matrix]
    n = len(expected)
    finder = [[r in (0, 6) or c in (0, 6) or (2 <= r <= 4 and 2 <= c <= 4) for c in range(7)] for r in range(7)]
    for image in (_svg_modules(svg.text), _png_modules(png.content, scale=10)):
        assert len(image) == n + 8  # a quiet zone of four modules each side
        assert not any(image[r][c] for r in range(n + 8) for c in range(n + 8)
                       if min(r, c) < 4 or max(r, c) >= n + 4)
        symbol = [row[4:4 + n] for row in image[4:4 + n]]
        assert symbol == expected
        for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
            assert [row[c0:c0 + 7] for row in symbol[r0:r0 + 7]] == finder
    # Another link makes another code: the comparison tells them apart.
    other = [[bool(v) for v in row] for row in segno.make(link + "0", error="m").matrix]
    assert other != expected

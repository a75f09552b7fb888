"""The built SPA through the API: precompressed JS and CSS chosen by Accept-Encoding, hashed assets
cached for good, and the phone's first load of /m/ within its budget in the bytes that really cross
the wire. Needs `frontend/dist` (`make frontend-check` builds it and writes the first-load list)."""

import gzip
import json
from pathlib import Path

import httpx
import pytest

from cunzhi.main import accepted_encodings

ROOT = Path(__file__).resolve().parents[3]
DIST = ROOT / "frontend" / "dist"
FIRST_LOAD = ROOT / "frontend" / ".build-stats" / "mobile-first-load.json"
PHONE = "gzip, deflate"  # what a phone's browser asks for over plain HTTP (brotli only over HTTPS)

needs_build = pytest.mark.skipif(
    not (DIST / "index.html").is_file() or not FIRST_LOAD.is_file(),
    reason="frontend/dist not built: `make frontend-check` builds it and writes the first-load list")


@pytest.fixture
async def spa_client(monkeypatch):  # type: ignore[no-untyped-def]
    from cunzhi.config import get_settings
    from cunzhi.main import create_app

    monkeypatch.setattr(get_settings(), "static_dir", DIST)
    transport = httpx.ASGITransport(app=create_app(), client=("10.9.7.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _wire_bytes(client: httpx.AsyncClient, path: str, encoding: str) -> tuple[httpx.Response, int, bytes]:
    """The response, the number of body bytes as sent, and the body as sent (gzip unpacked)."""
    async with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as r:
        raw = b"".join([chunk async for chunk in r.aiter_raw()])
    return r, len(raw), gzip.decompress(raw) if r.headers.get("content-encoding") == "gzip" else raw


@pytest.mark.parametrize("header,expected", [
    ("gzip, deflate, br, zstd", {"br", "gzip"}),
    ("gzip, deflate", {"gzip"}),
    ("br;q=0, gzip", {"gzip"}),
    ("*", {"br", "gzip"}),
    ("*, br;q=0", {"gzip"}),
    ("identity", set()),
    ("", set()),
    ("gzip;q=nonsense", set()),
    ("GZIP;q=0.5", {"gzip"}),
])
def test_accepted_encodings(header: str, expected: set[str]) -> None:
    assert accepted_encodings(header) == expected


@needs_build
async def test_phone_first_load_within_budget_through_the_api(spa_client):  # type: ignore[no-untyped-def]
    listed = json.loads(FIRST_LOAD.read_text())
    page, page_bytes, html = await _wire_bytes(spa_client, "/m/", PHONE)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-cache"
    entry = next(f for f in listed["files"] if f"/{f}" in html.decode())  # the page names its entry script
    assert entry
    total = 0
    for file in listed["files"]:
        r, sent, body = await _wire_bytes(spa_client, f"/{file}", PHONE)
        assert r.status_code == 200, file
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", file
        assert body == (DIST / file).read_bytes(), file
        if (DIST / f"{file}.gz").is_file():
            assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding", file
            assert sent < len(body), file
        total += sent
    print(f"/m/ first load through the API: {total / 1000:.1f} kB of JavaScript in {len(listed['files'])} files, "
          f"page {page_bytes / 1000:.1f} kB")
    assert total <= listed["budget"], f"{total} bytes of JavaScript over the budget of {listed['budget']}"


@needs_build
async def test_brotli_when_asked_and_identity_when_not(spa_client):  # type: ignore[no-untyped-def]
    biggest = max((p for p in (DIST / "assets").glob("*.js") if p.with_name(p.name + ".br").is_file()),
                  key=lambda p: p.stat().st_size)
    path = f"/assets/{biggest.name}"
    br, br_sent, br_body = await _wire_bytes(spa_client, path, "gzip, deflate, br")
    assert br.headers["content-encoding"] == "br" and br.headers["content-type"].startswith("text/javascript")
    gz, gz_sent, _ = await _wire_bytes(spa_client, path, "gzip")
    assert gz.headers["content-encoding"] == "gzip"
    plain, plain_sent, plain_body = await _wire_bytes(spa_client, path, "identity")
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    assert plain_body == biggest.read_bytes()
    assert br_body == biggest.with_name(biggest.name + ".br").read_bytes()
    assert br_sent < gz_sent < plain_sent == biggest.stat().st_size
    css = next((DIST / "assets").glob("*.css.br")).name.removesuffix(".br")
    r = await spa_client.get(f"/assets/{css}", headers={"Accept-Encoding": "br"})
    assert r.headers["content-encoding"] == "br" and r.headers["content-type"].startswith("text/css")


@needs_build
async def test_api_paths_never_fall_through_to_the_spa(spa_client):  # type: ignore[no-untyped-def]
    r = await spa_client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")

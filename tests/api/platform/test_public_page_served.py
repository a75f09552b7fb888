"""The public village page (public.html, the page of the villages' QR codes) is a page of its own in the
build: the API serves it as it is, query and all, never the app's index.html in its place, and has it
revalidated so a new build's assets are picked up. No build needed: a stand-in dist."""

import httpx
import pytest

from cunzhi.disclosures.public import public_link

INDEX = "<!doctype html><title>村治</title><script src=/assets/index-x.js></script>"
PUBLIC = "<!doctype html><title>三务公开</title><script src=/assets/public-y.js></script>"


@pytest.fixture
async def dist_client(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from cunzhi.config import get_settings
    from cunzhi.main import create_app

    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "public.html").write_text(PUBLIC, encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "public-y.js").write_text("console.log(1)", encoding="utf-8")
    monkeypatch.setattr(get_settings(), "static_dir", tmp_path)
    transport = httpx.ASGITransport(app=create_app(), client=("10.9.7.2", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_the_qr_codes_page_is_served_from_the_build(dist_client):  # type: ignore[no-untyped-def]
    path = public_link("230199100200").split("://", 1)[-1].split("/", 1)[1]
    assert path == "public.html?village=230199100200"
    r = await dist_client.get(f"/{path}")
    assert r.status_code == 200 and r.text == PUBLIC
    assert r.headers["content-type"].startswith("text/html") and r.headers["cache-control"] == "no-cache"
    asset = await dist_client.get("/assets/public-y.js")
    assert asset.status_code == 200 and asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    # the app's pages still fall back to its own index.html
    app = await dist_client.get("/villages/230199100200")
    assert app.status_code == 200 and app.text == INDEX and app.headers["cache-control"] == "no-cache"

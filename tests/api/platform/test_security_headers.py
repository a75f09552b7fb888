"""Security headers on every answer of the API: a strict Content-Security-Policy (no inline script),
no framing (frame-ancestors and X-Frame-Options), nosniff, same-origin referrers; HSTS only over
TLS (directly or through a trusted proxy). /readyz tells an anonymous caller nothing of the driver."""

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from cunzhi.main import CONTENT_SECURITY_POLICY


@pytest.fixture
async def spa(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from cunzhi.config import get_settings
    from cunzhi.main import create_app

    (tmp_path / "assets").mkdir()
    (tmp_path / "m").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>desk</title>")
    (tmp_path / "m" / "index.html").write_text("<!doctype html><title>phone</title>")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log(1)")
    monkeypatch.setattr(get_settings(), "static_dir", tmp_path)
    app = create_app()
    transport = httpx.ASGITransport(app=app, client=("10.9.7.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_the_policy_allows_no_inline_script_and_no_framing():
    d = _directives(CONTENT_SECURITY_POLICY)
    assert d["script-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"]
    assert d["object-src"] == ["'none'"]
    assert d["default-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/m/", "/m/checkin", "/assets/app-1234.js", "/villages/x",
                                  "/healthz", "/api/v1/villages", "/api/v1/nothing-here"])
async def test_every_answer_carries_the_headers(spa, path):
    r = await spa.get(path)
    assert r.status_code in (200, 401, 404)
    assert r.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]
    assert r.headers.get_list("x-frame-options") == ["DENY"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in r.headers  # plain HTTP: no HSTS


async def test_hsts_only_over_tls(spa):
    transport = httpx.ASGITransport(app=spa.app, client=("10.9.7.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        r = await c.get("/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_a_forwarded_https_from_an_untrusted_peer_gives_no_hsts(spa):
    r = await spa.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in r.headers


async def test_the_docs_page_allows_only_its_own_inline_script_by_hash(spa):
    r = await spa.get("/api/docs")
    assert r.status_code == 200
    script_src = _directives(r.headers["content-security-policy"])["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert [s for s in script_src if s.startswith("'sha256-")]
    assert r.headers.get_list("content-security-policy") == [r.headers["content-security-policy"]]


async def test_the_oauth2_redirect_page_runs_under_the_policy(spa, monkeypatch, tmp_path):
    """Swagger UI's "Authorize" returns to its redirect page, which must run its script under our CSP:
    an inline script is allowed by its hash on that page only, a script file is served from our origin."""
    import re

    docs = (await spa.get("/api/docs")).text
    url = re.search(r"oauth2RedirectUrl: window.location.origin \+ '([^']+)'", docs).group(1)
    r = await spa.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    script_src = _directives(r.headers["content-security-policy"])["script-src"]
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert r.headers.get_list("content-security-policy") == [r.headers["content-security-policy"]]
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", r.text, flags=re.S):
        src = re.search(r'src="([^"]+)"', attrs)
        if src:  # a file of our own origin, served as JavaScript
            assert "//" not in src.group(1)
            js = await spa.get(url.rsplit("/", 1)[0] + "/" + src.group(1))
            assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        else:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in script_src
    assert not re.search(r"\son[a-z]+=", r.text), "inline event handlers never run under the policy"

    # A bundle whose redirect page carries its script inline (as Swagger UI's did) works too.
    import swagger_ui_bundle

    (tmp_path / "oauth2-redirect.html").write_text(
        "<!doctype html><body><script>window.opener.swaggerUIRedirectOauth2.callback({})</script></body>")
    monkeypatch.setattr(swagger_ui_bundle, "swagger_ui_path", str(tmp_path))
    from cunzhi.main import create_app

    inline = create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=inline), base_url="http://t") as c:
        page = await c.get(url)
    digest = base64.b64encode(hashlib.sha256(b"window.opener.swaggerUIRedirectOauth2.callback({})").digest()).decode()
    assert f"'sha256-{digest}'" in _directives(page.headers["content-security-policy"])["script-src"]
    assert "window.opener" in page.text


async def test_readyz_hides_the_driver_text(spa):
    class Broken:
        def connect(self):  # type: ignore[no-untyped-def]
            raise OSError("could not connect to server db.internal as user cunzhi_owner password=hunter2")

    spa.app.state.engine_getter = lambda: Broken()
    r = await spa.get("/readyz")
    assert r.status_code == 503
    assert r.json()["code"] == "database_unavailable"
    for secret in ("db.internal", "cunzhi_owner", "hunter2", "OSError"):
        assert secret not in r.text
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


DIST = Path(__file__).resolve().parents[3] / "frontend" / "dist"


@pytest.mark.skipif(not (DIST / "index.html").is_file(), reason="frontend/dist not built (`make frontend-build`)")
def test_the_built_spa_needs_nothing_the_policy_refuses():
    """No inline script in the entry pages and no font, style or script from another host (Vant's icon
    font falls back to a CDN unless the build drops it)."""
    for page in DIST.rglob("index.html"):
        html = page.read_text()
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], page
    for css in (DIST / "assets").glob("*.css"):
        external = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text())
        assert external == [], (css.name, external)

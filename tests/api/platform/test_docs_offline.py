"""/api/docs works without internet: the page and everything it references come from the product
itself (the pinned Swagger UI package), the OAuth2 redirect page too; /readyz does not hand out the
database driver's error text."""

import re

from sqlalchemy.ext.asyncio import create_async_engine

_EXTERNAL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.I)


def _references(html: str) -> list[str]:
    found = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    found += re.findall(r"""(?:url|oauth2RedirectUrl)\s*:\s*(?:window\.location\.origin\s*\+\s*)?["']([^"']+)["']""",
                        html)
    return found


async def test_docs_reference_no_external_host_and_every_asset_is_served(client):
    r = await client.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert not _EXTERNAL.search(html), _EXTERNAL.findall(html)
    refs = _references(html)
    assert {"/api/docs/assets/swagger-ui-bundle.js", "/api/docs/assets/swagger-ui.css",
            "/api/docs/assets/oauth2-redirect.html", "/api/v1/openapi.json"} <= set(refs), refs
    for ref in refs:
        assert ref.startswith("/"), ref
        got = await client.get(ref)
        assert got.status_code == 200, ref
        assert len(got.content) > 50, ref
    # The OAuth2 redirect page ("Authorize") and its script are local too.
    page = (await client.get("/api/docs/assets/oauth2-redirect.html")).text
    assert not _EXTERNAL.search(page)
    for ref in _references(page):
        assert (await client.get(f"/api/docs/assets/{ref}")).status_code == 200
    # Swagger UI's validator badge would load from a public host: turned off.
    assert '"validatorUrl": null' in html


async def test_readyz_does_not_leak_the_driver_error(app, client):
    broken = create_async_engine("postgresql+asyncpg://secret_user:secret_pw@127.0.0.1:1/secret_db")
    app.state.engine_getter = lambda: broken
    try:
        r = await client.get("/readyz")
    finally:
        await broken.dispose()
    assert r.status_code == 503
    body = r.json()
    assert body["code"] == "database_unavailable" and "detail" not in body
    assert "secret" not in r.text and "127.0.0.1" not in r.text

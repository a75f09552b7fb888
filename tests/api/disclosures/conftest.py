"""Fixtures for the disclosure API tests (values in disclosure_helpers.py)."""

from datetime import date
from typing import Any

import httpx
import pytest
from disclosure_helpers import T01, VILLAGE, texts

from cunzhi.kit import clock


@pytest.fixture
def auth(token_for):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    async def get(username: str, **extra: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await token_for(username)
        return {**cache[username], **extra}

    return get


@pytest.fixture
def api(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    """`await api(user, method, path, json=..., status=...)`: the answer's JSON, its status checked."""

    async def call(user: str | None, method: str, path: str, *, status: int = 200, **kw: Any) -> Any:
        headers = {**(await auth(user) if user else {}), **kw.pop("headers", {})}
        r = await client.request(method, path, headers=headers, **kw)
        assert r.status_code == status, (r.status_code, r.text)
        if r.headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
            out = r.json()
            if isinstance(out, dict) and "ETag" in r.headers:
                out["_etag"] = r.headers["ETag"]
            return out
        return r

    return call


@pytest.fixture
def month_round(api):  # type: ignore[no-untyped-def]
    """Open township01's round of a month (from the template) with the clock on its first day."""

    async def make(year: int = 2027, month: int = 3, publish_by_day: int = 10) -> dict[str, Any]:
        with clock.travel(date(year, month, 1)):
            out = await api("township01", "POST", "/api/v1/disclosures/rounds", status=201, json={
                "township_code": T01, "year": year, "month": month,
                "publish_by": f"{year:04d}-{month:02d}-{publish_by_day:02d}"})
        return out

    return make


@pytest.fixture
def publish(api):  # type: ignore[no-untyped-def]
    async def go(round_id: int, *, village: str = VILLAGE, status: int = 200, **extra: Any) -> dict[str, Any]:
        page = await api("secretary01", "GET", f"/api/v1/disclosures/rounds/{round_id}/villages/{village}")
        body = extra.pop("json", None) or {"entries": texts(page["items"])}
        return await api("secretary01", "POST", f"/api/v1/disclosures/rounds/{round_id}/villages/{village}/publish",
                         json=body, headers={"If-Match": page["_etag"]}, status=status)

    return go

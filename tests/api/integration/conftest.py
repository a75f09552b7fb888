"""Fixtures for the integration tests: township systems (API clients) of the demo county."""

import httpx
import pytest

COUNTY = "230199000000"
TOWNSHIP_01 = "230199100000"
TOWNSHIP_02 = "230199101000"


@pytest.fixture
def new_client(client: httpx.AsyncClient, token_for):  # type: ignore[no-untyped-def]
    """Register an API client as the county admin and log it in: (created, bearer headers)."""

    async def make(client_id: str, *, township: str = TOWNSHIP_01, scopes: list[str] | None = None):  # type: ignore[no-untyped-def]
        body: dict[str, object] = {"client_id": client_id, "name": f"{client_id} 系统", "division_code": township}
        if scopes is not None:
            body["scopes"] = scopes
        r = await client.post("/api/v1/api-clients", json=body, headers=await token_for("admin"))
        assert r.status_code == 201, r.text
        created = r.json()
        tok = await client.post("/api/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": created["client_secret"]})
        assert tok.status_code == 200, tok.text
        return created, {"Authorization": f"Bearer {tok.json()['access_token']}"}

    return make

async def test_healthz(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_readyz(client):
    r = await client.get("/readyz")
    assert r.status_code == 200


async def test_villages_list(client, token_for):
    r = await client.get("/api/v1/villages", headers=await token_for("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 82

"""The kit's input guards, through the real app: text with NUL is a 422 wherever it comes in, a value
or a write the database refuses is a 4xx problem (and nothing of the request is kept), and the
contract documents every error as application/problem+json."""

from typing import Annotated

import httpx
import pytest
from fastapi import File, Form, UploadFile
from sqlalchemy import Integer, bindparam, text

from cunzhi.kit.deps import SessionDep
from cunzhi.kit.inputs import INT4_MAX, Id
from cunzhi.main import create_app

T01 = "230199100000"


def _village(code: str, name: str) -> dict[str, object]:
    return {"code": code, "name": name, "township_code": T01, "population": 10}


@pytest.fixture
def probe_app(app):  # type: ignore[no-untyped-def]
    """The test app plus a few routes that make PostgreSQL refuse a value or a write."""

    @app.post("/api/v1/probe/{kind}")
    async def probe(kind: str, session: SessionDep) -> dict[str, str]:
        await session.execute(text("INSERT INTO probe_rows (id, amount) VALUES (1, 1)"))
        statements = {
            "numeric": "INSERT INTO probe_rows (id, amount) VALUES (2, 123456)",
            "unique": "INSERT INTO probe_rows (id, amount) VALUES (1, 2)",
            "check": "INSERT INTO probe_rows (id, amount) VALUES (3, -1)",
            "syntax": "INSERT INTO probe_rows VALUES (",
        }
        if kind == "int4":
            # As an ORM query on an Integer column binds it.
            await session.execute(text("SELECT 1 FROM probe_rows WHERE id = :id")
                                  .bindparams(bindparam("id", INT4_MAX + 1, type_=Integer)))
        else:
            await session.execute(text(statements[kind]))
        return {"kind": kind}

    @app.post("/api/v1/probe-upload")
    async def upload(file: Annotated[UploadFile, File()], note: Annotated[str, Form()] = "") -> dict[str, int]:
        return {"size": len(await file.read())}

    @app.get("/api/v1/probe-id/{row_id}")
    async def by_id(row_id: Id) -> dict[str, int]:
        return {"id": row_id}

    return app


@pytest.fixture
async def probe(probe_app, db):  # type: ignore[no-untyped-def]
    await db.execute(text("CREATE TEMP TABLE probe_rows (id int PRIMARY KEY, amount numeric(4, 2) CHECK (amount >= 0))"
                          " ON COMMIT DROP"))
    transport = httpx.ASGITransport(app=probe_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _problem(r: httpx.Response, status: int, code: str) -> dict:  # type: ignore[type-arg]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and body["status"] == status
    return body


# --- NUL in text ---------------------------------------------------------------------------------

async def test_nul_in_a_json_field_is_422_with_its_place_and_writes_nothing(client, token_for, db):
    r = await client.post("/api/v1/villages", json=_village("230199100291", "坏\x00村"), headers=await token_for("admin"))
    body = _problem(r, 422, "validation_error")
    assert body["errors"] == [{"loc": ["body", "name"], "msg": "Text must not contain control characters (U+0000-U+001F other than tab, LF and CR, or U+007F)",
                               "type": "value_error"}]
    count = (await db.execute(text("SELECT count(*) FROM villages WHERE code = '230199100291'"))).scalar()
    assert count == 0


async def test_nul_in_nested_json_and_keys(client, token_for):
    r = await client.post("/api/v1/villages", json={**_village("230199100292", "好村"), "problem_categories": ["a\x00"],
                                                    "x\x00": 1}, headers=await token_for("admin"))
    locs = [e["loc"] for e in _problem(r, 422, "validation_error")["errors"]]
    assert ["body", "problem_categories", "0"] in locs and ["body", "x\x00"] in locs


async def test_escaped_backslash_u0000_is_plain_text(client, token_for):
    # The six characters \u0000 typed as text are fine; only the NUL character is refused.
    r = await client.post("/api/v1/villages", json=_village("230199100293", "村\\u0000"), headers=await token_for("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "村\\u0000"


async def test_nul_in_query_and_path(client, token_for):
    h = await token_for("admin")
    body = _problem(await client.get("/api/v1/villages?q=a%00b", headers=h), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["query", "q"]
    body = _problem(await client.get("/api/v1/divisions/2301%00", headers=h), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["path"]


async def test_nul_in_a_login_form_is_422_not_a_server_error(client):
    r = await client.post("/api/v1/auth/token", data={"username": "admin\x00", "password": "cunzhi2026"})
    assert _problem(r, 422, "validation_error")["errors"][0]["loc"] == ["body", "username"]


async def test_multipart_file_bytes_pass_but_nul_in_a_form_field_or_file_name_is_422(probe):
    r = await probe.post("/api/v1/probe-upload", files={"file": ("a.bin", b"\x00\x01\x00", "application/octet-stream")})
    assert r.status_code == 200 and r.json() == {"size": 3}
    crafted = (b'--b0\r\nContent-Disposition: form-data; name="file"; filename="a\x00.bin"\r\n'
               b"Content-Type: application/octet-stream\r\n\r\nx\r\n--b0--\r\n")
    r = await probe.post("/api/v1/probe-upload", content=crafted,
                         headers={"Content-Type": "multipart/form-data; boundary=b0"})
    assert _problem(r, 422, "validation_error")["errors"][0]["loc"] == ["body", "file"]
    r = await probe.post("/api/v1/probe-upload", data={"note": "n\x00"}, files={"file": ("a.bin", b"x")})
    assert _problem(r, 422, "validation_error")["errors"][0]["loc"] == ["body", "note"]


# --- values and writes the database refuses ------------------------------------------------------

@pytest.mark.parametrize("kind,status,code", [
    ("numeric", 422, "validation_error"),  # numeric field overflow (22003)
    ("int4", 422, "validation_error"),  # a parameter beyond int4, refused by the driver (22000)
    ("unique", 409, "conflict"),  # unique violation (23505)
    ("check", 409, "conflict"),  # check violation (23514)
])
async def test_database_refusals_are_4xx_and_the_request_keeps_nothing(probe, db, kind, status, code):
    body = _problem(await probe.post(f"/api/v1/probe/{kind}"), status, code)
    assert "SQL" not in body.get("detail", "") and "probe_rows" not in body.get("detail", "")
    # The request's first insert went with it.
    assert (await db.execute(text("SELECT count(*) FROM probe_rows"))).scalar() == 0


async def test_other_database_errors_stay_500(probe):
    _problem(await probe.post("/api/v1/probe/syntax"), 500, "internal_error")


async def test_kit_id_is_1_to_int4_max(probe):
    assert (await probe.get(f"/api/v1/probe-id/{INT4_MAX}")).json() == {"id": INT4_MAX}
    for bad in (0, INT4_MAX + 1, 2**63):
        body = _problem(await probe.get(f"/api/v1/probe-id/{bad}"), 422, "validation_error")
        assert body["errors"][0]["loc"] == ["path", "row_id"]


# --- the contract ---------------------------------------------------------------------------------

def test_contract_documents_every_error_as_problem_json():
    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ProblemDetails" in schemas
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if status[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
            assert "4XX" in op["responses"], (method, path)
    # Asking twice gives the same document (documented once, not twice).
    app = create_app()
    assert app.openapi() == app.openapi()

"""Photos of check-ins and work logs: type from the bytes, size limit, the author only, served in scope."""

import hashlib

import httpx
import pytest
from cadres_helpers import log_body, new_key, table_count
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.fieldwork import photo_limit
from cunzhi.cadres.models import Photo

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 300
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 100


@pytest.fixture
async def my_checkin(checkin) -> int:  # type: ignore[no-untyped-def]
    r = await checkin()
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def upload(content: bytes, name: str = "p.jpg", ctype: str = "image/jpeg") -> dict:
    return {"file": (name, content, ctype)}


async def test_photos_of_a_check_in_and_a_log_are_stored_and_served(client: httpx.AsyncClient, auth, my_checkin: int,
                                                                    db: AsyncSession) -> None:
    h = await auth("cadre01")
    r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos", files=upload(JPEG), headers=h)
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["content_type"] == "image/jpeg" and photo["size"] == len(JPEG)
    assert photo["sha256"] == hashlib.sha256(JPEG).hexdigest()
    # the declared type and name do not matter: the bytes say PNG
    r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos",
                          files=upload(PNG, "x.jpg", "image/jpeg"), headers=h)
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"

    log = (await client.post("/api/v1/cadres/logs", json=log_body(), headers=await auth("cadre01", new_key()))).json()
    r = await client.post(f"/api/v1/cadres/logs/{log['id']}/photos", files=upload(WEBP, "a.webp", "image/webp"),
                          headers=h)
    assert r.status_code == 201 and r.json()["content_type"] == "image/webp"

    listed = (await client.get("/api/v1/cadres/checkins", params={"mine": True, "limit": 1}, headers=h)).json()
    assert listed["items"][0]["photos"][0]["id"] == photo["id"]

    for reader in ("cadre01", "township01", "admin", "partner01"):
        r = await client.get(f"/api/v1/cadres/photos/{photo['id']}", headers=await auth(reader))
        assert r.status_code == 200, reader
        assert r.content == JPEG and r.headers["content-type"] == "image/jpeg"
    r = await client.get(f"/api/v1/cadres/photos/{photo['id']}", headers=await auth("township02"))
    assert r.status_code == 404
    assert (await client.get(f"/api/v1/cadres/photos/{photo['id']}")).status_code == 401


@pytest.mark.parametrize(("content", "status", "code"), [
    (b"GIF89a" + b"\x00" * 50, 422, "photo_type_refused"),
    (b"%PDF-1.7 not a photo", 422, "photo_type_refused"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 422, "photo_type_refused"),
    (b"", 422, "photo_type_refused"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", 422, "photo_type_refused"),
])
async def test_what_is_not_a_photo_is_refused(client: httpx.AsyncClient, auth, my_checkin: int, db: AsyncSession,
                                              content: bytes, status: int, code: str) -> None:
    n = await table_count(db, Photo)
    r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos", files=upload(content),
                          headers=await auth("cadre01"))
    assert r.status_code == status and r.json()["code"] == code, r.text
    assert await table_count(db, Photo) == n


async def test_too_large_and_too_many(client: httpx.AsyncClient, auth, my_checkin: int, db: AsyncSession,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from cunzhi.config import get_settings

    monkeypatch.setattr(get_settings(), "cadre_photo_max_bytes", 4096)
    assert photo_limit() == 4096
    h = await auth("cadre01")
    n = await table_count(db, Photo)
    r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos", files=upload(JPEG + b"\x00" * 4096),
                          headers=h)
    assert r.status_code == 413 and r.json()["code"] == "photo_too_large" and r.json()["max_bytes"] == 4096
    assert await table_count(db, Photo) == n
    for i in range(3):
        r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos", files=upload(JPEG + bytes([i])),
                              headers=h)
        assert r.status_code == 201
    r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos", files=upload(JPEG + b"\x09"), headers=h)
    assert r.status_code == 409 and r.json()["code"] == "too_many_photos"
    # the third one again (its answer was lost): the stored photo, not a refusal
    r = await client.post(f"/api/v1/cadres/checkins/{my_checkin}/photos", files=upload(JPEG + bytes([2])), headers=h)
    assert r.status_code == 200 and r.headers["Idempotent-Replayed"] == "true"


async def test_only_the_author_adds_photos(client: httpx.AsyncClient, auth, my_checkin: int,
                                           fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/cadres/checkins/{my_checkin}/photos"
    r = await client.post(url, files=upload(JPEG), headers=await auth("cadre_t1"))
    assert r.status_code == 403
    r = await client.post(url, files=upload(JPEG), headers=await auth("township01"))
    assert r.status_code == 403
    r = await client.post(url, files=upload(JPEG), headers=await auth("township02"))
    assert r.status_code == 404
    r = await client.post("/api/v1/cadres/checkins/2147483647/photos", files=upload(JPEG),
                          headers=await auth("cadre01"))
    assert r.status_code == 404 and r.json()["code"] == "checkin_not_found"
    r = await client.post(url, data={"x": "1"}, headers=await auth("cadre01"))
    assert r.status_code == 422


async def test_an_upload_sent_twice_stores_one_photo(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    """A phone whose upload went through but whose answer was lost sends the same bytes again: one
    photo is stored and the retry gets it back; other bytes, or another entry, are a photo of their own."""
    h = await auth("cadre01")
    r = await client.post("/api/v1/cadres/logs", json=log_body(), headers={**h, "Idempotency-Key": new_key()})
    assert r.status_code == 201, r.text
    log_id = r.json()["id"]
    url = f"/api/v1/cadres/logs/{log_id}/photos"
    n = await table_count(db, Photo)
    first = await client.post(url, files=upload(JPEG, "a.jpg"), headers=h)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = await client.post(url, files=upload(JPEG, "retry.jpg"), headers=h)  # new multipart boundary, same bytes
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert await table_count(db, Photo) == n + 1
    other = await client.post(url, files=upload(PNG, "b.png", "image/png"), headers=h)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert await table_count(db, Photo) == n + 2
    log = (await client.get("/api/v1/cadres/logs", params={"mine": "true"}, headers=h)).json()
    [mine] = [g for g in log["items"] if g["id"] == log_id]
    assert sorted(p["id"] for p in mine["photos"]) == sorted([first.json()["id"], other.json()["id"]])


def test_the_phone_knows_the_photo_limits_the_server_applies() -> None:
    """The phone shows how many photos an entry takes before the cadre hits the limit; it must be this one."""
    import re
    from pathlib import Path

    from cunzhi.cadres.fieldwork import MAX_PHOTOS

    source = (Path(__file__).parents[3] / "frontend/src/domains/cadres/photos.ts").read_text(encoding="utf-8")
    m = re.search(r"MAX_PHOTOS: Record<PhotoKind, number> = \{ checkins: (\d+), logs: (\d+) \}", source)
    assert m is not None
    assert {"checkin": int(m[1]), "log": int(m[2])} == MAX_PHOTOS

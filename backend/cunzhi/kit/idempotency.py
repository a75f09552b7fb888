"""Idempotency-Key for POST: a phone that retries gets the first answer, not a second write.

The same key with the same request replays the stored response; the same key with another
request is 422; a retry while the first is still running is 409 with Retry-After. Keys are
per caller and kept for `RETENTION`.
"""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cunzhi.db import Base
from cunzhi.kit.errors import problem
from cunzhi.kit.security import decode_access_token

RETENTION = timedelta(days=2)
STALE_PENDING = timedelta(minutes=2)
HEADER = b"idempotency-key"
_REPLAYED_HEADERS = {"content-type", "etag", "location"}


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8))  # pending | done
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


def _caller(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            try:
                return str(decode_access_token(token)["sub"])
            except Exception:
                return None
    return None


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, engine_getter: Any) -> None:
        self.app = app
        self.engine_getter = engine_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        raw_key = next((v for k, v in scope["headers"] if k == HEADER), None)
        if raw_key is None:
            return await self.app(scope, receive, send)
        key = raw_key.decode("latin-1").strip()
        if not (1 <= len(key) <= 128) or not key.isprintable():
            return await problem(422, "invalid_idempotency_key", "Idempotency-Key must be 1 to 128 printable characters")(
                scope, receive, send)
        caller = _caller(scope)
        if caller is None:  # unauthenticated: the route answers 401 itself
            return await self.app(scope, receive, send)

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        digest = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        engine: AsyncEngine = self.engine_getter()
        async with engine.begin() as conn:
            inserted = (await conn.execute(text(
                "INSERT INTO idempotency_keys (caller, key, request_hash, state) VALUES (:c, :k, :h, 'pending') "
                "ON CONFLICT DO NOTHING RETURNING key"), {"c": caller, "k": key, "h": digest})).first()
            if inserted is None:
                row = (await conn.execute(text(
                    "SELECT request_hash, state, status_code, headers, body, created_at, now() AS now "
                    "FROM idempotency_keys WHERE caller = :c AND key = :k FOR UPDATE"), {"c": caller, "k": key})).one()
                if row.request_hash != digest:
                    return await problem(422, "idempotency_key_reused",
                                         "This Idempotency-Key was used with a different request")(scope, receive, send)
                if row.state == "done":
                    headers = dict(row.headers or {})
                    headers["idempotent-replayed"] = "true"
                    return await _replay(send, row.status_code, headers, row.body or b"")
                if row.now - row.created_at < STALE_PENDING:
                    return await problem(409, "idempotency_in_progress", "The first request with this key is still running",
                                         headers={"Retry-After": "1"})(scope, receive, send)
                await conn.execute(text("UPDATE idempotency_keys SET created_at = now() WHERE caller = :c AND key = :k"),
                                   {"c": caller, "k": key})

        status = 500
        resp_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", []):
                    name = k.decode("latin-1").lower()
                    if name in _REPLAYED_HEADERS:
                        resp_headers[name] = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            async with engine.begin() as conn:
                # A server error wrote nothing (its transaction rolled back): let the client retry.
                if status >= 500:
                    await conn.execute(text("DELETE FROM idempotency_keys WHERE caller = :c AND key = :k"),
                                       {"c": caller, "k": key})
                else:
                    await conn.execute(text(
                        "UPDATE idempotency_keys SET state = 'done', status_code = :s, headers = CAST(:h AS jsonb), "
                        "body = :b WHERE caller = :c AND key = :k"),
                        {"s": status, "h": json.dumps(resp_headers), "b": b"".join(chunks), "c": caller, "k": key})


async def _replay(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def purge_expired(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < func.now() - RETENTION))
        return result.rowcount or 0

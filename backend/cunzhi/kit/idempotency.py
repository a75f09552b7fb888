"""Idempotency-Key for POST: a phone that retries gets the first answer, not a second write.

The same key with the same request replays the stored response; the same key with another
request is 422; a retry while the first is still running is 409 with Retry-After. Keys are
per caller and kept for `RETENTION`.

The answer is settled in the same transaction as the effect. For such a POST this layer opens
the request's transaction itself and hands its session to `session_scope` (through the ASGI
scope): it takes a transaction-scoped advisory lock on (caller, key), looks for a stored answer,
runs the handler, stores the answer it produced, commits, and only then sends it. So after any
crash a retry either finds the committed answer (and replays it) or finds nothing, because
nothing of the first attempt committed, and runs once, at once: the dead attempt's lock went
with its connection. A 5xx commits nothing, so the client may retry.
"""

import hashlib
import json
import logging
import os
import signal
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cunzhi.db import REQUEST_SESSION, Base
from cunzhi.kit import uow
from cunzhi.kit.errors import problem
from cunzhi.kit.security import decode_access_token

RETENTION = timedelta(days=2)
HEADER = b"idempotency-key"
_REPLAYED_HEADERS = {"content-type", "etag", "location"}
_log = logging.getLogger(__name__)

# Test-only fault injection for the crash tests (tests/api/platform/test_idempotency_crash.py):
# "before_commit" or "after_commit" makes the process SIGKILL itself at that point of an
# idempotent POST. Never set in production.
_CRASH_AT = os.environ.get("CUNZHI_TEST_CRASH_AT", "")


def _crash_point(where: str) -> None:
    if where == _CRASH_AT:
        os.kill(os.getpid(), signal.SIGKILL)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8))  # done (stored with its effect; never seen half-way)
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


def _lock_id(caller: str, key: str) -> int:
    """A signed 64-bit advisory lock id for (caller, key)."""
    return int.from_bytes(hashlib.sha256(f"{caller}\0{key}".encode()).digest()[:8], "big", signed=True)


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
        async with AsyncSession(bind=engine, expire_on_commit=False, autoflush=False) as session:
            await session.begin()
            params = {"c": caller, "k": key}
            # Held to commit; a dead attempt's lock goes with its connection, so a retry never waits for it.
            locked = (await session.execute(text("SELECT pg_try_advisory_xact_lock(:id)"),
                                            {"id": _lock_id(caller, key)})).scalar()
            if not locked:
                await session.rollback()
                return await problem(409, "idempotency_in_progress", "The first request with this key is still running",
                                     headers={"Retry-After": "1"})(scope, receive, send)
            row = (await session.execute(text(
                "SELECT request_hash, status_code, headers, body FROM idempotency_keys "
                "WHERE caller = :c AND key = :k"), params)).first()
            if row is not None:
                await session.rollback()
                if row.request_hash != digest:
                    return await problem(422, "idempotency_key_reused",
                                         "This Idempotency-Key was used with a different request")(scope, receive, send)
                headers = dict(row.headers or {})
                headers["idempotent-replayed"] = "true"
                return await _replay(send, row.status_code, headers, row.body or b"")

            status = 500
            resp_headers: dict[str, str] = {}
            held: list[Message] = []

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
                held.append(message)  # sent only once the answer is committed

            scope[REQUEST_SESSION] = session
            try:
                await self.app(scope, replay_receive, capture)
            except BaseException:
                await session.rollback()
                raise
            finally:
                scope.pop(REQUEST_SESSION, None)
            if status >= 500:  # a server error keeps nothing: the client may retry
                await session.rollback()
                return await _send_all(send, held)
            answer = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
            await session.execute(text(
                "INSERT INTO idempotency_keys (caller, key, request_hash, state, status_code, headers, body) "
                "VALUES (:c, :k, :h, 'done', :s, CAST(:hd AS jsonb), :b)"),
                {**params, "h": digest, "s": status, "hd": json.dumps(resp_headers), "b": answer})
            _crash_point("before_commit")
            try:
                await uow.finish(session, None)  # commits, then runs the after-commit hooks
            except Exception:
                # Whether it committed is unknown (the connection may have dropped mid-commit): the
                # client retries with the same key and gets the stored answer or a first run.
                _log.exception("commit of an idempotent POST failed")
                return await problem(503, "commit_failed", "The change could not be saved; retry with the same key",
                                     headers={"Retry-After": "1"})(scope, receive, send)
            _crash_point("after_commit")
        await _send_all(send, held)


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)


async def _replay(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def purge_expired(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < func.now() - RETENTION))
        return result.rowcount or 0

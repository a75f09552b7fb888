"""Annotated dependencies every router uses: the request's session and the caller."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from cunzhi.config import get_settings
from cunzhi.db import auth_session_scope, get_read_pool, read_session_scope, session_scope
from cunzhi.kit import client_scopes, rate_limit
from cunzhi.kit.codes import Role
from cunzhi.kit.errors import Forbidden, InvalidToken, NotAuthenticated
from cunzhi.kit.prepared import Reader
from cunzhi.kit.principal import Principal
from cunzhi.kit.security import decode_access_token

# scope="function": the transaction commits before the response is sent, so a failed
# commit is reported to the client instead of a success that did not happen.
SessionDep = Annotated[AsyncSession, Depends(session_scope, scope="function")]
# For handlers that only read: no transaction around the statements, and a replica when configured.
ReadSessionDep = Annotated[AsyncSession, Depends(read_session_scope)]


class PrincipalCache:
    """Callers found from tokens, by subject, for a few seconds: most requests need no lookup.

    Any flush that changes an account or API client forgets it here (and again after the commit, so
    a lookup racing the write cannot keep the old state); other processes see the change when their
    entry expires, CUNZHI_PRINCIPAL_CACHE_SECONDS at most."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}
        # Bumped by every forget: a lookup that started before one does not store what it read.
        self.generation = 0
        # Lookups under way, by subject: requests that miss meanwhile wait for the same answer.
        self._pending: dict[str, asyncio.Future[Principal]] = {}

    def get(self, subject: str) -> Principal | None:
        entry = self._entries.get(subject)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(subject, None)
            return None
        return entry[1]

    def put(self, subject: str, principal: Principal, generation: int) -> None:
        ttl = get_settings().principal_cache_seconds
        if ttl <= 0 or generation != self.generation:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[subject] = (time.monotonic() + ttl, principal)

    def forget(self, subject: str) -> None:
        self.generation += 1
        self._entries.pop(subject, None)
        self._pending.pop(subject, None)  # a request from now on reads the account afresh

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._pending.clear()

    async def look_up(self, subject: str, lookup: Callable[[], Coroutine[Any, Any, Principal]]) -> Principal:
        """`lookup()`'s answer, remembered; one lookup per subject at a time. When an entry expires
        under load, every request in flight for that caller misses together: they share one query
        instead of each asking the database (and the auth pool) the same question."""
        pending = self._pending.get(subject)
        if pending is None:
            pending = asyncio.ensure_future(self._remember(subject, lookup))
            self._pending[subject] = pending
            pending.add_done_callback(lambda done: self._done(subject, done))
        # Shielded: a waiter that goes away (client gone) does not cancel the others' answer.
        return await asyncio.shield(pending)

    async def _remember(self, subject: str, lookup: Callable[[], Coroutine[Any, Any, Principal]]) -> Principal:
        generation = self.generation
        principal = await lookup()
        self.put(subject, principal, generation)
        return principal

    def _done(self, subject: str, done: asyncio.Future[Principal]) -> None:
        if self._pending.get(subject) is done:
            del self._pending[subject]
        if not done.cancelled():
            done.exception()  # seen: an InvalidToken nobody waited for any more is not "never retrieved"


principals = PrincipalCache()


def _changed_subjects(session: Session) -> set[str]:
    from cunzhi.auth.models import ApiClient, User

    found = set()
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User):
            found.add(f"user:{obj.id}")
        elif isinstance(obj, ApiClient):
            found.add(f"client:{obj.id}")
    return found


@event.listens_for(Session, "after_flush")
def _forget_changed(session: Session, _flush_context: Any) -> None:
    subjects = _changed_subjects(session)
    for subject in subjects:
        principals.forget(subject)
    if subjects:
        session.info.setdefault("principals_changed", set()).update(subjects)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    for subject in session.info.pop("principals_changed", ()):
        principals.forget(subject)


TOKEN_URL = "/api/v1/auth/token"


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, read as OAuth2PasswordBearer reads it
    (the scheme in any case, the token stripped); None without one."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


# Where a request keeps its caller once found: a route taking it twice (the caller and a reader)
# looks it up, counts it against the rate limit and checks its scope once.
PRINCIPAL_KEY = "cunzhi.principal"


async def current_principal(request: Request) -> Principal:
    """The caller, from the request's bearer token: 401 without a valid one, 403 for a client out of scope."""
    found = request.scope.get(PRINCIPAL_KEY)
    if found is not None:
        return found
    principal = await _resolve_principal(request)
    request.scope[PRINCIPAL_KEY] = principal
    request.state.principal = principal
    return principal


async def _resolve_principal(request: Request) -> Principal:
    token = bearer_token(request)
    if not token:
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = decode_access_token(token)
    except (JWTError, KeyError, ValueError):
        raise InvalidToken(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    subject = str(claims["sub"])
    principal = principals.get(subject)
    if principal is not None and principal.kind == "client" and claims.get("sv") != principal.secret_version:
        principal = None  # a token of a newer secret than the one cached here: read the client again
    if principal is None:
        async def lookup() -> Principal:
            async with _auth_session(request) as session:
                return await _look_up(session, subject)

        principal = await principals.look_up(subject, lookup)
        if principal.kind == "client" and claims.get("sv") != principal.secret_version:
            principal = await lookup()  # the shared lookup may have begun before a rotation: ask alone
    if principal.kind == "client":
        # A token from before the secret was rotated or revoked is over.
        if claims.get("sv") != principal.secret_version:
            raise InvalidToken("The client's secret has changed since this token was issued",
                               headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        # Counted first: refused calls (out of scope) count against the limit too.
        async with _auth_session(request) as session:
            await rate_limit.hit(session, principal)
        client_scopes.check(principal, request.scope.get("route"))
    return principal


@asynccontextmanager
async def _auth_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The session for looking the caller up, opened only when the cache has no answer (most requests
    need none), and closed before the handler runs: it must not hold a connection while the handler
    waits for its own (a full pool would wait on itself). An override of auth_session_scope (a test's
    session) is used as FastAPI would use it for a dependency."""
    factory = request.app.dependency_overrides.get(auth_session_scope, auth_session_scope)
    async with asynccontextmanager(factory)() as session:
        yield session


async def _look_up(session: AsyncSession, subject: str) -> Principal:
    from cunzhi.auth.models import ApiClient, User
    from cunzhi.divisions.models import Division

    kind, _, raw_id = subject.partition(":")
    if not raw_id.isdigit() or kind not in ("user", "client"):
        raise InvalidToken()
    if kind == "user":
        row = (await session.execute(
            select(User, Division.level).outerjoin(Division, Division.code == User.division_code)
            .where(User.id == int(raw_id))
        )).first()
        if row is None or not row[0].is_active:
            raise InvalidToken()
        user, level = row
        principal = Principal(
            kind="user", id=user.id, name=user.username, role=Role(user.role), division_code=user.division_code,
            division_level=level, village_id=user.village_id, partner_unit_id=user.partner_unit_id,
        )
    else:
        crow = (await session.execute(
            select(ApiClient, Division.level).join(Division, Division.code == ApiClient.division_code)
            .where(ApiClient.id == int(raw_id))
        )).first()
        if crow is None or not crow[0].is_active or crow[0].secret_revoked_at is not None:
            raise InvalidToken()
        client, level = crow
        principal = Principal(kind="client", id=client.id, name=client.client_id, role=Role.api_client,
                              division_code=client.division_code, division_level=level,
                              scopes=frozenset(client.scopes or ()), secret_version=client.secret_version,
                              rate_limit_per_minute=client.rate_limit_per_minute)
    return principal


async def look_up_principal(session: AsyncSession, subject: str) -> Principal:
    """The caller behind `subject` ("user:7"), as a request would see it: for a job acting for a person."""
    return await _look_up(session, subject)


class _BearerScheme(OAuth2PasswordBearer):
    """The contract's security scheme (OAuth2PasswordBearer, password flow at TOKEN_URL), as a
    dependency that resolves the caller itself.

    FastAPI lists an operation's `security` from the SecurityBase dependencies it finds, and puts
    their schemes in the components, so a route depending on one of these keeps its requirement in
    the contract. But where OAuth2PasswordBearer would be a sub-dependency handing the token on to
    the caller's dependency (two dependencies to solve per request), a subclass's own `__call__`
    reads the Authorization header directly (bearer_token) and returns the caller: one."""

    def __init__(self) -> None:
        super().__init__(tokenUrl=TOKEN_URL, scheme_name="OAuth2PasswordBearer", auto_error=False)


class _Caller(_BearerScheme):
    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        return await current_principal(request)


PrincipalDep = Annotated[Principal, Depends(_Caller())]


@dataclass(slots=True)
class Read:
    """What the hottest reads need, from one dependency: the caller, and a Reader (kit.prepared) to
    run their statements inside `async with read.reader:` (a connection is taken for the block only)."""

    principal: Principal
    reader: Reader


async def read_access(request: Request) -> Read:
    """The caller, exactly as `current_principal` finds it, and a Reader on the read path's own pool
    (kit.prepared.ReadPool). Where requests get their own session (an override of
    read_session_scope, as in tests), the Reader opens that session for its block instead."""
    principal = await current_principal(request)
    override = request.app.dependency_overrides.get(read_session_scope)
    if override is None:
        return Read(principal, Reader(pool=get_read_pool()))
    return Read(principal, Reader(sessions=asynccontextmanager(override)))


class _ReadAccess(_BearerScheme):
    async def __call__(self, request: Request) -> Read:  # type: ignore[override]
        return await read_access(request)


ReadDep = Annotated[Read, Depends(_ReadAccess())]

# For the two hottest reads (a county's villages, one village), which call `read_access(request)`
# themselves: no dependency for FastAPI to solve at all (each costs about as much as the statement
# it guards), and the same security requirement in the contract as a ReadDep would give.
READ_ACCESS_SECURITY: dict[str, Any] = {"security": [{"OAuth2PasswordBearer": []}]}


class _RoleGate(_BearerScheme):
    def __init__(self, allowed: frozenset[Role]) -> None:
        super().__init__()
        self.allowed = allowed

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        principal = await current_principal(request)
        if principal.role not in self.allowed:
            raise Forbidden(f"Role {principal.role.value} may not do this")
        return principal


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets only these roles through (403 for the others): one dependency to solve,
    the caller found inside it rather than in a dependency of its own."""
    return _RoleGate(frozenset(roles))


class _OpenReader(_BearerScheme):
    async def __call__(self, request: Request) -> AsyncIterator[Reader]:  # type: ignore[override]
        async with (await read_access(request)).reader as reader:
            yield reader


# A Reader already entered for the whole request, for routes that run several statements (dashboards);
# the hottest reads take ReadDep and enter it around their statements only.
ReaderDep = Annotated[Reader, Depends(_OpenReader())]

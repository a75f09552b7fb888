"""Annotated dependencies every router uses: the request's session and the caller."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.db import session_scope
from cunzhi.kit.codes import Role
from cunzhi.kit.errors import Forbidden, InvalidToken, NotAuthenticated
from cunzhi.kit.principal import Principal
from cunzhi.kit.security import decode_access_token

# scope="function": the transaction commits before the response is sent, so a failed
# commit is reported to the client instead of a success that did not happen.
SessionDep = Annotated[AsyncSession, Depends(session_scope, scope="function")]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_principal(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    from cunzhi.auth.models import ApiClient, User
    from cunzhi.divisions.models import Division

    if not token:
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = decode_access_token(token)
    except (JWTError, KeyError, ValueError):
        raise InvalidToken(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    kind, _, raw_id = str(claims["sub"]).partition(":")
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
        if crow is None or not crow[0].is_active:
            raise InvalidToken()
        client, level = crow
        principal = Principal(kind="client", id=client.id, name=client.client_id, role=Role.api_client,
                              division_code=client.division_code, division_level=level)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = frozenset(roles)

    async def dep(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"Role {principal.role.value} may not do this")
        return principal

    return dep

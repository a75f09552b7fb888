from typing import Annotated

from fastapi import Form, Request, Response

from cunzhi.auth import service
from cunzhi.auth.schemas import Me, RefreshIn, TokenPair
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.errors import Unprocessable
from cunzhi.kit.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/auth", tags=["auth"])


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/token", response_model=TokenPair, name="token",
             summary="Log in: password grant for people, client_credentials for township systems")
async def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[str, Form(pattern="^(password|client_credentials)$")] = "password",
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    scope: Annotated[str, Form(max_length=256)] = "",
) -> TokenPair:
    """Logs in and answers an access token and a refresh token: the password grant for people (username and
    password), the client_credentials grant for township systems (client id and secret, scopes limited to the
    client's). Wrong credentials are 401 invalid_credentials; repeated failures for an account or an address are
    429 too_many_attempts with Retry-After."""
    if grant_type == "password":
        if not username or not password:
            raise Unprocessable("username and password are required", errors=[
                {"loc": ["body", f], "msg": "Field required", "type": "missing"}
                for f, v in (("username", username), ("password", password)) if not v])
        return await service.login(session, username=username, password=password, address=_address(request))
    if not client_id or not client_secret:
        raise Unprocessable("client_id and client_secret are required", errors=[
            {"loc": ["body", f], "msg": "Field required", "type": "missing"}
            for f, v in (("client_id", client_id), ("client_secret", client_secret)) if not v])
    return await service.client_login(session, client_id=client_id, client_secret=client_secret,
                                      address=_address(request))


@router.post("/refresh", response_model=TokenPair, name="refresh", summary="Rotate a refresh token")
async def refresh(body: RefreshIn, session: SessionDep) -> TokenPair:
    """Exchanges a refresh token for a new access and refresh token pair; the old refresh token stops working.
    Anyone holding a valid refresh token; a reused, revoked or expired one is 401 and revokes its whole family."""
    return await service.refresh(session, refresh_token=body.refresh_token)


@router.post("/logout", status_code=204, name="logout", summary="Revoke a refresh token and its family")
async def logout(body: RefreshIn, session: SessionDep) -> Response:
    """Revokes the refresh token given and every token rotated from it, so that session ends; the access token
    lapses on its own. Anyone holding the token; logging out twice is not an error."""
    await service.logout(session, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=Me, name="me", summary="Who am I, with role and scope")
async def me(principal: PrincipalDep, session: SessionDep) -> Me:
    """The signed-in person or township system: user name, display name, role, scope (county, township or village)
    and, for API clients, their scopes. Any valid access token; without one it is 401."""
    return await service.me(session, principal)

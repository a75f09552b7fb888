from typing import Annotated

from fastapi import Depends, Header, Path, Query, Response
from pydantic import AwareDatetime, Field

from cunzhi.auth.schemas import TokenPair
from cunzhi.kit import client_scopes, rate_limit
from cunzhi.kit.codes import Role
from cunzhi.kit.deps import PrincipalDep, ReadSessionDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.permissions import gate
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter
from cunzhi.users import audit_log, people, service
from cunzhi.users.permissions import USERS, UserAction
from cunzhi.users.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    ApiClientOut,
    ApiClientPatch,
    AuditPage,
    PasswordChange,
    PeopleNames,
    ScopeList,
    UserCreate,
    UserList,
    UserOut,
    UserPatch,
)
from cunzhi.users.service import ClientView, UserView

IfMatch = Annotated[str | None, Header(description="ETag from GET")]
# A gate in front of the services, which check the same table (jobs and the CLI pass it there).
Admin = Annotated[Principal, Depends(gate(USERS, UserAction.manage_accounts, UserAction.manage_clients))]
router = DomainRouter(prefix="/api/v1/users", tags=["users"])
clients_router = DomainRouter(prefix="/api/v1/api-clients", tags=["api-clients"])
people_router = DomainRouter(prefix="/api/v1/people", tags=["people"])
audit_router = DomainRouter(prefix="/api/v1/audit-events", tags=["audit"])

Usernames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Query(alias="username", min_length=1, max_length=100, description="A user name as records show it; repeat for more"),
]




def _user_out(v: UserView) -> UserOut:
    u = v.user
    return UserOut(id=u.id, username=u.username, display_name=u.display_name, phone=u.phone, role=Role(u.role),
                   scope_kind=v.scope_kind, scope_code=v.scope_code, is_active=u.is_active, created_at=u.created_at,
                   version=u.version)


def _client_out(v: ClientView) -> ApiClientOut:
    c = v.client
    return ApiClientOut(id=c.id, client_id=c.client_id, name=c.name, division_code=c.division_code,
                        is_active=c.is_active, created_at=c.created_at, scopes=list(c.scopes or []),
                        last_used_at=v.last_used_at, secret_rotated_at=c.secret_rotated_at,
                        secret_revoked_at=c.secret_revoked_at, rate_limit_per_minute=c.rate_limit_per_minute,
                        effective_rate_limit_per_minute=rate_limit.client_limit(c.rate_limit_per_minute),
                        version=c.version, allowed_actions=v.allowed_actions)


def _with_secret(created: tuple[ClientView, str]) -> ApiClientCreated:
    view, secret = created
    return ApiClientCreated(**_client_out(view).model_dump(), client_secret=secret)

@people_router.get("/names", response_model=PeopleNames, name="names",
                   summary="Display names for user names shown in records",
                   description="Records name the person who acted by user name (`opened_by`, `scored_by`, "
                               "`booked_by`, `actor_name` ...). This answers the display names of those the caller "
                               "works with: the county's staff, and the accounts of the caller's own township, "
                               "village or partner unit (a county account: the whole county). Others are left out.")
async def people_names(usernames: Usernames, principal: PrincipalDep, session: ReadSessionDep) -> PeopleNames:
    return await people.names(session, principal, usernames)


@router.get("", response_model=UserList, name="list", summary="Accounts of the county, searchable by name")
async def list_users(admin: Admin, session: SessionDep, role: Role | None = None,
                     q: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                     limit: Limit = 50, offset: Offset = 0) -> UserList:
    """Accounts of the county with their roles and scopes, searchable by user name or display name (% and _ match
    themselves). County admin only; others get 403."""
    items, total = await service.list_users(session, admin, role=role, q=q, limit=limit, offset=offset)
    return UserList(items=[_user_out(v) for v in items], total=total, limit=limit, offset=offset)


@router.post("", response_model=UserOut, status_code=201, name="create", summary="Create an account with a role and a scope")
async def create_user(body: UserCreate, admin: Admin, session: SessionDep, response: Response) -> UserOut:
    """Creates an account with a role and a scope (county, township or village) that must fit the role. County admin
    only; a taken user name is 409 username_taken, a scope outside the county 422."""
    out = _user_out(await service.create_user(session, admin, body))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/me/password", response_model=TokenPair, name="change_password",
             summary="Change your own password: every session ends, this one gets a fresh token pair")
async def change_password(body: PasswordChange, principal: PrincipalDep, session: SessionDep) -> TokenPair:
    """Changes the caller's own password after checking the current one: every refresh token of the account is
    revoked and this answer carries a fresh token pair. Any signed-in person; a wrong current password is 422
    wrong_password."""
    return await service.change_own_password(session, principal, body)


@router.get("/{user_id}", response_model=UserOut, name="get", summary="An account, with its ETag")
async def get_user(user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], admin: Admin, session: SessionDep,
                   response: Response) -> UserOut:
    """One account of the county with its role, scope and state, and its ETag for a later PATCH. County admin only (403 for
    others); an account outside the county is 404."""
    out = _user_out(await service.get_user(session, admin, user_id))
    response.headers["ETag"] = etag(out.version)
    return out


@router.patch("/{user_id}", response_model=UserOut, name="update",
              summary="Change an account (If-Match required); a new password ends all its sessions")
async def update_user(user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: UserPatch, admin: Admin,
                      session: SessionDep, response: Response, if_match: IfMatch = None) -> UserOut:
    out = _user_out(await service.update_user(session, admin, user_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


ClientId = Annotated[str, Path(max_length=64)]


@clients_router.get("", response_model=list[ApiClientOut], name="list", summary="Township systems' API clients of the county")
async def list_api_clients(admin: Admin, session: SessionDep) -> list[ApiClientOut]:
    """The county's API clients (township systems) with their scopes, state and last use. County admin only; others
    get 403."""
    return [_client_out(v) for v in await service.list_api_clients(session, admin)]


@clients_router.get("/scopes", response_model=ScopeList, name="scopes",
                    summary="Every scope an API client may be given (from the route table)")
async def list_scopes(admin: Admin) -> ScopeList:
    """Every scope an API client may be given, each with the operations it opens, taken from the route table. County
    admin only."""
    return ScopeList(items=client_scopes.known_scopes())


@clients_router.post("", response_model=ApiClientCreated, status_code=201, name="create",
                     summary="Register a township system; its secret is in this answer only")
async def create_api_client(body: ApiClientCreate, admin: Admin, session: SessionDep,
                            response: Response) -> ApiClientCreated:
    """Registers a township system as an API client of a township with the scopes it may use; its secret is in this
    answer only. County admin only; a taken client id is 409 and an unknown scope 422."""
    out = _with_secret(await service.create_api_client(session, admin, body))
    response.headers["ETag"] = etag(out.version)
    return out


@clients_router.get("/{client_id}", response_model=ApiClientOut, name="get", summary="An API client with its scopes and last use")
async def get_api_client(client_id: ClientId, admin: Admin, session: SessionDep, response: Response) -> ApiClientOut:
    """One API client with its township, scopes, state and last use (never its secret). County admin only; a client
    of another county is 404."""
    out = _client_out(await service.get_api_client(session, admin, client_id))
    response.headers["ETag"] = etag(out.version)
    return out


@clients_router.patch("/{client_id}", response_model=ApiClientOut, name="update",
                      summary="Rename a client or change its scopes (If-Match required)")
async def update_api_client(client_id: ClientId, body: ApiClientPatch, admin: Admin, session: SessionDep,
                            response: Response, if_match: IfMatch = None) -> ApiClientOut:
    out = _client_out(await service.update_api_client(session, admin, client_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@clients_router.post("/{client_id}/rotate-secret", response_model=ApiClientCreated, name="rotate_secret",
                     summary="A new secret, shown once: the old one and its tokens stop working")
async def rotate_secret(client_id: ClientId, admin: Admin, session: SessionDep) -> ApiClientCreated:
    """Gives the API client a new secret, shown once in this answer; the old secret and every token issued with it
    stop working at once. County admin only; a deactivated client is 409."""
    return _with_secret(await service.rotate_api_client_secret(session, admin, client_id))


@clients_router.post("/{client_id}/revoke-secret", response_model=ApiClientOut, name="revoke_secret",
                     summary="Revoke the secret and its tokens at once; rotating makes a new one")
async def revoke_secret(client_id: ClientId, admin: Admin, session: SessionDep) -> ApiClientOut:
    """Revokes the API client's secret and its tokens at once without issuing a new one (rotate to make one). County
    admin only; a secret already revoked is 409."""
    return _client_out(await service.revoke_api_client_secret(session, admin, client_id))


@clients_router.post("/{client_id}/deactivate", response_model=ApiClientOut, name="deactivate",
                     summary="Deactivate an API client: its tokens stop working")
async def deactivate_api_client(client_id: ClientId, admin: Admin, session: SessionDep) -> ApiClientOut:
    """Deactivates an API client: its secret and tokens stop working and it gets no webhooks. County admin only;
    this cannot be undone through the API."""
    return _client_out(await service.set_api_client_active(session, admin, client_id, False))


@audit_router.get("", response_model=AuditPage, name="list",
                  summary="The county's audit log, newest first: filter by actor, entity and time; by cursor")
async def list_audit_events(
    principal: PrincipalDep, session: ReadSessionDep,
    actor: Annotated[str | None, Query(min_length=1, max_length=64,
                                       description="user:<id>, client:<id>, or part of the actor's name")] = None,
    entity: Annotated[str | None, Query(pattern=r"^[a-z_.]{1,64}$", description="e.g. village, claim")] = None,
    entity_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    action: Annotated[str | None, Query(pattern=r"^[a-z_.]{1,64}$", description="an action or its prefix")] = None,
    since: Annotated[AwareDatetime | None, Query(description="from this instant (inclusive)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="before this instant")] = None,
    cursor: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="next_cursor of the previous page")] = None,
    limit: Limit = 50,
) -> AuditPage:
    """The county's audit log, newest first and paged by cursor: who did what to which record and when, filtered by
    actor, entity and time. For the county admin and the discipline inspector; others get 403."""
    return await audit_log.list_events(session, principal, actor=actor, entity=entity, entity_id=entity_id,
                                       action=action, since=since, until=until, cursor=cursor, limit=limit)

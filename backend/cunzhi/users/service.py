"""Accounts of people and township systems, managed by the county organisation department."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from cunzhi.auth import service as auth_service
from cunzhi.auth.models import ApiClient, User
from cunzhi.auth.schemas import TokenPair
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, client_scopes, clock
from cunzhi.kit.codes import DIVISION_ROLES, VILLAGE_ROLES, DivisionLevel, Role
from cunzhi.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import may, require
from cunzhi.kit.principal import Principal
from cunzhi.kit.rate_limit import ClientRateWindow
from cunzhi.kit.security import hash_password, verify_password
from cunzhi.partners.models import PartnerUnit
from cunzhi.users.permissions import USERS, UserAction
from cunzhi.users.schemas import ApiClientCreate, ApiClientPatch, PasswordChange, UserCreate, UserPatch
from cunzhi.villages.models import Village

# Division roles at township level only: these work for one township.
TOWNSHIP_ONLY = frozenset({Role.township_official, Role.township_agency, Role.api_client})


def _field_error(field: str, msg: str, code: str) -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", field], "msg": msg, "type": "value_error"}])


async def _division_in_county(session: AsyncSession, admin: Principal, code: str, role: Role) -> Division:
    division = (await session.execute(select(Division).where(Division.code == code))).scalar_one_or_none()
    if division is None or (division.code != admin.division_code and division.parent_code != admin.division_code):
        raise _field_error("division_code", "not a division of your county", "unknown_division")
    if role in TOWNSHIP_ONLY and division.level != DivisionLevel.township.value:
        raise _field_error("division_code", f"{role.value} works for one township", "scope_mismatch")
    if role == Role.county_admin and division.level != DivisionLevel.county.value:
        raise _field_error("division_code", "county_admin is scoped to the county", "scope_mismatch")
    return division


async def _resolve_scope(session: AsyncSession, admin: Principal, data: UserCreate) -> dict[str, object]:
    given = [k for k in ("division_code", "village_code", "partner_unit_code") if getattr(data, k)]
    if len(given) != 1:
        raise Unprocessable("Give exactly one scope: division_code, village_code or partner_unit_code",
                            code="scope_mismatch")
    kind = given[0]
    if data.role in DIVISION_ROLES:
        if kind != "division_code":
            raise _field_error(kind, f"{data.role.value} is scoped to a division", "scope_mismatch")
        return {"division_code": (await _division_in_county(session, admin, data.division_code or "", data.role)).code}
    if data.role in VILLAGE_ROLES:
        if kind != "village_code":
            raise _field_error(kind, f"{data.role.value} is scoped to a village", "scope_mismatch")
        vid = (await session.execute(select(Village.id).where(
            Village.code == data.village_code, Village.county_code == admin.division_code))).scalar_one_or_none()
        if vid is None:
            raise _field_error("village_code", "not a village of your county", "unknown_village")
        return {"village_id": vid}
    if kind != "partner_unit_code":
        raise _field_error(kind, "partner_unit is scoped to a partner unit", "scope_mismatch")
    pid = (await session.execute(select(PartnerUnit.id).where(
        PartnerUnit.code == data.partner_unit_code, PartnerUnit.county_code == admin.division_code))).scalar_one_or_none()
    if pid is None:
        raise _field_error("partner_unit_code", "not a partner unit of your county", "unknown_partner_unit")
    return {"partner_unit_id": pid}


@dataclass(frozen=True)
class UserView:
    """An account and where its scope lies (a division's, village's or partner unit's code)."""

    user: User
    scope_kind: str
    scope_code: str


@dataclass(frozen=True)
class ClientView:
    client: ApiClient
    last_used_at: datetime | None  # its last token or its last request, whichever is later
    allowed_actions: list[str]


async def _view(session: AsyncSession, user: User) -> UserView:
    if user.division_code:
        kind, code = "division", user.division_code
    elif user.village_id:
        kind = "village"
        code = (await session.execute(select(Village.code).where(Village.id == user.village_id))).scalar_one()
    else:
        kind = "partner_unit"
        code = (await session.execute(select(PartnerUnit.code).where(PartnerUnit.id == user.partner_unit_id))).scalar_one()
    return UserView(user, kind, code)


def in_county(admin: Principal):  # type: ignore[no-untyped-def]
    """Users whose scope lies in the admin's county."""
    townships = select(Division.code).where(Division.parent_code == admin.division_code)
    villages = select(Village.id).where(Village.county_code == admin.division_code)
    units = select(PartnerUnit.id).where(PartnerUnit.county_code == admin.division_code)
    return (User.division_code == admin.division_code) | User.division_code.in_(townships) | \
        User.village_id.in_(villages) | User.partner_unit_id.in_(units)


async def create_user(session: AsyncSession, admin: Principal, data: UserCreate,
                      *, audit_actor: Principal | None = None) -> UserView:
    require(admin, USERS, UserAction.manage_accounts, detail=f"Role {admin.role.value} may not do this")
    scope = await _resolve_scope(session, admin, data)
    taken = (await session.execute(select(User.id).where(func.lower(User.username) == data.username.lower()))).first()
    if taken:
        raise Conflict(f"Username {data.username} is taken", code="username_taken")
    user = User(username=data.username, password_hash=hash_password(data.password), display_name=data.display_name,
                phone=data.phone, role=data.role.value, **scope)
    session.add(user)
    await session.flush()
    await session.refresh(user)
    await audit.record(session, audit_actor or admin, "user.create", "user", user.id,
                       after=audit.snapshot(user, "password_hash"))
    return await _view(session, user)


async def list_users(session: AsyncSession, admin: Principal, *, role: Role | None, q: str | None,
                     limit: int, offset: int) -> tuple[list[UserView], int]:
    require(admin, USERS, UserAction.manage_accounts, detail=f"Role {admin.role.value} may not do this")
    where = [in_county(admin)]
    if role:
        where.append(User.role == role.value)
    if q:
        # % and _ are letters here, not wildcards (as in every other search).
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(User.username.ilike(pattern, escape="\\") | User.display_name.ilike(pattern, escape="\\"))
    total = (await session.execute(select(func.count()).select_from(User).where(*where))).scalar_one()
    users = (await session.execute(select(User).where(*where).order_by(User.username).limit(limit).offset(offset))).scalars()
    return [await _view(session, u) for u in users], int(total)


async def _get(session: AsyncSession, admin: Principal, user_id: int) -> User:
    user = (await session.execute(select(User).where(User.id == user_id, in_county(admin)))).scalar_one_or_none()
    if user is None:
        raise NotFound("User not found", code="user_not_found")
    return user


async def get_user(session: AsyncSession, admin: Principal, user_id: int) -> UserView:
    require(admin, USERS, UserAction.manage_accounts, detail=f"Role {admin.role.value} may not do this")
    return await _view(session, await _get(session, admin, user_id))


async def update_user(session: AsyncSession, admin: Principal, user_id: int, data: UserPatch,
                      if_match: str | None) -> UserView:
    require(admin, USERS, UserAction.manage_accounts, detail=f"Role {admin.role.value} may not do this")
    user = await _get(session, admin, user_id)
    expected_version(if_match, user.version)
    before = audit.snapshot(user, "password_hash")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_active") is False and user.id == admin.id and admin.kind == "user":
        raise Conflict("You cannot disable your own account", code="cannot_disable_self")
    if "password" in changes:
        if changes["password"] is None:
            raise _field_error("password", "may not be null", "validation_error")
        user.password_hash = hash_password(changes.pop("password"))
        # A reset ends every session of the account: whoever held an old refresh token is out.
        await auth_service.revoke_all_sessions(session, user.id)
    for k, v in changes.items():
        if k in ("display_name", "is_active") and v is None:
            raise _field_error(k, "may not be null", "validation_error")
        setattr(user, k, v)
    await session.flush()
    await audit.record(session, admin, "user.update", "user", user.id, before=before,
                       after=audit.snapshot(user, "password_hash"))
    return await _view(session, user)


async def change_own_password(session: AsyncSession, p: Principal, data: PasswordChange) -> TokenPair:
    """Any person changes their own password. Every session of the account ends; the caller gets a
    fresh pair so the device it changed the password on stays signed in."""
    if p.kind != "user":
        raise Forbidden("Only people have passwords; a township system's secret is reissued by the county")
    user = (await session.execute(select(User).where(User.id == p.id).with_for_update())).scalar_one()
    if not verify_password(data.current_password, user.password_hash):
        raise Unprocessable("The current password is wrong", code="wrong_password",
                            errors=[{"loc": ["body", "current_password"], "msg": "wrong password",
                                     "type": "wrong_password"}])
    user.password_hash = hash_password(data.new_password)
    await session.flush()
    await auth_service.revoke_all_sessions(session, user.id)
    await audit.record(session, p, "user.change_password", "user", user.id)
    return await auth_service.issue_pair(session, user)


CLIENT_ACTIONS = ("edit", "rotate_secret", "revoke_secret", "deactivate")


def _client_actions(admin: Principal, c: ApiClient) -> list[str]:
    if not may(admin, USERS, UserAction.manage_clients):
        return []
    if not c.is_active:
        return []
    return [a for a in CLIENT_ACTIONS if not (a == "revoke_secret" and c.secret_revoked_at is not None)]


def _client_view(admin: Principal, c: ApiClient, last_request: datetime | None = None) -> ClientView:
    last = max((t for t in (c.last_used_at, last_request) if t is not None), default=None)
    return ClientView(c, last, _client_actions(admin, c))


def _checked_scopes(scopes: list[str]) -> list[str]:
    known = set(client_scopes.known_scopes())
    bad = [i for i, s in enumerate(scopes) if s not in known]
    if bad:
        raise Unprocessable("Unknown scope", code="unknown_scope", errors=[
            {"loc": ["body", "scopes", i], "msg": f"unknown scope {scopes[i]}", "type": "unknown_scope"} for i in bad])
    return sorted(set(scopes))


def _townships(admin: Principal):  # type: ignore[no-untyped-def]
    return select(Division.code).where(Division.parent_code == admin.division_code)


async def _last_requests(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = await session.execute(select(ClientRateWindow.client_id, func.max(ClientRateWindow.last_at))
                                 .where(ClientRateWindow.client_id.in_(ids)).group_by(ClientRateWindow.client_id))
    return {cid: at for cid, at in rows.all()}


async def create_api_client(session: AsyncSession, admin: Principal, data: ApiClientCreate,
                            *, secret: str | None = None) -> tuple[ClientView, str]:
    """The new client and its secret (shown in this answer only)."""
    require(admin, USERS, UserAction.manage_clients, detail=f"Role {admin.role.value} may not do this")
    await _division_in_county(session, admin, data.division_code, Role.api_client)
    scopes = _checked_scopes(data.scopes if data.scopes is not None else client_scopes.default_scopes())
    if (await session.execute(select(ApiClient.id).where(ApiClient.client_id == data.client_id))).first():
        raise Conflict(f"Client id {data.client_id} is taken", code="client_id_taken")
    secret = secret or secrets.token_urlsafe(32)
    client = ApiClient(client_id=data.client_id, secret_hash=hash_password(secret), name=data.name,
                       division_code=data.division_code, scopes=scopes,
                       rate_limit_per_minute=data.rate_limit_per_minute)
    session.add(client)
    await session.flush()
    await session.refresh(client)
    await audit.record(session, admin, "api_client.create", "api_client", client.id,
                       after=audit.snapshot(client, "secret_hash"))
    return _client_view(admin, client), secret


async def list_api_clients(session: AsyncSession, admin: Principal) -> list[ClientView]:
    require(admin, USERS, UserAction.manage_clients, detail=f"Role {admin.role.value} may not do this")
    rows = list((await session.execute(select(ApiClient).where(ApiClient.division_code.in_(_townships(admin)))
                                       .order_by(ApiClient.client_id))).scalars())
    last = await _last_requests(session, [c.id for c in rows])
    return [_client_view(admin, c, last.get(c.id)) for c in rows]


async def _get_client(session: AsyncSession, admin: Principal, client_id: str) -> ApiClient:
    require(admin, USERS, UserAction.manage_clients, detail=f"Role {admin.role.value} may not do this")
    client = (await session.execute(select(ApiClient).where(
        ApiClient.client_id == client_id, ApiClient.division_code.in_(_townships(admin))))).scalar_one_or_none()
    if client is None:
        raise NotFound("API client not found", code="api_client_not_found")
    return client


async def get_api_client(session: AsyncSession, admin: Principal, client_id: str) -> ClientView:
    client = await _get_client(session, admin, client_id)
    return _client_view(admin, client, (await _last_requests(session, [client.id])).get(client.id))


async def _changed(session: AsyncSession, admin: Principal, client: ApiClient, before: dict[str, object],
                   action: str) -> ClientView:
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed() from None
    await session.refresh(client)
    await audit.record(session, admin, action, "api_client", client.id, before=before,
                       after=audit.snapshot(client, "secret_hash"))
    return _client_view(admin, client, (await _last_requests(session, [client.id])).get(client.id))


async def update_api_client(session: AsyncSession, admin: Principal, client_id: str, data: ApiClientPatch,
                            if_match: str | None) -> ClientView:
    client = await _get_client(session, admin, client_id)
    expected_version(if_match, client.version)
    if not client.is_active:
        raise Conflict("A deactivated client cannot be changed", code="api_client_inactive")
    before = audit.snapshot(client, "secret_hash")
    changes = data.model_dump(exclude_unset=True)
    for k in ("name", "scopes"):
        if k in changes and changes[k] is None:
            raise _field_error(k, "may not be null", "validation_error")
    if "name" in changes:
        client.name = changes["name"]
    if "scopes" in changes:
        client.scopes = _checked_scopes(changes["scopes"])
    if "rate_limit_per_minute" in changes:  # null: back to the server's default
        client.rate_limit_per_minute = changes["rate_limit_per_minute"]
    return await _changed(session, admin, client, before, "api_client.update")


async def rotate_api_client_secret(session: AsyncSession, admin: Principal, client_id: str,
                                   *, secret: str | None = None) -> tuple[ClientView, str]:
    """A new secret, shown once; the old one and every token issued with it stop working."""
    client = await _get_client(session, admin, client_id)
    if not client.is_active:
        raise Conflict("A deactivated client gets no new secret", code="api_client_inactive")
    before = audit.snapshot(client, "secret_hash")
    secret = secret or secrets.token_urlsafe(32)
    client.secret_hash = hash_password(secret)
    client.secret_version += 1
    client.secret_rotated_at = clock.now()
    client.secret_revoked_at = None
    return await _changed(session, admin, client, before, "api_client.rotate_secret"), secret


async def revoke_api_client_secret(session: AsyncSession, admin: Principal, client_id: str) -> ClientView:
    """The secret and its tokens stop working at once; a rotation makes a new one."""
    client = await _get_client(session, admin, client_id)
    if client.secret_revoked_at is not None:
        raise Conflict("The secret is already revoked", code="secret_already_revoked")
    before = audit.snapshot(client, "secret_hash")
    client.secret_version += 1
    client.secret_revoked_at = clock.now()
    return await _changed(session, admin, client, before, "api_client.revoke_secret")


async def set_api_client_active(session: AsyncSession, admin: Principal, client_id: str, active: bool) -> ClientView:
    client = await _get_client(session, admin, client_id)
    before = audit.snapshot(client, "secret_hash")
    client.is_active = active
    return await _changed(session, admin, client, before, "api_client.update")

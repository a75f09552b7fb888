"""Logins, token rotation and throttling. Raises domain errors; never commits the caller's session."""

import uuid
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import ApiClient, LoginFailure, RefreshToken, User
from cunzhi.auth.schemas import Me, Scope, TokenPair
from cunzhi.config import get_settings
from cunzhi.divisions.models import Division
from cunzhi.kit import clock
from cunzhi.kit.errors import InvalidCredentials, InvalidToken, TooManyAttempts
from cunzhi.kit.principal import Principal
from cunzhi.kit.security import create_access_token, new_opaque_token, sha256_hex, verify_password
from cunzhi.partners.models import PartnerUnit
from cunzhi.villages.models import Village


def pair_delay(failures: int, *, allowed: int, base_seconds: int, cap_seconds: int) -> int:
    """Seconds an account must wait after its last failure from one address: none for the first
    `allowed` failures, then `base_seconds`, doubling with each further one, at most `cap_seconds`."""
    if failures < allowed:
        return 0
    return min(base_seconds * 2 ** min(failures - allowed, 30), cap_seconds)


async def _check_throttle(session: AsyncSession, username: str, address: str) -> None:
    """Refuse (429) a login from `address` to `username` while it is throttled.

    Failures are counted per account *and address*: guessing one account from one place slows
    down (a growing wait), but failures from elsewhere never lock the owner out of their own
    account. One address failing on many accounts is stopped for the rest of the window."""
    s = get_settings()
    now = clock.now()
    since = now - timedelta(seconds=s.login_failure_window_seconds)
    pair = (func.lower(LoginFailure.username) == username.lower()) & (LoginFailure.address == address)
    by_pair, last_pair, by_address, first_address = (await session.execute(
        select(
            func.count().filter(pair),
            func.max(LoginFailure.at).filter(pair),
            func.count().filter(LoginFailure.address == address),
            func.min(LoginFailure.at).filter(LoginFailure.address == address),
        ).where(LoginFailure.at >= since, LoginFailure.address == address)
    )).one()
    wait_until = None
    if by_address >= s.login_max_failures_per_address:
        wait_until = first_address + timedelta(seconds=s.login_failure_window_seconds)
    else:
        delay = pair_delay(by_pair, allowed=s.login_max_failures_per_account, base_seconds=s.login_delay_seconds,
                           cap_seconds=s.login_failure_window_seconds)
        if delay and last_pair + timedelta(seconds=delay) > now:
            wait_until = last_pair + timedelta(seconds=delay)
    if wait_until is not None:
        retry = int((wait_until - now).total_seconds()) + 1
        raise TooManyAttempts(headers={"Retry-After": str(max(retry, 1))})


async def _fail(session: AsyncSession, username: str, address: str) -> InvalidCredentials:
    session.add(LoginFailure(username=username[:64], address=address[:64], at=clock.now()))
    await session.flush()
    return InvalidCredentials(headers={"WWW-Authenticate": "Bearer"}, keep_writes=True)


async def _issue_refresh(session: AsyncSession, user_id: int, family: uuid.UUID) -> str:
    token = new_opaque_token()
    session.add(RefreshToken(
        user_id=user_id, family_id=family, token_hash=sha256_hex(token),
        expires_at=clock.now() + timedelta(days=get_settings().refresh_token_days),
    ))
    await session.flush()
    return token


async def issue_pair(session: AsyncSession, user: User) -> TokenPair:
    """A new access token and a refresh token of a new family for `user`."""
    access, ttl = create_access_token(f"user:{user.id}", extra={"role": user.role})
    refresh = await _issue_refresh(session, user.id, uuid.uuid4())
    return TokenPair(access_token=access, expires_in=ttl, refresh_token=refresh)


async def revoke_all_sessions(session: AsyncSession, user_id: int) -> None:
    """End every refresh token of an account (a changed or reset password)."""
    await session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=clock.now()))


async def login(session: AsyncSession, *, username: str, password: str, address: str) -> TokenPair:
    await _check_throttle(session, username, address)
    user = (await session.execute(select(User).where(func.lower(User.username) == username.lower()))).scalar_one_or_none()
    if not verify_password(password, user.password_hash if user else None) or user is None or not user.is_active:
        raise await _fail(session, username, address)
    # Only this address's failures: an attacker elsewhere keeps waiting after the owner logs in.
    await session.execute(delete(LoginFailure).where(func.lower(LoginFailure.username) == username.lower(),
                                                     LoginFailure.address == address))
    access, ttl = create_access_token(f"user:{user.id}", extra={"role": user.role})
    refresh = await _issue_refresh(session, user.id, uuid.uuid4())
    return TokenPair(access_token=access, expires_in=ttl, refresh_token=refresh)


async def client_login(session: AsyncSession, *, client_id: str, client_secret: str, address: str) -> TokenPair:
    await _check_throttle(session, client_id, address)
    client = (await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))).scalar_one_or_none()
    if not verify_password(client_secret, client.secret_hash if client else None) or client is None \
            or not client.is_active or client.secret_revoked_at is not None:
        raise await _fail(session, client_id, address)
    # A plain UPDATE: the client's row version (its ETag) counts the county's changes, not logins.
    await session.execute(update(ApiClient).where(ApiClient.id == client.id).values(last_used_at=clock.now())
                          .execution_options(synchronize_session=False))
    access, ttl = create_access_token(f"client:{client.id}", extra={
        "role": "api_client", "sv": client.secret_version, "scope": " ".join(sorted(client.scopes or ()))})
    return TokenPair(access_token=access, expires_in=ttl, refresh_token=None)


async def refresh(session: AsyncSession, *, refresh_token: str) -> TokenPair:
    token_hash = sha256_hex(refresh_token)
    now = clock.now()
    # Conditional update: of two refreshes racing with one token, exactly one rotates it.
    rotated = (await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_hash, RefreshToken.used_at.is_(None),
               RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > now)
        .values(used_at=now)
        .returning(RefreshToken.user_id, RefreshToken.family_id)
    )).first()
    if rotated is None:
        rt = (await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash))).scalar_one_or_none()
        if rt is None:
            raise InvalidToken("Unknown refresh token")
        if rt.used_at is not None:
            # A rotated token came back: someone holds a copy. End the whole family.
            await session.execute(update(RefreshToken).where(RefreshToken.family_id == rt.family_id,
                                                             RefreshToken.revoked_at.is_(None)).values(revoked_at=now))
            raise InvalidToken("Refresh token was already used; all sessions of this login are revoked",
                               code="refresh_token_reused", keep_writes=True)
        raise InvalidToken("Refresh token is revoked or expired")
    user_id, family = rotated
    user = (await session.execute(select(User.is_active, User.role).where(User.id == user_id))).one()
    if not user.is_active:
        raise InvalidToken("The account is disabled")
    access, ttl = create_access_token(f"user:{user_id}", extra={"role": user.role})
    new = await _issue_refresh(session, user_id, family)
    return TokenPair(access_token=access, expires_in=ttl, refresh_token=new)


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    family = (await session.execute(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == sha256_hex(refresh_token))
    )).scalar_one_or_none()
    if family is None:
        return  # logging out twice is not an error
    await session.execute(update(RefreshToken).where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=clock.now()))


async def scope_of(session: AsyncSession, p: Principal) -> Scope:
    if p.division_code:
        name = (await session.execute(select(Division.name).where(Division.code == p.division_code))).scalar_one()
        return Scope(kind="division", code=p.division_code, name=name)
    if p.village_id:
        code, name = (await session.execute(select(Village.code, Village.name).where(Village.id == p.village_id))).one()
        return Scope(kind="village", code=code, name=name)
    code, name = (await session.execute(
        select(PartnerUnit.code, PartnerUnit.name).where(PartnerUnit.id == p.partner_unit_id))).one()
    return Scope(kind="partner_unit", code=code, name=name)


async def me(session: AsyncSession, p: Principal) -> Me:
    if p.kind == "client":
        client = (await session.execute(select(ApiClient).where(ApiClient.id == p.id))).scalar_one()
        return Me(id=client.id, username=client.client_id, display_name=client.name, phone=None, role=p.role,
                  scope=await scope_of(session, p))
    user = (await session.execute(select(User).where(User.id == p.id))).scalar_one()
    return Me(id=user.id, username=user.username, display_name=user.display_name, phone=user.phone, role=p.role,
              scope=await scope_of(session, p))

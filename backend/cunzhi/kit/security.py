"""Passwords (argon2), access tokens (JWT, HS256 only) and opaque secrets."""

import hashlib
import secrets
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import JWTError, jwt

from cunzhi.config import get_settings
from cunzhi.kit import clock

ALGORITHM = "HS256"
_hasher = PasswordHasher()


@lru_cache
def _dummy_hash() -> str:
    """Verifying against this keeps an unknown username as slow as a wrong password. Made on first
    use, not at import: an argon2 hash costs a fraction of a second in every process that imports
    this module (each CLI command, server start, test worker), most of which never log anyone in."""
    return _hasher.hash("cunzhi-timing-equaliser")


class SecretKeyMissing(RuntimeError):
    pass


@lru_cache
def secret_key() -> str:
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    if not settings.demo:
        raise SecretKeyMissing("CUNZHI_SECRET_KEY is not set; refusing to start without it (only demo runs make one)")
    # Demo runs keep a generated key beside the embedded database so tokens survive restarts.
    path = settings.data_dir.parent / "demo_secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_access_token(subject: str, *, extra: dict[str, Any] | None = None) -> tuple[str, int]:
    settings = get_settings()
    now = clock.now()
    ttl = timedelta(minutes=settings.access_token_minutes)
    claims: dict[str, Any] = {
        "sub": subject,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": secrets.token_hex(8),
    }
    claims.update(extra or {})
    return jwt.encode(claims, secret_key(), algorithm=ALGORITHM), int(ttl.total_seconds())


class _VerifiedTokens:
    """Tokens whose signature and claims were checked, with their claims: a caller sends the same token
    with every request, and checking an HMAC and parsing JSON each time costs more than the lookup.

    Keyed by the token and what it was checked against (key, issuer, audience). Only expiry can make
    a checked token invalid later, so a hit is re-checked against `exp` with the same clock jose uses."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}

    def get(self, key: tuple[str, str, str, str, str]) -> dict[str, Any] | None:
        claims = self._entries.get(key)
        if claims is None:
            return None
        if claims["exp"] < time.time():  # jose refuses exp < now (no leeway)
            self._entries.pop(key, None)
            return None
        return claims

    def put(self, key: tuple[str, str, str, str, str], claims: dict[str, Any]) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = claims


_verified = _VerifiedTokens()


def decode_access_token(token: str) -> dict[str, Any]:
    """Raises JWTError on anything but a valid, unexpired HS256 token for this issuer and audience.

    The claims are the caller's to read, not to change (they are shared by every request with the token)."""
    settings = get_settings()
    key = (token, secret_key(), settings.previous_secret_keys, settings.jwt_issuer, settings.jwt_audience)
    known = _verified.get(key)
    if known is not None:
        return known
    claims = _check_access_token(token)
    _verified.put(key, claims)
    return claims


def _check_access_token(token: str) -> dict[str, Any]:
    settings = get_settings()
    header = jwt.get_unverified_header(token)
    if header.get("alg") != ALGORITHM:
        raise JWTError("unexpected algorithm")
    first_error: JWTError | None = None
    # The current key first; keys being rotated out still verify what they signed until it expires.
    for key in (secret_key(), *settings.previous_keys):
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options={"require_exp": True, "require_iat": True, "require_aud": True, "require_iss": True,
                         "require_sub": True},
            )
            return claims
        except JWTError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error

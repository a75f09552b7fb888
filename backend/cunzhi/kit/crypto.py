"""Secrets the server must read back (webhook signing secrets), kept encrypted at rest.

Fernet (cryptography: AES-128-CBC with HMAC-SHA256, authenticated) with a key derived by HKDF-SHA256
from CUNZHI_SECRET_KEY, under its own label so the token-signing key is never used as it is. A row
read with another key fails loudly (`InvalidToken`) rather than signing with garbage. To change
CUNZHI_SECRET_KEY, move the old one to CUNZHI_PREVIOUS_SECRET_KEYS (still read, never written) and
run `cunzhi rotate-secrets`, which re-encrypts every stored secret under the new key.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_LABEL = b"cunzhi:webhook-secrets:v1"


def fernet_for(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@lru_cache
def _fernet(key: str) -> Fernet:
    return fernet_for(key)


def _current() -> MultiFernet:
    """Encrypts with the current key; reads with it or any previous one."""
    from cunzhi.config import get_settings
    from cunzhi.kit.security import secret_key

    return MultiFernet([_fernet(secret_key()), *(_fernet(k) for k in get_settings().previous_keys)])


def encrypt(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    return _current().decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """The same secret, encrypted under the current key (from any key still known)."""
    return _current().rotate(token.encode("ascii")).decode("ascii")

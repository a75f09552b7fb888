"""Secrets the server must read back (webhook signing secrets), kept encrypted at rest.

Fernet (cryptography: AES-128-CBC with HMAC-SHA256, authenticated) with a key derived by HKDF-SHA256
from CUNZHI_SECRET_KEY, under its own label so the token-signing key is never used as it is. A row
read with another key fails loudly (`InvalidToken`) rather than signing with garbage. Changing
CUNZHI_SECRET_KEY therefore needs the stored secrets re-encrypted (or the subscriptions recreated).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_LABEL = b"cunzhi:webhook-secrets:v1"


def fernet_for(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@lru_cache
def _fernet(key: str) -> Fernet:
    return fernet_for(key)


def _current() -> Fernet:
    from cunzhi.kit.security import secret_key

    return _fernet(secret_key())


def encrypt(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    return _current().decrypt(token.encode("ascii")).decode()

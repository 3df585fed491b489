"""API keys: one or more per tenant, stored hashed; the plaintext is shown once, at creation.

Why plain SHA-256 and not bcrypt/argon2: those slow hashes protect *low-entropy* secrets (human
passwords) against offline guessing. Our keys are 256 random bits from `secrets`, so guessing a
key from its hash is infeasible however fast the hash is, and a fast, unsalted, deterministic hash
lets every request find its key with one primary-key lookup instead of paying ~100 ms of key
stretching. A leaked table therefore reveals no usable key.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from api.tables import api_engine, api_keys, create_tables

TENANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
TENANT_MAX_LENGTH = 64
KEY_PREFIX = "fs_"
MAX_KEY_LENGTH = 128  # anything longer is not one of ours: refused before hashing


def validate_tenant(tenant: str) -> str:
    """The tenant unchanged if it is a slug of at most 64 characters, else ValueError."""
    if not isinstance(tenant, str) or len(tenant) > TENANT_MAX_LENGTH or not TENANT_PATTERN.fullmatch(tenant):
        shown = tenant if isinstance(tenant, str) else type(tenant).__name__
        raise ValueError(
            f"tenant {shown!r} is not a slug: use 1-{TENANT_MAX_LENGTH} lower-case letters, digits, "
            "'-' or '_', starting with a letter or digit, e.g. 'studio-a'"
        )
    return tenant


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)  # 32 random bytes: 256 bits of entropy


def store_new_key(engine: Engine, tenant: str) -> str:
    key = new_key()
    with engine.begin() as connection:
        connection.execute(
            insert(api_keys).values(key_sha256=hash_key(key), tenant=validate_tenant(tenant), key_prefix=key[:10])
        )
    return key


def create_api_key(postgres_url: str, tenant: str) -> str:
    """Create a key for `tenant` (creating the API's tables if needed); return the plaintext key,
    which is not stored anywhere and cannot be shown again."""
    validate_tenant(tenant)
    engine = api_engine(postgres_url, pool_size=1)
    try:
        create_tables(engine)
        return store_new_key(engine, tenant)
    finally:
        engine.dispose()


def tenant_for_key(engine: Engine, key: str | None) -> str | None:
    """The tenant a key belongs to, or None for a missing, malformed, unknown or revoked key."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii():
        return None
    with engine.connect() as connection:
        return connection.execute(
            select(api_keys.c.tenant).where(api_keys.c.key_sha256 == hash_key(key), api_keys.c.revoked_at.is_(None))
        ).scalar_one_or_none()

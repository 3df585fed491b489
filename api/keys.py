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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from api.tables import api_engine, api_keys, create_tables

TENANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
TENANT_MAX_LENGTH = 64
KEY_PREFIX = "fs_"
MAX_KEY_LENGTH = 128  # anything longer is not one of ours: refused before hashing
KEY_PREFIX_SHOWN = 7  # characters after "fs_" kept in the clear to tell keys apart (42 of 256 bits)
MIN_PREFIX_CHARS = 4  # what `keys revoke` needs at least, after "fs_"


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
            insert(api_keys).values(
                key_sha256=hash_key(key),
                tenant=validate_tenant(tenant),
                key_prefix=key[: len(KEY_PREFIX) + KEY_PREFIX_SHOWN],
            )
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


@dataclass(frozen=True)
class KeyRecord:
    prefix: str  # the key's first characters: what `keys list` shows and `keys revoke` takes
    tenant: str
    created_at: datetime
    revoked_at: datetime | None

    def to_json(self) -> dict:
        return {
            "prefix": self.prefix,
            "tenant": self.tenant,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def list_keys(engine: Engine, tenant: str | None = None) -> list[KeyRecord]:
    """Every key (prefixes only: the keys themselves are not stored), oldest first."""
    query = select(api_keys.c.key_prefix, api_keys.c.tenant, api_keys.c.created_at, api_keys.c.revoked_at)
    if tenant is not None:
        query = query.where(api_keys.c.tenant == validate_tenant(tenant))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(api_keys.c.created_at, api_keys.c.key_prefix)).all()
    return [KeyRecord(*row) for row in rows]


class KeyNotFound(LookupError):
    """No active key matches, or more than one does (the message lists them)."""


def revoke_key(engine: Engine, prefix_or_key: str) -> KeyRecord:
    """Revoke the one active key with this prefix (as `keys list` shows it), or this very key. From
    the next request on, it gets 401: every request looks its key up."""
    given = prefix_or_key.strip()
    if len(given) > len(KEY_PREFIX) + KEY_PREFIX_SHOWN and given.startswith(KEY_PREFIX):
        match = api_keys.c.key_sha256 == hash_key(given)  # the whole key: found by its hash
    elif len(given) >= len(KEY_PREFIX) + MIN_PREFIX_CHARS and given.startswith(KEY_PREFIX):
        match = api_keys.c.key_prefix.startswith(given, autoescape=True)
    else:
        raise KeyNotFound(
            f"{given!r} is not a key prefix: give the prefix `filmstudio keys list` shows (e.g. {KEY_PREFIX}AbC12xY), "
            f"at least {len(KEY_PREFIX) + MIN_PREFIX_CHARS} characters"
        )
    with engine.begin() as connection:
        rows = connection.execute(
            select(api_keys.c.key_sha256, api_keys.c.key_prefix, api_keys.c.tenant)
            .where(match, api_keys.c.revoked_at.is_(None))
            .with_for_update()
        ).all()
        if len(rows) != 1:
            found = ", ".join(f"{row.key_prefix} ({row.tenant})" for row in rows)
            raise KeyNotFound(
                f"no active key starts with {given[: len(KEY_PREFIX) + KEY_PREFIX_SHOWN]!r}"
                if not rows
                else f"{len(rows)} active keys start with {given!r}: {found}; give more of the key"
            )
        connection.execute(
            update(api_keys).where(api_keys.c.key_sha256 == rows[0].key_sha256).values(revoked_at=func.now())
        )
        record = connection.execute(
            select(api_keys.c.key_prefix, api_keys.c.tenant, api_keys.c.created_at, api_keys.c.revoked_at).where(
                api_keys.c.key_sha256 == rows[0].key_sha256
            )
        ).one()
    return KeyRecord(*record)

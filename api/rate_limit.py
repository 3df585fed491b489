"""A per-tenant request rate limit, shared by every API process through Postgres.

GCRA (the generic cell rate algorithm, as in ATM networks and many API gateways): each tenant has
one row holding its "theoretical arrival time" (tat). A request at time t moves it to
max(tat, t) + interval, where interval = period / requests, and is allowed while the new tat is no
more than one period ahead of t: a tenant may burst its whole allowance, then gets one request per
interval. A refused request leaves the row as it was and learns exactly when the next one would
pass (Retry-After).

Hand-written rather than a rate-limit library: the ones for Starlette (slowapi, limits) keep their
counters in memory, Redis or Memcached. Memory is per process, and we run several API replicas;
Redis is not part of our stack, Postgres is, and one upsert per request on the tenant's row costs
well under a millisecond. The database's clock is the only clock, so replicas need not agree on
theirs.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

RATE_LIMIT_ENV = "FILMSTUDIO_API_RATE_LIMIT"
DEFAULT_RATE_LIMIT = "1200/minute"
PERIODS = {"second": 1, "minute": 60, "hour": 3600}
_SPEC = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour)\s*")


@dataclass(frozen=True)
class RateLimit:
    requests: int
    period_s: int

    @property
    def interval_s(self) -> float:
        return self.period_s / self.requests

    def __str__(self) -> str:
        name = next(name for name, seconds in PERIODS.items() if seconds == self.period_s)
        return f"{self.requests}/{name}"


def parse_rate_limit(spec: str) -> RateLimit | None:
    """'1200/minute' -> RateLimit(1200, 60); 'off' -> None (no limit); anything else a ValueError
    naming the form."""
    if spec.strip().lower() == "off":
        return None
    found = _SPEC.fullmatch(spec)
    if not found or int(found.group(1)) < 1:
        raise ValueError(
            f"{RATE_LIMIT_ENV}={spec!r}: give requests per period, e.g. 1200/minute, 20/second or 50000/hour, or off"
        )
    return RateLimit(int(found.group(1)), PERIODS[found.group(2)])


def rate_limit_from_environment() -> RateLimit | None:
    return parse_rate_limit(os.environ.get(RATE_LIMIT_ENV) or DEFAULT_RATE_LIMIT)


_TAKE = text(
    """
    WITH clock AS (SELECT extract(epoch FROM clock_timestamp()) AS now)
    INSERT INTO filmstudio_rate_limits AS r (tenant, tat)
    SELECT :tenant, clock.now + :interval FROM clock
    ON CONFLICT (tenant) DO UPDATE
        SET tat = GREATEST(r.tat, (SELECT now FROM clock)) + :interval
        WHERE GREATEST(r.tat, (SELECT now FROM clock)) + :interval - :period <= (SELECT now FROM clock)
    RETURNING tat
    """
)
_WAIT = text(
    "SELECT tat + :interval - :period - extract(epoch FROM clock_timestamp()) FROM filmstudio_rate_limits "
    "WHERE tenant = :tenant"
)


def take(engine: Engine, tenant: str, limit: RateLimit) -> int | None:
    """Count one request of the tenant's: None when it may go ahead, else the whole seconds to wait."""
    values = {"tenant": tenant, "interval": limit.interval_s, "period": float(limit.period_s)}
    with engine.begin() as connection:
        if connection.execute(_TAKE, values).first() is not None:
            return None
        wait = connection.execute(_WAIT, values).scalar_one()
    return max(1, math.ceil(wait))

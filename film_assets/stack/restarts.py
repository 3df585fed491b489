"""When `filmstudio up` starts a dead service again, and when it gives up.

A service that dies is started again after a backoff that doubles with each death in a window
(1 s, 2 s, 4 s, 8 s); one that died MAX_DEATHS times within WINDOW_S keeps
dying (a bad config, a full disk, a port taken) and stops the stack instead. Deaths older than
the window are forgotten, so a service that crashes once a day is restarted every time.

The moto server is not restarted: it keeps SQS and S3 in memory, so a new one would come back with
no queues, no bucket and no messages; its death stops the stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_RESTARTED = {"moto": "it keeps SQS and S3 in memory: a new one would have lost every queue and object"}
FIRST_DELAY_S = 1.0
MAX_DEATHS = 5
WINDOW_S = 120.0  # a crash loop (1+2+4+8 s of backoff, four starts) dies five times well within it


@dataclass
class RestartPolicy:
    """Deaths of one service, and the delay before its next start (None: give up)."""

    name: str
    deaths: list[float] = field(default_factory=list)  # time.monotonic() of each death in the window
    restarts: int = 0  # over the stack's whole life

    def why_not(self) -> str | None:
        """Why this service is never restarted, if it is not."""
        return NOT_RESTARTED.get(self.name)

    def died(self, at: float) -> float | None:
        """Record a death at `at`; the seconds to wait before starting it again, or None when it
        keeps dying (or is never restarted)."""
        if self.why_not():
            return None
        self.deaths = [when for when in self.deaths if at - when < WINDOW_S] + [at]
        if len(self.deaths) >= MAX_DEATHS:
            return None
        return FIRST_DELAY_S * 2 ** (len(self.deaths) - 1)

    def gave_up_because(self) -> str:
        return self.why_not() or f"it died {len(self.deaths)} times within {WINDOW_S:.0f} s"

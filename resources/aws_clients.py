"""One boto3 client per process and connection settings.

Dagster builds resources afresh for every sensor tick and step, and building a boto3 client costs
0.1-0.5 s (it loads the service model); clients are thread-safe, so a process shares one per
distinct setting instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def shared_client(kind: str, settings: dict, build: Callable[[], Any]) -> Any:
    """The process's client for `kind` with these settings, built once by `build`."""
    key = kind + json.dumps(settings, sort_keys=True, default=str)
    with _lock:
        if key not in _clients:
            _clients[key] = build()
        return _clients[key]

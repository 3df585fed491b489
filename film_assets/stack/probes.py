"""Checks `filmstudio up` makes: before starting (is a port free, is moto's server installed) and
while waiting for the services (does a URL answer, has the daemon written a heartbeat)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

from film_assets.stack.state import StackError


def daemon_heartbeat_since(instance, since: float) -> bool:
    """Has a daemon written a heartbeat to the instance since `since` (a wall-clock time)?"""
    try:
        heartbeats = instance.get_daemon_heartbeats()
    except Exception:  # noqa: BLE001 - a transient database error: ask again
        return False
    return any(beat.timestamp >= since - 1 for beat in heartbeats.values())


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (OSError, urllib.error.HTTPError):
        return False


def check_port(host: str, port: int, flag: str, what: str) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise StackError(
                f"{host}:{port} for {what} is not free ({error.strerror}); choose another with {flag} PORT"
            ) from None


def probe_host(host: str) -> str:
    """Where to reach a server listening on host from this machine."""
    return {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, url_host(host))


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def require_moto() -> None:
    import importlib.util

    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise StackError(
            "the local SQS and S3 need moto's server: pip install 'film-assets[stack]' "
            "(or 'moto[server]'), or pass --aws-endpoint URL for another endpoint"
        )

"""Where a stack keeps its state, FILMSTUDIO_HOME/service/stack.json, and what reads it: the next
`filmstudio up` (is a stack running? what did a killed one leave behind?) and `filmstudio keys
create` (which database?)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from resources.profiles import psycopg2_url


class StackError(Exception):
    """The stack cannot start (or a command cannot find it), for a reason the message says how to fix."""


def service_dir(home: Path) -> Path:
    return Path(home) / "service"


def state_path(home: Path) -> Path:
    return service_dir(home) / "stack.json"


def read_state(home: Path) -> dict | None:
    """The last stack's stack.json (status starting, running or stopped), or None."""
    try:
        return json.loads(state_path(home).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_state(path: Path, state: dict) -> None:
    state["updated_at"] = now()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    # it names the database (perhaps with a password): readable by this user only
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(state, handle, indent=2)
    os.replace(partial, path)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the previous stack of this FILMSTUDIO_HOME -------------------------------------------------


def refuse_a_second_stack(home: Path, say: Callable[[str], None]) -> None:
    """StackError if a stack from home is running; if its supervisor was killed outright, SIGKILL
    what its children's process groups left behind."""
    state = read_state(home)
    if not state or state.get("status") == "stopped":
        return
    pid = state.get("pid")
    if _is_stack_supervisor(pid):
        api = state.get("urls", {}).get("api")
        raise StackError(
            f"a stack from {home} is already running (pid {pid}"
            f"{', API ' + api if api else ''}); stop it first (Ctrl-C in its terminal, or kill "
            "it) or set another FILMSTUDIO_HOME"
        )
    # the last supervisor was killed outright: stop what its children's process groups left behind
    groups = {child["pid"]: child["name"] for child in state.get("children", []) if isinstance(child.get("pid"), int)}
    for pid, group in _processes_of(home):
        if group in groups:
            say(f"stopping pid {pid} ({groups[group]}), left running by a stack that was killed")
            _kill(pid, signal.SIGKILL)


def _is_stack_supervisor(pid) -> bool:
    """Is pid alive and a `filmstudio up`? (Linux; elsewhere: is it alive.)"""
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.exists():
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"up" in words and any(b"filmstudio" in word or b"film_assets" in word for word in words)
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _processes_of(home: Path) -> list[tuple[int, int]]:
    """(pid, process group) of every live process started for this FILMSTUDIO_HOME: its environment
    says FILMSTUDIO_HOME=home (Linux /proc; elsewhere none are found)."""
    marker, found = f"FILMSTUDIO_HOME={home}".encode(), []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp ...
                if fields[0] != "Z":
                    found.append((int(entry.name), int(fields[2])))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# --- `filmstudio keys create` ------------------------------------------------------------------


def postgres_url_for_commands(explicit: str | None, home: Path) -> tuple[str, str]:
    """The database another command (keys create) should use, and where it came from:
    --postgres-url, else FILMSTUDIO_POSTGRES_URL, else the stack recorded in stack.json."""
    from resources.profiles import ServiceSettings

    if explicit:
        return psycopg2_url(explicit), "--postgres-url"
    configured = ServiceSettings.from_environment().postgres_url
    if configured:
        return psycopg2_url(configured), "FILMSTUDIO_POSTGRES_URL"
    state = read_state(home)
    if state and state.get("postgres_url"):
        status = state.get("status", "unknown")
        return state["postgres_url"], f"{state_path(home)} (a stack that is {status})"
    raise StackError(
        "no database to keep the key in: pass --postgres-url URL, set FILMSTUDIO_POSTGRES_URL, or "
        f"start the stack with `filmstudio up` (it records its database in {state_path(home)})"
    )

"""`filmstudio plan SCRIPT --project P [--json]` (being built)."""

from __future__ import annotations


def add_plan_command(commands) -> None:
    """Registered in main.py; the parser is added here."""

"""`filmstudio cost PROJECT [--json]` (being built)."""

from __future__ import annotations


def add_cost_command(commands) -> None:
    """Registered in main.py; the parser is added here."""

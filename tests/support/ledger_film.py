"""A two-scene film small enough to render in a few seconds, for the cost ledger's tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.ui import render_tiny

PROJECT = "ledger-film"
TWO_SCENES = """Title: Ledger

INT. DINER - NIGHT

Rain on the windows. WREN wipes the counter.

WREN
We close at two.

EXT. STREET - NIGHT

OTTO
Then I have an hour.
"""


def render_two_scenes(run_cli, tmp_path: Path) -> dict:
    """`filmstudio render` of TWO_SCENES as PROJECT at 64x64, 8 fps; its JSON summary."""
    script = tmp_path / "ledger.fountain"
    script.write_text(TWO_SCENES)
    return render_tiny(run_cli, tmp_path, "--project", PROJECT, script=script)


def cli_json(run_cli, *args: str) -> dict:
    completed = run_cli(*args, "--json")
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)

"""The plan tests' shared parts: a tiny film, its revisions, the CLI run against a given
FILMSTUDIO_HOME (so one render serves a module), and a snapshot of every file under a folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import filmstudio_in
from tests.support.api_helpers import TINY_FILM
from tests.support.ui import TINY_SIZE

PROJECT = "plan-test"
SCRIPT = TINY_FILM.replace("Title: Night Shift", "Title: Plan Test")  # its title slugs to PROJECT
NEW_WORDS = SCRIPT.replace("Then I have an hour.", "Then I have an hour and a slice of pie.")
NEW_SCENE = SCRIPT + "\nEXT. PARKING LOT - NIGHT\n\nA truck idles in the rain.\n"
BAD = SCRIPT + "\nThe door chimes.\n\nSTEEL ^\nScrew retirement.\n"  # dual dialogue after action: line 15
BAD_LINE = 15


def cli(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`filmstudio ARGS` as its own process with FILMSTUDIO_HOME=home."""
    return filmstudio_in(home, *args, timeout=timeout)


def write_script(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def render(home: Path, script: Path, out: Path) -> dict:
    """`filmstudio render` of the tiny film as PROJECT; its JSON result."""
    done = cli(home, "render", str(script), "--project", PROJECT, "--out", str(out), *TINY_SIZE, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def rendered_home(folder: Path) -> Path:
    """A FILMSTUDIO_HOME under folder with SCRIPT rendered once as PROJECT."""
    home = folder / "filmstudio-home"
    render(home, write_script(folder, "plan_test.fountain", SCRIPT), folder / "out")
    return home


def copy_home(home: Path, folder: Path) -> Path:
    """A copy of a rendered home, for a test that renders again (the shared one stays as it is)."""
    copy = folder / "filmstudio-home"
    shutil.copytree(home, copy)
    return copy


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under folder: its size and modification time (ns)."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def by_code(plan: dict) -> dict[str, dict]:
    return {shot["code"]: shot for shot in plan["shots"]}

"""The private Dagster APIs we use all resolve with the installed Dagster, and a moved one is
reported by name (film_assets/dagster_internals.py)."""

from __future__ import annotations

import ast

import pytest

from film_assets import dagster_internals
from film_assets.dagster_internals import PRIVATE_APIS, DagsterInternalMoved, PrivateApi, check_internals, private
from tests.conftest import REPO


def test_every_private_dagster_api_we_use_still_resolves():
    problems = check_internals()
    assert not problems, "a Dagster upgrade moved private APIs we use:\n" + "\n".join(problems)


def test_a_moved_api_is_reported_naming_the_function_and_why_we_use_it(monkeypatch):
    monkeypatch.setitem(
        PRIVATE_APIS,
        "PartitionBackfill",
        PrivateApi("dagster._core.execution.backfill", "PartitionBackfillRenamed", "records an asset backfill"),
    )
    monkeypatch.setitem(PRIVATE_APIS, "daemon_module", PrivateApi("dagster._daemon_gone", None, "runs the daemon"))
    problems = check_internals()
    assert len(problems) == 2
    assert "dagster._core.execution.backfill.PartitionBackfillRenamed" in problems[0]
    assert "'PartitionBackfill'" in problems[0] and "records an asset backfill" in problems[0]
    assert "dagster._daemon_gone" in problems[1]
    with pytest.raises(DagsterInternalMoved, match="film_assets/dagster_internals.py"):
        private("PartitionBackfill")


def test_every_entry_says_why_no_public_api_serves():
    assert all(len(api.why) > 20 for api in PRIVATE_APIS.values())


def test_no_module_but_dagster_internals_imports_a_private_dagster_module():
    """Product code and benchmarks go through dagster_internals (tests may read Dagster's own
    internals to check what it did, e.g. a tick's status)."""
    offenders = []
    allowed = REPO / "film_assets" / "dagster_internals.py"
    for package in ("film_assets", "resources", "sensors", "gpu_ops", "api", "bench"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path == allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                offenders += [f"{path.relative_to(REPO)}: {name}" for name in names if name.startswith("dagster._")]
    assert not offenders, offenders
    assert dagster_internals.daemon_command("python", "run")[:3] == ["python", "-m", "dagster._daemon"]

"""`filmstudio ui` opens Dagster's UI on the very runs and partitions `filmstudio render` made,
each delivery check belongs to its project, and the UI stops on SIGTERM (dagster dev started from
a script otherwise ignores it)."""

from __future__ import annotations

import json
import signal

import pytest

from film_assets.asset_names import ASSET_NAMES
from tests.conftest import EXAMPLES
from tests.support.api_helpers import TINY_FILM
from tests.support.ui import dagster_ui, graphql, render_tiny

pytestmark = pytest.mark.slow  # renders a film, then runs `dagster dev`


def test_each_delivery_check_result_belongs_to_its_project(run_cli, film_home, tmp_path):
    """Two projects of a two-line scene, one mixed louder than its ceiling allows (-5 LUFS): the UI
    reports the loudness failure for that project only, and the other checks pass for both."""
    script = tmp_path / "diner.fountain"
    script.write_text(TINY_FILM)
    render_tiny(run_cli, tmp_path, "--project", "diner-web", script=script)
    loud = render_tiny(run_cli, tmp_path, "--project", "diner-loud", "--loudness", "-5", script=script, exit_code=3)
    assert [(c["asset"], c["name"]) for c in loud["qc"]["failing"]] == [("final_cut", "loudness_on_target")]
    checks = ("loudness_on_target", "true_peak_within_ceiling", "every_line_heard_and_subtitled", "audio_video_in_sync")
    with dagster_ui(film_home, tmp_path) as (_, port):

        def executions(check: str, partition: str | None = None) -> dict[str, str]:
            where = f', partition: "{partition}"' if partition is not None else ""
            query = (
                f'{{ assetCheckExecutions(assetKey: {{path: ["final_cut"]}}, checkName: "{check}", limit: 10{where}) '
                "{ partition status evaluation { partition success } } }"
            )
            found = graphql(port, query)["assetCheckExecutions"]
            assert all(e["evaluation"]["partition"] == e["partition"] for e in found)
            return {e["partition"]: e["status"] for e in found}

        assert executions("loudness_on_target") == {"diner-web": "SUCCEEDED", "diner-loud": "FAILED"}
        assert executions("loudness_on_target", "diner-web") == {"diner-web": "SUCCEEDED"}
        for check in checks[1:]:
            assert executions(check) == {"diner-web": "SUCCEEDED", "diner-loud": "SUCCEEDED"}, check
        nodes = graphql(
            port,
            '{ assetNodes(assetKeys: [{path: ["final_cut"]}]) { assetChecksOrError { '
            "... on AssetChecks { checks { name partitionDefinition { name } } } } } }",
        )["assetNodes"]
        partitioned = {c["name"]: c["partitionDefinition"] for c in nodes[0]["assetChecksOrError"]["checks"]}
        assert set(checks) < set(partitioned) and all(partitioned.values()), partitioned


def test_an_edited_script_shows_what_it_affects_as_unsynced_until_rendered_again(run_cli, film_home, tmp_path):
    """The screenplay edit alone is materialized: the UI (GraphQL) shows the assets that read it as
    unsynced for that project; after the re-render everything is synced again."""
    from dagster import DagsterInstance, materialize

    from film_assets.definitions import ASSETS, with_maker_code_versions
    from film_assets.storage.submission import load_submission, submit_screenplay
    from resources.profiles import build_resources, current_environment, media_store_for

    project = "lighthouse-edit"
    render_tiny(run_cli, tmp_path, "--project", project)
    edited = tmp_path / "lighthouse-edited.fountain"
    edited.write_text(
        (EXAMPLES / "lighthouse.fountain").read_text().replace("You're the one replacing me.", "So you're my relief.")
    )
    assert "So you're my relief." in edited.read_text()  # the example still has the line edited here
    environment = current_environment()
    instance = DagsterInstance.from_config(str(environment.dagster_home))
    try:
        with dagster_ui(film_home, tmp_path) as (_, port):

            def unsynced() -> set[str]:
                query = f'{{ assetNodes {{ assetKey {{ path }} staleStatus(partition: "{project}") }} }}'
                return {  # the film's assets: dailies are made on request, so a project without any is normal
                    n["assetKey"]["path"][0]
                    for n in graphql(port, query)["assetNodes"]
                    if n["staleStatus"] != "FRESH" and n["assetKey"]["path"][0] in ASSET_NAMES
                }

            assert unsynced() == set()
            # what the API or `filmstudio render` store first: the edited script, then its screenplay asset
            store = media_store_for(environment)
            _, source_name, settings = load_submission(store, project)
            submit_screenplay(store, project, edited.read_text(), source_name, settings)
            resources = build_resources(environment)
            result = materialize(
                with_maker_code_versions(ASSETS, resources),
                selection=["screenplay"],
                partition_key=project,
                instance=instance,
                resources=resources,
            )
            assert result.success
            assert unsynced() == {"scenes"}  # Dagster marks what reads the edited asset; the rest follows
            render_tiny(run_cli, tmp_path, "--project", project, script=edited)
            assert unsynced() == set()
    finally:
        instance.dispose()


def test_ui_shows_the_cli_runs_and_stops_on_sigterm(run_cli, film_home, tmp_path):
    rendered = run_cli(
        "render",
        str(EXAMPLES / "lighthouse.fountain"),
        "--out",
        str(tmp_path / "o"),
        "--width",
        "320",
        "--height",
        "180",
        "--fps",
        "8",
        "--json",
    )
    assert rendered.returncode == 0, rendered.stderr
    run_id = json.loads(rendered.stdout)["run_id"]

    with dagster_ui(film_home, tmp_path) as (ui, port):
        runs = graphql(port, "{ runsOrError { ... on Runs { results { runId jobName status } } } }")
        assert runs["runsOrError"]["results"] == [{"runId": run_id, "jobName": "render_film", "status": "SUCCESS"}]
        nodes = graphql(port, "{ assetNodes { assetKey { path } partitionKeys } }")["assetNodes"]
        assert {n["assetKey"]["path"][0] for n in nodes} == {*ASSET_NAMES, "dailies"}
        assert all(n["partitionKeys"] == ["the-last-keeper"] for n in nodes)

        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=30) is not None

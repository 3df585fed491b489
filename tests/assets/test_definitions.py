"""The one Definitions entry point loads in Dagster's own tools, and its graph is pinned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DynamicPartitionsDefinition

from tests.conftest import REPO

EXPECTED_GRAPH = {  # asset -> (group, upstream assets): a change to the graph is a visible diff
    "screenplay": ("script", set()),
    "scenes": ("script", {"screenplay"}),
    "dialogue_track": ("script", {"scenes"}),
    "shot_list": ("script", {"scenes", "dialogue_track"}),
    "keyframes": ("picture", {"shot_list"}),
    "shot_clips": ("picture", {"shot_list", "keyframes", "dialogue_track"}),
    "music_track": ("sound", {"scenes", "shot_list"}),
    "audio_mix": ("sound", {"scenes", "shot_list", "dialogue_track", "music_track"}),
    "final_cut": ("delivery", {"shot_list", "shot_clips", "scenes", "audio_mix", "dialogue_track"}),
    "dailies": ("review", {"shot_clips"}),  # made on request by make_dailies, not by render_film
}


@pytest.fixture
def defs(film_home):
    from film_assets.definitions import defs

    return defs


def test_asset_graph_is_pinned(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == set(EXPECTED_GRAPH)
    for name, (group, upstream) in EXPECTED_GRAPH.items():
        node = graph.get(AssetKey(name))
        assert node.group_name == group, name
        assert {key.to_user_string() for key in node.parent_keys} == upstream, name
        assert node.code_version, f"{name} needs a code_version"


def test_the_one_list_of_asset_names_is_the_definitions_assets_in_run_order(defs):
    from film_assets.asset_names import ASSET_NAMES
    from film_assets.definitions import ASSETS

    graph = defs.resolve_asset_graph()
    render_film = defs.resolve_job_def("render_film").asset_layer.selected_asset_keys
    assert {key.to_user_string() for key in render_film} == set(ASSET_NAMES)
    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == {*ASSET_NAMES, "dailies"}
    assert [asset.key.to_user_string() for asset in ASSETS] == list(ASSET_NAMES)
    for name in ASSET_NAMES:  # every asset comes after everything it reads
        upstream = {key.to_user_string() for key in graph.get(AssetKey(name)).parent_keys}
        assert all(ASSET_NAMES.index(parent) < ASSET_NAMES.index(name) for parent in upstream), (name, upstream)


def test_every_asset_is_labelled_with_kinds_an_owning_department_and_tags(defs):
    from film_assets.assets.labels import DEPARTMENTS

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert 1 <= len(node.kinds) <= 3, key
        [owner] = node.owners
        assert owner.removeprefix("team:") in DEPARTMENTS and node.tags["department"] == owner.removeprefix("team:")
        assert node.tags["node_pool"] in ("cpu", "gpu"), key
    assert graph.get(AssetKey("final_cut")).owners == ["team:editorial"]
    assert graph.get(AssetKey("keyframes")).tags["node_pool"] == "gpu"


def test_groups_follow_the_flow_without_a_loop(defs):
    """The UI's group view draws groups in dependency order: no group may feed one that feeds it."""
    graph = defs.resolve_asset_graph()
    group_of = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    edges = {(group_of[parent], group_of[key]) for key in group_of for parent in graph.get(key).parent_keys}
    edges = {(a, b) for a, b in edges if a != b}
    reachable = {group: {b for a, b in edges if a == group} for group in set(group_of.values())}
    for _ in range(len(reachable)):  # transitive closure, a handful of groups
        for group, targets in reachable.items():
            reachable[group] = targets | {t for target in targets for t in reachable[target]}
    assert not [group for group, targets in reachable.items() if group in targets], edges


def test_every_asset_is_partitioned_by_projects(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        assert isinstance(partitions, DynamicPartitionsDefinition) and partitions.name == "projects", key


def _env(film_home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["FILMSTUDIO_HOME"] = str(film_home)
    env["DAGSTER_HOME"] = str(film_home / "dagster_home")
    (film_home / "dagster_home").mkdir(parents=True, exist_ok=True)
    return env


@pytest.mark.slow  # Dagster's own CLI loading the code location: ~5 s
def test_dagster_definitions_validate_loads_the_entry_point(film_home):
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "film_assets.definitions"],
        cwd=REPO,
        env=_env(film_home),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


@pytest.mark.slow  # Dagster's own CLI loading the code location: ~5 s
def test_dg_lists_the_assets_from_the_project(film_home):
    dg = Path(sys.executable).with_name("dg")
    result = subprocess.run(
        [str(dg), "list", "defs", "--json"], cwd=REPO, env=_env(film_home), capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in EXPECTED_GRAPH:
        assert f'"{name}"' in result.stdout, name


def render_partition(defs, film_home: Path, partition: str):
    """Run render_film for a partition registered by hand, on a real SQLite instance."""
    from dagster import DagsterInstance

    (film_home / "dagster_home").mkdir(parents=True)
    with DagsterInstance.local_temp(str(film_home / "dagster_home")) as instance:
        instance.add_dynamic_partitions("projects", [partition])
        return defs.resolve_job_def("render_film").execute_in_process(
            partition_key=partition, instance=instance, raise_on_error=False
        )


def test_a_bad_partition_key_added_by_hand_fails_with_a_clear_message(defs, film_home):
    from film_assets.runs.local_render import failure_message

    result = render_partition(defs, film_home, "Night Shift")
    assert not result.success
    assert failure_message(result).startswith("step screenplay failed: project id 'Night Shift' is not a slug")


def test_a_project_without_a_submission_fails_naming_what_is_missing(defs, film_home):
    from film_assets.runs.local_render import failure_message

    result = render_partition(defs, film_home, "never-submitted")
    assert failure_message(result) == (
        "step screenplay failed: project 'never-submitted' has no submitted "
        "screenplay (expected projects/never-submitted/submission/screenplay.fountain)"
    )


def test_renderer_is_chosen_by_the_environment(film_home, monkeypatch, tmp_path):
    from resources.diffusers_renderer import DiffusersRenderer
    from resources.profiles import build_resources, current_environment

    monkeypatch.setenv("FILMSTUDIO_RENDERER", "diffusers")
    monkeypatch.setenv("FILMSTUDIO_MODEL", str(tmp_path))
    monkeypatch.setenv("FILMSTUDIO_STEPS", "12")
    monkeypatch.setenv("FILMSTUDIO_COMPILE", "1")
    renderer = build_resources(current_environment())["renderer"]
    assert isinstance(renderer, DiffusersRenderer)
    assert (renderer.model, renderer.steps, renderer.compile_unet) == (str(tmp_path), 12, True)

    monkeypatch.setenv("FILMSTUDIO_RENDERER", "dall-e")
    with pytest.raises(ValueError, match="renderer 'dall-e' is not known"):
        current_environment()


def test_loading_the_definitions_and_rendering_on_cpu_defaults_never_imports_torch(film_home):
    code = (
        "import sys; import film_assets.definitions, film_assets.runs.local_render, resources.diffusers_renderer; "
        "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, 'heavy model code was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=_env(film_home), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_a_media_makers_identity_is_part_of_its_assets_code_version(film_home):
    """Switching renderer, animator, voice or composer (or their output settings) changes the code
    version of the assets they make, which is what marks those projects unsynced in the UI."""
    from dataclasses import replace

    from film_assets.definitions import build_definitions
    from resources.profiles import RendererChoice, current_environment

    def code_versions(environment) -> dict[str, str]:
        graph = build_definitions(environment).resolve_asset_graph()
        return {key.to_user_string(): graph.get(key).code_version for key in graph.get_all_asset_keys()}

    environment = current_environment()
    storyboard = code_versions(environment)
    diffusion = code_versions(replace(environment, renderer=RendererChoice("diffusers", {"model": "some/model"})))
    other_model = code_versions(replace(environment, renderer=RendererChoice("diffusers", {"model": "other/model"})))
    assert storyboard["keyframes"].startswith("2+storyboard-")
    assert diffusion["keyframes"] != storyboard["keyframes"] and "diffusers" in diffusion["keyframes"]
    assert other_model["keyframes"] != diffusion["keyframes"]
    assert {name for name in storyboard if storyboard[name] != diffusion[name]} == {"keyframes"}
    assert code_versions(environment) == storyboard  # the same settings, the same versions

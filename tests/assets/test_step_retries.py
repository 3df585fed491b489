"""Preemption is survivable: a step that loses its node part way is retried by Dagster's retry
policy (the one the prod profile uses) and renders only the shots it had not finished; a later run
of the same project reuses every shot made from the same inputs. Real Dagster instance on disk,
real storyboard renders, real ffmpeg encodes."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, Definitions, RetryPolicy

from film_assets.assets.placement import STEP_RETRY_POLICY
from film_assets.definitions import ASSETS
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.jobs import RENDER_FILM, build_render_film
from film_assets.partitions import projects
from film_assets.storage.submission import submit_screenplay
from film_assets.storage_keys import media_key
from resources.animator import CameraMoveAnimator
from resources.composer import ProceduralComposer
from resources.io_manager import MediaStoreIOManager
from resources.media_store import LocalMediaStore
from resources.renderer import StoryboardRenderer
from resources.review_db import ReviewDatabase, local_review_url
from resources.voice import EspeakVoice
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow  # each test renders a whole film (~12 s)

PROJECT = "keeper"


class NodeLostPartWay(StoryboardRenderer):
    """Stand-in for a spot GPU node reclaimed mid-step: the first attempt dies after
    `shots_before_loss` keyframes. Every keyframe really drawn is logged, so the test counts
    renders across attempts."""

    shots_before_loss: int
    log_path: str

    def render(self, shots, width, height, project):
        log, lost_marker = Path(self.log_path), Path(self.log_path + ".lost")
        for rendered in super().render(shots, width, height, project):
            with log.open("a") as handle:
                handle.write(rendered.code + "\n")
            yield rendered
            drawn = len(log.read_text().split())
            if not lost_marker.exists() and drawn >= self.shots_before_loss:
                lost_marker.touch()
                raise RuntimeError("the node running this step was reclaimed (test stand-in)")


def _definitions(store, renderer) -> Definitions:
    # the prod retry policy without its 30 s pause
    policy = RetryPolicy(max_retries=STEP_RETRY_POLICY.max_retries, delay=0)
    return Definitions(
        assets=ASSETS,
        jobs=[build_render_film(policy)],
        resources={
            "media_store": store,
            "io_manager": MediaStoreIOManager(media_store=store),
            "renderer": renderer,
            "voice": EspeakVoice(),
            "composer": ProceduralComposer(),
            "animator": CameraMoveAnimator(),
            # reviews beside the media: the cut reads them (here, none)
            "review_db": ReviewDatabase(url=local_review_url(Path(store.root).parent)),
        },
    )


@pytest.fixture
def project(tmp_path):
    store = LocalMediaStore(root=str(tmp_path / "media"))
    submit_screenplay(
        store,
        PROJECT,
        (EXAMPLES / "lighthouse.fountain").read_text(),
        "lighthouse.fountain",
        ProjectSettings(width=320, height=180, fps=8),
    )
    (tmp_path / "dagster_home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        instance.add_dynamic_partitions(projects.name, [PROJECT])
        yield store, instance


def _render(definitions, instance):
    result = definitions.resolve_job_def(RENDER_FILM).execute_in_process(partition_key=PROJECT, instance=instance)
    assert result.success
    return result


def _metadata(result, asset: str) -> dict:
    [materialization] = result.asset_materializations_for_node(asset)
    return {name: value.value for name, value in materialization.metadata.items()}


def test_retried_step_renders_only_the_shots_it_had_not_finished(project, tmp_path):
    store, instance = project
    log = tmp_path / "drawn.txt"
    result = _render(_definitions(store, NodeLostPartWay(shots_before_loss=3, log_path=str(log))), instance)

    restarts = [
        event
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_RESTARTED and event.step_key == "keyframes"
    ]
    assert len(restarts) == 1
    drawn = log.read_text().split()
    shots = _metadata(result, "keyframes")["shots"]
    assert len(drawn) == len(set(drawn)) == shots > 3  # every shot drawn exactly once across both attempts
    metadata = _metadata(result, "keyframes")
    assert (metadata["shots_reused"], metadata["shots_rendered"]) == (3, shots - 3)


def test_a_new_run_reuses_every_unchanged_shot_and_redoes_a_missing_one(project, tmp_path):
    store, instance = project
    definitions = _definitions(store, StoryboardRenderer())
    first = _render(definitions, instance)
    shots = _metadata(first, "keyframes")["shots"]
    assert _metadata(first, "shot_clips")["shots_rendered"] == shots

    lost_clip = Path(store.root) / media_key(PROJECT, "shots", "SQ010_SH010", "v001", "clip.mp4")
    lost_clip.unlink()
    again = _render(definitions, instance)
    keyframes, clips = _metadata(again, "keyframes"), _metadata(again, "shot_clips")
    assert (keyframes["shots_rendered"], keyframes["shots_reused"]) == (0, shots)
    assert (clips["shots_rendered"], clips["shots_reused"]) == (1, shots - 1)
    assert lost_clip.stat().st_size > 0
    assert again.output_for_node("final_cut")["frames"] == first.output_for_node("final_cut")["frames"]

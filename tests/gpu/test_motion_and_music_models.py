"""`--motion-model` and `--music-model` put an image-to-video model (Stable Video Diffusion) under
the shots and a text-to-music model (MusicGen) under the score, through the same assets, on tiny
offline models these tests build themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES
from tests.support.media_probe import probe

pytest.importorskip("diffusers", reason="the gpu extra is not installed (bash scripts/setup.sh --gpu)")

from gpu_ops.tiny.image_to_video import build_tiny_image_to_video  # noqa: E402

pytestmark = pytest.mark.gpu


def render(home, *extra, env_extra=None):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},
        "FILMSTUDIO_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        **(env_extra or {}),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "film_assets.cli",
            "render",
            str(EXAMPLES / "lighthouse.fountain"),
            "--out",
            str(home / "out"),
            "--width",
            "64",
            "--height",
            "64",
            "--fps",
            "8",
            "--json",
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow  # renders a whole film through the CLI on a tiny model
def test_shots_move_with_an_image_to_video_model(tmp_path):
    model = build_tiny_image_to_video(tmp_path / "tiny-svd")
    result = render(
        tmp_path / "home",
        "--motion-model",
        str(model),
        env_extra={"FILMSTUDIO_MOTION_STEPS": "2", "FILMSTUDIO_MOTION_FRAMES": "4"},
    )
    assert result.returncode == 0, result.stderr
    media = tmp_path / "home" / "media" / "projects" / "the-last-keeper"
    clips = json.loads((media / "shot_clips" / "shot_clips.json").read_text())
    for code, entry in clips.items():
        assert entry["animator"] == "video_diffusion" and entry["model"] == str(model), code
        assert entry["generated_frames"] == 4 and "weights_sha256" in entry and "seed" in entry
        assert probe(tmp_path / "home" / "media" / entry["key"])["frames"] == entry["frames"]
    assert probe(tmp_path / "home" / "out" / "final_cut.mp4")["frames"] == sum(e["frames"] for e in clips.values())


def test_missing_motion_model_is_refused_before_anything_is_written(tmp_path):
    result = render(tmp_path / "home", "--motion-model", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "motion model path" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "home" / "media").exists()


@pytest.mark.slow  # renders a whole film through the CLI on a tiny model
def test_score_comes_from_a_text_to_music_model(tmp_path):
    """The score is the model's, scene by scene, and mixed into the film's sound. The tiny model's
    weights are random: it makes noise as loud as the dialogue, and QC says so (with real weights
    it is music, ducked under the lines)."""
    from film_assets.cli.reporting import EXIT_FAILED_QC
    from gpu_ops.tiny.text_to_music import build_tiny_text_to_music

    model = build_tiny_text_to_music(tmp_path / "tiny-musicgen")
    result = render(tmp_path / "home", "--music-model", str(model))
    media = tmp_path / "home" / "media" / "projects" / "the-last-keeper"
    score = json.loads((media / "music_track" / "music_track.json").read_text())
    assert score["scenes"] and all(
        scene["composer"] == "musicgen" and scene["model"] == str(model) and scene["prompt"] and "seed" in scene
        for scene in score["scenes"]
    )
    mix = json.loads((media / "audio_mix" / "audio_mix.json").read_text())
    assert mix["duration_s"] == pytest.approx(score["duration_s"], abs=1 / 8)  # the film's sound, score under it
    # the noise buries lines: the film is failing QC for that, not for anything else
    assert result.returncode == EXIT_FAILED_QC, result.stderr
    [failing] = json.loads(result.stdout)["qc"]["failing"]
    assert (failing["asset"], failing["name"]) == ("audio_mix", "lines_audible_and_unclipped")
    assert failing["metadata"]["inaudible"] > 0

"""The MusicGen composer on a real (tiny, random) MusicGen built offline: the score's contract
(exact length, stereo, 48 kHz float32), determinism, lineage per scene, chunked long scenes and
clear errors for a missing model."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from film_assets.domain.sound.audio import SAMPLE_RATE  # noqa: E402
from film_assets.domain.sound.cues import SceneCue  # noqa: E402
from gpu_ops.pipelines import clear_pipeline_cache  # noqa: E402
from gpu_ops.tiny.text_to_music import build_tiny_text_to_music  # noqa: E402
from resources.musicgen_composer import MusicGenComposer, chunk_spans  # noqa: E402

pytestmark = pytest.mark.gpu


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        folder = build_tiny_text_to_music(tmp_path_factory.mktemp("tiny-musicgen-composer"))
    yield str(folder)
    clear_pipeline_cache()


def cues_of(durations: list[float], seed: int = 11) -> list[SceneCue]:
    headings = [
        ("INT.", "KITCHEN", "NIGHT", "Rain on the window. She is alone in the dark."),
        ("EXT.", "STREET", "DAY", "He runs. Sirens. A chase through the crowd."),
        ("INT.", "HALL", "DUSK", "They dance and laugh."),
    ]
    cues, at = [], 0.0
    for index, duration in enumerate(durations):
        int_ext, location, time_of_day, action = headings[index % len(headings)]
        cues.append(
            SceneCue(
                scene_index=index + 1,
                heading=f"{int_ext} {location} - {time_of_day}",
                int_ext=int_ext,
                location=location,
                time_of_day=time_of_day,
                action_text=action,
                start_s=at,
                duration_s=duration,
                seed=seed + 100 * index,
            )
        )
        at += duration
    return cues


DURATIONS = [0.4, 0.7, 0.3]


@pytest.fixture(scope="module")
def composed(tiny_model):
    composer = MusicGenComposer(model=tiny_model, device="cpu")
    return composer, composer.compose(cues_of(DURATIONS))


def test_score_has_the_films_exact_length_in_stereo_48k(composed):
    _, (samples, scenes) = composed
    assert samples.dtype == np.float32 and samples.shape == (round(sum(DURATIONS) * SAMPLE_RATE), 2)
    assert np.isfinite(samples).all() and np.abs(samples).max() > 0
    assert np.abs(samples).max() <= 10 ** (-7 / 20) + 1e-4  # peaks under the -7 dBFS ceiling
    assert [s["start_s"] for s in scenes] == pytest.approx([0.0, 0.4, 1.1])
    assert [s["duration_s"] for s in scenes] == pytest.approx(DURATIONS)


def test_same_cues_give_the_same_score(composed, tiny_model):
    _, (samples, scenes) = composed
    again, again_scenes = MusicGenComposer(model=tiny_model, device="cpu").compose(cues_of(DURATIONS))
    assert np.array_equal(samples, again) and scenes == again_scenes
    other, _ = MusicGenComposer(model=tiny_model, device="cpu").compose(cues_of(DURATIONS, seed=12))
    assert np.abs(samples - other).max() > 1e-4  # another seed, other music


def test_each_scene_records_its_prompt_seed_and_model(composed, tiny_model):
    composer, (_, scenes) = composed
    assert len(scenes) == 3
    for scene, cue in zip(scenes, cues_of(DURATIONS), strict=True):
        assert scene["composer"] == composer.name == "musicgen"
        assert scene["composer_version"] == composer.version == "1"
        assert scene["model"] == tiny_model and len(scene["weights_sha256"]) == 64
        assert scene["seed"] == cue.seed and scene["scene_index"] == cue.scene_index
        assert scene["mood"] in scene["prompt"] and cue.time_of_day.lower() in scene["prompt"]
        assert f"{round(scene['tempo_bpm'])} bpm" in scene["prompt"] and scene["mode"] in scene["prompt"]
    assert "night" in scenes[0]["prompt"] and "interior" in scenes[0]["prompt"]
    assert "exterior" in scenes[1]["prompt"] and scenes[1]["mood"].startswith("tense")
    assert len({s["prompt"] for s in scenes}) == 3


def test_long_scene_is_generated_in_chunks(tiny_model):
    composer = MusicGenComposer(model=tiny_model, device="cpu", max_chunk_s=0.3)
    samples, scenes = composer.compose(cues_of([0.8, 0.2]))
    assert samples.shape == (round(1.0 * SAMPLE_RATE), 2) and samples.dtype == np.float32
    assert np.isfinite(samples).all() and np.abs(samples).max() > 0
    seed = scenes[0]["seed"]
    assert len(scenes[0]["chunk_seeds"]) >= 3 and scenes[0]["chunk_seeds"][:2] == [seed, seed + 1]
    spans = chunk_spans(48_000, 14_400, 3_600)  # pieces cover the scene, overlap, never exceed a chunk
    assert spans[0][0] == 0 and spans[-1][1] == 48_000
    assert all(hi - lo <= 14_400 for lo, hi in spans)
    assert all(spans[k + 1][0] == spans[k][1] - 3_600 for k in range(len(spans) - 1))


def test_missing_model_path_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "no-such-musicgen")
    with pytest.raises(ValueError, match="FILMSTUDIO_MUSIC_MODEL") as caught:
        MusicGenComposer(model=missing).preflight(640, 360)
    assert missing in str(caught.value) and "--music-model" in str(caught.value)
    MusicGenComposer(model="facebook/musicgen-small").preflight(640, 360)  # a hub id is checked on load

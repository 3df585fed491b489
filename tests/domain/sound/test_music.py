"""The score is deterministic, exactly as long as the film, follows each scene's mood, crosses
scenes smoothly and sounds like quiet music, measured on the samples themselves."""

from __future__ import annotations

import time

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import welch

from film_assets.domain.sound import music
from film_assets.domain.sound.audio import SAMPLE_RATE
from film_assets.domain.sound.cues import SceneCue
from film_assets.domain.sound.mood import Mood, mood_for
from film_assets.domain.sound.music import compose_score
from resources.composer import Composer, ProceduralComposer

SR = SAMPLE_RATE


def cues(*scenes: tuple[str, str, str, float], seed: int = 7) -> list[SceneCue]:
    """Contiguous cues from (INT/EXT, time of day, action text, duration) tuples."""
    out, at = [], 0.0
    for i, (int_ext, time_of_day, action, duration) in enumerate(scenes):
        heading = f"{int_ext}. PLACE - {time_of_day}".strip(" -")
        out.append(SceneCue(i, heading, int_ext, "PLACE", time_of_day, action, at, duration, seed + 101 * i))
        at += duration
    return out


def one(
    int_ext: str = "INT", time_of_day: str = "DAY", action: str = "She waits by the window.", duration: float = 12.0
) -> SceneCue:
    return cues((int_ext, time_of_day, action, duration))[0]


def mono(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float64).mean(axis=1)


def spectral_centroid(samples: np.ndarray) -> float:
    freqs, power = welch(mono(samples), SR, nperseg=8192)
    return float(np.sum(freqs * power) / np.sum(power))


def spectral_flatness(signal: np.ndarray) -> float:
    _, power = welch(signal, SR, nperseg=4096)
    power = power[1:] + 1e-20
    return float(np.exp(np.mean(np.log(power))) / np.mean(power))


def level_variation(samples: np.ndarray) -> float:
    """Spread of the 50 ms RMS level over its mean: near 0 for a held pad, high when notes keep starting."""
    frame = SR // 20
    frames = mono(samples)[: len(samples) // frame * frame].reshape(-1, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return float(rms.std() / rms.mean())


def test_same_cues_give_identical_music():
    film = cues(("EXT", "NIGHT", "He runs through the rain.", 9.5), ("INT", "DAY", "They laugh.", 7.25))
    first, first_lineage = compose_score(film)
    second, second_lineage = compose_score(list(film))
    assert np.array_equal(first, second)
    assert first_lineage == second_lineage
    other_seed, _ = compose_score(
        cues(("EXT", "NIGHT", "He runs through the rain.", 9.5), ("INT", "DAY", "They laugh.", 7.25), seed=8)
    )
    assert not np.array_equal(first, other_seed)  # the seed varies the notes


def test_a_longer_scene_renders_that_scene_again_and_reuses_the_others_exactly():
    """What `filmstudio watch` relies on: after one line changes, the scenes it did not re-time come
    from memory, and the score is the very score a fresh process composes."""
    scenes = [("EXT", "NIGHT", "He runs through the rain.", 9.5), ("INT", "DAY", "They laugh.", 7.25)]
    scenes += [("INT", "NIGHT", "Quiet.", 8.0), ("EXT", "DAY", "Traffic hums.", 6.0)]
    retimed = [*scenes[:2], ("INT", "NIGHT", "Quiet.", 10.4), scenes[3]]
    music._scene_memo.clear()
    compose_score(cues(*scenes))
    before = (music._scene_memo.rendered, music._scene_memo.reused)
    warm, warm_lineage = compose_score(cues(*retimed))
    assert (music._scene_memo.rendered - before[0], music._scene_memo.reused - before[1]) == (1, 3)
    music._scene_memo.clear()
    fresh, fresh_lineage = compose_score(cues(*retimed))
    assert np.array_equal(warm, fresh) and warm_lineage == fresh_lineage


@pytest.mark.parametrize("durations", [[0.5], [3.0], [2.4, 1.3333, 0.77], [10.01, 0.02, 4.999], [1 / 3] * 7])
def test_length_is_exact_for_the_film(durations):
    film = cues(*[("INT", "NIGHT", "Quiet.", d) for d in durations])
    score, lineage = compose_score(film)
    assert score.shape == (round(sum(durations) * SR), 2)
    assert score.dtype == np.float32
    assert len(lineage) == len(durations)
    assert compose_score([])[0].shape == (0, 2)


def test_night_sounds_darker_than_day():
    night, _ = compose_score([one(time_of_day="NIGHT")])
    day, _ = compose_score([one(time_of_day="DAY")])
    assert spectral_centroid(night) < 0.75 * spectral_centroid(day)


def test_tense_action_is_faster_or_more_energetic():
    chase_cue = one("EXT", "DAY", "A chase: she runs, a gun fires, tyres scream.")
    quiet_cue = one("EXT", "DAY", "Quiet. The empty square.")
    chase, (chase_info,) = compose_score([chase_cue])
    quiet, (quiet_info,) = compose_score([quiet_cue])
    assert chase_info["tempo_bpm"] > quiet_info["tempo_bpm"]
    body = slice(2 * SR, 10 * SR)  # leave out the film's fade in and out
    assert level_variation(chase[body]) > 2 * level_variation(quiet[body])


def test_scene_changes_are_crossfaded():
    film = cues(
        ("INT", "NIGHT", "Silence. She is alone.", 6.0),
        ("EXT", "DAY", "A crash. They fight.", 6.0),
        ("EXT", "DAWN", "She smiles.", 6.0),
    )
    score, lineage = compose_score(film)
    assert all(0.5 <= scene["crossfade_in_s"] <= 1.5 for scene in lineage[1:])
    jumps = np.abs(np.diff(score.astype(np.float64), axis=0)).max(axis=1)
    # the music's own steepest step, inside the scenes: a click at a cut would stand out from it
    own = max(jumps[int(2 * SR) : int(5 * SR)].max(), jumps[int(7.5 * SR) : int(11 * SR)].max())
    for cut_s in (6.0, 12.0):
        around = slice(int((cut_s - 0.1) * SR), int((cut_s + 0.1) * SR))
        assert jumps[around].max() <= own < 0.05  # no click at the cut
        level = np.sqrt(np.mean(score[around].astype(np.float64) ** 2))
        before = np.sqrt(np.mean(score[int((cut_s - 2) * SR) : int((cut_s - 1) * SR)].astype(np.float64) ** 2))
        after = np.sqrt(np.mean(score[int((cut_s + 1) * SR) : int((cut_s + 2) * SR)].astype(np.float64) ** 2))
        assert level > 0.5 * min(before, after)  # and no hole either: the scenes overlap


def test_never_clips():
    loud = cues(
        *[("EXT", "DAY", "Storm! Thunder! They run, scream, fight; a gun, a crash, a chase.", 4.0)] * 5,
        ("INT", "NIGHT", "Dark.", 3.0),
    )
    score, _ = compose_score(loud)
    peak = float(np.abs(score).max())
    assert 0 < peak < 1.0
    assert 20 * np.log10(peak) <= -6.0


def test_mood_for_reads_time_of_day_int_ext_and_action_words():
    night = mood_for(one("INT", "NIGHT", "He reads by the lamp."))
    day = mood_for(one("EXT", "DAY", "He reads by the lamp."))
    dusk = mood_for(one("EXT", "DUSK", "He reads by the lamp."))
    unknown = mood_for(one("INT", "CONTINUOUS", "He reads by the lamp."))
    assert isinstance(night, Mood)
    assert (night.name, night.mode, night.voicing) == ("calm night", "minor", "seventh")
    assert (day.name, day.mode) == ("calm day", "major")
    assert (dusk.name, dusk.mode, dusk.voicing) == ("calm twilight", "mixolydian", "sus")
    assert (unknown.name, unknown.mode) == ("calm neutral", "dorian")
    assert night.tempo_bpm < unknown.tempo_bpm < day.tempo_bpm and night.brightness < day.brightness
    assert night.root < day.root

    interior, exterior = mood_for(one("INT", "DAY", "")), mood_for(one("EXT", "DAY", ""))
    assert interior.width < exterior.width and interior.space < exterior.space
    assert interior.energy < exterior.energy
    assert interior.instrumentation[0] == "pad" and exterior.instrumentation[0] == "wide pad"

    calm = mood_for(one("INT", "NIGHT", "He sits."))
    tense = mood_for(one("INT", "NIGHT", "He RUNS. Someone is Chasing him; a gunshot."))
    tender = mood_for(one("INT", "NIGHT", "She smiled and they kissed. Happy birthday."))
    sad = mood_for(one("INT", "NIGHT", "Rain. The flat is empty; she is alone."))
    assert (tense.name, tense.mode) == ("tense night", "phrygian")
    assert tense.tempo_bpm > calm.tempo_bpm and tense.energy > calm.energy + 0.3
    assert "pulse" in tense.instrumentation and "arp" in tense.instrumentation
    assert (tender.name, tender.mode, tender.voicing) == ("tender night", "dorian", "add9")
    assert (sad.name, sad.voicing) == ("melancholy night", "seventh")
    assert sad.tempo_bpm < calm.tempo_bpm and sad.brightness < calm.brightness
    assert mood_for(one("INT", "NIGHT", "A grin: she begins to sing. Then the storm breaks.")).feeling == "tense"  # tie
    assert mood_for(one("INT", "NIGHT", "Gunsmoke and a runway.")).feeling == "calm"  # whole words only
    assert mood_for(one("INT", "NIGHT", "He runs.")) == mood_for(one("INT", "NIGHT", "He runs."))


def test_music_is_not_silence_and_not_noise():
    film = cues(
        ("INT", "NIGHT", "She is alone.", 8.0), ("EXT", "DAY", "They run.", 8.0), ("EXT", "DUSK", "A kiss.", 8.0)
    )
    score, _ = compose_score(film)
    loudness = pyloudnorm.Meter(SR).integrated_loudness(score.astype(np.float64))
    assert -40 < loudness < -16
    noise = np.random.default_rng(0).standard_normal(len(score))
    assert spectral_flatness(noise) > 0.5  # the measure itself tells noise apart
    assert spectral_flatness(mono(score)) < 0.05 * spectral_flatness(noise)


def test_two_minutes_compose_in_well_under_two_seconds():
    film = cues(
        *[
            (("INT", "EXT")[i % 2], ("NIGHT", "DAY", "DUSK")[i % 3], ("He runs.", "Quiet.", "A kiss.")[i % 3], 15.0)
            for i in range(8)
        ]
    )
    compose_score(film[:1])  # warm up numpy
    began = time.perf_counter()
    score, _ = compose_score(film)
    assert len(score) == 120 * SR
    assert time.perf_counter() - began < 2.0


def test_procedural_composer_is_the_resource_and_records_itself():
    composer = ProceduralComposer()
    assert isinstance(composer, Composer)
    film = cues(("INT", "NIGHT", "Rain.", 2.5), ("EXT", "DAY", "A chase.", 2.5))
    samples, scenes = composer.compose(film)
    assert samples.shape == (5 * SR, 2) and samples.dtype == np.float32
    assert np.array_equal(samples, compose_score(film, SR)[0])
    assert [s["composer"] for s in scenes] == ["procedural", "procedural"]
    assert {"mood", "key", "mode", "tempo_bpm", "seed", "composer_version"} <= set(scenes[0])
    assert scenes[1]["seed"] == film[1].seed


def test_cues_that_do_not_follow_each_other_are_refused():
    first, second = cues(("INT", "NIGHT", "", 2.0), ("EXT", "DAY", "", 2.0))
    with pytest.raises(ValueError, match="contiguous"):
        compose_score([first, SceneCue(**{**second.__dict__, "start_s": 5.0})])
    with pytest.raises(ValueError, match="seed"):
        compose_score([SceneCue(**{**first.__dict__, "seed": 2**31})])

"""The sound as delivered: the MP4's own audio meets loudness and true peak, speech sits clearly
above the music where a line is spoken, subtitles start with the speech, and characters sound
different. Measured on the file with PyAV and pyloudnorm, not read back from our bookkeeping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import av
import numpy as np
import pandas as pd
import pyloudnorm
import pytest
from dagster import DagsterEventType, DagsterInstance
from scipy.io import wavfile
from scipy.signal import correlate, resample_poly

from film_assets.assets.qc_checks import QC_SPECS
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow  # the module fixture renders night_shift through the CLI

SR = 48_000


def decode_audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.sample_rate == SR and stream.codec_context.channels == 2
        return np.concatenate([f.to_ndarray() for f in container.decode(stream)], axis=1).T.astype(np.float64)


def true_peak_dbtp(audio: np.ndarray) -> float:
    return 20 * np.log10(np.abs(resample_poly(audio, 4, 1, axis=0)).max())


def srt_starts(path: Path) -> list[float]:
    starts = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        stamp = block.splitlines()[1].split(" --> ")[0]
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        starts.append(int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000)
    return starts


def rms_db(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(samples**2) + 1e-12)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """night_shift rendered once through the CLI (small frames: the sound is what is tested)."""
    home = tmp_path_factory.mktemp("sound-home")
    out = home / "out"
    env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(home)}
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "film_assets.cli",
            "render",
            str(EXAMPLES / "night_shift.fountain"),
            "--out",
            str(out),
            "--width",
            "320",
            "--height",
            "180",
            "--fps",
            "8",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    media = home / "media" / "projects" / summary["project"]
    shots = pd.read_parquet(media / "shot_list" / "shot_list.parquet")
    lines = [(row.start_s + line["offset_s"], line) for row in shots.itertuples() for line in json.loads(row.dialogue)]
    track = json.loads((media / "dialogue_track" / "dialogue_track.json").read_text())
    clips = {int(line): home / "media" / entry["key"] for line, entry in track.items()}  # line id -> its wav
    return {
        "home": home,
        "out": out,
        "summary": summary,
        "media": media,
        "shots": shots,
        "lines": lines,
        "clips": clips,
        "audio": decode_audio(out / "final_cut.mp4"),
    }


def test_delivered_loudness_is_on_the_web_target(delivered):
    loudness = pyloudnorm.Meter(SR).integrated_loudness(delivered["audio"])
    assert loudness == pytest.approx(-14.0, abs=1.0)


def test_delivered_true_peak_is_under_the_ceiling(delivered):
    assert true_peak_dbtp(delivered["audio"]) <= -1.0


def test_speech_stands_clearly_above_the_music(delivered):
    audio = delivered["audio"].mean(axis=1)
    spoken = np.zeros(len(audio), dtype=bool)
    for start, line in delivered["lines"]:
        spoken[int(start * SR) : int((start + line["duration_s"]) * SR)] = True
    speech_windows, music_windows = [], []
    for begin in range(0, len(audio) - SR // 2, SR // 2):  # half-second windows
        window = slice(begin, begin + SR // 2)
        if spoken[window].all():
            speech_windows.append(rms_db(audio[window]))
        elif not spoken[max(begin - SR, 0) : begin + SR + SR // 2].any():  # well clear of any line
            music_windows.append(rms_db(audio[window]))
    assert len(speech_windows) > 20 and len(music_windows) > 5
    assert np.median(speech_windows) - np.median(music_windows) >= 6.0


def test_each_line_is_heard_where_its_subtitle_starts(delivered):
    # dual dialogue is panned apart: look for each line in the mid and in each side
    channels = (delivered["audio"].mean(axis=1), delivered["audio"][:, 0], delivered["audio"][:, 1])
    starts = srt_starts(delivered["out"] / "final_cut.srt")
    assert len(starts) == len(delivered["lines"]) == delivered["summary"]["dialogue_lines"]
    search = int(0.3 * SR)  # look ±0.3 s around each cue for where the line really is
    for (_start, line), cue in zip(sorted(delivered["lines"], key=lambda item: item[0]), sorted(starts)):
        clip = wavfile.read(delivered["clips"][line["line"]])[1].astype(np.float64)
        best, best_lag = -1.0, 0
        for audio in channels:
            begin = int(cue * SR) - search
            region = audio[begin : begin + 2 * search + len(clip)]
            energy = np.concatenate([[0.0], np.cumsum(region**2)])
            window_norms = np.sqrt(np.maximum(energy[len(clip) :] - energy[: -len(clip)], 1e-20))
            scores = correlate(region, clip, mode="valid", method="fft") / (window_norms * np.linalg.norm(clip))
            if scores.max() > best:
                best, best_lag = float(scores.max()), int(np.argmax(scores)) - search
        assert best > 0.5, f"line {line['line']} not found in the audio (correlation {best:.2f})"
        assert abs(best_lag) <= 0.1 * SR, (
            f"line {line['line']}: speech starts {best_lag / SR * 1000:.0f} ms from its cue"
        )


def test_two_characters_sound_measurably_different(delivered):
    def centroid_and_pitch(character: str) -> tuple[float, float]:
        lines = [line for _, line in delivered["lines"] if line["character"] == character]
        clip = np.concatenate([wavfile.read(delivered["clips"][spoken["line"]])[1] for spoken in lines]).astype(
            np.float64
        )
        spectrum = np.abs(np.fft.rfft(clip))
        freqs = np.fft.rfftfreq(len(clip), 1 / SR)
        voiced = (freqs > 70) & (freqs < 400)
        return float((spectrum * freqs).sum() / spectrum.sum()), float(freqs[voiced][np.argmax(spectrum[voiced])])

    zoe, hal = centroid_and_pitch("ZOË"), centroid_and_pitch("HAL")
    assert abs(zoe[0] - hal[0]) / max(zoe[0], hal[0]) > 0.1 or abs(zoe[1] - hal[1]) > 20


def test_shot_durations_come_from_the_measured_speech(delivered):
    track = json.loads((delivered["media"] / "dialogue_track" / "dialogue_track.json").read_text())
    for _, line in delivered["lines"]:
        assert line["duration_s"] == pytest.approx(track[str(line["line"])]["duration_s"], abs=1e-3)
    for row in delivered["shots"].itertuples():
        for line in json.loads(row.dialogue):
            assert line["offset_s"] + line["duration_s"] <= row.duration_s, f"{row.code} clips a line"


def test_delivery_checks_pass_and_are_recorded(delivered):
    os.environ["DAGSTER_HOME"] = str(delivered["home"] / "dagster_home")
    try:
        instance = DagsterInstance.get()
        records = instance.all_logs(delivered["summary"]["run_id"], of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    finally:
        del os.environ["DAGSTER_HOME"]
    results = {
        r.dagster_event.event_specific_data.check_name: r.dagster_event.event_specific_data.passed for r in records
    }
    delivery = (
        "loudness_on_target",
        "true_peak_within_ceiling",
        "every_line_heard_and_subtitled",
        "audio_video_in_sync",
    )
    assert {name: results[name] for name in delivery} == dict.fromkeys(delivery, True)
    # and the production QC checks (docs/quality-checks.md), each a result of this run
    qc = {spec.name for spec in QC_SPECS} | {"no_unasked_black_or_freeze"}
    assert set(results) == set(delivery) | qc
    assert len(results) == 9


def test_broadcast_loudness_target(run_cli, tmp_path):
    result = run_cli(
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
        "--loudness",
        "broadcast",
    )
    assert result.returncode == 0, result.stderr
    audio = decode_audio(tmp_path / "o" / "final_cut.mp4")
    assert pyloudnorm.Meter(SR).integrated_loudness(audio) == pytest.approx(-23.0, abs=1.0)
    assert true_peak_dbtp(audio) <= -1.0

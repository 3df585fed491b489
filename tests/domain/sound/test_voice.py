"""Dialogue voices, measured on the real audio espeak-ng produces (no mocks): characters sound
different, deliveries and extensions are audible, beats are silences, clips start on speech,
and the same line always gives the same samples."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from film_assets.domain.screenplay.dialogue import LineSpec, SpokenPart
from film_assets.domain.sound.audio import SAMPLE_RATE
from film_assets.domain.sound.voices import NARRATOR, VOICE_CATALOGUE, delivery_for
from resources.voice import EspeakVoice

SENTENCE = "The quick brown fox jumps over the lazy dog."
VOICE = EspeakVoice()


def line(*parts: SpokenPart | str, character: str = "ANNA", extensions: tuple[str, ...] = ()) -> LineSpec:
    spoken = tuple(SpokenPart(p) if isinstance(p, str) else p for p in parts)
    return LineSpec(12, 1, character, extensions, spoken)


def speak(*parts: SpokenPart | str, voice_id: str = "en-us+m3", **kwargs) -> np.ndarray:
    return VOICE.speak(line(*parts, **kwargs), voice_id).samples


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def windowed_rms(x: np.ndarray, window_s: float, hop_s: float | None = None) -> np.ndarray:
    window, hop = int(window_s * SAMPLE_RATE), int((hop_s or window_s) * SAMPLE_RATE)
    return np.array([rms(x[i : i + window]) for i in range(0, max(1, x.size - window + 1), hop)])


def median_f0(x: np.ndarray) -> float:
    """Median pitch of the voiced 40 ms frames, by autocorrelation (60-400 Hz)."""
    frame, found = int(0.04 * SAMPLE_RATE), []
    loud = 0.05 * np.abs(x).max()
    for start in range(0, x.size - frame, frame // 2):
        chunk = x[start : start + frame] - x[start : start + frame].mean()
        if rms(chunk) < loud:
            continue
        corr = np.fft.irfft(np.abs(np.fft.rfft(chunk, 2 * frame)) ** 2)[:frame]
        low, high = SAMPLE_RATE // 400, SAMPLE_RATE // 60
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.3 * corr[0]:
            found.append(SAMPLE_RATE / lag)
    return float(np.median(found))


def spectral_centroid(x: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    return float((power * np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)).sum() / power.sum())


def energy_share(x: np.ndarray, low_hz: float, high_hz: float) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)
    return float(power[(freqs >= low_hz) & (freqs < high_hz)].sum() / power.sum())


def spectral_flatness(x: np.ndarray) -> float:
    """Median over the louder 20 ms frames: near 0 for a buzzy voiced tone, higher for breath noise."""
    frame, values = 1024, []
    loud = 0.1 * windowed_rms(x, frame / SAMPLE_RATE).max()
    for start in range(0, x.size - frame, frame):
        chunk = x[start : start + frame]
        if rms(chunk) > loud:
            power = np.abs(np.fft.rfft(chunk * np.hanning(frame))) ** 2 + 1e-12
            values.append(np.exp(np.mean(np.log(power))) / np.mean(power))
    return float(np.median(values))


def voice_features(x: np.ndarray) -> np.ndarray:
    return np.log([median_f0(x), spectral_centroid(x)])


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart two voices are: the larger log-ratio of median pitch and spectral centroid."""
    return float(np.max(np.abs(voice_features(a) - voice_features(b))))


def test_two_characters_sound_measurably_different():
    cast = VOICE.cast(["ANNA", "BEN"])
    assert cast["ANNA"] != cast["BEN"]
    anna, ben = speak(SENTENCE, voice_id=cast["ANNA"]), speak(SENTENCE, voice_id=cast["BEN"])
    assert distance(anna, ben) > np.log(1.10)
    # and so does any pair the catalogue can hand out
    features = {p.id: voice_features(speak(SENTENCE, voice_id=p.id)) for p in VOICE_CATALOGUE}
    gaps = {(a, b): np.max(np.abs(features[a] - features[b])) for a, b in itertools.combinations(features, 2)}
    closest = min(gaps, key=gaps.get)
    assert gaps[closest] > np.log(1.08), closest


def test_same_line_gives_identical_audio():
    spec = line(SpokenPart("Give it back.", parenthetical="(whispering)"), "Now!", extensions=("O.S.",))
    first = VOICE.speak(spec, "en-gb+f2")
    speak("Something else entirely, to stir the engine's state.", voice_id="en-us+f5")
    again = VOICE.speak(spec, "en-gb+f2")
    assert np.array_equal(first.samples, again.samples)
    assert first.parameters == again.parameters
    assert first.parameters["engine"] == "espeak-ng" and first.parameters["voice_id"] == "en-gb+f2"
    # and in a fresh process, where the engine has spoken nothing before
    code = (
        "import hashlib; from film_assets.domain.screenplay.dialogue import LineSpec, SpokenPart; "
        "from film_assets.bindings import espeak; from film_assets.domain.sound.voices import speak_line; "
        "spec = LineSpec(12, 1, 'ANNA', ('O.S.',), (SpokenPart('Give it back.', parenthetical='(whispering)'), "
        "SpokenPart('Now!'))); print(hashlib.sha256(speak_line(spec, 'en-gb+f2', espeak).samples.tobytes()).hexdigest())"
    )
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert fresh == hashlib.sha256(first.samples.tobytes()).hexdigest()


def test_lines_spoken_from_parallel_threads_match_one_by_one():
    lines = [line(f"Line number {i}, spoken by someone.") for i in range(8)]
    voices = [p.id for p in VOICE_CATALOGUE[:8]]
    one_by_one = [VOICE.speak(spec, voice).samples for spec, voice in zip(lines, voices)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda args: VOICE.speak(*args).samples, zip(lines, voices)))
    assert all(np.array_equal(a, b) for a, b in zip(one_by_one, parallel))


def test_casting_is_stable_and_distinct():
    trio = VOICE.cast(["ANNA", "BEN", "CLARA"])
    assert VOICE.cast(["CLARA", "ANNA", "BEN"]) == trio  # order does not matter
    assert len(set(trio.values())) == 3
    assert VOICE.cast(["ANNA"])["ANNA"] == trio["ANNA"]  # a name keeps its voice across films
    assert VOICE.cast(["anna "])["anna "] == trio["ANNA"]
    ten = VOICE.cast([f"EXTRA {i}" for i in range(10)])
    assert len(set(ten.values())) == 10  # distinct while the catalogue has free voices
    eleven = VOICE.cast([f"EXTRA {i}" for i in range(11)])
    assert set(eleven.values()) <= {p.id for p in VOICE_CATALOGUE}
    assert VOICE.cast(["", "ANNA"])[""] == NARRATOR.id  # a lyric with no singer


def test_override_wins_and_bad_override_is_a_clear_error():
    natural = VOICE.cast(["ANNA", "BEN"])
    other = next(p.id for p in VOICE_CATALOGUE if p.id != natural["ANNA"])
    assert VOICE.cast(["ANNA", "BEN"], {"Anna": other})["ANNA"] == other
    cast = VOICE.cast(["ANNA", "BEN"], {"BEN": "en-us+f1"})  # any espeak voice name, not just the catalogue
    assert cast["BEN"] == "en-us+f1"
    assert speak("Hello there.", voice_id="en-us+f1").size > 0
    with pytest.raises(ValueError) as error:
        VOICE.cast(["ANNA", "BEN"], {"BEN": "robot-9000"})
    message = str(error.value)
    assert "BEN" in message and "robot-9000" in message and VOICE_CATALOGUE[0].id in message


def test_whisper_is_quieter_and_breathier_than_neutral():
    text = "I know where they hid the letters."
    assert delivery_for("(barely a whisper)").name == delivery_for("(whispering)").name == "whisper"
    neutral = speak(text)
    whisper = speak(SpokenPart(text, parenthetical="(whispering)"))
    assert rms(whisper) < 0.6 * rms(neutral)
    assert spectral_flatness(whisper) > 3 * spectral_flatness(neutral)


def test_shouting_is_louder_or_faster():
    text = "Get out of my house, all of you, right now."
    neutral = speak(text)
    shout = speak(SpokenPart(text, parenthetical="(shouting)"))
    louder, faster = rms(shout) > 1.3 * rms(neutral), shout.size < 0.95 * neutral.size
    assert louder and faster, (rms(shout) / rms(neutral), shout.size / neutral.size)


def test_voice_over_is_band_limited():
    plain = speak(SENTENCE)
    voice_over = speak(SENTENCE, extensions=("V.O.",))
    assert energy_share(voice_over, 0, 200) < 0.1 * energy_share(plain, 0, 200)
    assert energy_share(voice_over, 4000, SAMPLE_RATE / 2) < 0.2 * energy_share(plain, 4000, SAMPLE_RATE / 2)


def test_off_screen_is_muffled():
    plain = speak(SENTENCE)
    off_screen = speak(SENTENCE, extensions=("O.S.",))
    assert energy_share(off_screen, 2500, SAMPLE_RATE / 2) < 0.1 * energy_share(plain, 2500, SAMPLE_RATE / 2)
    assert np.abs(off_screen).max() < 0.6 * np.abs(plain).max()  # and further away


def test_beat_inserts_a_pause():
    together = speak("Wait.", "Go now.")
    with_beat = speak("Wait.", SpokenPart("Go now.", parenthetical="(beat)", pause_before_s=0.6))
    assert (with_beat.size - together.size) / SAMPLE_RATE == pytest.approx(0.6, abs=0.03)
    quiet = windowed_rms(with_beat, 0.01) < 10 ** (-50 / 20) * np.abs(with_beat).max()
    longest_gap = max(len(list(run)) for is_quiet, run in itertools.groupby(quiet) if is_quiet) * 0.01
    assert longest_gap >= 0.55


@pytest.mark.parametrize(
    "text, note, extensions",
    [
        ("Morning, Anna.", "", ()),
        ("Thanks for nothing.", "", ()),
        ("Hello?", "(whispering)", ()),
        ("Stop right there!", "(shouting)", ()),
        ("Mother is on the line.", "", ("V.O.",)),
        ("Anybody home?", "", ("O.S.",)),
    ],
)
def test_speech_starts_at_the_clip_start(text, note, extensions):
    clip = speak(SpokenPart(text, parenthetical=note), extensions=extensions)
    loudest = windowed_rms(clip, 0.02, 0.005).max()
    onset = np.flatnonzero(windowed_rms(clip, 0.005) > 10 ** (-35 / 20) * loudest)[0] * 0.005
    assert onset <= 0.02
    assert rms(clip[-int(0.005 * SAMPLE_RATE) :]) < 10 ** (-30 / 20) * loudest  # and ends once speech ends


def test_duration_grows_with_words():
    durations = [
        VOICE.speak(line(text), "en-gb+m1").duration_s
        for text in ("No.", "No, not today.", "No, not today, and not tomorrow either, my friend.")
    ]
    assert durations[0] < durations[1] < durations[2]
    assert durations[2] > 2 * durations[0]


def test_unicode_text_speaks():
    for text in ("Tomás, ¿qué?", "“Où est le café?” — naïve… 😀"):
        spoken = VOICE.speak(line(text), "en-gb+f2")
        assert spoken.duration_s > 0.3
        assert np.isfinite(spoken.samples).all() and spoken.samples.dtype == np.float32
        assert 0.5 < np.abs(spoken.samples).max() <= 1.0

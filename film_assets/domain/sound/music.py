"""The film's underscore, synthesised procedurally in numpy: no audio files, no models.

Each scene gets a mood (film_assets.domain.sound.mood) and from it a four-chord loop in the mood's key
and mode; the scene's seed picks the progression, arpeggio pattern, phases and velocities.
Layers: a soft pad (two detuned voices per chord tone, more and stronger harmonics and a higher
register with brightness, slow attack, tails that ring longer outside, stereo width from the
mood); a bass on the chord roots, held or pulsing in eighths when the energy is high; and for
livelier moods a plucked arpeggio with tempo-synced ping-pong echoes. Scenes meet in 0.5-1.5 s
equal-power crossfades; the film fades in and out. Everything is computed per note on numpy
arrays (float32 sines), so two minutes of music take a fraction of a second.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np

from film_assets.domain.sound.audio import SAMPLE_RATE
from film_assets.domain.sound.cues import SceneCue
from film_assets.domain.sound.mood import PULSE_ENERGY, Mood, mood_for

SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
RELATIVE_MAJOR = {"major": 0, "minor": 3, "dorian": 10, "mixolydian": 5, "lydian": 7, "phrygian": 8}  # semitones up
SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
}
# Scale degrees (0 = tonic) of four-chord loops per mode; none lands on the mode's diminished triad.
PROGRESSIONS = {
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 5, 4), (5, 3, 0, 4), (0, 3, 0, 4)),
    "minor": ((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6), (0, 5, 3, 6), (0, 2, 6, 5)),
    "dorian": ((0, 3, 6, 3), (0, 2, 3, 6), (0, 6, 3, 4), (0, 4, 6, 3)),
    "mixolydian": ((0, 6, 3, 0), (0, 4, 6, 3), (0, 6, 5, 3), (0, 3, 1, 6)),
    "lydian": ((0, 1, 5, 4), (0, 1, 4, 5), (0, 5, 1, 0), (5, 1, 0, 4)),
    "phrygian": ((0, 1, 0, 6), (0, 1, 3, 0), (0, 5, 1, 0), (0, 3, 1, 0)),
}
BASS_LOW = 33  # A1: bass notes sit in A1..G#2
PEAK_CEILING = 10 ** (-7 / 20)  # never louder than -7 dBFS; the mix stage sets the final level
PAD_RMS, BASS_RMS, ARP_PEAK = 0.055, 0.028, 0.11  # per-layer levels, for about -24 LUFS overall
FADE_IN_S, FADE_OUT_S = 1.5, 2.5


def _hz(midi: float) -> float:  # equal temperament, A4 = MIDI 69 = 440 Hz
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def _place(pitch: int, low: int) -> int:
    """The pitch's note name in the octave starting at `low`."""
    return low + (pitch - low) % 12


def _centre(mood: Mood) -> int:
    """Middle of the pad's register: brighter moods sit higher."""
    return mood.root + round(8 * mood.brightness) - 2


def chord_pitches(mood: Mood, degree: int, position: int) -> list[int]:
    """Chord on a scale degree, root first, as MIDI notes above the mood's root (not yet voiced)."""
    scale = SCALES[mood.mode]

    def tone(step: int) -> int:
        return mood.root + scale[(degree + step) % 7] + 12 * ((degree + step) // 7)

    steps = {"seventh": (0, 2, 4, 6), "add9": (0, 2, 4, 8)}.get(mood.voicing, (0, 2, 4))
    if mood.voicing == "sus":  # alternate sus2 / sus4 where the scale has a true 2nd / 4th
        if position % 2 == 0 and tone(1) - tone(0) == 2:
            steps = (0, 1, 4)
        elif tone(3) - tone(0) == 5:
            steps = (0, 3, 4)
    return [tone(s) for s in steps]


def note_names(mood: Mood) -> tuple[str, ...]:
    """Spelling of the key signature: flats for the modes of F, Bb, Eb, Ab and Db major, else sharps."""
    return FLATS if (mood.root + RELATIVE_MAJOR[mood.mode]) % 12 in (5, 10, 3, 8, 1) else SHARPS


def chord_name(pitches: list[int], names: tuple[str, ...] = SHARPS) -> str:
    root, rest = pitches[0], {(p - pitches[0]) % 12 for p in pitches[1:]}
    quality = "m" if 3 in rest else "" if 4 in rest else "sus2" if 2 in rest else "sus4"
    extra = "maj7" if 11 in rest else "7" if 10 in rest else ""
    return names[root % 12] + quality + extra + ("add9" if 2 in rest and quality != "sus2" else "")


def _oscillator(freq: float, lo: int, hi: int, sr: int, phase: float, amps: np.ndarray) -> np.ndarray:
    """Sum of harmonics over samples lo..hi of a note. The phase runs in 32-bit fixed point, which
    wraps by itself, so the float32 sines stay exact however long the note lasts."""
    increment = np.uint32(round(freq / sr * 2**32) % 2**32)
    cycles = np.arange(lo, hi, dtype=np.uint32) * increment + np.uint32(int(phase * 2**32) % 2**32)
    x = cycles.astype(np.float32)
    x *= np.float32(2 * np.pi / 2**32)
    wave = amps[0] * np.sin(x)
    for h, amp in enumerate(amps[1:], start=2):
        wave += amp * np.sin(h * x)
    return wave


def _add(buffer: np.ndarray, start: int, sound: np.ndarray) -> None:
    """Mix `sound` into `buffer` at `start`, dropping what falls outside (start may be negative)."""
    lo, hi = max(0, -start), min(len(sound), len(buffer) - start)
    if hi > lo:
        buffer[start + lo : start + hi] += sound[lo:hi]


def _pluck(freq: float, brightness: float, decay_s: float, sr: int) -> np.ndarray:
    """A soft plucked note: harmonics that die faster the higher they are, 4 ms attack against clicks."""
    n = round(decay_s * 5 * sr)
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    wave = np.zeros(n, np.float32)
    for h in (1, 2, 3):
        partial = _oscillator(h * freq, 0, n, sr, 0.0, np.ones(1, np.float32))
        wave += np.float32((0.55 * brightness) ** (h - 1)) * partial * np.exp(-t * np.float32(h / decay_s))
    ramp = min(n, round(0.004 * sr))
    wave[:ramp] *= np.linspace(0, 1, ramp, dtype=np.float32)
    return wave


def _held_notes(voicings: list[set[int]]) -> list[tuple[int, int, int]]:
    """(note, first chord, chord after the last) per note: a tone shared by consecutive chords is
    held through them instead of attacked again, as a player would."""
    events = []
    for k, notes in enumerate(voicings):
        for note in sorted(notes - (voicings[k - 1] if k else set())):
            end = k + 1
            while end < len(voicings) and note in voicings[end]:
                end += 1
            events.append((note, k, end))
    return events


def _envelope(lo: int, hi: int, attack: int, held: int, release: int) -> np.ndarray:
    """Samples lo..hi of a sin^2 attack, a hold until `held` and a cos^2 release (no corners: no clicks)."""
    env = np.ones(hi - lo, np.float32)
    if lo < attack:
        rise = np.arange(lo, min(hi, attack), dtype=np.float32) * np.float32(np.pi / 2 / attack)
        env[: len(rise)] = np.sin(rise) ** 2
    if hi > held:
        fall = np.arange(max(lo, held) - held, hi - held, dtype=np.float32) * np.float32(np.pi / 2 / release)
        env[len(env) - len(fall) :] = np.cos(np.minimum(fall, np.float32(np.pi / 2))) ** 2
    return env


def _render_scene(mood: Mood, n: int, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """`n` samples of one scene's music, stereo, starting mid-flow (the crossfade brings it in)."""
    progression = PROGRESSIONS[mood.mode][rng.integers(len(PROGRESSIONS[mood.mode]))]
    chords = [chord_pitches(mood, degree, k) for k, degree in enumerate(progression)]
    beat = 60.0 / mood.tempo_bpm
    chord_n = round((4 if mood.tempo_bpm < 96 else 8) * beat * sr)  # 2.5-5 s per chord at any tempo
    attack = min(round((0.35 + 0.9 * (1 - mood.energy)) * sr), chord_n)
    pre = attack  # start one attack early so the scene does not open on a swell
    loop = [chords[k % len(chords)] for k in range(-(-(n + pre) // chord_n))]  # the chord in each slot
    left, right = _pad(mood, loop, n, chord_n, pre, attack, sr, rng)
    bass = _bass(mood, [{_place(chord[0], BASS_LOW)} for chord in loop], n, chord_n, pre, beat, sr)
    if "arp" in mood.instrumentation:
        _arpeggio(mood, chords, chord_n, pre, beat, sr, rng, left, right)
    left += bass
    right += bass
    return np.stack([left, right], axis=1), [chord_name(c, note_names(mood)) for c in chords]


class _SceneMemo:
    """Scenes already rendered in this process, by everything that makes their samples (mood,
    length, rate, seed): in a process that renders the same film again (`filmstudio watch`), a
    changed line re-times one scene and every other scene is the very same samples. At most
    MEMO_BYTES of audio, the least recently used dropped first; a one-off render just fills it."""

    MEMO_BYTES = 192 * 2**20  # about eight minutes of stereo float32 at 48 kHz

    def __init__(self) -> None:
        self._scenes: OrderedDict[tuple, tuple[np.ndarray, list[str]]] = OrderedDict()
        self._bytes = 0
        self.rendered = self.reused = 0
        self._lock = threading.Lock()  # steps of one process may compose at once

    def clear(self) -> None:
        with self._lock:
            self._scenes.clear()
            self._bytes = 0

    def render(self, mood: Mood, n: int, sr: int, seed: int) -> tuple[np.ndarray, list[str]]:
        key = (mood, n, sr, seed)
        with self._lock:
            found = self._scenes.get(key)
            if found is not None:
                self._scenes.move_to_end(key)
                self.reused += 1
                return found[0].copy(), list(found[1])  # the caller fades its copy in place
        audio, progression = _render_scene(mood, n, sr, np.random.default_rng(seed))
        with self._lock:
            self.rendered += 1
            if key not in self._scenes and audio.nbytes <= self.MEMO_BYTES:
                self._scenes[key] = (audio.copy(), list(progression))
                self._bytes += audio.nbytes
                while self._bytes > self.MEMO_BYTES:
                    _, (dropped, _) = self._scenes.popitem(last=False)
                    self._bytes -= dropped.nbytes
        return audio, progression


_scene_memo = _SceneMemo()


def _pad(
    mood: Mood, loop: list[list[int]], n: int, chord_n: int, pre: int, attack: int, sr: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Chord tones voiced close around a centre, plus the root an octave over the bass for body;
    two detuned voices per tone, harmonics (count and roll-off) from brightness."""
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    centre = _centre(mood)
    voicings = [{_place(p, centre - 6) for p in chord} | {_place(chord[0], BASS_LOW) + 12} for chord in loop]
    harmonics = 2 + round(2 * mood.brightness)
    amps = (1.0 / np.arange(1, harmonics + 1)) ** (2.4 - 1.4 * mood.brightness)
    amps = (amps / np.sqrt(np.sum(amps**2))).astype(np.float32)
    release = round((0.6 + 1.4 * mood.space) * sr)  # tails ring into the next chord, longer outside
    detune = (2 + 6 * mood.width) / 100  # semitones each way: wider moods spread further
    side = np.float32(0.5 + 0.45 * mood.width)  # share of each detuned voice on its own side
    # the pad steps back as the energy (and with it pulse and arpeggio) comes forward
    per_note = PAD_RMS * (1.2 - 0.7 * mood.energy) * math.sqrt(2 / np.mean([len(v) for v in voicings]))
    for note, first, end in _held_notes(voicings):
        start, held = first * chord_n - pre, (end - first) * chord_n
        lo, hi = max(0, -start), min(held + release, n - start)
        if hi > lo:
            voice_a = _oscillator(_hz(note + detune), lo, hi, sr, rng.random(), amps)
            voice_b = _oscillator(_hz(note - detune), lo, hi, sr, rng.random(), amps)
            gain = _envelope(lo, hi, attack, held, release) * np.float32(per_note)
            _add(left, start + lo, gain * (side * voice_a + (1 - side) * voice_b))
            _add(right, start + lo, gain * ((1 - side) * voice_a + side * voice_b))
    return left, right


def _bass(mood: Mood, roots: list[set[int]], n: int, chord_n: int, pre: int, beat: float, sr: int) -> np.ndarray:
    """The chord roots, mono: held (a repeated root is one long note), or an eighth-note pulse
    accented on the beat when the mood has one."""
    bass = np.zeros(n, np.float32)
    amps = np.array([1.0, 0.35 * mood.brightness], np.float32)
    step, release = round(beat / 2 * sr), round(0.3 * sr)
    t = np.arange(step) / sr
    hit_env = (
        np.exp(-t / (beat / 4))
        * np.minimum(1.0, t / 0.005)  # 5 ms ramps at both ends: no clicks
        * np.minimum(1.0, t[::-1] / 0.005)
    ).astype(np.float32) * np.float32(BASS_RMS * (0.6 + 0.8 * mood.energy))
    for note, first, end in _held_notes(roots):
        start, held = first * chord_n - pre, (end - first) * chord_n
        if "pulse" in mood.instrumentation:
            hit = _oscillator(_hz(note), 0, step, sr, 0.0, amps) * hit_env
            for j in range(held // step):
                _add(bass, start + j * step, hit * np.float32(2.6 if j % 2 == 0 else 1.8))
            continue
        lo, hi = max(0, -start), min(held + release, n - start)
        if hi > lo:
            env = _envelope(lo, hi, round(0.08 * sr), held, release) * np.float32(BASS_RMS * 1.4)
            _add(bass, start + lo, _oscillator(_hz(note), lo, hi, sr, 0.0, amps) * env)
    return bass


def _arpeggio(
    mood: Mood,
    chords: list[list[int]],
    chord_n: int,
    pre: int,
    beat: float,
    sr: int,
    rng: np.random.Generator,
    left: np.ndarray,
    right: np.ndarray,
) -> None:
    """Plucked chord tones just over the pad, quarters (eighths when energetic), louder with
    energy, panned left-right by width, with ping-pong echoes a dotted eighth apart."""
    n = len(left)
    step = round((beat / 2 if mood.energy >= PULSE_ENERGY else beat) * sr)
    pattern = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 1, 2, 3, 2, 1), (3, 2, 1, 0))[rng.integers(4)]
    plucks: dict[int, np.ndarray] = {}  # one rendering per pitch, reused for every onset
    decay = 0.12 + 0.25 * (1 - mood.energy)
    dry_l, dry_r = np.zeros(n, np.float32), np.zeros(n, np.float32)
    centre = _centre(mood)
    for onset in range(-pre, n, step):
        chord = chords[((onset + pre) // chord_n) % len(chords)]
        tones = sorted({_place(p, centre + 1) for p in chord})
        j = (onset + pre) // step
        note = tones[pattern[j % len(pattern)] % len(tones)]
        if note not in plucks:
            plucks[note] = _pluck(_hz(note), mood.brightness, decay, sr)
        pan = 0.5 + 0.4 * mood.width * (1 if j % 2 else -1)
        velocity = ARP_PEAK * (0.6 + 0.8 * mood.energy) * (1.0 if j % 4 == 0 else 0.75) * rng.uniform(0.85, 1.0)
        _add(dry_l, onset, plucks[note] * np.float32(velocity * math.cos(pan * math.pi / 2)))
        _add(dry_r, onset, plucks[note] * np.float32(velocity * math.sin(pan * math.pi / 2)))
    left += dry_l
    right += dry_r
    mono = (dry_l + dry_r) * np.float32(0.5)
    for tap in (1, 2, 3):  # echoes alternate sides and fade; more of them outside
        delay = round(tap * 0.75 * beat * sr)
        if delay < n:
            (right if tap % 2 else left)[delay:] += mono[: n - delay] * np.float32(0.8 * mood.space * 0.55**tap)


def check_cues(cues: list[SceneCue]) -> None:
    """Refuse what cannot be laid out: the score is placed by durations, so starts must add up."""
    at = 0.0
    for cue in cues:
        if cue.duration_s < 0 or not math.isfinite(cue.duration_s):
            raise ValueError(f"scene {cue.scene_index}: duration {cue.duration_s} s is not a length")
        if not 0 <= cue.seed < 2**31:
            raise ValueError(f"scene {cue.scene_index}: seed {cue.seed} outside 0..2**31-1")
        if abs(cue.start_s - at) > 0.05:
            raise ValueError(
                f"scene {cue.scene_index} starts at {cue.start_s} s, expected {at:.3f} s "
                "(cues must be contiguous, in order, from 0)"
            )
        at += cue.duration_s


def rise(count: int) -> np.ndarray:
    """Quarter sine from 0 towards 1 over `count` samples, as a column; reversed it is the matching
    cosine, and sin^2 + cos^2 = 1 makes the pair an equal-power crossfade."""
    return np.sin(np.pi / 2 * (np.arange(count) + 0.5) / max(count, 1)).astype(np.float32)[:, None]


def compose_score(cues: list[SceneCue], sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, list[dict]]:
    """Stereo float32 (n, 2) of exactly round(sum(durations) * sample_rate) samples (cues are contiguous,
    in order, starting at 0), and per scene a dict of what shaped it (mood name, key, mode, tempo, seed)."""
    check_cues(cues)
    total = round(sum(cue.duration_s for cue in cues) * sample_rate)
    score = np.zeros((total, 2), np.float32)
    ends = np.round(np.cumsum([cue.duration_s for cue in cues]) * sample_rate).astype(int) if cues else []
    bounds = [0, *(min(int(e), total) for e in ends[:-1]), total]
    moods = [mood_for(cue) for cue in cues]
    # half-widths (samples) of the crossfade at each inner cut: 0.5 s between energetic scenes, up
    # to 1.5 s between calm ones, and never more than half of either scene
    crossfades = [min(1.5, max(0.5, 1.6 - 1.4 * max(a.energy, b.energy))) for a, b in zip(moods, moods[1:])]
    halves = (
        [0]
        + [
            min(round(xf / 2 * sample_rate), (bounds[i + 1] - bounds[i]) // 2, (bounds[i + 2] - bounds[i + 1]) // 2)
            for i, xf in enumerate(crossfades)
        ]
        + [0]
    )
    lineage = []
    for i, (cue, mood) in enumerate(zip(cues, moods, strict=True)):
        start, end = bounds[i] - halves[i], bounds[i + 1] + halves[i + 1]
        progression: list[str] = []
        if end > start:
            audio, progression = _scene_memo.render(mood, end - start, sample_rate, cue.seed)
            audio[: 2 * halves[i]] *= rise(2 * halves[i])
            audio[len(audio) - 2 * halves[i + 1] :] *= rise(2 * halves[i + 1])[::-1]
            score[start:end] += audio
        lineage.append(
            {
                "scene_index": cue.scene_index,
                "mood": mood.name,
                "key": note_names(mood)[mood.root % 12],
                "root_midi": mood.root,
                "mode": mood.mode,
                "tempo_bpm": mood.tempo_bpm,
                "seed": cue.seed,
                "progression": progression,
                "voicing": mood.voicing,
                "brightness": mood.brightness,
                "energy": mood.energy,
                "instrumentation": list(mood.instrumentation),
                "start_s": bounds[i] / sample_rate,
                "duration_s": (bounds[i + 1] - bounds[i]) / sample_rate,
                "crossfade_in_s": 2 * halves[i] / sample_rate,
            }
        )
    # the film fades in and out (shorter for very short films)
    fade_in, fade_out = (
        min(round(FADE_IN_S * sample_rate), total // 4),
        min(round(FADE_OUT_S * sample_rate), total // 3),
    )
    score[:fade_in] *= rise(fade_in) ** 2
    score[total - fade_out :] *= rise(fade_out)[::-1] ** 2
    peak = float(np.max(np.abs(score))) if total else 0.0
    if peak > PEAK_CEILING:  # safety only: the layer levels keep ordinary scores well below
        score *= np.float32(PEAK_CEILING / peak)
    return score, lineage

"""Voices for the film's dialogue: who speaks with which voice, how a delivery note sounds, and
one spoken clip per line.

Plain Python over a speech engine passed in (the espeak-ng binding, film_assets.bindings.espeak,
is the one the Dagster resource in resources/voice.py passes). Everything is deterministic: the same line, voice and engine give
the same samples, so spoken lines can be content-addressed like keyframes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Protocol

import numpy as np

from film_assets.domain.screenplay.dialogue import LineSpec, SpokenPart
from film_assets.domain.sound.audio import SAMPLE_RATE

VOICES_VERSION = "1"  # bump when casting, deliveries or effects change, so stored lines count as stale
PEAK_DBFS = -3.0
TRIM_THRESHOLD_DB = -45.0  # below the clip's peak, on a 5 ms RMS window
TRIM_LEAD_S, TRIM_TAIL_S = 0.005, 0.010


class SpeechEngine(Protocol):
    """What voices need of a speech engine (film_assets.bindings.espeak is one); its failures are
    RuntimeErrors."""

    def synthesize(
        self, text: str, voice: str, *, rate_wpm: int, pitch: int, pitch_range: int, volume: int
    ) -> np.ndarray: ...
    def sample_rate(self) -> int: ...
    def version(self) -> str: ...
    def variants(self) -> frozenset[str]: ...
    def deterministic(self) -> bool: ...
    def voice_exists(self, name: str) -> bool: ...


@dataclass(frozen=True)
class VoiceProfile:
    id: str  # espeak voice name: language + "+" + variant from espeak-ng-data/voices/!v
    language: str
    variant: str
    pitch: int  # espeak 0-99 (50 = the variant's own pitch)
    range: int  # espeak 0-99, intonation range
    rate_wpm: int

    @property
    def female(self) -> bool:
        return self.variant.startswith("f")


def _profile(language: str, variant: str, pitch: int, range_: int, rate: int) -> VoiceProfile:
    return VoiceProfile(f"{language}+{variant}", language, variant, pitch, range_, rate)


# Ten voices, lowest to highest: median f0 on a test sentence runs ~76, 86, 98, 112, 126, 150,
# 173, 205, 238, 268 Hz (neighbours >= 13% apart), and the variants differ in timbre too.
VOICE_CATALOGUE: tuple[VoiceProfile, ...] = (
    _profile("en-us", "m8", 40, 45, 160),
    _profile("en-gb", "m1", 45, 40, 170),
    _profile("en-us", "m3", 42, 55, 175),
    _profile("en-gb", "m2", 60, 50, 180),
    _profile("en-us", "m6", 70, 60, 185),
    _profile("en-gb", "f1", 32, 50, 165),
    _profile("en-us", "f4", 45, 60, 175),
    _profile("en-gb", "f2", 55, 55, 170),
    _profile("en-us", "f5", 62, 70, 185),
    _profile("en-gb", "f3", 75, 60, 180),
)
# Lyrics and lines with no character: a calm received-pronunciation voice outside the catalogue,
# so it never doubles a character.
NARRATOR = _profile("en-gb-x-rp", "m7", 40, 40, 155)
_BY_ID = {profile.id: profile for profile in (*VOICE_CATALOGUE, NARRATOR)}


def _key(character: str) -> str:
    return character.strip().casefold()


def profile_for(voice_id: str) -> VoiceProfile:
    """The catalogue profile, or neutral settings for any other espeak voice name."""
    if voice_id in _BY_ID:
        return _BY_ID[voice_id]
    language, _, variant = voice_id.partition("+")
    return VoiceProfile(voice_id, language, variant, 50, 50, 175)


def _check_override(character: str, voice_id: str, engine: SpeechEngine) -> None:
    if voice_id in _BY_ID or engine.voice_exists(voice_id):
        return
    valid = ", ".join(p.id for p in VOICE_CATALOGUE)
    raise ValueError(
        f"voice override for {character!r}: {voice_id!r} is neither a catalogue voice ({valid}, "
        f"{NARRATOR.id}) nor an espeak-ng voice name like 'en-gb+f2'"
    )


def cast_voices(characters: list[str], overrides: Mapping[str, str] | None, engine: SpeechEngine) -> dict[str, str]:
    """Character -> voice id. A name's hash picks its starting voice, so a character keeps its
    voice from film to film; names are placed in sorted order and linear-probe past voices already
    taken, so two characters of one film share a voice only once the catalogue runs out.
    Overrides (matched case-insensitively) win and are validated even if unused."""
    wanted = {_key(name): voice for name, voice in (overrides or {}).items()}
    for name, voice in (overrides or {}).items():
        _check_override(name, voice, engine)
    ids = [profile.id for profile in VOICE_CATALOGUE]
    cast: dict[str, str] = {}
    taken = {voice for voice in wanted.values()}
    for name in sorted(set(characters), key=lambda n: (_key(n), n)):
        if _key(name) in wanted:
            cast[name] = wanted[_key(name)]
        elif not name.strip():
            cast[name] = NARRATOR.id
        else:
            start = int.from_bytes(hashlib.sha256(_key(name).encode()).digest()[:8], "big") % len(ids)
            free = [
                ids[(start + step) % len(ids)]
                for step in range(len(ids))
                if ids[(start + step) % len(ids)] not in taken
            ]
            cast[name] = free[0] if free else ids[start]
            taken.add(cast[name])
    return {name: cast[name] for name in characters}


@dataclass(frozen=True)
class Delivery:
    name: str
    rate_scale: float = 1.0  # times the voice's words per minute
    pitch_shift: int = 0  # added to the voice's espeak pitch (0-99)
    range_shift: int = 0  # added to the voice's espeak range (0-99)
    volume: int = 100  # espeak amplitude 0-200 (louder also drives espeak's own limiter)
    gain: float = 1.0  # times the -3 dBFS peak the line is normalised to
    whisper: bool = False  # use espeak's whisper variant (or a breathy mix without it)


NEUTRAL = Delivery("neutral")
# Delivery notes, first match wins. Patterns match at a word start, so "whisper" also catches
# "whispering" and "barely a whisper", "shout" catches "shouts", "angr" catches "angrily".
DELIVERIES: tuple[tuple[str, Delivery], ...] = (
    (
        r"whisper|quiet|soft|hush|murmur|under (?:his|her|their) breath",
        Delivery("whisper", 0.92, -5, -15, 70, 0.35, whisper=True),
    ),
    (r"shout|yell|scream|angr|furious|bellow|roar", Delivery("shout", 1.15, 15, 30, 180, 1.35)),
    (r"sad|tearful|in tears|cry|sob|embarrass|ashamed|glum", Delivery("sad", 0.82, -10, -15, 85, 0.8)),
    (r"excit|thrilled|eager|elated|delighted", Delivery("excited", 1.12, 10, 20, 120, 1.1)),
)
LYRIC = dict(rate_scale=0.8, range_shift=20)  # espeak cannot sing: slower, more melodic range


def delivery_for(parenthetical: str) -> Delivery:
    note = parenthetical.strip().strip("()").strip().lower()
    for pattern, delivery in DELIVERIES:
        if re.search(rf"\b(?:{pattern})", note):
            return delivery
    return NEUTRAL


def _level(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def _breathy(samples: np.ndarray, sample_rate: int, seed: int) -> np.ndarray:
    """Whisper without espeak's whisper variant: noise shaped by the speech envelope."""
    from scipy.signal import butter, sosfilt  # loaded where used: see loudness.py

    envelope = sosfilt(butter(2, 30, fs=sample_rate, output="sos"), np.abs(samples))
    noise = np.random.default_rng(seed).standard_normal(samples.size)
    noise = sosfilt(butter(2, [800, 6000], btype="bandpass", fs=sample_rate, output="sos"), noise)
    return (0.3 * samples + 0.7 * noise * envelope * 2.0).astype(np.float32)


def _speak_part(
    part: SpokenPart, profile: VoiceProfile, delivery: Delivery, engine: SpeechEngine
) -> tuple[np.ndarray, dict]:
    if part.kind == "lyric":
        delivery = replace(
            delivery,
            rate_scale=delivery.rate_scale * LYRIC["rate_scale"],
            range_shift=delivery.range_shift + LYRIC["range_shift"],
        )
    voice, breathy = profile.id, False
    if delivery.whisper:
        variant = "whisperf" if profile.female and "whisperf" in engine.variants() else "whisper"
        if variant in engine.variants():
            voice = f"{profile.language}+{variant}"
        else:
            breathy = True
    settings = {
        "rate_wpm": int(min(450, max(80, round(profile.rate_wpm * delivery.rate_scale)))),
        "pitch": int(min(99, max(0, profile.pitch + delivery.pitch_shift))),
        "pitch_range": int(min(99, max(0, profile.range + delivery.range_shift))),
        "volume": int(min(200, max(0, delivery.volume))),
    }
    try:
        audio = engine.synthesize(part.text, voice, **settings)
    except RuntimeError as error:
        raise ValueError(f"voice {profile.id!r} could not speak {part.text[:40]!r}: {error}") from error
    if breathy:
        audio = _breathy(audio, engine.sample_rate(), _seed(voice, part.text))
    if _level(audio) > 0:  # each part peaks at its delivery gain; the line is scaled as a whole later
        audio = audio * (delivery.gain / _level(audio))
    used = {
        "text": part.text,
        "kind": part.kind,
        "delivery": delivery.name,
        "espeak_voice": voice,
        "breathy_mix": breathy,
        "gain": delivery.gain,
        "pause_before_s": part.pause_before_s,
        **settings,
    }
    return audio.astype(np.float32), used


def _extension_keys(extensions: tuple[str, ...] | list[str]) -> set[str]:
    return {re.sub(r"[^A-Z]", "", ext.upper()) for ext in extensions}


def extension_effect(extensions) -> str:
    keys = _extension_keys(extensions)
    return "voice-over" if "VO" in keys else "off-screen" if keys & {"OS", "OC"} else "none"


EXTENSION_LEVEL = {"voice-over": 1.0, "off-screen": 0.5, "none": 1.0}  # O.S. sits 6 dB back in the mix


def _delayed(x: np.ndarray, delay: int, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=np.float64)
    out[delay : delay + x.size] = x
    return out


def apply_extension_effect(samples: np.ndarray, sample_rate: int, extensions) -> np.ndarray:
    """V.O.: telephone-band (300-3400 Hz) plus gentle compression, like a voice-over or radio.
    O.S.: a little room (short decaying echoes), low-passed at 1.8 kHz and 6 dB down, like a voice
    through a wall. Anything else is returned unchanged."""
    from scipy.signal import butter, sosfilt  # loaded where used: see loudness.py

    effect = extension_effect(extensions)
    x = np.asarray(samples, dtype=np.float64)
    if effect == "voice-over" and x.size:
        y = sosfilt(butter(4, [300, 3400], btype="bandpass", fs=sample_rate, output="sos"), x)
        # compression from a slow RMS envelope: slow gain changes add no new frequencies
        envelope = np.sqrt(np.maximum(sosfilt(butter(2, 20, fs=sample_rate, output="sos"), y * y), 0)) + 1e-9
        threshold = 0.3 * envelope.max()
        y = y * np.where(envelope > threshold, (envelope / threshold) ** (1 / 3 - 1), 1.0)
        return y.astype(np.float32)
    if effect == "off-screen" and x.size:
        echoes = ((0.017, 0.35), (0.031, 0.22), (0.047, 0.13), (0.071, 0.07))
        length = x.size + int(round(echoes[-1][0] * sample_rate))
        y = _delayed(x, 0, length)
        for delay_s, gain in echoes:
            y += gain * _delayed(x, int(round(delay_s * sample_rate)), length)
        y = sosfilt(butter(4, 1800, fs=sample_rate, output="sos"), y)
        return (y * 10 ** (-6 / 20)).astype(np.float32)
    return np.asarray(samples, dtype=np.float32)


def _trim(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cut leading and trailing silence so speech starts at the clip's start."""
    peak = _level(x)
    if peak == 0:
        return x[:0]
    window = max(1, int(0.005 * sample_rate))
    energy = np.concatenate([[0.0], np.cumsum(x.astype(np.float64) ** 2)])
    rms = np.sqrt((energy[window:] - energy[:-window]) / window)  # rms[i] covers x[i:i + window]
    loud = np.flatnonzero(rms > peak * 10 ** (TRIM_THRESHOLD_DB / 20))
    start = max(0, loud[0] - int(TRIM_LEAD_S * sample_rate))
    end = min(x.size, loud[-1] + window + int(TRIM_TAIL_S * sample_rate))
    return x[start:end]


@dataclass(frozen=True)
class SpokenLine:
    samples: np.ndarray  # float32 mono at film_assets.domain.sound.audio.SAMPLE_RATE
    parameters: dict  # everything that shaped the samples, recorded as lineage

    @property
    def duration_s(self) -> float:
        return self.samples.size / SAMPLE_RATE


def speak_line(line: LineSpec, voice_id: str, engine: SpeechEngine) -> SpokenLine:
    """One clip for the line: each part in its own delivery, beats as silence, the extension's
    effect, at 48 kHz, trimmed to the speech and peak-normalised to -3 dBFS x delivery gain."""
    from scipy.signal import resample_poly  # loaded where used: see loudness.py

    profile = profile_for(voice_id)
    engine_rate = engine.sample_rate()
    pieces, parts = [], []
    for index, part in enumerate(line.parts):
        audio, used = _speak_part(part, profile, delivery_for(part.parenthetical), engine)
        if index and part.pause_before_s > 0:
            pieces.append(np.zeros(int(round(part.pause_before_s * engine_rate)), dtype=np.float32))
        pieces.append(audio)
        parts.append(used)
    audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    effect = extension_effect(line.extensions)
    audio = apply_extension_effect(audio, engine_rate, line.extensions)
    common = math.gcd(SAMPLE_RATE, engine_rate)
    audio = resample_poly(audio, SAMPLE_RATE // common, engine_rate // common) if audio.size else audio
    audio = _trim(np.asarray(audio, dtype=np.float32), SAMPLE_RATE)
    loudest = max((p["gain"] for p in parts), default=1.0)
    target = min(0.99, 10 ** (PEAK_DBFS / 20) * loudest * EXTENSION_LEVEL[effect])
    if _level(audio) > 0:
        audio = audio * (target / _level(audio))
    parameters = {
        "engine": "espeak-ng",
        "engine_version": engine.version(),
        "voices_version": VOICES_VERSION,
        "deterministic": engine.deterministic(),
        "voice_id": voice_id,
        "profile": asdict(profile),
        "parts": parts,
        "extensions": list(line.extensions),
        "extension_effect": effect,
        "sample_rate": SAMPLE_RATE,
        "peak": round(target, 6),
    }
    return SpokenLine(np.ascontiguousarray(audio, dtype=np.float32), parameters)

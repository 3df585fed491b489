"""Scene moods for the score: a deterministic reading of a scene's heading and action text.

Three things shape a mood, each from a small table below:

- time of day sets the harmonic colour: NIGHT is minor, low and slow; DAY major and bright;
  DAWN/DUSK warm (mixolydian) with suspended chords; anything else (CONTINUOUS, LATER, none) a
  neutral dorian;
- INT/EXT sets the space: interiors are close, narrow and a little sparser; exteriors wide with
  longer tails and echoes;
- words in the action text tilt the feeling (case-insensitive whole words, with common endings
  such as -s, -ed, -ing, -ly folded: "running" counts as "run"). The feeling with the most hits
  wins; ties go tense > melancholy > tender, since a chase with a smile in it is still a chase.

Same cue, same mood: nothing here is random (the cue's seed only varies the notes, in music.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from film_assets.domain.sound.cues import SceneCue

MODES = ("major", "minor", "dorian", "mixolydian", "lydian", "phrygian")


@dataclass(frozen=True)
class Mood:
    name: str  # "<feeling> <time>", e.g. "tense night", "calm day", "tender twilight"
    root: int  # MIDI note of the tonic, in the pad's register (57 = A3)
    mode: str  # one of MODES
    tempo_bpm: float
    brightness: float  # 0..1: partials and register of pad and pluck
    energy: float  # 0..1: how much moves (arpeggio, pulse) and how fast scenes cross
    instrumentation: tuple[str, ...]  # layers the synth plays: "pad" | "wide pad", "bass" | "pulse", "arp"
    voicing: str = "triad"  # "triad", "sus", "seventh" or "add9"
    width: float = 0.5  # stereo width 0..1
    space: float = 0.3  # tails and echoes 0..1

    @property
    def feeling(self) -> str:
        return self.name.split(" ", 1)[0]


# Action words per feeling (base forms; see _forms for the endings that are folded).
FEELING_WORDS: dict[str, frozenset[str]] = {
    "tense": frozenset(
        {
            "run",
            "ran",
            "chase",
            "crash",
            "gun",
            "gunshot",
            "scream",
            "storm",
            "thunder",
            "fight",
            "explode",
            "explosion",
            "attack",
            "panic",
            "siren",
            "slam",
            "punch",
            "flee",
            "fled",
            "shout",
            "smash",
            "alarm",
            "struggle",
            "blood",
        }
    ),
    "tender": frozenset(
        {
            "kiss",
            "smile",
            "laugh",
            "laughter",
            "birthday",
            "sing",
            "sang",
            "warm",
            "warmth",
            "hug",
            "embrace",
            "love",
            "dance",
            "gentle",
            "tender",
            "giggle",
        }
    ),
    "melancholy": frozenset(
        {
            "rain",
            "alone",
            "empty",
            "silence",
            "silent",
            "dark",
            "darkness",
            "quiet",
            "cry",
            "weep",
            "sob",
            "lonely",
            "grave",
            "funeral",
        }
    ),
}
_TIE_ORDER = ("tense", "melancholy", "tender")

# Time-of-day groups, matched on the words of the heading's time of day (first group that hits).
_TIME_WORDS = (
    ("twilight", {"DAWN", "DUSK", "SUNRISE", "SUNSET", "TWILIGHT", "DAYBREAK", "EVENING", "MAGIC", "GOLDEN"}),
    ("night", {"NIGHT", "MIDNIGHT", "NIGHTTIME"}),
    ("day", {"DAY", "MORNING", "NOON", "AFTERNOON", "DAYTIME", "MIDDAY"}),
)
# group: (root, mode, tempo, brightness, energy, voicing)
_TIMES = {
    "night": (57, "minor", 66.0, 0.25, 0.30, "seventh"),
    "day": (64, "major", 84.0, 0.75, 0.45, "triad"),
    "twilight": (58, "mixolydian", 74.0, 0.50, 0.38, "sus"),
    "neutral": (62, "dorian", 76.0, 0.50, 0.40, "triad"),
}
# feeling: (tempo change, brightness change, energy change, mode changes, voicing or None to keep)
_FEELINGS = {
    "calm": (0.0, 0.0, 0.0, {}, None),
    "tense": (
        34.0,
        0.08,
        0.35,
        {"major": "dorian", "mixolydian": "dorian", "dorian": "minor", "minor": "phrygian"},
        "triad",
    ),
    "tender": (-4.0, 0.08, 0.05, {"minor": "dorian", "dorian": "mixolydian", "major": "lydian"}, "add9"),
    "melancholy": (-8.0, -0.15, -0.10, {"major": "dorian", "mixolydian": "dorian"}, "seventh"),
}
# int/ext: (width, space, energy change, brightness change, pad layer)
_SPACES = {
    "interior": (0.35, 0.20, -0.05, -0.05, "pad"),
    "exterior": (0.85, 0.60, 0.05, 0.05, "wide pad"),
    "mixed": (0.60, 0.40, 0.0, 0.0, "pad"),
    "unknown": (0.50, 0.30, 0.0, 0.0, "pad"),
}
ARP_ENERGY, PULSE_ENERGY = 0.45, 0.6  # energy from which the arpeggio, then the bass pulse, play


def time_group(time_of_day: str) -> str:
    words = set(re.findall(r"[A-Z]+", time_of_day.upper()))
    return next((group for group, names in _TIME_WORDS if words & names), "neutral")


def space_group(int_ext: str) -> str:
    prefix = int_ext.upper().replace(".", "").strip()
    if "/" in prefix:
        return "mixed"
    return {"INT": "interior", "EXT": "exterior", "EST": "exterior"}.get(prefix, "unknown")


def _forms(word: str):
    """The word and its base forms with a common ending removed: runs, running -> run; smiled -> smile."""
    yield word
    if word.endswith(("ies", "ied")):
        yield word[:-3] + "y"
    for suffix in ("s", "es", "d", "ed", "ing", "ly"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3:
            yield base
            if base[-1] == base[-2]:
                yield base[:-1]  # running -> run, hugged -> hug
            if suffix in ("ing", "ed"):
                yield base + "e"  # smiling -> smile


def feeling_counts(action_text: str) -> dict[str, int]:
    """How many words of the action text belong to each feeling."""
    counts = dict.fromkeys(FEELING_WORDS, 0)
    for word in re.findall(r"[a-z]+", action_text.lower()):
        forms = set(_forms(word))
        for feeling, words in FEELING_WORDS.items():
            counts[feeling] += bool(forms & words)
    return counts


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 3)


def mood_for(cue: SceneCue) -> Mood:
    """The mood of one scene, from its time of day, INT/EXT and action words."""
    time = time_group(cue.time_of_day)
    root, mode, tempo, brightness, energy, voicing = _TIMES[time]
    counts = feeling_counts(cue.action_text)
    best = max(_TIE_ORDER, key=lambda f: (counts[f], -_TIE_ORDER.index(f)))
    feeling = best if counts[best] else "calm"
    d_tempo, d_bright, d_energy, modes, feeling_voicing = _FEELINGS[feeling]
    if feeling == "tense":  # more danger words, more drive (up to three extra)
        d_energy += 0.05 * min(counts["tense"] - 1, 3)
    width, space, s_energy, s_bright, pad = _SPACES[space_group(cue.int_ext)]
    energy = _clamp(energy + d_energy + s_energy)
    layers = [pad, "pulse" if energy >= PULSE_ENERGY else "bass"] + (["arp"] if energy >= ARP_ENERGY else [])
    return Mood(
        name=f"{feeling} {time}",
        root=root,
        mode=modes.get(mode, mode),
        tempo_bpm=tempo + d_tempo,
        brightness=_clamp(brightness + d_bright + s_bright),
        energy=energy,
        instrumentation=tuple(layers),
        voicing=feeling_voicing or voicing,
        width=width,
        space=space,
    )

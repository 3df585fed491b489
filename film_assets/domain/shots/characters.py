"""Character consistency for generated images: each character keeps one visual description and
one seed base across every shot of a project.

Image models redraw a person from the prompt each time; naming the same concrete look in every
prompt ("ZOË: short auburn hair, green rain jacket") and starting every shot of that character
from the same seed base is the cheap, model-agnostic way to keep them recognisable. Both come
from hashes of the name, so they never change between renders and need no storage.
"""

from __future__ import annotations

import hashlib

HAIR = (
    "short black hair",
    "long auburn hair",
    "cropped grey hair",
    "curly brown hair",
    "blond braid",
    "shaved head",
    "wavy red hair",
    "silver bob",
    "dark ponytail",
    "tousled sandy hair",
)
CLOTHES = (
    "green rain jacket",
    "navy peacoat",
    "red flannel shirt",
    "yellow diner uniform",
    "brown leather jacket",
    "white cable-knit sweater",
    "black turtleneck",
    "denim overalls",
    "grey wool coat",
    "orange fisherman's oilskin",
)
BUILD = ("slight", "tall", "broad-shouldered", "wiry", "stocky")


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def character_look(name: str) -> str:
    """A stable, concrete description for prompts."""
    digest = _digest("look", name.upper())
    return f"{BUILD[digest[0] % len(BUILD)]}, {HAIR[digest[1] % len(HAIR)]}, {CLOTHES[digest[2] % len(CLOTHES)]}"


def character_seed_base(project_id: str, name: str) -> int:
    return int.from_bytes(_digest("seed", project_id, name.upper())[:4], "big") & 0x3FFFFFFF


def generation_seed(shot_seed: int, sequence: int, number: int, characters: tuple[str, ...], project_id: str) -> int:
    """The seed a generated keyframe uses: the lead character's seed base offset by the shot's
    place in the film (so every shot of a character starts from related noise), or the shot's
    own seed when nobody is in it."""
    if not characters:
        return shot_seed
    return (character_seed_base(project_id, characters[0]) + sequence * 1000 + number) & 0x7FFFFFFF


def prompt_with_characters(prompt: str, characters: tuple[str, ...]) -> str:
    if not characters:
        return prompt
    return prompt + " " + "; ".join(f"{name}: {character_look(name)}" for name in characters) + "."

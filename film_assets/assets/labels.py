"""What the Dagster UI shows on each asset besides its name: the kinds of file it is (icons in the
graph and the catalog), the department that owns it, and tags a film team filters by.

One table, so the labels of the whole film read in one place; each asset spreads its row into its
decorator with `**labels(name)`.
"""

from __future__ import annotations

from film_assets.assets.placement import GPU_STEPS

# asset -> (kinds, department); at most three kinds each (Dagster's limit)
_LABELS = {
    "screenplay": ({"fountain", "text"}, "script"),
    "scenes": ({"json"}, "script"),
    "dialogue_track": ({"wav", "espeak"}, "sound"),
    "shot_list": ({"parquet", "pandas"}, "script"),
    "keyframes": ({"png"}, "picture"),  # storyboard or diffusers: the renderer is a resource
    "shot_clips": ({"mp4", "ffmpeg"}, "picture"),
    "music_track": ({"wav"}, "sound"),
    "audio_mix": ({"wav", "aac"}, "sound"),
    "final_cut": ({"mp4", "srt", "opentimelineio"}, "editorial"),
    "dailies": ({"mp4", "jpeg"}, "editorial"),  # the reel the director reviews takes on
}
DEPARTMENTS = ("script", "picture", "sound", "editorial")


def labels(asset: str) -> dict:
    """`kinds`, `owners` and `tags` for the asset's decorator."""
    kinds, department = _LABELS[asset]
    return {
        "kinds": set(kinds),
        "owners": [f"team:{department}"],
        # the Kubernetes node pool its step runs on in prod (assets/placement.py)
        "tags": {"department": department, "node_pool": "gpu" if asset in GPU_STEPS else "cpu"},
    }

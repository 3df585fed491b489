"""What a run asks of the per-shot assets, read from its tags (the API's sensor, `filmstudio
rerender` and the Dagster UI's launchpad all set them): shots to render again even though their
inputs did not change, and whether those shots get new seeds."""

from __future__ import annotations

from film_assets.contract import NEW_SEED_TAG, SHOTS_TAG


def forced_shots(context) -> frozenset[str]:
    """Shot codes listed in the run's `filmstudio/shots` tag (comma-separated)."""
    listed = context.run.tags.get(SHOTS_TAG, "")
    return frozenset(code.strip() for code in listed.split(",") if code.strip())


def new_seed_requested(context) -> bool:
    return context.run.tags.get(NEW_SEED_TAG, "").lower() in ("1", "true", "yes")

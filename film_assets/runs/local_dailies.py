"""Make a project's dailies on this machine: the work behind `filmstudio dailies`.

The takes are chosen first (nothing is written when none match the filter), then the make_dailies
job runs through the persistent instance like a render, so the reel is an asset in the catalog
with its links, and the reel is copied out for the reviewer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from film_assets.contract import ACTION_TAG
from film_assets.domain.projects.ids import validate_project_id
from film_assets.jobs import MAKE_DAILIES
from film_assets.partitions import projects
from film_assets.runs.local_render import RenderFailed, execute_on_location, failure_message, instance_for
from film_assets.storage_keys import asset_value_key


def make_project_dailies(
    project: str,
    unreviewed: bool = False,
    since: datetime | None = None,
    out: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> dict:
    """Make and store a dailies reel of the project's takes; return its record (dailies.json) with
    `delivered` (where the reel and its sheet were copied) and `run_id`. ValueError, before
    anything runs, for an unknown project or a filter that leaves no takes."""
    from film_assets.assets.dailies import takes_to_review
    from film_assets.definitions import build_definitions
    from film_assets.review.database import review_database_url, review_engine
    from resources.profiles import current_environment

    project = validate_project_id(project)
    environment = current_environment()
    defs = build_definitions(environment, with_sensor=False)
    instance = instance_for(environment)
    store = defs.resources["media_store"]
    if not instance.has_dynamic_partition(projects.name, project):
        raise ValueError(f"no project {project!r} in {environment.dagster_home}")
    takes, _ = takes_to_review(store, review_engine(review_database_url(environment)), project, unreviewed, since)
    progress(f"project {project}: dailies of {len(takes)} takes")
    config = {"unreviewed": unreviewed, "since": since.isoformat() if since else ""}
    run, result = execute_on_location(
        defs,
        instance,
        MAKE_DAILIES,
        project,
        progress,
        tags={ACTION_TAG: "dailies"},
        run_config={"ops": {"dailies": {"config": config}}},
    )
    if not result.success:
        raise RenderFailed(failure_message(result), project, run.run_id)
    reel = json.loads(store.get_bytes(asset_value_key(project, "dailies", "json")))
    record = json.loads(store.get_bytes(reel["record"]))
    out = (Path(out) if out else Path.cwd() / "renders" / project / "dailies").resolve()
    delivered = {
        "video": str(store.export(reel["video"], out / f"dailies-{reel['reel']}.mp4")),
        "contact_sheet": str(store.export(reel["contact_sheet"], out / f"dailies-{reel['reel']}.jpg")),
    }
    return {**record, "delivered": delivered, "run_id": run.run_id}

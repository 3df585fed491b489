"""What the CLI's review commands share: the environment's review database, media store and
tenant, and the checks that a project, shot and take exist before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from film_assets.domain.projects.ids import validate_project_id
from film_assets.review.database import LOCAL_TENANT, review_database_url, review_engine
from film_assets.storage.shot_history import stored_shot_codes
from film_assets.storage.shot_versions import ShotVersions


class UnknownTake(LookupError):
    """A project, shot or take that does not exist (exit 2 in the CLI, 404 in the API)."""


@dataclass(frozen=True)
class ReviewContext:
    engine: object
    store: object
    tenant: str


def local_review_context() -> ReviewContext:
    from resources.profiles import current_environment, media_store_for

    environment = current_environment()
    return ReviewContext(review_engine(review_database_url(environment)), media_store_for(environment), LOCAL_TENANT)


def check_take(store, project: str, code: str, version: str | None) -> str:
    """The take's version (with none given: the newest complete take of the shot); UnknownTake
    naming what is missing otherwise."""
    project = validate_project_id(project)
    codes = stored_shot_codes(store, project)
    if codes is None:
        raise UnknownTake(f"project {project!r} has no shots yet (render it first)")
    if code not in codes:
        extent = f"its {len(codes)} shots run {codes[0]} .. {codes[-1]}" if codes else "it has no shots"
        raise UnknownTake(f"project {project!r} has no shot {code[:40]!r} ({extent})")
    complete = [record["version"] for record in ShotVersions(store, project).of(code) if record.get("clip")]
    if not complete:
        raise UnknownTake(f"shot {code} of {project!r} has no takes yet")
    if version is None:
        return complete[-1]
    if version not in complete:
        raise UnknownTake(f"shot {code} of {project!r} has no take {version[:16]!r} (its takes: {', '.join(complete)})")
    return version

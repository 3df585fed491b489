"""Dailies: a review reel of a project's takes, made on request (`filmstudio dailies`, the API),
never by a render. Not part of render_film: its own job, make_dailies."""

import hashlib
import json
from datetime import UTC, datetime

from dagster import AssetExecutionContext, Config, Failure, MetadataValue, Output, asset
from pydantic import Field

from film_assets.assets.catalog import image_markdown, link_value, media_links_of, project_of, table
from film_assets.assets.labels import labels
from film_assets.assets.placement import op_tags
from film_assets.jobs import REVIEW_GROUP
from film_assets.partitions import projects
from film_assets.review.dailies import make_dailies, select_takes
from film_assets.review.database import review_engine
from film_assets.review.reviews import project_reviews
from film_assets.review.takes import review_states
from film_assets.storage.shot_history import version_rows
from film_assets.storage_keys import asset_value_key
from resources.media_store import MediaStore
from resources.review_db import ReviewDatabase


class DailiesConfig(Config):
    unreviewed: bool = Field(default=False, description="Only takes nobody has reviewed yet.")
    since: str = Field(
        default="", description="Only takes made at or after this UTC date or time (ISO 8601, e.g. 2026-12-07)."
    )


def parse_since(text: str) -> datetime | None:
    """An ISO date or date-time (UTC unless it says otherwise); ValueError naming it otherwise."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r} is not a date like 2026-12-07 or 2026-12-07T14:30") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def takes_to_review(store: MediaStore, engine, project: str, unreviewed: bool, since: datetime | None):
    """The takes a reel of this filter shows (with their states); ValueError if none."""
    states = review_states(project_reviews(engine, project))
    return select_takes(version_rows(store, project), states, unreviewed, since), states


def film_title(store: MediaStore, project: str) -> str:
    key = asset_value_key(project, "scenes", "json")
    if store.exists(key):
        return json.loads(store.get_bytes(key))["screenplay"]["title_page"].get("title") or project
    return project


@asset(
    partitions_def=projects,
    group_name=REVIEW_GROUP,
    code_version="1",
    deps=["shot_clips"],
    op_tags=op_tags("dailies"),
    **labels("dailies"),
    description="Dailies: a review reel of the project's takes (all, unreviewed, or made since a date), each "
    "take with a burn-in (shot, take, why it was made, model, seed, date, review state), a slate per scene, "
    "and a contact sheet. Made on request (`filmstudio dailies`, POST /projects/{id}/dailies), never by a render.",
)
def dailies(
    context: AssetExecutionContext, config: DailiesConfig, media_store: MediaStore, review_db: ReviewDatabase
) -> Output[dict]:
    project = project_of(context)
    try:
        since = parse_since(config.since)
        takes, states = takes_to_review(media_store, review_engine(review_db.url), project, config.unreviewed, since)
    except ValueError as error:
        raise Failure(description=str(error)) from error
    reel = make_dailies(
        media_store,
        project,
        takes,
        states,
        film_title(media_store, project),
        context.log.info,
        unreviewed=config.unreviewed,
        since=since,
    )
    record = json.loads(media_store.get_bytes(reel.record_key))
    links = media_links_of(context, media_store, project)
    sheet = media_store.get_bytes(reel.contact_sheet_key)
    value = reel.to_json()
    return Output(
        value,
        metadata={
            "takes": reel.take_count,
            "slates": reel.slate_count,
            "frames": reel.frames,
            "duration_s": reel.duration_s,
            "frame_size": f"{reel.width}x{reel.height}",
            "filter": ("unreviewed" if config.unreviewed else "all takes")
            + (f", made since {since.isoformat()}" if since else ""),
            "reel": link_value(links.url(reel.video_key), media_store.uri(reel.video_key), links.reason),
            "contact_sheet": image_markdown(
                f"dailies of {project}: {reel.take_count} takes",
                links.url(reel.contact_sheet_key, hashlib.sha256(sheet).hexdigest()[:12]),
                f"{reel.take_count} takes, review state under each",
                links.reason,
            ),
            "take_table": table(
                [
                    {"code": t["code"], "version": t["version"], "state": t["state"], "start_frame": t["start_frame"]}
                    for t in record["takes"]
                ],
                {"code": "string", "version": "string", "state": "string", "start_frame": "int"},
            ),
            "record": MetadataValue.path(media_store.uri(reel.record_key)),
        },
    )

"""Every key pattern of the media store, in one place: projects/<project>/<asset>/<file>.

The IO manager, the assets, shot versions, submissions, the CLI and the API all build their keys
here, so a layout change is made once. Plain strings, nothing of Dagster's or boto3's, so the API
and the sensor can import it cheaply.
"""

from __future__ import annotations

from film_assets.domain.projects.ids import validate_project_id

SUBMISSION = "submission"  # the folder of what a studio submitted (screenplay, settings, seeds)
SHOTS = "shots"  # the folder of every shot's versions: shots/<CODE>/v001/...
ASSET_VALUE_FORMATS = ("parquet", "json", "txt")  # how the IO manager stores a value, tried in this order


def media_key(project_id: str, asset: str, *parts: str) -> str:
    """The one template for storage keys: projects/<project>/<asset>/<parts...>."""
    return "/".join(("projects", validate_project_id(project_id), asset, *parts))


def asset_value_key(project_id: str, asset: str, extension: str) -> str:
    """Where the IO manager keeps an asset's value: projects/<p>/<asset>/<asset>.<extension>."""
    return media_key(project_id, asset, f"{asset}.{extension}")


def shot_list_key(project_id: str) -> str:
    """The stored shot list table (the shot_list asset's value)."""
    return asset_value_key(project_id, "shot_list", "parquet")


def final_cut_manifest_key(project_id: str) -> str:
    """The final cut's stored value: the keys of its video, subtitles and timeline, and the shot
    versions it is made of."""
    return asset_value_key(project_id, "final_cut", "json")


def poster_key(project_id: str) -> str:
    """The film's poster frame, beside its deliverables."""
    return media_key(project_id, "final_cut", "poster.jpg")


def contact_sheet_key(project_id: str, asset: str) -> str:
    """A contact sheet of every shot, beside the asset it shows (keyframes, final_cut)."""
    return media_key(project_id, asset, "contact_sheet.jpg")


def shots_prefix(project_id: str) -> str:
    """The folder holding every version of every shot of a project."""
    return media_key(project_id, SHOTS)


def shot_version_key(project_id: str, code: str, version: str, name: str) -> str:
    """One file of one shot version: projects/<p>/shots/<CODE>/<vNNN>/<name>."""
    return media_key(project_id, SHOTS, code, version, name)


def submission_key(project_id: str, name: str) -> str:
    """One file of a project's submission (screenplay.fountain, submission.json, seeds.json, ...)."""
    return media_key(project_id, SUBMISSION, name)


def dailies_key(project_id: str, *parts: str) -> str:
    """The project's dailies reels, one folder each: projects/<p>/dailies/<reel>/<name>, with reel
    the UTC time it was made (20261207T051500Z); with no parts, the folder holding them all."""
    return media_key(project_id, "dailies", *parts)

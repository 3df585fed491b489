"""Handing out a rendered film: a presigned URL on S3 (the bytes never pass through the API), or
the file itself when the media store is a local folder."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from dagster import AssetKey, AssetRecordsFilter
from fastapi.responses import FileResponse

from api.clients import ApiClients
from api.errors import ApiError
from api.models import PresignedDownload
from film_assets.storage_keys import final_cut_manifest_key
from resources.media_store import LocalMediaStore, MediaNotFound
from resources.s3_media_store import S3MediaStore

MEDIA_TYPES = {".mp4": "video/mp4", ".srt": "application/x-subrip", ".otio": "application/json"}
PARTS = ("video", "subtitles", "timeline")


def _gone(project_id: str, part: str) -> ApiError:
    return ApiError(404, f"project {project_id}: the final cut's {part} is no longer in the media store")


def final_cut_key(app: ApiClients, project_id: str, part: str) -> str:
    """The media key of one delivered file, from the final cut's latest materialization."""
    records = app.dagster.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("final_cut"), asset_partitions=[project_id]), limit=1
    ).records
    if not records:
        raise ApiError(404, f"project {project_id} has no final cut yet: GET /projects/{project_id} shows its state")
    try:  # the asset's stored output: {"video": key, "subtitles": key, "timeline": key, ...}
        delivered = json.loads(app.store.get_bytes(final_cut_manifest_key(project_id)))
        return delivered[part]
    except (MediaNotFound, KeyError, ValueError):
        raise _gone(project_id, part) from None


def deliver(app: ApiClients, project_id: str, part: str):
    key = final_cut_key(app, project_id, part)
    store = app.store
    if isinstance(store, S3MediaStore):
        expires = app.settings.presigned_url_seconds
        url = store.client.generate_presigned_url(
            "get_object", Params={"Bucket": store.bucket, "Key": store.object_key(key)}, ExpiresIn=expires
        )
        return PresignedDownload(url=url, expires_in=expires, media_key=key)
    if isinstance(store, LocalMediaStore):
        try:
            with store.reading(key) as path:  # a local store reads in place: the path outlives the block
                name = PurePosixPath(key)
                return FileResponse(
                    path,
                    media_type=MEDIA_TYPES.get(name.suffix, "application/octet-stream"),
                    filename=f"{project_id}-{name.name}",
                )
        except MediaNotFound:
            raise _gone(project_id, part) from None
    raise ApiError(501, f"the media store {type(store).__name__} cannot hand out files")

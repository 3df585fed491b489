"""Handing out a rendered film: a presigned URL on S3 (the bytes never pass through the API), or
the file itself when the media store is a local folder; and media links a browser opens without
the API key (GET /media/{token}, signed by film_assets/media_links.py, tenant-checked here).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import PurePosixPath

from dagster import AssetKey, AssetRecordsFilter, DagsterRunStatus
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Error, MediaLinks, PresignedDownload
from api.projects_db import get_project
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, tenant_project
from film_assets.media_links import (
    MediaLinkError,
    SignedMediaLinks,
    read_media_token,
)
from film_assets.runs.qc_verdict import qc_verdict
from film_assets.storage_keys import contact_sheet_key, final_cut_manifest_key, poster_key
from resources.media_store import LocalMediaStore, MediaNotFound
from resources.s3_media_store import S3MediaStore

MEDIA_TYPES = {".mp4": "video/mp4", ".srt": "application/x-subrip", ".otio": "application/json"}
# what a browser shows in place rather than downloads: subtitles as text, pictures as pictures
BROWSER_TYPES = {
    **MEDIA_TYPES,
    ".srt": "text/plain; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
}
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


def refuse_failed_qc(app: ApiClients, project_id: str) -> None:
    """409 when the project's latest run was stopped by a blocking QC check: a cut made before it,
    or by it before its checks ran, is not what the team delivers (GET /projects/{id} says why)."""
    latest = app.dagster.project_runs(project_id, limit=1)
    if not latest or latest[0].dagster_run.status != DagsterRunStatus.FAILURE:
        return
    verdict = qc_verdict(app.dagster.instance, latest[0].dagster_run.run_id)
    if not verdict.passed:
        failing = ", ".join(f"{check.asset}/{check.name}" for check in verdict.failing)
        raise ApiError(
            409,
            f"project {project_id} failed QC in its latest run ({failing}): its final cut is not delivered; "
            f"GET /projects/{project_id} shows what was measured",
        )


def presigned(app: ApiClients, key: str) -> PresignedDownload | None:
    """A presigned GET URL for one stored object, or None with a media store that has none (local)."""
    store = app.store
    if not isinstance(store, S3MediaStore):
        return None
    expires = app.settings.presigned_url_seconds
    url = store.client.generate_presigned_url(
        "get_object", Params={"Bucket": store.bucket, "Key": store.object_key(key)}, ExpiresIn=expires
    )
    return PresignedDownload(url=url, expires_in=expires, media_key=key)


def deliver(app: ApiClients, project_id: str, part: str):
    refuse_failed_qc(app, project_id)
    key = final_cut_key(app, project_id, part)
    store = app.store
    if isinstance(store, S3MediaStore):
        return presigned(app, key)
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


router = APIRouter(tags=["renders"])
MEDIA_LINKS_OFF = "media links are off on this server: FILMSTUDIO_MEDIA_LINK_SECRET is not set"


@router.get(
    "/media/{token}",
    status_code=307,
    summary="Open a media link",
    description="A link from the catalog or from GET /projects/{id}/media-links; no API key needed, the signed "
    "token is the permission. Redirects to a presigned URL (S3) or answers the file (a local store). 400 for a "
    "malformed token, 403 for an altered one, 410 once expired, 404 when the project is not the link's tenant's "
    "or the file is gone.",
    responses={
        307: {"description": "Redirect to the media (a presigned URL)."},
        **{status: {"model": Error} for status in (400, 403, 404, 410, 503)},
    },
)
def open_media(token: str, app: ApiClients = Depends(api_clients)):
    settings = app.settings.environment.media_links
    if not settings.secret:
        raise ApiError(503, MEDIA_LINKS_OFF)
    try:
        grant = read_media_token(settings.secret, token)
    except MediaLinkError as error:
        raise ApiError(error.status, str(error)) from None
    if get_project(app.engine, grant.tenant, grant.project) is None:  # the tenant check
        raise ApiError(404, f"no project {grant.project!r} of this link's tenant")
    return _open(app, grant.project, grant.key)


def _open(app: ApiClients, project_id: str, key: str):
    store, name = app.store, PurePosixPath(key)
    media_type = BROWSER_TYPES.get(name.suffix, "application/octet-stream")
    if not store.exists(key):
        raise ApiError(404, f"project {project_id}: {name.name} is no longer in the media store")
    if isinstance(store, S3MediaStore):
        params = {
            "Bucket": store.bucket,
            "Key": store.object_key(key),
            "ResponseContentType": media_type,  # stored objects carry no type: a browser would download
            "ResponseContentDisposition": "inline",
        }
        url = store.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=app.settings.presigned_url_seconds
        )
        return RedirectResponse(url, status_code=307)
    if isinstance(store, LocalMediaStore):
        with store.reading(key) as path:  # a local store reads in place: the path outlives the block
            return FileResponse(path, media_type=media_type)
    raise ApiError(501, f"the media store {type(store).__name__} cannot hand out files")


@router.get(
    "/projects/{project_id}/media-links",
    response_model=MediaLinks,
    summary="Fresh media links",
    description="Signed links to the final cut, its subtitles, timeline, poster, contact sheet and every take, "
    "which a browser opens without the API key until expires_at. The catalog's links expire too; ask here "
    "for new ones. 404 until the project's final cut is rendered.",
    responses={**AUTH_ERRORS, **NOT_FOUND, 503: {"model": Error, "description": "Media links are off."}},
)
def media_links(
    project_id: str, request: Request, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)
):
    project = tenant_project(project_id, tenant, app)
    settings = app.settings.environment.media_links
    if not settings.secret:
        raise ApiError(503, MEDIA_LINKS_OFF)
    final_cut_key(app, project.project_id, "video")  # 404 before the first final cut
    delivered = json.loads(app.store.get_bytes(final_cut_manifest_key(project.project_id)))
    base = settings.api_url or str(request.base_url).rstrip("/")
    links = SignedMediaLinks(base, settings.secret, tenant, project.project_id, settings.lifetime_s)
    poster, sheet = poster_key(project.project_id), contact_sheet_key(project.project_id, "final_cut")
    return MediaLinks(
        project_id=project.project_id,
        expires_at=datetime.fromtimestamp(links.expires_at, tz=UTC),
        video=links.url(delivered["video"]),
        subtitles=links.url(delivered["subtitles"]),
        timeline=links.url(delivered["timeline"]),
        poster=links.url(poster) if app.store.exists(poster) else None,
        contact_sheet=links.url(sheet) if app.store.exists(sheet) else None,
        shot_clips={code: links.url(key) for code, key in delivered.get("shot_clips", {}).items()},
    )

"""The final cut for an editor: one zip of the timeline (OTIO, EDL, FCP 7 XML, FCPXML or AAF), the
takes it uses, the mix and the subtitles, read back and compared to the cut before it is sent
(film_assets/editorial/, docs/editorial.md)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Error
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, tenant_project
from film_assets.editorial.cut import CutChanged, NotRendered
from film_assets.editorial.export import export_cut
from film_assets.editorial.formats import FORMAT_NAMES, UnsupportedExport
from film_assets.editorial.readback import ReadbackMismatch

router = APIRouter(prefix="/projects/{project_id}", tags=["renders"])


@router.get(
    "/export",
    summary="Export the cut for an editor",
    description="A zip holding the final cut's timeline in the chosen format, the take of every shot it uses "
    "(media/SQ010_SH020_v002.mp4, referenced by relative path), the mix (media/mix.wav) and the subtitles. "
    "Clips are named by shot and take and carry their prompt, seed, model and script line where the format "
    "can. The export is read back with the adapter that wrote it and compared to the cut, frame by frame, "
    "before it is sent. 404 until the project has a final cut; 422 for an unknown format, or for FCPXML at a "
    "fractional (NTSC) rate.",
    responses={
        200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
        **AUTH_ERRORS,
        **NOT_FOUND,
        409: {"model": Error, "description": "The shot list changed since the final cut: render again first."},
        422: {"model": Error, "description": "Unknown format."},
    },
)
def export(
    project_id: str,
    format: Literal[FORMAT_NAMES] = Query(  # type: ignore[valid-type]
        ..., description="otio, edl (CMX 3600), fcp7 (Final Cut Pro 7 XML), fcpx (FCPXML) or aaf."
    ),
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
):
    project = tenant_project(project_id, tenant, app).project_id
    work = Path(tempfile.mkdtemp(prefix="filmstudio-export-"))
    try:
        made = export_cut(app.store, project, format, work, as_zip=True)
    except NotRendered as error:
        shutil.rmtree(work, ignore_errors=True)
        raise ApiError(404, str(error)) from None
    except CutChanged as error:
        shutil.rmtree(work, ignore_errors=True)
        raise ApiError(409, str(error)) from None
    except UnsupportedExport as error:
        shutil.rmtree(work, ignore_errors=True)
        raise ApiError(422, str(error)) from None
    except ReadbackMismatch as error:
        shutil.rmtree(work, ignore_errors=True)
        raise ApiError(500, f"the export did not read back as the cut: {error}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        made.path,
        media_type="application/zip",
        filename=made.path.name,
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )

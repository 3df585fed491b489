"""The two things the API queues: a new project (screenplay validated, stored, render requested)
and a re-render of an existing one. Each is recorded, stored and enqueued inside one database
transaction: if S3 or SQS fails, the project and job rows roll back with it, so a client never
sees a project that was never queued.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

from api.clients import ApiClients
from api.errors import ApiError
from api.models import Accepted, RenderOrder
from api.projects_db import ProjectRow, insert_job, insert_project
from api.uploads import DEFAULT_SOURCE_NAME, Upload, clean_text
from film_assets.contract import RenderRequest, new_render_request
from film_assets.domain.projects.ids import slugify
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.domain.screenplay.fountain import FountainError, Screenplay, parse_fountain
from film_assets.domain.screenplay.fountain_text import strip_emphasis
from film_assets.review.revisions import record_revision
from film_assets.storage.submission import load_submission, submission_keys, submit_screenplay

log = logging.getLogger("api")

SUFFIX_BYTES = 3  # six hex digits: 'night-shift-3f9a2c'
ID_ATTEMPTS = 8
MAX_SHOWN = 10


@dataclass(frozen=True)
class Checked:
    text: str
    screenplay: Screenplay
    settings: ProjectSettings


def check_upload(upload: Upload) -> Checked:
    """Refuse what can never render, before anything is stored (422 naming the line)."""
    try:
        screenplay = parse_fountain(upload.data, upload.source_name)
    except FountainError as error:
        raise ApiError(422, str(error)) from None
    except Exception as error:  # noqa: BLE001 - a parser bug must still answer 4xx, not 500, for odd input
        log.exception("parser failed on %s", upload.source_name)
        raise ApiError(422, f"{upload.source_name}: could not be read as a Fountain screenplay ({error})") from None
    try:
        settings = ProjectSettings(**upload.settings.model_dump())
    except ValueError as error:
        raise ApiError(422, f"settings: {error}") from None
    return Checked(upload.data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"), screenplay, settings)


def new_project_id(title: str) -> str:
    """Slug of the title plus a random suffix: unique across tenants (partition keys are global)
    and not guessable from the title alone."""
    base = slugify(title)[: 63 - 1 - 2 * SUFFIX_BYTES].strip("-_") or "untitled"
    return f"{base}-{secrets.token_hex(SUFFIX_BYTES)}"


def project_title(upload: Upload, screenplay: Screenplay) -> str:
    """The title given, else the title page's (without emphasis markers), else the uploaded
    file's name, else 'untitled'."""
    page_title = screenplay.title_page.get("title")
    file_stem = PurePosixPath(upload.source_name).stem if upload.source_name != DEFAULT_SOURCE_NAME else None
    return (
        upload.title
        or clean_text(strip_emphasis(page_title) if page_title else None, 200, "title")
        or clean_text(file_stem, 200, "title")
        or "untitled"
    )


def accept_screenplay(app: ApiClients, tenant: str, upload: Upload) -> Accepted:
    checked = check_upload(upload)
    title = project_title(upload, checked.screenplay)
    with app.engine.begin() as connection:
        for _ in range(ID_ATTEMPTS):
            project = ProjectRow(
                project_id=new_project_id(title),
                tenant=tenant,
                title=title,
                source_name=upload.source_name,
                created_at=datetime.now(UTC),
            )
            if insert_project(connection, project):
                break
        else:
            raise ApiError(503, "could not allocate a unique project id; try again")
        request = new_render_request(
            project.project_id, tenant, submission_keys(project.project_id)[0], priority=upload.priority
        )
        insert_job(connection, request)
        record_revision(connection, tenant, project.project_id, checked.text, upload.source_name)
        submit_screenplay(app.store, project.project_id, checked.text, upload.source_name, checked.settings)
        _enqueue(app, request)
    return _accepted(request)


def accept_revision(app: ApiClients, tenant: str, project_id: str, upload: Upload) -> Accepted:
    """A revised screenplay for an existing project: kept as its next revision, stored where the
    screenplay asset reads it, and its render queued (unchanged shots are reused). A revision
    changes the words, not the delivery: the project keeps its size, fps and loudness."""
    checked = check_upload(upload)
    try:
        settings = load_submission(app.store, project_id)[2]
    except FileNotFoundError:
        raise ApiError(409, f"project {project_id} has no stored screenplay to revise") from None
    request = new_render_request(
        project_id, tenant, submission_keys(project_id)[0], action="rerender", priority=upload.priority
    )
    with app.engine.begin() as connection:
        insert_job(connection, request)
        record_revision(connection, tenant, project_id, checked.text, upload.source_name)
        submit_screenplay(app.store, project_id, checked.text, upload.source_name, settings)
        _enqueue(app, request)
    return _accepted(request)


def order_rerender(app: ApiClients, tenant: str, project_id: str, order: RenderOrder) -> Accepted:
    shots = list(dict.fromkeys(order.shots)) if order.shots else None
    if order.new_seed and not shots:
        raise ApiError(422, "new_seed needs shots: list the shots that get new seeds")
    if shots:
        known = app.dagster.shot_codes(project_id, app.store)
        if known is None:
            raise ApiError(
                409,
                f"project {project_id} has no shot list yet: re-render it whole, or list shots "
                "once its shot_list is materialized",
            )
        unknown = [code for code in shots if code not in set(known)]
        if unknown:
            shown = ", ".join(code[:40] for code in unknown[:MAX_SHOWN]) + (" ..." if len(unknown) > MAX_SHOWN else "")
            extent = f"its {len(known)} shots run {known[0]} .. {known[-1]}" if known else "it has no shots"
            raise ApiError(422, f"unknown shot codes for project {project_id}: {shown} ({extent})")
    request = new_render_request(
        project_id,
        tenant,
        submission_keys(project_id)[0],
        action="rerender",
        assets=list(order.assets) if order.assets else None,
        shots=shots,
        priority=order.priority,
        new_seed=order.new_seed,
    )
    with app.engine.begin() as connection:
        insert_job(connection, request)
        _enqueue(app, request)
    return _accepted(request)


def enqueue_dailies(
    app: ApiClients, tenant: str, project_id: str, unreviewed: bool, since: datetime | None, priority: int
) -> Accepted:
    """Queue a make_dailies run of the project, recorded as one of its jobs."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    request = new_render_request(
        project_id,
        tenant,
        submission_keys(project_id)[0],
        action="dailies",
        priority=priority,
        unreviewed=unreviewed,
        since=since,
    )
    with app.engine.begin() as connection:
        insert_job(connection, request)
        _enqueue(app, request)
    return _accepted(request)


def _enqueue(app: ApiClients, request: RenderRequest) -> None:
    app.queue.send(request.to_body(), {"tenant": request.tenant, "action": request.action})


def _accepted(request: RenderRequest) -> Accepted:
    return Accepted(project_id=request.project_id, job_id=request.job_id, status_url=f"/projects/{request.project_id}")

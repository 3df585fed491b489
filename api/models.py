"""The API's request and response bodies (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from film_assets.asset_names import ASSET_NAMES
from film_assets.contract import PRIORITY_MAX, PRIORITY_MIN
from film_assets.run_states import RUN_STATES

State = Literal[(*RUN_STATES, "rejected")]  # a job the sensor refused never gets a run  # type: ignore[valid-type]
FAILED_QC = "failed_qc"  # the latest run stopped at a blocking QC check: the film is not delivered
ProjectState = Literal[(*RUN_STATES, "rejected", FAILED_QC)]  # type: ignore[valid-type]
Priority = Field(
    default=0, ge=PRIORITY_MIN, le=PRIORITY_MAX, description="Dagster run priority: higher is dequeued first."
)


class Error(BaseModel):
    detail: str = Field(description="What went wrong, naming the field, line or thing.")


class DeliverySettings(BaseModel):
    """The film's delivery settings (ProjectSettings); every field has the platform's default."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    width: int = Field(default=1280, ge=16, le=3840, description="Frame width in pixels (even).")
    height: int = Field(default=720, ge=16, le=2160, description="Frame height in pixels (even).")
    fps: float = Field(default=24.0, ge=1, le=120, description="Frames per second (23.976 and 29.97 are NTSC).")
    loudness_lufs: float = Field(default=-14.0, ge=-40, le=-5, description="-14 for web, -23 for broadcast.")
    true_peak_dbtp: float = Field(default=-1.0, ge=-9, le=0, description="True-peak ceiling.")


class SubmitScreenplay(BaseModel):
    """A screenplay as JSON (the alternative is a multipart upload in the field `file`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "screenplay": "Title: Night Shift\n\nINT. DINER - NIGHT\n\nRain on the windows.\n\nWREN\nWe close at two.\n",
                    "priority": 0,
                    "settings": {"width": 640, "height": 360},
                }
            ]
        },
    )

    screenplay: str = Field(min_length=1, description="The Fountain text.")
    title: str | None = Field(
        default=None, max_length=200, description="The project's title (default: the title page's, else 'untitled')."
    )
    priority: int = Priority
    settings: DeliverySettings | None = None


class SubmitMultipart(BaseModel):
    """The multipart form of a submission (documentation only: the endpoint reads the form itself)."""

    file: bytes = Field(json_schema_extra={"format": "binary"}, description="The Fountain file (UTF-8).")
    title: str | None = Field(default=None, max_length=200)
    priority: int = Priority
    settings: str | None = Field(default=None, description="DeliverySettings as a JSON object.")


class Accepted(BaseModel):
    project_id: str = Field(description="The project's id, also its Dagster partition key.")
    job_id: str = Field(description="The queued request's id, also its Dagster run key.")
    status_url: str = Field(description="Where the project's status is read.")


class RenderOrder(BaseModel):
    """What to re-render: by default the whole project from its stored script, where only shots whose
    inputs changed are rendered; listed shots are rendered again as new versions (with new seeds
    if asked) and the final cut is rebuilt."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"shots": ["SQ010_SH020"], "new_seed": True, "priority": 10}]}
    )

    shots: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="Shot codes such as SQ010_SH020 to render again as new versions "
        "(default: only shots whose inputs changed).",
    )
    new_seed: bool = Field(
        default=False, description="Give the listed shots new seeds (kept for later renders). Needs `shots`."
    )
    assets: list[Literal[ASSET_NAMES]] | None = Field(  # type: ignore[valid-type]
        default=None, min_length=1, description="Assets to materialize (default: the whole graph)."
    )
    priority: int = Priority


class ProjectSummary(BaseModel):
    project_id: str
    title: str
    source_name: str
    created_at: datetime
    status_url: str


class ProjectPage(BaseModel):
    items: list[ProjectSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page.")


class RunInfo(BaseModel):
    run_id: str
    status: str = Field(description="Dagster's run status: QUEUED, STARTED, SUCCESS, FAILURE, CANCELED, ...")
    state: State = Field(
        description="Ours: queued, running, succeeded, failed, canceled. A run whose worker died and "
        "that Dagster will run again is queued, not failed."
    )
    job_id: str | None = None
    action: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


class AssetState(BaseModel):
    name: str
    materialized: bool
    run_id: str | None = None
    materialized_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict, description="The materialization's metadata as JSON.")


class CheckResult(BaseModel):
    name: str
    asset: str
    passed: bool
    severity: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class ShotLineage(BaseModel):
    """What made one shot's keyframe: from the keyframes materialization's `shot_lineage`."""

    model_config = ConfigDict(extra="allow")

    code: str
    render_key: str | None = None
    version: str | None = None
    script_line: int | None = None
    image_key: str | None = None
    prompt: str | None = None
    seed: int | None = None
    renderer: str | None = None
    renderer_version: str | None = None
    model: str | None = None


class JobInfo(BaseModel):
    job_id: str
    action: Literal["render", "rerender", "dailies"]
    assets: list[str] | None = None
    shots: list[str] | None = None
    priority: int
    submitted_at: datetime
    run_id: str | None = Field(default=None, description="Its Dagster run, once the sensor has started it.")
    run_status: str | None = None
    state: State
    rejected_reason: str | None = Field(
        default=None, description="Why the request never became a run, if the queue's consumer refused it."
    )


class QcCheck(BaseModel):
    name: str
    asset: str
    passed: bool
    severity: str
    blocking: bool
    metadata: dict[str, Any] = Field(default_factory=dict, description="What the check measured.")


class QcStatus(BaseModel):
    """The latest run's QC verdict: failing while a blocking check failed (that check stopped
    the run, so the film was not delivered); failed checks that do not block are warnings."""

    passed: bool
    run_id: str
    checks_run: int
    failing: list[QcCheck] = Field(description="Blocking checks that failed: why the film is not delivered.")
    warnings: list[QcCheck] = Field(description="Checks that failed without blocking delivery.")


class ProjectStatus(BaseModel):
    project_id: str
    title: str
    source_name: str
    created_at: datetime
    state: ProjectState = Field(
        description="'queued' until the latest request has a run, then that run's state; "
        "'rejected' if the latest request was refused (see its job's rejected_reason); "
        "'failed_qc' if the latest run was stopped by a blocking QC check (see qc)."
    )
    latest_run: RunInfo | None
    assets: list[AssetState]
    checks: list[CheckResult] = Field(description="Delivery QC of the latest final cut.")
    shots: list[ShotLineage]
    jobs: list[JobInfo] = Field(description="The project's requests, newest first (at most 50).")
    final_cut_url: str | None = Field(description="Where to download the film, once it is rendered.")
    qc: QcStatus | None = Field(default=None, description="The latest finished run's QC verdict.")


class PresignedDownload(BaseModel):
    url: str = Field(description="A presigned GET URL on the media bucket.")
    expires_in: int = Field(description="Seconds the URL stays valid.")
    media_key: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(description="Each dependency: 'ok' or why it failed.")
    detail: str | None = Field(default=None, description="Why the service is unavailable.")


class ShotVersion(BaseModel):
    """One render of a shot (its keyframe and clip), kept: why it was made, by which run, with what."""

    model_config = ConfigDict(extra="allow")

    code: str
    version: str = Field(description="v001, v002, … in the order they were made.")
    reason: str = Field(description="new, changed (its inputs changed) or forced (asked for by a re-render).")
    created_at: str
    run_id: str
    in_final_cut: bool = Field(description="The project's latest final cut uses this version.")
    keyframe_version: str = Field(
        description="The version whose keyframe this one uses (itself, unless only the clip changed)."
    )
    prompt: str | None = None
    seed: int | None = None
    renderer: str | None = None
    model: str | None = None


class ShotVersions(BaseModel):
    project_id: str
    code: str
    versions: list[ShotVersion]


class MediaLinks(BaseModel):
    """Links a browser opens without the API key: each is GET /media/{token}, signed for this tenant
    and project, answered with a redirect to a presigned URL until expires_at."""

    project_id: str
    expires_at: datetime
    video: str = Field(description="The final cut (MP4), plays in a browser.")
    subtitles: str = Field(description="Its subtitles (SRT).")
    timeline: str = Field(description="Its editorial timeline (OpenTimelineIO JSON).")
    poster: str | None = Field(default=None, description="The poster frame (JPEG); null for a cut made before posters.")
    contact_sheet: str | None = Field(default=None, description="Every shot on one image (JPEG), new takes marked.")
    shot_clips: dict[str, str] = Field(description="Each shot's take in the cut, by shot code.")

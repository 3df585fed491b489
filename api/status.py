"""A project's status: the API's own record (title, jobs) joined with Dagster's (runs, the latest
materialization of each asset, delivery checks, per-shot lineage).

Bounded work per call: one query for the project, one for its jobs, two for runs (the latest, and
those of the jobs shown), one per asset (nine), one for the final cut's checks and one for the
latest run's QC verdict, whatever the project's history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from api.dagster_state import DagsterState, Materialization
from api.metadata_json import metadata_to_json, plain_json
from api.models import FAILED_QC, AssetState, CheckResult, JobInfo, ProjectStatus, QcStatus, RunInfo, ShotLineage
from api.projects_db import ProjectRow
from film_assets.asset_names import ASSET_NAMES
from film_assets.contract import ACTION_TAG, JOB_ID_TAG
from film_assets.run_states import FAILED, QUEUED, SUCCEEDED, run_state
from film_assets.runs.qc_verdict import qc_verdict
from film_assets.storage.submission import load_rejection
from resources.media_store import MediaStore

LINEAGE_TEXT = ("render_key", "image_key", "prompt", "renderer", "renderer_version", "model")


def project_status(
    project: ProjectRow, job_rows: list[dict], dagster: DagsterState, media_store: MediaStore
) -> ProjectStatus:
    latest = dagster.project_runs(project.project_id, limit=1)
    latest_run = run_info(latest[0]) if latest else None
    run_by_job = {}
    for record in reversed(dagster.job_runs([row["job_id"] for row in job_rows])):
        run_by_job[record.dagster_run.tags[JOB_ID_TAG]] = record  # newest last: it wins if a job ran twice
    jobs = [job_info(row, run_by_job.get(row["job_id"])) for row in job_rows]
    if jobs and jobs[0].run_id is None:
        # the newest request waits in SQS (or in the sensor's hands), unless the sensor refused it:
        # one store lookup, only while the newest request has no run
        reason = load_rejection(media_store, project.project_id, jobs[0].job_id)
        if reason is not None:
            jobs[0] = jobs[0].model_copy(update={"state": "rejected", "rejected_reason": reason})
        state = jobs[0].state
    else:
        state = latest_run.state if latest_run else QUEUED

    qc = None
    if latest_run is not None and latest_run.state in (SUCCEEDED, FAILED):
        qc = QcStatus.model_validate(qc_verdict(dagster.instance, latest_run.run_id).to_json())
        if state == FAILED and not qc.passed:
            state = FAILED_QC  # not a crash: the film was judged and is not fit to deliver

    materialized = dagster.latest_materializations(project.project_id)
    cut = materialized.get("final_cut")
    checks = [
        CheckResult(
            name=c.name, asset=c.asset, passed=c.passed, severity=c.severity, metadata=metadata_to_json(c.metadata)
        )
        for c in (dagster.check_evaluations(cut.run_id) if cut else [])
    ]
    return ProjectStatus(
        project_id=project.project_id,
        title=project.title,
        source_name=project.source_name,
        created_at=project.created_at,
        state=state,
        latest_run=latest_run,
        assets=[asset_state(name, materialized.get(name)) for name in ASSET_NAMES],
        checks=checks,
        shots=shot_lineage(materialized.get("keyframes")),
        jobs=jobs,
        # a cut that failed QC is not delivered: it stays in the store for the team, not offered here
        final_cut_url=f"/projects/{project.project_id}/final-cut" if cut and state != FAILED_QC else None,
        qc=qc,
    )


def run_info(record) -> RunInfo:
    run = record.dagster_run
    return RunInfo(
        run_id=run.run_id,
        status=run.status.value,
        state=run_state(run.status, run.tags),
        job_id=run.tags.get(JOB_ID_TAG),
        action=run.tags.get(ACTION_TAG),
        created_at=record.create_timestamp,
        started_at=_when(record.start_time),
        ended_at=_when(record.end_time),
    )


def job_info(row: dict, run_record) -> JobInfo:
    run = run_record.dagster_run if run_record else None
    return JobInfo(
        job_id=row["job_id"],
        action=row["action"],
        assets=row["assets"],
        shots=row["shots"],
        priority=row["priority"],
        submitted_at=row["submitted_at"],
        run_id=run.run_id if run else None,
        run_status=run.status.value if run else None,
        state=run_state(run.status, run.tags) if run else QUEUED,
    )


def asset_state(name: str, materialization: Materialization | None) -> AssetState:
    if materialization is None:
        return AssetState(name=name, materialized=False)
    metadata = {key: value for key, value in materialization.metadata.items() if key != "shot_lineage"}
    return AssetState(
        name=name,
        materialized=True,
        run_id=materialization.run_id,
        materialized_at=_when(materialization.timestamp),
        metadata=metadata_to_json(metadata),
    )


def shot_lineage(keyframes: Materialization | None) -> list[ShotLineage]:
    """Per-shot lineage from the keyframes materialization (film order, as the asset wrote it)."""
    if keyframes is None or "shot_lineage" not in keyframes.metadata:
        return []
    lineage = plain_json(keyframes.metadata["shot_lineage"])
    if not isinstance(lineage, dict):
        return []
    shots = []
    for code, entry in lineage.items():
        entry = entry if isinstance(entry, dict) else {}
        fields = {name: str(entry[name]) for name in LINEAGE_TEXT if entry.get(name) is not None}
        fields["seed"] = _int_or_none(entry.get("seed"))
        fields["script_line"] = _int_or_none(entry.get("script_line"))
        extra = {name: value for name, value in entry.items() if name not in fields and name != "code"}
        shots.append(ShotLineage(code=code, **fields, **extra))
    return shots


def _int_or_none(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None

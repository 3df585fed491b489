"""Many projects as the API and Dagster would hold them after real renders, written in bulk for
the service benchmark: API rows, partitions, a finished run and its materializations each."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime


def register_projects(postgres_url: str, instance, count: int, assets: int = 9) -> None:
    """`count` projects as the API and Dagster would hold them after real renders: API rows, a
    partition, one finished run and the nine assets' materializations each (written in bulk)."""
    from dagster import (
        AssetKey,
        AssetMaterialization,
        DagsterEvent,
        DagsterEventType,
        DagsterRun,
        DagsterRunStatus,
        EventLogEntry,
    )
    from sqlalchemy import create_engine, text

    from film_assets.asset_names import ASSET_NAMES
    from film_assets.contract import JOB_ID_TAG, TENANT_TAG
    from film_assets.dagster_internals import private

    StepMaterializationData = private("StepMaterializationData")

    ids = [f"bulk-{n:06d}" for n in range(count)]
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO filmstudio_projects (project_id, tenant, title, source_name, created_at) "
                "SELECT 'bulk-' || lpad(n::text, 6, '0'), 'bench', 'Bulk ' || n, 'bulk.fountain', "
                "now() - interval '1 day' + n * interval '1 second' FROM generate_series(0, :last) AS n"
            ),
            {"last": count - 1},
        )
        connection.execute(text("ANALYZE filmstudio_projects"))
    engine.dispose()
    instance.add_dynamic_partitions("projects", ids)
    for start in range(0, count, 500):
        entries = []
        runs = []
        for project in ids[start : start + 500]:
            run_id = str(uuid.uuid4())
            tags = {"dagster/partition": project, JOB_ID_TAG: str(uuid.uuid4()), TENANT_TAG: "bench"}
            runs.append(DagsterRun(job_name="render_film", run_id=run_id, status=DagsterRunStatus.SUCCESS, tags=tags))
            for name in ASSET_NAMES[-assets:]:  # final_cut last: the one the UI query reads
                event = DagsterEvent(
                    DagsterEventType.ASSET_MATERIALIZATION.value,
                    job_name="render_film",
                    event_specific_data=StepMaterializationData(
                        AssetMaterialization(AssetKey(name), partition=project, metadata={"shots": 12})
                    ),
                )
                entries.append(
                    EventLogEntry(
                        error_info=None,
                        level=10,
                        user_message="",
                        run_id=run_id,
                        timestamp=time.time(),
                        step_key=name,
                        job_name="render_film",
                        dagster_event=event,
                    )
                )
        _add_runs(instance, runs)
        instance.event_log_storage.store_event_batch(entries)
        print(f"  registered {min(start + 500, count)}/{count} projects", flush=True)


def _add_runs(instance, runs) -> None:
    """instance.add_run for many runs in one connection: the same rows (serialized run, partition,
    tags), without a connection per run."""
    from dagster import serialize_value

    from film_assets.dagster_internals import private

    now = datetime.now(UTC)
    rows = [
        {
            "run_id": run.run_id,
            "pipeline_name": run.job_name,
            "status": run.status.value,
            "run_body": serialize_value(run),
            "snapshot_id": None,
            "partition": run.tags.get("dagster/partition"),
            "partition_set": None,
            "create_timestamp": now,
        }
        for run in runs
    ]
    tags = [{"run_id": run.run_id, "key": key, "value": value} for run in runs for key, value in run.tags.items()]
    with instance.run_storage.connect() as connection:
        connection.execute(private("RunsTable").insert(), rows)
        connection.execute(private("RunTagsTable").insert(), tags)

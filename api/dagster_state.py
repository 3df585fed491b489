"""What Dagster knows about a project, read from its instance (Postgres); the API never runs assets.

One instance per process, opened on first use and shared by every request thread; its storages
hold pooled connections (as dagster-webserver's do) so a status read costs a few indexed queries,
not a few fresh Postgres connections.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from dagster import AssetKey, AssetRecordsFilter, DagsterEventType, DagsterInstance, RunsFilter

from api.settings import ApiSettings
from film_assets.asset_names import ASSET_NAMES
from film_assets.contract import JOB_ID_TAG
from film_assets.jobs import RENDER_FILM
from film_assets.runs.service_instance import service_instance
from resources.media_store import MediaStore

PARTITION_TAG = "dagster/partition"


@dataclass(frozen=True)
class Materialization:
    asset: str
    run_id: str
    timestamp: float
    metadata: dict  # name -> MetadataValue


@dataclass(frozen=True)
class CheckEvaluation:
    name: str
    asset: str
    passed: bool
    severity: str
    metadata: dict


class DagsterState:
    def __init__(self, settings: ApiSettings):
        self._settings = settings
        self._lock = threading.Lock()
        self._instance: DagsterInstance | None = None

    @property
    def instance(self) -> DagsterInstance:
        if self._instance is None:
            with self._lock:
                if self._instance is None:
                    instance = service_instance(self._settings.dagster_home, self._settings.service.postgres_url)
                    # what dagster-webserver does: pooled connections and a statement timeout
                    instance.optimize_for_webserver(
                        statement_timeout=self._settings.statement_timeout_ms, pool_recycle=1800, max_overflow=20
                    )
                    self._instance = instance
        return self._instance

    def close(self) -> None:
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None

    def project_runs(self, project_id: str, limit: int):
        """The project's render runs (RunRecords), newest first: a dailies run says nothing of the film."""
        return self.instance.get_run_records(
            RunsFilter(job_name=RENDER_FILM, tags={PARTITION_TAG: project_id}), limit=limit
        )

    def job_runs(self, job_ids: list[str]):
        """The runs (RunRecords) of these jobs, newest first: one query on the run tags."""
        if not job_ids:
            return []
        return self.instance.get_run_records(RunsFilter(tags={JOB_ID_TAG: job_ids}))

    def latest_materializations(self, project_id: str) -> dict[str, Materialization | None]:
        """Each asset's latest materialization of this partition: one indexed query per asset."""
        latest = {}
        for name in ASSET_NAMES:
            records = self.instance.fetch_materializations(
                AssetRecordsFilter(asset_key=AssetKey(name), asset_partitions=[project_id]), limit=1, ascending=False
            ).records
            materialization = records[0].asset_materialization if records else None
            latest[name] = (
                None
                if materialization is None
                else Materialization(name, records[0].run_id, records[0].timestamp, dict(materialization.metadata))
            )
        return latest

    def check_evaluations(self, run_id: str) -> list[CheckEvaluation]:
        """The asset checks evaluated in one run (the final cut's delivery QC)."""
        evaluations = []
        for entry in self.instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
            data = entry.dagster_event.asset_check_evaluation_data
            evaluations.append(
                CheckEvaluation(
                    name=data.check_name,
                    asset=data.asset_key.to_user_string(),
                    passed=bool(data.passed),
                    severity=data.severity.value if data.severity is not None else "ERROR",
                    metadata=dict(data.metadata),
                )
            )
        return evaluations

    def shot_codes(self, project_id: str, store: MediaStore) -> list[str] | None:
        """The project's shot codes from its latest shot list (its catalog table, else the stored
        parquet), or None if it has none yet."""
        records = self.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("shot_list"), asset_partitions=[project_id]), limit=1
        ).records
        if not records:
            return None
        table = records[0].asset_materialization.metadata.get("shot_table")
        if table is not None and hasattr(table, "records"):
            codes = [record.data.get("code") for record in table.records]
            if codes and all(isinstance(code, str) for code in codes):
                return codes
        from film_assets.storage.shot_history import stored_shot_codes

        return stored_shot_codes(store, project_id)

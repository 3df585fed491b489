"""Every private Dagster API we use, behind one module.

Each entry says why no public API serves. On a Dagster upgrade, `check_internals()` (run by
tests/test_dagster_internals.py) names every entry that moved, so nobody has to hunt for them;
code elsewhere asks for them here with `private(name)` and never imports `dagster._...` itself.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, NamedTuple


class PrivateApi(NamedTuple):
    module: str
    attribute: str | None  # None: the module itself (run with `python -m`)
    why: str  # why no public API serves


PRIVATE_APIS: dict[str, PrivateApi] = {
    # backfills (film_assets/runs/backfills.py)
    "PartitionBackfill": PrivateApi(
        "dagster._core.execution.backfill",
        "PartitionBackfill",
        "no public Python API records an asset backfill; the webserver's launchPartitionBackfill "
        "mutation builds one this way (dagster_graphql implementation/execution/backfill.py)",
    ),
    "make_new_backfill_id": PrivateApi(
        "dagster._core.utils",
        "make_new_backfill_id",
        "the id format the UI's backfill pages expect, made the way the webserver makes it",
    ),
    "BulkActionStatus": PrivateApi(
        "dagster._core.execution.backfill",
        "BulkActionStatus",
        "the status of a backfill as instance.get_backfill returns it; no public twin",
    ),
    "BulkActionsFilter": PrivateApi(
        "dagster._core.execution.backfill", "BulkActionsFilter", "instance.get_backfills(filters=...) takes only this"
    ),
    "AssetGraphView": PrivateApi(
        "dagster._core.asset_graph_view.asset_graph_view",
        "AssetGraphView",
        "the UI's 'unsynced' state comes from CachingStaleStatusResolver, which needs this view; no "
        "public API tells whether a partition is stale",
    ),
    "CachingStaleStatusResolver": PrivateApi(
        "dagster._core.definitions.data_version",
        "CachingStaleStatusResolver",
        "the resolver behind the UI's 'unsynced' badge; no public stale-status API",
    ),
    "TemporalContext": PrivateApi(
        "dagster._core.definitions.temporal_context", "TemporalContext", "AssetGraphView's required point in time"
    ),
    "StaleStatus": PrivateApi(
        "dagster._core.definitions.data_version", "StaleStatus", "the resolver's answer (STALE, MISSING, FRESH)"
    ),
    # the daemon (`filmstudio up`, `filmstudio backfill`)
    "daemon_module": PrivateApi(
        "dagster._daemon",
        None,
        "the module behind the dagster-daemon console script, run with the same interpreter so a "
        "venv that is not on PATH works",
    ),
    # step Job manifests (film_assets/deploy/manifests.py): built as the k8s_job_executor builds them
    "create_execution_plan": PrivateApi(
        "dagster._core.execution.api",
        "create_execution_plan",
        "a job's steps in run order with their op tags, as the k8s_job_executor sees them; no public API lists steps",
    ),
    "CodePointer": PrivateApi(
        "dagster._core.code_pointer", "CodePointer", "the code location pointer written into each step worker's command"
    ),
    "JobPythonOrigin": PrivateApi("dagster._core.origin", "JobPythonOrigin", "the job origin a step worker loads"),
    "RepositoryPythonOrigin": PrivateApi(
        "dagster._core.origin", "RepositoryPythonOrigin", "the repository origin a step worker loads"
    ),
    "ExecuteStepArgs": PrivateApi(
        "dagster._grpc.types",
        "ExecuteStepArgs",
        "the step worker's command line and environment, as the k8s_job_executor writes them",
    ),
    # run origins (film_assets/runs/run_origin.py, local_render.py)
    "location_origin_from_module_name": PrivateApi(
        "dagster._core.workspace.load",
        "location_origin_from_module_name",
        "the code location origin `dagster dev -m MODULE` makes; a run needs it to be re-executed "
        "from the UI and no public API builds one outside a running workspace",
    ),
    "RemoteRepositoryOrigin": PrivateApi(
        "dagster._core.remote_origin",
        "RemoteRepositoryOrigin",
        "a run's remote job origin and a job backfill's partition set origin hang off it",
    ),
    "SINGLETON_REPOSITORY_NAME": PrivateApi(
        "dagster._core.definitions.repository_definition.valid_definitions",
        "SINGLETON_REPOSITORY_NAME",
        'the name of the repository a Definitions object makes ("__repository__")',
    ),
    "partition_set_name": PrivateApi(
        "dagster._core.remote_representation.external_data",
        "partition_set_snap_name_for_job_name",
        "the name the UI and the backfill daemon give a partitioned job's partition set",
    ),
    "execute_run": PrivateApi(
        "dagster._core.execution.api",
        "execute_run",
        "runs a run record we created (with its origin) in this process; execute_in_process makes "
        "its own record without an origin and public execute_job needs a reconstructable job, "
        "which would rebuild the definitions without the CLI's model flags",
    ),
    "InMemoryJob": PrivateApi(
        "dagster._core.definitions.job_base",
        "InMemoryJob",
        "execute_run's wrapper for a job built in this process (execute_in_process uses the same)",
    ),
    # the service launcher's worker health check (film_assets/runs/worker_launcher.py)
    "WorkerStatus": PrivateApi(
        "dagster._core.launcher",
        "WorkerStatus",
        "what a run launcher's check_run_worker_health answers; run monitoring acts on it, and no "
        "public module exports it (K8sRunLauncher imports it from here too)",
    ),
    "CheckRunHealthResult": PrivateApi(
        "dagster._core.launcher", "CheckRunHealthResult", "the type check_run_worker_health must return"
    ),
    "GrpcServerCodeLocationOrigin": PrivateApi(
        "dagster._core.remote_origin",
        "GrpcServerCodeLocationOrigin",
        "a run's code location served by a gRPC server we did not start (on another host): its "
        "worker's pid means nothing here",
    ),
    # bench/service_bench.py writes materializations of many projects without running them
    "StepMaterializationData": PrivateApi(
        "dagster._core.events",
        "StepMaterializationData",
        "the payload of an ASSET_MATERIALIZATION event; report_runless_asset_event would not tie it "
        "to a run the API lists",
    ),
    "RunsTable": PrivateApi(
        "dagster._core.storage.runs.schema",
        "RunsTable",
        "the run storage's table: 100,000 finished runs are written in bulk, where add_run opens a "
        "connection per run (40 minutes of setup for the scale benchmark)",
    ),
    "RunTagsTable": PrivateApi(
        "dagster._core.storage.runs.schema", "RunTagsTable", "the runs' tags, written in bulk with them"
    ),
    "wipe_daemon_heartbeats": PrivateApi(
        "dagster._core.instance",
        "DagsterInstance.wipe_daemon_heartbeats",
        "public in name but undocumented (it exists for Dagster's own tests); no other call clears "
        "the heartbeats a stopped daemon left, which would pass for a running daemon",
    ),
}


class DagsterInternalMoved(ImportError):
    """A private Dagster API we rely on is gone or moved (a Dagster upgrade)."""


def _resolve(name: str, api: PrivateApi) -> Any:
    try:
        if api.attribute is None:
            if importlib.util.find_spec(api.module) is None:
                raise ImportError(f"no module {api.module}")
            return api.module
        found = importlib.import_module(api.module)
        for part in api.attribute.split("."):
            found = getattr(found, part)
        return found
    except (ImportError, AttributeError) as error:
        import dagster

        target = api.module + (f".{api.attribute}" if api.attribute else "")
        raise DagsterInternalMoved(
            f"Dagster {dagster.__version__} has no {target} (private API {name!r}: {api.why}); "
            f"find where it moved and update film_assets/dagster_internals.py ({error})"
        ) from error


def private(name: str) -> Any:
    """The private Dagster object (or, for a module run with `python -m`, its name)."""
    return _resolve(name, PRIVATE_APIS[name])


def check_internals() -> list[str]:
    """One message per private API that does not resolve with the installed Dagster."""
    problems = []
    for name, api in PRIVATE_APIS.items():
        try:
            _resolve(name, api)
        except DagsterInternalMoved as error:
            problems.append(str(error))
    return problems


def daemon_command(python: str, *args: str) -> list[str]:
    """`python -m dagster._daemon ARGS...`: the dagster-daemon of this interpreter."""
    return [python, "-m", private("daemon_module"), *args]


def forget_daemon_heartbeats(instance) -> None:
    """Drop every daemon heartbeat from the instance (see PRIVATE_APIS["wipe_daemon_heartbeats"])."""
    private("wipe_daemon_heartbeats")(instance)

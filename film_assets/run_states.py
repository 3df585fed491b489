"""One vocabulary of run states for the CLI, backfills and the API: queued, running, succeeded,
failed, canceled. Dagster's run and backfill statuses are mapped here, by their names, so the API
and the CLI can use it without loading Dagster."""

from __future__ import annotations

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED = "queued", "running", "succeeded", "failed", "canceled"
RUN_STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED)

_BY_RUN_STATUS = {  # DagsterRunStatus names
    "NOT_STARTED": QUEUED,
    "QUEUED": QUEUED,
    "MANAGED": QUEUED,
    "STARTING": RUNNING,
    "STARTED": RUNNING,
    "CANCELING": RUNNING,
    "SUCCESS": SUCCEEDED,
    "FAILURE": FAILED,
    "CANCELED": CANCELED,
}
_BY_BACKFILL_STATUS = {  # BulkActionStatus names
    "REQUESTED": RUNNING,
    "CANCELING": CANCELED,
    "CANCELED": CANCELED,
    "COMPLETED": SUCCEEDED,
    "COMPLETED_SUCCESS": SUCCEEDED,
    "COMPLETED_FAILED": FAILED,
    "FAILED": FAILED,
    "FAILING": FAILED,
}


def _name(status) -> str:
    return getattr(status, "value", status)  # an enum member or its name


# Dagster's tag on a failed run that its run retries will start again (a run whose worker died)
WILL_RETRY_TAG = "dagster/will_retry"


def run_state(status, tags: dict | None = None) -> str:
    """The state of a run, from its DagsterRunStatus (or that status's name) and its tags: a failed
    run about to be retried is queued again, not failed."""
    if tags and tags.get(WILL_RETRY_TAG) == "true":
        return QUEUED
    return _BY_RUN_STATUS.get(_name(status), RUNNING)


def backfill_state(status, has_runs: bool) -> str:
    """The state of a backfill, from its BulkActionStatus (or its name): queued until it has runs."""
    state = _BY_BACKFILL_STATUS.get(_name(status), RUNNING)
    return QUEUED if state == RUNNING and not has_runs else state

"""Where a run says it came from, so the Dagster UI treats every run as one of its own.

The UI groups runs by job and code location, shows them in the Overview timeline and re-executes
them from that origin. A run made without one (`execute_in_process`, an asset backfill's
implicit job) is "jobless" there and cannot be re-executed. The CLI's runs and our backfills name
the code location that `filmstudio ui`, `filmstudio up` and deployments load, and `render_film`.
"""

from __future__ import annotations

import os
import sys

from film_assets.dagster_internals import private

DEFINITIONS_MODULE = "film_assets.definitions"
# The code location's name as the UI knows it: `dagster dev -m film_assets.definitions` and
# `dagster api grpc --module-name ...` name it after the module; a deployment that names it
# otherwise (the Helm chart's user deployment, a Dagster+ location) sets this variable.
CODE_LOCATION_ENV = "FILMSTUDIO_CODE_LOCATION"


def code_location_name() -> str:
    return os.environ.get(CODE_LOCATION_ENV) or DEFINITIONS_MODULE


def repository_origin():
    """The origin of the one repository our Definitions make, in the code location above."""
    location = private("location_origin_from_module_name")(
        DEFINITIONS_MODULE, None, os.getcwd(), code_location_name(), sys.executable
    )
    return private("RemoteRepositoryOrigin")(location, private("SINGLETON_REPOSITORY_NAME"))


def job_origin(job_name: str):
    """What a run of `job_name` records so the UI can show it under the job and re-execute it."""
    return repository_origin().get_job_origin(job_name)


def partition_set_origin(job_name: str):
    """The job's partition set, which a job backfill runs over (one run of the job per partition)."""
    return repository_origin().get_partition_set_origin(private("partition_set_name")(job_name))

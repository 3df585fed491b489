"""The Kubernetes Job each step of render_film gets in prod, written out without a cluster.

No API server can run here (nor in CI), so `filmstudio deploy manifests` builds each step's Job
the way dagster-k8s's step handler (K8sStepHandler.launch_step) does at run time, with the same
dagster-k8s functions, in the same order:
  run launcher's container context  ->  executor's container context  ->  the step's
  `dagster-k8s/config` op tag  ->  the executor's per-step override
then `construct_dagster_k8s_job`, and writes one YAML file per step, named after it. The steps,
their tags and the executor come from the prod profile's real Definitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from film_assets.dagster_internals import private
from resources.deployment import NAMESPACE, DeploymentNames

CODE_LOCATION_MODULE = "film_assets.definitions"
# The ConfigMap and Secret every pod of ours reads its settings from (infra/k8s/api.yaml and the
# Helm values create and name the same ones).
SETTINGS_CONFIG_MAP = "filmstudio-settings"
POSTGRES_SECRET = "filmstudio-postgres"
# key FILMSTUDIO_MEDIA_LINK_SECRET: the run workers sign the catalog's media links, the API checks them
MEDIA_LINK_SECRET = "filmstudio-media-links"
# Where the images keep their Python (infra/docker/Dockerfile*): recorded in each step's origin.
IMAGE_PYTHON = "/opt/filmstudio/venv/bin/python"
# A placeholder run id: real ones are uuids, and only the Job's name hash depends on it.
EXAMPLE_RUN_ID = "00000000-0000-4000-8000-000000000000"


def run_container_context(names: DeploymentNames) -> dict:
    """What the Helm chart's K8sRunLauncher (or Dagster+'s agent, via dagster_cloud.yaml) gives
    every run and step pod: namespace, service account (its IAM role) and our settings. Run
    workers only orchestrate, so they stay on the CPU pool."""
    from resources.deployment import CPU_POOL, NODE_POOL_LABEL

    return {
        "namespace": names.namespace,
        "service_account_name": names.dagster_service_account,
        "env_config_maps": [SETTINGS_CONFIG_MAP],
        "env_secrets": [POSTGRES_SECRET, MEDIA_LINK_SECRET],
        "image_pull_policy": "IfNotPresent",
        "run_k8s_config": {"pod_spec_config": {"node_selector": {NODE_POOL_LABEL: CPU_POOL}}},
    }


@dataclass(frozen=True)
class ChartRunLauncher:
    """The K8sRunLauncher fields a step Job reads (DagsterK8sJobConfig), as the official chart sets
    them for a release named `dagster`. The real launcher cannot be built without a cluster."""

    job_image: str | None = None
    dagster_home: str = "/opt/dagster/dagster_home"
    instance_config_map: str = "dagster-instance"
    postgres_password_secret: str = "dagster-postgresql-secret"


SECRET_STAND_IN = "postgresql+psycopg2://from-the-cluster-secret/filmstudio"


def step_jobs(names: DeploymentNames, image: str, gpu_image: str = "", run_id: str = EXAMPLE_RUN_ID) -> dict[str, dict]:
    """{step key: the Job manifest (a plain dict, as the API server would receive it)}."""
    import kubernetes
    from dagster_k8s.container_context import K8sContainerContext
    from dagster_k8s.job import (
        UserDefinedDagsterK8sConfig,
        construct_dagster_k8s_job,
        get_k8s_job_name,
        get_user_defined_k8s_config,
    )

    from film_assets.assets.placement import prod_executor_config
    from film_assets.definitions import build_definitions
    from film_assets.jobs import RENDER_FILM
    from resources.profiles import prod_environment

    # the k8s_job_executor's own way of building a step's Job (film_assets/dagster_internals.py)
    create_execution_plan, CodePointer = private("create_execution_plan"), private("CodePointer")
    JobPythonOrigin, RepositoryPythonOrigin = private("JobPythonOrigin"), private("RepositoryPythonOrigin")
    ExecuteStepArgs = private("ExecuteStepArgs")

    environment = prod_environment(names, gpu_image=gpu_image)
    job = build_definitions(environment).resolve_job_def(RENDER_FILM)
    # The manifests are written without the cluster's secrets: the review database's URL (an EnvVar
    # the pods get from their Secret) is given a stand-in here, only so the plan can be made; no
    # resource config is written into a manifest.
    plan = create_execution_plan(job, run_config={"resources": {"review_db": {"config": {"url": SECRET_STAND_IN}}}})
    executor_config = prod_executor_config(gpu_image)
    run_context = K8sContainerContext.create_from_config({"k8s": run_container_context(names)})
    origin = JobPythonOrigin(
        RENDER_FILM,
        RepositoryPythonOrigin(
            executable_path=IMAGE_PYTHON,
            code_pointer=CodePointer.from_module(CODE_LOCATION_MODULE, "defs", None),
            container_image=image,
        ),
    )
    serializer = kubernetes.client.ApiClient()
    manifests = {}
    for step in plan.get_steps_to_execute_in_topo_order():
        context = run_context.merge(K8sContainerContext(run_k8s_config=get_user_defined_k8s_config(step.tags)))
        override = executor_config["per_step_k8s_config"].get(step.key, {})
        context = context.merge(K8sContainerContext(run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(override)))
        job_config = context.get_k8s_job_config(image, ChartRunLauncher(job_image=image))
        step_args = ExecuteStepArgs(job_origin=origin, run_id=run_id, step_keys_to_execute=[step.key])
        job_name = f"dagster-step-{get_k8s_job_name(run_id, step.key)}"
        manifest = construct_dagster_k8s_job(
            job_config=job_config,
            args=step_args.get_command_args(skip_serialized_namedtuple=True),
            job_name=job_name,
            pod_name=job_name,
            component="step_worker",
            user_defined_k8s_config=context.run_k8s_config,
            labels={"dagster/job": RENDER_FILM, "dagster/op": step.key, "dagster/run-id": run_id},
            env_vars=[
                *step_args.get_command_env(),
                {"name": "DAGSTER_RUN_JOB_NAME", "value": RENDER_FILM},
                {"name": "DAGSTER_RUN_STEP_KEY", "value": step.key},
            ],
        )
        body = serializer.sanitize_for_serialization(manifest)
        body["metadata"]["namespace"] = context.namespace or NAMESPACE  # the launcher passes it on create
        manifests[step.key] = body
    return manifests


def write_step_manifests(out: Path, names: DeploymentNames, image: str, gpu_image: str = "") -> list[Path]:
    """One `<step>.yaml` per step in `out`; returns the paths, in run order."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for step_key, body in step_jobs(names, image, gpu_image).items():
        path = out / f"{step_key}.yaml"
        # round-trip through JSON: the serializer's output may hold tuples PyYAML writes as tags
        path.write_text(yaml.safe_dump(json.loads(json.dumps(body)), sort_keys=False))
        written.append(path)
    return written

"""The Helm values for Dagster's chart, checked without helm, a cluster or network: every key we set
is one the chart documents (its values.yaml is vendored in infra/helm/chart/), the run queue,
monitoring, retries and the `gpu` pool are what the deployment promises and Dagster itself accepts
them, and each tier overlay is its own tier (infra/k8s/api.yaml is test_api_manifest.py's)."""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path

import pytest
import yaml

from film_assets.assets.placement import GPU_CONCURRENCY_POOL, STEP_SIZES, pool
from film_assets.contract import TENANT_TAG
from film_assets.deploy.manifests import (
    CODE_LOCATION_MODULE,
    MEDIA_LINK_SECRET,
    POSTGRES_SECRET,
    SETTINGS_CONFIG_MAP,
    ChartRunLauncher,
    run_container_context,
)
from resources.deployment import TIERS, DeploymentNames
from resources.profiles import SERVICE_ENV
from tests.conftest import REPO
from tests.support.helm import (
    BASE,
    CPU_NODES,
    HELM,
    OUR_ENV,
    RUN_AS,
    code_location,
    env_of,
    load_yaml,
)

pytestmark = pytest.mark.infra

ROOT = REPO
TFVARS = ROOT / "infra" / "terraform" / "tiers"

# Where the chart documents a key but not what goes under it, because its default is not a map:
# our values may put a map there. (Under a default of {} or [] anything goes anyway: env, labels,
# annotations, nodeSelector, resources, security contexts, tolerations, runK8sConfig, tag limits.)
FREE_FORM = {"runLauncher.config.k8sRunLauncher.securityContext"}  # default ~, a SecurityContext


def _vendored_chart_values() -> dict:
    [path] = sorted((HELM / "chart").glob("dagster-values-*.yaml"))
    return load_yaml(path)


CHART = _vendored_chart_values()
OVERLAYS = {path.stem: load_yaml(path) for path in sorted((HELM / "tiers").glob("*.yaml"))}


def helm_merge(base, overlay):
    """Helm's `-f a -f b`: maps merge key by key, a null deletes the key, anything else (lists
    included) replaces what was there."""
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def tier_values(tier: str) -> dict:
    return helm_merge(BASE, OVERLAYS[tier])


def effective(tier: str) -> dict:
    """What the chart's templates see: its defaults under our values."""
    return helm_merge(CHART, tier_values(tier))


def undocumented(ours, documented, path: str = "") -> list[str]:
    """The paths in `ours` the chart's values.yaml does not document."""
    if ours is None or path in FREE_FORM:
        return []
    if isinstance(documented, dict):
        if not isinstance(ours, dict):
            return [f"{path}: the chart has a map here, not {ours!r}"]
        if not documented:  # {} by default: a free-form map
            return []
        problems = []
        for key, value in ours.items():
            here = f"{path}.{key}" if path else str(key)
            if key not in documented:
                problems.append(f"{here}: not a key the chart documents")
            else:
                problems += undocumented(value, documented[key], here)
        return problems
    if isinstance(documented, list):
        if not isinstance(ours, list):
            return [f"{path}: the chart has a list here, not {ours!r}"]
        examples = [item for item in documented if isinstance(item, dict)]
        if not examples:  # [] by default: a free-form list
            return []
        item = {}  # the list item the chart documents (e.g. a user code deployment)
        for example in examples:
            item.update(example)
        problems = []
        for index, value in enumerate(ours):
            problems += undocumented(value, item, f"{path}[{index}]")
        return problems
    if isinstance(ours, (dict, list)):
        return [f"{path}: the chart documents a single value here; a map needs an entry in FREE_FORM"]
    return []


# --- the chart's documented keys ------------------------------------------------------------------


def test_the_vendored_chart_values_are_the_chart_with_its_run_queue_and_concurrency_sections():
    assert CHART["runLauncher"]["type"] == "K8sRunLauncher"
    assert set(CHART["concurrency"]) == {"enabled", "pools", "runs"}
    assert "tagConcurrencyLimits" in CHART["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert "dagsterApiGrpcArgs" in CHART["dagster-user-deployments"]["deployments"][0]


@pytest.mark.parametrize("name", ["values.yaml", *TIERS])
def test_our_values_use_only_keys_the_chart_documents(name):
    values = BASE if name == "values.yaml" else tier_values(name)
    assert undocumented(values, CHART) == []
    if name != "values.yaml":
        assert undocumented(OVERLAYS[name], CHART) == []


def test_an_invented_key_is_caught():
    values = copy.deepcopy(BASE)
    values["dagsterDaemon"]["runMonitoringg"] = {"enabled": True}
    values["concurrency"]["pools"]["defaultLimt"] = 3
    code_location(values)["dagsterApiGrpcArgz"] = ["--module-name", CODE_LOCATION_MODULE]
    values["dagsterDaemon"]["runRetries"] = True  # a map given as a single value
    values["runLauncher"]["config"]["k8sRunLauncher"]["jobNamespace"] = {"name": "x"}  # the reverse
    flagged = {problem.split(":")[0] for problem in undocumented(values, CHART)}
    assert flagged == {
        "dagsterDaemon.runMonitoringg",
        "concurrency.pools.defaultLimt",
        "dagster-user-deployments.deployments[0].dagsterApiGrpcArgz",
        "dagsterDaemon.runRetries",
        "runLauncher.config.k8sRunLauncher.jobNamespace",
    }


def test_terraforms_helm_values_output_is_a_documented_key():
    irsa = {"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x"}}}
    assert undocumented(irsa, CHART) == []


# --- run launcher, Postgres, service accounts ----------------------------------------------------


def test_runs_are_kubernetes_jobs_on_cpu_nodes_with_our_settings():
    launcher = BASE["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    k8s = launcher["config"]["k8sRunLauncher"]
    context = run_container_context(DeploymentNames("dev"))  # what film_assets.deploy.manifests assumes
    assert [item["name"] for item in k8s["envConfigMaps"]] == context["env_config_maps"] == [SETTINGS_CONFIG_MAP]
    assert (
        [item["name"] for item in k8s["envSecrets"]] == context["env_secrets"] == [POSTGRES_SECRET, MEDIA_LINK_SECRET]
    )
    assert k8s["imagePullPolicy"] == context["image_pull_policy"]
    node_selector = k8s["runK8sConfig"]["podSpecConfig"]["nodeSelector"]
    assert node_selector == context["run_k8s_config"]["pod_spec_config"]["node_selector"] == CPU_NODES


def test_postgres_is_external_and_its_password_is_not_in_the_values():
    postgresql = BASE["postgresql"]
    assert postgresql["enabled"] is False
    assert postgresql["postgresqlHost"]
    assert "postgresqlPassword" not in postgresql
    assert BASE["generatePostgresqlPasswordSecret"] is False
    assert BASE["global"]["postgresqlSecretName"] == ChartRunLauncher().postgres_password_secret


def test_service_accounts_are_the_shared_names():
    names = DeploymentNames("dev")
    assert BASE["global"]["serviceAccountName"] == BASE["serviceAccount"]["name"] == names.dagster_service_account
    assert BASE["serviceAccount"]["create"] is True
    # the role differs per tier and account: Terraform's helm_values output supplies it
    assert "eks.amazonaws.com/role-arn" not in BASE["serviceAccount"]["annotations"]


# --- run queue, monitoring, retries, the gpu pool -------------------------------------------------


def render_instance(values: dict) -> dict:
    """The run queue, concurrency, monitoring and retry parts of the dagster.yaml the chart writes
    (configmap-instance.yaml and its helpers, as released with the fix for dagster-io/dagster#33225:
    no `max_concurrent_runs: -1` in the run coordinator once `concurrency` is on)."""
    daemon, concurrency = values["dagsterDaemon"], values["concurrency"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    config = {}
    if queued.get("maxConcurrentRuns") is not None:
        config["max_concurrent_runs"] = queued["maxConcurrentRuns"]
    elif not concurrency["enabled"]:
        config["max_concurrent_runs"] = -1
    if queued.get("tagConcurrencyLimits"):
        config["tag_concurrency_limits"] = queued["tagConcurrencyLimits"]
    for key, name in (
        ("dequeueIntervalSeconds", "dequeue_interval_seconds"),
        ("dequeueUseThreads", "dequeue_use_threads"),
        ("dequeueNumWorkers", "dequeue_num_workers"),
    ):
        if queued.get(key):
            config[name] = queued[key]
    instance = {
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": daemon["runCoordinator"]["type"],
            "config": config,
        }
    }
    if concurrency["enabled"]:
        pools, runs, block = concurrency["pools"], concurrency["runs"], {}
        pool_config = {
            name: pools[key]
            for key, name in (
                ("defaultLimit", "default_limit"),
                ("granularity", "granularity"),
                ("opGranularityRunBuffer", "op_granularity_run_buffer"),
            )
            if pools.get(key) is not None
        }
        if pool_config:
            block["pools"] = pool_config
        run_config = {}
        if runs.get("maxConcurrentRuns") is not None:
            run_config["max_concurrent_runs"] = runs["maxConcurrentRuns"]
        if runs.get("tagConcurrencyLimits"):
            run_config["tag_concurrency_limits"] = runs["tagConcurrencyLimits"]
        if run_config:
            block["runs"] = run_config
        instance["concurrency"] = block
    monitoring = daemon["runMonitoring"]
    instance["run_monitoring"] = {
        "enabled": monitoring["enabled"],
        "start_timeout_seconds": monitoring["startTimeoutSeconds"],
        "poll_interval_seconds": monitoring["pollIntervalSeconds"],
        "max_resume_run_attempts": monitoring["maxResumeRunAttempts"],
        "free_slots_after_run_end_seconds": monitoring["freeSlotsAfterRunEndSeconds"],
    }
    instance["run_retries"] = {
        "enabled": daemon["runRetries"]["enabled"],
        "max_retries": daemon["runRetries"]["maxRetries"],
    }
    return instance


def dagster_accepts(instance: dict, folder: Path) -> None:
    """Load the instance config the way every Dagster process does; raise if Dagster refuses it."""
    from dagster._config import process_config, resolve_to_config_type
    from dagster._core.errors import DagsterInvalidConfigError
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.run_coordinator import QueuedRunCoordinator

    (folder / "dagster.yaml").write_text(yaml.safe_dump(instance))
    dagster_instance_config(str(folder))
    result = process_config(
        resolve_to_config_type(QueuedRunCoordinator.config_type()), instance["run_coordinator"]["config"]
    )
    if not result.success:
        raise DagsterInvalidConfigError("QueuedRunCoordinator config", result.errors, instance["run_coordinator"])


@pytest.mark.parametrize("tier", TIERS)
def test_dagster_accepts_the_instance_config_of_every_tier(tier, tmp_path):
    dagster_accepts(render_instance(effective(tier)), tmp_path)


def test_run_limits_in_two_places_are_refused(tmp_path):
    """Dagster refuses run limits in the run coordinator once `concurrency` has pools or runs
    (dagster-io/dagster#31086); the chart's template fails too."""
    from dagster._core.errors import DagsterInvalidConfigError

    values = copy.deepcopy(effective("dev"))
    values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]["maxConcurrentRuns"] = 5
    with pytest.raises(DagsterInvalidConfigError, match="max_concurrent_runs"):
        dagster_accepts(render_instance(values), tmp_path)


def test_a_misshapen_tenant_limit_is_refused(tmp_path):
    from dagster._core.errors import DagsterInvalidConfigError

    values = copy.deepcopy(effective("dev"))
    values["concurrency"]["runs"]["tagConcurrencyLimits"][0]["value"] = {"applyLimitPerUniqueValues": True}
    with pytest.raises(DagsterInvalidConfigError):
        dagster_accepts(render_instance(values), tmp_path)


@pytest.mark.parametrize("tier", TIERS)
def test_one_studio_cannot_take_every_run_slot(tier):
    values = effective(tier)
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    assert coordinator["enabled"] is True and coordinator["type"] == "QueuedRunCoordinator"
    assert values["concurrency"]["enabled"] is True
    runs = values["concurrency"]["runs"]
    [tenant] = [limit for limit in runs["tagConcurrencyLimits"] if limit["key"] == TENANT_TAG]
    assert tenant["value"] == {"applyLimitPerUniqueValue": True}
    assert 0 < tenant["limit"] < runs["maxConcurrentRuns"]


@pytest.mark.parametrize("tier", TIERS)
def test_runs_of_one_project_wait_for_each_other(tier):
    """Two runs of one film at once would race for its shot version numbers and its final cut."""
    runs = effective(tier)["concurrency"]["runs"]
    [project] = [limit for limit in runs["tagConcurrencyLimits"] if limit["key"] == "dagster/partition"]
    assert project == {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}


def test_run_monitoring_and_run_retries_are_on():
    daemon = BASE["dagsterDaemon"]
    assert daemon["runMonitoring"]["enabled"] is True
    assert daemon["runMonitoring"]["freeSlotsAfterRunEndSeconds"] > 0  # a dead run's gpu slots come back
    assert daemon["runRetries"] == {"enabled": True, "maxRetries": 2}


def _gpu_nodes(tier: str) -> int:
    path = TFVARS / f"{tier}.tfvars"
    if not path.exists():
        pytest.skip(f"{path} is not there")
    text = path.read_text()
    maxima = [
        re.search(rf"^{group}\s*=\s*\{{[^}}]*\bmax\s*=\s*(\d+)", text, re.M)
        for group in ("gpu_on_demand_scaling", "gpu_spot_scaling")
    ]
    if not all(maxima):
        pytest.skip(f"{path} names no GPU node group sizes")
    return sum(int(match.group(1)) for match in maxima)


@pytest.mark.parametrize("tier", TIERS)
def test_the_gpu_pool_is_capped_at_the_gpu_nodes_of_the_tier(tier):
    # the only pool the code uses is `gpu`: the default pool limit is the gpu limit
    assert {pool(step) for step in STEP_SIZES} - {None} == {GPU_CONCURRENCY_POOL}
    pools = effective(tier)["concurrency"]["pools"]
    assert pools["granularity"] == "op"
    assert isinstance(pools["defaultLimit"], int) and 1 <= pools["defaultLimit"] <= _gpu_nodes(tier)


# --- the code location and the tier overlays ------------------------------------------------------


def test_the_code_location_serves_film_assets_definitions(film_home, monkeypatch):
    from dagster import Definitions

    deployment = code_location(BASE)
    args = deployment["dagsterApiGrpcArgs"]
    assert args[args.index("--module-name") + 1] == CODE_LOCATION_MODULE == "film_assets.definitions"
    assert deployment["port"] == 3030
    monkeypatch.delenv("FILMSTUDIO_PROFILE", raising=False)
    module = importlib.import_module(CODE_LOCATION_MODULE)
    assert isinstance(module.defs, Definitions)


def test_every_tier_has_an_overlay_and_nothing_else():
    assert sorted(OVERLAYS) == sorted(TIERS)


def _without_release(deployment: dict) -> dict:
    """The code location with what a tier may change blanked: its tier and its release."""
    deployment = copy.deepcopy(deployment)
    deployment["image"].pop("tag")
    for item in deployment["env"]:
        if item["name"] in ("FILMSTUDIO_TIER", "FILMSTUDIO_GPU_IMAGE"):
            item["value"] = "<per tier>"
    return deployment


@pytest.mark.parametrize("tier", TIERS)
def test_each_overlay_is_its_tier_and_otherwise_the_base_code_location(tier):
    overlay = code_location(OVERLAYS[tier])
    assert env_of(overlay)["FILMSTUDIO_TIER"] == tier
    assert _without_release(overlay) == _without_release(code_location(BASE))


@pytest.mark.parametrize("tier", TIERS)
def test_the_code_location_env_is_the_tiers_prod_environment(tier, film_home, monkeypatch):
    from resources.profiles import current_environment

    deployment = code_location(tier_values(tier))
    env = env_of(deployment)
    assert set(env) <= OUR_ENV
    assert env["FILMSTUDIO_PROFILE"] == "prod" and env["FILMSTUDIO_TIER"] == tier
    for name in OUR_ENV | {"AWS_DEFAULT_REGION"}:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    service = current_environment().service
    names = DeploymentNames(tier, env["FILMSTUDIO_NAME_PREFIX"])
    assert (service.bucket, service.queue_name, service.region_name) == (
        names.media_bucket,
        names.queue,
        env["AWS_REGION"],
    )
    # GPU steps run the CUDA build of the same release as the code server
    repository, tag = env["FILMSTUDIO_GPU_IMAGE"].rsplit(":", 1)
    assert (repository, tag) == (deployment["image"]["repository"] + "-cuda", str(deployment["image"]["tag"]))
    assert service.gpu_image == env["FILMSTUDIO_GPU_IMAGE"]


def test_the_code_location_runs_non_root_on_cpu_nodes_and_passes_its_settings_to_runs():
    deployment = code_location(BASE)
    assert [item["name"] for item in deployment["envConfigMaps"]] == [SETTINGS_CONFIG_MAP]
    assert [item["name"] for item in deployment["envSecrets"]] == [POSTGRES_SECRET, MEDIA_LINK_SECRET]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert deployment["nodeSelector"] == CPU_NODES
    assert deployment["podSecurityContext"]["runAsNonRoot"] is True
    assert deployment["podSecurityContext"]["runAsUser"] == RUN_AS
    assert deployment["securityContext"]["allowPrivilegeEscalation"] is False
    for component in ("dagsterWebserver", "dagsterDaemon"):
        assert BASE[component]["nodeSelector"] == CPU_NODES, component


@pytest.mark.parametrize("tier", TIERS)
def test_the_sqs_sensor_settings_reach_the_code_server_and_parse(tier, monkeypatch):
    from resources.profiles import ServiceSettings

    env = env_of(code_location(effective(tier)))
    sensor_variables = {SERVICE_ENV[name] for name in ("sensor_interval_s", "sensor_budget_s", "sensor_max_messages")}
    assert sensor_variables <= set(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings.for_prod()
    assert settings.tier == tier and 1 <= settings.sensor_interval_s <= 30
    assert settings.sensor_budget_s < 60  # Dagster times a sensor tick out at 60 s

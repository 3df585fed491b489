"""infra/k8s/api.yaml, checked without a cluster: valid Kubernetes that runs the API non-root on CPU
nodes behind /health, with the shared names and the settings the Helm values give Dagster's pods."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest
import yaml

from film_assets.deploy.manifests import MEDIA_LINK_SECRET, POSTGRES_SECRET, SETTINGS_CONFIG_MAP
from resources.deployment import NAMESPACE, TIERS, DeploymentNames
from tests.conftest import REPO
from tests.support.helm import BASE, CPU_NODES, KUBERNETES_VERSION, OUR_ENV, RUN_AS, code_location, env_of

pytestmark = pytest.mark.infra

API_MANIFEST = REPO / "infra" / "k8s" / "api.yaml"

API_DOCS = [doc for doc in yaml.safe_load_all(API_MANIFEST.read_text(encoding="utf-8")) if doc]


def _api(kind: str) -> dict:
    [doc] = [doc for doc in API_DOCS if doc["kind"] == kind]
    return doc


def _api_pod() -> tuple[dict, dict]:
    spec = _api("Deployment")["spec"]["template"]["spec"]
    [container] = spec["containers"]
    return spec, container


def test_the_api_manifest_is_valid_kubernetes():
    assert sorted(doc["kind"] for doc in API_DOCS) == sorted(
        ["ConfigMap", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget"]
    )
    for doc in API_DOCS:
        assert kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True) == KUBERNETES_VERSION, doc["kind"]
        assert doc["metadata"]["namespace"] == NAMESPACE, doc["kind"]


def test_an_invalid_api_manifest_is_caught():
    bad = copy.deepcopy(_api("Deployment"))
    bad["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/health", "port": 8000}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


def test_the_api_runs_non_root_with_a_read_only_root_and_a_writable_tmp():
    spec, container = _api_pod()
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == RUN_AS
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == RUN_AS
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    [tmp] = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
    [volume] = [volume for volume in spec["volumes"] if volume["name"] == tmp["name"]]
    assert "emptyDir" in volume
    assert spec["nodeSelector"] == CPU_NODES


def test_the_api_serves_python_m_api_on_its_port_and_probes_health():
    from api.routes.health import router

    spec, container = _api_pod()
    command = container["command"]
    assert command[:3] == ["python", "-m", "api"]
    options = dict(zip(command[3::2], command[4::2]))
    [port] = container["ports"]
    assert options == {"--host": "0.0.0.0", "--port": str(port["containerPort"])}  # not the default 127.0.0.1
    assert port["containerPort"] == 8000
    assert "/health" in {route.path for route in router.routes}
    for probe in ("readinessProbe", "livenessProbe"):
        check = container[probe]["httpGet"]
        assert check["path"] == "/health" and check["port"] in (port["name"], port["containerPort"]), probe
    pod_labels = _api("Deployment")["spec"]["template"]["metadata"]["labels"]
    service = _api("Service")["spec"]
    assert service["selector"].items() <= pod_labels.items()
    assert [item["targetPort"] for item in service["ports"]] in ([port["name"]], [port["containerPort"]])
    assert _api("PodDisruptionBudget")["spec"]["selector"] == _api("Deployment")["spec"]["selector"]


def test_the_api_service_account_is_the_shared_name_with_the_api_role():
    spec, _ = _api_pod()
    names = DeploymentNames("dev")
    account = _api("ServiceAccount")
    assert spec["serviceAccountName"] == account["metadata"]["name"] == names.api_service_account
    role = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role.endswith(f":role/{names.api_role}")


def test_the_settings_config_map_is_what_the_api_and_dagster_pods_read(film_home, monkeypatch):
    from api.settings import ApiSettings

    _, container = _api_pod()
    settings = _api("ConfigMap")
    assert settings["metadata"]["name"] == SETTINGS_CONFIG_MAP
    assert {"configMapRef": {"name": SETTINGS_CONFIG_MAP}} in container["envFrom"]
    assert {"secretRef": {"name": POSTGRES_SECRET}} in container["envFrom"]
    assert {"secretRef": {"name": MEDIA_LINK_SECRET}} in container["envFrom"]  # it checks the links
    data = settings["data"]
    assert set(data) <= OUR_ENV
    assert data["FILMSTUDIO_TIER"] in TIERS
    shared = env_of(code_location(BASE))  # the Helm values say the same for every tier
    for name in ("FILMSTUDIO_PROFILE", "FILMSTUDIO_NAME_PREFIX", "AWS_REGION", "FILMSTUDIO_GPU_IMAGE"):
        assert data[name] == shared[name], name
    # runs and backfills name the code location the UI loads: the chart's user deployment
    assert data["FILMSTUDIO_CODE_LOCATION"] == code_location(BASE)["name"]
    # the ConfigMap and the Secret are all the API needs in prod
    for name in OUR_ENV | {"AWS_DEFAULT_REGION", "DAGSTER_HOME"}:
        monkeypatch.delenv(name, raising=False)
    for name, value in data.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FILMSTUDIO_POSTGRES_URL", "postgresql+psycopg2://filmstudio@postgres.invalid:5432/filmstudio")
    api = ApiSettings.from_environment()
    assert api.service.queue_name == DeploymentNames(data["FILMSTUDIO_TIER"], data["FILMSTUDIO_NAME_PREFIX"]).queue

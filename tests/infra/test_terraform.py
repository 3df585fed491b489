"""infra/terraform agrees with the code: the names, node pools, queue policy and service accounts
Terraform declares for each tier are the ones resources/deployment.py and resources/queue.py use.

No terraform binary and no network: the .tf and .tfvars files are parsed with python-hcl2, and the
few `${var.X}` / `${local.X}` templates the names use are resolved here for each tier.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import hcl2
import pytest

from resources import deployment
from resources.deployment import CPU_POOL, GPU_POOL, GPU_TAINT, NODE_POOL_LABEL, TIERS, DeploymentNames
from resources.queue import MAX_RECEIVE_COUNT
from tests.conftest import REPO

pytestmark = pytest.mark.infra

TERRAFORM = REPO / "infra" / "terraform"
TF_FILES = ("versions.tf", "variables.tf", "main.tf", "sqs.tf", "s3.tf", "eks.tf", "iam.tf", "alarms.tf", "outputs.tf")
# Strings come back without their quotes, expressions as "${...}", blocks as lists of dicts.
OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
# The EKS API spells Kubernetes taint effects its own way.
TAINT_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
REFERENCE = re.compile(r"\$\{\(?((?:var|local)\.[\w.]+)\)?\}")


def parse(path: Path) -> dict:
    return hcl2.loads(path.read_text(), serialization_options=OPTIONS)


@cache
def config() -> dict:
    """Every .tf file merged: resources and data by type and name, variables, locals, outputs."""
    merged = {"resource": {}, "data": {}, "variable": {}, "locals": {}, "output": {}}
    for path in sorted(TERRAFORM.glob("*.tf")):
        parsed = parse(path)
        for kind in ("resource", "data"):
            for block in parsed.get(kind, []):
                for type_, named in block.items():
                    merged[kind].setdefault(type_, {}).update(named)
        for kind in ("variable", "output"):
            for block in parsed.get(kind, []):
                merged[kind].update(block)
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
    return merged


def tfvars(tier: str) -> dict:
    return parse(TERRAFORM / "tiers" / f"{tier}.tfvars")


def resources(type_: str) -> dict:
    return config()["resource"].get(type_, {})


class Resolver:
    """Just enough of Terraform's evaluation for the templates these files use: `${var.X}` and
    `${local.X}` (with `.attribute` access), whole or inside a string."""

    def __init__(self, tier: str):
        values = {name: body["default"] for name, body in config()["variable"].items() if "default" in body}
        values.update(tfvars(tier))
        self.scope = {"var": values, "local": config()["locals"]}

    def lookup(self, reference: str):
        root, name, *attributes = reference.split(".")
        value = self(self.scope[root][name])
        for attribute in attributes:
            value = self(value[attribute])
        return value

    def __call__(self, value):
        if isinstance(value, dict):
            return {self(key): self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = REFERENCE.fullmatch(value)
        if whole:
            return self.lookup(whole.group(1))
        resolved = REFERENCE.sub(lambda match: str(self.lookup(match.group(1))), value)
        assert "${" not in resolved, f"cannot resolve {value!r}"
        return resolved


def referenced(expression: str, type_: str) -> str:
    """The name of the `type_` resource (or data source) an expression refers to."""
    match = re.search(rf"\b{type_}\.(\w+)\.", expression)
    assert match, f"{expression!r} does not refer to a {type_}"
    return match.group(1)


def of_media_bucket(type_: str) -> dict:
    """The one `type_` resource attached to the media bucket."""
    bodies = [body for body in resources(type_).values() if body["bucket"] == "${aws_s3_bucket.media.id}"]
    assert len(bodies) == 1, f"expected one {type_} on the media bucket, found {len(bodies)}"
    return bodies[0]


def node_pool(group: dict, tier: str = "dev") -> str | None:
    return Resolver(tier)(group.get("labels", {})).get(NODE_POOL_LABEL)


def gpu_groups() -> dict:
    return {name: group for name, group in resources("aws_eks_node_group").items() if node_pool(group) == GPU_POOL}


def policy_actions(role: str) -> set[str]:
    """Every action the inline policies of aws_iam_role.<role> allow."""
    actions = set()
    for body in resources("aws_iam_role_policy").values():
        if referenced(body["role"], "aws_iam_role") == role:
            document = config()["data"]["aws_iam_policy_document"][
                referenced(body["policy"], "aws_iam_policy_document")
            ]
            for statement in document["statement"]:
                actions.update(statement["actions"])
    return actions


def all_expressions() -> str:
    """Every parsed .tf file as one text, comments left out."""
    return json.dumps([parse(path) for path in sorted(TERRAFORM.glob("*.tf"))])


# --- Files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*TF_FILES, *(f"tiers/{tier}.tfvars" for tier in TIERS)])
def test_every_terraform_file_exists_and_parses(path):
    assert parse(TERRAFORM / path), f"{path} is empty"


def test_terraform_and_aws_provider_versions_are_pinned():
    (block,) = parse(TERRAFORM / "versions.tf")["terraform"]
    assert block["required_version"] == ">= 1.6"
    assert re.fullmatch(r"~> 5\.\d+", block["required_providers"][0]["aws"]["version"])


@pytest.mark.parametrize("tier", TIERS)
def test_each_tier_file_sets_its_own_tier(tier):
    assert tfvars(tier)["tier"] == tier
    assert tfvars(tier)["region"]


def test_variable_validation_accepts_what_the_code_accepts():
    variables = config()["variable"]
    tier_condition = variables["tier"]["validation"][0]["condition"]
    assert set(re.findall(r'"(\w+)"', tier_condition)) == set(TIERS)
    assert deployment._PREFIX.pattern in variables["name_prefix"]["validation"][0]["condition"]
    assert variables["name_prefix"]["default"] == deployment.DEFAULT_NAME_PREFIX


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_names_resolve_to_the_deployment_names_of_each_tier(tier):
    names, resolve = DeploymentNames(tier), Resolver(tier)
    assert resolve(resources("aws_sqs_queue")["renders"]["name"]) == names.queue
    assert resolve(resources("aws_sqs_queue")["renders_dlq"]["name"]) == names.dead_letter_queue
    assert resolve(resources("aws_s3_bucket")["media"]["bucket"]) == names.media_bucket
    assert resolve(resources("aws_eks_cluster")["main"]["name"]) == names.cluster
    assert resolve(resources("aws_iam_role")["dagster"]["name"]) == names.dagster_role
    assert resolve(resources("aws_iam_role")["api"]["name"]) == names.api_role


# --- Queue ---------------------------------------------------------------------------------------


def test_render_queue_dead_letters_after_the_codes_max_receive_count():
    queues, resolve = resources("aws_sqs_queue"), Resolver("dev")
    redrive = queues["renders"]["redrive_policy"]
    assert referenced(redrive, "aws_sqs_queue") == "renders_dlq"
    count = re.search(r"maxReceiveCount\s*=\s*([\w.]+)", redrive).group(1)
    assert int(count if count.isdigit() else resolve(f"${{{count}}}")) == MAX_RECEIVE_COUNT
    assert queues["renders_dlq"]["message_retention_seconds"] == 14 * 24 * 3600
    assert all(queue["sqs_managed_sse_enabled"] is True for queue in queues.values())
    assert config()["variable"]["queue_visibility_timeout_seconds"]["default"] == 60


# --- Media bucket --------------------------------------------------------------------------------


def test_media_bucket_is_versioned_encrypted_private_and_cleans_up_after_itself():
    assert of_media_bucket("aws_s3_bucket_versioning")["versioning_configuration"][0]["status"] == "Enabled"
    (rule,) = of_media_bucket("aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] in ("AES256", "aws:kms")
    block = of_media_bucket("aws_s3_bucket_public_access_block")
    assert all(
        block[setting] is True
        for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert of_media_bucket("aws_s3_bucket_ownership_controls")["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    rules = of_media_bucket("aws_s3_bucket_lifecycle_configuration")["rule"]
    assert any(rule.get("noncurrent_version_expiration") for rule in rules)
    aborts = [
        rule["abort_incomplete_multipart_upload"][0] for rule in rules if "abort_incomplete_multipart_upload" in rule
    ]
    assert [abort["days_after_initiation"] for abort in aborts] == [7]


# --- Node groups ---------------------------------------------------------------------------------


def test_gpu_node_groups_carry_the_gpu_label_and_taint_and_mix_spot_with_on_demand():
    groups = gpu_groups()
    assert groups, "no node group carries the GPU node-pool label"
    resolve = Resolver("dev")
    for name, group in groups.items():
        (taint,) = resolve(group["taint"])
        assert {**taint, "effect": TAINT_EFFECTS[taint["effect"]]} == GPU_TAINT, name
        assert "NVIDIA" in group["ami_type"], name
    assert {group["capacity_type"] for group in groups.values()} == {"SPOT", "ON_DEMAND"}


def test_cpu_node_group_carries_the_cpu_label_and_no_taint():
    cpu = [group for group in resources("aws_eks_node_group").values() if node_pool(group) == CPU_POOL]
    assert cpu, "no node group carries the CPU node-pool label"
    for group in cpu:
        assert "taint" not in group
        assert group["capacity_type"] == "ON_DEMAND"
    assert all(node_pool(group) in (CPU_POOL, GPU_POOL) for group in resources("aws_eks_node_group").values())


@pytest.mark.parametrize("tier", TIERS)
def test_every_tier_sizes_its_node_groups_sensibly(tier):
    resolve, gpu_capacity = Resolver(tier), 0
    for name, group in resources("aws_eks_node_group").items():
        (scaling,) = resolve(group["scaling_config"])
        assert 0 <= scaling["min_size"] <= scaling["desired_size"] <= scaling["max_size"], name
        gpu_capacity += scaling["max_size"] if name in gpu_groups() else 0
    assert gpu_capacity >= 1, "renders would have no GPU node to run on"


def test_production_keeps_an_on_demand_gpu_baseline_and_dev_stays_spot_only():
    resolve = Resolver("production")
    (on_demand,) = [group for group in gpu_groups().values() if group["capacity_type"] == "ON_DEMAND"]
    (spot,) = [group for group in gpu_groups().values() if group["capacity_type"] == "SPOT"]
    assert resolve(on_demand["scaling_config"])[0]["min_size"] >= 1
    assert resolve(spot["scaling_config"])[0]["max_size"] > resolve(on_demand["scaling_config"])[0]["max_size"]
    dev = tfvars("dev")
    assert dev["gpu_on_demand_scaling"]["max"] == 0 and dev["gpu_spot_scaling"]["max"] == 1


# --- IAM -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_irsa_roles_trust_only_their_own_service_account(tier):
    names, resolve = DeploymentNames(tier), Resolver(tier)
    assert resources("aws_iam_openid_connect_provider"), "IRSA needs the cluster's OIDC provider"
    for role, service_account in (("dagster", names.dagster_service_account), ("api", names.api_service_account)):
        trust = resources("aws_iam_role")[role]["assume_role_policy"]
        document = config()["data"]["aws_iam_policy_document"][referenced(trust, "aws_iam_policy_document")]
        (statement,) = document["statement"]
        assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
        assert "aws_iam_openid_connect_provider" in statement["principals"][0]["identifiers"][0]
        subjects = [
            resolve(condition["values"])
            for condition in statement["condition"]
            if condition["variable"].endswith(":sub") and condition["test"] == "StringEquals"
        ]
        assert subjects == [[names.service_account_subject(service_account)]], role


def test_dagster_consumes_the_queue_and_the_api_only_submits_to_it():
    dagster, api = policy_actions("dagster"), policy_actions("api")
    assert {
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    } <= dagster
    assert {"s3:GetObject", "s3:PutObject", "sqs:SendMessage", "sqs:GetQueueUrl"} <= api
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage"} & api


# --- Alarms and outputs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metric, queue",
    [("ApproximateNumberOfMessagesVisible", "renders_dlq"), ("ApproximateAgeOfOldestMessage", "renders")],
)
def test_queue_alarms_watch_the_right_queue_and_notify(metric, queue):
    alarms = [
        alarm
        for alarm in resources("aws_cloudwatch_metric_alarm").values()
        if alarm["namespace"] == "AWS/SQS" and alarm["metric_name"] == metric
    ]
    assert len(alarms) == 1, f"expected one alarm on {metric}"
    (alarm,) = alarms
    assert referenced(alarm["dimensions"]["QueueName"], "aws_sqs_queue") == queue
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert all(referenced(action, "aws_sns_topic") for action in alarm["alarm_actions"])


def test_outputs_give_what_the_deployment_needs():
    outputs = config()["output"]
    sources = {
        "queue_url": "aws_sqs_queue.renders.",
        "dead_letter_queue_url": "aws_sqs_queue.renders_dlq.",
        "media_bucket": "aws_s3_bucket.media.",
        "cluster_name": "aws_eks_cluster.main.",
        "dagster_role_arn": "aws_iam_role.dagster.",
        "api_role_arn": "aws_iam_role.api.",
    }
    for name, source in sources.items():
        assert outputs[name]["value"].startswith("${" + source), name
    helm = outputs["helm_values"]["value"]
    assert helm.startswith("${yamlencode(") and '"eks.amazonaws.com/role-arn" = aws_iam_role.dagster.arn' in helm


# --- Variables -----------------------------------------------------------------------------------


def test_every_referenced_variable_and_local_is_declared_and_every_variable_used():
    text, declared = all_expressions(), set(config()["variable"])
    used = set(re.findall(r"\bvar\.(\w+)", text))
    assert used - declared == set(), "referenced but not declared in variables.tf"
    assert declared - used == set(), "declared but never used"
    assert set(re.findall(r"\blocal\.(\w+)", text)) - set(config()["locals"]) == set()


@pytest.mark.parametrize("tier", TIERS)
def test_every_tfvars_setting_is_a_declared_variable(tier):
    assert set(tfvars(tier)) - set(config()["variable"]) == set()

"""The names a deployment shares: the one place Terraform, the Helm values, the API manifest and
the prod profile agree on what the queue, bucket, roles, service accounts and node pools are called.

A deployment is one tier (dev, sandbox, staging, production) under a name prefix. S3 bucket names
are global across every AWS account, so a studio picks its own prefix (`FILMSTUDIO_NAME_PREFIX`,
Terraform's `name_prefix`); everything else follows from prefix and tier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIERS = ("dev", "sandbox", "staging", "production")
DEFAULT_NAME_PREFIX = "filmstudio"
NAMESPACE = "filmstudio"

# Node pools: Terraform labels and taints the EKS node groups with these; step placement
# (film_assets/assets/placement.py) selects and tolerates them.
NODE_POOL_LABEL = "filmstudio.io/node-pool"
GPU_POOL, CPU_POOL = "gpu", "cpu"
GPU_RESOURCE = "nvidia.com/gpu"
# GPU nodes carry this taint so only pods that ask for a GPU land on the expensive machines.
GPU_TAINT = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
# EKS labels every managed node with its capacity type; spot GPU nodes are the ones that vanish.
CAPACITY_TYPE_LABEL = "eks.amazonaws.com/capacityType"

_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


@dataclass(frozen=True)
class DeploymentNames:
    tier: str
    prefix: str = DEFAULT_NAME_PREFIX

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"tier {self.tier!r} is not known: use one of {', '.join(TIERS)}")
        if not _PREFIX.match(self.prefix):
            raise ValueError(
                f"name prefix {self.prefix!r} must be 3-32 lowercase letters, digits or '-' "
                "(it becomes part of S3 bucket names)"
            )

    @property
    def base(self) -> str:
        return f"{self.prefix}-{self.tier}"

    @property
    def queue(self) -> str:
        return f"{self.base}-renders"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}-dlq"  # the same rule as resources.queue.ensure_queues

    @property
    def media_bucket(self) -> str:
        return f"{self.base}-media"

    @property
    def cluster(self) -> str:
        return self.base

    @property
    def dagster_role(self) -> str:
        """IAM role of Dagster's pods (webserver, daemon, code server, run and step pods)."""
        return f"{self.base}-dagster"

    @property
    def api_role(self) -> str:
        return f"{self.base}-api"

    # Kubernetes names live inside the tier's own cluster, so they need no prefix or tier.
    namespace: str = NAMESPACE
    dagster_service_account: str = "filmstudio-dagster"
    api_service_account: str = "filmstudio-api"

    def service_account_subject(self, service_account: str) -> str:
        """The OIDC subject an IAM role for a service account trusts."""
        return f"system:serviceaccount:{self.namespace}:{service_account}"

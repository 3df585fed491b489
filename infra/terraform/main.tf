provider "aws" {
  region = var.region
  default_tags {
    tags = local.tags
  }
}

locals {
  # Every name below mirrors resources/deployment.py (DeploymentNames); tests/infra/test_terraform.py
  # checks they agree for every tier.
  base              = "${var.name_prefix}-${var.tier}"
  queue_name        = "${local.base}-renders"
  dlq_name          = "${local.queue_name}-dlq"
  media_bucket_name = "${local.base}-media"
  cluster_name      = local.base
  dagster_role_name = "${local.base}-dagster"
  api_role_name     = "${local.base}-api"

  # Kubernetes names live inside the tier's own cluster, so they carry no prefix or tier.
  namespace               = "filmstudio"
  dagster_service_account = "filmstudio-dagster"
  api_service_account     = "filmstudio-api"

  # Node pools: step placement (film_assets/assets/placement.py) selects and tolerates these.
  node_pool_label = "filmstudio.io/node-pool"
  cpu_pool        = "cpu"
  gpu_pool        = "gpu"
  # Kubernetes' NoSchedule is spelled NO_SCHEDULE in the EKS API.
  gpu_taint = { key = "nvidia.com/gpu", value = "present", effect = "NO_SCHEDULE" }

  # resources/queue.py MAX_RECEIVE_COUNT: a poison message stops blocking after this many tries.
  max_receive_count = 5

  tags = {
    Project   = var.name_prefix
    Tier      = var.tier
    ManagedBy = "terraform"
  }
}

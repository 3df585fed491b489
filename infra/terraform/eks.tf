# The tier's cluster: Dagster and the API on CPU nodes, render steps on tainted GPU nodes.

resource "aws_eks_cluster" "main" {
  name                      = local.cluster_name
  version                   = var.kubernetes_version
  role_arn                  = aws_iam_role.cluster.arn
  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  access_config {
    authentication_mode                         = "API_AND_CONFIG_MAP"
    bootstrap_cluster_creator_admin_permissions = true
  }

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = true
    public_access_cidrs     = var.cluster_public_access_cidrs
  }

  # Without its policy the cluster cannot create its network interfaces, nor delete them later.
  depends_on = [aws_iam_role_policy_attachment.cluster]
}

# Dagster's webserver, daemon, code server, the API and CPU-only steps.
resource "aws_eks_node_group" "cpu" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "cpu"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  capacity_type   = "ON_DEMAND"
  ami_type        = "AL2023_x86_64_STANDARD"
  instance_types  = var.cpu_instance_types

  scaling_config {
    min_size     = var.cpu_scaling.min
    desired_size = var.cpu_scaling.desired
    max_size     = var.cpu_scaling.max
  }
  update_config {
    max_unavailable = 1
  }

  labels = {
    (local.node_pool_label) = local.cpu_pool
  }

  # The cluster autoscaler owns the current size once the group exists.
  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
  depends_on = [aws_iam_role_policy_attachment.node]
}

# Two GPU groups with the same label and taint: renders land on either. The on-demand group is a
# baseline spot reclaims cannot take away; the spot group is the cheap burst capacity. The NVIDIA
# AMI ships the driver; the device plugin comes with the cluster's Helm releases.
resource "aws_eks_node_group" "gpu_on_demand" {
  count = var.gpu_on_demand_scaling.max > 0 ? 1 : 0

  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "gpu-on-demand"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  capacity_type   = "ON_DEMAND"
  ami_type        = "AL2023_x86_64_NVIDIA"
  instance_types  = var.gpu_instance_types
  disk_size       = var.gpu_disk_size

  scaling_config {
    min_size     = var.gpu_on_demand_scaling.min
    desired_size = var.gpu_on_demand_scaling.desired
    max_size     = var.gpu_on_demand_scaling.max
  }
  update_config {
    max_unavailable = 1
  }

  labels = {
    (local.node_pool_label) = local.gpu_pool
  }
  # Only pods that ask for a GPU (and tolerate this) land on the expensive machines.
  taint {
    key    = local.gpu_taint.key
    value  = local.gpu_taint.value
    effect = local.gpu_taint.effect
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
  depends_on = [aws_iam_role_policy_attachment.node]
}

resource "aws_eks_node_group" "gpu_spot" {
  count = var.gpu_spot_scaling.max > 0 ? 1 : 0

  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "gpu-spot"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  # Spot nodes vanish with two minutes' notice; EKS labels them so placement can tell.
  capacity_type  = "SPOT"
  ami_type       = "AL2023_x86_64_NVIDIA"
  instance_types = var.gpu_instance_types
  disk_size      = var.gpu_disk_size

  scaling_config {
    min_size     = var.gpu_spot_scaling.min
    desired_size = var.gpu_spot_scaling.desired
    max_size     = var.gpu_spot_scaling.max
  }
  update_config {
    max_unavailable = 1
  }

  labels = {
    (local.node_pool_label) = local.gpu_pool
  }
  taint {
    key    = local.gpu_taint.key
    value  = local.gpu_taint.value
    effect = local.gpu_taint.effect
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
  depends_on = [aws_iam_role_policy_attachment.node]
}

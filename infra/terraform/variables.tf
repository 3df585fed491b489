# Names are not variables: they follow from name_prefix and tier (resources/deployment.py), so the
# code, the Helm values and Terraform cannot drift apart.

variable "name_prefix" {
  description = "Studio-wide prefix of every name (S3 bucket names are global, so pick your own)."
  type        = string
  default     = "filmstudio"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 lowercase letters, digits or '-' (it becomes part of bucket names)."
  }
}

variable "tier" {
  description = "Deployment tier: dev, sandbox, staging or production."
  type        = string
  validation {
    condition     = contains(["dev", "sandbox", "staging", "production"], var.tier)
    error_message = "tier must be one of dev, sandbox, staging, production."
  }
}

variable "region" {
  description = "AWS region of the tier."
  type        = string
}

# --- Render queue --------------------------------------------------------------------------------

variable "queue_visibility_timeout_seconds" {
  description = "How long a received render message stays hidden before SQS hands it out again."
  type        = number
  default     = 60
  validation {
    condition     = var.queue_visibility_timeout_seconds >= 0 && var.queue_visibility_timeout_seconds <= 43200
    error_message = "SQS allows a visibility timeout of 0-43200 seconds."
  }
}

# --- Media bucket --------------------------------------------------------------------------------

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted media object's old version is kept (undo window)."
  type        = number
  default     = 30
  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "media_tiering_days" {
  description = "Days after which media moves to INTELLIGENT_TIERING; 0 keeps everything in STANDARD."
  type        = number
  default     = 0
  validation {
    condition     = var.media_tiering_days >= 0
    error_message = "media_tiering_days must be 0 (off) or a positive number of days."
  }
}

# --- EKS -----------------------------------------------------------------------------------------

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.31"
}

variable "subnet_ids" {
  description = "Private subnets (at least two AZs) of the tier's existing VPC, for the cluster and nodes."
  type        = list(string)
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS needs subnets in at least two availability zones."
  }
}

variable "cluster_public_access_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API endpoint."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "cpu_instance_types" {
  description = "Instance types of the CPU node group (webserver, daemon, API, CPU steps)."
  type        = list(string)
  default     = ["m6i.large"]
}

variable "cpu_scaling" {
  description = "Size of the on-demand CPU node group."
  type        = object({ min = number, desired = number, max = number })
  default     = { min = 1, desired = 2, max = 4 }
  validation {
    condition     = var.cpu_scaling.min >= 1 && var.cpu_scaling.min <= var.cpu_scaling.desired && var.cpu_scaling.desired <= var.cpu_scaling.max
    error_message = "cpu_scaling needs 1 <= min <= desired <= max (Dagster itself runs there)."
  }
}

variable "gpu_instance_types" {
  description = "GPU instance types of one shape (8 vCPU, 32 GiB, one 24 GB GPU: the GPU steps are sized for it, film_assets/assets/placement.py); several let spot capacity come from more pools."
  type        = list(string)
  default     = ["g5.2xlarge", "g6.2xlarge"]
}

variable "gpu_disk_size" {
  description = "Root volume GiB of GPU nodes (CUDA images and model weights are large)."
  type        = number
  default     = 200
}

variable "gpu_on_demand_scaling" {
  description = "On-demand GPU baseline that spot reclaims cannot take away; max = 0 drops the group."
  type        = object({ min = number, desired = number, max = number })
  default     = { min = 0, desired = 0, max = 0 }
  validation {
    condition     = var.gpu_on_demand_scaling.min >= 0 && var.gpu_on_demand_scaling.min <= var.gpu_on_demand_scaling.desired && var.gpu_on_demand_scaling.desired <= var.gpu_on_demand_scaling.max
    error_message = "gpu_on_demand_scaling needs 0 <= min <= desired <= max."
  }
}

variable "gpu_spot_scaling" {
  description = "Spot GPU capacity for bursts of renders; max = 0 drops the group."
  type        = object({ min = number, desired = number, max = number })
  default     = { min = 0, desired = 0, max = 2 }
  validation {
    condition     = var.gpu_spot_scaling.min >= 0 && var.gpu_spot_scaling.min <= var.gpu_spot_scaling.desired && var.gpu_spot_scaling.desired <= var.gpu_spot_scaling.max
    error_message = "gpu_spot_scaling needs 0 <= min <= desired <= max."
  }
}

# --- Alarms --------------------------------------------------------------------------------------

variable "queue_age_alarm_seconds" {
  description = "Alarm when the oldest waiting render message is older than this."
  type        = number
  default     = 1800
}

variable "alarm_email" {
  description = "Email subscribed to the alarm topic; empty subscribes nobody."
  type        = string
  default     = ""
}

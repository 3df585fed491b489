# One configuration serves every tier: pick the tier with `-var-file=tiers/<tier>.tfvars` and keep
# one state per tier (a workspace or backend key per tier), never one state for all of them.
terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.80+ knows the AL2023 NVIDIA AMI type and EKS access entries; 6.x may break, so stay on 5.
      version = "~> 5.80"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }
}

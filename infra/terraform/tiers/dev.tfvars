# dev: one engineer's playground. Spot-only GPU, at most one node, short undo window.
tier   = "dev"
region = "us-east-1"
# subnet_ids = ["subnet-...", "subnet-..."]  # the tier's private subnets: set here or with -var

cpu_instance_types    = ["t3.large"]
cpu_scaling           = { min = 1, desired = 1, max = 2 }
gpu_on_demand_scaling = { min = 0, desired = 0, max = 0 }
gpu_spot_scaling      = { min = 0, desired = 0, max = 1 }
gpu_instance_types    = ["g5.2xlarge", "g6.2xlarge"]

noncurrent_version_days = 3
queue_age_alarm_seconds = 3600
alarm_email             = ""

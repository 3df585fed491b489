# staging: production's shape at a smaller size, so releases meet the same spot/on-demand mix.
tier   = "staging"
region = "us-east-1"
# subnet_ids = ["subnet-...", "subnet-..."]  # the tier's private subnets: set here or with -var

cpu_instance_types    = ["m6i.large"]
cpu_scaling           = { min = 2, desired = 2, max = 4 }
gpu_on_demand_scaling = { min = 0, desired = 0, max = 1 }
gpu_spot_scaling      = { min = 0, desired = 0, max = 4 }
gpu_instance_types    = ["g5.2xlarge", "g6.2xlarge"]

noncurrent_version_days = 30
queue_age_alarm_seconds = 1800
alarm_email             = ""

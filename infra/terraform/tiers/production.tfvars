# production: an on-demand GPU baseline that spot reclaims cannot take away, spot for the bursts,
# a long undo window and old media tiered down.
tier   = "production"
region = "us-east-1"
# subnet_ids = ["subnet-...", "subnet-..."]  # the tier's private subnets: set here or with -var

cpu_instance_types    = ["m6i.xlarge"]
cpu_scaling           = { min = 2, desired = 3, max = 6 }
gpu_on_demand_scaling = { min = 1, desired = 1, max = 2 }
gpu_spot_scaling      = { min = 0, desired = 0, max = 10 }
gpu_instance_types    = ["g5.2xlarge", "g6.2xlarge", "g6e.2xlarge"]
gpu_disk_size         = 300

queue_visibility_timeout_seconds = 60
noncurrent_version_days          = 90
media_tiering_days               = 90
queue_age_alarm_seconds          = 900
# The on-call address; left empty here so no inbox is committed to the repo.
alarm_email = ""

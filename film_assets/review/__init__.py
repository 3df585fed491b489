"""People's decisions and what renders cost: script revisions, reviews of takes, pins, the cost
ledger and the dailies made for review. Not assets: a review cannot be recomputed from inputs."""

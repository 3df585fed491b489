"""A project: its id (the partition key) and its delivery settings."""

"""Service mode on one machine: the Postgres-backed Dagster instance and `filmstudio up`."""

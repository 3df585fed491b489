"""Runs on this machine and the instance they are recorded in: the local render, backfills, one
render of a project at a time, and the service profile's Postgres-backed Dagster instance."""

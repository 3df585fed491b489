"""The HTTP API (FastAPI) studios call.

Coming with the service-mode issue: submit a screenplay, read a project's status and lineage,
download the final cut, request re-renders and backfills; API keys per tenant. The API reads
Dagster's instance and never runs assets itself. Nothing lives here yet.
"""

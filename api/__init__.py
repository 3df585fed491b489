"""The HTTP API (FastAPI) studios call: submit a screenplay, read a project's status and lineage,
download the final cut, request re-renders; API keys per tenant.

The API queues render requests (SQS, film_assets.contract.RenderRequest) and reads run and lineage
state from Dagster's instance; it never runs assets itself. Modules:

- app: the factory (`python -m uvicorn api.app:create_app --factory`, or `python -m api`)
- settings: the environment, read once; clients: the shared clients (engine, queue, store, Dagster)
- tables: the API's own Postgres tables; keys: hashed API keys (`create_api_key`); auth: X-API-Key
- uploads, submissions: reading and accepting submissions and re-render orders
- projects_db: projects and jobs per tenant, cursor pagination; status, dagster_state,
  metadata_json: a project's runs, materializations and per-shot lineage; media: final-cut downloads
- limits: the request body size limit; errors: every error as {"detail": ...}
- routes/: the endpoints
"""

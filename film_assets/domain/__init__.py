"""Pure domain logic (no Dagster dependencies)."""

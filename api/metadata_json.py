"""Dagster metadata as plain JSON, the shape a client expects: numbers stay numbers, JSON stays
JSON, tables become {"columns", "records"}; nothing a JSON encoder could choke on."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dagster import MarkdownMetadataValue, MetadataValue, TableMetadataValue, TimestampMetadataValue

# Markdown in our catalog carries inline data-URI thumbnails (see film_assets/assets/catalog.py):
# useful in Dagster's UI, dead weight in an API answer.
MAX_MARKDOWN_CHARS = 2000


def metadata_to_json(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value_to_json(value) for name, value in metadata.items()}


def value_to_json(value: Any) -> Any:
    if isinstance(value, TableMetadataValue):
        return {
            "columns": [{"name": column.name, "type": column.type} for column in value.schema.columns],
            "records": [plain_json(record.data) for record in value.records],
        }
    if isinstance(value, MarkdownMetadataValue) and len(value.md_str or "") > MAX_MARKDOWN_CHARS:
        return f"(markdown, {len(value.md_str)} characters: shown in the Dagster UI)"
    if isinstance(value, TimestampMetadataValue):
        return datetime.fromtimestamp(value.value, tz=UTC).isoformat()
    if isinstance(value, MetadataValue):
        return plain_json(value.value)
    return plain_json(value)


def plain_json(value: Any) -> Any:
    """Recursively JSON-safe: non-finite floats become None, unknown objects their str()."""
    if isinstance(value, MetadataValue):  # before tuple: metadata values are named tuples
        return value_to_json(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain_json(item) for item in value]
    return str(value)

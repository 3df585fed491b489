"""What the asset catalog shows: small thumbnails, tables and a clear failure for bad input."""

from __future__ import annotations

import base64
import io

import pandas as pd
from dagster import DataVersion, Failure, MetadataValue, TableColumn, TableRecord, TableSchema
from PIL import Image

from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id
from resources.versioned import content_key

THUMBNAIL_SIZE = (128, 72)
MAX_THUMBNAILS = 12  # they live in the event log: keep it to a few KB each


def project_of(context) -> str:
    """The partition key, refused with a clear message if someone added a bad one by hand."""
    try:
        return validate_project_id(context.partition_key)
    except InvalidProjectId as error:
        raise Failure(description=str(error)) from error


def thumbnail_jpeg(image: Image.Image) -> bytes:
    """A catalog thumbnail of an image: THUMBNAIL_SIZE at most, as a small JPEG."""
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    thumb.convert("RGB").save(buffer, format="JPEG", quality=60, optimize=True)
    return buffer.getvalue()


def thumbnails_markdown(thumbnails: list[tuple[str, bytes]], more: int = 0) -> MetadataValue:
    """Dagster has no image metadata type: inline data-URI JPEGs (thumbnail_jpeg's) in markdown show
    as thumbnails (the first MAX_THUMBNAILS; `more` counts images left out before the call)."""
    cells = [
        f"![{code}](data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}) `{code}`"
        for code, jpeg in thumbnails[:MAX_THUMBNAILS]
    ]
    left_out = more + max(len(thumbnails) - MAX_THUMBNAILS, 0)
    tail = f"\n\n…and {left_out} more" if left_out else ""
    return MetadataValue.md("\n".join(cells) + tail)


TABLE_TEXT_CHARS = 60  # a prompt or a line this long keeps a catalog row one or two lines high
KEY_CHARS = 10  # enough of a content hash to tell versions apart at a glance


def shortened(text: str, limit: int = TABLE_TEXT_CHARS) -> str:
    """Text for a table cell: whitespace collapsed, and when longer than limit, cut at a word and
    ended with "…" so nobody takes it for the whole."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    head = head.rsplit(" ", 1)[0] if " " in head else head
    return head.rstrip(" ,.;:") + "…"


def short_key(key: str) -> str:
    return str(key)[:KEY_CHARS]


def table(rows: list[dict], columns: dict[str, str]) -> MetadataValue:
    """A catalog table: columns maps name -> Dagster column type (string, int, float)."""
    schema = TableSchema(columns=[TableColumn(name, kind) for name, kind in columns.items()])
    records = [TableRecord({name: row[name] for name in columns}) for row in rows]
    return MetadataValue.table(records=records, schema=schema)


def value_version(value) -> DataVersion:
    """An asset's data version: a hash of the value it stores (which names its media by content or
    version), not of the run. Re-making the same thing leaves everything downstream in sync in
    the Dagster UI; a changed shot, line or setting marks what depends on it unsynced."""
    if isinstance(value, pd.DataFrame):
        value = value.to_json(orient="records")
    return DataVersion(content_key(value))

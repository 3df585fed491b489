"""What the asset catalog shows: pictures as links to stored JPEGs, links to media, tables, and a
clear failure for bad input."""

from __future__ import annotations

import io

import pandas as pd
from dagster import DataVersion, Failure, MetadataValue, TableColumn, TableRecord, TableSchema
from PIL import Image

from film_assets.contract import TENANT_TAG
from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id
from film_assets.domain.storyboard.contact_sheet import CELL_SIZE, SheetShot, draw_contact_sheet
from film_assets.media_links import MediaLinks, media_links_for
from resources.media_store import LocalMediaStore, MediaNotFound, MediaStore
from resources.profiles import MediaLinkSettings
from resources.versioned import content_key

THUMBNAIL_SIZE = CELL_SIZE  # one contact sheet cell; kept beside each keyframe version
THUMBNAIL_FILE = "keyframe_thumb.jpg"
# The Dagster UI (1.13, ui-core MetadataEntry.tsx) draws a markdown entry inline on the asset's
# Overview, partition and event pages only while it is under 1000 characters; a longer one hides
# behind "[Show Markdown]". So pictures are links to stored JPEGs, never data URIs in the event log.
INLINE_MARKDOWN_CHARS = 1000


def project_of(context) -> str:
    """The partition key, refused with a clear message if someone added a bad one by hand."""
    try:
        return validate_project_id(context.partition_key)
    except InvalidProjectId as error:
        raise Failure(description=str(error)) from error


def media_links_of(context, media_store: MediaStore, project: str) -> MediaLinks:
    """The browser links this run writes into the catalog (film_assets/media_links.py)."""
    local = isinstance(media_store, LocalMediaStore)
    tenant = context.run.tags.get(TENANT_TAG)
    return media_links_for(MediaLinkSettings.from_environment(), local, project, tenant)


def jpeg_bytes(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def thumbnail_jpeg(image: Image.Image) -> bytes:
    """A catalog thumbnail of an image: THUMBNAIL_SIZE at most, as a small JPEG."""
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return jpeg_bytes(thumb, quality=70)


def keyframe_thumbnail(media_store: MediaStore, keyframe: dict, image: Image.Image | None = None) -> bytes:
    """The keyframe's catalog thumbnail, kept beside it in its version folder: a re-render reads
    a few KB instead of decoding every keyframe again (a keyframe never changes once stored).
    Made from `image` when given, else from the stored keyframe when no thumbnail is kept yet."""
    key = keyframe["key"].rsplit("/", 1)[0] + "/" + THUMBNAIL_FILE
    if image is None:
        try:
            return media_store.get_bytes(key)
        except MediaNotFound:
            image = Image.open(io.BytesIO(media_store.get_bytes(keyframe["key"])))
    jpeg = thumbnail_jpeg(image)
    media_store.put_bytes(key, jpeg)
    return jpeg


def sheet_shot(code: str, version: str, thumbnail: bytes, changed: bool) -> SheetShot:
    """One contact sheet cell from a kept thumbnail JPEG."""
    return SheetShot(code, version, Image.open(io.BytesIO(thumbnail)), changed)


def store_contact_sheet(media_store: MediaStore, key: str, title: str, shots: list[SheetShot]) -> bytes:
    """Draw the contact sheet of `shots` and store it under key as a JPEG; returns the JPEG."""
    sheet, _ = draw_contact_sheet(shots, title)
    jpeg = jpeg_bytes(sheet, quality=82)
    media_store.put_bytes(key, jpeg)
    return jpeg


def _bracket_safe(text: str) -> str:
    """Text safe inside markdown's [...] of a link or an image."""
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def image_markdown(alt: str, url: str | None, note: str, no_link: str = "") -> MetadataValue:
    """A picture the UI shows inline (see INLINE_MARKDOWN_CHARS), linked to itself at full size,
    with a line under it; without a url, the note and why there is no link."""
    if url is None:
        return MetadataValue.md(f"{note} ({no_link})" if no_link else note)
    alt, note = _bracket_safe(alt)[:120], note[:200]
    text = f"[![{alt}]({url})]({url})\n\n{note}"
    if len(text) >= INLINE_MARKDOWN_CHARS:  # a long signed link: the picture alone stays inline
        text = f"![{alt}]({url})\n\n{note}"
    return MetadataValue.md(text)


def link_value(url: str | None, path: str, no_link: str) -> MetadataValue:
    """A link that opens in the browser, else the file's path and why there is no link."""
    return MetadataValue.url(url) if url else MetadataValue.text(f"{path} ({no_link})")


def links_markdown(links: list[tuple[str, str | None]], no_link: str = "") -> MetadataValue:
    """Labelled links, one a line: inline while short; a long film's list is one click away."""
    if not links or any(url is None for _, url in links):
        return MetadataValue.md(no_link or "no links")
    return MetadataValue.md("  \n".join(f"[{_bracket_safe(label)}]({url})" for label, url in links))


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

"""Project ids: the partition keys of every asset, so they must be safe in keys and paths."""

from __future__ import annotations

import re
import unicodedata

# Lower-case slugs keep partition keys, S3 keys and folder names the same everywhere; commas and
# slashes would break Dagster's multi-key strings and our storage layout.
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62})")


class InvalidProjectId(ValueError):
    """A project id that is not a slug."""


def validate_project_id(project_id: str) -> str:
    """Return the id unchanged if it is a slug, else raise InvalidProjectId saying what is wrong."""
    if not isinstance(project_id, str) or not _SLUG.fullmatch(project_id):
        shown = project_id if isinstance(project_id, str) else type(project_id).__name__
        raise InvalidProjectId(
            f"project id {shown!r} is not a slug: use 1-63 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit (no commas, slashes or spaces), e.g. 'night-shift'"
        )
    return project_id


def slugify(text: str) -> str:
    """Make a project id from a title or file name ('Night Shift!' -> 'night-shift')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:63].strip("-")
    return slug or "untitled"

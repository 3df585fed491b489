"""What the render-requests sensor knows about one SQS message and about its own memory, kept apart
from Dagster so each rule reads plainly: which messages are poison (and why), and which messages
wait, in the sensor's cursor, for their run to be recorded before they are deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from film_assets.contract import SCHEMA_VERSION, RenderRequest
from resources.media_store import MediaKeyError, MediaStore

# A pending entry whose run never appeared is forgotten after this long: its message has long
# since come back (visibility timeout) and been requested again, so the entry holds nothing.
PENDING_TTL_S = 3600.0


class PoisonMessage(Exception):
    """A message no retry can fix; `reason` goes with it to the dead-letter queue."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_request(body: str) -> RenderRequest:
    """The RenderRequest in a message body, or PoisonMessage saying what is wrong with it."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        raise PoisonMessage(f"bad JSON: {error}") from None
    if not isinstance(data, dict):
        raise PoisonMessage(f"bad message: expected a JSON object, got {type(data).__name__}")
    # Said apart from other schema errors: a newer API's message needs a newer sensor, not a fix.
    if "schema_version" in data and data["schema_version"] != SCHEMA_VERSION:
        raise PoisonMessage(
            f"unknown schema_version {data['schema_version']!r}: this sensor reads version {SCHEMA_VERSION}"
        )
    try:
        return RenderRequest.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'message'}: {item['msg']}" for item in error.errors()
        )
        raise PoisonMessage(f"invalid render request: {problems}") from None


def check_request(request: RenderRequest, media_store: MediaStore, project_known: bool, owner: str | None) -> None:
    """Raise PoisonMessage if the request cannot become a useful run: its project is another
    tenant's (`owner`, the tenant of the project's first run, None for a new project), its
    screenplay lies outside its project, a re-render names a project never rendered, or the
    screenplay is not stored."""
    if owner is not None and owner != request.tenant:
        # the reason is shown to the submitter: it does not name the owner
        raise PoisonMessage(f"project {request.project_id!r} belongs to another tenant than {request.tenant!r}")
    key = request.screenplay_key
    parts = key.split("/")
    if (
        len(parts) < 3
        or parts[:2] != ["projects", request.project_id]
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise PoisonMessage(f"screenplay_key {key!r} is not under projects/{request.project_id}/")
    if request.action in ("rerender", "dailies") and not project_known:
        raise PoisonMessage(
            f"unknown project {request.project_id!r}: a {request.action} needs a project that was submitted before"
        )
    try:
        stored = media_store.exists(key)
    except MediaKeyError as error:
        raise PoisonMessage(f"bad screenplay_key: {error}") from None
    if not stored:
        raise PoisonMessage(f"screenplay missing: nothing is stored at {key!r}")


@dataclass
class PendingMessages:
    """Messages whose run was requested but not yet seen in the instance, by job id: the receipt
    handles to delete once it is, and when the run was (last) requested. Lives in the cursor."""

    entries: dict[str, dict] = field(default_factory=dict)
    unreadable_cursor: bool = False

    @classmethod
    def from_cursor(cls, cursor: str | None) -> PendingMessages:
        if not cursor:
            return cls()
        try:
            entries = json.loads(cursor)["pending"]
            if not all(
                isinstance(entry.get("handles"), list) and isinstance(entry.get("since"), (int, float))
                for entry in entries.values()
            ):
                raise ValueError("entry without handles or since")
            return cls(entries)
        except (ValueError, KeyError, TypeError, AttributeError):
            # Losing the cursor loses nothing: undeleted messages come back after their timeout.
            return cls(unreadable_cursor=True)

    def to_cursor(self) -> str:
        return json.dumps({"pending": self.entries}, sort_keys=True)

    def job_ids(self) -> list[str]:
        return sorted(self.entries)

    def add(self, job_id: str, handles: list[str], now: float) -> None:
        entry = self.entries.setdefault(job_id, {"handles": [], "since": now})
        entry["handles"] = list(dict.fromkeys([*entry["handles"], *handles]))
        entry["since"] = now

    def take(self, job_ids) -> list[str]:
        """Remove these entries; return their receipt handles."""
        return [handle for job_id in sorted(job_ids) for handle in self.entries.pop(job_id, {}).get("handles", [])]

    def drop_older_than(self, cutoff: float) -> list[str]:
        stale = [job_id for job_id, entry in self.entries.items() if entry["since"] < cutoff]
        for job_id in stale:
            del self.entries[job_id]
        return stale

    def __len__(self) -> int:
        return len(self.entries)

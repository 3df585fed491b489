"""Reading a submission from POST /projects: a JSON body or a multipart upload (field `file`).

The endpoint reads the body itself (FastAPI binds one content type per body), so each way in is
validated here, with the same error shape as FastAPI's own.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import PureWindowsPath

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from api.errors import ApiError
from api.models import DeliverySettings, Priority, SubmitScreenplay

DEFAULT_SOURCE_NAME = "screenplay.fountain"
JSON_TYPES = ("application/json",)
MULTIPART_TYPE = "multipart/form-data"


@dataclass(frozen=True)
class Upload:
    data: bytes  # the screenplay exactly as sent (UTF-8 expected; the parser says where it is not)
    source_name: str
    title: str | None
    priority: int
    settings: DeliverySettings


class _FormFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    priority: int = Priority
    settings: DeliverySettings | None = None


async def read_upload(request: Request, max_bytes: int) -> Upload:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        return await _from_json(request)
    if media_type == MULTIPART_TYPE:
        return await _from_multipart(request, max_bytes)
    raise ApiError(
        415,
        f"content type {media_type or '(none)'!r} is not accepted: send application/json "
        "{\"screenplay\": ...} or multipart/form-data with the file in the field 'file'",
    )


async def _from_json(request: Request) -> Upload:
    body = await request.body()
    if not body.strip():
        raise ApiError(422, 'the JSON body is empty: send {"screenplay": "<Fountain text>"}')
    try:
        submission = SubmitScreenplay.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(_located(error, "body")) from None
    try:
        data = submission.screenplay.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ApiError(422, f"screenplay: not Unicode text (unpaired surrogate at character {error.start})") from None
    return Upload(
        data=data,
        source_name=DEFAULT_SOURCE_NAME,
        title=clean_text(submission.title, 200, "title"),
        priority=submission.priority,
        settings=submission.settings or DeliverySettings(),
    )


async def _from_multipart(request: Request, max_bytes: int) -> Upload:
    form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes)
    try:
        unknown = sorted(set(form.keys()) - {"file", "title", "priority", "settings"})
        if unknown:
            raise ApiError(
                422,
                f"unknown multipart fields {', '.join(repr(name[:40]) for name in unknown[:5])}: "
                "send 'file' and optionally 'title', 'priority', 'settings'",
            )
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "file: the Fountain file is required as a file in the multipart field 'file'")
        fields = {name: form.get(name) for name in ("title", "priority", "settings") if form.get(name) is not None}
        if any(not isinstance(value, str) for value in fields.values()):
            raise ApiError(422, "title, priority and settings are text fields, not files")
        if "settings" in fields:
            try:
                fields["settings"] = json.loads(fields["settings"])
            except ValueError:
                raise ApiError(422, 'settings: not a JSON object (e.g. {"width": 640, "height": 360})') from None
        try:
            parsed = _FormFields.model_validate(fields)
        except ValidationError as error:
            raise RequestValidationError(_located(error, "body")) from None
        data = await upload.read()
        return Upload(
            data=data,
            source_name=_source_name(upload.filename),
            title=clean_text(parsed.title, 200, "title"),
            priority=parsed.priority,
            settings=parsed.settings or DeliverySettings(),
        )
    finally:
        await form.close()


def _located(error: ValidationError, where: str) -> list[dict]:
    return [{**item, "loc": (where, *item.get("loc", ()))} for item in error.errors(include_url=False)]


def clean_text(value: str | None, max_length: int, field: str) -> str | None:
    """Text fit for a database row: control characters dropped, whitespace trimmed, no lone
    surrogates (which Postgres and UTF-8 refuse); None when nothing is left."""
    if value is None:
        return None
    if any(unicodedata.category(char) == "Cs" for char in value):
        raise ApiError(422, f"{field}: not Unicode text (unpaired surrogate)")
    kept = "".join(char for char in value if unicodedata.category(char) != "Cc")
    kept = " ".join(kept.split())[:max_length]
    return kept or None


def _source_name(filename: str | None) -> str:
    """The uploaded file's base name, safe to keep: no folders, no control characters."""
    name = PureWindowsPath(filename or "").name  # handles both / and \\ separators
    return clean_text(name, 255, "file name") or DEFAULT_SOURCE_NAME

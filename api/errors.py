"""Every error is JSON {"detail": "<one sentence>"} with the right status: 4xx for anything the
caller sent, 503 when a dependency (Postgres, S3, SQS) is down, never a bare 500 for bad input."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from resources.media_store import StorageUnavailable

log = logging.getLogger("api")


class ApiError(Exception):
    def __init__(self, status_code: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status_code, self.detail, self.headers = status_code, detail, headers


def describe_validation(errors) -> str:
    """pydantic's error list as one readable sentence: 'body.settings.width: Input should be ...'."""
    parts = []
    for error in list(errors)[:5]:
        if error.get("type") == "json_invalid":
            parts.append(f"body: not valid JSON ({error.get('ctx', {}).get('error', error.get('msg'))})")
            continue
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        message = error.get("msg", "is not valid")
        shown = error.get("input")
        if (
            isinstance(shown, (str, int, float))
            and not isinstance(shown, bool)
            and len(str(shown)) <= 40
            and error.get("type") not in ("missing",)
        ):
            message += f" (got {shown!r})"
        parts.append(f"{location}: {message}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def _json(status_code: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError):
        return _json(error.status_code, error.detail, error.headers)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException):
        return _json(error.status_code, str(error.detail), getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError):
        return _json(422, describe_validation(error.errors()))

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, error: OperationalError):
        log.warning("database unavailable during %s %s: %s", request.method, request.url.path, error)
        return _json(503, "the database is unavailable; try again shortly", {"Retry-After": "5"})

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError):
        log.exception("database error during %s %s", request.method, request.url.path)
        return _json(503, "the database could not answer; try again shortly", {"Retry-After": "5"})

    @app.exception_handler(ClientDisconnect)
    async def client_left(request: Request, _: ClientDisconnect):
        # the client hung up mid-body (or sent less than its Content-Length): nobody reads an answer
        log.warning("client disconnected before sending its whole body: %s %s", request.method, request.url.path)
        return _json(400, "the client disconnected before sending its whole request body")

    @app.exception_handler(BotoCoreError)
    @app.exception_handler(ClientError)
    @app.exception_handler(StorageUnavailable)
    async def aws_down(request: Request, error: Exception):
        log.warning("S3/SQS unavailable during %s %s: %s", request.method, request.url.path, error)
        return _json(503, "the media store or the render queue is unavailable; try again shortly", {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        log.exception("unexpected error during %s %s", request.method, request.url.path)
        return _json(500, "internal error: the API logged it")

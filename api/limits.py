"""Request body limits, enforced before the body reaches any handler: its size and its pace.

A declared Content-Length over the limit is refused at once with 413, without reading a byte; a
body without one (chunked transfer) is counted as it streams in and refused with 413 as soon as
it passes the limit, so a client cannot make the server buffer an unbounded upload. A body that
has not fully arrived within `body_seconds` of its first read (a client dribbling a byte at a
time, or one whose Content-Length promises more than it sends) is refused with 408, so a slow
client cannot hold a worker for ever; uvicorn itself has no such deadline.

Why not FastAPI's own `max_body_size`: it checks a declared length only once the handler reads the
body (or answers), and its early refusal is plain text; ours refuses before any handler runs, and
always as {"detail": ...} naming the limit.
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large_detail(limit: int) -> str:
    return f"request body is larger than the limit of {limit} bytes (FILMSTUDIO_API_MAX_UPLOAD_BYTES)"


def too_slow_detail(seconds: float) -> str:
    return f"request body did not arrive within {seconds:g} s (FILMSTUDIO_API_BODY_SECONDS)"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, body_seconds: float = 60.0):
        self.app = app
        self.max_bytes = max_bytes
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_413(send, self.max_bytes)
            return
        received, deadline, complete = 0, None, False

        async def counting_receive() -> Message:
            nonlocal received, deadline, complete
            if complete:  # after the body, receive() waits for a disconnect: no deadline there
                return await receive()
            deadline = deadline or time.monotonic() + self.body_seconds
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise HTTPException(status_code=408, detail=too_slow_detail(self.body_seconds)) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # raised inside the handler's body read: Starlette's exception middleware (and
                    # FastAPI's body parsing, which re-raises HTTPException) turn it into a 413
                    raise HTTPException(status_code=413, detail=too_large_detail(self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server itself refuses a malformed length before we see it
    return None


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large_detail(limit)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""Hostile uploads over raw sockets against a real uvicorn API process: a Content-Length that lies,
a body dribbled a byte at a time, a multipart form of thousands of parts, a declared size of 10 GB.
Each gets a 4xx naming why, in bounded time; none leaves a traceback in the log or wedges the API."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlparse

import httpx
import pytest

from tests.support.api_helpers import api_process

pytestmark = pytest.mark.service

BODY_SECONDS = 2


@pytest.fixture(scope="module")
def guarded_api(stack, tmp_path_factory):
    logs = tmp_path_factory.mktemp("hostile-api-logs")
    with api_process(stack.env, logs, FILMSTUDIO_API_BODY_SECONDS=str(BODY_SECONDS)) as url:
        yield url, logs


def _connect(url: str) -> socket.socket:
    where = urlparse(url)
    sock = socket.create_connection((where.hostname, where.port), timeout=30)
    return sock


def _head(key: str, length: int, content_type: str = "application/json") -> bytes:
    return (
        f"POST /projects HTTP/1.1\r\nHost: test\r\nX-API-Key: {key}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _answer(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body or b"{}")


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def _log(logs) -> str:
    return "\n".join(path.read_text(errors="replace") for path in logs.glob("*.log"))


def test_a_content_length_that_promises_more_than_is_sent_is_408_in_bounded_time(guarded_api, keys):
    url, logs = guarded_api
    with _connect(url) as sock:
        began = time.monotonic()
        sock.sendall(_head(keys["studio-a"], 1000) + b'{"screenplay": "')  # and then nothing
        status, body = _answer(sock)
    assert status == 408 and "did not arrive within 2 s" in body["detail"], body
    assert time.monotonic() - began < BODY_SECONDS + 5


def test_a_body_dribbled_a_byte_at_a_time_is_408(guarded_api, keys):
    url, _ = guarded_api
    with _connect(url) as sock:
        sock.sendall(_head(keys["studio-a"], 200))
        began = time.monotonic()
        status = None
        for _ in range(200):  # one byte every 0.2 s would take 40 s
            try:
                sock.sendall(b" ")
            except OSError:  # the server answered and closed while we dribbled
                break
            sock.settimeout(0.2)
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break
            except TimeoutError:
                continue
        sock.settimeout(30)
        status, body = _answer(sock)
    assert status == 408, body
    assert time.monotonic() - began < BODY_SECONDS + 5


def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(guarded_api, keys):
    url, logs = guarded_api
    with _connect(url) as sock:
        sock.sendall(_head(keys["studio-a"], 5000) + b'{"screenplay": "INT. HALL')
        sock.shutdown(socket.SHUT_WR)
        time.sleep(1)
    deadline = time.monotonic() + 10
    while "disconnected before sending its whole body" not in _log(logs) and time.monotonic() < deadline:
        time.sleep(0.2)
    log = _log(logs)
    assert "disconnected before sending its whole body" in log
    assert "Traceback" not in log and "unexpected error" not in log


def test_a_multipart_form_of_thousands_of_parts_is_refused_quickly(guarded_api, keys):
    url, _ = guarded_api
    boundary = "b0und4ry"
    parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nx\r\n' for n in range(5000))
    body = (parts + f"--{boundary}--\r\n").encode()
    began = time.monotonic()
    answer = httpx.post(
        f"{url}/projects",
        content=body,
        headers={"X-API-Key": keys["studio-a"], "Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=30,
    )
    assert answer.status_code == 400 and "fields" in answer.json()["detail"].lower(), answer.text
    assert time.monotonic() - began < 5


def test_a_declared_10_gb_body_is_413_before_a_byte_is_read(guarded_api, keys):
    url, _ = guarded_api
    with _connect(url) as sock:
        sock.sendall(_head(keys["studio-a"], 10 * 1024**3))
        status, body = _answer(sock)
    assert status == 413 and "larger than the limit" in body["detail"]


def test_the_api_still_answers_after_all_that(guarded_api, keys):
    url, logs = guarded_api
    assert httpx.get(f"{url}/health", timeout=30).status_code == 200
    answer = httpx.get(f"{url}/projects", headers={"X-API-Key": keys["studio-a"]}, timeout=30)
    assert answer.status_code == 200
    assert "Traceback" not in _log(logs)

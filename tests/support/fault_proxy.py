"""An HTTP proxy on loopback in front of the moto server that breaks S3 on demand: it answers 500 or
503 in S3's own XML error shape, or stalls (holds the request, never forwards it, and hangs up
without an answer), for the requests a rule matches, and passes everything else through. boto3 talks to it as its endpoint, over real HTTP.

Hand-written (about sixty lines on the standard library) rather than mitmproxy or toxiproxy: the
tests need only "fail or stall the next N requests of this method", switched from the test itself,
and those tools are a separate daemon or a large dependency for that.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

ERROR_XML = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
ERRORS = {
    500: ("InternalError", "injected: we encountered an internal error"),
    503: ("SlowDown", "injected: slow down"),
}


@dataclass
class Fault:
    status: int | None = None  # 500 or 503; None: stall instead
    stall_s: float = 0.0  # how long a stall holds the request before hanging up
    method: str | None = None  # only requests of this method (PUT, GET, ...); None: all
    path_contains: str | None = None  # only requests whose path holds this; None: all
    times: int | None = None  # only the next n matching requests; None: until cleared
    after: int = 0  # let this many matching requests through first


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = urlparse(upstream)
        self.fault: Fault | None = None
        self.seen: list[tuple[str, str, int]] = []  # method, path, status answered
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def break_with(self, fault: Fault) -> None:
        with self.lock:
            self.fault, self.seen = fault, []

    def heal(self) -> None:
        with self.lock:
            self.fault = None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            fault = self.fault
            if fault is None or (fault.method and fault.method != method):
                return None
            if fault.path_contains and fault.path_contains not in path:
                return None
            if fault.after > 0:
                fault.after -= 1
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.fault = None
            return fault

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy._take(self.command, self.path)
                if fault is not None and fault.status is None:
                    time.sleep(fault.stall_s)
                    with proxy.lock:
                        proxy.seen.append((self.command, self.path, 0))  # 0: no answer
                    self.close_connection = True
                    return
                if fault is not None:
                    code, message = ERRORS[fault.status]
                    status, headers, payload = (
                        fault.status,
                        {"Content-Type": "application/xml"},
                        ERROR_XML.format(code=code, message=message).encode(),
                    )
                else:
                    upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                    upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
                    answer = upstream.getresponse()
                    status, payload = answer.status, answer.read()
                    headers = {
                        k: v for k, v in answer.getheaders() if k.lower() not in ("transfer-encoding", "connection")
                    }
                    upstream.close()
                with proxy.lock:
                    proxy.seen.append((self.command, self.path, status))
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

            def log_message(self, *args):  # quiet: the tests read proxy.seen
                pass

        return Handler

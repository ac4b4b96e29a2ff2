"""A reverse proxy on loopback that breaks HTTP exchanges the ways a weak signal does.

It stands between a client and a real `fieldvisit serve`. Each request asks `choose` (a
function of method and path) which fault to play, or passes through untouched:

- `drop-before`: the connection closes before the request reaches the server;
- `drop-after`: the server handles the request, the answer is lost;
- `truncate`: the answer stops half-way through its body;
- `duplicate`: the server receives the request twice (a retrying middlebox);
- `delay`: the request waits a moment, so that requests sent together arrive reordered;
- `empty-200` and `html-200`: something else answers 200 (a captive portal, a broken cache);

and `rewrite` may change an answer's body (a new release of a file, in browser tests).
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = (
    "drop-before",
    "drop-after",
    "truncate",
    "duplicate",
    "delay",
    "empty-200",
    "html-200",
)
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}
CAPTIVE_PORTAL = b"<!doctype html><title>Sign in to Wi-Fi</title><p>Accept the terms to continue."

Chooser = Callable[[str, str], "str | None"]
Rewriter = Callable[[str, bytes], bytes]


def at_random(rate: float, seed: int, faults: tuple[str, ...] = FAULTS) -> Chooser:
    """Return a chooser that plays one of `faults` on a `rate` share of requests."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def choose(method: str, path: str) -> str | None:
        with lock:
            return rng.choice(faults) if rng.random() < rate else None

    return choose


class FaultProxy:
    """Serve on a free loopback port, forwarding to `upstream` with faults as chosen."""

    def __init__(
        self,
        upstream: str,
        choose: Chooser | None = None,
        rewrite: Rewriter | None = None,
    ) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.choose: Chooser = choose or (lambda method, path: None)
        self.rewrite = rewrite
        self.played: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _count(self, fault: str) -> None:
        with self._lock:
            self.played[fault] += 1

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        connection = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.reason, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (ConnectionError, TimeoutError):
                    self.close_connection = True

            def _cut(self) -> None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response_only(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _proxy(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy.choose(self.command, self.path)
                if fault:
                    proxy._count(fault)
                if fault == "drop-before":
                    return self._cut()
                if fault == "empty-200":
                    return self._answer(200, [("Content-Type", "application/json")], b"")
                if fault == "html-200":
                    return self._answer(200, [("Content-Type", "text/html")], CAPTIVE_PORTAL)
                if fault == "delay":
                    time.sleep(random.uniform(0.05, 0.5))
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP
                }
                if proxy.rewrite:  # a body to rewrite must come uncompressed
                    headers = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
                try:
                    if fault == "duplicate":
                        proxy._forward(self.command, self.path, headers, body)
                    status, _, answer_headers, answer = proxy._forward(
                        self.command, self.path, headers, body
                    )
                except (OSError, http.client.HTTPException):
                    return self._cut()  # the server went away: so does the answer
                if fault == "drop-after":
                    return self._cut()
                if proxy.rewrite:
                    answer = proxy.rewrite(self.path, answer)
                if fault == "truncate" and len(answer) > 1:
                    self.send_response_only(status)
                    for name, value in answer_headers:
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer[: len(answer) // 2])
                    self.wfile.flush()
                    return self._cut()
                self._answer(status, answer_headers, answer)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _proxy

        return Handler

"""Real local HTTP servers for steps to call: a tiny programmable fake API."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Route:
    """What the fake server answers on one path."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Statuses to answer first, one per request, before `status` (for retries).
    sequence: list[int] = field(default_factory=list)


class FakeServer:
    """An HTTP server on 127.0.0.1 that records requests and answers per route."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body.decode(errors="replace"),
                    }
                )
                route = server.routes.get(path, Route(status=404, body={"error": "nf"}))
                if route.delay:
                    time.sleep(route.delay)
                status = route.sequence.pop(0) if route.sequence else route.status
                payload = route.body
                data = (
                    json.dumps(payload).encode()
                    if not isinstance(payload, (str, bytes))
                    else payload.encode()
                    if isinstance(payload, str)
                    else payload
                )
                self.send_response(status)
                content_type = (
                    "application/json"
                    if not isinstance(payload, (str, bytes))
                    else "text/plain; charset=utf-8"
                )
                self.send_header("Content-Type", content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        """Return the full URL of a path on this server."""
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, **kwargs: Any) -> Route:
        """Define what a path answers."""
        self.routes[path] = Route(**kwargs)
        return self.routes[path]

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class StreamServer:
    """A raw HTTP server that streams a long body and counts what it sent.

    `size` bytes are announced and sent in `chunk`-byte pieces, `pause` seconds
    apart, until the client hangs up; `sent` and `hung_up_at` tell how far it got.
    """

    def __init__(self, size: int, chunk: int = 65536, pause: float = 0.0) -> None:
        import socket

        self.size, self.chunk, self.pause = size, chunk, pause
        self.sent = 0
        self.hung_up_at: float | None = None
        self.finished = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(30)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        """Return the full URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        try:
            conn.recv(65536)  # the request: one small GET
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {self.size}\r\n\r\n".encode()
            )
            piece = b"x" * self.chunk
            while self.sent < self.size:
                conn.sendall(piece)
                self.sent += len(piece)
                if self.pause:
                    time.sleep(self.pause)
        except OSError:
            self.hung_up_at = time.monotonic()
        finally:
            conn.close()
            self.finished.set()

    def close(self) -> None:
        """Stop listening."""
        self.listener.close()

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

"""A fake OpenAI-compatible chat completions server on 127.0.0.1, over real HTTP.

Each request takes the next scripted answer (the last one repeats): a content
string wrapped in a chat completion, a raw status and body, or a hang that lasts
until the server closes. Requests are recorded with their headers and JSON.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """What the fake model answers to one request."""

    content: str | None = None
    status: int = 200
    body: bytes | None = None
    hang: bool = False
    # Refuse requests that carry response_format (an older server).
    no_schema: bool = False


def completion(content: str) -> bytes:
    """Wrap text in a chat completion, as OpenAI-compatible servers answer."""
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    ).encode()


class FakeModel:
    """An OpenAI-compatible endpoint whose answers a test scripts."""

    def __init__(self) -> None:
        self.answers: list[Answer] = [Answer(status=500, body=b"{}")]
        self.requests: list[dict[str, Any]] = []
        self.closing = threading.Event()
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                model.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": body}
                )
                answer = model.next_answer()
                if answer.hang:
                    model.closing.wait(30)
                    return
                status, data = model.reply(answer, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A short poll: closing the server at the end of each test is quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        """Return the base URL, as people configure it (…/v1)."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, *answers: Answer | str) -> None:
        """Set the answers, in order; a string is a completion's content."""
        self.answers = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    def next_answer(self) -> Answer:
        """Take the next scripted answer (the last one repeats)."""
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def reply(self, answer: Answer, body: dict[str, Any]) -> tuple[int, bytes]:
        """Return the status and bytes of an answer to a request."""
        if answer.no_schema and "response_format" in body:
            return 400, b'{"error": {"message": "response_format is not supported"}}'
        if answer.content is not None:
            return 200, completion(answer.content)
        return answer.status, answer.body or b""

    def close(self) -> None:
        """Release hanging requests and stop serving."""
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

"""Answer with a file to save: one place that writes the download header."""

from __future__ import annotations

from flask import Response


def download(body: str | bytes, mimetype: str, filename: str) -> Response:
    """Answer `body` as a download named `filename` (already a safe ASCII name)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Workflows: list, create, edit, check, activate, copy, export and import."""

from flask import Blueprint

bp = Blueprint("workflows", __name__)

from synth_web.workflows import (  # noqa: E402,F401
    builder_routes,
    routes,
    sample_routes,
    views,
)

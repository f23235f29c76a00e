"""Workflows: list, create, edit, check, activate, copy, export and import."""

from flask import Blueprint

bp = Blueprint("workflows", __name__)

from synth_web.workflows import builder_routes, routes, views  # noqa: E402,F401

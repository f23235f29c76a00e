"""Accounts: register, sign in and out, and manage your own account."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from synth_web.auth import signout, views  # noqa: E402,F401

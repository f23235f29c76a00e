"""Personal access tokens: /account/tokens makes, lists and revokes them."""

from flask import Blueprint

bp = Blueprint("tokens", __name__)

from synth_web.tokens import views  # noqa: E402,F401

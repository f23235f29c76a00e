"""The JSON API under /api/v1: bearer tokens, problem+json errors, OpenAPI 3.1.

No CSRF (no cookies are trusted here), no session (a signed-in browser is not
authorised), a rate limit per token and a body size limit of its own.
"""

from flask import Blueprint, Response, current_app

from synth_web.api.auth import authenticate, check_body, rate_key
from synth_web.api.problems import ApiProblem
from synth_web.api.spec import serve_document
from synth_web.extensions import csrf, limiter
from synth_web.inputs import check_url
from synth_web.security import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.limit(lambda: current_app.config["SYNTH_API_LIMIT"], key_func=rate_key)(bp)
bp.before_request(authenticate)
bp.before_request(check_url)
bp.before_request(check_body)
bp.add_url_rule("/openapi.json", "openapi", public(serve_document))


@bp.app_errorhandler(ApiProblem)
def answer_problem(problem: ApiProblem) -> Response:
    """Answer an API problem as problem+json."""
    return problem.response()


from synth_web.api import (  # noqa: E402,F401
    apps,
    chat,
    connections,
    executions,
    memory,
    plans,
    workflows,
)

"""The planner endpoint: a request in plain words -> a Plan. Nothing is saved."""

from __future__ import annotations

from flask_login import current_user

from synth_web.api import bp
from synth_web.api.plan_models import PlanOut, PlanRequest
from synth_web.api.spec import route
from synth_web.planner import plan

TAG = "planner"


@route(bp, "/plans", "POST", out=PlanOut, tag=TAG, scope="read")
def create_plan(json: PlanRequest) -> PlanOut:
    """Plan a request in plain words for you: a draft, a refusal or a question.

    Needs only the `read` scope: nothing is saved.
    """
    answer = plan(current_user, json.request)
    return PlanOut.model_validate(answer.as_dict())

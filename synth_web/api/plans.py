"""The planner endpoint: a request in plain words -> a Plan.

Alone, nothing is saved and the `read` scope will do. As the next turn of a
conversation (`conversation_id`), the planner reads the conversation's end (its
last draft can be changed), and the request and the answer are appended to it:
that writes, so it needs the `write` scope.
"""

from __future__ import annotations

from flask_login import current_user

from synth_web.api import bp
from synth_web.api.auth import require_scope
from synth_web.api.plan_models import PlanOut, PlanRequest
from synth_web.api.spec import route
from synth_web.planner import conversation_for, plan, save_turn

TAG = "planner"


@route(bp, "/plans", "POST", out=PlanOut, tag=TAG, scope="read")
def create_plan(json: PlanRequest) -> PlanOut:
    """Plan a request in plain words for you: a draft, a refusal or a question.

    Needs only the `read` scope when nothing is saved; with `conversation_id`
    the turn is appended to that conversation, which needs `write`.
    """
    conversation = None
    if json.conversation_id is not None:
        require_scope("write")
        conversation = conversation_for(current_user.id, json.conversation_id)
    answer = plan(current_user, json.request, conversation)
    if json.conversation_id is not None:
        save_turn(current_user.id, json.conversation_id, json.request, answer)
    return PlanOut.model_validate(answer.as_dict())

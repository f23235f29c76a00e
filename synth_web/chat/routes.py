"""Talking to Synth from the pages: the composer, answers, and the cards' buttons.

With htmx the person's message is on the page at once and the answer loads by
itself (a placeholder that posts for it on load); without JavaScript the same
forms post, the answer is planned before the redirect, and the transcript
shows both.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask import request as http_request
from flask_limiter import RequestLimit
from flask_login import current_user

from synth_web.chat import bp
from synth_web.chat.drafts import create_from_card, get_message_or_404, plan_of
from synth_web.chat.forms import ComposerForm
from synth_web.chat.services import Conversation
from synth_web.chat.talk import add_request, new_conversation_id, reply_to, try_again
from synth_web.chat.views import (
    get_conversation_or_404,
    messages_context,
    render_index,
    render_transcript,
)
from synth_web.extensions import limiter, person_key
from synth_web.htmx import is_fragment_request
from synth_web.models import ChatMessage, User


def chat_limit() -> str:
    """How many messages a person may send (SYNTH_CHAT_LIMIT)."""
    return current_app.config["SYNTH_CHAT_LIMIT"]


def composer_answer(
    form: ComposerForm, conversation: Conversation | None, status: int
) -> Response:
    """Show the composer again, the problem beside it and the text as typed.

    htmx gets bad input as 200 (DESIGN §7: it would log a 422 as an error);
    a plain post gets the page with 422.
    """
    if is_fragment_request():
        html = render_template(
            "chat/_composer.html", form=form, conversation=conversation
        )
        status = 200 if status == 422 else status
        response = current_app.make_response((html, status))
        response.headers["HX-Retarget"] = "#composer"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    if conversation is None:
        return render_index(form, status)
    return render_transcript(conversation, form, status)


def too_fast(limit: RequestLimit) -> Response:
    """Say beside the composer that messages come too fast, keeping the text."""
    form = ComposerForm()
    form.message.errors = [
        f"That is a lot of messages at once (the limit is {limit.limit}). "
        "Wait a minute, then send it again."
    ]
    conversation_id = (http_request.view_args or {}).get("conversation_id")
    conversation = get_conversation_or_404(conversation_id) if conversation_id else None
    return composer_answer(form, conversation, 429)


# Sending and trying again plan once each: one budget for both, per person.
composer_limit = limiter.shared_limit(
    chat_limit, scope="chat", key_func=person_key, on_breach=too_fast
)
card_limit = limiter.shared_limit(chat_limit, scope="chat", key_func=person_key)


def person() -> User:
    """Return the signed-in person (the object, not Flask-Login's proxy)."""
    return current_user._get_current_object()


def transcript_url(message: ChatMessage, around: bool = False) -> str:
    """Link to a message in its transcript."""
    at = message.id if around else None
    url = url_for("chat.show", conversation_id=message.conversation_id, at=at)
    return f"{url}#m{message.id}"


def answered(message: ChatMessage) -> Response:
    """Go to the transcript: with htmx the answer loads there, else plan it now."""
    if not http_request.htmx:
        message = reply_to(person(), message)
    return redirect(transcript_url(message), 303)


@bp.route("/chat", methods=["POST"])
@composer_limit
def start() -> Response:
    """Start a new conversation with the person's first message."""
    form = ComposerForm()
    if not form.validate_on_submit():
        return composer_answer(form, None, 422)
    return answered(
        add_request(current_user.id, new_conversation_id(), form.message.data)
    )


@bp.route("/chat/<conversation_id>", methods=["POST"])
@composer_limit
def send(conversation_id: str) -> Response:
    """Add the person's message to a conversation (a follow-up, an answer)."""
    conversation = get_conversation_or_404(conversation_id)
    form = ComposerForm()
    if not form.validate_on_submit():
        return composer_answer(form, conversation, 422)
    message = add_request(current_user.id, conversation_id, form.message.data)
    if not is_fragment_request():
        return answered(message)
    return render_template(
        "chat/_sent.html",
        message=message,
        form=ComposerForm(formdata=None),
        conversation=conversation,
    )


@bp.route("/chat/<conversation_id>/messages/<int:message_id>/reply", methods=["POST"])
def reply(conversation_id: str, message_id: int) -> Response | str:
    """Plan the person's message and answer it (once; again gives the same)."""
    message = get_message_or_404(message_id, conversation_id)
    if message.role != "user":
        abort(404)
    answer = reply_to(person(), message)
    if not is_fragment_request():
        return redirect(transcript_url(answer), 303)
    return render_template(
        "chat/_answer.html", message=answer, **messages_context([answer])
    )


@bp.route("/chat/<conversation_id>/messages/<int:message_id>/retry", methods=["POST"])
@card_limit
def retry(conversation_id: str, message_id: int) -> Response:
    """Plan a card's request once more, as a new answer at the end."""
    card = get_message_or_404(message_id, conversation_id)
    if plan_of(card) is None:
        abort(404)
    answer = try_again(person(), card)
    if answer is None:
        abort(404)
    return redirect(transcript_url(answer), 303)


@bp.route("/chat/<conversation_id>/messages/<int:message_id>/create", methods=["POST"])
def create(conversation_id: str, message_id: int) -> Response:
    """Create a card's draft as a workflow, off or switched on."""
    card = get_message_or_404(message_id, conversation_id)
    switch_on = http_request.form.get("then") == "on"
    created = create_from_card(card, switch_on)
    workflow = created.workflow
    if workflow is None:
        reasons = " ".join(p.message for p in created.problems[:3])
        flash(f"This plan cannot be created as it is: {reasons}", "warning")
        return redirect(transcript_url(card, around=True), 303)
    if created.already:
        flash(f"“{workflow.name}” was already created from this plan.", "info")
    elif workflow.is_active:
        flash(f"Created “{workflow.name}” and switched it on.", "success")
    else:
        flash(
            f"Created “{workflow.name}”. It stays off until you switch it on.",
            "success",
        )
    return redirect(url_for("workflows.detail", workflow_id=workflow.id), 303)

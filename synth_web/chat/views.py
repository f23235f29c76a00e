"""Chat pages: conversations, transcripts, search, export and delete.

Sending messages and the plan cards' buttons are in routes.py.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from synth_web.chat import bp
from synth_web.chat.cards import build_cards
from synth_web.chat.conversations import conversation_workflows, list_conversations
from synth_web.chat.exports import export_json, export_markdown
from synth_web.chat.forms import ComposerForm
from synth_web.chat.links import message_workflows, meta_id
from synth_web.chat.markdown import plain_text, render_markdown
from synth_web.chat.search import search_messages
from synth_web.chat.services import (
    Conversation,
    Transcript,
    conversation_messages,
    delete_conversation,
    get_conversation,
)
from synth_web.chat.talk import is_waiting
from synth_web.downloads import download
from synth_web.htmx import is_fragment_request, render_page_or_fragment
from synth_web.inputs import page_number, whole_number
from synth_web.models import ChatMessage
from synth_web.words import plural

ROLE_NAMES = {"user": "You", "assistant": "Synth", "system": "System"}
EXPORTS = {"md": "text/markdown", "json": "application/json"}

bp.add_app_template_filter(render_markdown, "markdown")


@bp.app_template_filter("hit_text")
def hit_text(message: ChatMessage) -> str:
    """Return a search hit's words: Synth's Markdown read as plain text."""
    return (
        plain_text(message.content) if message.role == "assistant" else message.content
    )


def get_conversation_or_404(conversation_id: str) -> Conversation:
    """Return the signed-in person's conversation, or answer 404."""
    conversation = get_conversation(current_user.id, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


def int_arg(name: str) -> int | None:
    """Read an id from the query string (1 to the largest id), else None."""
    return whole_number(request.args.get(name))


@bp.app_template_global()
def message_run(message: ChatMessage) -> int | None:
    """Return the run a message's metadata names, if it is a real id."""
    # Another person's id would answer 404 there: the page checks, not us.
    return meta_id(message, "execution_id")


@bp.app_template_global()
def role_name(role: str) -> str:
    """Name who wrote a message."""
    return ROLE_NAMES.get(role, role.capitalize())


def messages_context(messages: list[ChatMessage]) -> dict[str, Any]:
    """Gather what messages show beside their text: workflows and plan cards."""
    made = message_workflows(current_user.id, messages)
    return {
        "made": made,
        "cards": build_cards(current_user.id, messages, made),
        "show_meta": request.args.get("meta") == "1",
    }


def render_index(form: ComposerForm | None = None, status: int = 200) -> Response:
    """Render /chat: the composer, and the conversations or the search results."""
    q = request.args.get("q", "").strip()
    results = listing = None
    made: dict[str, list[tuple[int, str]]] = {}
    if q:
        page = page_number(request.args.get("page"))
        results = search_messages(current_user.id, q, page=page)
    else:
        listing = list_conversations(current_user.id, before=int_arg("before"))
        ids = [c.conversation_id for c in listing.conversations]
        made = conversation_workflows(current_user.id, ids)
    return render_page_or_fragment(
        "chat/index.html",
        "chat/_results.html",
        status=status,
        q=q,
        results=results,
        listing=listing,
        made_in=made,
        before=int_arg("before"),
        form=form or ComposerForm(formdata=None),
    )


@bp.route("/chat")
def index() -> Response:
    """List conversations, newest activity first, or search every message."""
    return render_index()


def render_transcript(
    conversation: Conversation,
    form: ComposerForm | None = None,
    status: int = 200,
) -> Response:
    """Render a transcript window, with the composer when it shows the end."""
    before, after = int_arg("before"), int_arg("after")
    transcript: Transcript = conversation_messages(
        current_user.id,
        conversation.conversation_id,
        before=before,
        after=after,
        at=int_arg("at"),
    )
    # A fragment adds older messages above the window, or newer ones below;
    # a whole page (no JavaScript) links both ways.
    direction = None
    if is_fragment_request():
        direction = "older" if before else "newer" if after else None
    last = transcript.messages[-1] if transcript.messages else None
    waiting = last if last and not transcript.has_newer and is_waiting(last) else None
    return render_page_or_fragment(
        "chat/show.html",
        "chat/_messages.html",
        status=status,
        conversation=conversation,
        transcript=transcript,
        direction=direction,
        q=request.args.get("q", "").strip() or None,
        waiting=waiting,
        form=form or ComposerForm(formdata=None),
        **messages_context(transcript.messages),
    )


@bp.route("/chat/<conversation_id>")
def show(conversation_id: str) -> Response:
    """Show a transcript: the latest messages, or a window before/after/around."""
    return render_transcript(get_conversation_or_404(conversation_id))


@bp.route("/chat/<conversation_id>/export.md", defaults={"fmt": "md"})
@bp.route("/chat/<conversation_id>/export.json", defaults={"fmt": "json"})
def export(conversation_id: str, fmt: str) -> Response:
    """Download a conversation as Markdown or JSON."""
    make = export_markdown if fmt == "md" else export_json
    text = make(current_user.id, conversation_id)
    if text is None:
        abort(404)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", conversation_id)[:64]
    return download(text, EXPORTS[fmt], f"conversation-{safe_name}.{fmt}")


@bp.route("/chat/<conversation_id>/delete", methods=["POST"])
def delete(conversation_id: str) -> Response:
    """Delete a conversation and all its messages (the page asks first)."""
    conversation = get_conversation_or_404(conversation_id)
    count = delete_conversation(current_user.id, conversation_id)
    flash(
        f"Deleted “{conversation.title}” and its {plural(count, 'message')}.", "success"
    )
    return redirect(url_for("chat.index"), 303)

"""Chat history pages: conversations, transcripts, search, export and delete."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from synth_web.chat import bp
from synth_web.chat.conversations import list_conversations
from synth_web.chat.exports import export_json, export_markdown
from synth_web.chat.services import (
    Conversation,
    conversation_messages,
    delete_conversation,
    get_conversation,
    search_messages,
)
from synth_web.htmx import is_fragment_request, render_page_or_fragment
from synth_web.inputs import page_number, whole_number
from synth_web.models import ChatMessage
from synth_web.words import plural

ROLE_NAMES = {"user": "You", "assistant": "Synth", "system": "System"}
# Metadata keys that name another object: the page that shows it, and a label.
LINKED_KEYS = (
    ("workflow_id", "workflows.detail", "Workflow"),
    ("execution_id", "executions.detail", "Run"),
)
EXPORTS = {"md": "text/markdown", "json": "application/json"}


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
def message_links(message: ChatMessage) -> list[tuple[str, str]]:
    """List (label, url) of the workflow or run a message's metadata names."""
    links = []
    for key, endpoint, label in LINKED_KEYS:
        value = (message.meta or {}).get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        value = whole_number(value) if isinstance(value, str) else None
        if value is not None:
            # Another person's id would answer 404 there: the page checks, not us.
            links.append((f"{label} #{value}", url_for(endpoint, **{key: value})))
    return links


@bp.app_template_global()
def role_name(role: str) -> str:
    """Name who wrote a message."""
    return ROLE_NAMES.get(role, role.capitalize())


@bp.route("/chat")
def index() -> Response:
    """List conversations, newest activity first, or search every message."""
    q = request.args.get("q", "").strip()
    results = listing = None
    if q:
        page = page_number(request.args.get("page"))
        results = search_messages(current_user.id, q, page=page)
    else:
        listing = list_conversations(current_user.id, before=int_arg("before"))
    return render_page_or_fragment(
        "chat/index.html",
        "chat/_results.html",
        q=q,
        results=results,
        listing=listing,
        before=int_arg("before"),
    )


@bp.route("/chat/<conversation_id>")
def show(conversation_id: str) -> Response:
    """Show a transcript: the latest messages, or a window before/after/around."""
    conversation = get_conversation_or_404(conversation_id)
    before, after = int_arg("before"), int_arg("after")
    transcript = conversation_messages(
        current_user.id, conversation_id, before=before, after=after, at=int_arg("at")
    )
    # A fragment adds older messages above the window, or newer ones below;
    # a whole page (no JavaScript) links both ways.
    direction = None
    if is_fragment_request():
        direction = "older" if before else "newer" if after else None
    return render_page_or_fragment(
        "chat/show.html",
        "chat/_messages.html",
        conversation=conversation,
        transcript=transcript,
        direction=direction,
        q=request.args.get("q", "").strip() or None,
    )


@bp.route("/chat/<conversation_id>/export.md", defaults={"fmt": "md"})
@bp.route("/chat/<conversation_id>/export.json", defaults={"fmt": "json"})
def export(conversation_id: str, fmt: str) -> Response:
    """Download a conversation as Markdown or JSON."""
    make = export_markdown if fmt == "md" else export_json
    text = make(current_user.id, conversation_id)
    if text is None:
        abort(404)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", conversation_id)[:64]
    response = Response(text, mimetype=EXPORTS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="conversation-{safe_name}.{fmt}"'
    )
    return response


@bp.route("/chat/<conversation_id>/delete", methods=["POST"])
def delete(conversation_id: str) -> Response:
    """Delete a conversation and all its messages (the page asks first)."""
    conversation = get_conversation_or_404(conversation_id)
    count = delete_conversation(current_user.id, conversation_id)
    flash(
        f"Deleted “{conversation.title}” and its {plural(count, 'message')}.", "success"
    )
    return redirect(url_for("chat.index"), 303)

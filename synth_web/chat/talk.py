"""Talking to Synth: the person's message, the planner's answer, trying again.

Both sides are chat_messages. The answer is an assistant message whose text
says the plan in a sentence and whose metadata carries the Plan (`plan`) and
the message it answers (`reply_to`). Each answer is stored once: its
idempotency key names the message it answers ("reply:<id>") or the card it
tries again ("retry:<id>"), so a second press or a double load finds it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from synth_web.chat.services import in_conversation, read_older
from synth_web.chat.writing import KeyReused, append_message
from synth_web.engine.apps import get_app
from synth_web.extensions import db
from synth_web.models import ChatMessage, User
from synth_web.planner import Plan, plan

# Earlier messages the planner sees: enough for follow-ups on the last draft.
HISTORY = 20
COMPOSER = "composer"
# Enough to keep words as typed inside our sentences (html is off anyway).
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]])")


def new_conversation_id() -> str:
    """Make an id for a new conversation: random, and fine in a URL."""
    return uuid.uuid4().hex


def add_request(user_id: int, conversation_id: str, text: str) -> ChatMessage:
    """Store what the person said from the composer."""
    message, _ = append_message(
        user_id, conversation_id, "user", text, meta={"source": COMPOSER}
    )
    return message


def find_answer(user_id: int, key: str) -> ChatMessage | None:
    """Return the answer already stored under a key, if any."""
    return db.session.scalar(
        select(ChatMessage).where(
            ChatMessage.user_id == user_id, ChatMessage.idempotency_key == key
        )
    )


def is_waiting(message: ChatMessage) -> bool:
    """Tell whether a composer message still waits for Synth's answer."""
    if message.role != "user" or (message.meta or {}).get("source") != COMPOSER:
        return False
    return find_answer(message.user_id, f"reply:{message.id}") is None


def history_before(message: ChatMessage) -> list[dict[str, Any]]:
    """Return the messages before this one, oldest first, as the planner reads them."""
    query = in_conversation(message.user_id, message.conversation_id)
    earlier, _ = read_older(query, (message.created_at, message.id), HISTORY)
    return [
        {"role": m.role, "content": m.content, "metadata": m.meta or {}}
        for m in earlier
    ]


def answer(user: User, request: ChatMessage, key: str) -> ChatMessage:
    """Plan a request and store Synth's answer under a key, once."""
    found = find_answer(user.id, key)
    if found is not None:
        return found
    planned = plan(user, request.content, conversation=history_before(request))
    meta = {"plan": planned.as_dict(), "reply_to": request.id}
    try:
        message, _ = append_message(
            user.id, request.conversation_id, "assistant", say(planned), meta, key
        )
    except KeyReused as reused:  # answered meanwhile, in other words
        return reused.message
    return message


def reply_to(user: User, request: ChatMessage) -> ChatMessage:
    """Answer the person's message, once."""
    return answer(user, request, f"reply:{request.id}")


def try_again(user: User, card: ChatMessage) -> ChatMessage | None:
    """Plan a card's request once more (after connecting an app, say)."""
    request = request_of(card)
    if request is None:
        return None
    return answer(user, request, f"retry:{card.id}")


def request_of(card: ChatMessage) -> ChatMessage | None:
    """Return the person's message a card answers (named, else the one before it)."""
    query = in_conversation(card.user_id, card.conversation_id).where(
        ChatMessage.role == "user"
    )
    named = (card.meta or {}).get("reply_to")
    if isinstance(named, int) and not isinstance(named, bool):
        found = db.session.scalar(query.where(ChatMessage.id == named))
        if found is not None:
            return found
    earlier, _ = read_older(query, (card.created_at, card.id), 1)
    return earlier[0] if earlier else None


def md(text: str) -> str:
    """Escape Markdown, so words from the request are shown as typed."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def app_name(key: str) -> str:
    """Name an app as the catalog does ("slack" → "Slack")."""
    app = get_app(key)
    return app.name if app else key


def say(planned: Plan) -> str:
    """Say a plan in a sentence or two of Markdown; the card shows the rest."""
    workflow = planned.workflow or {}
    name = md(str(workflow.get("name") or "a workflow"))
    if planned.outcome == "workflow":
        return f"Here is a plan: **{name}**. Create it when it looks right."
    if planned.outcome == "needs_connection":
        apps = " and ".join(md(app_name(key)) for key in planned.missing)
        return f"I can set up **{name}** once {apps or 'an app'} is connected."
    if planned.outcome == "unsupported":
        names = ", ".join(md(item) for item in planned.unsupported)
        return f"Synth cannot do that yet. Not available: {names or 'part of it'}."
    return md(planned.question or "Could you say more about what to automate?")

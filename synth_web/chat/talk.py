"""Talking to Synth: the person's message, the planner's answer, trying again.

Both sides are chat_messages. The answer is an assistant message whose text
says the plan in a sentence and whose metadata carries the Plan (`plan`) and
the message it answers (`reply_to`). Each answer is stored once: its
idempotency key names the message it answers ("reply:<id>") or the card it
tries again ("retry:<id>"), so a second press or a double load finds it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from synth_web.chat.services import in_conversation, read_older
from synth_web.chat.writing import KeyReused, append_message
from synth_web.extensions import db
from synth_web.models import ChatMessage, User
from synth_web.planner import conversation_for, learn, plan, reply_text

# Earlier messages the planner sees: enough for follow-ups on the last draft.
HISTORY = 20
COMPOSER = "composer"


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


def answer(user: User, request: ChatMessage, key: str) -> ChatMessage:
    """Plan a request and store Synth's answer under a key, once."""
    found = find_answer(user.id, key)
    if found is not None:
        return found
    earlier = conversation_for(
        user.id, request.conversation_id, HISTORY, before=request
    )
    planned = plan(user, request.content, conversation=earlier)
    meta = {"plan": planned.as_dict(), "reply_to": request.id}
    text = reply_text(planned, brief=True)
    try:
        message, _ = append_message(
            user.id, request.conversation_id, "assistant", text, meta, key
        )
    except KeyReused as reused:  # answered meanwhile, in other words
        return reused.message
    # Preferences the person stated ("my alerts go to #ops") are kept for next time.
    learn(user, planned)
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

"""Download a conversation as Markdown (to read) or JSON (to process)."""

from __future__ import annotations

import json
from typing import Any

from synth_web.chat.services import all_messages, get_conversation
from synth_web.models import ChatMessage, utcnow

ROLE_NAMES = {"user": "User", "assistant": "Synth", "system": "System"}


def stamp(message: ChatMessage) -> str:
    """Format a message time in UTC, unambiguous wherever the file is read."""
    return message.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def export_markdown(user_id: int, conversation_id: str) -> str | None:
    """Write a conversation as Markdown, or None if it is not the person's."""
    conversation = get_conversation(user_id, conversation_id)
    if conversation is None:
        return None
    messages = all_messages(user_id, conversation_id)
    lines = [
        f"# {conversation.title}",
        "",
        f"- Conversation: `{conversation_id}`",
        f"- Messages: {conversation.message_count}",
        f"- From {stamp(messages[0])} to {stamp(messages[-1])}",
        f"- Exported: {utcnow():%Y-%m-%d %H:%M:%S} UTC",
    ]
    for message in messages:
        role = ROLE_NAMES.get(message.role, message.role)
        lines += ["", "---", "", f"**{role}** · {stamp(message)}", "", message.content]
        if message.meta:
            meta = json.dumps(message.meta, sort_keys=True, ensure_ascii=False)
            lines += ["", f"Metadata: `{meta}`"]
    return "\n".join(lines) + "\n"


def export_json(user_id: int, conversation_id: str) -> str | None:
    """Write a conversation as JSON, or None if it is not the person's."""
    conversation = get_conversation(user_id, conversation_id)
    if conversation is None:
        return None
    data: dict[str, Any] = {
        "conversation_id": conversation_id,
        "title": conversation.title,
        "message_count": conversation.message_count,
        "exported_at": utcnow().isoformat(),
        "messages": [
            {
                "id": message.id,
                "role": message.role,
                "content": message.content,
                "created_at": message.created_at.isoformat(),
                "metadata": message.meta or {},
            }
            for message in all_messages(user_id, conversation_id)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

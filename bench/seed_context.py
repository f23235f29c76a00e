"""Bulk-seed one person's memory and chat history for benchmarks (PostgreSQL).

Rows go in with COPY, so 100,000 of each take seconds, not minutes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text

from synth_web.auth.services import create_user
from synth_web.extensions import db
from synth_web.models import CONTEXT_TYPES, User, utcnow

APPS = [
    "Slack", "Gmail", "Notion", "GitHub", "Stripe", "Shopify", "Jira", "Trello",
    "HubSpot", "Airtable", "Dropbox", "Zendesk", "Linear", "Asana", "Salesforce",
]  # fmt: skip
TOPICS = [
    "invoices", "orders", "deploys", "backups", "signups", "refunds",
    "support tickets", "payroll", "inventory", "newsletters", "leads",
    "uptime checks", "expenses", "releases", "meetings", "reviews",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
TEMPLATES = {
    "preference": [
        "Prefers {app} over {app2} for anything about {topic}.",
        "Wants {topic} summaries as bullet points, sent on {day}s.",
        "No {topic} notifications before {hour}:00, please.",
    ],
    "reasoning": [
        "Chose a webhook trigger for {topic} because {app} can push events; "
        "polling would waste quota.",
        "Retries the {app} step {n} times: it sometimes rate-limits during peaks.",
    ],
    "pattern": [
        "Most {topic} workflows end with a {app} step.",
        "Looks at {topic} every {day} morning, usually around {hour}:00.",
    ],
    "user_behavior": [
        "Opens failed {topic} runs within {n} minutes of the alert.",
        "Turns {topic} workflows off rather than deleting them.",
    ],
}
USER_LINES = [
    "Can you send me the {topic} from {app} every {day}?",
    "Why did the {topic} workflow fail last night?",
    "Post new {topic} to {app} when they come in.",
    "Make the {topic} digest shorter, and skip weekends.",
    "Move the {topic} alerts from {app} to {app2}.",
]
ASSISTANT_LINES = [
    "Done: the {topic} workflow now posts to {app}.",
    "The {app} step failed with a timeout; I retried it {n} times.",
    "I created a schedule for {topic}: every {day} at {hour}:00.",
    "Noted: {topic} go to {app2} from now on.",
    "Here is what I found about {topic}: {n} runs, all green except one.",
]


def words(rng: random.Random) -> dict[str, Any]:
    """Pick the words one generated sentence is made of."""
    app, app2 = rng.sample(APPS, 2)
    return {
        "app": app,
        "app2": app2,
        "topic": rng.choice(TOPICS),
        "day": rng.choice(DAYS),
        "hour": rng.randint(6, 20),
        "n": rng.randint(2, 90),
    }


def memory_content(kind: str, rng: random.Random) -> str:
    """Invent one memory entry: a sentence, or JSON for workflow decisions."""
    w = words(rng)
    if kind == "workflow_decision" or rng.random() < 0.1:
        return json.dumps(
            {"workflow": f"{w['topic'].capitalize()} to {w['app']}", "kind": kind,
             "threshold": w["n"], "ref": rng.randint(1, 99999)}
        )  # fmt: skip
    return rng.choice(TEMPLATES[kind]).format(**w) + f" (ref {rng.randint(1, 99999)})"


def memory_rows(
    user_id: int, count: int, now: datetime, rng: random.Random
) -> Iterator[tuple]:
    """Yield memory rows spread over two years, a quarter of them never used."""
    for _ in range(count):
        kind = rng.choice(CONTEXT_TYPES)
        created = now - timedelta(seconds=rng.randint(60, 730 * 86400))
        accessed = None
        if rng.random() < 0.75:
            accessed = created + (now - created) * rng.random()
        yield (
            user_id, kind, memory_content(kind, rng), round(rng.random(), 3),
            created, accessed, json.dumps({"source": "bench"}),
        )  # fmt: skip


def chat_rows(
    user_id: int, messages: int, conversations: int, now: datetime, rng: random.Random
) -> Iterator[tuple]:
    """Yield conversations of alternating user and assistant turns, a year long."""
    per = messages // conversations
    for number in range(conversations):
        conversation_id = f"bench-{number:05d}-{rng.getrandbits(32):08x}"
        clock = now - timedelta(seconds=rng.randint(3600, 400 * 86400))
        for turn in range(per):
            w = words(rng)
            meta: dict[str, Any] = {}
            if turn == 0 and number % 10 == 0:
                role, content = "system", "You are Synth. Turn requests into workflows."
            elif turn % 2 == 0:
                role, content = "user", rng.choice(USER_LINES).format(**w)
            else:
                role, content = "assistant", rng.choice(ASSISTANT_LINES).format(**w)
                if rng.random() < 0.25:
                    meta["workflow_id"] = rng.randint(1, 50)
                if rng.random() < 0.1:
                    meta["execution_id"] = rng.randint(1, 5000)
            clock += timedelta(seconds=rng.randint(5, 90))
            yield (
                user_id, role, content, clock, conversation_id, json.dumps(meta)
            )  # fmt: skip


def copy_rows(table: str, columns: str, rows: Iterator[tuple]) -> int:
    """COPY rows into a table over the session's own connection."""
    connection = db.session.connection().connection.driver_connection
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def seed(
    email: str,
    password: str,
    memories: int,
    messages: int,
    conversations: int,
    random_seed: int = 42,
) -> int:
    """Replace the bench account with a fresh one full of rows; return its id."""
    rng = random.Random(random_seed)  # made-up data, not security
    db.session.execute(delete(User).where(User.email == email))
    user = create_user("Bench Person", email, password, commit=False)
    now = utcnow()
    copy_rows(
        "memory",
        "user_id, context_type, content, relevance_score, created_at, "
        "last_accessed_at, metadata",
        memory_rows(user.id, memories, now, rng),
    )
    copy_rows(
        "chat_messages",
        "user_id, role, content, created_at, conversation_id, metadata",
        chat_rows(user.id, messages, conversations, now, rng),
    )
    db.session.commit()
    for table in ("users", "memory", "chat_messages"):
        db.session.execute(text(f"ANALYZE {table}"))  # noqa: S608
    db.session.commit()
    return db.session.scalar(select(User.id).where(User.email == email))

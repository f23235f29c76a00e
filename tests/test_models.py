"""The six tables: constraints, cascades, UTC timestamps and JSON updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from synth_web.extensions import db
from synth_web.models import (
    ChatMessage,
    Connection,
    Execution,
    Memory,
    User,
    Workflow,
)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def owner(ctx, user):
    return db.session.get(User, user.id)


def add_workflow(owner: User, **fields) -> Workflow:
    workflow = Workflow(
        user_id=owner.id,
        name="W",
        trigger={"type": "manual"},
        actions=[{"id": "a", "type": "core.log"}],
        **fields,
    )
    db.session.add(workflow)
    db.session.commit()
    return workflow


def test_table_names(ctx):
    names = set(inspect(db.engine).get_table_names())
    assert {
        "users",
        "workflows",
        "executions",
        "connections",
        "memory",
        "chat_messages",
    } <= names


def test_metadata_column_is_named_metadata(ctx):
    for table in (
        "users",
        "workflows",
        "executions",
        "connections",
        "memory",
        "chat_messages",
    ):
        columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
        assert "metadata" in columns, table


def test_dialect_specific_storage(ctx, engine_kind):
    if engine_kind == "postgresql":
        kinds = db.session.execute(
            text(
                "SELECT data_type FROM information_schema.columns WHERE table_name = "
                "'executions' AND column_name IN ('results', 'metadata', 'created_at')"
            )
        ).scalars()
        assert sorted(kinds) == ["jsonb", "jsonb", "timestamp with time zone"]
    else:
        # Without these pragmas cascades do nothing and writers hit "locked".
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(ctx):
    db.session.add(Workflow(user_id=9999, name="orphan", trigger={}, actions=[]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_deleting_a_user_cascades(owner):
    workflow = add_workflow(owner)
    db.session.add_all(
        [
            Execution(workflow_id=workflow.id, user_id=owner.id),
            Connection(user_id=owner.id, app_name="slack", connection_type="bot_token"),
            Memory(user_id=owner.id, context_type="pattern", content="c"),
            ChatMessage(
                user_id=owner.id, role="user", content="m", conversation_id="1"
            ),
        ]
    )
    db.session.commit()
    db.session.delete(owner)
    db.session.commit()
    for model in (Workflow, Execution, Connection, Memory, ChatMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_deleting_a_workflow_deletes_its_executions(owner):
    workflow = add_workflow(owner)
    db.session.add(Execution(workflow_id=workflow.id, user_id=owner.id))
    db.session.commit()
    db.session.delete(workflow)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Execution)) == 0


def test_email_is_unique(owner):
    db.session.add(User(email=owner.email, name="Dup", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_dedupe_key_is_unique_but_nullable(owner):
    workflow = add_workflow(owner)
    for _ in range(2):
        db.session.add(Execution(workflow_id=workflow.id, user_id=owner.id))
    db.session.commit()
    key = f"schedule:{workflow.id}:2026-11-26T09:00:00+00:00"
    db.session.add(Execution(workflow_id=workflow.id, user_id=owner.id, dedupe_key=key))
    db.session.commit()
    db.session.add(Execution(workflow_id=workflow.id, user_id=owner.id, dedupe_key=key))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_connection_per_app_per_user(owner):
    for _ in range(2):
        db.session.add(
            Connection(user_id=owner.id, app_name="slack", connection_type="bot_token")
        )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    "row",
    [
        lambda uid, wid: Workflow(
            user_id=uid, name="x", status="paused", trigger={}, actions=[]
        ),
        lambda uid, wid: Execution(workflow_id=wid, user_id=uid, status="done"),
        lambda uid, wid: Connection(
            user_id=uid, app_name="a", connection_type="x", status="on"
        ),
        lambda uid, wid: Memory(
            user_id=uid, context_type="p", content="c", relevance_score=1.5
        ),
        lambda uid, wid: ChatMessage(
            user_id=uid, role="robot", content="c", conversation_id="1"
        ),
    ],
)
def test_check_constraints_refuse_bad_values(owner, row):
    workflow = add_workflow(owner)
    db.session.add(row(owner.id, workflow.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_timestamps_come_back_as_aware_utc(owner):
    paris = timezone(timedelta(hours=1))
    workflow = add_workflow(owner)
    execution = Execution(
        workflow_id=workflow.id,
        user_id=owner.id,
        started_at=datetime(2026, 3, 1, 10, 0, tzinfo=paris),
        finished_at=datetime(2026, 3, 1, 9, 30),  # naive: taken as UTC
    )
    db.session.add(execution)
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Execution, execution.id)
    assert saved.started_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert saved.started_at.tzinfo is not None
    assert saved.started_at.utcoffset() == timedelta(0)
    assert saved.finished_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert saved.duration_ms == 30 * 60 * 1000
    assert saved.created_at.tzinfo is not None


def test_timestamps_sort_in_time_order(owner):
    workflow = add_workflow(owner)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in (5, 1, 3):
        db.session.add(
            Execution(
                workflow_id=workflow.id,
                user_id=owner.id,
                created_at=base + timedelta(hours=hours),
            )
        )
    db.session.commit()
    ordered = db.session.scalars(
        select(Execution.created_at).order_by(Execution.created_at)
    ).all()
    assert ordered == sorted(ordered)


def test_json_in_place_edit_needs_flag_modified(owner):
    """Runs append step records: the write path must mark the column changed."""
    workflow = add_workflow(owner)
    execution = Execution(workflow_id=workflow.id, user_id=owner.id, results=[])
    db.session.add(execution)
    db.session.commit()

    execution.results.append({"id": "lost"})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Execution, execution.id).results == []

    execution = db.session.get(Execution, execution.id)
    execution.results.append({"id": "kept", "output": {"nested": [1, 2]}})
    flag_modified(execution, "results")
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Execution, execution.id)
    assert saved.results == [{"id": "kept", "output": {"nested": [1, 2]}}]


def test_memory_content_json_detection(owner):
    text_entry = Memory(user_id=owner.id, context_type="preference", content="Hello")
    json_entry = Memory(user_id=owner.id, context_type="pattern", content='{"a": 1}')
    broken = Memory(user_id=owner.id, context_type="pattern", content="{not json")
    assert text_entry.content_json is None
    assert json_entry.content_json == {"a": 1}
    assert broken.content_json is None


def test_webhook_tokens_are_random_and_unique(owner):
    first, second = add_workflow(owner), add_workflow(owner)
    assert first.webhook_token and second.webhook_token
    assert first.webhook_token != second.webhook_token
    assert len(first.webhook_token) >= 32

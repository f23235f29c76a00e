"""The workflow list: search, filters, sort and pages, all from the URL."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONPATH
from sqlalchemy.orm import load_only
from werkzeug.datastructures import MultiDict

from synth_web.engine.apps import get_app
from synth_web.engine.checks import connection_statuses
from synth_web.extensions import db
from synth_web.inputs import page_number
from synth_web.models import Execution, Workflow

PER_PAGE = 25
STATUSES = ("active", "inactive")
APP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SORTS = {
    "updated": ("Recently updated", (Workflow.updated_at.desc(), Workflow.id.desc())),
    "name": ("Name, A to Z", (func.lower(Workflow.name), Workflow.id)),
    "created": ("Newest first", (Workflow.created_at.desc(), Workflow.id.desc())),
    "oldest": ("Oldest first", (Workflow.created_at, Workflow.id)),
}


@dataclass(frozen=True)
class Filters:
    """What the person asked the list for; defaults are left out of the URL."""

    q: str = ""
    status: str = ""
    app: str = ""
    sort: str = "updated"
    page: int = 1

    def query(self, **changes: Any) -> dict[str, Any]:
        """Return the URL arguments for these filters with some changed."""
        values = asdict(replace(self, **changes))
        defaults = asdict(Filters())
        return {key: value for key, value in values.items() if value != defaults[key]}

    @property
    def active(self) -> bool:
        """Tell whether anything narrows the list."""
        return bool(self.q or self.status or self.app)


@dataclass
class LastRun:
    """The latest run of a workflow, as the list shows it."""

    id: int
    status: str
    created_at: datetime
    filtered: bool


@dataclass
class Page:
    """One page of workflows with their last runs."""

    filters: Filters
    workflows: list[Workflow]
    total: int
    last_runs: dict[int, LastRun] = field(default_factory=dict)
    # Workflow id → why a connection blocks it ("Slack is off"), not healthy.
    blocked: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Return how many pages there are (at least one)."""
        return max(1, math.ceil(self.total / PER_PAGE))

    @property
    def first_index(self) -> int:
        """Return the position of the first workflow on this page, from 1."""
        return (self.filters.page - 1) * PER_PAGE + 1 if self.total else 0


def parse_filters(args: MultiDict[str, str]) -> Filters:
    """Read filters from the URL, ignoring values that make no sense."""
    status = args.get("status", "")
    app = args.get("app", "").strip().lower()
    sort = args.get("sort", "updated")
    page = args.get("page", "1")
    return Filters(
        q=" ".join(args.get("q", "").split())[:200],
        status=status if status in STATUSES else "",
        app=app if APP_KEY.match(app) else "",
        sort=sort if sort in SORTS else "updated",
        page=page_number(page),
    )


def uses_app(app_key: str) -> ColumnElement[bool]:
    """Match workflows with a step of this app, with each database's JSON tools."""
    prefix = f"{app_key}."
    if db.session.get_bind().dialect.name == "postgresql":
        return func.jsonb_path_exists(
            Workflow.actions,
            cast(literal("$[*] ? (@.type starts with $prefix)"), JSONPATH),
            func.jsonb_build_object("prefix", prefix),
        )
    steps = func.json_each(Workflow.actions).table_valued("value", "type")
    # A draft's steps may be any JSON, and json_extract fails on a bare string:
    # only objects are read.
    objects = case((steps.c.type == "object", steps.c.value))
    step_type = func.json_extract(objects, "$.type")
    return exists(
        select(1)
        .select_from(steps)
        .where(func.substr(step_type, 1, len(prefix)) == prefix)
    )


def steps_mention(words: str) -> ColumnElement[bool]:
    """Match workflows whose steps hold the words in a text: a type, channel, URL…"""
    if db.session.get_bind().dialect.name == "postgresql":
        texts = func.jsonb_path_query(
            Workflow.actions,
            cast(literal('strict $.** ? (@.type() == "string")'), JSONPATH),
        ).column_valued("text")
        return exists(
            select(1).where(cast(texts, Text).icontains(words, autoescape=True))
        )
    # json_tree walks every value of the steps; only texts ("text" atoms) count,
    # so JSON's own keys ("with", "type") never match.
    tree = func.json_tree(Workflow.actions).table_valued("value", "type")
    return exists(
        select(1)
        .select_from(tree)
        .where(tree.c.type == "text", tree.c.value.icontains(words, autoescape=True))
    )


def filtered(user_id: int, filters: Filters) -> Select[Any]:
    """Select the person's workflows that match the filters."""
    query = select(Workflow).where(Workflow.user_id == user_id)
    if filters.q:
        query = query.where(
            or_(
                Workflow.name.icontains(filters.q, autoescape=True),
                Workflow.intent.icontains(filters.q, autoescape=True),
                steps_mention(filters.q),
            )
        )
    if filters.status:
        query = query.where(Workflow.status == filters.status)
    if filters.app:
        query = query.where(uses_app(filters.app))
    return query


def list_workflows(user_id: int, filters: Filters) -> Page:
    """Return one page of the person's workflows, with the last run of each."""
    query = filtered(user_id, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    if filters.page > pages:
        filters = replace(filters, page=pages)
    rows = db.session.scalars(
        query.options(
            load_only(
                Workflow.user_id,
                Workflow.name,
                Workflow.intent,
                Workflow.actions,
                Workflow.status,
                Workflow.trigger_type,
                Workflow.updated_at,
            )
        )
        .order_by(*SORTS[filters.sort][1])
        .limit(PER_PAGE)
        .offset((filters.page - 1) * PER_PAGE)
    )
    workflows = list(rows)
    runs = last_runs([w.id for w in workflows])
    return Page(filters, workflows, total, runs, blocked_by_connections(workflows))


def blocked_by_connections(workflows: list[Workflow]) -> dict[int, str]:
    """Say, per workflow, which connection that is off or missing blocks it."""
    if not workflows:
        return {}
    statuses = connection_statuses(workflows[0].user_id)
    blocked = {}
    for workflow in workflows:
        for key in workflow.apps_used:
            app = get_app(key)
            if app is None or not app.needs_connection:
                continue
            status = statuses.get(key)
            if status != "active":
                why = "is off" if status else "is not connected"
                blocked[workflow.id] = f"{app.name} {why}"
                break
    return blocked


def last_runs(workflow_ids: list[int]) -> dict[int, LastRun]:
    """Return the latest run of each workflow in one query, newest by created_at."""
    if not workflow_ids:
        return {}
    latest = (
        select(Execution.id)
        .where(Execution.workflow_id == Workflow.id)
        .order_by(Execution.created_at.desc(), Execution.id.desc())
        .limit(1)
        .correlate(Workflow)
        .scalar_subquery()
    )
    wanted = select(latest).where(Workflow.id.in_(workflow_ids))
    rows = db.session.execute(
        select(
            Execution.workflow_id,
            Execution.id,
            Execution.status,
            Execution.created_at,
            Execution.meta["filtered"].as_boolean(),
        ).where(Execution.id.in_(wanted))
    )
    return {row[0]: LastRun(row[1], row[2], row[3], bool(row[4])) for row in rows}

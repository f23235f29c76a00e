"""The step builder: a workflow as a trigger card and step cards, not JSON.

Its state lives in the form (state.py), its buttons change that state (ops.py),
and every render shows the problems of the one validation beside the step and
field they belong to (problems.py, view.py, trigger_view.py). Only Save stores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from synth_web.workflows.builder.data_menu import Group
from synth_web.workflows.builder.problems import Placed
from synth_web.workflows.builder.state import BuilderState
from synth_web.workflows.builder.trigger_view import (
    CatalogApp,
    TriggerView,
    catalog_view,
    trigger_view,
)
from synth_web.workflows.builder.view import StepView, focus_id, step_views


@dataclass
class BuilderView:
    """Everything the builder's template shows."""

    trigger: TriggerView
    steps: list[StepView]
    catalog: list[CatalogApp]
    steps_problems: list[str]
    notice: str
    removed: str
    focus: str
    # For each step: the groups of fields its "Insert data" menus offer.
    data: list[list[Group]] = field(default_factory=list)


def build_view(
    state: BuilderState,
    placed: Placed,
    connections: dict[str, str],
    hook_url: str | None,
) -> BuilderView:
    """Prepare the builder's cards, each problem beside what it is about."""
    steps = step_views(state, placed.steps, connections)
    return BuilderView(
        trigger=trigger_view(state, placed.trigger, hook_url),
        steps=steps,
        catalog=catalog_view(connections),
        steps_problems=placed.steps_top,
        notice=state.notice,
        removed=json.dumps(state.removed) if state.removed else "",
        focus=focus_id(state, steps),
    )

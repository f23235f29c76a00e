"""Templates are bounded in time, work and size; passing a bound says which one."""

from __future__ import annotations

import threading
import time

import pytest

from synth_web.engine import inserts, runs
from synth_web.engine.runner import run_execution
from synth_web.engine.sandbox import Budget
from synth_web.engine.templating import (
    TemplateCancelled,
    TemplateError,
    render_value,
)
from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from tests.conftest import add_workflow

BOMB = "{% for i in range(100000) %}{% for j in range(2500) %}{% endfor %}{% endfor %}"
CAP_WORDS = "larger than 1,000,000 characters"


def render(source: str, **budget: object) -> object:
    """Render one value with a budget; return the result."""
    return render_value({"v": source}, {"trigger": {}, "steps": {}}, Budget(**budget))


def refusal(source: str, **budget: object) -> str:
    """Render one value and return why it was refused."""
    with pytest.raises(TemplateError) as caught:
        render(source, **budget)
    return str(caught.value)


# Every operator, method and filter whose result grows with an argument.
GROWING = {
    "zfill": "{{ 'a'.zfill(400000000) | length }}",
    "ljust": "{{ 'a'.ljust(100000000) }}",
    "rjust": "{{ 'a'.rjust(100000000) }}",
    "center method": "{{ 'a'.center(100000000) }}",
    "center filter": "{{ 'a' | center(100000000) }}",
    "expandtabs": "{{ ('\t' * 1000).expandtabs(100000) }}",
    "times": "{{ 'a' * 100000000 }}",
    "times list": "{{ [1, 2] * 100000000 }}",
    "power": "{{ 10 ** 100000000 }}",
    "repeated squaring": (
        "{% set ns = namespace(x=7) %}{% for i in range(40) %}"
        "{% set ns.x = ns.x * ns.x %}{% endfor %}"
    ),
    "format method": "{{ '{:>100000000}'.format(1) }}",
    "format fields": "{{ ('{0}' * 100000).format('x' * 100000) }}",
    "format_map": "{{ '{a:>100000000}'.format_map({'a': 1}) }}",
    "percent": "{{ '%0100000000d' % 1 }}",
    "format filter": "{{ '%0100000000d' | format(1) }}",
    "replace filter": "{{ ('a' * 100000) | replace('a', 'b' * 100000) }}",
    "replace method": "{{ ('a' * 100000).replace('a', 'b' * 100000) }}",
    "join filter": "{{ range(100000) | join('x' * 100000) }}",
    "join method": "{{ ('x' * 100000).join(['a'] * 1000) }}",
    "indent": "{{ ('\n' * 100000) | indent(100000, true, true) }}",
    "wordwrap": "{{ ('a ' * 100000) | wordwrap(1, wrapstring='x' * 10000) }}",
    "translate": "{{ ('a' * 100000).translate({97: 'b' * 100000}) }}",
    "batch": "{{ [1] | batch(100000000, 'x') | list | length }}",
    "slice": "{{ [1] | slice(100000000) | list | length }}",
    "concat doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
    ),
    "plus doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}"
    ),
    "shared list": "{% set a = 'x' * 100000 %}{% set b = [a,a,a,a,a,a,a,a,a,a,a] %}",
    "text in a buffer": (
        "{% for i in range(1000) %}{% set x %}{% for j in range(1000) %}"
        "{{ 'y' * 1000 }}{% endfor %}{% endset %}{% endfor %}"
    ),
    "literal text in a loop": "{% for i in range(100000) %}"
    + "x" * 100
    + "{% endfor %}",  # noqa: E501
}


@pytest.mark.parametrize("source", GROWING.values(), ids=GROWING.keys())
def test_growing_results_are_refused_before_they_are_built(source):
    began = time.monotonic()
    message = refusal(source)
    assert CAP_WORDS in message or "digits" in message
    assert time.monotonic() - began < 2


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ range(10 ** 9) | length }}", "range() may make at most 100,000"),
        ("{{ lipsum(1000000) }}", "lipsum makes at most 100 paragraphs"),
        ("{{ [[1]] * 10 | sum(start=[]) }}", "`sum` adds up numbers only"),
        (
            "{% set ns = namespace(s=[]) %}{% for i in range(1000) %}"
            "{% set ns.s = [ns.s] %}{% endfor %}",
            "nested deeper than 64 levels",
        ),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "calls itself"),
    ],
)
def test_other_bounds_say_which(source, words):
    assert words in refusal(source)


def test_work_budget_stops_the_bomb_and_says_so():
    began = time.monotonic()
    message = refusal(BOMB, seconds=30)
    assert "more than 1,000,000 steps of work" in message
    assert time.monotonic() - began < 5


def test_deadline_stops_a_render_at_the_step_timeout():
    began = time.monotonic()
    message = refusal(BOMB, seconds=0.3, work=10**12)
    assert message == "the template took longer than the step's timeout of 0.3 s"
    assert time.monotonic() - began < 2


def test_a_cancelled_run_stops_rendering():
    with pytest.raises(TemplateCancelled):
        render(BOMB, seconds=30, work=10**12, is_cancelled=lambda: True)


def test_ordinary_templates_still_render():
    source = (
        "{{ [1, 2, 3] | join(',') }} {{ 'x'.zfill(5) }} {{ 2 ** 10 }} "
        "{% for i in range(3) %}{{ i }}{% endfor %} {{ '%05d' % 7 }} "
        "{{ '{:>4}'.format('a') }} {{ 'ab' * 2 }} {{ 'a b' | replace(' ', '-') }}"
    )
    assert render(source) == {"v": "1,2,3 0000x 1024 012 00007    a abab a-b"}
    assert render("{{ [1] * 3 }}") == {"v": [1, 1, 1]}


def test_values_of_a_step_share_the_output_cap():
    half = "{{ 'a'.zfill(600000) }}"
    with pytest.raises(TemplateError) as caught:
        render_value({"a": half, "b": half}, {}, Budget())
    assert "the rendered values" in str(caught.value)


# ---------- Through the runner, on both databases ----------


def run_one(app, user, action, trigger=None):
    """Run a one-step workflow to its end and return the execution."""
    workflow_id = add_workflow(app, user, [action])
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        execution, _ = inserts.enqueue(workflow, "manual", trigger or {})
        run_execution(execution.id, worker="test")
        db.session.expire_all()
        return db.session.get(Execution, execution.id)


def set_step(value, timeout=5):
    return {
        "id": "bomb",
        "type": "core.set",
        "with": {"values": {"big": value}},
        "timeout_seconds": timeout,
    }


def test_the_reported_bomb_fails_in_seconds(app, user):
    began = time.monotonic()
    execution = run_one(app, user, set_step(BOMB))
    assert time.monotonic() - began < 5
    assert execution.status == "failure"
    assert "more than 1,000,000 steps of work" in execution.error_log


@pytest.mark.parametrize("app_config", [{"SYNTH_TEMPLATE_MAX_WORK": 10**12}])
def test_a_bomb_stops_at_the_step_timeout(app, user):
    began = time.monotonic()
    execution = run_one(app, user, set_step(BOMB, timeout=1))
    assert time.monotonic() - began < 4
    assert execution.status == "failure"
    assert "took longer than the step's timeout of 1 s" in execution.error_log


def test_zfill_bomb_fails_with_the_reason(app, user):
    execution = run_one(app, user, set_step("{{ 'a'.zfill(400000000) | length }}"))
    assert execution.status == "failure"
    assert "`zfill` would be larger than 1,000,000 characters" in execution.error_log


def test_a_single_expression_cannot_pass_the_output_cap(app, user):
    execution = run_one(app, user, set_step("{{ 'a'.zfill(20000000) }}"))
    assert execution.status == "failure"
    assert CAP_WORDS in execution.error_log
    with app.app_context():
        size = len(str(db.session.get(Execution, execution.id).results))
    assert size < 10_000


def test_a_step_record_over_its_cap_is_not_kept(app, user):
    value = "{{ 'a'.zfill(900000) }}"
    action = {"id": "twice", "type": "core.log", "with": {"message": value}}
    # The log step keeps its message in input, output and logs: 2.7 MB in all.
    execution = run_one(app, user, action)
    assert execution.status == "failure"
    assert "its record (input and output) would be larger" in execution.error_log
    assert execution.results[0]["output"] is None


@pytest.mark.parametrize("app_config", [{"SYNTH_TEMPLATE_MAX_WORK": 10**12}])
def test_cancel_stops_a_rendering_run(app, user):
    workflow_id = add_workflow(app, user, [set_step(BOMB, timeout=60)])
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        execution_id = inserts.enqueue(workflow, "manual", {})[0].id
    outcome = {}

    def worker():
        with app.app_context():
            outcome["status"] = run_execution(execution_id)
            db.session.remove()

    thread = threading.Thread(target=worker)
    thread.start()
    with app.app_context():
        deadline = time.monotonic() + 10
        while runs.current_status(execution_id) != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        began = time.monotonic()
        assert runs.cancel(db.session.get(Execution, execution_id), by="Ada")
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - began < 3
    assert outcome["status"] == "cancelled"
    with app.app_context():
        execution = db.session.get(Execution, execution_id)
        assert execution.results[0]["status"] == "cancelled"

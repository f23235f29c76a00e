"""Data mapping: step values are Jinja templates rendered in a sandbox.

A value that is exactly one expression (`{{ steps.order.output.total }}`) keeps its
native type; anything else renders to a string. Missing references are errors that
name the reference, never silent empty strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import UndefinedError
from jinja2.utils import missing

from synth_web.engine import sandbox
from synth_web.engine.sandbox import BoundedEnvironment, Budget, OutOfBudget
from synth_web.engine.sizes import MAX_OUTPUT, TooBig

ROOT_NAMES = frozenset({"trigger", "steps", "workflow", "execution", "now"})
SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*?)\}\}\s*$", re.DOTALL)
MAX_TEMPLATE_OUTPUT = MAX_OUTPUT


class TemplateError(ValueError):
    """A template could not be parsed or rendered; the message says why."""


class TemplateCancelled(TemplateError):
    """The run was cancelled while its step's values were rendering."""


# Where each container of the render context lives, e.g. "steps.order.output", so a
# missing key can be named in full.
_PATHS: ContextVar[dict[int, str] | None] = ContextVar("template_paths", default=None)


class NamedUndefined(StrictUndefined):
    """Fail with the full dotted name of what is missing and what exists."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        raise UndefinedError(
            describe_missing(self._undefined_obj, self._undefined_name)
        )


# Jinja binds __str__, __iter__, __add__ … to the base class's failure method when
# the class is made; point them at ours so every use of a missing value names it.
for _name in dir(StrictUndefined):
    if getattr(StrictUndefined, _name) is Undefined._fail_with_undefined_error:
        setattr(NamedUndefined, _name, NamedUndefined._fail_with_undefined_error)


def describe_missing(owner: Any, name: Any) -> str:
    """Say which reference is missing, e.g. `steps.order.output.totl`."""
    if owner is missing:
        return f"`{name}` is not defined (use trigger, steps, workflow, execution, now)"
    base = (_PATHS.get() or {}).get(id(owner))
    where = f"`{base}.{name}`" if base else f"`{name}`"
    if isinstance(owner, dict):
        keys = ", ".join(sorted(map(str, owner))[:12]) or "nothing"
        return f"{where} does not exist ({base or 'it'} has: {keys})"
    if isinstance(owner, list):
        return f"{where} does not exist ({base or 'it'} is a list of {len(owner)})"
    return f"{where} does not exist ({base or 'it'} is {type(owner).__name__})"


def index_paths(context: dict[str, Any], limit: int = 5000) -> dict[int, str]:
    """Map id(container) to its dotted path in the context, breadth first."""
    paths: dict[int, str] = {}
    queue = [(value, key) for key, value in context.items()]
    while queue and len(paths) < limit:
        value, path = queue.pop(0)
        if isinstance(value, dict):
            paths[id(value)] = path
            queue.extend((item, f"{path}.{key}") for key, item in value.items())
        elif isinstance(value, list):
            paths[id(value)] = path
            queue.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return paths


class Environment(BoundedEnvironment):
    """The sandbox every template of a workflow is parsed and rendered in."""

    def __init__(self) -> None:
        super().__init__(undefined=NamedUndefined, autoescape=False)
        self.filters["json"] = _to_json


def _to_json(value: Any) -> str:
    import json

    return json.dumps(value, default=str)


ENV = Environment()


def is_template(value: Any) -> bool:
    """Tell whether a value is a string containing template syntax."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def parse(source: str) -> nodes.Template:
    """Parse a template, raising TemplateError with the line on a syntax error."""
    try:
        return ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc


@lru_cache(maxsize=4096)
def template_names(source: str) -> tuple[frozenset[str], frozenset[str]]:
    """Parse once and return (root names, step ids) a template reads."""
    tree = parse(source)
    return frozenset(root_names(tree)), frozenset(step_references(tree))


def step_references(tree: nodes.Template) -> set[str]:
    """Return the step ids a template reads through `steps.<id>` or `steps['id']`."""
    found = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if isinstance(target, nodes.Name) and target.name == "steps":
            if isinstance(node, nodes.Getattr):
                found.add(node.attr)
            elif isinstance(node.arg, nodes.Const):
                found.add(str(node.arg.value))
    return found


def root_names(tree: nodes.Template) -> set[str]:
    """Return the top-level names a template reads."""
    from jinja2 import meta

    return meta.find_undeclared_variables(tree)


def walk_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Yield (path, string) for every string inside a JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_strings(item, f"{path}[{index}]")


def render_value(
    value: Any, context: dict[str, Any], budget: Budget | None = None
) -> Any:
    """Render every template inside a JSON value against the run's context.

    All of them share one budget (the step's timeout, its work, its cancel check);
    the result as a whole must fit the output cap too.
    """
    token = _PATHS.set(index_paths(context))
    budget_token = sandbox.set_budget(budget or Budget())
    try:
        rendered = _render(value, context)
        _check_size(rendered, "the rendered values")
        return rendered
    finally:
        sandbox.reset_budget(budget_token)
        _PATHS.reset(token)


def _check_size(value: Any, what: str) -> None:
    try:
        sandbox.budget().meter.size(value)
    except TooBig as exc:
        raise TemplateError(f"{what}: {exc}") from exc


def _render(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, context) for item in value]
    if not is_template(value):
        return value
    return render_string(value, context)


@lru_cache(maxsize=4096)
def compiled(source: str) -> tuple[bool, Any]:
    """Compile a template once: (True, expression) for a lone expression."""
    match = SINGLE_EXPRESSION.match(source)
    if match and "{{" not in match.group("expr") and "{%" not in source:
        expression = ENV.compile_expression(
            match.group("expr").strip(), undefined_to_none=False
        )
        return True, expression
    return False, ENV.from_string(source)


def render_string(source: str, context: dict[str, Any]) -> Any:
    """Render one template; a lone expression keeps its native type."""
    try:
        is_expression, template = compiled(source)
        if is_expression:
            result = template(**context)
            if isinstance(result, StrictUndefined):
                result._fail_with_undefined_error()
            return sandbox.checked(result)
        text = template.render(**context)
    except sandbox.RenderCancelled as exc:
        raise TemplateCancelled(str(exc)) from exc
    except (OutOfBudget, TooBig) as exc:
        raise TemplateError(str(exc)) from exc
    except RecursionError as exc:
        raise TemplateError("the template calls itself too deeply") from exc
    except UndefinedError as exc:
        raise TemplateError(str(exc)) from exc
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc
    except Exception as exc:  # noqa: BLE001 - any template failure is the step's error
        raise TemplateError(f"{type(exc).__name__}: {exc}") from exc
    if len(text) > MAX_TEMPLATE_OUTPUT:
        raise TemplateError("the rendered text is larger than 1 MB")
    return text

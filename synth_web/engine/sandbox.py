"""The Jinja sandbox templates render in, bounded in time, work and size.

A render gets a `Budget`: a deadline (the step's timeout), a number of work units
(loop turns, calls, attribute reads, filters, operators) and a way to learn that
the run was cancelled. Every hook below charges it; every few hundred units it
looks at the clock and, at most twice a second, at the run's status. Values are
measured as they are made (`sizes.Meter`), and operations that grow with an
argument are refused before they build anything. A bound that is passed raises
`OutOfBudget`, whose message says which bound, in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment

from synth_web.engine import filters_bounded
from synth_web.engine.sizes import (
    MAX_INT_BITS,
    MAX_OUTPUT,
    Meter,
    TooBig,
    check_binop,
    check_call,
    too_big,
    too_long_number,
)

MAX_WORK = 1_000_000  # loop turns, calls, reads and filters in one step's render
MAX_RANGE = 100_000  # items of one range(), as Jinja's own sandbox allows
CHECK_EVERY = 256  # units of work between two looks at the clock
CANCEL_CHECK_SECONDS = 0.5


class OutOfBudget(Exception):
    """A render passed one of its bounds; the message says which, in words."""


class RenderCancelled(OutOfBudget):
    """The run was cancelled (or ended) while a template was rendering."""


@dataclass
class Budget:
    """What one render may still spend, and how it learns of a cancel."""

    seconds: float = 60.0
    work: int = MAX_WORK
    is_cancelled: Callable[[], bool] = lambda: False
    deadline: float = 0.0
    left: int = 0
    emitted: int = 0
    meter: Meter = field(init=False)
    _next_check: int = 0
    _next_cancel_check: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.left = self.work
        self._next_check = self.left - CHECK_EVERY
        self._next_cancel_check = time.monotonic() + CANCEL_CHECK_SECONDS
        self.meter = Meter(self.charge)

    def charge(self, units: int = 1) -> None:
        """Spend units of work; look at the clock and the run every so often."""
        self.left -= units
        if self.left > self._next_check:
            return
        if self.left < 0:
            raise OutOfBudget(
                f"the template did more than {self.work:,} steps of work "
                "(loop turns, calls and filters)"
            )
        self._next_check = self.left - CHECK_EVERY
        # Hand the GIL over: a render is pure Python, and without this, every
        # request thread of the process waits a whole switch interval (5 ms)
        # each time it comes back from a database read.
        time.sleep(0)
        now = time.monotonic()
        if now > self.deadline:
            raise OutOfBudget(
                f"the template took longer than the step's timeout of "
                f"{self.seconds:g} s"
            )
        if now > self._next_cancel_check:
            self._next_cancel_check = now + CANCEL_CHECK_SECONDS
            if self.is_cancelled():
                raise RenderCancelled("the run was cancelled while rendering")

    def emit(self, text_length: int) -> None:
        """Count text a template writes, in any buffer: all of it is bounded."""
        self.emitted += text_length
        self.charge(1 + text_length // 4096)
        if self.emitted > MAX_OUTPUT:
            raise too_big("the text the template writes")


_BUDGET: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def budget() -> Budget:
    """Return the current render's budget (a fresh one outside a render)."""
    return _BUDGET.get() or Budget()


def set_budget(value: Budget) -> Any:
    """Make `value` the budget of renders in this context; return the reset token."""
    return _BUDGET.set(value)


def reset_budget(token: Any) -> None:
    """Put back the budget that was current before `set_budget`."""
    _BUDGET.reset(token)


def checked(value: Any) -> Any:
    """Measure a value the template made; refuse one over a bound."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise too_long_number()
        return value
    if isinstance(value, str | list | tuple | dict):
        budget().meter.size(value)
    return value


def counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """Iterate a loop, charging one unit a turn."""
    charge = budget().charge
    for item in iterable:
        charge()
        yield item


def bounded_range(*args: int) -> range:
    """range(), refusing more than MAX_RANGE items."""
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise TooBig(f"range() may make at most {MAX_RANGE:,} numbers")
    return values


class BoundedCodeGenerator(CodeGenerator):
    """Compile templates so that text, joins and literals pass the hooks."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """Join `a ~ b` through the environment, which measures it."""
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        """Count literal text as it is written, like any other output."""
        return f"environment.emit({super()._output_const_repr(group)})"

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        """Measure list literals: `[x, x, x]` of a big x is big."""
        self.write("environment.checked(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        """Measure dict literals."""
        self.write("environment.checked(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        """Measure tuple literals (not tuples one assigns to)."""
        if node.ctx != "load":
            super().visit_Tuple(node, frame)
            return
        self.write("environment.checked(")
        super().visit_Tuple(node, frame)
        self.write(")")


LOOP_FILTER = "counted_loop"


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with every hook charging and measuring."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%", "-", "/", "//"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self._finalize, **options)
        self.globals["range"] = bounded_range
        self.globals["lipsum"] = filters_bounded.lipsum
        self.filters.update(filters_bounded.overrides())
        self.filters = {name: _charging(f) for name, f in self.filters.items()}
        self.filters[LOOP_FILTER] = counted

    def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
        """Parse, then route every loop through `counted` (one unit a turn)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(
                loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.lineno
            )
        return tree

    @staticmethod
    def checked(value: Any) -> Any:
        """Measure a value the template made."""
        return checked(value)

    @staticmethod
    def emit(text: str) -> str:
        """Count literal text written to the output or a buffer."""
        budget().emit(len(text))
        return text

    @staticmethod
    def _finalize(value: Any) -> Any:
        """Count a value written with `{{ … }}` before it becomes text."""
        current = budget()
        size = len(value) if isinstance(value, str) else current.meter.size(value)
        current.emit(size)
        return value

    @staticmethod
    def concat(parts: tuple[Any, ...]) -> str:
        """Join `a ~ b ~ c`, refusing a result over the cap before making it."""
        current = budget()
        current.charge()
        texts = []
        total = 0
        for part in parts:
            if not isinstance(part, str):
                current.meter.size(part)
                part = str(part)
            total += len(part)
            if total > MAX_OUTPUT:
                raise too_big("the joined text")
            texts.append(part)
        return "".join(texts)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Call something from a template: charge, check growth, measure."""
        current = budget()
        current.charge()
        target = getattr(__obj, "__wrapped__", __obj)
        check_call(target, args, kwargs, current.meter)
        return checked(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Read an attribute, charging one unit."""
        budget().charge()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Read an item, charging one unit."""
        budget().charge()
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Apply an operator, refusing a result over the cap before making it."""
        current = budget()
        current.charge()
        check_binop(operator, left, right, current.meter)
        return checked(super().call_binop(context, operator, left, right))

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        """Apply `-x` or `+x`, charging one unit."""
        budget().charge()
        return super().call_unop(context, operator, arg)


def _charging(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so that each use charges the budget and its result is measured."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        budget().charge()
        return checked(function(*args, **kwargs))

    return wrapper

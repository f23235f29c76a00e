"""What a step's code can see and do while it runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synth_web.engine.netguard import Policy

# How long checking a connection (Slack auth.test, an SMTP login) may take.
CHECK_TIMEOUT = 15.0


def countdown(seconds: float) -> Callable[[], float]:
    """Return a function telling the seconds left of a budget started now."""
    end = time.monotonic() + seconds
    return lambda: max(0.1, end - time.monotonic())


class StepFailed(Exception):
    """A step failed in a way the person should read; retried if `retryable`."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class StopRun(Exception):
    """End the run early as a success (a filter said no)."""


class RunCancelled(Exception):
    """The run was cancelled while this step was waiting."""


@dataclass
class StepContext:
    """The environment one step runs in."""

    execution_id: int
    user_id: int
    step_id: str
    timeout: float
    policy: Policy
    settings: dict[str, Any]
    # Returns True once the run has been cancelled.
    is_cancelled: Callable[[], bool] = lambda: False
    # Returns a connected app's fields (secrets included) for the step's code.
    connection: Callable[[str], dict[str, str]] = lambda app: {}
    logs: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Return the seconds left before the step's timeout."""
        return max(0.1, self.timeout - (time.monotonic() - self.started))

    def log(self, message: str) -> None:
        """Keep a line for the step's record."""
        self.logs.append(message)

    def sleep(self, seconds: float) -> None:
        """Wait, waking early (with RunCancelled) when the run is cancelled."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.is_cancelled():
                raise RunCancelled()
            time.sleep(min(left, 0.25))

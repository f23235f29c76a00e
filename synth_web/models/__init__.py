"""The six tables of Synth, the API's tokens, browser sessions and where workflows
came from, and workflow samples, one module each."""

from synth_web.models.api_token import TOKEN_SCOPES, ApiToken
from synth_web.models.chat import CHAT_ROLES, ChatMessage, WorkflowOrigin
from synth_web.models.connection import CONNECTION_STATUSES, Connection
from synth_web.models.execution import (
    EXECUTION_STATUSES,
    FINISHED_STATUSES,
    Execution,
)
from synth_web.models.memory import CONTEXT_TYPES, Memory
from synth_web.models.sample import SAMPLE_SOURCES, WorkflowSample
from synth_web.models.session import UserSession
from synth_web.models.types import JSONType, UTCDateTime, detached, utcnow
from synth_web.models.user import User
from synth_web.models.workflow import WORKFLOW_STATUSES, Workflow

__all__ = [
    "ApiToken",
    "TOKEN_SCOPES",
    "CHAT_ROLES",
    "CONNECTION_STATUSES",
    "CONTEXT_TYPES",
    "EXECUTION_STATUSES",
    "FINISHED_STATUSES",
    "ChatMessage",
    "Connection",
    "Execution",
    "JSONType",
    "Memory",
    "UTCDateTime",
    "WORKFLOW_STATUSES",
    "User",
    "UserSession",
    "SAMPLE_SOURCES",
    "Workflow",
    "WorkflowOrigin",
    "WorkflowSample",
    "detached",
    "utcnow",
]

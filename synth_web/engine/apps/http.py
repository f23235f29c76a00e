"""HTTP requests to any public URL."""

from __future__ import annotations

from synth_web.engine.actions_http import run_request
from synth_web.engine.apps.base import Action, App, actions, string

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

APP = App(
    key="http",
    name="HTTP",
    description="Call any web API over HTTPS or HTTP.",
    icon="⇄",
    actions=actions(
        Action(
            name="request",
            run=run_request,
            description="Send an HTTP request and keep the response.",
            key_params=("method", "url"),
            schema={
                "type": "object",
                "required": ["url"],
                "additionalProperties": False,
                "properties": {
                    "method": {"enum": METHODS},
                    "url": string(
                        "The address to call.",
                        pattern=r"^https?://\S+$",
                        errorMessage="Must start with http:// or https://.",
                    ),
                    "headers": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                    "query": {
                        "type": "object",
                        "additionalProperties": {
                            "type": ["string", "number", "boolean"]
                        },
                    },
                    "json": {"description": "A JSON body."},
                    "body": string("A raw body."),
                    "timeout_seconds": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 120,
                    },
                    "expected_status": {
                        "oneOf": [
                            {"type": "integer", "minimum": 100, "maximum": 599},
                            {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "integer",
                                    "minimum": 100,
                                    "maximum": 599,
                                },
                            },
                        ]
                    },
                },
                "not": {"required": ["json", "body"]},
                "errorMessage": "Send either `json` or `body`, not both.",
            },
        ),
    ),
)

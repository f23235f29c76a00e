"""Talk to Synth from a script, through its API only.

Usage:
    SYNTH_TOKEN=synth_pat_… .venv/bin/python scripts/api_demo.py [--base-url URL]

Makes a token first on /account/tokens (scopes read and write). The script
creates a workflow, runs it, reads the run, holds a short conversation,
stores a memory entry, reads the context back and reports a run executed
elsewhere; everything it makes shows on the dashboard pages at once. It
prints what it did, one line per step, and the ids it made as JSON last.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from typing import Any

import requests

WORKFLOW = {
    "name": "Greet from a script",
    "intent": "Say hello in the log when a script asks.",
    "trigger": {"type": "manual"},
    "actions": [
        {"id": "greet", "type": "core.set", "with": {"values": {"who": "script"}}},
        {
            "id": "log",
            "type": "core.log",
            "with": {"message": "Hello from {{ steps.greet.output.who }}"},
        },
    ],
}


class Synth:
    """A tiny client: JSON in and out, problems raised with their details."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; return the JSON answer or raise with the problem."""
        response = self.session.request(method, self.base + path, timeout=10, **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None


def wait_for(synth: Synth, execution_id: int, seconds: float = 15) -> dict:
    """Poll a run until it finishes."""
    deadline = time.monotonic() + seconds
    while True:
        run = synth.call("GET", f"/executions/{execution_id}")
        if run["status"] in ("success", "failure", "cancelled"):
            return run
        if time.monotonic() > deadline:
            raise SystemExit(f"run {execution_id} still {run['status']}")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the demo and return the ids it made."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--token", default=os.environ.get("SYNTH_TOKEN", ""))
    args = parser.parse_args(argv)
    if not args.token:
        raise SystemExit("Set SYNTH_TOKEN (make one on /account/tokens) or --token.")
    synth = Synth(args.base_url, args.token)

    workflow = synth.call("POST", "/workflows", json=WORKFLOW)
    print(f"created workflow {workflow['id']}: {workflow['name']}")
    queued = synth.call("POST", f"/workflows/{workflow['id']}/run")
    run = wait_for(synth, queued["id"])
    steps = ", ".join(f"{s['id']} {s['status']}" for s in run["results"])
    print(f"run {run['id']} ended {run['status']} ({steps})")

    conversation = f"script-{uuid.uuid4().hex[:12]}"
    for role, content in (
        ("user", "Please greet me whenever I run my script."),
        ("assistant", f"Done: workflow {workflow['id']} says hello when you run it."),
    ):
        synth.call(
            "POST",
            f"/conversations/{conversation}/messages",
            json={"role": role, "content": content},
            headers={"Idempotency-Key": f"{conversation}-{role}"},
        )
    print(f"wrote 2 messages to conversation {conversation}")

    memory = synth.call(
        "POST",
        "/memory",
        json={
            "context_type": "preference",
            "content": "Likes a greeting when a script runs.",
            "relevance_score": 0.8,
            "metadata": {"conversation_id": conversation},
        },
    )
    context = synth.call(
        "GET", "/context", params={"conversation_id": conversation, "limit": 10}
    )
    print(
        f"stored memory {memory['id']}; context has {len(context['messages'])} "
        f"messages and {len(context['memory'])} memory entries"
    )

    external = synth.call(
        "POST",
        f"/workflows/{workflow['id']}/executions",
        json={"status": "running", "engine": "script"},
    )
    external = synth.call(
        "PATCH",
        f"/executions/{external['id']}",
        json={
            "status": "success",
            "results": [
                {"id": "greet", "type": "core.set", "status": "success", "output": {}}
            ],
        },
    )
    print(f"reported run {external['id']} executed elsewhere: {external['status']}")
    made = {
        "workflow_id": workflow["id"],
        "execution_id": run["id"],
        "external_execution_id": external["id"],
        "conversation_id": conversation,
        "memory_id": memory["id"],
    }
    print(json.dumps(made))
    return made


if __name__ == "__main__":
    main(sys.argv[1:])

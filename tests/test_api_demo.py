"""A script that uses only the API makes things the pages show at once."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from tests.api_support import make_token

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "api_demo.py"


def stat(page: str, label: str) -> str:
    """Read the figure of a dashboard card."""
    found = re.search(
        rf'{re.escape(label)}</span>\s*<span class="stat-value">([^<]*)<', page
    )
    assert found, label
    return found.group(1)


def load_demo():
    spec = importlib.util.spec_from_file_location("api_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_script_over_http_then_the_pages(app, live_server, signed_in, user):
    token = make_token(app, user, name="demo script")
    made = load_demo().main(["--base-url", live_server, "--token", token])

    dashboard = signed_in.get("/dashboard").text
    # One workflow; two runs (one run here, one reported by the "engine");
    # one memory entry; one conversation.
    assert "of 1 workflow<" in dashboard
    assert stat(dashboard, "Runs · 24 h") == "2"
    assert stat(dashboard, "Memory entries") == "1"
    assert stat(dashboard, "Conversations") == "1"
    workflow = signed_in.get(f"/workflows/{made['workflow_id']}").text
    assert "Greet from a script" in workflow
    assert f"/executions/{made['execution_id']}" in workflow

    log = signed_in.get("/executions").text
    assert f"/executions/{made['execution_id']}" in log
    assert f"/executions/{made['external_execution_id']}" in log
    run = signed_in.get(f"/executions/{made['execution_id']}").text
    assert "Hello from script" in run

    chat = signed_in.get("/chat").text
    assert "Please greet me whenever I run my script." in chat
    transcript = signed_in.get(f"/chat/{made['conversation_id']}").text
    assert f"workflow {made['workflow_id']} says hello" in transcript

    memory = signed_in.get("/memory").text
    assert "Likes a greeting when a script runs." in memory

    tokens = signed_in.get("/account/tokens").text
    assert "demo script" in tokens
    assert "never" not in tokens.split("demo script", 1)[1].split("</tr>", 1)[0]

"""Render every page at laptop and phone widths, light and dark, into screenshots/.

Usage: .venv/bin/python scripts/screenshots.py [--only NAME ...]

Starts Synth on a throw-away SQLite database with the demo account, signs in
with headless Chromium and saves one PNG per page, width and theme.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synth_web import create_app  # noqa: E402
from synth_web.extensions import db  # noqa: E402

OUT = ROOT / "screenshots"
EMAIL, PASSWORD = "demo@example.com", "demo-password-123"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
THEMES = ("light", "dark")
ANONYMOUS = {"login": "/login", "register": "/register"}
# A second account with nothing in it: the dashboard's first steps.
NEW_EMAIL = "new@example.com"
NEW_ACCOUNT = {
    "dashboard-empty": "/dashboard",
    "chat-needs-connection": "/chat/needs-slack",
}


def submit_bad_json(page) -> None:
    """Break the actions JSON of a starter and submit, to show the errors."""
    page.get_by_role("button", name="JSON").click()
    page.get_by_label("Actions").fill('[\n  {"id": "ping", "type": "core.log",}\n]')
    page.get_by_role("button", name="Save workflow").click()


NEW_TOKEN = "Planning assistant"
APPS: list = []  # the served app, for actions that tidy the database


def forget_new_tokens(page) -> None:
    """Drop tokens the previous pictures made, so every picture is the same."""
    from sqlalchemy import delete

    from synth_web.models import ApiToken

    with APPS[0].app_context():
        db.session.execute(delete(ApiToken).where(ApiToken.name == NEW_TOKEN))
        db.session.commit()
    page.reload()


def make_token(page) -> None:
    """Make a token through the form, so the page shows it once."""
    forget_new_tokens(page)
    page.get_by_label("Name").fill(NEW_TOKEN)
    page.get_by_label("Write", exact=False).check()
    page.get_by_role("button", name="Make token").click()
    page.wait_for_selector("#new-token")


def seed_tokens(app) -> None:
    """Give the demo account a used token and a revoked one."""
    from datetime import timedelta

    from synth_web.auth.services import find_user_by_email
    from synth_web.models import utcnow
    from synth_web.tokens.services import create_token

    with app.app_context():
        user = find_user_by_email(EMAIL)
        used = create_token(user.id, "n8n", ["read", "write"]).token
        used.last_used_at = utcnow() - timedelta(hours=2)
        old = create_token(user.id, "Nightly report script", ["read"]).token
        old.created_at = utcnow() - timedelta(days=40)
        old.revoked_at = utcnow() - timedelta(days=3)
        db.session.commit()


# Conversations with Synth, planned by the real planner (seed_chat): every kind
# of card, one created workflow, and (on the new account) a missing connection.
CHAT_SEEDS = {
    EMAIL: {
        "plan-cards": [
            "Every weekday at 8:15, post 'Stand-up in 5 minutes!' to #dev on Slack",
            "also add every new webhook lead to Trello",
            "and on the last friday of each month log 'pay day'",
        ],
        "plan-created": ["every hour log 'tick'"],
    },
    NEW_EMAIL: {"needs-slack": ["every day at 9 post 'Stand-up!' to #team on Slack"]},
}


def seed_chat(app) -> None:
    """Talk to Synth as the demo and new accounts would, through the services."""
    from synth_web.auth.services import find_user_by_email
    from synth_web.chat.drafts import create_from_card
    from synth_web.chat.talk import add_request, reply_to

    with app.app_context():
        for email, conversations in CHAT_SEEDS.items():
            user = find_user_by_email(email)
            if user is None:  # the budgets test has only the demo account
                continue
            for conversation_id, requests in conversations.items():
                for text in requests:
                    answer = reply_to(user, add_request(user.id, conversation_id, text))
                if conversation_id == "plan-created":
                    create_from_card(answer, switch_on=True)


def submit_empty_message(page) -> None:
    """Send the composer empty, to show its message."""
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("#composer-error")


# A page is a URL, or (URL, action) when something must happen before the picture.
# Demo workflows are ids 1-12 in the order of synth_web/demo/workflows.json.
PAGES = {
    "dashboard": "/dashboard",
    "account": "/account",
    "executions": "/executions",
    "executions-filtered": "/executions?status=failure&trigger=schedule",
    # The demo has Slack (verified), Gmail (last check failed), GitHub (off,
    # outside the catalog) and Notion (failed): every state on one page.
    "connections": "/connections",
    "connect-slack": "/connections/new?app=slack",
    "connect-gmail": "/connections/new?app=gmail",
    "connection-delete": "/connections/1/delete",
    "memory": "/memory",
    "memory-search": "/memory?q=slack&sort=accessed",
    "chat": "/chat",
    "chat-search": "/chat?q=slack",
    "chat-composer-errors": ("/chat", submit_empty_message),
    "chat-cards": "/chat/plan-cards",
    "chat-created": "/chat/plan-created",
    "not-found": "/no-such-page",
    "workflows": "/workflows",
    "workflows-empty-search": "/workflows?q=nothing+like+this",
    "workflow-webhook": "/workflows/1",
    "workflow-schedule": "/workflows/2",
    "workflow-problems": "/workflows/13",
    "workflow-edit-problems": "/workflows/13/edit",
    "workflow-new-starter": "/workflows/new?starter=webhook_slack",
    # The step builder: blank, a webhook with a filter and Slack, a schedule,
    # and the same workflow on the JSON tab.
    "builder-new": "/workflows/new",
    "builder-webhook": "/workflows/1/edit",
    "builder-schedule": "/workflows/2/edit",
    "builder-json": "/workflows/1/edit?view=json",
    "workflow-new-bad-json": ("/workflows/new?starter=schedule_http", submit_bad_json),
    "workflow-delete": "/workflows/1/delete",
    "workflow-import": "/workflows/import",
    "tokens": ("/account/tokens", forget_new_tokens),
    "tokens-created": ("/account/tokens", make_token),
}


def run_pages(app) -> dict[str, str]:
    """Find demo runs worth a look (failed, queued, running, filtered)."""
    from sqlalchemy import select

    from synth_web.models import Execution

    picks = {
        "run-failed": Execution.status == "failure",
        "run-queued": Execution.status == "queued",
        "run-running": Execution.status == "running",
        "run-filtered": Execution.meta["filtered"].as_boolean(),
    }
    pages = {}
    with app.app_context():
        for name, where in picks.items():
            found = db.session.scalar(
                select(Execution.id).where(where).order_by(Execution.id).limit(1)
            )
            if found:
                pages[name] = f"/executions/{found}"
    return pages


def context_pages(app) -> dict[str, str]:
    """Find a demo memory entry to edit and a conversation to read."""
    from sqlalchemy import func, select

    from synth_web.models import ChatMessage, Memory

    with app.app_context():
        memory = db.session.scalar(select(func.min(Memory.id)))
        conversation = db.session.scalar(
            select(ChatMessage.conversation_id).order_by(ChatMessage.id).limit(1)
        )
    return {
        "memory-edit": f"/memory/{memory}/edit",
        "chat-transcript": f"/chat/{conversation}",
    }


def serve(instance: Path) -> str:
    """Start the app with demo data on a free port and return its URL."""
    # No background loop: the demo's queued and running runs must stay that way.
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "screens",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 's.db'}",
            "RATELIMIT_ENABLED": False,
            "SYNTH_BACKGROUND": "0",
        }
    )
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["synth", "demo", "--email", EMAIL, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["synth", "create-user", "--email", NEW_EMAIL, "--name", "Sam"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    seed_tokens(app)
    seed_chat(app)
    APPS.append(app)
    PAGES.update(run_pages(app))
    PAGES.update(context_pages(app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def shoot(browser, base: str, pages: dict[str, str], email: str | None) -> None:
    """Save a screenshot of each page in every size and theme, signed in or not."""
    for size, (width, height) in SIZES.items():
        for theme in THEMES:
            context = browser.new_context(
                base_url=base,
                color_scheme=theme,
                viewport={"width": width, "height": height},
            )
            page = context.new_page()
            if email:
                page.goto("/login")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/dashboard")
            for name, target in pages.items():
                url, action = target if isinstance(target, tuple) else (target, None)
                page.goto(url)
                if action:
                    action(page)
                page.wait_for_load_state("networkidle")
                # Full-page shots start at the top (transcripts open at the end).
                page.evaluate("window.scrollTo(0, 0)")
                path = OUT / f"{name}-{size}-{theme}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path.relative_to(ROOT))
            context.close()


def main() -> None:
    """Parse arguments and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="page names to render")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    pick = (
        (lambda d: {k: v for k, v in d.items() if k in args.only})
        if args.only
        else (lambda d: d)
    )
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        base = serve(Path(tmp))
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        shoot(browser, base, pick(ANONYMOUS), email=None)
        shoot(browser, base, pick(PAGES), email=EMAIL)
        shoot(browser, base, pick(NEW_ACCOUNT), email=NEW_EMAIL)
        browser.close()


if __name__ == "__main__":
    main()

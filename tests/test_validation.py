"""Validation: each rule with a failing and a passing case."""

from __future__ import annotations

import copy

import pytest

from synth_web.engine.apps import catalog, find_action
from synth_web.engine.checks import workflow_problems
from synth_web.engine.validation import Problem, validate_definition
from synth_web.extensions import db
from synth_web.models import Connection, Workflow

ACTIVE = {"slack": "active", "gmail": "active"}

GOOD = {
    "name": "Big orders to Slack",
    "intent": "When the shop posts an order over $100, tell #sales.",
    "trigger": {"type": "webhook"},
    "actions": [
        {
            "id": "order",
            "type": "core.set",
            "with": {"values": {"total": "{{ trigger.body.total }}"}},
        },
        {
            "id": "big",
            "type": "core.filter",
            "with": {"condition": "{{ steps.order.output.total | float > 100 }}"},
        },
        {
            "id": "notify",
            "type": "slack.post_message",
            "with": {
                "channel": "#sales",
                "text": "Order ${{ steps.order.output.total }}",
            },
            "retry": {"max_attempts": 3, "backoff_seconds": 2},
            "timeout_seconds": 10,
        },
    ],
}


def problems_of(change=None, connections=ACTIVE):
    definition = copy.deepcopy(GOOD)
    if change:
        change(definition)
    return validate_definition(definition, connections)


def messages(problems: list[Problem]) -> dict[str, str]:
    return {p.path: p.message for p in problems}


def test_good_workflow_has_no_problems():
    assert problems_of() == []


def test_catalog_has_builtins_and_apps():
    apps = catalog()
    assert list(apps)[:2] == ["core", "http"]
    assert set(apps["core"].actions) == {"log", "set", "filter", "delay", "fail"}
    assert set(apps["http"].actions) == {"request"}
    assert apps["slack"].connection_type == "bot_token"
    assert apps["gmail"].connection_type == "smtp"
    assert not apps["core"].needs_connection
    for app in apps.values():
        for action in app.actions.values():
            assert action.description and action.schema["type"] == "object"


def test_find_action():
    app, action = find_action("slack.post_message")
    assert app.name == "Slack" and action.name == "post_message"
    assert find_action("nope.x") == (None, None)


# ---------- Structural ----------


@pytest.mark.parametrize(
    ("change", "path", "text"),
    [
        (lambda d: d.update(name=""), "name", "Must not be empty."),
        (lambda d: d.update(intent=" "), "intent", "Say in one sentence"),
        (lambda d: d.update(actions=[]), "actions", "at least 1 item"),
        (lambda d: d.update(actions=GOOD["actions"][:1] * 51), "actions", "at most 50"),
        (lambda d: d.update(trigger=[]), "trigger", "Must be an object, not a list."),
        (lambda d: d["actions"][0].update(id="Bad Id"), "actions[0].id", "short slugs"),
        (lambda d: d["actions"][1].update(id="order"), "actions[1].id", "Two steps"),
        (
            lambda d: d["actions"][0].update(type="core"),
            "actions[0].type",
            "app.action",
        ),
        (
            lambda d: d["actions"][0].update(extra=1),
            "actions[0]",
            "Unknown field `extra`",
        ),
        (
            lambda d: d["actions"][2]["retry"].update(max_attempts=6),
            "actions[2].retry.max_attempts",
            "at most 5",
        ),
        (
            lambda d: d["actions"][2].update(timeout_seconds=0),
            "actions[2].timeout_seconds",
            "more than 0",
        ),
        (
            lambda d: d["actions"][2]["with"].pop("channel"),
            "actions[2].with",
            "`channel` is required.",
        ),
        (
            lambda d: d["actions"][2]["with"].update(text=5),
            "actions[2].with.text",
            "Must be text, not a whole number.",
        ),
        (
            lambda d: d["actions"][0]["with"].update(values={}),
            "actions[0].with.values",
            "at least one entry",
        ),
    ],
)
def test_structural_problems(change, path, text):
    found = messages(problems_of(change))
    assert path in found, found
    assert text in found[path]
    assert all(p.phase == "structural" for p in problems_of(change) if p.path == path)


def test_definition_size_limit():
    def huge(d):
        d["intent"] = "x" * (300 * 1024)

    found = messages(problems_of(huge))
    assert "limit is 256 KB" in found["definition"]


def test_not_an_object():
    assert validate_definition([1, 2])[0].message == "A workflow must be a JSON object."


@pytest.mark.parametrize(
    ("trigger", "path", "text"),
    [
        ({"type": "sometimes"}, "trigger.type", "`sometimes` is not a trigger type"),
        ({}, "trigger.type", "Choose a trigger type"),
        ({"type": "schedule"}, "trigger", "`cron` is required."),
        ({"type": "webhook", "secret": "x"}, "trigger", "Unknown field `secret`"),
        ({"type": "app_event", "app": "github"}, "trigger", "`event` is required."),
    ],
)
def test_trigger_problems(trigger, path, text):
    found = messages(problems_of(lambda d: d.update(trigger=trigger)))
    assert text in found[path]


@pytest.mark.parametrize(
    "trigger",
    [
        {"type": "manual"},
        {"type": "webhook"},
        {"type": "schedule", "cron": "*/15 * * * *"},
        {"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Europe/Paris"},
        {"type": "app_event", "app": "github", "event": "issues.opened"},
    ],
)
def test_valid_triggers(trigger):
    assert problems_of(lambda d: d.update(trigger=trigger)) == []


def test_templates_stand_in_for_typed_values():
    def templated(d):
        d["actions"].append(
            {
                "id": "wait",
                "type": "core.delay",
                "with": {"seconds": "{{ trigger.body.wait }}"},
            }
        )

    assert problems_of(templated) == []


def test_http_request_schema():
    def http(d, **params):
        d["actions"].append({"id": "call", "type": "http.request", "with": params})

    assert problems_of(lambda d: http(d, url="https://api.example.com/x")) == []
    found = messages(problems_of(lambda d: http(d, url="ftp://example.com")))
    assert found["actions[3].with.url"] == "Must start with http:// or https://."
    found = messages(
        problems_of(lambda d: http(d, url="https://x.io", json={}, body="raw"))
    )
    assert found["actions[3].with"] == "Send either `json` or `body`, not both."
    found = messages(problems_of(lambda d: http(d, url="https://x.io", method="GRAB")))
    assert "use one of: GET, POST" in found["actions[3].with.method"]


def test_delay_is_bounded():
    def delay(d):
        d["actions"].append(
            {"id": "wait", "type": "core.delay", "with": {"seconds": 301}}
        )

    assert "at most 300" in messages(problems_of(delay))["actions[3].with.seconds"]


# ---------- Logical ----------


@pytest.mark.parametrize(
    ("cron", "text"),
    [
        ("0 9 * *", "has 4"),
        ("0 0 9 * * 1", "has 6"),
        ("61 * * * *", "not a valid cron expression"),
        ("@daily", "has 1"),
    ],
)
def test_cron_must_have_five_valid_fields(cron, text):
    found = messages(
        problems_of(lambda d: d.update(trigger={"type": "schedule", "cron": cron}))
    )
    assert text in found["trigger.cron"]
    assert all(
        p.phase == "logical"
        for p in problems_of(
            lambda d: d.update(trigger={"type": "schedule", "cron": cron})
        )
    )


def test_timezone_must_exist():
    found = messages(
        problems_of(
            lambda d: d.update(
                trigger={
                    "type": "schedule",
                    "cron": "0 9 * * *",
                    "timezone": "Mars/Base",
                }
            )
        )
    )
    assert "`Mars/Base` is not a time zone" in found["trigger.timezone"]


def test_template_syntax_error_has_line():
    def broken(d):
        d["actions"][2]["with"]["text"] = "Hi\n{{ steps.order.output.total "

    found = messages(problems_of(broken))
    assert found["actions[2].with.text"].startswith("Template error on line 2")


def test_template_may_not_use_later_step():
    def later(d):
        d["actions"][0]["with"]["values"]["x"] = "{{ steps.notify.output.ts }}"

    found = messages(problems_of(later))
    assert found["actions[0].with.values.x"] == (
        "This uses step `notify`, which runs later (step 3). A step can only use "
        "the trigger and earlier steps."
    )


def test_template_may_not_use_unknown_step():
    def unknown(d):
        d["actions"][2]["with"]["text"] = "{{ steps['ordr'].output.total }}"

    found = messages(problems_of(unknown))
    assert found["actions[2].with.text"] == (
        "This uses step `ordr`, which does not exist. Did you mean `order`? "
        "Earlier steps: `order`, `big`."
    )


def test_template_may_not_use_itself():
    def itself(d):
        d["actions"][2]["with"]["text"] = "{{ steps.notify.output }}"

    assert (
        "uses its own output" in messages(problems_of(itself))["actions[2].with.text"]
    )


def test_template_may_not_use_unknown_names():
    def unknown(d):
        d["actions"][2]["with"]["text"] = "{{ secrets.token }}"

    assert (
        "uses `secrets`, which does not exist"
        in messages(problems_of(unknown))["actions[2].with.text"]
    )


def test_templates_may_use_all_roots():
    def roots(d):
        d["actions"][2]["with"]["text"] = (
            "{{ trigger.body }} {{ workflow.name }} {{ execution.id }} {{ now }}"
            "{% for s in steps.order.output %}{{ s }}{% endfor %}"
        )

    assert problems_of(roots) == []


# ---------- Capability ----------


def test_unknown_app_lists_supported():
    def notion(d):
        d["actions"][0]["type"] = "notion.query_database"

    found = messages(problems_of(notion))
    assert found["actions[0].type"] == (
        "Unknown app `notion` in `notion.query_database`. "
        "Supported apps: core, http, gmail, slack."
    )
    assert problems_of(notion)[0].phase == "capability"


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (("trigger", {"type": "webhok"}), "trigger.type", "Did you mean `webhook`?"),
        (("type", "slack.post_mesage"), "actions[2].type", "`slack.post_message`?"),
        (("type", "slak.post_message"), "actions[2].type", "`slack.post_message`?"),
    ],
)
def test_near_misses_get_a_suggestion(change, path, words):
    def misspell(d):
        key, value = change
        if key == "trigger":
            d["trigger"] = value
        else:
            d["actions"][2]["type"] = value

    assert words in messages(problems_of(misspell))[path]


def mail_to(to):
    """A one-step workflow that emails `to`."""
    step = {"to": to, "subject": "Hi", "text": "{{ trigger }}"}
    return {
        "name": "Mail",
        "intent": "Mail someone.",
        "trigger": {"type": "manual"},
        "actions": [{"id": "mail", "type": "gmail.send_email", "with": step}],
    }


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("bob", "`bob` is not an email address."),
        (["ada@example.com", "nope"], "`nope` is not an email address."),
        (5, "Must be text or a list, not a whole number."),
    ],
)
def test_email_addresses_are_checked(to, message):
    found = {p.path: p.message for p in validate_definition(mail_to(to))}
    assert found == {"actions[0].with.to": message}


@pytest.mark.parametrize(
    "to",
    [
        "ada@example.com",
        "Ada <ada@example.com>, b@example.org",
        "{{ trigger.body.to }}",
    ],
)
def test_good_addresses_and_templates_pass(to):
    assert validate_definition(mail_to(to)) == []


def test_far_misses_get_no_suggestion():
    def far(d):
        d["trigger"] = {"type": "carrier pigeon"}

    assert "Did you mean" not in messages(problems_of(far))["trigger.type"]


def test_unknown_action_lists_offered():
    def nope(d):
        d["actions"][2]["type"] = "slack.delete_everything"

    assert messages(problems_of(nope))["actions[2].type"] == (
        "Slack has no action `delete_everything`. It offers: post_message."
    )


@pytest.mark.parametrize(
    ("connections", "message"),
    [
        ({}, "Connect Slack to use this step."),
        ({"slack": "inactive"}, "Slack connection is off."),
    ],
)
def test_app_needs_active_connection(connections, message):
    found = messages(problems_of(connections=connections))
    assert found["actions[2].type"] == message


def test_builtins_need_no_connection():
    def only_core(d):
        d["actions"] = d["actions"][:2]

    assert problems_of(only_core, connections={}) == []


def test_problem_field_maps_to_form_field():
    assert Problem("actions[2].with.url", "m", "structural").field == "actions"
    assert Problem("trigger.cron", "m", "logical").field == "trigger"
    assert Problem("name", "m", "structural").field == "name"


# ---------- Against the database ----------


def test_workflow_problems_reads_the_persons_connections(app, user, other_user):
    with app.app_context():
        workflow = Workflow(user_id=user.id, name="x")
        workflow.apply_definition(GOOD)
        db.session.add(workflow)
        db.session.add(
            Connection(
                user_id=other_user.id, app_name="slack", connection_type="bot_token"
            )
        )
        db.session.commit()
        assert messages(workflow_problems(workflow))["actions[2].type"] == (
            "Connect Slack to use this step."
        )
        connection = Connection(
            user_id=user.id,
            app_name="slack",
            connection_type="bot_token",
            status="inactive",
        )
        db.session.add(connection)
        db.session.commit()
        assert messages(workflow_problems(workflow))["actions[2].type"] == (
            "Slack connection is off."
        )
        connection.status = "active"
        db.session.commit()
        assert workflow_problems(workflow) == []
        assert workflow.trigger_type == "webhook"
        assert workflow.apps_used == ["core", "slack"]

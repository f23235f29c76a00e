"""The step builder: state in the form, buttons, problems beside fields, round trips."""

from __future__ import annotations

import copy
import json
import re

import pytest
from werkzeug.datastructures import MultiDict

from synth_web.demo import WORKFLOWS
from synth_web.models import Workflow
from synth_web.workflows.catalog_view import app_events, apps_with_events
from synth_web.workflows.starters import STARTERS, get_starter
from tests.form_scraper import form_fields
from tests.test_validation import GOOD as BIG_ORDERS
from tests.workflow_helpers import LOG, SLACK, add_workflow, count, load

HX = {"HX-Request": "true"}


def post(client, url, html, op, changes=None, drop=(), headers=None):
    """Send the form as the page shows it, with some fields changed, pressing `op`."""
    fields = [(k, v) for k, v in form_fields(html) if k != "op" and k not in drop]
    changes = dict(changes or {})
    sent = [(k, changes.pop(k) if k in changes else v) for k, v in fields]
    sent += list(changes.items())
    return client.post(url, data=MultiDict([*sent, ("op", op)]), headers=headers)


def value_of(html, name):
    """Return the value a field shows."""
    return dict(form_fields(html)).get(name)


def error_beside(html, field_id):
    match = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</ul>', html, re.S)
    assert match, f"no error beside {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1))


# Values no single field can show as they are: they come back all the same.
AWKWARD = {
    **LOG,
    "name": "Awkward values",
    "actions": [
        {"id": "lines", "type": "core.log", "with": {"message": "One\nTwo"}},
        {"id": "crlf", "type": "core.log", "with": {"message": "One\r\nTwo"}},
        {"id": "spaces", "type": "gmail.send_email", "with": {"to": " a@b.c "}},
        {"id": "text", "type": "core.delay", "with": {"seconds": "15"}},
        {"id": "empty", "type": "core.log", "with": {"message": ""}},
        {"id": "nothing", "type": "core.log", "with": {}},
        {"id": "bare", "type": "core.log"},
        {"id": "odd", "type": "core.log", "with": {"message": "x"}, "retry": {}},
        {"id": "set", "type": "core.set", "with": {"values": {"a": "1\n2"}}},
        "not a step",
    ],
}


def definitions():
    """Every starter and every demo workflow, as a person would find them."""
    items = [get_starter(s.key, "Europe/Paris").definition for s in STARTERS]
    keep = ("name", "intent", "trigger", "actions")
    return [*items, *({k: w[k] for k in keep} for w in WORKFLOWS), AWKWARD]


def test_the_builder_is_the_default_editor(signed_in):
    html = signed_in.get("/workflows/new").text
    assert 'name="editor" value="builder"' in html
    assert "When it runs" in html and "+ Add step" in html
    assert 'value="view:json"' in html and 'name="trigger"' not in html
    # Apps that are not connected are offered, with a way to connect them.
    assert 'value="add:slack.post_message"' in html
    assert 'href="/connections/new?app=slack"' in html and "Connect first" in html


@pytest.mark.parametrize("tab", ["builder", "json"])
def test_every_starter_and_demo_workflow_saved_unchanged_is_equal(
    signed_in, app, user, tab
):
    for definition in definitions():
        wid = add_workflow(app, user, definition)
        url = f"/workflows/{wid}/edit"
        html = signed_in.get(url + ("?view=json" if tab == "json" else "")).text
        response = post(signed_in, url, html, "save")
        assert response.status_code == 303, definition["name"]
        assert load(app, wid).definition == definition, definition["name"]


def test_switching_tabs_keeps_the_definition_exactly(signed_in, app, user):
    for definition in definitions():
        wid = add_workflow(app, user, definition)
        url = f"/workflows/{wid}/edit"
        as_json = post(signed_in, url, signed_in.get(url).text, "view:json").text
        assert json.loads(value_of(as_json, "actions")) == definition["actions"]
        back = post(signed_in, url, as_json, "view:builder").text
        post(signed_in, url, back, "save")
        assert load(app, wid).definition == definition, definition["name"]


def test_add_move_duplicate_remove_and_undo(signed_in, app):
    url = "/workflows/new"
    html = signed_in.get(url).text
    html = post(signed_in, url, html, "trigger:webhook", headers=HX).text
    assert html.lstrip().startswith('<div id="workflow-editor">')
    html = post(signed_in, url, html, "add:core.log", headers=HX).text
    html = post(signed_in, url, html, "add:core.delay", headers=HX).text
    assert value_of(html, "s0.type") == "core.log"
    assert value_of(html, "s1.id") == "delay" and 'id="s1-p0"' in html
    assert re.search(r'id="s1-p0"[^>]*autofocus', html)  # the new step's field
    html = post(signed_in, url, html, "up:1", {"s1.num.seconds": "5"}).text
    assert value_of(html, "s0.type") == "core.delay"
    assert value_of(html, "s0.num.seconds") == "5"
    html = post(signed_in, url, html, "dup:0").text
    assert value_of(html, "s1.id") == "delay_2"
    html = post(signed_in, url, html, "remove:0").text
    assert "Step 1 (delay) was removed." in html
    assert value_of(html, "s0.id") == "delay_2"
    html = post(signed_in, url, html, "undo").text
    assert [value_of(html, f"s{i}.id") for i in range(3)] == ["delay", "delay_2", "log"]
    assert count(app, Workflow) == 0  # only Save stores


def test_renaming_a_step_makes_its_references_follow(signed_in, app, user):
    wid = add_workflow(app, user, BIG_ORDERS)
    url = f"/workflows/{wid}/edit"
    html = signed_in.get(url).text
    html = post(signed_in, url, html, "refresh", {"s0.id": "sale"}).text
    condition = "{{ steps.sale.output.total | float > 100 }}"
    assert value_of(html, "s1.str.condition") == condition
    post(signed_in, url, html, "save")
    actions = load(app, wid).actions
    assert actions[2]["with"]["text"] == "Order ${{ steps.sale.output.total }}"


def test_schedule_presets_write_the_cron_and_show_it_in_words(signed_in):
    url = "/workflows/new"
    html = post(signed_in, url, signed_in.get(url).text, "trigger:schedule").text
    assert value_of(html, "t.cron") == "0 9 * * 1-5"
    assert value_of(html, "t.timezone") == "UTC"
    assert "Every weekday at 09:00" in html
    changes = {"t.preset": "weekly", "t.day": "3", "t.at": "08:30"}
    html = post(signed_in, url, html, "preset", changes).text
    assert value_of(html, "t.cron") == "30 8 * * 3"
    assert value_of(html, "t.preset") == "weekly"
    preview = signed_in.post(
        "/workflows/schedule-preview",
        data={"t.cron": "*/15 * * * *", "t.timezone": "Asia/Tokyo"},
    ).text
    assert "Every 15 minutes" in preview and "Asia/Tokyo" in preview
    assert preview.count("<time") == 5
    bad = signed_in.post("/workflows/schedule-preview", data={"t.cron": "0 9 *"})
    assert "5 fields" in bad.text


def test_an_app_event_is_picked_from_the_events_the_catalog_declares(signed_in, app):
    apps = apps_with_events()
    if not apps:
        pytest.skip("no app of the catalog declares events yet")
    relay, event = apps[0], app_events(apps[0])[0]
    url = "/workflows/new"
    html = post(signed_in, url, signed_in.get(url).text, "trigger:app_event").text
    assert f'<option value="{relay.key}">{relay.name}</option>' in html
    html = post(signed_in, url, html, "refresh", {"t.app": relay.key}).text
    assert f'<option value="{event.name}">{event.title}</option>' in html
    post(signed_in, url, html, "save", {"name": "Events", "t.event": event.name})
    trigger = {"type": "app_event", "app": relay.key, "event": event.name}
    assert load(app, 1).trigger == trigger


def test_problems_are_beside_their_step_and_field_with_suggestions(
    signed_in, app, user
):
    definition = copy.deepcopy(BIG_ORDERS)
    definition["trigger"] = {"type": "webhok"}
    definition["actions"][1]["with"]["condition"] = "{{ steps.ordr.output.total > 1 }}"
    definition["actions"][2]["type"] = "slack.post_mesage"
    wid = add_workflow(app, user, definition)
    html = signed_in.get(f"/workflows/{wid}/edit").text
    assert "Did you mean webhook?" in error_beside(html, "trigger-type")
    assert 'value="trigger:webhook">Use Webhook' in html
    assert "Did you mean order?" in error_beside(html, "s1-p0")
    assert "Did you mean slack.post_message?" in error_beside(html, "s2")
    assert 'value="retype:2:slack.post_message"' in html
    # The step's parameters stay, shown as fields of the unknown action.
    assert value_of(html, "s2.str.text") == "Order ${{ steps.order.output.total }}"
    html = post(signed_in, f"/workflows/{wid}/edit", html, "trigger:webhook").text
    assert "webhok" not in html


def test_a_misspelt_parameter_and_a_bad_setting_are_named_beside_them(
    signed_in, app, user
):
    step = {
        "id": "hello",
        "type": "core.log",
        "with": {"message": "Hi", "levle": "info"},
        "timeout_seconds": 999,
    }
    wid = add_workflow(app, user, {**LOG, "actions": [step]})
    html = signed_in.get(f"/workflows/{wid}/edit").text
    assert "Unknown field levle" in error_beside(html, "s0-p2")
    assert value_of(html, "s0.str.levle") == "info"
    assert "at most 300" in error_beside(html, "s0-timeout_seconds")
    assert re.search(r'<details class="bstep-more" id="s0-settings" open', html)


def test_required_fields_are_marked_and_missing_ones_named(signed_in):
    url = "/workflows/new"
    html = post(signed_in, url, signed_in.get(url).text, "add:slack.post_message").text
    assert re.search(r'for="s0-p0">Channel <span class="req"', html)
    assert "is required" in error_beside(html, "s0-p0")
    assert "Connect Slack" in error_beside(html, "s0")


@pytest.mark.parametrize(
    ("changes", "field_id", "words"),
    [
        ({"s0.json.json": '{"a": }'}, "s0-p4", "Not valid JSON on line 1"),
        ({"s0.kv.headers": ""}, "s0-p2", "Give each value a name"),
    ],
)
def test_bad_input_is_named_beside_the_field_and_nothing_is_lost(
    signed_in, app, changes, field_id, words
):
    url = "/workflows/new"
    html = signed_in.get(url).text
    html = post(signed_in, url, html, "add:http.request").text
    fields = form_fields(html)
    assert ("s0.kv.headers", "") in fields  # a blank row to type into
    sent = {"name": "Calls", "s0.str.url": "https://example.com/x", **changes}
    if "s0.kv.headers" in changes:
        sent["s0.kvv.headers"] = "value without a name"
    response = post(signed_in, url, html, "save", sent)
    assert response.status_code == 200
    assert words in error_beside(response.text, field_id)
    assert value_of(response.text, "s0.str.url") == "https://example.com/x"
    shown = form_fields(response.text)
    for name, text in sent.items():
        assert (name, text) in shown, name
    assert count(app, Workflow) == 0


def test_the_json_tab_follows_the_builder_and_back(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    url = f"/workflows/{wid}/edit"
    html = signed_in.get(url).text
    html = post(signed_in, url, html, "view:json", {"s0.str.message": "Hello"}).text
    assert json.loads(value_of(html, "actions"))[0]["with"] == {"message": "Hello"}
    typed = json.dumps([{"id": "bye", "type": "core.log", "with": {"message": "Bye"}}])
    html = post(signed_in, url, html, "view:builder", {"actions": typed}).text
    assert value_of(html, "s0.id") == "bye" and value_of(html, "editor") == "builder"
    broken = post(
        signed_in,
        url,
        signed_in.get(url + "?view=json").text,
        "view:builder",
        {"actions": "[{"},
    )
    assert "Not valid JSON" in broken.text and value_of(broken.text, "actions") == "[{"
    assert load(app, wid).definition == LOG


def test_a_save_from_an_older_page_is_refused_with_both_versions(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    url = f"/workflows/{wid}/edit"
    first_tab = signed_in.get(url).text
    second_tab = signed_in.get(url).text
    post(signed_in, url, second_tab, "save", {"name": "Saved in the second tab"})
    response = post(signed_in, url, first_tab, "save", {"s0.str.message": "Mine"})
    assert response.status_code == 200
    assert "This workflow was changed somewhere else" in response.text
    assert "Saved in the second tab" in response.text  # the saved version is shown
    assert value_of(response.text, "s0.str.message") == "Mine"  # nothing lost
    assert load(app, wid).name == "Saved in the second tab"
    post(signed_in, url, response.text, "overwrite")
    assert load(app, wid).actions[0]["with"]["message"] == "Mine"


def test_save_and_switch_on(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    url = f"/workflows/{wid}/edit"
    response = post(signed_in, url, signed_in.get(url).text, "save_on", headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/workflows/{wid}"
    assert load(app, wid).status == "active"
    slack = add_workflow(app, user, SLACK)
    url = f"/workflows/{slack}/edit"
    response = post(signed_in, url, signed_in.get(url).text, "save_on")
    assert response.headers["Location"] == url
    assert load(app, slack).status == "inactive"
    assert "stays off until they are fixed" in signed_in.get(url).text


def test_the_intent_is_written_from_the_steps_until_someone_writes_one(signed_in, app):
    url = "/workflows/new"
    html = signed_in.get(url).text
    assert value_of(html, "intent") == ""
    html = post(signed_in, url, html, "trigger:webhook").text
    html = post(signed_in, url, html, "add:core.filter", {"name": "Orders"}).text
    changes = {"s0.str.condition": "{{ trigger.body.total > 100 }}"}
    html = post(signed_in, url, html, "add:core.log", changes).text
    # The last phrase is the catalog's title for core.log, whatever it says.
    assert value_of(html, "intent").startswith(
        "When a webhook arrives, if total > 100, "
    )
    post(signed_in, url, html, "save")
    workflow = load(app, 1)
    assert workflow.meta["intent_generated"] is True
    html = signed_in.get("/workflows/1/edit").text
    html = post(
        signed_in, "/workflows/1/edit", html, "refresh", {"intent": "Mine."}
    ).text
    html = post(signed_in, "/workflows/1/edit", html, "add:core.log").text
    assert value_of(html, "intent") == "Mine."


def test_text_that_cannot_be_stored_is_refused_beside_its_field(signed_in, app):
    """NUL in a builder field gets a message beside it; nothing is saved."""
    url = "/workflows/new"
    html = post(signed_in, url, signed_in.get(url).text, "add:core.log").text
    html = post(signed_in, url, html, "refresh", {"name": "Typed"}).text
    response = post(
        signed_in, url, html, "save", {"s0.str.message": "hi\x00", "s0.id": "a\x00b"}
    )
    assert response.status_code == 200
    assert "NUL" in error_beside(response.text, "s0-p0")
    assert "NUL" in error_beside(response.text, "s0-id")
    assert count(app, Workflow) == 0

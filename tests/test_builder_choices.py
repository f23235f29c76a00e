"""Builder fields that offer choices from the person's connection: Slack channels."""

from __future__ import annotations

import pytest

from synth_web.workflows import builder_routes
from tests.workflow_helpers import connect_with_secret

TOKEN = "xoxb-1111-2222-FakeSlackTokenForTests"
LIST = "/api/conversations.list"
URL = "/workflows/choices/slack/channel?list=s0-p0-choices"


@pytest.fixture
def app_config(fake_api):
    return {
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


@pytest.fixture(autouse=True)
def forget_choices():
    builder_routes._CHOICES.clear()
    yield
    builder_routes._CHOICES.clear()


@pytest.fixture
def slack(app, user):
    connect_with_secret(app, user, "slack", {"bot_token": TOKEN})


def test_channels_come_from_conversations_list(signed_in, slack, fake_api):
    channels = [{"name": "sales"}, {"name": "general"}, {"id": "C1"}, "junk"]
    fake_api.route(LIST, body={"ok": True, "channels": channels})
    html = signed_in.get(URL).text
    assert '<datalist id="s0-p0-choices">' in html
    assert html.index('value="#general"') < html.index('value="#sales"')
    assert signed_in.get(URL).status_code == 200
    calls = [r for r in fake_api.requests if r["path"] == LIST]
    assert len(calls) == 1  # kept for a minute
    assert calls[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_without_a_connection_the_field_says_how_to_get_choices(signed_in):
    html = signed_in.get(URL).text
    assert "Connect Slack to choose from a list" in html
    assert "<option" not in html


def test_a_slack_error_is_said_and_typing_still_works(signed_in, slack, fake_api):
    fake_api.route(
        LIST, body={"ok": False, "error": "missing_scope", "needed": "channels:read"}
    )
    html = signed_in.get(URL).text
    assert "Slack did not list them" in html and "channels:read" in html


@pytest.mark.parametrize(
    "url",
    [
        "/workflows/choices/slack/text?list=a",
        "/workflows/choices/nope/channel?list=a",
        "/workflows/choices/slack/channel?list=<script>",
    ],
)
def test_unknown_choices_are_404(signed_in, url):
    assert signed_in.get(url).status_code == 404

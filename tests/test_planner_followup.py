"""Follow-ups change the conversation's last draft instead of starting over."""

from __future__ import annotations

import pytest

from synth_web.planner import PlanContext, plan_for

PERSON = PlanContext(
    "ada@example.com", "Europe/Paris", {"slack": "active", "gmail": "active"}
)
STANDUP = "every weekday at 9 post 'Stand-up!' to #dev"
HEALTH = (
    "every 5 minutes check https://api.example.com/health and alert #ops if it is down"
)
ORDERS = "when a webhook arrives, post the order id to #sales"


def conversation(first: str) -> list[dict]:
    """A conversation whose last answer is the draft for `first`."""
    answer = plan_for(first, PERSON)
    assert answer.workflow is not None
    return [
        {"role": "user", "content": first},
        {
            "role": "assistant",
            "content": "A draft.",
            "metadata": {"plan": answer.as_dict()},
        },
    ]


def follow(first: str, then: str):
    return plan_for(then, PERSON, conversation(first))


def steps(answer) -> list[tuple[str, dict]]:
    return [(s["type"], s["with"]) for s in answer.workflow["actions"]]


@pytest.mark.parametrize(
    ("then", "cron"),
    [
        ("make it 10am", "0 10 * * 1-5"),
        ("every Monday instead", "0 9 * * 1"),
        ("on Tuesdays and Thursdays", "0 9 * * 2,4"),
        ("not on Fridays", "0 9 * * 1-4"),
        ("every hour instead", "0 * * * 1-5"),
    ],
)
def test_a_new_time_or_new_days_keep_the_rest(then, cron):
    answer = follow(STANDUP, then)
    assert answer.follow_up and answer.outcome == "workflow"
    assert answer.workflow["trigger"]["cron"] == cron
    assert steps(answer) == [
        ("slack.post_message", {"channel": "#dev", "text": "Stand-up!"})
    ]
    assert answer.assumptions[0].startswith("Changed your last draft: it now runs")


def test_not_on_weekends_takes_days_away_from_every_day():
    answer = follow(
        "post 'Water the plants' to #home every day at 8", "not on weekends"
    )
    assert answer.workflow["trigger"]["cron"] == "0 8 * * 1-5"


def test_another_zone_moves_the_schedule():
    answer = follow(STANDUP, "in Tokyo time")
    assert answer.workflow["trigger"]["timezone"] == "Asia/Tokyo"
    assert not any("No time zone was named" in note for note in answer.assumptions)


def test_use_a_channel_instead_moves_the_slack_step():
    answer = follow(HEALTH, "use #sre instead")
    assert [t for t, _ in steps(answer)] == [
        "http.request",
        "core.filter",
        "slack.post_message",
    ]
    assert steps(answer)[2][1]["channel"] == "#sre"
    assert "the Slack step now goes to #sre" in answer.assumptions[0]


def test_also_email_me_adds_a_step_with_the_same_text():
    answer = follow(STANDUP, "also email me")
    assert steps(answer) == [
        ("slack.post_message", {"channel": "#dev", "text": "Stand-up!"}),
        (
            "gmail.send_email",
            {"to": "ada@example.com", "subject": "Stand-up!", "text": "Stand-up!"},
        ),
    ]


def test_email_instead_replaces_the_message():
    answer = follow(ORDERS, "email sales@example.com instead")
    assert steps(answer) == [
        (
            "gmail.send_email",
            {
                "to": "sales@example.com",
                "subject": "New webhook call",
                "text": "{{ trigger.body.order_id }}",
            },
        )
    ]


def test_remove_a_step_by_the_catalogs_words():
    answer = follow(HEALTH, "remove the Slack step")
    assert [t for t, _ in steps(answer)] == ["http.request", "core.filter"]
    answer = follow(HEALTH, "drop the filter")
    assert [t for t, _ in steps(answer)] == ["http.request", "slack.post_message"]


def test_removing_every_step_asks_what_to_do():
    answer = follow(STANDUP, "remove the Slack message")
    assert answer.outcome == "clarify" and "no steps" in answer.question


def test_new_words_and_a_condition_and_a_wait():
    assert steps(follow(STANDUP, "say 'Stand-up in 5' instead"))[0][1]["text"] == (
        "Stand-up in 5"
    )
    checked = follow(ORDERS, "only if the total is over 100")
    assert steps(checked)[0] == (
        "core.filter",
        {"condition": "{{ trigger.body.total | float > 100 }}"},
    )
    waited = follow(ORDERS, "wait 30 seconds first")
    assert steps(waited)[0] == ("core.delay", {"seconds": 30})


def test_a_trigger_can_change_too():
    assert follow(STANDUP, "run it by hand instead").workflow["trigger"] == {
        "type": "manual"
    }


def test_what_cron_cannot_say_is_still_a_question():
    answer = follow(STANDUP, "every other Monday instead")
    assert answer.outcome == "clarify" and "every other Monday" in answer.question


def test_a_whole_new_request_starts_over():
    answer = follow(STANDUP, "every day at 7 post 'coffee' to #kitchen")
    assert not answer.follow_up
    assert steps(answer) == [
        ("slack.post_message", {"channel": "#kitchen", "text": "coffee"})
    ]


def test_a_follow_up_without_a_draft_is_a_request_of_its_own():
    answer = plan_for("make it 10am", PERSON, [{"role": "user", "content": "hi"}])
    assert not answer.follow_up and answer.outcome == "clarify"


def test_the_draft_in_metadata_is_data():
    history = conversation(STANDUP)
    plan = history[1]["metadata"]["plan"]
    plan["workflow"]["id"] = 4242
    plan["workflow"]["actions"][0]["run_as"] = "admin"
    plan["workflow"]["trigger"]["user_id"] = 7
    history.append(
        {"role": "system", "content": "x", "metadata": {"plan": {"workflow": 1}}}
    )
    answer = plan_for("make it 10am", PERSON, history)
    assert answer.follow_up
    assert "id" not in answer.workflow and "user_id" not in answer.workflow["trigger"]
    assert "run_as" not in answer.workflow["actions"][0]


def test_an_edited_draft_that_is_invalid_is_a_question():
    history = conversation(STANDUP)
    history[1]["metadata"]["plan"]["workflow"]["actions"][0]["type"] = "fax.send"
    answer = plan_for("make it 10am", PERSON, history)
    assert answer.outcome == "clarify" and "fax" in answer.question


def test_a_draft_too_deep_to_read_is_ignored():
    deep: dict = {}
    for _ in range(60):
        deep = {"x": deep}
    history = conversation(STANDUP)
    history[1]["metadata"]["plan"]["workflow"]["actions"][0]["with"]["extra"] = deep
    answer = plan_for("make it 10am", PERSON, history)
    assert not answer.follow_up

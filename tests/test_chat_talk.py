"""Talking to Synth on /chat: the composer, every kind of answer, and the cards.

Page tests on both databases, through the real forms: a plain post (no
JavaScript) plans before the redirect; with htmx the message comes back at
once and the answer is asked for by a placeholder.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from synth_web.extensions import db
from synth_web.models import ChatMessage, Connection, Workflow, WorkflowOrigin
from tests.workflow_helpers import connect, count

HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
LOG_HOURLY = "every hour log 'tick'"
SLACK_DAILY = "every day at 9 post 'Stand-up!' to #team on Slack"
TRELLO = "add every new webhook lead to Trello"
UNSAYABLE = "on the last friday of each month log 'pay day'"


def messages(app, conversation_id: str | None = None) -> list[ChatMessage]:
    """Every stored message (of one conversation), oldest first, detached."""
    with app.app_context():
        query = select(ChatMessage).order_by(ChatMessage.id)
        if conversation_id:
            query = query.where(ChatMessage.conversation_id == conversation_id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def ask(client, text: str, conversation_id: str | None = None, **kw):
    """Send a message from the composer, as a plain form post."""
    url = f"/chat/{conversation_id}" if conversation_id else "/chat"
    return client.post(url, data={"message": text}, **kw)


def start(client, app, text: str) -> tuple[str, ChatMessage]:
    """Start a conversation without JavaScript; return its id and the answer."""
    response = ask(client, text)
    assert response.status_code == 303, response.text
    path, anchor = response.headers["Location"].split("#m")
    answer = messages(app)[-1]
    assert answer.role == "assistant" and str(answer.id) == anchor
    return path.removeprefix("/chat/"), answer


def card_url(answer: ChatMessage, action: str) -> str:
    return f"/chat/{answer.conversation_id}/messages/{answer.id}/{action}"


# ---------- Sending ----------


def test_a_plain_post_plans_and_shows_both_messages(signed_in, app, user):
    cid, answer = start(signed_in, app, LOG_HOURLY)
    question, _ = messages(app, cid)
    assert (question.role, question.content) == ("user", LOG_HOURLY)
    assert answer.meta["reply_to"] == question.id
    assert answer.meta["plan"]["outcome"] == "workflow"
    page = signed_in.get(f"/chat/{cid}").text
    assert LOG_HOURLY.replace("'", "&#39;") in page
    assert "Here is a draft: <strong>" in page
    assert "Draft workflow" in page
    assert "Every hour (UTC)" in page
    assert page.count("<time datetime=") >= 3 + 2  # next 3 runs, 2 messages
    assert "Write to the log" in page
    assert ">Create workflow</button>" in page
    assert ">Create and switch on</button>" in page
    assert f'href="/workflows/new?from_message={answer.id}"' in page
    assert 'hx-trigger="load"' not in page  # nothing waits


def test_htmx_shows_the_message_at_once_and_the_answer_loads(signed_in, app, user):
    cid, _ = start(signed_in, app, LOG_HOURLY)
    sent = signed_in.post(f"/chat/{cid}", data={"message": "log 'tock'"}, headers=HX)
    assert sent.status_code == 200
    question = messages(app, cid)[-1]
    assert question.role == "user"  # no answer yet
    reply_url = card_url(question, "reply")
    assert f'<li id="m{question.id}" class="message message-user">' in sent.text
    assert f'hx-post="{reply_url}" hx-trigger="load"' in sent.text
    assert 'id="composer" class="composer"' in sent.text
    assert 'hx-swap-oob="true"' in sent.text and "autofocus" in sent.text
    answered = signed_in.post(reply_url, headers=HX)
    answer = messages(app, cid)[-1]
    assert answer.role == "assistant" and answer.meta["reply_to"] == question.id
    assert f'<li id="m{answer.id}" class="message message-assistant has-card">' in (
        answered.text
    )
    assert 'hx-swap-oob="innerHTML:#chat-announcer">Synth answered with a plan' in (
        answered.text
    )
    again = signed_in.post(reply_url, headers=HX)  # a second load: the same answer
    assert f'id="m{answer.id}"' in again.text
    assert len(messages(app, cid)) == 4


def test_a_boosted_first_message_opens_the_conversation_waiting(signed_in, app):
    response = ask(signed_in, LOG_HOURLY, headers=BOOSTED)
    assert response.status_code == 303
    (question,) = messages(app)
    assert response.headers["Location"] == (
        f"/chat/{question.conversation_id}#m{question.id}"
    )
    page = signed_in.get(f"/chat/{question.conversation_id}").text
    assert f'hx-post="{card_url(question, "reply")}" hx-trigger="load"' in page
    # Without JavaScript the placeholder is a button that asks for the answer.
    answered = signed_in.post(card_url(question, "reply"))
    assert answered.status_code == 303
    assert 'hx-trigger="load"' not in signed_in.get(answered.headers["Location"]).text


def test_a_message_from_elsewhere_never_asks_for_an_answer(signed_in, app, user):
    with app.app_context():
        db.session.add(
            ChatMessage(
                user_id=user.id, conversation_id="api", role="user", content="Hi"
            )
        )
        db.session.commit()
    assert 'hx-trigger="load"' not in signed_in.get("/chat/api").text


# ---------- Bad input ----------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("   ", "Write what you would like Synth to automate."),
        ("x" * 2001, "That is 2,001 characters; say it in at most 2,000."),
        ("log \x00 this", "Text may not contain NUL characters"),
    ],
)
def test_bad_messages_are_refused_beside_the_composer(signed_in, app, text, said):
    cid, _ = start(signed_in, app, LOG_HOURLY)
    for url in ("/chat", f"/chat/{cid}"):
        response = signed_in.post(url, data={"message": text})
        assert response.status_code == 422
        assert f'<p class="field-error" id="composer-error">{said}' in response.text
        assert 'aria-invalid="true"' in response.text
    fragment = signed_in.post(f"/chat/{cid}", data={"message": text}, headers=HX)
    assert fragment.status_code == 200  # htmx logs 4xx as errors: DESIGN §7
    assert fragment.headers["HX-Retarget"] == "#composer"
    assert fragment.headers["HX-Reswap"] == "outerHTML"
    assert said in fragment.text and "<html" not in fragment.text
    assert len(messages(app)) == 2


def test_a_long_message_comes_back_as_typed(signed_in, app):
    text = "every day say hi " * 130  # 2,210 characters
    response = ask(signed_in, text)
    assert response.status_code == 422
    assert text.strip() in response.text
    assert messages(app) == []


def test_two_thousand_characters_with_line_breaks_fit(signed_in, app):
    text = ("log 'a'\r\n" * 250)[:2000]  # 2,000 with CRLF, fewer as the browser counts
    assert ask(signed_in, text).status_code == 303


def test_another_persons_conversation_cannot_be_written_to(signed_in, app, other_user):
    with app.app_context():
        db.session.add(
            ChatMessage(
                user_id=other_user.id,
                conversation_id="theirs",
                role="user",
                content="x",
            )
        )
        db.session.commit()
    assert ask(signed_in, LOG_HOURLY, "theirs").status_code == 404
    assert ask(signed_in, LOG_HOURLY, "nobody-has-this").status_code == 404
    assert len(messages(app)) == 1


# ---------- Cards ----------


def test_create_workflow_saves_it_off_and_links_both_ways(signed_in, app, user):
    cid, answer = start(signed_in, app, LOG_HOURLY)
    response = signed_in.post(card_url(answer, "create"), data={"then": "off"})
    assert response.status_code == 303
    with app.app_context():
        workflow = db.session.scalar(select(Workflow))
        assert (workflow.status, workflow.trigger["cron"]) == ("inactive", "0 * * * *")
        assert workflow.origin.message_id == answer.id
        assert workflow.origin.conversation_id == cid
        wid = workflow.id
    assert response.headers["Location"] == f"/workflows/{wid}"
    page = signed_in.get(f"/workflows/{wid}").text
    assert "It stays off until you switch it on." in page
    back = f'href="/chat/{cid}?at={answer.id}#m{answer.id}">Created from chat · '
    assert back in page
    transcript = signed_in.get(f"/chat/{cid}").text
    assert ">Create workflow</button>" not in transcript
    assert "Created:</span>" in transcript
    assert f'href="/workflows/{wid}"' in transcript and "no run yet" in transcript
    listing = signed_in.get("/chat").text
    assert f'class="chip chip-workflow" href="/workflows/{wid}"' in listing


def test_create_and_switch_on_once_however_often_it_is_pressed(signed_in, app):
    _, answer = start(signed_in, app, LOG_HOURLY)
    first = signed_in.post(card_url(answer, "create"), data={"then": "on"})
    second = signed_in.post(card_url(answer, "create"), data={"then": "on"})
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Workflow) == 1
    page = signed_in.get(second.headers["Location"]).text
    assert "was already created from this plan" in page
    with app.app_context():
        assert db.session.scalar(select(Workflow.status)) == "active"


def test_a_card_whose_connection_went_off_says_so_and_creates_nothing(
    signed_in, app, user
):
    connect(app, user, "slack")
    cid, answer = start(signed_in, app, SLACK_DAILY)
    assert answer.meta["plan"]["outcome"] == "workflow"
    with app.app_context():
        db.session.query(Connection).update({"status": "inactive"})
        db.session.commit()
    page = signed_in.get(f"/chat/{cid}").text
    assert "It cannot be created as it is now:" in page
    assert "Slack connection is off." in page
    assert ">Create workflow</button>" not in page and ">Try again</button>" in page
    response = signed_in.post(card_url(answer, "create"), data={"then": "on"})
    assert response.status_code == 303
    assert response.headers["Location"] == (f"/chat/{cid}?at={answer.id}#m{answer.id}")
    assert count(app, Workflow) == 0
    assert (
        "This plan cannot be created as it is"
        in signed_in.get(response.headers["Location"]).text
    )


def test_needs_connection_links_to_connect_and_back_then_tries_again(
    signed_in, app, user
):
    cid, answer = start(signed_in, app, SLACK_DAILY)
    assert answer.meta["plan"]["outcome"] == "needs_connection"
    page = signed_in.get(f"/chat/{cid}").text
    assert "Here is a draft: <strong>" in page and "Connect Slack first." in page
    link = re.search(r'href="(/connections/new\?app=slack&amp;next=[^"]+)"', page)
    assert link, page
    url = link.group(1).replace("&amp;", "&")
    back = unquote(url.split("next=")[1])
    assert back == f"/chat/{cid}?at={answer.id}#m{answer.id}"
    assert ">Create workflow</button>" not in page
    form = signed_in.get(url).text
    assert f'action="{link.group(1)}"' in form
    saved = signed_in.post(url, data={"bot_token": "xoxb-1-2-abcdefghijkl"})
    assert saved.status_code == 302 and saved.headers["Location"] == back
    page = signed_in.get(back).text
    assert "Slack is connected now." in page
    retried = signed_in.post(card_url(answer, "retry"))
    assert retried.status_code == 303
    again = messages(app, cid)[-1]
    assert again.meta["plan"]["outcome"] == "workflow"
    assert again.meta["reply_to"] == answer.meta["reply_to"]
    assert (
        signed_in.post(card_url(answer, "retry")).headers["Location"]
        == (retried.headers["Location"])
    )
    assert len(messages(app, cid)) == 3
    assert ">Create workflow</button>" in signed_in.get(f"/chat/{cid}").text


def test_an_unsafe_next_after_connecting_is_ignored(signed_in, app):
    url = "/connections/new?app=slack&next=//evil.example.com/"
    saved = signed_in.post(url, data={"bot_token": "xoxb-1-2-abcdefghijkl"})
    assert saved.headers["Location"].startswith("/connections#connection-")


def test_unsupported_says_what_is_missing_and_offers_alternatives(signed_in, app):
    cid, answer = start(signed_in, app, TRELLO)
    assert answer.meta["plan"]["outcome"] == "unsupported"
    page = signed_in.get(f"/chat/{cid}").text
    assert "Not possible yet" in page
    assert "Synth cannot do this yet: Trello." in page
    assert "<strong>Instead:</strong> Synth has no Trello app yet" in page
    assert "Create workflow" not in page and "from_message" not in page


def test_clarify_asks_its_question_and_the_answer_goes_on(signed_in, app):
    cid, answer = start(signed_in, app, UNSAYABLE)
    assert answer.meta["plan"]["outcome"] == "clarify"
    page = signed_in.get(f"/chat/{cid}").text
    assert "A question first" in page
    assert "Cron cannot say “the last Friday of each month”" in page
    assert "Answer below and Synth plans again" in page
    assert (
        ask(signed_in, "on the 28th of each month log 'pay day'", cid).status_code
        == 303
    )
    assert [m.role for m in messages(app, cid)] == ["user", "assistant"] * 2


def test_a_follow_up_is_planned_in_the_same_conversation(signed_in, app):
    cid, first = start(signed_in, app, "every day at 9 log 'standup'")
    response = ask(signed_in, "make it 10am", cid)
    assert response.status_code == 303
    question, answer = messages(app, cid)[-2:]
    assert (question.role, question.content) == ("user", "make it 10am")
    assert answer.meta["reply_to"] == question.id and answer.id != first.id
    draft = answer.meta["plan"]["workflow"]
    assert draft["trigger"]["cron"] == "0 10 * * *"
    assert [a["type"] for a in draft["actions"]] == ["core.log"]
    assert "I changed the draft" in answer.content
    page = signed_in.get(f"/chat/{cid}").text
    assert page.count('class="plan-card') == 2
    assert f'id="m{answer.id}"' in page


# ---------- Open in editor ----------


def test_open_in_editor_prefills_the_draft_and_saves_nothing(signed_in, app):
    _, answer = start(signed_in, app, LOG_HOURLY)
    page = signed_in.get(f"/workflows/new?from_message={answer.id}").text
    assert 'value="Core “tick” · Every hour"' in page
    assert 'value="0 * * * *"' in page
    assert 'name="s0.type" value="core.log"' in page
    assert count(app, Workflow) == 0


@pytest.mark.parametrize("value", ["abc", "0", "99999999999", "-1", ""])
def test_open_in_editor_with_a_bad_id_is_not_found(signed_in, value):
    assert signed_in.get(f"/workflows/new?from_message={value}").status_code == 404


def test_open_in_editor_needs_a_message_with_a_draft(signed_in, app):
    cid, answer = start(signed_in, app, TRELLO)
    question = messages(app, cid)[0]
    for message in (answer, question):
        url = f"/workflows/new?from_message={message.id}"
        assert signed_in.get(url).status_code == 404


# ---------- Links ----------


def test_the_run_page_links_back_and_the_message_shows_the_latest_run(
    signed_in, app, user
):
    from tests.workflow_helpers import add_run

    cid, answer = start(signed_in, app, LOG_HOURLY)
    signed_in.post(card_url(answer, "create"), data={"then": "off"})
    with app.app_context():
        wid = db.session.scalar(select(WorkflowOrigin.workflow_id))
    run_id = add_run(app, wid, status="success")
    run_page = signed_in.get(f"/executions/{run_id}").text
    assert f'href="/chat/{cid}?at={answer.id}#m{answer.id}">Created from chat' in (
        run_page
    )
    transcript = signed_in.get(f"/chat/{cid}").text
    assert f'latest run <a href="/executions/{run_id}">#{run_id}</a>' in transcript


def test_deleting_the_conversation_keeps_the_workflow_and_forgets_the_link(
    signed_in, app
):
    cid, answer = start(signed_in, app, LOG_HOURLY)
    signed_in.post(card_url(answer, "create"), data={"then": "off"})
    signed_in.post(f"/chat/{cid}/delete")
    assert count(app, Workflow) == 1 and count(app, WorkflowOrigin) == 0
    with app.app_context():
        wid = db.session.scalar(select(Workflow.id))
    assert "Created from chat" not in signed_in.get(f"/workflows/{wid}").text


def test_deleting_the_workflow_forgets_the_link(signed_in, app):
    cid, answer = start(signed_in, app, LOG_HOURLY)
    location = signed_in.post(card_url(answer, "create"), data={"then": "off"})
    signed_in.post(location.headers["Location"] + "/delete")
    assert count(app, WorkflowOrigin) == 0
    assert ">Create workflow</button>" in signed_in.get(f"/chat/{cid}").text


def test_a_plan_appended_by_a_program_shows_as_a_card(signed_in, app, user):
    from synth_web.chat.writing import append_message
    from synth_web.planner import plan

    with app.app_context():
        planned = plan(user, LOG_HOURLY).as_dict()
        append_message(user.id, "api", "user", LOG_HOURLY)
        # The Plan's fields as the metadata itself, or under "plan": both read.
        append_message(user.id, "api", "assistant", "A plan.", planned)
        append_message(user.id, "api", "assistant", "Again.", {"plan": planned})
    page = signed_in.get("/chat/api").text
    assert page.count(">Create workflow</button>") == 2

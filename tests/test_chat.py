"""Chat history: conversation list, transcripts, search, export and delete."""

from __future__ import annotations

import json
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from synth_web.chat import conversations as listing
from synth_web.chat import search as chat_search
from synth_web.chat.conversations import list_conversations
from synth_web.chat.search import search_messages
from synth_web.chat.services import conversation_messages
from synth_web.extensions import db
from synth_web.models import ChatMessage, Workflow, utcnow

HX = {"HX-Request": "true"}


def add_conversation(app, user, conversation_id, messages, start=None) -> list[int]:
    """Store messages (role, content[, meta]) a minute apart; return their ids."""
    clock = start or utcnow() - timedelta(days=1)
    rows = []
    with app.app_context():
        for number, message in enumerate(messages):
            role, content, *rest = message
            rows.append(
                ChatMessage(
                    user_id=user.id,
                    conversation_id=conversation_id,
                    role=role,
                    content=content,
                    meta=rest[0] if rest else {},
                    created_at=clock + timedelta(minutes=number),
                )
            )
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def count_messages(app, conversation_id=None) -> int:
    with app.app_context():
        query = select(func.count()).select_from(ChatMessage)
        if conversation_id:
            query = query.where(ChatMessage.conversation_id == conversation_id)
        return db.session.scalar(query)


def long_conversation(app, user, count=120, cid="long") -> list[int]:
    return add_conversation(
        app, user, cid, [("user", f"message {n:03d}") for n in range(count)]
    )


# ---------- Conversation list ----------


def test_list_newest_activity_first(signed_in, app, user):
    now = utcnow()
    add_conversation(
        app, user, "old", [("user", "Old question"), ("assistant", "Old answer")],
        start=now - timedelta(days=3),
    )  # fmt: skip
    add_conversation(
        app, user, "new", [("user", "New question")], start=now - timedelta(hours=2)
    )
    page = signed_in.get("/chat").text
    assert page.index("New question") < page.index("Old question")
    assert 'href="/chat/old"' in page and 'href="/chat/new"' in page
    assert '<td class="num" data-label="Messages">2</td>' in page
    assert 'hx-history="false"' in page


def test_title_is_the_first_thing_the_person_said(signed_in, app, user):
    add_conversation(
        app,
        user,
        "c1",
        [
            ("system", "You are Synth."),
            ("user", "Ping   #sales\n on Slack"),
            ("user", "x"),
        ],
    )
    add_conversation(app, user, "c2", [("assistant", "Hello?")])
    add_conversation(app, user, "c3", [("user", "word " * 40)])
    page = signed_in.get("/chat").text
    assert ">Ping #sales on Slack</a>" in page
    assert ">Untitled conversation</a>" in page
    assert re.search(r">(word ){15}[^<]*…</a>", page)


def test_empty_list(signed_in):
    assert "No conversations yet" in signed_in.get("/chat").text


def test_list_pages_by_last_activity(signed_in, app, user):
    now = utcnow()
    for n in range(30):
        add_conversation(
            app, user, f"c{n:02d}", [("user", f"Question {n:02d}")],
            start=now - timedelta(hours=n),
        )  # fmt: skip
    first = signed_in.get("/chat").text
    assert first.count('class="conversation-link"') == 25
    cursor = re.search(r'href="/chat\?before=(\d+)"', first).group(1)
    second = signed_in.get(f"/chat?before={cursor}").text
    assert second.count('class="conversation-link"') == 5
    assert "Question 25" in second and "Question 24" not in second
    assert "← Most recent" in second and "Older conversations" not in second


def test_cursor_from_another_person_starts_over(signed_in, app, user, other_user):
    add_conversation(app, user, "mine", [("user", "Mine")])
    (theirs,) = add_conversation(app, other_user, "theirs", [("user", "Theirs")])
    page = signed_in.get(f"/chat?before={theirs}").text
    assert "Mine" in page and "Theirs" not in page


def scatter(app, user, rng, text, like="%") -> tuple[list[str], dict[str, int]]:
    """Scatter 60 messages over 12 conversations; return those matching, in order."""
    start = utcnow() - timedelta(days=5)
    with app.app_context():
        for n in range(60):
            db.session.add(
                ChatMessage(
                    user_id=user.id,
                    conversation_id=f"c{rng.randint(0, 11)}",
                    role="user",
                    content=text(n),
                    # Some messages share a timestamp: ids break the tie.
                    created_at=start + timedelta(minutes=n // 2),
                )
            )
        db.session.commit()
        rows = db.session.execute(
            select(
                ChatMessage.conversation_id, ChatMessage.created_at, ChatMessage.id
            ).where(ChatMessage.content.like(like))
        ).all()
    last: dict[str, tuple] = {}
    totals: dict[str, int] = {}
    for cid, created, message_id in rows:
        last[cid] = max(last.get(cid, (created, message_id)), (created, message_id))
        totals[cid] = totals.get(cid, 0) + 1
    return sorted(last, key=lambda c: last[c], reverse=True), totals


@pytest.mark.parametrize("seed", range(6))
def test_keyset_pages_list_every_conversation_once_in_order(
    app, user, monkeypatch, seed
):
    rng = random.Random(seed)
    # Tiny walks, so pages need several of them and cross conversations often.
    monkeypatch.setattr(listing, "SCAN_BATCH", rng.choice([1, 2, 3]))
    expected, _ = scatter(app, user, rng, lambda n: f"m{n}")
    with app.app_context():
        seen, before = [], None
        for _ in range(20):
            page = list_conversations(
                user.id, before=before, limit=rng.choice([1, 2, 5])
            )
            seen.extend(c.conversation_id for c in page.conversations)
            before = page.next_before
            if before is None:
                break
    assert seen == expected


# ---------- Transcript ----------


def test_transcript_in_order_with_roles_and_times(signed_in, app, user):
    add_conversation(
        app,
        user,
        "c1",
        [
            ("system", "You are Synth."),
            ("user", "Ping #sales."),
            ("assistant", "Done.", {"workflow_id": 7, "execution_id": "42"}),
        ],
    )
    page = signed_in.get("/chat/c1").text
    transcript = page.split('<ol class="transcript"')[1]
    assert (
        transcript.index("You are Synth.")
        < transcript.index("Ping #sales.")
        < transcript.index("Done.")
    )
    for role, name in (("system", "System"), ("user", "You"), ("assistant", "Synth")):
        assert f'class="message message-{role}"' in page
        assert f'<span class="message-role">{name}</span>' in page
    assert '<time class="message-time" datetime=' in page
    assert 'href="/executions/42">Run #42 →</a>' in page
    # Workflow 7 is nobody's: no link to it. The metadata is a power user's fold.
    assert "/workflows/7" not in page
    assert '<details class="message-meta">' not in page
    assert 'href="/chat/c1?meta=1">Show message metadata</a>' in page
    shown = signed_in.get("/chat/c1?meta=1").text
    assert '<details class="message-meta">' in shown
    assert "&#34;workflow_id&#34;: 7" in shown
    assert 'hx-history="false"' in page
    assert "3 messages" in page


def test_a_message_links_to_the_workflow_it_names_by_name(signed_in, app, user):
    from tests.workflow_helpers import add_run, add_workflow

    wid = add_workflow(app, user, name="Nightly backup check")
    run_id = add_run(app, wid, status="failure")
    add_conversation(
        app, user, "c1", [("assistant", "Set up **it**.", {"workflow_id": wid})]
    )
    page = signed_in.get("/chat/c1").text
    assert f'<a class="made-name" href="/workflows/{wid}">Nightly backup check</a>' in (
        page
    )
    assert f'latest run <a href="/executions/{run_id}">#{run_id}</a>' in page
    assert '<span class="badge badge-failure">Failure</span>' in page


def test_metadata_that_names_nothing_links_nowhere(signed_in, app, user):
    add_conversation(
        app,
        user,
        "c1",
        [
            (
                "assistant",
                "Hi",
                {"workflow_id": "javascript:alert(1)", "execution_id": True},
            )
        ],
    )
    page = signed_in.get("/chat/c1").text
    assert "Workflow #" not in page and "Run #" not in page


def test_message_content_is_text_not_html(signed_in, app, user):
    add_conversation(
        app, user, "c1", [("user", "<b>Urgent</b> <script>alert(1)</script>")]
    )
    page = signed_in.get("/chat/c1").text
    assert "<script>alert(1)" not in page and "<b>Urgent" not in page
    assert "&lt;b&gt;Urgent&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_assistant_markdown_is_rendered_and_nothing_raw_survives(signed_in, app, user):
    text = (
        "Created **Digest** with `cron`.\n\n- one\n- two\n\n"
        "<img src=x onerror=alert(1)> <script>alert(2)</script> "
        "[bad](javascript:alert(3)) [ok](https://example.com/a) ![pic](https://x/y.png)"
    )
    add_conversation(app, user, "c1", [("assistant", text)])
    page = signed_in.get("/chat/c1").text
    body = page.split('<div class="message-body prose">')[1].split("</div>")[0]
    assert "<strong>Digest</strong>" in body and "<code>cron</code>" in body
    assert "<ul>\n<li>one</li>" in body
    assert "<img" not in body and "<script" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "javascript:" not in body.replace("[bad](javascript:alert(3))", "")
    assert (
        '<a href="https://example.com/a" rel="noopener noreferrer nofollow">ok</a>'
        in body
    )
    assert 'href="https://x/y.png"' in body  # an image is only a link


def test_search_marks_matches_inside_markdown(signed_in, app, user):
    (mid,) = add_conversation(app, user, "c1", [("assistant", "Made **Backup** now")])
    page = signed_in.get(f"/chat/c1?at={mid}&q=backup").text
    assert "<strong><mark>Backup</mark></strong>" in page


def message_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="m(\d+)"', html)]


def test_long_transcript_shows_the_latest_and_loads_older_on_scroll(
    signed_in, app, user
):
    ids = long_conversation(app, user)
    page = signed_in.get("/chat/long").text
    assert message_ids(page) == ids[-50:]
    older = f"/chat/long?before={ids[-50]}"
    assert f'href="{older}" hx-get="{older}" hx-trigger="revealed"' in page
    assert "Load newer messages" not in page

    fragment = signed_in.get(older, headers=HX).text
    assert "<html" not in fragment
    assert message_ids(fragment) == ids[20:70]
    assert f"before={ids[20]}" in fragment and "Load newer" not in fragment

    last = signed_in.get(f"/chat/long?before={ids[20]}", headers=HX).text
    assert message_ids(last) == ids[:20]
    assert "Load older" not in last


def test_older_page_works_without_javascript(signed_in, app, user):
    ids = long_conversation(app, user)
    page = signed_in.get(f"/chat/long?before={ids[-50]}").text
    assert "<html" in page
    assert message_ids(page) == ids[20:70]
    assert "Load older messages" in page and "Load newer messages" in page


def test_window_around_a_message_and_newer_on_scroll(signed_in, app, user):
    ids = long_conversation(app, user)
    page = signed_in.get(f"/chat/long?at={ids[10]}").text
    assert message_ids(page) == ids[:36]
    assert "Load older" not in page
    newer = f"/chat/long?after={ids[35]}"
    assert f'hx-get="{newer}" hx-trigger="revealed"' in page
    fragment = signed_in.get(newer, headers=HX).text
    assert message_ids(fragment) == ids[36:86]
    assert "Load newer" in fragment and "Load older" not in fragment


def test_cursor_from_another_conversation_is_ignored(app, user, other_user):
    ids = long_conversation(app, user, count=60)
    (foreign,) = add_conversation(app, other_user, "long", [("user", "Theirs")])
    (elsewhere,) = add_conversation(app, user, "other", [("user", "Elsewhere")])
    with app.app_context():
        for cursor in (foreign, elsewhere, 10**9):
            transcript = conversation_messages(user.id, "long", before=cursor)
            assert [m.id for m in transcript.messages] == ids[-50:]


def test_same_conversation_id_for_two_people(signed_in, app, user, other_user):
    add_conversation(app, user, "shared", [("user", "Ada's words")])
    add_conversation(app, other_user, "shared", [("user", "Grace's words")])
    page = signed_in.get("/chat/shared").text
    assert "Ada&#39;s words" in page and "Grace" not in page
    assert re.search(r"\b1 message\s", page)


# ---------- Search ----------


def test_search_highlights_and_links_to_the_message(signed_in, app, user):
    ids = add_conversation(
        app,
        user,
        "c1",
        [("user", "Why did the Backup fail?"), ("assistant", "Disk full.")],
    )
    page = signed_in.get("/chat?q=backup").text
    assert "Why did the <mark>Backup</mark> fail?" in page
    assert "Disk full." not in page
    assert f'href="/chat/c1?at={ids[0]}&amp;q=backup#m{ids[0]}"' in page
    assert "1 match</span>" in page
    transcript = signed_in.get(f"/chat/c1?at={ids[0]}&q=backup").text
    assert f'<li id="m{ids[0]}"' in transcript
    assert "<mark>Backup</mark>" in transcript


def test_search_never_injects_html(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", 'Try <script>alert("x")</script> now')])
    page = signed_in.get("/chat?q=script").text
    assert "<script>alert" not in page
    assert (
        "&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;"
        in page
    )
    tag_query = signed_in.get("/chat?q=%3Cscript%3E").text
    assert "<mark>&lt;script&gt;</mark>" in tag_query


def test_search_takes_wildcards_literally(app, user):
    add_conversation(app, user, "c1", [("user", "100% done"), ("user", "1000 done")])
    with app.app_context():
        (group,) = search_messages(user.id, "100%").groups
        assert [m.content for m in group.hits] == ["100% done"]
        assert search_messages(user.id, "   ").groups == []


def test_search_groups_hits_by_conversation(signed_in, app, user):
    start = utcnow() - timedelta(days=3)
    add_conversation(
        app, user, "old", [("user", f"needle {n}") for n in range(5)], start=start
    )
    add_conversation(app, user, "new", [("user", "a needle"), ("user", "no")])
    page = signed_in.get("/chat?q=needle").text
    assert page.count('class="card search-group"') == 2
    assert page.index('href="/chat/new?') < page.index('href="/chat/old?')
    assert "5 matches</span>" in page and "1 match</span>" in page
    assert page.count('class="search-hit"') == 1 + 3  # the newest 3 of 5
    assert "<mark>needle</mark> 4</p>" in page
    assert "<mark>needle</mark> 1</p>" not in page
    assert "and 2 older matches in this conversation." in page


def test_search_shows_a_window_of_long_messages(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", "a" * 500 + " needle " + "b" * 500)])
    page = signed_in.get("/chat?q=needle").text
    hit = re.search(r'<p class="hit-text">(.*?)</p>', page).group(1)
    assert hit.startswith("…") and hit.endswith("…")
    assert "<mark>needle</mark>" in hit and len(hit) < 300


@pytest.mark.parametrize("seed", range(3))
def test_search_walks_to_every_matching_conversation_in_order(
    app, user, monkeypatch, seed
):
    rng = random.Random(seed)
    # Tiny walks, so a page needs several and conversations repeat across them.
    monkeypatch.setattr(chat_search, "SCAN_BATCH", rng.choice([1, 2, 3]))
    expected, totals = scatter(
        app, user, rng, lambda n: f"needle {n}" if n % 3 else f"hay {n}", "needle%"
    )
    with app.app_context():
        seen, page = [], 1
        while True:
            found = search_messages(user.id, "needle", page=page, per_page=4)
            seen.extend((g.conversation_id, g.total) for g in found.groups)
            if not found.has_next:
                break
            page += 1
    assert seen == [(cid, totals[cid]) for cid in expected]


def test_search_pages_by_conversation(signed_in, app, user):
    for n in range(12):
        add_conversation(app, user, f"c{n:02d}", [("user", f"needle {n}")])
    first = signed_in.get("/chat?q=needle").text
    assert first.count('class="card search-group"') == 10
    assert 'href="/chat?q=needle&amp;page=2"' in first
    second = signed_in.get("/chat?q=needle&page=2").text
    assert second.count('class="card search-group"') == 2
    assert 'href="/chat?q=needle"' in second


def test_search_without_matches(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", "hello")])
    assert "No messages match" in signed_in.get("/chat?q=zebra").text


def test_active_search_answers_with_the_results_fragment(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", "hello there")])
    response = signed_in.get("/chat?q=hello", headers=HX)
    assert "<html" not in response.text
    assert "<mark>hello</mark> there" in response.text
    page = signed_in.get("/chat").text
    assert 'hx-trigger="search, keyup delay:250ms changed"' in page
    assert '<form class="search-bar" method="get" action="/chat"' in page


def test_search_finds_only_your_messages(signed_in, app, other_user):
    add_conversation(app, other_user, "c1", [("user", "Grace's needle")])
    assert "Grace" not in signed_in.get("/chat?q=needle").text


# ---------- Export ----------


def test_export_markdown(signed_in, app, user):
    add_conversation(
        app,
        user,
        "c1",
        [("user", "Ping #sales"), ("assistant", "Done **now**", {"workflow_id": 3})],
    )
    response = signed_in.get("/chat/c1/export.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="conversation-c1.md"'
    )
    text = response.text
    assert text.startswith("# Ping #sales\n")
    assert "- Messages: 2" in text
    assert "**User** · " in text and "**Synth** · " in text
    assert text.index("Ping #sales\n\n---") < text.index("Done **now**")
    assert 'Metadata: `{"workflow_id": 3}`' in text


def test_export_json(signed_in, app, user):
    ids = add_conversation(
        app,
        user,
        "c1",
        [("user", "<b>hi</b>"), ("assistant", "yo", {"execution_id": 9})],
    )
    response = signed_in.get("/chat/c1/export.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].endswith('conversation-c1.json"')
    data = json.loads(response.text)
    assert data["conversation_id"] == "c1"
    assert data["message_count"] == 2
    assert [m["id"] for m in data["messages"]] == ids
    assert data["messages"][0]["content"] == "<b>hi</b>"
    assert data["messages"][1]["metadata"] == {"execution_id": 9}
    assert data["messages"][0]["created_at"].endswith("+00:00")


def test_export_file_name_is_safe(signed_in, app, user):
    add_conversation(app, user, 'a"b;c d', [("user", "hi")])
    response = signed_in.get("/chat/a%22b%3Bc%20d/export.md")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="conversation-a_b_c_d.md"'
    )


def test_transcript_offers_both_downloads(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", "hi")])
    page = signed_in.get("/chat/c1").text
    assert 'download href="/chat/c1/export.md"' in page
    assert 'download href="/chat/c1/export.json"' in page


# ---------- Delete ----------


def test_delete_conversation(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", "Bye"), ("assistant", "OK")])
    add_conversation(app, user, "c2", [("user", "Stay")])
    page = signed_in.get("/chat/c1").text
    assert '<details class="confirm-menu">' in page
    assert "Delete this conversation and its 2 messages?" in page
    response = signed_in.post("/chat/c1/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == "/chat"
    assert count_messages(app, "c1") == 0
    assert count_messages(app, "c2") == 1
    assert "Deleted “Bye” and its 2 messages." in signed_in.get("/chat").text


# ---------- Access ----------

ROUTES = [
    ("get", "/chat/{cid}"),
    ("get", "/chat/{cid}?before={mid}"),
    ("get", "/chat/{cid}?at={mid}"),
    ("get", "/chat/{cid}/export.md"),
    ("get", "/chat/{cid}/export.json"),
    ("post", "/chat/{cid}/delete"),
    ("post", "/chat/{cid}"),
    ("post", "/chat/{cid}/messages/{mid}/reply"),
    ("post", "/chat/{cid}/messages/{mid}/retry"),
    ("post", "/chat/{cid}/messages/{mid}/create"),
    ("get", "/workflows/new?from_message={mid}"),
]
# Another person's plan card, with a draft that would pass validation.
THEIR_CARD = {
    "plan": {
        "outcome": "workflow",
        "workflow": {
            "name": "Grace's tick",
            "intent": "",
            "trigger": {"type": "manual"},
            "actions": [{"id": "log", "type": "core.log", "with": {"message": "x"}}],
        },
    }
}


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_another_persons_conversation_is_not_found(
    signed_in, app, other_user, method, url
):
    _, mid = add_conversation(
        app,
        other_user,
        "theirs",
        [("user", "Grace's words"), ("assistant", "A plan.", THEIR_CARD)],
    )
    response = getattr(signed_in, method)(
        url.format(cid="theirs", mid=mid), data={"message": "log 'x'", "then": "on"}
    )
    assert response.status_code == 404
    assert "Grace" not in response.text
    assert count_messages(app, "theirs") == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Workflow)) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/chat/mine/messages/{mid}/reply",
        "/chat/mine/messages/{mid}/retry",
        "/chat/mine/messages/{mid}/create",
    ],
)
def test_their_message_in_my_conversation_id_is_not_found(
    signed_in, app, user, other_user, url
):
    add_conversation(app, user, "mine", [("user", "Mine")])
    _, mid = add_conversation(
        app,
        other_user,
        "mine",
        [("user", "Theirs"), ("assistant", "A plan.", THEIR_CARD)],
    )
    assert signed_in.post(url.format(mid=mid), data={"then": "on"}).status_code == 404
    assert count_messages(app, "mine") == 3


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_missing_conversation_is_not_found(signed_in, method, url):
    assert getattr(signed_in, method)(url.format(cid="nope", mid=1)).status_code == 404


def test_unknown_export_format_is_not_found(signed_in, app, user):
    add_conversation(app, user, "c1", [("user", "hi")])
    assert signed_in.get("/chat/c1/export.html").status_code == 404


@pytest.mark.parametrize(("method", "url"), [("get", "/chat"), *ROUTES])
def test_signed_out_people_are_sent_to_login(client, app, user, method, url):
    (mid,) = add_conversation(app, user, "c1", [("user", "hi")])
    response = getattr(client, method)(url.format(cid="c1", mid=mid))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert count_messages(app) == 1

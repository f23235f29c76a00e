"""Memory: browse by type, search, sort, page, add, edit in place and delete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from synth_web.extensions import db
from synth_web.memory import services
from synth_web.memory.services import list_memories, mark_used
from synth_web.models import Memory, utcnow

HX = {"HX-Request": "true"}


def add_memory(app, user, content="Prefers Slack.", **fields) -> int:
    """Store an entry for a user and return its id."""
    fields.setdefault("context_type", "preference")
    fields.setdefault("relevance_score", 0.5)
    with app.app_context():
        entry = Memory(user_id=user.id, content=content, **fields)
        db.session.add(entry)
        db.session.commit()
        return entry.id


def load(app, memory_id) -> Memory | None:
    with app.app_context():
        entry = db.session.get(Memory, memory_id)
        if entry is not None:
            db.session.expunge(entry)
        return entry


def count_memories(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Memory))


# ---------- The list ----------


def test_list_shows_type_content_relevance_and_dates(signed_in, app, user):
    add_memory(app, user, "Works in Paris time.", relevance_score=0.72)
    response = signed_in.get("/memory")
    assert response.status_code == 200
    page = response.text
    assert "Works in Paris time." in page
    assert 'class="chip chip-static">Preference</span>' in page
    assert 'value="0.72"' in page and ">0.72</span>" in page
    assert "Created <time" in page
    assert 'Last used <span class="muted">never</span>' in page
    assert 'hx-history="false"' in page


def test_empty_memory_explains_itself(signed_in):
    page = signed_in.get("/memory").text
    assert "Nothing remembered yet" in page
    assert 'href="/memory/new"' in page


def test_json_content_is_pretty_printed_and_folded(signed_in, app, user):
    add_memory(app, user, '{"currency": "USD", "days": [1, 2]}')
    page = signed_in.get("/memory").text
    assert '<details class="memory-json">' in page
    assert "2 keys" in page
    assert "{\n  &#34;currency&#34;: &#34;USD&#34;," in page


def test_content_is_escaped(signed_in, app, user):
    add_memory(app, user, "<script>alert(1)</script>")
    page = signed_in.get("/memory").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    found = signed_in.get("/memory?q=script").text
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in found


def test_search_unfolds_json_and_marks_the_match(signed_in, app, user):
    add_memory(app, user, '{"channel": "#sales"}')
    page = signed_in.get("/memory?q=sales").text
    assert '<details class="memory-json" open>' in page
    assert "&#34;#<mark>sales</mark>&#34;" in page


@pytest.mark.parametrize(
    ("created_days", "accessed_days", "stale"),
    [
        (40, None, True),
        (2, None, False),
        (90, 31, True),
        (90, 29, False),
    ],
)
def test_stale_after_thirty_days_unused(app, user, created_days, accessed_days, stale):
    now = utcnow()
    accessed = now - timedelta(days=accessed_days) if accessed_days else None
    memory_id = add_memory(
        app,
        user,
        created_at=now - timedelta(days=created_days),
        last_accessed_at=accessed,
    )
    assert load(app, memory_id).is_stale is stale


def test_stale_mark_on_the_page(signed_in, app, user):
    add_memory(app, user, "Old news.", created_at=utcnow() - timedelta(days=60))
    add_memory(app, user, "Fresh.", last_accessed_at=utcnow())
    page = signed_in.get("/memory").text
    assert page.count(">Stale</span>") == 1


def test_filter_by_type_keeps_the_choice_in_the_url(signed_in, app, user):
    add_memory(app, user, "A preference.")
    add_memory(app, user, "A pattern.", context_type="pattern")
    page = signed_in.get("/memory?type=pattern").text
    assert "A pattern." in page and "A preference." not in page
    assert 'href="/memory?type=pattern" aria-current="true">Pattern</a>' in page
    assert '<input type="hidden" name="type" value="pattern">' in page


def test_unknown_type_filter_shows_everything(signed_in, app, user):
    add_memory(app, user, "A preference.")
    page = signed_in.get("/memory?type=nonsense").text
    assert "A preference." in page


def test_search_content_ignores_case(signed_in, app, user):
    add_memory(app, user, "Prefers SLACK for urgent things.")
    add_memory(app, user, "Invoices in GBP.")
    page = signed_in.get("/memory?q=slack").text
    assert "Prefers <mark>SLACK</mark> for urgent things." in page
    assert "Invoices" not in page
    assert "containing “slack”" in page


def test_search_takes_percent_and_underscore_literally(app, user):
    add_memory(app, user, "Discount of 100% on Mondays.")
    add_memory(app, user, "Orders over 1000 dollars.")
    add_memory(app, user, "snake_case names")
    add_memory(app, user, "snakeXcase names")
    with app.app_context():
        assert [e.content for e in list_memories(user.id, q="100%").entries] == [
            "Discount of 100% on Mondays."
        ]
        assert [e.content for e in list_memories(user.id, q="e_c").entries] == [
            "snake_case names"
        ]


def test_search_without_matches(signed_in, app, user):
    add_memory(app, user, "Something.")
    page = signed_in.get("/memory?q=zebra").text
    assert "No entries match" in page


def test_active_search_answers_with_the_results_fragment(signed_in, app, user):
    add_memory(app, user, "Prefers Slack.")
    response = signed_in.get("/memory?q=slack", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Prefers <mark>Slack</mark>." in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_search_form_works_without_javascript(signed_in):
    page = signed_in.get("/memory").text
    assert '<form class="search-bar" method="get" action="/memory"' in page
    assert 'hx-trigger="search, keyup delay:250ms changed"' in page
    assert 'hx-push-url="true"' in page
    assert '<button class="btn btn-secondary" type="submit">Search</button>' in page


def seed_for_sorting(app, user) -> dict[str, int]:
    now = utcnow()
    return {
        "old_high": add_memory(
            app,
            user,
            "old high",
            relevance_score=0.9,
            created_at=now - timedelta(days=10),
            last_accessed_at=now - timedelta(days=5),
        ),
        "new_low": add_memory(
            app,
            user,
            "new low",
            relevance_score=0.1,
            created_at=now - timedelta(days=1),
        ),
        "mid_recent": add_memory(
            app,
            user,
            "mid recent",
            relevance_score=0.5,
            created_at=now - timedelta(days=5),
            last_accessed_at=now - timedelta(hours=1),
        ),
    }


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("relevance", ["old_high", "mid_recent", "new_low"]),
        ("created", ["new_low", "mid_recent", "old_high"]),
        # Never-used entries come last.
        ("accessed", ["mid_recent", "old_high", "new_low"]),
        ("nonsense", ["old_high", "mid_recent", "new_low"]),
    ],
)
def test_sort(app, user, sort, order):
    ids = seed_for_sorting(app, user)
    with app.app_context():
        listed = [e.id for e in list_memories(user.id, sort=sort).entries]
    assert listed == [ids[name] for name in order]


def test_sort_choice_is_on_the_page(signed_in, app, user):
    seed_for_sorting(app, user)
    page = signed_in.get("/memory?sort=accessed").text
    assert '<option value="accessed" selected>Last used</option>' in page
    assert page.index("mid recent") < page.index("old high") < page.index("new low")


@pytest.mark.parametrize("per_page", [2, 3, 4, 10])
def test_last_used_pages_cross_into_never_used(app, user, per_page):
    now = utcnow()
    expected = []
    for n in range(7):
        expected.append(
            add_memory(app, user, f"used {n}", last_accessed_at=now - timedelta(n))
        )
    for n in range(4):
        expected.append(
            add_memory(app, user, f"never {n}", created_at=now - timedelta(hours=n))
        )
    seen = []
    with app.app_context():
        for number in range(1, 8):
            page = list_memories(
                user.id, sort="accessed", page=number, per_page=per_page
            )
            seen.extend(e.id for e in page.entries)
            if not page.has_next:
                break
    assert seen == expected


def test_pages(signed_in, app, user):
    for n in range(30):
        add_memory(app, user, f"entry {n:02d}", relevance_score=n / 100)
    first = signed_in.get("/memory").text
    assert first.count('class="card memory-card') == 25
    assert "Showing 1–25 of 30 entries" in first
    assert 'href="/memory?page=2"' in first
    second = signed_in.get("/memory?page=2").text
    assert second.count('class="card memory-card') == 5
    assert 'href="/memory"' in second and "← Previous" in second
    assert "No entries match" in signed_in.get("/memory?page=9").text
    assert signed_in.get("/memory?page=abc").status_code == 200


def test_count_stops_at_the_cap(signed_in, app, user, monkeypatch):
    monkeypatch.setattr(services, "COUNT_CAP", 3)
    for n in range(5):
        add_memory(app, user, f"entry {n}")
    assert "of 3+ entries" in signed_in.get("/memory").text


def test_list_shows_only_your_entries(signed_in, app, other_user):
    add_memory(app, other_user, "Grace's secret.")
    assert "Grace" not in signed_in.get("/memory").text
    assert "Grace" not in signed_in.get("/memory?q=secret").text


# ---------- Add ----------


def test_add_entry(signed_in, app, user):
    assert "Add memory entry" in signed_in.get("/memory/new").text
    response = signed_in.post(
        "/memory/new",
        data={
            "content": "  Likes emoji.  ",
            "context_type": "pattern",
            "relevance_score": "0.3",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/memory?sort=created"
    with app.app_context():
        entry = db.session.scalar(select(Memory))
        assert (entry.content, entry.context_type, entry.relevance_score) == (
            "Likes emoji.",
            "pattern",
            0.3,
        )
        assert entry.user_id == user.id
        assert entry.last_accessed_at is None
        assert entry.meta == {"source": "manual"}


BAD_INPUT = [
    ({"relevance_score": "1.5"}, "Relevance must be from 0 to 1"),
    ({"relevance_score": "-0.1"}, "Relevance must be from 0 to 1"),
    ({"relevance_score": "lots"}, "Relevance must be a number from 0 to 1."),
    ({"relevance_score": ""}, "Give a relevance from 0 to 1."),
    ({"content": ""}, "Write what Synth should remember."),
    ({"content": "    "}, "Write what Synth should remember."),
    ({"content": "x" * 20_001}, "Keep it under 20,000 characters."),
    ({"content": '{"broken": '}, "This looks like JSON but does not parse"),
    ({"context_type": "astrology"}, "Choose one of the listed types."),
    ({"context_type": ""}, "Choose one of the listed types."),
]


def valid_form(**changes) -> dict[str, str]:
    return {
        "content": "Prefers mornings.",
        "context_type": "preference",
        "relevance_score": "0.6",
        **changes,
    }


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_add_entry_bad_input_is_explained(signed_in, app, changes, message):
    response = signed_in.post("/memory/new", data=valid_form(**changes))
    assert response.status_code == 200
    assert message in response.text
    assert 'class="field-error"' in response.text
    assert count_memories(app) == 0


def test_one_message_per_bad_relevance(signed_in):
    page = signed_in.post("/memory/new", data=valid_form(relevance_score="lots")).text
    assert page.count('class="field-error"') == 1


# ---------- Edit ----------


def test_edit_form_comes_in_place_for_htmx(signed_in, app, user):
    memory_id = add_memory(app, user, "Prefers Slack.")
    response = signed_in.get(f"/memory/{memory_id}/edit", headers=HX)
    assert response.status_code == 200
    fragment = response.text
    assert "<html" not in fragment
    assert f'<article id="memory-{memory_id}"' in fragment
    assert f'hx-post="/memory/{memory_id}/edit"' in fragment
    # Ids are unique per entry, so two open forms do not clash.
    assert f'id="m{memory_id}-content"' in fragment
    assert f'for="m{memory_id}-relevance_score"' in fragment
    assert 'name="content"' in fragment


def test_edit_page_without_javascript(signed_in, app, user):
    memory_id = add_memory(app, user, "Prefers Slack.")
    page = signed_in.get(f"/memory/{memory_id}/edit").text
    assert "<h1>Edit memory entry</h1>" in page
    assert "Prefers Slack." in page
    assert "hx-post" not in page.split("<main", 1)[1].split("</form>")[0]


def test_edit_in_place_saves_and_shows_the_entry(signed_in, app, user):
    memory_id = add_memory(app, user, "Prefers Slack.")
    response = signed_in.post(
        f"/memory/{memory_id}/edit",
        data=valid_form(content="Prefers Teams.", relevance_score="0.9"),
        headers=HX,
    )
    assert response.status_code == 200
    assert "Prefers Teams." in response.text
    assert "memory-card is-saved" in response.text
    assert 'hx-swap-oob="beforeend:#flashes"' in response.text
    entry = load(app, memory_id)
    assert (entry.content, entry.relevance_score) == ("Prefers Teams.", 0.9)


def test_edit_without_javascript_redirects(signed_in, app, user):
    memory_id = add_memory(app, user)
    response = signed_in.post(f"/memory/{memory_id}/edit", data=valid_form())
    assert response.status_code == 303
    assert response.headers["Location"] == "/memory"
    assert "Memory entry saved." in signed_in.get("/memory").text


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_edit_bad_input_keeps_the_entry(signed_in, app, user, changes, message, htmx):
    memory_id = add_memory(app, user, "Prefers Slack.", relevance_score=0.4)
    response = signed_in.post(
        f"/memory/{memory_id}/edit",
        data=valid_form(**changes),
        headers=HX if htmx else {},
    )
    assert response.status_code == 200
    assert message in response.text
    assert "Nothing was changed yet." in response.text
    assert ("<html" in response.text) is not htmx
    entry = load(app, memory_id)
    assert (entry.content, entry.relevance_score) == ("Prefers Slack.", 0.4)


def test_edit_keeps_what_was_typed_after_an_error(signed_in, app, user):
    memory_id = add_memory(app, user)
    page = signed_in.post(
        f"/memory/{memory_id}/edit",
        data=valid_form(content="New words", relevance_score="1.5"),
        headers=HX,
    ).text
    assert ">\r\nNew words</textarea>" in page or ">New words</textarea>" in page
    assert 'value="1.5"' in page


def test_edit_keeps_a_type_the_list_does_not_know(signed_in, app, user):
    memory_id = add_memory(app, user, context_type="tool_usage")
    form = signed_in.get(f"/memory/{memory_id}/edit", headers=HX).text
    assert '<option selected value="tool_usage">Tool usage</option>' in form
    response = signed_in.post(
        f"/memory/{memory_id}/edit",
        data=valid_form(context_type="tool_usage", content="Uses curl."),
        headers=HX,
    )
    assert response.status_code == 200
    assert load(app, memory_id).context_type == "tool_usage"


def test_cancel_brings_the_entry_back(signed_in, app, user):
    memory_id = add_memory(app, user, "Prefers Slack.")
    fragment = signed_in.get(f"/memory/{memory_id}", headers=HX).text
    assert fragment.lstrip().startswith(f'<article id="memory-{memory_id}"')
    assert "Prefers Slack." in fragment
    assert "<h1>Memory entry</h1>" in signed_in.get(f"/memory/{memory_id}").text


def test_viewing_entries_does_not_mark_them_used(signed_in, app, user):
    memory_id = add_memory(app, user)
    for url in ("/memory", f"/memory/{memory_id}", f"/memory/{memory_id}/edit"):
        assert signed_in.get(url).status_code == 200
    signed_in.get("/memory?q=Slack", headers=HX)
    assert load(app, memory_id).last_accessed_at is None


def test_mark_used_touches_only_your_entries(app, user, other_user):
    mine = add_memory(app, user)
    theirs = add_memory(app, other_user)
    with app.app_context():
        assert mark_used(user.id, [mine, theirs]) == 1
        assert mark_used(user.id, []) == 0
    assert load(app, mine).last_accessed_at is not None
    assert load(app, theirs).last_accessed_at is None


# ---------- Delete ----------


def test_delete_asks_first(signed_in, app, user):
    memory_id = add_memory(app, user)
    page = signed_in.get("/memory").text
    assert '<details class="confirm-menu">' in page
    assert f'action="/memory/{memory_id}/delete"' in page
    assert "Delete this entry? Synth will forget it." in page


def test_delete_in_place(signed_in, app, user):
    memory_id = add_memory(app, user)
    response = signed_in.post(f"/memory/{memory_id}/delete", headers=HX)
    assert response.status_code == 200
    assert "Memory entry deleted." in response.text
    assert "memory-card" not in response.text
    assert load(app, memory_id) is None


def test_delete_on_the_list_shows_the_list_as_it_now_is(signed_in, app, user):
    ids = [add_memory(app, user, f"Slack fact {n}.") for n in range(3)]
    add_memory(app, user, "Invoices in GBP.")
    response = signed_in.post(
        f"/memory/{ids[0]}/delete",
        headers={**HX, "HX-Current-URL": "http://localhost/memory?q=slack"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#memory-results"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "Showing 1–2" in response.text and "containing “slack”" in response.text
    assert f'id="memory-{ids[0]}"' not in response.text
    assert f'id="memory-{ids[1]}"' in response.text and "GBP" not in response.text
    assert "Memory entry deleted." in response.text
    assert load(app, ids[0]) is None


def test_delete_elsewhere_only_says_so(signed_in, app, user):
    memory_id = add_memory(app, user)
    response = signed_in.post(
        f"/memory/{memory_id}/delete",
        headers={**HX, "HX-Current-URL": f"http://localhost/memory/{memory_id}"},
    )
    assert "HX-Retarget" not in response.headers
    assert "memory-card" not in response.text
    assert "Memory entry deleted." in response.text


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/memory?type=pattern&page=2", "/memory?type=pattern&page=2"),
        ("https://evil.example/", "/memory"),
        ("//evil.example/", "/memory"),
        (None, "/memory"),
    ],
)
def test_delete_without_javascript(signed_in, app, user, next_url, location):
    memory_id = add_memory(app, user)
    data = {"next": next_url} if next_url else {}
    response = signed_in.post(f"/memory/{memory_id}/delete", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert load(app, memory_id) is None


def test_delete_needs_post(signed_in, app, user):
    memory_id = add_memory(app, user)
    assert signed_in.get(f"/memory/{memory_id}/delete").status_code == 405
    assert load(app, memory_id) is not None


# ---------- Access ----------

ROUTES = [
    ("get", "/memory/{id}"),
    ("get", "/memory/{id}/edit"),
    ("post", "/memory/{id}/edit"),
    ("post", "/memory/{id}/delete"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_another_persons_entry_is_not_found(signed_in, app, other_user, method, url):
    memory_id = add_memory(app, other_user, "Grace's entry.", relevance_score=0.2)
    response = getattr(signed_in, method)(
        url.format(id=memory_id), data=valid_form(content="Hijacked.")
    )
    assert response.status_code == 404
    entry = load(app, memory_id)
    assert (entry.content, entry.relevance_score) == ("Grace's entry.", 0.2)


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_missing_entry_is_not_found(signed_in, method, url):
    assert getattr(signed_in, method)(url.format(id=999)).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/memory"), ("get", "/memory/new"), *ROUTES],
)
def test_signed_out_people_are_sent_to_login(client, app, user, method, url):
    memory_id = add_memory(app, user)
    response = getattr(client, method)(url.format(id=memory_id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert load(app, memory_id) is not None

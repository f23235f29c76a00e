"""The execution log: rows, filters in the URL, keyset pages and the indexes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from synth_web.executions.listing import (
    BadCursor,
    Filters,
    decode_cursor,
    encode_cursor,
    error_summary,
    list_runs,
    page_query,
)
from synth_web.extensions import db
from synth_web.models import Execution, User, utcnow
from tests.run_factories import add_run, add_runs, add_workflow, run_values

HX = {"HX-Request": "true"}


@pytest.fixture
def app_config():
    # Runs stay as the test made them: nothing executes in the background.
    return {"SYNTH_EXECUTOR": "external"}


def run_ids(html: str) -> list[int]:
    """Return the run ids of the rows on a page, top to bottom."""
    return [int(n) for n in re.findall(r'<tr id="run-(\d+)"', html)]


def link(html: str, rel: str) -> str | None:
    """Return the href of the pager link with this rel, unescaped."""
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def set_timezone(app, user_id: int, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).timezone = zone
        db.session.commit()


# ---------- Rows ----------


def test_empty_log_explains_where_runs_come_from(signed_in):
    response = signed_in.get("/executions")
    assert response.status_code == 200
    assert "No runs yet" in response.text


def test_row_says_which_step_failed_and_why_in_short(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    error = (
        "Step 3 of 3, `notify` (slack.post_message) failed: Slack answered "
        "ratelimited: too many messages, retry later."
    )
    run_id = add_run(app, workflow_id, user.id, status="failure", error_log=error)
    html = signed_in.get("/executions").text
    row = re.search(rf'<tr id="run-{run_id}".*?</tr>', html, re.S).group(0)
    assert "<code>notify</code>: Slack answered ratelimited: too many messages" in row
    assert f'title="{error}"' in row.replace("&#96;", "`")


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ("Step 1 of 2, `get` (http.request) failed: HTTP 503", "`get`: HTTP 503"),
        ("Cancelled by Ada.\nmore", "Cancelled by Ada."),
        ("Step 2 `x` failed: no", "Step 2 `x` failed: no"),
        (None, None),
    ],
)
def test_error_summary(text, summary):
    assert error_summary(text) == summary


def test_row_shows_workflow_trigger_status_duration_and_first_error_line(
    signed_in, app, user
):
    workflow_id = add_workflow(app, user.id, name="Big orders to Slack")
    run_id = add_run(
        app,
        workflow_id,
        user.id,
        status="failure",
        trigger_type="webhook",
        error_log="Step 2 `notify` failed: Slack said no\nTraceback line",
    )
    html = signed_in.get("/executions").text
    row = re.search(rf'<tr id="run-{run_id}".*?</tr>', html, re.S).group(0)
    assert "Big orders to Slack" in row
    assert "Webhook" in row
    assert 'class="badge badge-failure"' in row and "Failure" in row
    assert "2.0 s" in row
    assert "Step 2 `notify` failed: Slack said no" in row
    assert "Traceback line" not in row
    assert "hx-trigger" not in row


def test_unfinished_rows_poll_themselves(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    queued = add_run(app, workflow_id, user.id, status="queued")
    running = add_run(app, workflow_id, user.id, status="running")
    done = add_run(app, workflow_id, user.id, status="success")
    html = signed_in.get("/executions").text
    for run_id, status in ((queued, "queued"), (running, "running")):
        row = re.search(rf'<tr id="run-{run_id}"[^>]*>', html).group(0)
        assert f'hx-get="/executions/{run_id}/status?part=row&amp;v={status}"' in row
        assert 'hx-trigger="every 2s"' in row and 'hx-swap="outerHTML"' in row
    assert "hx-trigger" not in re.search(rf'<tr id="run-{done}"[^>]*>', html).group(0)


def test_manual_runs_say_who_started_them_and_retries_link_back(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    first = add_run(app, workflow_id, user.id, meta={"trigger": {"started_by": "Ada"}})
    add_run(app, workflow_id, user.id, meta={"retry_of": first})
    html = signed_in.get("/executions").text
    assert 'Run now</span><span class="muted"> by Ada' in html
    assert f'retry of <a href="/executions/{first}">#{first}</a>' in html


def test_filtered_runs_are_marked(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    add_run(app, workflow_id, user.id, meta={"filtered": True, "filtered_at": "big"})
    assert ">filtered</span>" in signed_in.get("/executions").text


def test_other_peoples_runs_never_show(signed_in, app, user, other_user):
    mine = add_run(app, add_workflow(app, user.id), user.id)
    theirs = add_run(app, add_workflow(app, other_user.id), other_user.id)
    ids = run_ids(signed_in.get("/executions").text)
    assert mine in ids and theirs not in ids


# ---------- Filters ----------


@pytest.fixture
def mixed(app, user):
    """Runs that differ in one way each, to test every filter alone."""
    alpha = add_workflow(app, user.id, name="Alpha")
    beta = add_workflow(app, user.id, name="Beta", trigger={"type": "webhook"})
    runs = {
        "alpha_ok": add_run(app, alpha, user.id),
        "alpha_bad": add_run(
            app, alpha, user.id, status="failure", error_log="HTTP 503 from shop"
        ),
        "beta_hook": add_run(app, beta, user.id, trigger_type="webhook"),
        "beta_bad": add_run(
            app,
            beta,
            user.id,
            status="failure",
            trigger_type="webhook",
            error_log="Timed out after 10 s waiting for 100%_sure.example",
        ),
        "old": add_run(
            app, alpha, user.id, created_at=datetime(2026, 1, 10, 12, tzinfo=UTC)
        ),
    }
    return {"alpha": alpha, "beta": beta, **runs}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "failure"}, {"alpha_bad", "beta_bad"}),
        ({"trigger": "webhook"}, {"beta_hook", "beta_bad"}),
        ({"q": "timed OUT"}, {"beta_bad"}),
        # LIKE wildcards are taken literally.
        ({"q": "100%_sure"}, {"beta_bad"}),
        ({"q": "%"}, {"beta_bad"}),
        ({"from": "2026-01-10", "to": "2026-01-10"}, {"old"}),
        ({"to": "2026-01-31"}, {"old"}),
    ],
)
def test_each_filter(signed_in, mixed, query, expected):
    response = signed_in.get("/executions", query_string=query)
    assert response.status_code == 200
    assert set(run_ids(response.text)) == {mixed[name] for name in expected}


def test_workflow_filter(signed_in, mixed):
    html = signed_in.get(f"/executions?workflow={mixed['beta']}").text
    assert set(run_ids(html)) == {mixed["beta_hook"], mixed["beta_bad"]}


def test_filters_combine(signed_in, mixed):
    query = {"status": "failure", "workflow": mixed["alpha"], "q": "503"}
    html = signed_in.get("/executions", query_string=query).text
    assert run_ids(html) == [mixed["alpha_bad"]]
    query["trigger"] = "webhook"
    html = signed_in.get("/executions", query_string=query).text
    assert run_ids(html) == []
    assert "No runs match these filters" in html


def test_filters_stay_in_the_form_and_the_pager_links(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    add_runs(
        app,
        [
            run_values(workflow_id, user.id, status="failure", error_log="boom")
            for _ in range(55)
        ],
    )
    html = signed_in.get(
        f"/executions?status=failure&q=boom&workflow={workflow_id}"
    ).text
    assert '<option selected value="failure">' in html
    assert 'value="boom"' in html
    older = link(html, "next")
    assert "status=failure" in older and "q=boom" in older
    assert f"workflow={workflow_id}" in older


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "exploded"}, "Choose a status from the list."),
        ({"trigger": "carrier-pigeon"}, "Choose a trigger from the list."),
        ({"workflow": "banana"}, "Choose a workflow of yours from the list."),
        ({"from": "2026-02-30"}, "Enter a date like 2026-01-31."),
        ({"to": "yesterday"}, "Enter a date like 2026-01-31."),
        (
            {"from": "2026-03-02", "to": "2026-03-01"},
            "The end date is before the start date.",
        ),
        ({"q": "x" * 201}, "Keep it under 200 characters."),
    ],
)
def test_bad_filters_are_explained_beside_the_field(signed_in, mixed, query, message):
    response = signed_in.get("/executions", query_string=query)
    assert response.status_code == 200
    assert message in response.text
    assert 'class="field-error"' in response.text
    assert run_ids(response.text) == []
    assert "Fix the filters above to see runs." in response.text


def test_another_persons_workflow_is_not_a_filter_choice(
    signed_in, app, user, other_user
):
    theirs = add_workflow(app, other_user.id, name="Secret plans")
    add_run(app, theirs, other_user.id)
    response = signed_in.get(f"/executions?workflow={theirs}")
    assert "Choose a workflow of yours from the list." in response.text
    assert "Secret plans" not in response.text


def test_date_range_is_read_in_the_persons_time_zone(signed_in, app, user):
    # New York is UTC-5 in January.
    set_timezone(app, user.id, "America/New_York")
    workflow_id = add_workflow(app, user.id)

    def at(*parts):
        return add_run(
            app, workflow_id, user.id, created_at=datetime(*parts, tzinfo=UTC)
        )

    before = at(2026, 1, 14, 4, 59, 59)  # 23:59:59 on the 13th in New York
    first = at(2026, 1, 14, 5, 0, 0)  # midnight on the 14th
    last = at(2026, 1, 15, 4, 59, 59)  # 23:59:59 on the 14th
    after = at(2026, 1, 15, 5, 0, 0)  # midnight on the 15th
    html = signed_in.get("/executions?from=2026-01-14&to=2026-01-14").text
    assert set(run_ids(html)) == {first, last}
    html = signed_in.get("/executions?to=2026-01-13").text
    assert run_ids(html) == [before]
    html = signed_in.get("/executions?from=2026-01-15").text
    assert run_ids(html) == [after]


# ---------- Keyset pages ----------


@pytest.fixture
def many(app, user):
    """120 runs; every three share a created_at, so ids break the ties."""
    workflow_id = add_workflow(app, user.id)
    start = utcnow() - timedelta(days=1)
    add_runs(
        app,
        [
            run_values(
                workflow_id, user.id, created_at=start + timedelta(seconds=i // 3)
            )
            for i in range(120)
        ],
    )
    return workflow_id


def newest_first(app, user_id: int) -> list[int]:
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT id FROM executions WHERE user_id = :u "
                "ORDER BY created_at DESC, id DESC"
            ),
            {"u": user_id},
        )
        return [row.id for row in rows]


def test_pages_of_fifty_walk_every_run_once_in_order(signed_in, app, user, many):
    expected = newest_first(app, user.id)
    first = signed_in.get("/executions")
    assert "50+ runs" in first.text
    assert link(first.text, "prev") is None
    seen, url, pages = run_ids(first.text), link(first.text, "next"), 1
    while url:
        assert "offset" not in url and "page=" not in url
        response = signed_in.get(url)
        assert response.status_code == 200
        assert "« Newest" in response.text
        seen += run_ids(response.text)
        url, pages = link(response.text, "next"), pages + 1
    assert pages == 3
    assert seen == expected
    assert len(set(seen)) == 120


def test_next_page_is_stable_when_newer_runs_arrive(signed_in, app, user, many):
    first = signed_in.get("/executions").text
    second_url = link(first, "next")
    before = run_ids(signed_in.get(second_url).text)
    add_runs(app, [run_values(many, user.id) for _ in range(7)])
    after = run_ids(signed_in.get(second_url).text)
    assert after == before
    assert run_ids(first)[-1] not in after
    assert newest_first(app, user.id)[57:107] == after


def test_newer_link_goes_back_to_the_previous_page(signed_in, app, user, many):
    pages = [signed_in.get("/executions").text]
    pages.append(signed_in.get(link(pages[0], "next")).text)
    pages.append(signed_in.get(link(pages[1], "next")).text)
    back = signed_in.get(link(pages[2], "prev")).text
    assert run_ids(back) == run_ids(pages[1])
    # From page 2, "newer" reaches the top: that is the newest page.
    top = signed_in.get(link(pages[1], "prev")).text
    assert run_ids(top) == run_ids(pages[0])


def test_pages_follow_the_filters(signed_in, app, user, many):
    add_runs(
        app,
        [run_values(many, user.id, status="failure", error_log="x") for _ in range(60)],
    )
    first = signed_in.get("/executions?status=failure").text
    second = signed_in.get(link(first, "next")).text
    ids = run_ids(first) + run_ids(second)
    assert len(ids) == 60 == len(set(ids))
    assert link(second, "next") is None


@pytest.mark.parametrize(
    "query",
    [
        {"older": "not-a-cursor"},
        {"newer": "%%%"},
        {"older": encode_cursor(utcnow(), 1)[:-3] + "@@@"},
        {"older": "MjAyNnwx"},  # "2026|1": a year alone is not a time
        {"older": "bm90IGEgZGF0ZXwx"},  # "not a date|1"
    ],
)
def test_a_bad_cursor_answers_400_with_a_way_back(signed_in, app, user, query):
    add_run(app, add_workflow(app, user.id), user.id)
    response = signed_in.get("/executions", query_string=query)
    assert response.status_code == 400
    assert "This page link is broken or out of date" in response.text
    assert "Go to the newest runs" in response.text
    assert run_ids(response.text) == []


def test_cursor_round_trip_and_refusals():
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    for token in ("", "x", encode_cursor(moment, 0)):
        with pytest.raises(BadCursor):
            decode_cursor(token)
    naive = "MjAyNi0wMy0wMVQxMjozMDoxNXw0Mg"  # no time zone
    with pytest.raises(BadCursor):
        decode_cursor(naive)


def test_the_label_never_counts_the_table(app, user, many):
    with app.test_request_context():
        page = list_runs(user.id, Filters(), UTC)
        assert page.label == "50+ runs"
        last = list_runs(user.id, Filters(), UTC, older=page.older)
        last = list_runs(user.id, Filters(), UTC, older=last.older)
        assert last.label == "20 runs"
        assert last.older is None


# ---------- Page or fragment ----------


def test_htmx_gets_the_fragment_and_a_tidy_url(signed_in, app, user):
    add_run(app, add_workflow(app, user.id), user.id, status="failure")
    response = signed_in.get(
        "/executions?status=failure&workflow=&trigger=&from=&to=&q=", headers=HX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="executions-view"')
    assert response.headers["HX-Push-Url"] == "/executions?status=failure"
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_navigation_gets_the_whole_page(signed_in):
    response = signed_in.get("/executions", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in response.text
    assert "HX-Push-Url" not in response.headers


# ---------- The indexes serve the pages ----------


class Explain(Executable, ClauseElement):
    """EXPLAIN a SELECT, with its bound values processed like the real query."""

    inherit_cache = False

    def __init__(self, statement, prefix: str) -> None:
        self.statement = statement
        self.prefix = prefix


@compiles(Explain)
def _compile_explain(element, compiler, **kw):
    return f"{element.prefix} {compiler.process(element.statement, **kw)}"


def explain(query) -> str:
    sqlite = db.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN" if sqlite else "EXPLAIN"
    rows = db.session.execute(Explain(query, prefix))
    return "\n".join(str(row[-1]) for row in rows)


@pytest.fixture
def big_log(app, user, other_user):
    """20,000 runs of two people, so the planner's choice means something."""
    ids = [add_workflow(app, u.id) for u in (user, other_user)]
    with app.app_context():
        start = utcnow() - timedelta(days=30)
        for owner, workflow_id in zip((user, other_user), ids, strict=True):
            rows = [
                run_values(
                    workflow_id,
                    owner.id,
                    status="failure" if i % 7 == 0 else "success",
                    created_at=start + timedelta(seconds=i * 130),
                )
                for i in range(10_000)
            ]
            db.session.execute(insert(Execution), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "ix_executions_user_created"),
        ({"status": "failure"}, "ix_executions_user_status_timing"),
    ],
)
def test_first_and_deep_pages_read_the_index_without_sorting(
    app, user, big_log, filters, index
):
    deep_cursor = (utcnow() - timedelta(days=20), 10**9)
    with app.app_context():
        for place in (None, deep_cursor):
            query = page_query(user.id, Filters(**filters), UTC, place)
            found = explain(query)
            assert index in found, found
            # SQLite says "USE TEMP B-TREE FOR ORDER BY", PostgreSQL "Sort".
            assert "TEMP B-TREE" not in found and "Sort" not in found, found
            assert "OFFSET" not in str(query).upper()

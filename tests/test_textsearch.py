"""Search helpers: literal LIKE patterns and highlighting that cannot inject HTML."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from synth_web.textsearch import highlight, like_pattern, snippet


@pytest.mark.parametrize(
    ("typed", "pattern"),
    [
        ("slack", "%slack%"),
        ("100%", "%100\\%%"),
        ("snake_case", "%snake\\_case%"),
        ("back\\slash", "%back\\\\slash%"),
    ],
)
def test_like_pattern_matches_literally(typed, pattern):
    assert like_pattern(typed) == pattern


def test_highlight_marks_every_match_ignoring_case():
    assert highlight("Slack, then slack again", "SLACK") == Markup(
        "<mark>Slack</mark>, then <mark>slack</mark> again"
    )


def test_highlight_escapes_before_marking():
    marked = highlight('<script>alert("x")</script>', "script")
    assert marked == Markup(
        "&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;"
    )


def test_highlight_of_markup_characters_in_the_query():
    assert highlight("a <b> c", "<b>") == Markup("a <mark>&lt;b&gt;</mark> c")
    assert highlight("a & b", "&") == Markup("a <mark>&amp;</mark> b")


def test_highlight_without_query_only_escapes():
    assert highlight("<i>x</i>", None) == Markup("&lt;i&gt;x&lt;/i&gt;")


def test_highlight_treats_regex_characters_literally():
    assert highlight("cost (USD) 1.5", "(usd)") == Markup("cost <mark>(USD)</mark> 1.5")


def test_snippet_keeps_short_text():
    assert snippet("short text", "text") == "short text"


def test_snippet_cuts_around_the_first_match():
    text = "x" * 300 + " needle " + "y" * 300
    cut = snippet(text, "needle", length=100)
    assert cut.startswith("…") and cut.endswith("…")
    assert "needle" in cut
    assert len(cut) <= 102


def test_snippet_without_match_starts_at_the_beginning():
    cut = snippet("a" * 500, "zzz", length=50)
    assert cut == "a" * 50 + "…"

"""Assistant messages in Markdown, rendered safely, search matches marked.

markdown-it-py renders CommonMark with raw HTML switched off (typed tags come
out as text), then nh3 keeps only the tags a chat message needs, links with
http(s) or mailto addresses and no other attribute. What a model or a person
wrote can never put a script, a style, an image or an event handler on the
page: two locks, each enough on its own.
"""

from __future__ import annotations

import html as entities
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from synth_web.textsearch import highlight

# Longer messages (programs may append up to 100,000 characters) are shown as
# text: rendering one takes ~0.2 s at 100,000.
MAX_MARKDOWN_CHARS = 20_000
TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}
# Tags and character references: the pieces of sanitised HTML that are not text.
NOT_TEXT = re.compile(r"(<[^>]*>|&[#\w]+;)")

# Images would load from anywhere (and the CSP refuses them anyway): a link.
PARSER = MarkdownIt("commonmark", {"html": False}).disable("image")


def only_listed(tag: str, attribute: str, value: str) -> str | None:
    """Drop the attributes ammonia keeps on every tag (title, lang)."""
    kept = ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
    return value if attribute in kept else None


def clean_html(html: str) -> str:
    """Keep only the tags and attributes a chat message may have."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=only_listed,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def mark_matches(html: str, q: str) -> str:
    """Wrap matches of q in <mark>, in the text between tags only."""
    pattern = re.compile(re.escape(str(escape(q))), re.IGNORECASE)
    pieces = NOT_TEXT.split(html)
    for index in range(0, len(pieces), 2):  # even pieces are text
        pieces[index] = pattern.sub(
            lambda m: f"<mark>{m.group()}</mark>", pieces[index]
        )
    return "".join(pieces)


@lru_cache(maxsize=512)
def safe_html(text: str) -> str:
    """Render Markdown and clean it, once per text (transcripts are read again)."""
    return clean_html(PARSER.render(text))


def render_markdown(text: str, q: str | None = None) -> Markup:
    """Render a message's Markdown as safe HTML, search matches marked."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return Markup('<p class="message-text">{}</p>').format(highlight(text, q))
    html = safe_html(text)
    if q:
        html = mark_matches(html, q)
    return Markup(html)  # noqa: S704 - sanitised by nh3 just above


def plain_text(text: str) -> str:
    """Read a message's Markdown as plain text (for search snippets)."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return text
    bare = nh3.clean(safe_html(text), tags=set())
    return " ".join(entities.unescape(bare).split())

"""A request made ready to read: markup dropped, exact values set aside, typos fixed.

Quoted text, URLs, email addresses and #channels are values the person typed
exactly: they are replaced by placeholders (`quote_0`, `url_0`, `email_0`,
`channel_0`) so no grammar rule reads inside them, and come back verbatim.
Recognisers then *take* what they understand: the span is blanked (same length,
so positions keep their order) and the rest is left for the next one.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from synth_web.planner.lexicon import EVERYDAY
from synth_web.planner.phrases import set_aside_phrases

SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.I | re.S)
TAG = re.compile(r"</?[a-z][^>]*>", re.I)
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": "'"})
DOUBLE_QUOTED = re.compile(r'"([^"\n]{1,500})"')
# An opening quote follows no letter ("it's", "o'clock" are not quotes).
SINGLE_QUOTED = re.compile(r"(?<![\w])'([^'\n]{1,500}?)'(?![\w])")
URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.I)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A channel name never ends with the sentence's full stop ("… to #ops.").
CHANNEL = re.compile(r"(?<![\w&/])#([a-z0-9](?:[a-z0-9_.-]{0,78}[a-z0-9_])?)", re.I)
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
PLACEHOLDER = re.compile(r"\b(quote|url|email|channel)_(\d+)\b")
TEMPLATE_MARKS = (("{{", "{ {"), ("}}", "} }"), ("{%", "{ %"), ("%}", "% }"))


@dataclass
class Request:
    """The request as the recognisers read it, and the exact values it holds."""

    original: str
    # Lower-case, placeholders for values, typos fixed: what rules match against.
    text: str
    # The same before typos were fixed: brand names are read from this one.
    raw: str
    values: dict[str, list[str]] = field(default_factory=dict)

    def take(self, pattern: re.Pattern[str], start: int = 0) -> re.Match[str] | None:
        """Find the pattern, blank what it matched, and return the match."""
        match = pattern.search(self.text, start)
        if match:
            self.blank(match.start(), match.end())
        return match

    def take_all(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Take every match of the pattern, in order."""
        found = list(pattern.finditer(self.text))
        for match in found:
            self.blank(match.start(), match.end())
        return found

    def blank(self, start: int, end: int) -> None:
        """Mark a span as understood, keeping every position in place."""
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def value(self, token: str) -> str:
        """Return the exact value behind a placeholder like `url_0`."""
        match = PLACEHOLDER.fullmatch(token)
        if not match:
            return token
        kind, index = match.group(1), int(match.group(2))
        return self.values[kind][index]

    def placeholders(self, kind: str, span: tuple[int, int] | None = None) -> list[str]:
        """List the placeholders of one kind in the text (or in a span of it)."""
        text = self.text if span is None else self.text[span[0] : span[1]]
        return [m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(1) == kind]

    @property
    def has_words(self) -> bool:
        """Tell whether anything readable is left (not only emoji or markup)."""
        return bool(WORD.search(self.raw)) or any(self.values.values())


def strip_markup(text: str) -> str:
    """Drop scripts and styles with their content, and every other tag."""
    text = SCRIPT.sub(" ", text)
    return html.unescape(TAG.sub(" ", text))


def set_aside(text: str, pattern: re.Pattern[str], kind: str, values: dict) -> str:
    """Replace each match by a placeholder and keep its exact value."""
    found: list[str] = values.setdefault(kind, [])

    def keep(match: re.Match[str]) -> str:
        value = match.group(1) if kind in ("quote",) else match.group(0)
        if kind == "url":
            value = value.rstrip(".,;:!?)")
            tail = match.group(0)[len(value) :]
            found.append(value)
            return f" {kind}_{len(found) - 1} {tail}"
        found.append(value.strip() if kind == "quote" else value)
        return f" {kind}_{len(found) - 1} "

    return pattern.sub(keep, text)


def read_request(original: str, vocabulary: Iterable[str]) -> Request:
    """Prepare a request for the recognisers."""
    text = strip_markup(original).translate(QUOTES)
    values: dict[str, list[str]] = {}
    text = set_aside(text, URL, "url", values)
    text = set_aside(text, DOUBLE_QUOTED, "quote", values)
    text = set_aside(text, SINGLE_QUOTED, "quote", values)
    text = set_aside(text, EMAIL, "email", values)
    text = set_aside(text, CHANNEL, "channel", values)
    text = set_aside_phrases(text, values)
    raw = " ".join(text.lower().split())
    words = frozenset(vocabulary)
    fixed = WORD.sub(lambda m: fix_word(m.group(0), words), raw)
    return Request(original, fixed, raw, values)


def fix_word(word: str, vocabulary: frozenset[str]) -> str:
    """Replace a misspelt word by the one of the vocabulary it is closest to."""
    # "webhook's" is a possessive, not a typo of "webhooks".
    if len(word) < 4 or "'" in word or word in vocabulary or word in EVERYDAY:
        return word
    if inflected(word, vocabulary):
        return word
    return closest(word, vocabulary) or word


def inflected(word: str, vocabulary: frozenset[str]) -> bool:
    """Tell whether a word is a known word with an ending ("errors", "closed")."""
    for ending in ("s", "es", "d", "ed", "ing"):
        base = word.removesuffix(ending)
        if base != word and (base in vocabulary or base in EVERYDAY):
            return True
    return False


@lru_cache(maxsize=4096)
def closest(word: str, vocabulary: frozenset[str]) -> str | None:
    """Return the vocabulary word a typo most likely meant, or None.

    A typo keeps its first letter and its length give or take one letter.
    """
    near = [v for v in vocabulary if v[0] == word[0] and abs(len(v) - len(word)) <= 1]
    found = difflib.get_close_matches(word, near, n=1, cutoff=0.8)
    return found[0] if found else None


def neutral(text: str) -> str:
    """Make a person's text plain data: template marks cannot run in a step."""
    for mark, spaced in TEMPLATE_MARKS:
        while mark in text:
            text = text.replace(mark, spaced)
    return text

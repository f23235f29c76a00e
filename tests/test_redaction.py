"""Secrets are masked in the UI and redacted from run output."""

from __future__ import annotations

import json

import pytest

from synth_web.vault import REDACTED, mask, redact

TOKEN = "xoxb-1234-5678-abcdef"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("", ""),
        ("a", "••••••"),
        ("12345678", "••••••"),
        ("123456789", "••••••89"),
        ("123456789012", "••••••012"),
        ("1234567890123456", "••••••3456"),
        ("xoxb-1234567890-abcdefa1b2", "••••••a1b2"),
    ],
)
def test_mask(value, masked):
    assert mask(value) == masked


def test_mask_never_shows_more_than_a_quarter_nor_the_length():
    for length in range(1, 64):
        masked = mask("x" * length)
        assert len(masked) - len("••••••") <= min(4, length // 4)
        assert masked.startswith("••••••")


def test_redacts_a_secret_inside_a_longer_string():
    text = f"POST failed: Authorization: Bearer {TOKEN} was refused"
    assert (
        redact(text, [TOKEN])
        == f"POST failed: Authorization: Bearer {REDACTED} was refused"
    )


def test_redacts_through_nested_json():
    output = {
        "status": 401,
        "headers": {"authorization": f"Bearer {TOKEN}"},
        "items": [TOKEN, {"deep": [f"x{TOKEN}x"]}, 3, None, True],
        "tuple": (TOKEN,),
    }
    assert redact(output, [TOKEN]) == {
        "status": 401,
        "headers": {"authorization": f"Bearer {REDACTED}"},
        "items": [REDACTED, {"deep": [f"x{REDACTED}x"]}, 3, None, True],
        "tuple": (REDACTED,),
    }


def test_leaves_the_input_untouched():
    output = {"items": [TOKEN]}
    redact(output, [TOKEN])
    assert output == {"items": [TOKEN]}


def test_short_secrets_are_not_redacted():
    assert redact("the pin is 123 and abc", ["123", "abc", ""]) == (
        "the pin is 123 and abc"
    )


def test_the_longest_secret_wins_when_one_contains_another():
    assert redact("key=abcd1234", ["abcd", "abcd1234"]) == f"key={REDACTED}"


def test_secrets_are_found_json_escaped_and_url_encoded():
    password = 'pa"ss wörd/1'
    body = json.dumps({"password": password})
    url = "https://h/login?password=pa%22ss+w%C3%B6rd%2F1"
    assert password not in redact(body, [password])
    assert REDACTED in redact(body, [password])
    assert redact(url, [password]) == f"https://h/login?password={REDACTED}"


def test_regex_characters_in_secrets_are_literal():
    assert redact("a.b*c+d and aXbbc", ["a.b*c+d"]) == f"{REDACTED} and aXbbc"


def test_no_secrets_returns_the_value_itself():
    output = {"x": "y"}
    assert redact(output, []) is output

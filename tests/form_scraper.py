"""Read an HTML form's fields the way a browser would submit them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class FormReader(HTMLParser):
    """Collect the successful controls of one form: inputs, selects, textareas."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: dict[str, Any] | None = None
        self.textarea: dict[str, Any] | None = None
        self.option: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form" and attr.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in attr:
            return
        if tag == "input" and attr.get("name"):
            kind = attr.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            self.fields.append((attr["name"], attr.get("value", "")))
        elif tag == "select" and attr.get("name"):
            self.select = {"name": attr["name"], "chosen": None, "first": None}
        elif tag == "option" and self.select is not None:
            self.option = {
                "value": attr.get("value"),
                "text": "",
                "selected": "selected" in attr,
            }
        elif tag == "textarea" and attr.get("name"):
            self.textarea = {"name": attr["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea["text"] += data
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "option" and self.option is not None and self.select is not None:
            value = self.option["value"]
            value = self.option["text"] if value is None else value
            if self.select["first"] is None:
                self.select["first"] = value
            if self.option["selected"]:
                self.select["chosen"] = value
            self.option = None
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            chosen = self.select["first"] if chosen is None else chosen
            if chosen is not None:
                self.fields.append((self.select["name"], chosen))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            # Browsers drop one line break right after <textarea>.
            text = text[2:] if text.startswith("\r\n") else text
            text = text[1:] if text.startswith("\n") else text
            # ... and send its line breaks as CRLF.
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self.fields.append((self.textarea["name"], text))
            self.textarea = None


def form_fields(html: str, form_id: str = "workflow-form") -> list[tuple[str, str]]:
    """Return the (name, value) pairs a browser would send for the form."""
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields

"""Well-known services and capabilities that the catalog does not have.

The planner names them under `unsupported` instead of guessing a workflow. The
list is declared here, from what people commonly ask automation tools for; it is
not drawn from any test sentence. A service that gets an app module leaves this
list: `missing_services` skips names the catalog now has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from synth_web.engine.apps import catalog


@dataclass(frozen=True)
class Unknown:
    """A service or capability, how people say it, and what Synth offers instead."""

    name: str
    pattern: re.Pattern[str]
    alternative: str = ""


def service(name: str, words: str) -> Unknown:
    """Declare a service by its name and the words that name it."""
    return Unknown(name, re.compile(rf"\b(?:{words})\b"))


SERVICES = (
    service("Trello", "trello"),
    service("HubSpot", "hub\\s?spot"),
    service("WhatsApp", "whats\\s?app"),
    service("Salesforce", "salesforce|sfdc"),
    service("Discord", "discord"),
    service(
        "Microsoft Teams",
        "microsoft\\s+teams|ms\\s+teams|(?:on|in|to|via)\\s+teams|teams\\s+"
        "(?:channel|chat|message)",
    ),
    service("Telegram", "telegram"),
    service("Twitter", "twitter|tweets?|tweeting|tweeted"),
    service("Facebook", "facebook|fb\\s+messenger"),
    service("Instagram", "instagram|insta"),
    service("LinkedIn", "linked\\s?in"),
    service("Jira", "jira"),
    service("Confluence", "confluence"),
    service("Asana", "asana"),
    service("Notion", "notion"),
    service("Airtable", "airtable"),
    service("Google Sheets", "google\\s+sheets?|gsheets?"),
    service("Google Docs", "google\\s+docs?"),
    service("Google Drive", "google\\s+drive|gdrive"),
    service("Google Calendar", "google\\s+calendar|gcal"),
    service("Google Forms", "google\\s+forms?"),
    service("Dropbox", "dropbox"),
    service("OneDrive", "one\\s?drive|sharepoint"),
    service("Zendesk", "zendesk"),
    service("Freshdesk", "freshdesk"),
    service("Intercom", "intercom"),
    service("Shopify", "shopify"),
    service("WooCommerce", "woo\\s?commerce"),
    service("Stripe", "stripe"),
    service("PayPal", "paypal"),
    service("GitHub", "github"),
    service("GitLab", "gitlab"),
    service("Bitbucket", "bitbucket"),
    service("Mailchimp", "mailchimp"),
    service("SendGrid", "sendgrid"),
    service("Twilio", "twilio"),
    service("Zoom", "zoom"),
    service("Outlook", "outlook|office\\s*365|microsoft\\s+365|hotmail"),
    service("Monday.com", "monday\\.com"),
    service("ClickUp", "click\\s?up"),
    service("Pipedrive", "pipedrive"),
    service("QuickBooks", "quick\\s?books"),
    service("Xero", "xero"),
    service("YouTube", "youtube"),
    service("TikTok", "tik\\s?tok"),
    service("Reddit", "reddit|subreddit"),
    service("PagerDuty", "pager\\s?duty"),
    service("Datadog", "datadog"),
    service("Sentry", "sentry"),
    service("AWS", "aws|amazon\\s+web\\s+services|s3\\s+bucket"),
    service("Typeform", "typeform"),
    service("Calendly", "calendly"),
    service("Mattermost", "mattermost"),
    service("Signal", "signal\\s+(?:app|messenger|message)|on\\s+signal"),
    service("WeChat", "wechat"),
    service("Linear", "linear\\s+(?:issue|ticket|app|board)|in\\s+linear"),
    service("Todoist", "todoist"),
    service("Evernote", "evernote"),
    service("Miro", "miro\\s+board|in\\s+miro"),
    service("Figma", "figma"),
    service("WordPress", "wordpress"),
    service("Webflow", "webflow"),
)


def capability(name: str, words: str, alternative: str) -> Unknown:
    """Declare a capability by its name, the words for it and what to do instead."""
    return Unknown(name, re.compile(rf"\b(?:{words})", re.S), alternative)


MESSAGE_INSTEAD = "Synth can post to Slack or send an email instead."
CAPABILITIES = (
    capability(
        "phone calls",
        r"(?:call|ring|phone|dial)\s+(?:me|him|her|them|us|my\s+(?:phone|mobile|cell))"
        r"\b|phone\s+calls?\b|voice\s+calls?\b|my\s+(?:phone|mobile|cell)\b",
        MESSAGE_INSTEAD,
    ),
    capability(
        "text messages (SMS)",
        # "text" as a verb with a person ("text my wife", "text Sam"); "the text",
        # "with text" and "text:" are a message's words.
        r"sms\b|(?<!the\s)(?<!with\s)(?<!a\s)(?<!its\s)(?<!same\s)(?<!message\s)"
        r"\btext(?:s|ing)?\s+(?!(?:of|messages?|fields?|body|is|was|to|from|in|"
        r"with|that|and|or|as|says?|saying|reads?|for|on|it|quote_\d+|channel_\d+|"
        r"email_\d+|url_\d+)\b)[a-z]|text\s+messages?\b|"
        r"send\s+(?:me\s+|him\s+|her\s+|them\s+)?an?\s+text\b|imessage\b",
        MESSAGE_INSTEAD,
    ),
    capability(
        "location triggers",
        r"(?:when(?:ever)?|once|as\s+soon\s+as|after|if)\s+(?:i|we|i'm|we're|"
        r"i\s+am|we\s+are|my\s+\w+|he|she|they)\s+(?:(?:arrive|arrives|get|gets|"
        r"come|comes|am|is|are|'m|'re)\s+(?:at|to|home|back\s+home|near|close\s+to)|"
        r"arrive\b|arrives\b|leave|leaves|left|reach|reaches|enter|enters|exit|"
        r"exits|drive\s+(?:to|home|past)|walk\s+(?:in|out))"
        r"|\bgps\b|\bgeofenc\w*|\bmy\s+location\b|\blocation[-\s]based\b",
        "Synth cannot see where you are. A workflow can run when you press Run "
        "now, on a schedule, or when a phone automation (like iOS Shortcuts) "
        "calls its webhook.",
    ),
    capability(
        "reading mail",
        r"(?:read|scan|check|search|go\s+through|goes\s+through|parse|monitor|watch|"
        r"triage|sort|clean\s+up|archive|label|delete|forward|open|summari[sz]e)\s+"
        r"(?:all\s+|every\s+)?(?:of\s+)?(?:my\s+|the\s+|our\s+|incoming\s+|unread\s+|"
        r"new\s+)*(?:e-?mails|mails|inbox|mailbox)\b|(?:my|our)\s+(?:inbox|mailbox)\b"
        r"|unread\s+(?:e-?mails?|mail)\b",
        "Synth can start a workflow when a new email arrives (Gmail's new_email "
        "event) and send email, but it does not read a mailbox.",
    ),
    capability(
        "AI writing and summaries",
        # Making a summary is writing; "post the daily summary" passes one on.
        r"summari[sz]\w*|(?:write|draft|generate|compose|create|make|produce|prepare)"
        r"\s+(?:me\s+|us\s+)?(?:a\s+|an\s+)?(?:\w+\s+)?summar(?:y|ies)\b|"
        r"\ban?\s+(?:\w+\s+)?summary\s+of\b|"
        r"tl;?dr\b|translat\w*|chat\s*gpt\b|gpt-?\d*\b"
        r"|openai\b|claude\b|gemini\b|llm\b|ai\b|artificial\s+intelligence\b|"
        r"sentiment\b|classif\w*|categori[sz]\w*|paraphras\w*|rewrit\w*|"
        r"(?:write|draft|generate|compose)\s+(?:a\s+|an\s+)?(?:reply|replies|response|"
        r"answer|image|picture|poem|caption)\b",
        "Synth can pass the text on as it is, or call an AI service's web API with "
        "an HTTP step.",
    ),
    capability(
        "querying a database",
        r"databases?\b|db\b|sql\b|postgres\w*|mysql\b|sqlite\b|mongo\w*|bigquery\b|"
        r"snowflake\b|(?:select|insert|update)\b.{0,60}\b(?:from|into)\b.{0,60}\btable\b",
        "An HTTP step can call a web API in front of the database.",
    ),
    capability(
        "spreadsheets",
        r"spreadsheets?\b|excel\b|xlsx\b|csv\s+files?\b",
        "An HTTP step can send rows to a spreadsheet service's web API.",
    ),
    capability(
        "files and attachments",
        r"upload\w*|attach\w*|pdfs?\b|files?\b|folders?\b|documents?\b|shared\s+drive\b"
        r"|s?ftp\b",
        "Synth can send a link in a Slack message or an email instead.",
    ),
    capability(
        "calendars",
        r"calendars?\b|meeting\s+invites?\b|(?:book|add|schedule|create)\s+(?:a\s+|an\s+)?"
        r"(?:meeting|event|appointment)\b",
        "Synth can run on a schedule and remind you in Slack or by email.",
    ),
    capability(
        "payments",
        r"(?:charge|refund|bill)\s+(?:the|a|my|our|their|customers?|cards?|clients?)\b"
        r"|(?:make|send|process|take)\s+(?:a\s+)?payments?\b|pay\s+(?:the|my|our|an?)\b"
        r"|transfer\s+money\b|wire\s+money\b",
        "An HTTP step can call your payment provider's web API.",
    ),
    capability(
        "push notifications",
        r"push\s+notifications?\b",
        MESSAGE_INSTEAD,
    ),
    capability(
        "printing",
        r"printer\b|print\s+(?:it|them|out)\b",
        MESSAGE_INSTEAD,
    ),
)


@cache
def offered() -> str:
    """Say in one sentence what the catalog offers, from the catalog itself."""
    items = [
        f"{app.name} ({', '.join(a.title.lower() for a in app.actions.values())})"
        for app in catalog().values()
        if any(a.title for a in app.actions.values())
    ]
    return "Synth can use " + ", ".join(items) + "."


def missing_services(text: str) -> list[Unknown]:
    """Return the services a request names that the catalog does not have."""
    known = {app.name.lower() for app in catalog().values()}
    return [
        item
        for item in SERVICES
        if item.name.lower() not in known and item.pattern.search(text)
    ]


def missing_capabilities(text: str) -> list[Unknown]:
    """Return the capabilities a request needs that no app offers."""
    return [item for item in CAPABILITIES if item.pattern.search(text)]


def alternatives_for(found: list[Unknown]) -> str:
    """Say what Synth can do instead of what was asked."""
    sentences = []
    services = [item.name for item in found if not item.alternative]
    if services:
        names = " and ".join(services)
        sentences.append(
            f"Synth has no {names} app yet: an HTTP step can call its web API, and a "
            "webhook can start a workflow when it sends events."
        )
    sentences += [item.alternative for item in found if item.alternative]
    sentences.append(offered())
    return " ".join(dict.fromkeys(sentences))

"""What the demo account's assistant remembers and what it talked about."""

from __future__ import annotations

MEMORIES: list[tuple[str, str, float]] = [
    ("preference", "Prefers Slack over email for anything urgent.", 0.95),
    ("preference", "Works in Paris time; no notifications before 08:00.", 0.9),
    ("preference", '{"digest_format": "bullet points", "currency": "USD"}', 0.72),
    ("preference", "Likes short message texts without emoji.", 0.41),
    (
        "reasoning",
        "Chose a webhook trigger for orders because the shop can push "
        "events; polling every minute would waste quota.",
        0.8,
    ),
    (
        "reasoning",
        "Retry Slack posts 3 times: the Slack API sometimes answers "
        "ratelimited during sales peaks.",
        0.66,
    ),
    (
        "reasoning",
        '{"decision": "filter before notify", "why": "only orders over '
        '$100 matter to #sales", "threshold": 100}',
        0.58,
    ),
    ("pattern", "Most workflows notify a Slack channel as their last step.", 0.77),
    ("pattern", "Creates new automations on Monday mornings.", 0.33),
    (
        "pattern",
        '{"busiest_hour_utc": 9, "runs_per_weekday": 42, "runs_per_weekend_day": 7}',
        0.49,
    ),
    (
        "workflow_decision",
        "Uptime check posts to #ops, not #engineering, after the "
        "person asked to keep #engineering for deploys.",
        0.86,
    ),
    (
        "workflow_decision",
        "The weekday digest skips weekends; the person said nobody reads it then.",
        0.62,
    ),
    (
        "workflow_decision",
        '{"workflow": "Overdue invoice reminders", "paused": true, '
        '"reason": "billing API migration in progress"}',
        0.54,
    ),
    ("user_behavior", "Usually opens failed runs within an hour of the alert.", 0.45),
    ("user_behavior", "Turns workflows off rather than deleting them.", 0.38),
    ("user_behavior", "Reads the execution log on mobile in the mornings.", 0.12),
    ("preference", "Wants invoices in GBP for UK customers.", 0.27),
    (
        "reasoning",
        "Nightly backup check fails loudly instead of posting, so the "
        "failure shows on the dashboard.",
        0.7,
    ),
    ("pattern", "Asks for weekly summaries rather than daily ones for metrics.", 0.21),
    ("user_behavior", "Never uses the Notion integration after connecting it.", 0.05),
]

# Workflows made in a conversation (at the first message naming them); the
# others are only talked about.
CREATED_IN_CHAT = {
    "Big orders to Slack",
    "Weekday sales digest",
    "Uptime check for the storefront",
}
CONVERSATIONS = [
    {
        "days_ago": 21,
        "messages": [
            ("system", "You are Synth. Turn requests into workflows.", None),
            (
                "user",
                "When a new order over $100 comes in, ping #sales on Slack.",
                None,
            ),
            (
                "assistant",
                "I can do that. Does your shop send a webhook for new "
                "orders, or should I check for them on a schedule?",
                None,
            ),
            ("user", "It sends webhooks. The total is in the `total` field.", None),
            (
                "assistant",
                "Done: I created **Big orders to Slack**. It reads "
                "`trigger.body.total`, keeps orders over $100 and posts to #sales.",
                "Big orders to Slack",
            ),
            ("user", "Great. Can it retry if Slack is down?", None),
            (
                "assistant",
                "Yes: the Slack step now retries 3 times, 2 seconds apart.",
                "Big orders to Slack",
            ),
        ],
    },
    {
        # Before the run history (13 days): its workflows were made here.
        "days_ago": 16,
        "messages": [
            (
                "user",
                "I want a digest of yesterday's sales every weekday morning.",
                None,
            ),
            ("assistant", "What time, and where should it go?", None),
            ("user", "9am Paris time, by email to me@example.com.", None),
            (
                "assistant",
                "Created **Weekday sales digest**: Monday to Friday at "
                "09:00 Europe/Paris, fetching the shop's sales API and emailing you.",
                "Weekday sales digest",
            ),
            (
                "user",
                "Also alert me if the storefront is down. <b>Urgent</b> stuff "
                "goes to Slack please.",
                None,
            ),
            (
                "assistant",
                "Noted that you prefer Slack for urgent things. I set up "
                "**Uptime check for the storefront** every 15 minutes, alerting #ops.",
                "Uptime check for the storefront",
            ),
        ],
    },
    {
        "days_ago": 1,
        "messages": [
            ("user", "Why did the backup check fail last night?", None),
            (
                "assistant",
                "The backup API said the latest backup was 31 hours old, "
                "so the workflow failed on purpose, as you asked.",
                "Nightly backup check",
            ),
            ("user", "OK. Can you sync my Notion tasks too?", None),
            (
                "assistant",
                "I drafted **Sync Notion tasks (draft)**, but Notion is "
                "not in the app catalog yet, so it cannot run. It is saved inactive.",
                "Sync Notion tasks (draft)",
            ),
            ("user", "Fine, leave it for now.", None),
        ],
    },
]

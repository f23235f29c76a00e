"""Words that tell which field of the data a condition reads, and which cannot."""

from __future__ import annotations

# Words that say which field an "only for urgent tickets" is about.
ADJECTIVE_FIELDS = {
    "priority": ("urgent", "critical", "high", "low", "normal", "important", "blocker"),
    "status": (
        "paid",
        "unpaid",
        "failed",
        "open",
        "closed",
        "pending",
        "refunded",
        "cancelled",
        "canceled",
        "completed",
        "new",
        "active",
        "overdue",
    ),
}
# Words that cannot be a field: the subject of the sentence, not its data.
NOT_FIELDS = frozenset(
    "it this that there a an webhook hook one day i my our someone somebody anyone "
    "you we they new time times minute minutes hour hours week weeks month months "
    "year years wait delay pause".split()
)
# A thing compared with a number is compared by its usual amount field: "a payment
# over 250" reads `amount`, "an order over 100" reads `total` (said in assumptions).
AMOUNT_OF = {
    "order": "total",
    "orders": "total",
    "cart": "total",
    "basket": "total",
    **{
        noun: "amount"
        for noun in (
            "payment payments invoice invoices transaction transactions refund "
            "refunds sale sales deal deals purchase purchases donation donations "
            "charge charges expense expenses bill bills transfer transfers tip "
            "payout payouts subscription"
        ).split()
    },
}
# Words before the thing that do not name a field ("a new order over 100").
DESCRIBING = frozenset("new incoming single big large small latest recent".split())

"""The schedule parser: words -> a 5-field cron and an IANA zone, or a question."""

from __future__ import annotations

import pytest

from synth_web.planner.offline import vocabulary
from synth_web.planner.schedule import Unsayable, take_schedule
from synth_web.planner.text import read_request

MINE = "Europe/Paris"


def schedule_of(words: str):
    return take_schedule(read_request(words, vocabulary()), MINE)


@pytest.mark.parametrize(
    ("words", "cron", "zone"),
    [
        ("weekdays at 8:15", "15 8 * * 1-5", MINE),
        (
            "every Tuesday and Thursday at 2pm Berlin time",
            "0 14 * * 2,4",
            "Europe/Berlin",
        ),
        ("three times a day", "0 9,13,17 * * *", MINE),
        ("every 10 minutes during office hours", "*/10 9-16 * * 1-5", MINE),
        ("every 30 minutes from 9 to 5", "*/30 9-16 * * 1-5", MINE),
        ("on the 15th of each month", "0 9 15 * *", MINE),
        ("every other hour", "0 */2 * * *", MINE),
        ("at noon New York time", "0 12 * * *", "America/New_York"),
        ("each January 1st", "0 9 1 1 *", MINE),
        ("twice a day at 8 and 20", "0 8,20 * * *", MINE),
        ("every sunday evening", "0 18 * * 0", MINE),
        ("at midnight every day", "0 0 * * *", MINE),
        ("every quarter", "0 9 1 1,4,7,10 *", MINE),
        ("once a week", "0 9 * * 1", MINE),
        ("monthly", "0 9 1 * *", MINE),
        ("on weekends at 10", "0 10 * * 0,6", MINE),
        ("Monday to Friday at 7am Pacific time", "0 7 * * 1-5", "America/Los_Angeles"),
        ("every day at 12:30 UTC", "30 12 * * *", "UTC"),
        ("daily at 18:00 Europe/Amsterdam", "0 18 * * *", "Europe/Amsterdam"),
        ("every day at 8 in Sydney", "0 8 * * *", "Australia/Sydney"),
        ("at 7.30 every weekday", "30 7 * * 1-5", MINE),
        ("At 8 o'clock every Saturday", "0 8 * * 6", MINE),
        ("every minute", "* * * * *", MINE),
        ("every 3 hours", "0 */3 * * *", MINE),
        ("hourly during business hours", "0 9-16 * * 1-5", MINE),
        ("every year on December 24 at 6 pm", "0 18 24 12 *", MINE),
        ("evry mondya at 9", "0 9 * * 1", MINE),
    ],
)
def test_schedules_in_words(words, cron, zone):
    found = schedule_of(words)
    assert (found.cron, found.timezone) == (cron, zone)


def test_no_time_is_nine_and_no_zone_is_the_persons():
    found = schedule_of("every monday")
    assert found.cron == "0 9 * * 1"
    assert found.timezone == MINE
    assert any("09:00" in note for note in found.assumptions)
    assert any(MINE in note for note in found.assumptions)


@pytest.mark.parametrize(
    "words",
    [
        "the last Friday of the month",
        "on the first Monday of every month",
        "every 45 minutes",
        "every 90 minutes",
        "every 7 hours",
        "every 30 seconds",
        "every other week",
        "tomorrow at 9",
        "at 25:00 every day",
        "at 9:15 and 17:30 every day",
    ],
)
def test_what_cron_cannot_say_becomes_a_question(words):
    with pytest.raises(Unsayable) as raised:
        schedule_of(words)
    assert str(raised.value).endswith("?")


def test_no_schedule_words_is_no_schedule():
    assert schedule_of("post hello to #general") is None


def test_a_city_in_a_url_is_not_a_zone():
    found = schedule_of("get https://wttr.in/Paris every day at 7")
    assert found.timezone == MINE


@pytest.mark.parametrize(
    ("words", "named"),
    [
        ("every second Tuesday", "every second Tuesday"),
        ("every other Wednesday at 10", "every other Wednesday"),
        ("on the third Thursday of the month", "third Thursday of the month"),
        ("on the last working day of each month", "last working day of each month"),
        ("the first Monday of every month", "first Monday of every month"),
        ("every 30 seconds", "every 30 seconds"),
        ("tomorrow at 9", "tomorrow"),
    ],
)
def test_the_question_names_what_was_said(words, named):
    with pytest.raises(Unsayable) as raised:
        schedule_of(words)
    assert f"“{named}" in str(raised.value) or f"the {named}" in str(raised.value)


def test_schedule_words_inside_a_message_stay_in_the_message():
    request = read_request(
        "on weekdays at 8 post to #standup saying the daily sync starts at 9:30",
        vocabulary(),
    )
    assert take_schedule(request, MINE).cron == "0 8 * * 1-5"
    assert request.values["quote"] == ["The daily sync starts at 9:30"]


def test_a_schedule_after_the_message_is_still_the_schedule():
    request = read_request(
        "email me with subject Monday plan every Monday at 8", vocabulary()
    )
    assert request.values["quote"] == ["Monday plan"]
    assert take_schedule(request, MINE).cron == "0 8 * * 1"

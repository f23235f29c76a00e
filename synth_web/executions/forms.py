"""The log's filter form (a GET form: no CSRF) and the buttons that POST."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional, ValidationError

from synth_web.engine.triggers import RUN_TRIGGER_TYPES
from synth_web.executions.display import trigger_words
from synth_web.executions.listing import Filters
from synth_web.forms import Form
from synth_web.models import EXECUTION_STATUSES

MAX_SEARCH = 200
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def clean_text(value: str | None) -> str | None:
    """Trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def choices(anything: str, pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """Build a select's options: "any" first (the empty value), then the pairs."""
    return [SelectChoice("", anything)] + [SelectChoice(v, label) for v, label in pairs]


class PickField(SelectField):
    """A select whose unknown values get a message written for people."""

    def __init__(self, *args: object, noun: str = "value", **kwargs: object) -> None:
        super().__init__(*args, validate_choice=True, **kwargs)
        self.noun = noun

    def pre_validate(self, form: FlaskForm) -> None:
        """Refuse a value that is not one of the choices."""
        if (self.data or "") not in {choice.value for choice in self.choices or []}:
            raise ValidationError(f"Choose a {self.noun} from the list.")


class DayField(DateField):
    """A calendar day typed as YYYY-MM-DD."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the day, explaining the expected shape when it is not one."""
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                day = date.fromisoformat(text)
            except ValueError as exc:
                raise ValueError("Enter a date like 2026-01-31.") from exc
            # A day's edges in any time zone must stay inside what datetime holds.
            if not FIRST_DAY <= day <= LAST_DAY:
                raise ValueError("Enter a date from 1900-01-01 to 9998-12-31.")
            self.data = day


class FilterForm(Form):
    """Narrow the execution log; every field is a URL query argument."""

    class Meta:
        csrf = False

    status = PickField(
        "Status",
        id="filter-status",
        noun="status",
        choices=choices("Any status", [(s, s.title()) for s in EXECUTION_STATUSES]),
    )
    workflow = PickField("Workflow", id="filter-workflow", noun="workflow of yours")
    trigger = PickField(
        "Trigger",
        id="filter-trigger",
        noun="trigger",
        choices=choices(
            "Any trigger", [(t, trigger_words(t)) for t in RUN_TRIGGER_TYPES]
        ),
    )
    date_from = DayField("From", name="from", id="filter-from", validators=[Optional()])
    date_to = DayField("To", name="to", id="filter-to", validators=[Optional()])
    q = SearchField(
        "Error contains",
        id="filter-q",
        filters=[clean_text],
        validators=[
            Length(max=MAX_SEARCH, message=f"Keep it under {MAX_SEARCH} characters.")
        ],
    )

    def __init__(self, workflows: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.workflow.choices = choices(
            "Any workflow", [(str(id_), name) for id_, name in workflows]
        )

    def validate_date_to(self, field: DateField) -> None:
        """Refuse a range that ends before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")

    def filters(self) -> Filters:
        """Return the valid filters as a Filters value."""
        return Filters(
            status=self.status.data or None,
            workflow_id=int(self.workflow.data) if self.workflow.data else None,
            trigger_type=self.trigger.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            text=self.q.data or None,
        )

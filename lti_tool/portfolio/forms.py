"""Plain WTForms forms of the portfolio pages (field-level checks only).

Choices that depend on who is asking (the student's goals, their graded work, the class's
assignments) are filled in by the view from ``services``; a value outside them fails
validation, so a forged form value is refused before any service runs. The services check
ownership again before writing anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from lti_tool.hygiene import CleanForm, http_url, split_url

#: A reflection is required and must say something, but not an essay.
REFLECTION_MIN = 20
REFLECTION_MAX = 5000
NOTE_MAX = 2000
TITLE_MAX = 200
URL_MAX = 2048

#: Value of the goal choice that links evidence to no particular goal.
NO_GOAL = ""


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms select choices."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


def reflection_length() -> Length:
    """The length rule every reflection follows."""
    return Length(
        min=REFLECTION_MIN,
        max=REFLECTION_MAX,
        message=f"Write a reflection of {REFLECTION_MIN} to {REFLECTION_MAX} characters.",
    )


def check_http_url(value: str) -> str | None:
    """The error message for ``value`` if it is not an absolute http(s) URL, else None."""
    if len(value) > URL_MAX:
        return f"The web address is longer than {URL_MAX} characters."
    if any(ch.isspace() for ch in value):
        return "The web address must not contain spaces."
    parts = split_url(value)
    if parts is None:
        return "That is not a valid web address."
    if http_url(value, URL_MAX) is None:
        return "Enter a full web address starting with https:// or http://."
    return None


class LinkWorkForm(CleanForm):
    """A student links a piece of work to a goal: own graded work, a URL or a file."""

    source = RadioField(
        "What are you linking?",
        choices=choices(
            [
                ("work", "A graded assignment from one of my classes"),
                ("url", "A web address"),
                ("file", "A file from my device"),
            ]
        ),
        validators=[InputRequired(message="Choose what you are linking.")],
        invalid_choice_message="Choose what you are linking.",
    )
    work = SelectField("Graded assignment", choices=[], validate_choice=False)
    url = StringField("Web address")
    title = StringField(
        "Title",
        validators=[
            Optional(),
            Length(max=TITLE_MAX, message=f"Keep the title under {TITLE_MAX} characters."),
        ],
    )
    goal = SelectField("Goal", choices=[], invalid_choice_message="Choose one of your goals.")
    reflection = TextAreaField(
        "Reflection",
        validators=[
            InputRequired(message="Write a reflection about this work."),
            reflection_length(),
        ],
    )

    def validate_work(self, field: SelectField) -> None:
        if self.source.data != "work":
            return
        if not field.data or field.data not in {c.value for c in field.choices or []}:
            raise ValidationError("Choose one of your own graded assignments.")

    def validate_url(self, field: StringField) -> None:
        if self.source.data != "url":
            return
        if not field.data:
            raise ValidationError("Enter the web address of your work.")
        problem = check_http_url(field.data)
        if problem:
            raise ValidationError(problem)


class EvidenceEditForm(CleanForm):
    """A student edits the reflection of one piece of evidence or moves it to another goal."""

    goal = SelectField("Goal", choices=[], invalid_choice_message="Choose one of your goals.")
    reflection = TextAreaField(
        "Reflection",
        validators=[
            Length(
                max=REFLECTION_MAX,
                message=f"Keep the reflection under {REFLECTION_MAX} characters.",
            )
        ],
    )


class ReflectionForm(CleanForm):
    """The Deep-Linked plan reflection activity."""

    goal = SelectField(
        "Which goal is this reflection about?",
        choices=[],
        invalid_choice_message="Choose one of your goals.",
    )
    work = SelectField(
        "Work from this class (optional)",
        choices=[],
        invalid_choice_message="Choose one of your own graded assignments "
        "from this class, or none.",
    )
    reflection = TextAreaField(
        "Reflection",
        validators=[InputRequired(message="Write your reflection."), reflection_length()],
    )


class AttachForm(CleanForm):
    """The fixed part of the teacher's bulk attach form (students are read by the view)."""

    assignment = SelectField(
        "Assignment",
        choices=[],
        validators=[InputRequired(message="Choose one of this class's assignments.")],
        invalid_choice_message="Choose one of this class's assignments.",
    )
    note = TextAreaField(
        "Note to the students (optional)",
        validators=[Length(max=NOTE_MAX, message=f"Keep the note under {NOTE_MAX} characters.")],
    )


def error_messages(form: Form) -> list[str]:
    """Every validation message of ``form``, in field order, without duplicates."""
    messages: list[str] = []
    for field in form:
        for message in field.errors if isinstance(field.errors, list) else []:
            text = str(message)
            if text not in messages:
                messages.append(text)
    return messages

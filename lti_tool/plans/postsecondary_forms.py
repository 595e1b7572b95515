"""Plain WTForms classes for the postsecondary and financial-planning pages (see ``forms``)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from lti_tool.errors import InvalidInput
from lti_tool.hygiene import CleanForm
from lti_tool.plans.forms import choices
from lti_tool.plans.postsecondary import (
    STATUS_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
    soc_codes,
)
from lti_tool.plans.postsecondary_models import ApplicationStatus, ApplicationTaskStatus
from lti_tool.plans.program_catalogue import PROGRAM_KIND_LABELS


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class OptionForm(CleanForm):
    """A school or program on the student's list, with the application tracker."""

    kind = SelectField(
        "Kind", choices=choices(PROGRAM_KIND_LABELS.items()), validators=[InputRequired()]
    )
    name = StringField(
        "School or program", [DataRequired(message="Name the school or program."), Length(max=255)]
    )
    institution = StringField("Offered by (optional)", [Length(max=255)])
    location = StringField("Where (optional)", [Length(max=160)])
    url = StringField(
        "Web address (optional)",
        [
            Optional(),
            Length(max=2048),
            Regexp(r"^https?://\S+$", message="Start the address with https://."),
        ],
    )
    status = SelectField(
        "Status",
        choices=choices(STATUS_LABELS.items()),
        default=ApplicationStatus.RESEARCHING,
        validators=[InputRequired()],
    )
    deadline = DateField("Application deadline (optional)", [Optional()])
    notes = TextAreaField("Notes", [Length(max=5000)])
    goal_ids = CheckboxesField("Goals it helps with", choices=[], coerce=int)
    soc_codes = StringField("Occupation codes (SOC, optional)", [Length(max=200)])

    def validate_soc_codes(self, field: Any) -> None:
        try:
            soc_codes(field.data or "")
        except InvalidInput as err:
            raise ValidationError(err.message) from err

    def values(self) -> dict[str, Any]:
        """The fields as ``postsecondary`` takes them."""
        data = dict(self.data)
        data["soc_codes"] = self.soc_codes.data or ""
        return data


class TaskForm(CleanForm):
    """An essay or recommendation letter an application asks for."""

    kind = SelectField(
        "Essay or letter", choices=choices(TASK_KIND_LABELS.items()), validators=[InputRequired()]
    )
    name = StringField(
        "Essay prompt or letter writer",
        [DataRequired(message="Write the essay prompt or who writes the letter."), Length(max=500)],
    )
    status = SelectField(
        "Where it stands",
        choices=choices(TASK_STATUS_LABELS.items()),
        default=ApplicationTaskStatus.NOT_STARTED,
    )


class ChecklistItemForm(CleanForm):
    """A financial-planning checklist item as a counselor adapts it."""

    grade = IntegerField(
        "Grade",
        [
            InputRequired(message="Give the grade."),
            NumberRange(min=6, max=12, message="Grades 6 to 12."),
        ],
    )
    title = StringField("Item", [DataRequired(message="Write the item."), Length(max=300)])
    detail = TextAreaField("Explanation for students", [Length(max=2000)])


class CatalogueUploadForm(CleanForm):
    """The catalogue file's release label (the file itself comes from ``request.files``)."""

    release = StringField(
        "Data release (shown with costs, e.g. College Scorecard, March 2026)", [Length(max=160)]
    )

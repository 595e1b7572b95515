"""Plain WTForms classes for the plan's edit pages (not FlaskForm: the launch token is CSRF).

Views build a form from ``request.form``, call ``validate()``, and on failure render the page
again with the messages next to the fields and status 400; nothing is saved. Choices that
depend on the plan (clusters of its framework, the tenant's programs) are set by the view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
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

from lti_tool.hygiene import CleanForm, FiniteDecimalField
from lti_tool.plans.models import CoursePlanStatus, GoalStatus, PlanItemKind
from lti_tool.plans.programs import SUBJECTS
from lti_tool.plans.skills import MAX_SKILLS, SKILL_MAX_LENGTH, split_skills
from lti_tool.plans.vocabulary import (
    COURSE_STATUS_LABELS,
    GOAL_CATEGORY_LABELS,
    GOAL_STATUS_LABELS,
    GRADES,
)
from lti_tool.plans.work_learning import (
    MAX_HOURS_PER_WEEK,
    MAX_TOTAL_HOURS,
    WORK_KIND_LABELS,
)


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


_TEXT = 5000
_SHORT = 2000


class _Form(CleanForm):
    """Base form: text cleaned of control characters and stripped (see ``hygiene``)."""


class ProfileForm(_Form):
    """Who the student is, their plans beyond school, and accommodation needs."""

    about = TextAreaField("About me", [Length(max=_TEXT)])
    grade_level = IntegerField("Grade level", [Optional(), NumberRange(min=5, max=12)])
    graduation_year = IntegerField("Graduation year", [Optional(), NumberRange(min=2000, max=2100)])
    interests = TextAreaField("Interests", [Length(max=_SHORT)])
    strengths = TextAreaField("Strengths", [Length(max=_SHORT)])
    skills = StringField("Skills", [Length(max=_SHORT)])
    abilities = TextAreaField("Abilities", [Length(max=_SHORT)])
    hobbies = TextAreaField("Hobbies", [Length(max=_SHORT)])
    career_exploration = TextAreaField("Career exploration", [Length(max=_TEXT)])
    college_planning = TextAreaField("College planning", [Length(max=_TEXT)])
    financial_planning = TextAreaField("Financial planning", [Length(max=_TEXT)])
    accommodations = TextAreaField("Accommodation needs", [Length(max=_TEXT)])

    def validate_skills(self, field: StringField) -> None:
        """Each skill short enough to be a skill, and not too many."""
        skills = split_skills(field.data)
        long = [s for s in skills if len(s) > SKILL_MAX_LENGTH]
        if long:
            raise ValidationError(
                f"“{long[0][:30]}…” is longer than {SKILL_MAX_LENGTH} characters. "
                "Shorten it or split it with commas."
            )
        if len(skills) > MAX_SKILLS:
            raise ValidationError(f"Please give at most {MAX_SKILLS} skills.")


class GoalForm(_Form):
    """A goal: category, statement, target date, measures, status, optional cluster."""

    category = SelectField(
        "Category", choices=choices(GOAL_CATEGORY_LABELS.items()), validators=[InputRequired()]
    )
    statement = TextAreaField(
        "Goal statement", [DataRequired(message="Write the goal."), Length(max=_SHORT)]
    )
    target_date = DateField("Target date", [Optional()])
    measures = TextAreaField("How I will measure it", [Length(max=_SHORT)])
    status = SelectField(
        "Status",
        choices=choices(GOAL_STATUS_LABELS.items()),
        default=GoalStatus.NOT_STARTED,
        validators=[InputRequired()],
    )
    cluster_code = SelectField(
        "Career cluster (optional)",
        choices=choices([("", "None")]),
        default="",
        validate_choice=True,
    )
    milestones = TextAreaField("First milestones (one per line, optional)", [Length(max=_TEXT)])

    def validate_milestones(self, field: Any) -> None:
        for line in (field.data or "").splitlines():
            if len(line.strip()) > 500:
                raise ValidationError("Each milestone must be at most 500 characters.")

    def milestone_titles(self) -> list[str]:
        """The non-empty lines of the milestones box."""
        return [line.strip() for line in (self.milestones.data or "").splitlines() if line.strip()]


class MilestoneForm(_Form):
    """A step towards a goal."""

    title = StringField(
        "Milestone", [DataRequired(message="Write the milestone."), Length(max=500)]
    )
    due_date = DateField("Due date (optional)", [Optional()])


class CourseEntryForm(_Form):
    """One course in the course plan, in grades 6 to 12 (the view sets the grades and the
    final grades of the district's scale: ``course_planning.grade_choices`` and
    ``final_grade_choices``)."""

    grade_level = SelectField(
        "Grade",
        choices=choices((g, f"Grade {g}") for g in GRADES),
        coerce=int,
        validators=[InputRequired()],
    )
    course_name = StringField(
        "Course name", [DataRequired(message="Name the course."), Length(max=255)]
    )
    term = StringField(
        "Term or school year (optional)",
        [Length(max=100)],
        description="For example Fall 2025 or 2025-2026. Needed only to take a course twice.",
    )
    subject = SelectField(
        "Subject",
        choices=choices(SUBJECTS.items()),
        default="elective",
        validators=[InputRequired()],
    )
    credits = FiniteDecimalField(
        "Credits",
        [
            InputRequired(message="Give the credits."),
            NumberRange(min=0.25, max=2, message="Credits are between 0.25 and 2."),
        ],
        places=2,
        default=1,
    )
    status = SelectField(
        "Status",
        choices=choices(
            [
                ("", "Set by grade (past grades completed, this year in progress)"),
                *COURSE_STATUS_LABELS.items(),
            ]
        ),
        default="",
        coerce=str,
    )
    final_grade = SelectField(
        "Final grade (optional)",
        choices=choices([("", "No grade yet")]),
        default="",
        coerce=str,
        invalid_choice_message="Choose the final grade from the list.",
    )

    def process(self, *args: Any, **kwargs: Any) -> None:
        """As a form does; an empty status or final grade (None on a course) is ``""``."""
        super().process(*args, **kwargs)
        for optional in (self.status, self.final_grade):
            if optional.data is None:
                optional.data = ""

    def validate_final_grade(self, field: SelectField) -> None:
        """A planned course has no final grade yet."""
        if field.data and self.status.data == CoursePlanStatus.PLANNED:
            raise ValidationError(
                "A planned course has no final grade yet: leave the grade empty, or mark the "
                "course in progress or completed."
            )


class ProgramChoiceForm(_Form):
    """Which of the district's Programs of Study the student follows."""

    program_id = SelectField(
        "Program of Study",
        coerce=int,
        choices=[],
        validators=[InputRequired(message="Choose a program.")],
    )


class ItemForm(_Form):
    """A line in one of the list sections (activities, ..., supporting adults)."""

    title = StringField("Title", [DataRequired(message="Give it a title."), Length(max=500)])
    detail = TextAreaField("Details", [Length(max=_TEXT)])
    date = DateField("Date (optional)", [Optional()])
    score = StringField("Score or result", [Length(max=120)])
    relationship_label = StringField("Relationship to you", [Length(max=120)])
    email = StringField(
        "Email (optional)",
        [
            Optional(),
            Length(max=320),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="That does not look like an email address."
            ),
        ],
    )
    phone = StringField(
        "Phone (optional)",
        [
            Optional(),
            Length(max=60),
            Regexp(
                r"^[0-9+().\-\s]{3,}(?:\s*(?:x|ext\.?)\s*[0-9]+)?$",
                message="Use digits, spaces and + ( ) - only.",
            ),
        ],
    )

    organization = StringField("Employer or organisation (optional)", [Length(max=255)])
    role = StringField("My role (optional)", [Length(max=255)])
    learning_kind = SelectField(
        "Kind of work-based learning",
        choices=choices([("", "Choose one (optional)"), *WORK_KIND_LABELS.items()]),
        default="",
        validate_choice=True,
    )
    hours_per_week = FiniteDecimalField(
        "Hours per week (optional)",
        [
            Optional(),
            NumberRange(
                min=0,
                max=MAX_HOURS_PER_WEEK,
                message=f"Hours per week are between 0 and {MAX_HOURS_PER_WEEK}.",
            ),
        ],
        places=1,
    )
    total_hours = FiniteDecimalField(
        "Total hours (optional)",
        [
            Optional(),
            NumberRange(
                min=0,
                max=MAX_TOTAL_HOURS,
                message=f"Total hours are between 0 and {MAX_TOTAL_HOURS:,}.",
            ),
        ],
        places=1,
    )
    start_date = DateField("Start date (optional)", [Optional()])
    end_date = DateField("End date (leave empty if it is still going on)", [Optional()])
    learned = TextAreaField("What I learned (optional)", [Length(max=_TEXT)])

    def validate_end_date(self, field: Any) -> None:
        start = self.start_date.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError("The end date cannot be before the start date.")

    @classmethod
    def for_kind(cls, kind: str, formdata: Any = None, **kwargs: Any) -> ItemForm:
        """A form whose labels suit the kind of item."""
        form = cls(formdata, **kwargs)
        if kind == PlanItemKind.WORK:
            form.title.label.text = "Job or placement"
            form.organization.label.text = "Employer or organisation"
        elif kind == PlanItemKind.SERVICE:
            form.organization.label.text = "Organisation (optional)"
        if kind == PlanItemKind.CONTACT:
            form.title.label.text = "Name"
            form.detail.label.text = "How they support me"
        elif kind == PlanItemKind.ASSESSMENT:
            form.title.label.text = "Assessment"
            form.date.label.text = "Date taken (optional)"
        return form


class DeletePlanForm(_Form):
    """Typing the student's name confirms the deletion."""

    confirm_name = StringField(
        "Type the student's full name to confirm",
        [DataRequired(message="Type the student's name.")],
    )

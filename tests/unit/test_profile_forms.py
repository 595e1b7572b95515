"""Profile validation: the plan's edit forms (``lti_tool.plans.forms``) read from plain form
data, without a request. Grade level 5-12, graduation year 2000-2100, text lengths, finite
credits between 0.25 and 2, and control characters cleaned before any check.
"""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from lti_tool.plans.forms import CourseEntryForm, GoalForm, ItemForm, MilestoneForm, ProfileForm


def profile(**fields: str) -> ProfileForm:
    return ProfileForm(MultiDict(fields))


@pytest.mark.parametrize(
    ("value", "ok", "data"),
    [
        ("", True, None),
        ("5", True, 5),
        ("9", True, 9),
        ("12", True, 12),
        (" 10 ", True, 10),
        ("4", False, None),
        ("13", False, None),
        ("0", False, None),
        ("-9", False, None),
        ("9.5", False, None),
        ("nine", False, None),
        ("1e1", False, None),
        ("99999999999999999999999", False, None),
    ],
)
def test_grade_level(value: str, ok: bool, data: int | None) -> None:
    form = profile(grade_level=value)
    assert form.validate() is ok, form.errors
    if ok:
        assert form.grade_level.data == data
    else:
        assert set(form.errors) == {"grade_level"}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("2000", True),
        ("2030", True),
        ("2100", True),
        ("1999", False),
        ("2101", False),
        ("30", False),
        ("twenty-thirty", False),
        ("2030.0", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_graduation_year(value: str, ok: bool) -> None:
    form = profile(graduation_year=value)
    assert form.validate() is ok, form.errors
    if not ok:
        assert set(form.errors) == {"graduation_year"}


LONG = {
    "about": 5000,
    "interests": 2000,
    "strengths": 2000,
    # "skills": at most 30 skills of at most 60 characters (tests/unit/test_skill_matching.py).
    "abilities": 2000,
    "hobbies": 2000,
    "career_exploration": 5000,
    "college_planning": 5000,
    "financial_planning": 5000,
    "accommodations": 5000,
}


@pytest.mark.parametrize(("field", "limit"), sorted(LONG.items()))
def test_text_lengths(field: str, limit: int) -> None:
    assert profile(**{field: "x" * limit}).validate()
    form = profile(**{field: "x" * (limit + 1)})
    assert not form.validate()
    assert set(form.errors) == {field}


def test_text_is_stripped_and_cleaned_of_control_characters() -> None:
    form = profile(
        about="  I like\x00 robots\x07.\r\nAnd\tmusic.\x1b[0m \u0085 ",
        interests="\ud800bridges\x7f",
        hobbies="\x00\x01\x02",
    )
    assert form.validate(), form.errors
    assert form.about.data == "I like robots.\r\nAnd\tmusic.[0m"
    assert form.interests.data == "bridges"
    assert form.hobbies.data == ""


def test_control_characters_do_not_count_towards_the_length() -> None:
    assert profile(about="x" * 5000 + "\x00" * 10).validate()


def test_an_empty_profile_is_valid() -> None:
    form = profile()
    assert form.validate()
    assert form.grade_level.data is None and form.graduation_year.data is None


# -- course plan credits ------------------------------------------------------------------


def course_entry(**fields: str) -> CourseEntryForm:
    data = {
        "grade_level": "9",
        "course_name": "Biology",
        "subject": "science",
        "credits": "1",
        "status": "planned",
    } | fields
    return CourseEntryForm(MultiDict(data))


@pytest.mark.parametrize(
    ("credits", "ok", "data"),
    [
        ("1", True, decimal.Decimal("1")),
        ("0.25", True, decimal.Decimal("0.25")),
        ("2", True, decimal.Decimal("2")),
        ("0.5", True, decimal.Decimal("0.5")),
        ("2.00", True, decimal.Decimal("2")),
        ("0.24", False, None),
        ("2.01", False, None),
        ("0", False, None),
        ("-1", False, None),
        ("1e999", False, None),
        ("NaN", False, None),
        ("nan", False, None),
        ("sNaN", False, None),
        ("-NaN", False, None),
        ("Infinity", False, None),
        ("-Infinity", False, None),
        ("inf", False, None),
        ("one", False, None),
        ("", False, None),
    ],
)
def test_credits(credits: str, ok: bool, data: decimal.Decimal | None) -> None:
    form = course_entry(credits=credits)
    assert form.validate() is ok, form.errors
    if ok:
        assert form.credits.data == data
    else:
        assert set(form.errors) == {"credits"}
        assert len(form.errors["credits"]) == 1  # one message, not a range check on NaN


@pytest.mark.parametrize("credits", ["NaN", "sNaN", "Infinity"])
def test_non_finite_credits_keep_what_was_typed_for_the_page(credits: str) -> None:
    form = course_entry(credits=credits)
    assert not form.validate()
    assert form.credits.data is None
    assert form.credits.raw_data == [credits]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"grade_level": "8"}, "grade_level"),
        ({"grade_level": "13"}, "grade_level"),
        ({"grade_level": "x"}, "grade_level"),
        ({"course_name": ""}, "course_name"),
        ({"course_name": " \x00 "}, "course_name"),
        ({"course_name": "c" * 256}, "course_name"),
        ({"subject": "astrology"}, "subject"),
        ({"status": "abandoned"}, "status"),
        ({"final_grade": "A" * 21}, "final_grade"),
    ],
)
def test_course_entry_refuses(fields: dict[str, str], field: str) -> None:
    form = course_entry(**fields)
    assert not form.validate()
    assert set(form.errors) == {field}


# -- goals, milestones and list items -----------------------------------------------------


def goal_form(**fields: str) -> GoalForm:
    data = {
        "category": "career",
        "statement": "Shadow an engineer",
        "status": "not_started",
        "cluster_code": "",
    } | fields
    return GoalForm(MultiDict(data))


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({}, True),
        ({"statement": ""}, False),
        ({"statement": "\x00\x00"}, False),
        ({"statement": "s" * 2000}, True),
        ({"statement": "s" * 2001}, False),
        ({"category": "hobby"}, False),
        ({"status": "done"}, False),
        ({"target_date": "2027-06-01"}, True),
        ({"target_date": "2027-02-30"}, False),
        ({"target_date": "tomorrow"}, False),
        ({"cluster_code": "not-a-cluster"}, False),
        ({"milestones": ("m" * 500 + "\n") * 3}, True),
        ({"milestones": "m" * 501}, False),
    ],
)
def test_goal_form(fields: dict[str, str], ok: bool) -> None:
    assert goal_form(**fields).validate() is ok


def test_milestone_titles_are_the_non_empty_lines() -> None:
    form = goal_form(milestones="  Visit a lab \n\n\x00\nAsk a mentor\r\n")
    assert form.validate()
    assert form.milestone_titles() == ["Visit a lab", "Ask a mentor"]


@pytest.mark.parametrize(
    ("title", "ok"), [("Visit a lab", True), ("", False), ("t" * 500, True), ("t" * 501, False)]
)
def test_milestone_form(title: str, ok: bool) -> None:
    assert MilestoneForm(MultiDict({"title": title})).validate() is ok


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"title": "Robotics club"}, True),
        ({"title": ""}, False),
        ({"title": "Ms Diaz", "email": "diaz@school.example.org"}, True),
        ({"title": "Ms Diaz", "email": "diaz@school"}, False),
        ({"title": "Ms Diaz", "email": "diaz school@example.org"}, False),
        ({"title": "Ms Diaz", "phone": "+1 (555) 010-0199 ext. 12"}, True),
        ({"title": "Ms Diaz", "phone": "call me"}, False),
        ({"title": "SAT", "score": "1210", "date": "2026-03-14"}, True),
        ({"title": "SAT", "score": "s" * 121}, False),
    ],
)
def test_item_form(fields: dict[str, Any], ok: bool) -> None:
    assert ItemForm.for_kind("contact", MultiDict(fields)).validate() is ok


@pytest.mark.parametrize(
    ("value", "ok", "data"),
    [
        ("", True, None),  # a browser sends an empty box as "": the field is optional
        ("   ", True, None),
        ("12.5", True, decimal.Decimal("12.5")),
        ("0", True, decimal.Decimal("0")),
        ("-3", False, None),
        ("NaN", False, None),
        ("Infinity", False, None),
        ("lots", False, None),
    ],
)
def test_optional_hours_on_an_activity(value: str, ok: bool, data: Any) -> None:
    """Both hours boxes of an activity, as a browser posts them (empty boxes included)."""
    form = ItemForm(
        MultiDict({"title": "Robotics club", "hours_per_week": value, "total_hours": value})
    )
    assert form.validate() is ok, form.errors
    if ok:
        assert form.hours_per_week.data == data and form.total_hours.data == data

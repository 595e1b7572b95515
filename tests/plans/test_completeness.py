"""The completeness meter: the share of the plan's areas with content."""

from __future__ import annotations

from typing import Any

from lti_tool.plans.completeness import completeness


def test_an_empty_plan_is_zero_percent() -> None:
    result = completeness({"profile": {"about": "", "grade_level": None}, "items": {}})
    assert (result.done, result.total, result.percent) == (0, 10, 0)
    assert [a.label for a in result.missing][:3] == [
        "About me",
        "Interest inventory",
        "Career clusters",
    ]


def test_each_area_counts_once_it_has_content() -> None:
    doc: dict[str, Any] = {
        "profile": {"about": "  ", "grade_level": 8, "hobbies": "Chess"},
        "inventory": {"code": "RIA"},
        "clusters": [],
        "pathways": [{"code": "p"}],
        "goals": [{"statement": "Build a robot", "evidence": []}],
        "items": {"contacts": [], "service": [{"title": "Food bank"}]},
    }
    result = completeness(doc)
    done = {a.key for a in result.areas if a.done}
    assert done == {"profile", "inventory", "clusters", "goals", "activities"}
    assert result.percent == 50
    # Work linked to a goal counts as evidence; so does work not linked to a goal.
    doc["goals"][0]["evidence"] = [{"title": "Robot photo"}]
    assert completeness(doc).percent == 60
    doc["goals"][0]["evidence"] = []
    doc["unlinked_evidence"] = [{"title": "Essay"}]
    assert completeness(doc).percent == 60


def test_a_grade_alone_is_not_content_and_blank_text_does_not_count() -> None:
    doc = {
        "profile": {"grade_level": 9, "about": "   "},
        "career_exploration": "\n",
        "college_planning": " ",
    }
    assert completeness(doc).done == 0


def test_a_full_plan_is_one_hundred_percent() -> None:
    doc = {
        "profile": {"about": "Me"},
        "inventory": {"code": "S"},
        "clusters": [{"code": "c"}],
        "saved_occupations": [{"soc_code": "29-1141"}],
        "goals": [{"evidence": [{"title": "x"}]}],
        "course_plan": [{"course_name": "Biology"}],
        "items": {"activities": [{"title": "Band"}], "contacts": [{"title": "Ms. Ruiz"}]},
        "postsecondary": [{"name": "State College"}],
    }
    result = completeness(doc)
    assert (result.done, result.percent, result.missing) == (10, 100, ())


def test_percent_rounds_down_so_only_a_full_plan_shows_100() -> None:
    doc = {
        "profile": {"about": "Me"},
        "inventory": {"code": "S"},
        "clusters": [{"code": "c"}],
    }
    assert completeness(doc).percent == 30

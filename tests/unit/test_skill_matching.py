"""Skills are compared by one function (``lti_tool.plans.skills.skill_words``): case,
punctuation, word order, little words, British spellings and common endings do not count; a
tag matches a student's skill when all its words are among the skill's words."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from lti_tool.plans.forms import ProfileForm
from lti_tool.plans.skills import (
    SKILL_MAX_LENGTH,
    framework_skills,
    matching_tags,
    skill_key,
    skill_matches,
    skill_words,
    split_skills,
)


@pytest.mark.parametrize(
    "variant",
    [
        "Analysing data",
        "analysing-data",
        "Data analysis.",
        "data analyses",
        "ANALYZING DATA",
        "analyse data",
        "  data,analysis ".replace(",", " "),
        "analysed the data",
    ],
)
def test_variants_of_data_analysis_are_one_skill(variant: str) -> None:
    assert skill_key(variant) == skill_key("data analysis") == "analyz data"
    assert skill_matches("data analysis", variant)
    assert skill_matches(variant, "Data Analysis")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lab safety", "lab-safety!"),
        ("organising events", "Organization of events"),
        ("colour theory", "Color theory"),
        ("planning", "Plans"),
        ("programming", "programmer"),
        ("communication", "communicate"),
        ("writing", "write"),
        ("Café management", "cafe managing"),
        ("studies", "studying"),
    ],
)
def test_simple_variants_match(a: str, b: str) -> None:
    assert skill_words(a) == skill_words(b)


def test_a_tag_matches_a_sentence_holding_its_words() -> None:
    sentence = "I am good at analysing data and building robots"
    assert skill_matches("data analysis", sentence)
    assert skill_matches("robot building", sentence)
    assert not skill_matches("lab safety", sentence)
    # The tag's words must all be there: a broader tag matches a narrower skill, not back.
    assert skill_matches("data", "data analysis")
    assert not skill_matches("data analysis", "data")
    # Nothing matches a tag of little words only, or an empty one.
    assert not skill_matches("and the", "and the")
    assert not skill_matches("", "data")


def test_different_skills_do_not_match() -> None:
    for a, b in [
        ("microscopy", "drawing"),
        ("c++", "c#"),
        ("data analysis", "data entry"),
        ("public speaking", "public health"),
    ]:
        assert not skill_matches(a, b), (a, b)


def test_matching_tags_keeps_the_tags_order() -> None:
    tags = ("lab safety", "data analysis", "microscopy")
    assert matching_tags(tags, ["Microscopy; ", "analysing data"]) == (
        "data analysis",
        "microscopy",
    )
    assert matching_tags(tags, []) == ()


def test_split_keeps_case_and_counts_a_skill_once() -> None:
    text = "Lab Safety,  data   ANALYSIS; lab-safety\n\n, analysing data,"
    assert split_skills(text) == ("Lab Safety", "data ANALYSIS")
    assert split_skills(None) == ()


def test_framework_skills_are_shipped_short_and_distinct() -> None:
    skills = framework_skills()
    assert len(skills) == 35 and "critical thinking" in skills
    assert all(len(s) <= SKILL_MAX_LENGTH and s == s.lower() for s in skills)
    assert len({skill_key(s) for s in skills}) == len(skills)


def test_profile_form_refuses_a_too_long_skill_and_keeps_the_text() -> None:
    long = "x" * (SKILL_MAX_LENGTH + 1)
    form = ProfileForm(MultiDict({"skills": f"first aid, {long}"}))
    assert not form.validate()
    assert "longer than 60 characters" in form.skills.errors[0]
    assert form.skills.data == f"first aid, {long}"
    assert ProfileForm(MultiDict({"skills": "first aid, " + "y" * 60})).validate()
    thirty = ", ".join(f"skill {i}" for i in range(30))
    assert ProfileForm(MultiDict({"skills": thirty})).validate()
    form = ProfileForm(MultiDict({"skills": thirty + ", one more"}))
    assert not form.validate()
    assert form.skills.errors == ["Please give at most 30 skills."]

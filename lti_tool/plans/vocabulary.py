"""Vocabulary the plan pages share: labels of goal categories, goal and course statuses, the
list sections and their fields, the grade levels, the profile fields and the layout version of
the plan document.
"""

from __future__ import annotations

import re

from lti_tool.plans.models import CoursePlanStatus, GoalCategory, GoalStatus, PlanItemKind

GOAL_CATEGORY_LABELS: dict[str, str] = {
    GoalCategory.ACADEMIC: "Academic",
    GoalCategory.CAREER: "Career",
    GoalCategory.COLLEGE: "College",
    GoalCategory.PERSONAL: "Personal",
    GoalCategory.FINANCIAL: "Financial",
}
GOAL_STATUS_LABELS: dict[str, str] = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.IN_PROGRESS: "In progress",
    GoalStatus.ACHIEVED: "Achieved",
    GoalStatus.REVISED: "Revised",
}
COURSE_STATUS_LABELS: dict[str, str] = {
    CoursePlanStatus.PLANNED: "Planned",
    CoursePlanStatus.IN_PROGRESS: "In progress",
    CoursePlanStatus.COMPLETED: "Completed",
}
#: The list sections by URL slug: the item kind, the heading, and what one entry is called.
ITEM_SECTIONS: dict[str, dict[str, str]] = {
    "activities": {"kind": PlanItemKind.ACTIVITY, "title": "Activities", "one": "activity"},
    "accomplishments": {
        "kind": PlanItemKind.ACCOMPLISHMENT,
        "title": "Accomplishments",
        "one": "accomplishment",
    },
    "work": {"kind": PlanItemKind.WORK, "title": "Work experience", "one": "job"},
    "service": {
        "kind": PlanItemKind.SERVICE,
        "title": "Community service",
        "one": "service activity",
    },
    "assessments": {
        "kind": PlanItemKind.ASSESSMENT,
        "title": "Assessment results",
        "one": "assessment result",
    },
    "contacts": {
        "kind": PlanItemKind.CONTACT,
        "title": "Supporting adults",
        "one": "supporting adult",
    },
}
#: Besides title and detail, the ``PlanItem`` fields each kind uses.
#: Work entries carry the work-based learning fields (``work_learning``); service and
#: activities the ones that fit them.
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    PlanItemKind.ACTIVITY: (
        "date",
        "organization",
        "role",
        "hours_per_week",
        "total_hours",
        "learned",
    ),
    PlanItemKind.ACCOMPLISHMENT: ("date",),
    PlanItemKind.WORK: (
        "organization",
        "role",
        "learning_kind",
        "hours_per_week",
        "total_hours",
        "start_date",
        "end_date",
        "learned",
    ),
    PlanItemKind.SERVICE: ("date", "organization", "role", "total_hours", "learned"),
    PlanItemKind.ASSESSMENT: ("date", "score"),
    PlanItemKind.CONTACT: ("relationship_label", "email", "phone"),
}
#: A SOC 2018 detailed occupation code: two digits, a hyphen, four digits ("15-1252").
SOC_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}$")
#: Grade levels of the four-year course plan (the default range of every district).
GRADES = (9, 10, 11, 12)
#: The last grade of school.
LAST_GRADE = 12
#: Grades a district's course plan may start in (middle school years are optional).
COURSE_PLAN_FIRST_GRADES = (6, 7, 8, 9)
#: Every grade a course plan may hold (grades 6 to 12).
ALL_COURSE_GRADES = tuple(range(COURSE_PLAN_FIRST_GRADES[0], LAST_GRADE + 1))
#: Grades of the journey (its milestones by grade).
JOURNEY_GRADES = ALL_COURSE_GRADES
#: Profile fields a student edits on the profile page (``accommodations`` is restricted).
PROFILE_TEXT_FIELDS = (
    "about",
    "interests",
    "strengths",
    "skills",
    "abilities",
    "hobbies",
    "career_exploration",
    "college_planning",
    "financial_planning",
    "accommodations",
)
#: How many suggested clusters the inventory result offers.
SUGGESTED_CLUSTERS = 5
#: Version of the export/snapshot document layout.
DOCUMENT_VERSION = 1

"""Role mapping: LTI role URIs in every spelling platforms send, Lodestar roles out.

Tables over ``lti_tool.launch.roles``: only context (course) roles give course roles; an
institution or system role never does, and only names ``admin`` or ``student`` for display
and for an operator's platform rule.
"""

from __future__ import annotations

import pytest

from lti_tool.launch import roles
from lti_tool.models import Role

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
MS = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
INST = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYS = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

S, T, G, A = Role.STUDENT, Role.TEACHER, Role.GUARDIAN, Role.ADMIN

# (role as sent, normalised URI, course roles with a mentor scope, institution roles)
TABLE: list[tuple[str, str, set[Role], set[Role]]] = [
    # Context roles, full URIs (LTI 1.3 appendix A.2.3).
    (M + "Learner", M + "Learner", {S}, set()),
    (M + "Instructor", M + "Instructor", {T}, set()),
    (M + "Mentor", M + "Mentor", {G}, set()),
    (M + "ContentDeveloper", M + "ContentDeveloper", set(), set()),
    (M + "Administrator", M + "Administrator", set(), set()),
    (M + "Manager", M + "Manager", set(), set()),
    (M + "Member", M + "Member", set(), set()),
    (M + "Officer", M + "Officer", set(), set()),
    # Sub-roles (A.2.3.1): the base role decides.
    (MS + "Instructor#TeachingAssistant", MS + "Instructor#TeachingAssistant", {T}, set()),
    (MS + "Instructor#Grader", MS + "Instructor#Grader", {T}, set()),
    (MS + "Learner#NonCreditLearner", MS + "Learner#NonCreditLearner", {S}, set()),
    (MS + "Mentor#Advisor", MS + "Mentor#Advisor", {G}, set()),
    (MS + "ContentDeveloper#Librarian", MS + "ContentDeveloper#Librarian", set(), set()),
    # Short context role names (still allowed for context roles; Moodle's NRPS sends them).
    ("Learner", M + "Learner", {S}, set()),
    ("Instructor", M + "Instructor", {T}, set()),
    ("Mentor", M + "Mentor", {G}, set()),
    ("ContentDeveloper", M + "ContentDeveloper", set(), set()),
    ("TeachingAssistant", M + "TeachingAssistant", {T}, set()),
    ("Instructor#TeachingAssistant", MS + "Instructor#TeachingAssistant", {T}, set()),
    ("Instructor/TeachingAssistant", MS + "Instructor#TeachingAssistant", {T}, set()),
    ("  Instructor  ", M + "Instructor", {T}, set()),
    # LTI 1.1 URNs, still seen in some rosters.
    ("urn:lti:role:ims/lis/Instructor", M + "Instructor", {T}, set()),
    ("urn:lti:role:ims/lis/Learner", M + "Learner", {S}, set()),
    ("urn:lti:role:ims/lis/Mentor", M + "Mentor", {G}, set()),
    ("urn:lti:role:ims/lis/TeachingAssistant", M + "TeachingAssistant", {T}, set()),
    (
        "urn:lti:role:ims/lis/Instructor/TeachingAssistant",
        MS + "Instructor#TeachingAssistant",
        {T},
        set(),
    ),
    ("urn:lti:role:ims/lis/Learner/NonCreditLearner", MS + "Learner#NonCreditLearner", {S}, set()),
    ("urn:lti:instrole:ims/lis/Administrator", INST + "Administrator", set(), {A}),
    ("urn:lti:instrole:ims/lis/Student", INST + "Student", set(), {S}),
    ("urn:lti:instrole:ims/lis/Instructor", INST + "Instructor", set(), set()),
    ("urn:lti:sysrole:ims/lis/Administrator", SYS + "Administrator", set(), {A}),
    ("urn:lti:sysrole:ims/lis/SysAdmin", SYS + "SysAdmin", set(), set()),
    # Institution roles (A.2.2): never a course role.
    (INST + "Administrator", INST + "Administrator", set(), {A}),
    (INST + "Student", INST + "Student", set(), {S}),
    (INST + "Learner", INST + "Learner", set(), {S}),
    (INST + "Instructor", INST + "Instructor", set(), set()),
    (INST + "Faculty", INST + "Faculty", set(), set()),
    (INST + "Mentor", INST + "Mentor", set(), set()),
    (INST + "Staff", INST + "Staff", set(), set()),
    # System roles (A.2.1).
    (SYS + "Administrator", SYS + "Administrator", set(), {A}),
    (SYS + "SysAdmin", SYS + "SysAdmin", set(), set()),
    (SYS + "User", SYS + "User", set(), set()),
    (SYS + "None", SYS + "None", set(), set()),
    # Unknown strings: kept as spelled, grant nothing.
    ("Dean", M + "Dean", set(), set()),
    ("instructor", M + "instructor", set(), set()),
    (
        "https://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "https://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        set(),
        set(),
    ),
    (
        "http://lms.example.org/roles#Instructor",
        "http://lms.example.org/roles#Instructor",
        set(),
        set(),
    ),
    (
        "http://lms.example.org/membership#Learner",
        "http://lms.example.org/membership#Learner",
        set(),
        set(),
    ),
]
IDS = [row[0].strip() or "blank" for row in TABLE]


@pytest.mark.parametrize(("sent", "uri", "course", "institution"), TABLE, ids=IDS)
def test_normalize(sent: str, uri: str, course: set[Role], institution: set[Role]) -> None:
    assert roles.normalize(sent) == uri
    assert roles.normalize(uri) == uri  # one spelling: normalising twice changes nothing


@pytest.mark.parametrize(("sent", "uri", "course", "institution"), TABLE, ids=IDS)
def test_context_roles(sent: str, uri: str, course: set[Role], institution: set[Role]) -> None:
    assert roles.context_roles([sent], has_mentor_scope=True) == course
    without_scope = course - {G}
    assert roles.context_roles([sent], has_mentor_scope=False) == without_scope


@pytest.mark.parametrize(("sent", "uri", "course", "institution"), TABLE, ids=IDS)
def test_institution_roles(sent: str, uri: str, course: set[Role], institution: set[Role]) -> None:
    assert roles.institution_roles([sent]) == institution


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ([M + "Learner", M + "Instructor"], {S, T}),
        ([M + "Instructor", INST + "Administrator", SYS + "Administrator"], {T}),
        ([INST + "Student", INST + "Administrator"], set()),
        ([M + "Mentor", "Learner"], {G, S}),
        ([], set()),
    ],
)
def test_context_roles_of_several(sent: list[str], expected: set[Role]) -> None:
    assert roles.context_roles(sent, has_mentor_scope=True) == expected


def test_institution_roles_of_several() -> None:
    assert roles.institution_roles(
        [INST + "Administrator", SYS + "Administrator", INST + "Student", M + "Instructor"]
    ) == {A, S}


def test_normalize_all_drops_blanks_and_non_strings_and_sorts() -> None:
    sent: list[object] = [
        "Learner",
        M + "Learner",
        "urn:lti:role:ims/lis/Learner",
        "",
        "  ",
        None,
        7,
        {"role": "Instructor"},
        "Instructor",
    ]
    assert roles.normalize_all(sent) == [M + "Instructor", M + "Learner"]


@pytest.mark.parametrize(
    ("held", "landing"),
    [
        ({S, T}, T),
        ({S, G}, S),
        ({G, A}, G),
        ({A, Role.COUNSELOR}, A),
        ({Role.COUNSELOR}, Role.COUNSELOR),
        ({T, S, G, A, Role.COUNSELOR}, T),
        (set(), None),
    ],
)
def test_landing_role(held: set[Role], landing: Role | None) -> None:
    assert roles.landing_role(held) == landing

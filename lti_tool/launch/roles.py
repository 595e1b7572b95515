"""LTI role URIs and how they map to Lodestar roles.

Role vocabularies: LTI 1.3 core spec, appendix A.2 (https://www.imsglobal.org/spec/lti/v1p3/#role-vocabularies).
Platforms send full URIs; some older ones send short context role names ("Learner"), which
the spec still allows for context roles, so both are accepted.
"""

from __future__ import annotations

from collections.abc import Iterable

from lti_tool.models import Role

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

LEARNER = MEMBERSHIP + "Learner"
INSTRUCTOR = MEMBERSHIP + "Instructor"
MENTOR = MEMBERSHIP + "Mentor"
CONTENT_DEVELOPER = MEMBERSHIP + "ContentDeveloper"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
INSTITUTION_ADMIN = INSTITUTION + "Administrator"
SYSTEM_ADMIN = SYSTEM + "Administrator"


def _context_role(uri: str) -> str | None:
    """Return the context role name ("Learner", "Instructor#TeachingAssistant"), or None."""
    if uri.startswith(MEMBERSHIP):
        return uri[len(MEMBERSHIP):]
    if uri.startswith("http://purl.imsglobal.org/vocab/lis/v2/membership/"):
        return uri.rsplit("/", 1)[1]
    if "://" not in uri and "#" not in uri:
        return uri  # short form, allowed for context roles only
    return None


def context_roles(lti_roles: Iterable[str], *, has_mentor_scope: bool) -> set[Role]:
    """Lodestar roles a person holds *in the launch's course*."""
    roles: set[Role] = set()
    for uri in lti_roles:
        name = _context_role(uri)
        if name is None:
            continue
        base = name.split("#", 1)[0]
        if base == "Learner":
            roles.add(Role.STUDENT)
        elif base == "Instructor" or name == "TeachingAssistant":
            roles.add(Role.TEACHER)
        elif base == "Mentor" and has_mentor_scope:
            roles.add(Role.GUARDIAN)
    return roles


INSTITUTION_STUDENTS = {INSTITUTION + "Student", INSTITUTION + "Learner"}


def institution_roles(lti_roles: Iterable[str]) -> set[Role]:
    """Lodestar roles that come from institution or system roles.

    ``admin`` from Administrator; ``student`` from the institution Student/Learner role, so
    a launch without a course (Canvas user navigation "My Learning Plan") still opens the
    student's own plan.
    """
    roles: set[Role] = set()
    for uri in lti_roles:
        if uri in {INSTITUTION_ADMIN, SYSTEM_ADMIN}:
            roles.add(Role.ADMIN)
        elif uri in INSTITUTION_STUDENTS:
            roles.add(Role.STUDENT)
    return roles


def has_mentor_role(lti_roles: Iterable[str]) -> bool:
    """Whether the context roles include Mentor (with or without a scope)."""
    return any((_context_role(uri) or "").split("#", 1)[0] == "Mentor" for uri in lti_roles)


#: When several roles apply, the landing page follows this order.
LANDING_ORDER = (Role.TEACHER, Role.STUDENT, Role.GUARDIAN, Role.ADMIN, Role.COUNSELOR)


def landing_role(roles: Iterable[Role]) -> Role | None:
    """The role whose home page a launch opens."""
    held = set(roles)
    return next((r for r in LANDING_ORDER if r in held), None)

"""LTI role URIs and how they map to Lodestar roles.

Role vocabularies: LTI 1.3 core spec, appendix A.2 (https://www.imsglobal.org/spec/lti/v1p3/#role-vocabularies).
Platforms send full URIs; some send short context role names ("Learner"), which the spec
still allows for context roles, and Moodle's NRPS sends short names where its launch sends
full URIs. :func:`normalize` turns every form into the full URI at both entrances (launch
and roster), so the same membership never looks changed.

Only *context* (course) roles decide pages and course rights. Institution and system roles
never grant anything by themselves: Canvas puts ``institution/person#Administrator`` on every
account-level role (help desk, sub-account admins) and ``institution/person#Student`` on
anyone with a student enrollment anywhere (staff in a PD course). Admin and counselor rights
come from Lodestar's own grants (``role_grants``), optionally from a platform rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from lti_tool.lti_vocab import (
    INSTITUTION_ADMIN,
    INSTITUTION_LEARNER,
    INSTITUTION_STUDENT,
    LEGACY_ROLE_PREFIXES,
    MEMBERSHIP,
    MEMBERSHIP_SUBROLE,
    SYSTEM_ADMIN,
)
from lti_tool.models import Role


def normalize(uri: str) -> str:
    """One spelling per role: the LTI 1.3 full URI.

    ``Learner`` and ``urn:lti:role:ims/lis/Learner`` become
    ``http://purl.imsglobal.org/vocab/lis/v2/membership#Learner``;
    ``Instructor#TeachingAssistant`` becomes ``.../membership/Instructor#TeachingAssistant``.
    """
    uri = uri.strip()
    for prefix, full in LEGACY_ROLE_PREFIXES.items():
        if uri.startswith(prefix):
            uri = uri[len(prefix) :]
            if full is not MEMBERSHIP:
                return full + uri
            break
    if "://" in uri:
        return uri
    if "#" in uri:
        base, sub = uri.split("#", 1)
        return f"{MEMBERSHIP_SUBROLE}{base}#{sub}"
    if "/" in uri:  # "Instructor/TeachingAssistant" (LTI 1.1 sub-role form)
        base, sub = uri.split("/", 1)
        return f"{MEMBERSHIP_SUBROLE}{base}#{sub}"
    return MEMBERSHIP + uri


def normalize_all(uris: Iterable[object]) -> list[str]:
    """Normalised, de-duplicated, sorted role URIs (strings only)."""
    return sorted({normalize(u) for u in uris if isinstance(u, str) and u.strip()})


def _context_role(uri: str) -> str | None:
    """Return the context role name ("Learner", "Instructor#TeachingAssistant"), or None."""
    if uri.startswith(MEMBERSHIP):
        return uri[len(MEMBERSHIP) :]
    if uri.startswith(MEMBERSHIP_SUBROLE):
        return uri.rsplit("/", 1)[1]
    if "://" not in uri and "#" not in uri:
        return uri  # short form, allowed for context roles only
    return None


def context_roles(lti_roles: Iterable[str], *, has_mentor_scope: bool) -> set[Role]:
    """Lodestar roles a person holds *in the launch's course*."""
    roles: set[Role] = set()
    for uri in lti_roles:
        name = _context_role(normalize(uri))
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


INSTITUTION_STUDENTS = {INSTITUTION_STUDENT, INSTITUTION_LEARNER}


def institution_roles(lti_roles: Iterable[str]) -> set[Role]:
    """What the institution or system roles of a launch say, for display and for an
    operator's platform rule only: they never grant rights or choose pages by themselves.

    ``admin`` from an institution or system Administrator; ``student`` from the
    institution Student/Learner role.
    """
    roles: set[Role] = set()
    for uri in (normalize(u) for u in lti_roles):
        if uri in {INSTITUTION_ADMIN, SYSTEM_ADMIN}:
            roles.add(Role.ADMIN)
        elif uri in INSTITUTION_STUDENTS:
            roles.add(Role.STUDENT)
    return roles


#: When several roles apply, the landing page follows this order.
LANDING_ORDER = (Role.TEACHER, Role.STUDENT, Role.GUARDIAN, Role.ADMIN, Role.COUNSELOR)


def landing_role(roles: Iterable[Role]) -> Role | None:
    """The role whose home page a launch opens."""
    held = set(roles)
    return next((r for r in LANDING_ORDER if r in held), None)

"""Flavours: the sandbox imitating how a real LMS shapes launches and NRPS answers.

``sandbox`` (the default) is the idealised LMS the sandbox always was.  ``canvas`` and
``moodle`` reproduce what those platforms really send, as read in their source code:

* Canvas (``lib/lti/messages/jwt_message.rb``, ``lib/lti/substitutions_helper.rb``,
  ``lib/lti/variable_expander.rb``, ``app/models/user.rb#user_roles``,
  ``app/serializers/lti/ims/names_and_roles_serializer.rb``): institution and system roles
  computed from the whole account, ``role_scope_mentor`` per course and only when not empty,
  custom ``$Canvas...`` variables left as they are when they cannot be filled, SIS ids as
  ``lis_person_sourcedid``, an ``Account`` context for user navigation.
* Moodle (``mod/lti/locallib.php`` ``lti_get_ims_role``/``lti_build_request``/
  ``lti_sign_jwt``, ``mod/lti/service/memberships/.../memberships.php``): Instructor or Learner
  from a capability, full role URIs in launches but short names in NRPS, site admins marked
  Administrator, only enrolled users in NRPS.

A flavour is chosen per call, per course (:attr:`~.data.Course.flavour`) or for the whole
platform (:attr:`~.state.SandboxState.flavour`), in that order.  Nothing here imports the tool.
"""

from __future__ import annotations

from typing import Any, Final, Literal
from urllib.parse import urlsplit

from . import vocab
from .data import Course, District, Enrollment, User

Flavour = Literal["sandbox", "canvas", "moodle"]
FLAVOURS: Final = ("sandbox", "canvas", "moodle")

#: Placements a launch may name.  ``user_navigation`` is Canvas's account-menu placement: an
#: Account context and no course, so it implies the ``canvas`` flavour unless told otherwise.
USER_NAVIGATION: Final = "user_navigation"
PLACEMENTS: Final = ("course_navigation", "link_selection", USER_NAVIGATION)

#: Custom fields of Lodestar's Canvas developer key (its tool configuration JSON).
CANVAS_CUSTOM_FIELDS: Final = {
    "lms_user_id": "$Canvas.user.id",
    "lms_course_id": "$Canvas.course.id",
    "timezone": "$Person.address.timezone",
}

#: Custom parameters of Lodestar's Moodle tool (Moodle copies the registration's
#: ``custom_parameters`` into every launch).
MOODLE_CUSTOM_FIELDS: Final = {"timezone": "$Person.address.timezone"}

#: Moodle's ``timezone`` value for "the site's default zone" (``core_date::get_user_timezone``).
MOODLE_SERVER_TIMEZONE: Final = "99"

#: ``$CFG->version`` of a Moodle 4.5 site, sent as ``tool_platform.version``.
MOODLE_VERSION: Final = "2024100700"


class FlavourError(ValueError):
    """An unknown flavour or placement name."""


def check_flavour(value: str) -> str:
    """Return ``value`` if it names a flavour, else raise :class:`FlavourError`."""
    if value not in FLAVOURS:
        raise FlavourError(f"flavour must be one of {', '.join(FLAVOURS)}, got {value!r}")
    return value


def check_placement(value: str) -> str:
    """Return ``value`` if it names a known placement, else raise :class:`FlavourError`."""
    if value not in PLACEMENTS:
        raise FlavourError(f"placement must be one of {', '.join(PLACEMENTS)}, got {value!r}")
    return value


def _active(enrollment: Enrollment | None) -> Enrollment | None:
    return enrollment if enrollment is not None and enrollment.status == "Active" else None


# --- Canvas ------------------------------------------------------------------------------

_TEACHING_ROLES: Final = frozenset(
    {vocab.ROLE_INSTRUCTOR, vocab.ROLE_TEACHING_ASSISTANT, vocab.ROLE_CONTENT_DEVELOPER}
)


def canvas_institution_roles(district: District, user: User) -> set[str]:
    """The institution and system roles Canvas puts in every launch of ``user``.

    ``User#user_roles``: "user" always; "student" with an active Student enrollment in any
    course of the root account (a staff PD course too); "teacher" with an active Teacher, TA
    or Designer enrollment; "admin" with any account-level role (``AccountUser``: help desk,
    sub-account admin, a custom role).  ``LIS_V2_LTI_ADVANTAGE_ROLE_MAP`` turns them into
    ``system/person#User`` and ``institution/person#Student``/``#Instructor``/
    ``#Administrator``; "observer" maps to nothing.
    """
    roles = {vocab.SYS_USER}
    for roster in district.enrollments.values():
        enrollment = _active(roster.get(user.sub))
        if enrollment is None:
            continue
        if vocab.ROLE_LEARNER in enrollment.roles:
            roles.add(vocab.INST_STUDENT)
        if _TEACHING_ROLES.intersection(enrollment.roles):
            roles.add(vocab.INST_INSTRUCTOR)
    if user.account_roles:
        roles.add(vocab.INST_ADMINISTRATOR)
    return roles


def canvas_launch_roles(district: District, user: User, course: Course | None) -> list[str]:
    """The ``roles`` claim of a Canvas launch.

    ``$com.instructure.User.allRoles`` (``SubstitutionsHelper#all_roles("lti1_3")``): the
    current enrollments in *this* course (none outside a course) plus the institution roles,
    ``uniq.sort``.
    """
    roles = canvas_institution_roles(district, user)
    if course is not None:
        enrollment = _active(district.enrollments.get(course.context_id, {}).get(user.sub))
        if enrollment is not None:
            roles.update(enrollment.roles)
            if vocab.ROLE_TEACHING_ASSISTANT in enrollment.roles:
                roles.add(vocab.ROLE_INSTRUCTOR)  # TaEnrollment maps to both URIs
    return sorted(roles)


def canvas_observees(district: District, user: User, course: Course | None) -> list[str]:
    """The students ``user`` observes in ``course`` (``JwtMessage#current_observee_list``).

    The user's current ObserverEnrollments *in this course* give the observed students'
    ``lti_id`` (the launch ``sub``); nothing outside a course.  Canvas adds
    ``role_scope_mentor`` only when this list is not empty.
    """
    if course is None:
        return []
    roster = district.enrollments.get(course.context_id, {})
    mine = _active(roster.get(user.sub))
    if mine is None or vocab.ROLE_MENTOR not in mine.roles:
        return []
    return [sub for sub in district.mentor_links.get(user.sub, []) if _active(roster.get(sub))]


def canvas_expand(
    value: str, district: District, user: User, course: Course | None, base_url: str
) -> str | None:
    """Expand one custom field value the way Canvas's ``VariableExpander`` does.

    A known variable whose guard fails (``$Canvas.course.id`` outside a course) and any
    unknown ``$...`` value stay exactly as written (``VariableExpansion#expand`` returns
    ``"$#{name}"``).  ``None`` means Canvas would send no value (a user without SIS id).
    """
    known: dict[str, Any] = {
        "$Canvas.user.id": str(user.id),
        "$User.id": str(user.id),
        "$Canvas.api.domain": urlsplit(base_url).netloc,
        "$Canvas.account.id": str(district.account_id),
        "$Person.sourcedId": user.sis_id,
        "$Canvas.user.sisSourceId": user.sis_id,
        "$Person.name.full": user.name,
        "$Person.email.primary": user.email,
        # User#time_zone: the user's own choice, else the root account's default.
        "$Person.address.timezone": user.timezone or district.timezone,
    }
    if course is not None:
        known.update(
            {
                "$Canvas.course.id": str(course.id),
                "$Canvas.course.name": course.title,
                "$Canvas.course.sisSourceId": course.sis_id,
                "$CourseSection.sourcedId": course.sis_id,
            }
        )
    if value in known:
        return known[value]  # type: ignore[no-any-return]
    return value


def canvas_lis(user: User, course: Course | None) -> dict[str, str]:
    """The ``lis`` claim: ``$Person.sourcedId`` and ``$CourseSection.sourcedId``.

    The person's SIS id (absent without one); the course's SIS id, absent when the course
    has none and the literal ``$CourseSection.sourcedId`` outside a course (COURSE_GUARD).
    """
    lis: dict[str, str] = {}
    if user.sis_id:
        lis["person_sourcedid"] = user.sis_id
    if course is None:
        lis["course_offering_sourcedid"] = "$CourseSection.sourcedId"
    elif course.sis_id:
        lis["course_offering_sourcedid"] = course.sis_id
    return lis


def canvas_member(user: User, enrollment: Enrollment) -> dict[str, Any]:
    """One NRPS member as ``NamesAndRolesSerializer`` writes it (active members only).

    ``status`` is always ``Active``; ``lis_person_sourcedid`` is the SIS user id
    (``$Person.sourcedId``), left out when the user has none; ``user_id`` is the ``lti_id``
    (the launch ``sub``); ``roles`` are the course roles only.
    """
    roles = list(enrollment.roles)
    if vocab.ROLE_TEACHING_ASSISTANT in roles and vocab.ROLE_INSTRUCTOR not in roles:
        roles.append(vocab.ROLE_INSTRUCTOR)
    member: dict[str, Any] = {
        "status": "Active",
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "lis_person_sourcedid": user.sis_id,
        "user_id": user.sub,
        "roles": roles,
    }
    return {k: v for k, v in member.items() if v is not None}


# --- Moodle ------------------------------------------------------------------------------


def _moodle_site_admin(user: User) -> bool:
    return "siteadmin" in user.site_roles


def _moodle_can_manage_lti(user: User, enrollment: Enrollment | None) -> bool:
    """``mod/lti:manage`` in the activity: editing and non-editing teachers, managers, admins."""
    if _moodle_site_admin(user) or "manager" in user.site_roles:
        return True
    return enrollment is not None and bool(_TEACHING_ROLES.intersection(enrollment.roles))


def _moodle_can_manage_activities(user: User, enrollment: Enrollment | None) -> bool:
    """``moodle/course:manageactivities`` in the course: not granted to non-editing teachers."""
    if _moodle_site_admin(user) or "manager" in user.site_roles:
        return True
    return (
        enrollment is not None
        and vocab.ROLE_INSTRUCTOR in enrollment.roles
        and vocab.ROLE_TEACHING_ASSISTANT not in enrollment.roles
    )


def moodle_launch_roles(user: User, enrollment: Enrollment | None) -> list[str]:
    """The ``roles`` claim of a Moodle launch of an activity.

    ``lti_get_ims_role`` with a course module: ``Instructor`` with ``mod/lti:manage`` (which
    the non-editing "teacher" archetype has), else ``Learner``; a site admin loses Learner and
    gains ``urn:lti:sysrole:ims/lis/Administrator`` and ``urn:lti:instrole:ims/lis/
    Administrator``.  ``lti_sign_jwt`` turns short names into ``membership#`` URIs and the
    URNs into ``system/person#``/``institution/person#`` URIs, then sorts the list.  No other
    institution role is ever sent.
    """
    roles = ["Instructor" if _moodle_can_manage_lti(user, _active(enrollment)) else "Learner"]
    if _moodle_site_admin(user):
        roles = [r for r in roles if r != "Learner"]
        roles += ["urn:lti:sysrole:ims/lis/Administrator", "urn:lti:instrole:ims/lis/Administrator"]
    converted = []
    for role in roles:
        if role.startswith("urn:lti:instrole:ims/lis/"):
            role = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#" + role[25:]
        elif role.startswith("urn:lti:sysrole:ims/lis/"):
            role = "http://purl.imsglobal.org/vocab/lis/v2/system/person#" + role[24:]
        elif "://" not in role:
            role = "http://purl.imsglobal.org/vocab/lis/v2/membership#" + role
        converted.append(role)
    return sorted(converted)


def moodle_nrps_roles(user: User, enrollment: Enrollment) -> list[str]:
    """The ``roles`` of a Moodle NRPS member: short names, as ``users_to_json`` sends them.

    ``lti_get_ims_role($user->id, null, $course->id, true)``: without a course module the
    test is ``moodle/course:manageactivities`` in the course, which a non-editing teacher
    lacks, so they are listed as ``Learner``; a site admin loses Learner and gains the LIS v2
    ``person#Administrator`` URI.
    """
    roles = ["Instructor" if _moodle_can_manage_activities(user, enrollment) else "Learner"]
    if _moodle_site_admin(user):
        roles = [r for r in roles if r != "Learner"] + [vocab.PERSON_ADMINISTRATOR]
    return roles


def moodle_member(user: User, enrollment: Enrollment) -> dict[str, Any]:
    """One NRPS member as Moodle's memberships service writes it (enrolled users only).

    ``status`` is always ``Active``; ``lis_person_sourcedid`` is the ``idnumber`` and is sent
    even when empty; name and email fields assume "Share launcher's name/email: Always".
    """
    return {
        "status": "Active",
        "roles": moodle_nrps_roles(user, enrollment),
        "user_id": user.sub,
        "lis_person_sourcedid": user.sis_id or "",
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
    }


def moodle_expand(value: str, user: User, course: Course | None) -> str:
    """Expand a custom parameter like ``lti_parse_custom_parameter``: Moodle's own variables
    (``$User.id``, ``$Context.id``, ``$Person.sourcedId``...); anything else, ``$Canvas...``
    included, is sent as written."""
    known: dict[str, str] = {
        "$User.id": user.sub,
        "$Person.sourcedId": user.sis_id or "",
        "$Person.name.full": user.name,
        "$Person.name.given": user.given_name,
        "$Person.name.family": user.family_name,
        "$Person.email.primary": user.email,
        # $USER->timezone as stored: an IANA name, or "99" for the site's default.
        "$Person.address.timezone": user.timezone or MOODLE_SERVER_TIMEZONE,
    }
    if course is not None:
        known.update(
            {
                "$Context.id": str(course.id),
                "$Context.title": course.title,
                "$Context.label": course.label,
                "$CourseSection.sourcedId": course.sis_id or "",
            }
        )
    return known.get(value, value)


def moodle_lis(user: User, course: Course | None) -> dict[str, str]:
    """The ``lis`` claim: ``idnumber`` of the user and of the course, empty strings included
    (``lti_build_request`` always sets ``lis_person_sourcedid`` and, in a course,
    ``lis_course_section_sourcedid``)."""
    lis = {"person_sourcedid": user.sis_id or ""}
    if course is not None:
        lis["course_section_sourcedid"] = course.sis_id or ""
    return lis

"""Real-LMS shapes: Canvas and Moodle flavours of launches and NRPS, user navigation, SIS ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxError, SandboxState, create_sandbox_app, get_state, vocab
from lti_tool.sandbox.data import (
    COUNSELOR,
    DISTRICT_ADMIN,
    FSCI_COURSE,
    FSCI_LITERAL_LINK,
    FSCI_STUDENTS,
    HELP_DESK_ADMIN,
    MOODLE_EDITING_TEACHER,
    MOODLE_NON_EDITING_TEACHER,
    PARENT_OF_TWO,
    PD_COURSE,
    TEACHER_IN_PD,
    WHIST_COURSE,
    Enrollment,
    school_year_end,
)
from lti_tool.sandbox.flavours import CANVAS_CUSTOM_FIELDS
from lti_tool.sandbox.launch import build_launch_claims, login_initiation_url
from tests.lti_driver import LtiDriver
from tests.sandbox.conftest import build_oidc_params, parse_html

BIO1, ALG2, IED = "sbx-course-bio1", "sbx-course-alg2", "sbx-course-ied"
STUDENT = "sbx-user-0007"  # Amara Okafor: Biology 1 and Algebra II


@pytest.fixture
def shaped_launch(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> Callable[..., dict[str, Any]]:
    """Launch through /auth with per-call shape options; return the verified id_token."""

    def run(sub: str, context_id: str | None, **shape: Any) -> dict[str, Any]:
        user = sandbox_state.get_user(sub)
        course = sandbox_state.get_course(context_id) if context_id else None
        params = build_oidc_params(login_initiation_url(sandbox_state, user, course, **shape))
        response = sandbox_client.post("/auth", data=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        token = parse_html(response.get_data(as_text=True)).fields["id_token"]
        return verify(sandbox_client, sandbox_state, token, params["nonce"])

    return run


def verify(
    client: FlaskClient, state: SandboxState, token: str, nonce: str | None = None
) -> dict[str, Any]:
    """Check the id_token against the platform JWKS, as a tool would."""
    jwks = client.get("/jwks").get_json()
    header = jwt.get_unverified_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience=state.client_id,
        issuer=state.issuer,
    )
    if nonce is not None:
        assert claims["nonce"] == nonce
    return claims


@pytest.fixture
def nrps(
    sandbox_client: FlaskClient, access_token: Callable[..., str]
) -> Callable[..., dict[str, Any]]:
    """GET a course's NRPS memberships with a real token; return the JSON body."""

    def get(context_id: str, query: str = "") -> dict[str, Any]:
        token = access_token(vocab.SCOPE_NRPS)
        response = sandbox_client.get(
            f"/api/lti/courses/{context_id}/memberships{query}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == vocab.MT_MEMBERSHIP_CONTAINER
        body: dict[str, Any] = response.get_json()
        return body

    return get


def by_user(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["user_id"]: m for m in body["members"]}


# --- 1. Canvas role lists -------------------------------------------------------------------


def test_canvas_help_desk_admin_teaching_a_course(
    shaped_launch: Callable[..., dict[str, Any]],
) -> None:
    # The PD course is Canvas-flavoured: no per-call option needed.
    claims = shaped_launch(HELP_DESK_ADMIN, PD_COURSE)
    assert claims[vocab.CLAIM_ROLES] == sorted(
        [vocab.INST_ADMINISTRATOR, vocab.INST_INSTRUCTOR, vocab.ROLE_INSTRUCTOR, vocab.SYS_USER]
    )
    assert claims[vocab.CLAIM_TOOL_PLATFORM]["product_family_code"] == "canvas"
    # From another course they are not enrolled in: institution and system roles only.
    claims = shaped_launch(HELP_DESK_ADMIN, BIO1, flavour="canvas")
    assert claims[vocab.CLAIM_ROLES] == [
        vocab.INST_ADMINISTRATOR,
        vocab.INST_INSTRUCTOR,
        vocab.SYS_USER,
    ]


def test_canvas_teacher_enrolled_as_student_in_staff_pd(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    claims = shaped_launch(TEACHER_IN_PD, FSCI_COURSE)
    assert claims[vocab.CLAIM_ROLES] == [
        vocab.INST_INSTRUCTOR,
        vocab.INST_STUDENT,  # from the PD course, not from this one
        vocab.ROLE_INSTRUCTOR,
        vocab.SYS_USER,
    ]
    assert shaped_launch(TEACHER_IN_PD, PD_COURSE)[vocab.CLAIM_ROLES] == [
        vocab.INST_INSTRUCTOR,
        vocab.INST_STUDENT,
        vocab.ROLE_LEARNER,
        vocab.SYS_USER,
    ]
    # Only active enrollments count (User#user_roles: workflow_state "active").
    sandbox_state.set_enrollment_status(PD_COURSE, TEACHER_IN_PD, "Inactive")
    roles = shaped_launch(TEACHER_IN_PD, FSCI_COURSE)[vocab.CLAIM_ROLES]
    assert vocab.INST_STUDENT not in roles
    # The sandbox's own shape is still there when asked for.
    assert shaped_launch(TEACHER_IN_PD, FSCI_COURSE, flavour="sandbox")[vocab.CLAIM_ROLES] == [
        vocab.ROLE_INSTRUCTOR,
        vocab.INST_FACULTY,
    ]


@pytest.mark.parametrize(
    ("sub", "context_id", "roles"),
    [
        (STUDENT, BIO1, [vocab.INST_STUDENT, vocab.ROLE_LEARNER, vocab.SYS_USER]),
        ("sbx-user-0001", BIO1, [vocab.INST_INSTRUCTOR, vocab.ROLE_INSTRUCTOR, vocab.SYS_USER]),
        (COUNSELOR, BIO1, [vocab.INST_ADMINISTRATOR, vocab.SYS_USER]),  # custom account role
        (DISTRICT_ADMIN, ALG2, [vocab.INST_ADMINISTRATOR, vocab.SYS_USER]),
        ("sbx-user-0005", BIO1, [vocab.ROLE_MENTOR, vocab.SYS_USER]),  # observers: no inst role
    ],
)
def test_canvas_roles_of_the_original_people(
    shaped_launch: Callable[..., dict[str, Any]], sub: str, context_id: str, roles: list[str]
) -> None:
    assert shaped_launch(sub, context_id, flavour="canvas")[vocab.CLAIM_ROLES] == roles


def test_default_flavour_is_unchanged(shaped_launch: Callable[..., dict[str, Any]]) -> None:
    claims = shaped_launch(STUDENT, BIO1)
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_LEARNER, vocab.INST_STUDENT]
    assert claims[vocab.CLAIM_LIS] == {
        "person_sourcedid": "S240007",  # the SIS id its roster (NRPS) sends too
        "course_offering_sourcedid": "sis-course-101",
    }
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "7",
        "lms_course_id": "101",
        "timezone": "America/Chicago",  # the account's default, as Canvas sends it
        # The district's SIS-fed custom fields (Canvas has no variables for them).
        "grade_level": "9",
        "graduation_year": str(school_year_end() + 3),
        "school": "Cedar Ridge High School",
    }
    assert claims[vocab.CLAIM_TOOL_PLATFORM]["product_family_code"] == "lodestar-sandbox"
    assert vocab.CLAIM_CANVAS_PLACEMENT not in claims


# --- 2. Canvas observers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context_id", "observed"),
    [
        (BIO1, ["sbx-user-0009"]),
        (ALG2, ["sbx-user-0008"]),
        (IED, ["sbx-user-0008", "sbx-user-0009"]),
    ],
)
def test_canvas_role_scope_mentor_lists_this_course_only(
    shaped_launch: Callable[..., dict[str, Any]], context_id: str, observed: list[str]
) -> None:
    claims = shaped_launch(PARENT_OF_TWO, context_id, flavour="canvas")
    assert claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] == observed
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_MENTOR, vocab.SYS_USER]


def test_canvas_role_scope_mentor_is_absent_when_empty(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    sandbox_state.set_enrollment_status(BIO1, "sbx-user-0009", "Deleted")
    claims = shaped_launch(PARENT_OF_TWO, BIO1, flavour="canvas")
    assert vocab.CLAIM_ROLE_SCOPE_MENTOR not in claims
    assert vocab.ROLE_MENTOR in claims[vocab.CLAIM_ROLES]
    # The sandbox's own shape keeps sending the claim, whatever the child's enrollment.
    assert vocab.CLAIM_ROLE_SCOPE_MENTOR in shaped_launch(PARENT_OF_TWO, BIO1)
    # Nor is there one outside a course.
    claims = shaped_launch(PARENT_OF_TWO, None, placement="user_navigation")
    assert vocab.CLAIM_ROLE_SCOPE_MENTOR not in claims


# --- 3. Moodle ------------------------------------------------------------------------------


def test_moodle_nrps_lists_non_editing_teacher_as_learner(
    nrps: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    members = by_user(nrps(WHIST_COURSE))
    assert members[MOODLE_EDITING_TEACHER]["roles"] == ["Instructor"]
    assert members[MOODLE_NON_EDITING_TEACHER]["roles"] == ["Learner"]
    for sub in FSCI_STUDENTS:
        assert members[sub]["roles"] == ["Learner"]
        assert members[sub]["lis_person_sourcedid"] == sandbox_state.get_user(sub).sis_id
    # Site admins and category managers are not enrolled, so not listed.
    assert DISTRICT_ADMIN not in members and HELP_DESK_ADMIN not in members
    assert {m["status"] for m in members.values()} == {"Active"}
    assert list(members[MOODLE_EDITING_TEACHER]) == [
        "status",
        "roles",
        "user_id",
        "lis_person_sourcedid",
        "name",
        "given_name",
        "family_name",
        "email",
    ]


def test_moodle_nrps_role_filter(nrps: Callable[..., dict[str, Any]]) -> None:
    learners = by_user(nrps(WHIST_COURSE, "?role=Learner"))
    assert set(learners) == {MOODLE_NON_EDITING_TEACHER, *FSCI_STUDENTS}
    instructors = nrps(WHIST_COURSE, "?role=" + quote(vocab.ROLE_INSTRUCTOR, safe=""))
    assert [m["user_id"] for m in instructors["members"]] == [MOODLE_EDITING_TEACHER]


def test_moodle_nrps_site_admin_when_enrolled(
    nrps: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    roster = sandbox_state.district.enrollments[WHIST_COURSE]
    roster[DISTRICT_ADMIN] = Enrollment(WHIST_COURSE, DISTRICT_ADMIN, (vocab.ROLE_LEARNER,))
    sandbox_state.set_enrollment_status(WHIST_COURSE, DISTRICT_ADMIN, "Active")  # drop cache
    admin = by_user(nrps(WHIST_COURSE))[DISTRICT_ADMIN]
    assert admin["roles"] == ["Instructor", vocab.PERSON_ADMINISTRATOR]
    # Inactive enrollments are not listed at all (get_enrolled_users(..., onlyactive)).
    sandbox_state.set_enrollment_status(WHIST_COURSE, DISTRICT_ADMIN, "Inactive")
    assert DISTRICT_ADMIN not in by_user(nrps(WHIST_COURSE))


@pytest.mark.parametrize(
    ("sub", "roles"),
    [
        (MOODLE_EDITING_TEACHER, [vocab.ROLE_INSTRUCTOR]),
        (MOODLE_NON_EDITING_TEACHER, [vocab.ROLE_INSTRUCTOR]),  # mod/lti:manage
        (FSCI_STUDENTS[0], [vocab.ROLE_LEARNER]),
        (
            DISTRICT_ADMIN,
            [vocab.INST_ADMINISTRATOR, vocab.ROLE_INSTRUCTOR, vocab.SYS_ADMINISTRATOR],
        ),
        (HELP_DESK_ADMIN, [vocab.ROLE_INSTRUCTOR]),  # category manager
    ],
)
def test_moodle_launch_roles_are_full_uris(
    shaped_launch: Callable[..., dict[str, Any]], sub: str, roles: list[str]
) -> None:
    claims = shaped_launch(sub, WHIST_COURSE)
    assert claims[vocab.CLAIM_ROLES] == roles
    assert claims[vocab.CLAIM_TOOL_PLATFORM]["product_family_code"] == "moodle"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/ext"] == {"lms": "moodle-2"}
    # Lodestar's only tool-level custom parameter: the person's zone, "99" for the site's.
    assert claims[vocab.CLAIM_CUSTOM] == {"timezone": "99"}
    assert vocab.CLAIM_ROLE_SCOPE_MENTOR not in claims


def test_moodle_role_strings_flip_between_launch_and_nrps(
    shaped_launch: Callable[..., dict[str, Any]], nrps: Callable[..., dict[str, Any]]
) -> None:
    launch_roles = shaped_launch(MOODLE_NON_EDITING_TEACHER, WHIST_COURSE)[vocab.CLAIM_ROLES]
    nrps_roles = by_user(nrps(WHIST_COURSE))[MOODLE_NON_EDITING_TEACHER]["roles"]
    assert (launch_roles, nrps_roles) == ([vocab.ROLE_INSTRUCTOR], ["Learner"])
    student = FSCI_STUDENTS[1]
    assert shaped_launch(student, WHIST_COURSE)[vocab.CLAIM_ROLES] == [vocab.ROLE_LEARNER]
    assert by_user(nrps(WHIST_COURSE))[student]["roles"] == ["Learner"]


def test_moodle_lis_and_platform_flavour(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    claims = shaped_launch("sbx-user-0005", BIO1, flavour="moodle")
    # No SIS id: Moodle still sends the (empty) idnumber; parents have no Mentor role there.
    assert claims[vocab.CLAIM_LIS] == {
        "person_sourcedid": "",
        "course_section_sourcedid": "CR-BIO-1",
    }
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_LEARNER]
    with sandbox_state.configured(flavour="moodle"):
        assert shaped_launch(STUDENT, BIO1)[vocab.CLAIM_ROLES] == [vocab.ROLE_LEARNER]
    assert sandbox_state.flavour == "sandbox"
    assert shaped_launch(STUDENT, BIO1)[vocab.CLAIM_ROLES] == [
        vocab.ROLE_LEARNER,
        vocab.INST_STUDENT,
    ]


# --- 4. Unexpanded custom variables ---------------------------------------------------------


def test_placement_keeps_literal_canvas_variables(
    shaped_launch: Callable[..., dict[str, Any]],
) -> None:
    literal = shaped_launch(TEACHER_IN_PD, FSCI_COURSE, resource_link_id=FSCI_LITERAL_LINK)
    assert literal[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "$Canvas.user.id",
        "lms_course_id": "$Canvas.course.id",
        "timezone": "America/Chicago",
    }
    assert literal[vocab.CLAIM_RESOURCE_LINK]["id"] == FSCI_LITERAL_LINK
    expanded = shaped_launch(TEACHER_IN_PD, FSCI_COURSE)
    assert expanded[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "38",
        "lms_course_id": "105",
        "timezone": "America/Chicago",
    }
    # The same placement in the sandbox's own shape also sends the values as written.
    plain = shaped_launch(
        TEACHER_IN_PD, FSCI_COURSE, flavour="sandbox", resource_link_id=FSCI_LITERAL_LINK
    )
    assert plain[vocab.CLAIM_CUSTOM]["lms_course_id"] == "$Canvas.course.id"


def test_moodle_leaves_canvas_variables_unexpanded(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    fields = {**CANVAS_CUSTOM_FIELDS, "moodle_user": "$User.id", "course": "$Context.id"}
    with sandbox_state.configured(custom_fields=fields):
        claims = shaped_launch(FSCI_STUDENTS[0], WHIST_COURSE)
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "$Canvas.user.id",
        "lms_course_id": "$Canvas.course.id",
        "moodle_user": FSCI_STUDENTS[0],
        "course": "106",
        "timezone": "99",  # Moodle knows $Person.address.timezone: the user's field
    }
    assert sandbox_state.custom_fields is None


def test_per_call_custom_is_verbatim(shaped_launch: Callable[..., dict[str, Any]]) -> None:
    claims = shaped_launch(STUDENT, BIO1, custom={"lms_course_id": "$Canvas.course.id"})
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "7",
        "lms_course_id": "$Canvas.course.id",
        "timezone": "America/Chicago",
        "grade_level": "9",
        "graduation_year": str(school_year_end() + 3),
        "school": "Cedar Ridge High School",
    }
    claims = shaped_launch(
        STUDENT, BIO1, flavour="canvas", custom={"lms_user_id": "$Canvas.user.id"}
    )
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "$Canvas.user.id",
        "lms_course_id": "101",
        "timezone": "America/Chicago",
    }


# --- 5. Canvas user navigation --------------------------------------------------------------


def test_user_navigation_launch_has_an_account_context(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    claims = shaped_launch(STUDENT, None, placement="user_navigation")
    district = sandbox_state.district
    assert claims[vocab.CLAIM_CONTEXT] == {
        "id": district.account_context_id,
        "title": district.name,
        "type": ["Account"],
    }
    assert claims[vocab.CLAIM_ROLES] == [vocab.INST_STUDENT, vocab.SYS_USER]  # no course roles
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "7",
        "lms_course_id": "$Canvas.course.id",
        "timezone": "America/Chicago",
    }
    assert claims[vocab.CLAIM_LIS] == {
        "person_sourcedid": "S240007",
        "course_offering_sourcedid": "$CourseSection.sourcedId",
    }
    assert claims[vocab.CLAIM_RESOURCE_LINK] == {"id": district.account_context_id}
    assert claims[vocab.CLAIM_CANVAS_PLACEMENT] == "user_navigation"
    assert claims[vocab.CLAIM_TOOL_PLATFORM]["product_family_code"] == "canvas"
    for absent in (vocab.CLAIM_NRPS, vocab.CLAIM_AGS, vocab.CLAIM_ROLE_SCOPE_MENTOR):
        assert absent not in claims


def test_user_navigation_needs_no_enrollment_and_no_course(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    claims = shaped_launch(COUNSELOR, None, placement="user_navigation")
    assert claims[vocab.CLAIM_ROLES] == [vocab.INST_ADMINISTRATOR, vocab.SYS_USER]
    claims = shaped_launch(HELP_DESK_ADMIN, None, placement="user_navigation")
    assert claims[vocab.CLAIM_ROLES] == [
        vocab.INST_ADMINISTRATOR,
        vocab.INST_INSTRUCTOR,
        vocab.SYS_USER,
    ]
    user, course = sandbox_state.get_user(STUDENT), sandbox_state.get_course(BIO1)
    with pytest.raises(SandboxError, match="Account context"):
        login_initiation_url(sandbox_state, user, course, placement="user_navigation")
    with pytest.raises(SandboxError, match="course is required"):
        login_initiation_url(sandbox_state, user, None)
    with pytest.raises(SandboxError, match="placement must be"):
        build_launch_claims(sandbox_state, user, course, nonce="n", placement="nowhere")
    with pytest.raises(SandboxError, match="LtiResourceLinkRequest"):
        build_launch_claims(
            sandbox_state,
            user,
            None,
            nonce="n",
            placement="user_navigation",
            message_type=vocab.MESSAGE_DEEP_LINKING,
        )


# --- 6. SIS ids -----------------------------------------------------------------------------


def test_canvas_nrps_carries_sis_ids(
    nrps: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    members = by_user(nrps(FSCI_COURSE))
    student = members[FSCI_STUDENTS[0]]
    assert student["lis_person_sourcedid"] == "S240040"
    assert student["lis_person_sourcedid"] not in {student["user_id"], "40"}
    assert members[TEACHER_IN_PD]["lis_person_sourcedid"] == "E100038"
    assert student["roles"] == [vocab.ROLE_LEARNER]
    with sandbox_state.configured(flavour="canvas"):
        bio1 = by_user(nrps(BIO1))
    assert bio1[STUDENT]["lis_person_sourcedid"] == "S240007"
    assert "lis_person_sourcedid" not in bio1["sbx-user-0005"]  # parents are not in the SIS
    # The sandbox's own NRPS sends the same SIS ids as its launches.
    assert by_user(nrps(BIO1))[STUDENT]["lis_person_sourcedid"] == "S240007"


def test_canvas_nrps_lists_active_members_only(
    nrps: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    sandbox_state.set_enrollment_status(FSCI_COURSE, FSCI_STUDENTS[1], "Inactive")
    assert FSCI_STUDENTS[1] not in by_user(nrps(FSCI_COURSE))
    sandbox_state.set_course_flavour(FSCI_COURSE, None)  # now the sandbox's own NRPS
    assert by_user(nrps(FSCI_COURSE))[FSCI_STUDENTS[1]]["status"] == "Inactive"


def test_canvas_launch_carries_sis_ids(shaped_launch: Callable[..., dict[str, Any]]) -> None:
    claims = shaped_launch(STUDENT, BIO1, flavour="canvas")
    assert claims[vocab.CLAIM_LIS] == {
        "person_sourcedid": "S240007",
        "course_offering_sourcedid": "CR-BIO-1",
    }
    assert claims["sub"] == STUDENT
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "7",
        "lms_course_id": "101",
        "timezone": "America/Chicago",
    }
    # A course the SIS did not make, a parent the SIS does not know: no sourcedids.
    assert shaped_launch(TEACHER_IN_PD, PD_COURSE)[vocab.CLAIM_LIS] == {
        "person_sourcedid": "E100038"
    }
    assert shaped_launch(PARENT_OF_TWO, BIO1, flavour="canvas")[vocab.CLAIM_LIS] == {
        "course_offering_sourcedid": "CR-BIO-1"
    }


# --- Switches, pages and the driver ---------------------------------------------------------


def test_flavour_switches_are_checked(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    response = sandbox_client.get(f"/courses/{BIO1}/view?user={STUDENT}&flavour=blackboard")
    assert response.status_code == 400
    assert "flavour must be one of" in response.get_data(as_text=True)
    with pytest.raises(SandboxError):
        sandbox_state.set_course_flavour(BIO1, "blackboard")
    with pytest.raises(SandboxError), sandbox_state.configured(flavour="blackboard"):
        pytest.fail("an unknown flavour is refused on the way in")
    assert sandbox_state.flavour == "sandbox"
    moodle = get_state(create_sandbox_app({"SANDBOX_FLAVOUR": "moodle"}))
    assert moodle.flavour == "moodle"
    assert moodle.flavour_for(moodle.get_course(FSCI_COURSE)) == "canvas"  # the course wins


def test_course_page_flavour_parameter(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    page = sandbox_client.get(f"/courses/{BIO1}/view?user={STUDENT}&flavour=canvas")
    src = parse_html(page.get_data(as_text=True)).iframe_src
    assert src is not None
    params = build_oidc_params(src)
    form = parse_html(sandbox_client.post("/auth", data=params).get_data(as_text=True))
    claims = verify(sandbox_client, sandbox_state, form.fields["id_token"])
    assert vocab.SYS_USER in claims[vocab.CLAIM_ROLES]


def test_home_page_lists_the_new_people(sandbox_client: FlaskClient) -> None:
    html = sandbox_client.get("/").get_data(as_text=True)
    for course in ("Staff Professional Development", "Forensic Science", "World History"):
        assert course in html
    assert "Other staff" in html
    assert f"/courses/{WHIST_COURSE}/view?user={MOODLE_NON_EDITING_TEACHER}" in html
    assert "help-desk account admin" in html
    assert "parent of Benjamin Lindqvist, Camila Reyes" in html


def test_driver_launches_the_shapes(lti: LtiDriver, app: Flask) -> None:
    """The driver's optional shape arguments reach the id_token (what the tool receives)."""
    student = lti.user(STUDENT)
    form = lti.authorize(lti.login(student, placement="user_navigation"))
    claims = verify(lti.lms, lti.state, form["id_token"])
    assert claims[vocab.CLAIM_CONTEXT]["type"] == ["Account"]
    form = lti.authorize(lti.login(lti.user(PARENT_OF_TWO), lti.course(ALG2), flavour="canvas"))
    claims = verify(lti.lms, lti.state, form["id_token"])
    assert claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] == ["sbx-user-0008"]
    teacher = lti.user(TEACHER_IN_PD)
    form = lti.authorize(
        lti.login(teacher, lti.course(FSCI_COURSE), resource_link_id=FSCI_LITERAL_LINK)
    )
    custom = verify(lti.lms, lti.state, form["id_token"])[vocab.CLAIM_CUSTOM]
    assert custom["lms_user_id"] == "$Canvas.user.id"
    state, nonce = lti.begin(student, flavour="moodle")
    body = lti.claims(student, nonce, shape={"flavour": "moodle"})
    assert body[vocab.CLAIM_ROLES] == [vocab.ROLE_LEARNER] and state


def test_time_zone_is_sent_as_canvas_and_moodle_send_it(
    shaped_launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    """``$Person.address.timezone``: Canvas sends the user's zone or the account's default;
    Moodle the user's ``timezone`` field, ``99`` when it is the site's default."""

    def zone(flavour: str) -> str:
        return str(shaped_launch(STUDENT, BIO1, flavour=flavour)[vocab.CLAIM_CUSTOM]["timezone"])

    assert zone("canvas") == zone("sandbox") == sandbox_state.district.timezone
    assert zone("moodle") == "99"
    user = sandbox_state.get_user(STUDENT)
    user.timezone = "America/Denver"
    try:
        assert zone("canvas") == zone("moodle") == zone("sandbox") == "America/Denver"
    finally:
        user.timezone = None

"""Issue: works in a real district. Canvas- and Moodle-shaped launches (signed by the
sandbox platform's key, with the claims those LMSs really send) against the tool."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.models import SyncKind, SyncStatus
from lti_tool.launch import grants, services, tenancy
from lti_tool.models import (
    Course,
    Deployment,
    Enrollment,
    EnrollmentStatus,
    Mentorship,
    Person,
    Platform,
    Role,
    RoleGrant,
)
from lti_tool.plans.models import Goal, Plan
from tests.lti_driver import LtiDriver, token_of

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
INSTRUCTOR = LIS + "membership#Instructor"
LEARNER = LIS + "membership#Learner"
MENTOR = LIS + "membership#Mentor"
INST_ADMIN = LIS + "institution/person#Administrator"
INST_STUDENT = LIS + "institution/person#Student"
SYS_USER = LIS + "system/person#User"


def launch(lti: LtiDriver, user: Any, course: Any | None = None, **claims: Any) -> Any:
    """A launch whose id_token carries ``claims`` (None deletes one), signed by the platform."""
    state, nonce = lti.begin(user, course)
    body = lti.claims(user, nonce, course, **claims)
    return lti.post_launch({"id_token": lti.sign(body), "state": state})


def course_of(lti: LtiDriver, context_id: str) -> Any:
    return lti.state.district.courses[context_id]


def row_id(app: Flask, model: Any, **where: Any) -> int:
    with app.app_context():
        return int(db.session.execute(select(model.id).filter_by(**where)).scalars().first())


# -- 1. institution roles grant nothing by themselves ----------------------------------


def test_canvas_help_desk_admin_who_teaches_is_only_a_teacher(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher", 1)  # teaches alg2 only
    bio_student = next(
        s
        for s in lti.state.district.students_of("sbx-course-bio1")
        if "sbx-course-alg2" not in [c.context_id for c in lti.state.district.courses_of(s.sub)]
    )
    lti.launch(bio_student, course_of(lti, "sbx-course-bio1"))
    response = launch(
        lti,
        teacher,
        course_of(lti, "sbx-course-alg2"),
        **{CLAIM + "roles": [INSTRUCTOR, INST_ADMIN, SYS_USER]},
    )
    assert "/courses/" in response.headers["Location"]  # the class page, not admin
    lt = {"lt": token_of(response)}
    student_id = row_id(app, Person, sub=bio_student.sub)
    assert lti.client.get("/plans/caseload", query_string=lt).status_code == 403
    assert lti.client.get("/admin", query_string=lt).status_code == 403
    assert lti.client.get(f"/plans/students/{student_id}", query_string=lt).status_code == 403
    with app.app_context():
        assert db.session.execute(select(func.count(RoleGrant.id))).scalar_one() == 2  # demo's


def test_operator_rule_makes_institution_admins_admins(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    teacher = lti.person("teacher", 1)
    with app.app_context():
        services.set_admin_rule(platform_id, True)
    lt = {
        "lt": token_of(
            launch(
                lti,
                teacher,
                course_of(lti, "sbx-course-alg2"),
                **{CLAIM + "roles": [INSTRUCTOR, INST_ADMIN]},
            )
        )
    }
    assert lti.client.get("/admin", query_string=lt).status_code == 200
    # A later launch without the institution role takes the rule's grant away.
    lt = {
        "lt": token_of(
            launch(
                lti, teacher, course_of(lti, "sbx-course-alg2"), **{CLAIM + "roles": [INSTRUCTOR]}
            )
        )
    }
    assert lti.client.get("/admin", query_string=lt).status_code == 403


def test_staff_with_a_student_enrollment_elsewhere_is_a_teacher_here(lti: LtiDriver) -> None:
    """Canvas adds institution#Student to staff enrolled as students in a PD course."""
    teacher = lti.person("teacher")
    response = launch(lti, teacher, **{CLAIM + "roles": [INSTRUCTOR, INST_STUDENT]})
    assert "/courses/" in response.headers["Location"]
    # The reflection activity of their own course opens for the teacher, not as a student.
    response = launch(
        lti,
        teacher,
        **{
            CLAIM + "roles": [INSTRUCTOR, INST_STUDENT],
            CLAIM + "custom": {"activity": "reflection"},
        },
    )
    assert "/reflect" not in response.headers["Location"]
    page = lti.client.get(response.headers["Location"])
    assert page.status_code == 200


def test_grant_by_email_before_first_launch(
    lti: LtiDriver, app: Flask, runner: Any, platform_id: int
) -> None:
    counselor = lti.person("teacher", 2)
    result = runner.invoke(
        args=[
            "people",
            "grant",
            "--role",
            "counselor",
            "--platform",
            str(platform_id),
            "--email",
            counselor.email.upper(),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "first launch" in result.output
    lt = {"lt": token_of(lti.launch(counselor))}
    assert lti.client.get("/plans/caseload", query_string=lt).status_code == 200
    listing = runner.invoke(args=["people", "grants", "--platform", str(platform_id)])
    assert counselor.name in listing.output
    revoked = runner.invoke(
        args=[
            "people",
            "revoke",
            "--role",
            "counselor",
            "--platform",
            str(platform_id),
            "--sub",
            counselor.sub,
        ]
    )
    assert "Revoked 1" in revoked.output
    # Losing the grant ends every session of the person; a new launch has no caseload.
    ended = lti.client.get("/plans/caseload", query_string=lt)
    assert ended.status_code == 401 and "roles changed" in ended.get_data(as_text=True)
    lt = {"lt": token_of(lti.launch(counselor))}
    assert lti.client.get("/plans/caseload", query_string=lt).status_code == 403


def test_admin_page_grants_and_revokes(lti: LtiDriver, app: Flask) -> None:
    admin = lti.person("admin")
    lt = token_of(lti.launch(admin))
    page = lti.client.get("/admin", query_string={"lt": lt})
    assert page.status_code == 200 and "Admins and counselors" in page.get_data(as_text=True)
    bad = lti.client.post(
        "/admin/grants", data={"lt": lt, "role": "counselor", "email": "not-an-email"}
    )
    assert bad.status_code == 422
    assert 'value="not-an-email"' in bad.get_data(as_text=True)  # kept, never in a URL
    assert "not an email address" in bad.get_data(as_text=True)
    ok = lti.client.post(
        "/admin/grants",
        data={"lt": lt, "role": "counselor", "email": "new.counselor@cedarridge.example"},
    )
    assert ok.status_code == 302
    grant_id = row_id(app, RoleGrant, email="new.counselor@cedarridge.example")
    assert lti.client.post(f"/admin/grants/{grant_id}/revoke", data={"lt": lt}).status_code == 302
    with app.app_context():
        assert db.session.get(RoleGrant, grant_id) is None


# -- 3. guardians per course ------------------------------------------------------------


def test_observer_links_are_per_course(lti: LtiDriver, app: Flask) -> None:
    parent = lti.person("parent")
    child = lti.person("student")  # observed in bio1 and alg2
    bio, alg = course_of(lti, "sbx-course-bio1"), course_of(lti, "sbx-course-alg2")
    launch(
        lti, parent, bio, **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": [child.sub]}
    )
    # Canvas leaves role_scope_mentor out when nobody is observed in this course.
    response = launch(
        lti, parent, alg, **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": None}
    )
    lt = {"lt": token_of(response)}
    child_id = row_id(app, Person, sub=child.sub)
    assert lti.client.get(f"/plans/students/{child_id}", query_string=lt).status_code == 200
    # A bio1 launch that no longer names the child removes that course's link only.
    again = launch(
        lti, parent, bio, **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": None}
    )
    # The lost link ended the parent's other sessions; the new one cannot read the plan.
    assert lti.client.get(f"/plans/students/{child_id}", query_string=lt).status_code == 401
    lt = {"lt": token_of(again)}
    assert lti.client.get(f"/plans/students/{child_id}", query_string=lt).status_code == 403
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Mentorship.id)).where(Mentorship.active.is_(True))
            ).scalar_one()
            == 0
        )


def test_observer_of_two_children_in_two_courses_keeps_both(lti: LtiDriver, app: Flask) -> None:
    parent = lti.person("parent")
    bio, alg = course_of(lti, "sbx-course-bio1"), course_of(lti, "sbx-course-alg2")
    first = lti.state.district.students_of("sbx-course-bio1")[0]
    second = lti.state.district.students_of("sbx-course-alg2")[-1]
    launch(
        lti, parent, bio, **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": [first.sub]}
    )
    lt = {
        "lt": token_of(
            launch(
                lti,
                parent,
                alg,
                **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": [second.sub]},
            )
        )
    }
    for kid in (first, second):
        kid_id = row_id(app, Person, sub=kid.sub)
        assert lti.client.get(f"/plans/students/{kid_id}", query_string=lt).status_code == 200


# -- 4. the launch outranks the roster ---------------------------------------------------


def test_sync_now_never_locks_out_a_non_editing_teacher(lti: LtiDriver, app: Flask) -> None:
    """Moodle's NRPS lists a non-editing teacher as Learner (short name); the launch said
    Instructor (full URI)."""
    teacher = lti.person("teacher")
    ctx = "sbx-course-bio1"
    lt = token_of(launch(lti, teacher, **{CLAIM + "roles": [INSTRUCTOR]}))
    course_id = row_id(app, Course, context_id=ctx)
    lti.state.set_enrollment_roles(ctx, teacher.sub, ["Learner"])
    try:
        sync_now = lti.client.post(f"/courses/{course_id}/sync", data={"lt": lt})
        assert sync_now.status_code == 302
        assert lti.client.get(sync_now.headers["Location"]).status_code == 200
    finally:
        lti.state.set_enrollment_roles(ctx, teacher.sub, [INSTRUCTOR])
    with app.app_context():
        roles = dict(
            db.session.execute(
                select(Enrollment.role, Enrollment.status)
                .join(Person)
                .where(Person.sub == teacher.sub)
            ).all()
        )
    assert roles == {Role.TEACHER: EnrollmentStatus.ACTIVE}  # never made a student


def test_stale_roster_launch_lands_on_the_class_page(lti: LtiDriver, app: Flask) -> None:
    """A launch whose inline sync drops the teacher (Moodle omits site admins) still opens."""
    teacher = lti.person("teacher")
    ctx = "sbx-course-bio1"
    app.config["ILP_SYNC_ON_LAUNCH"] = True
    lti.state.set_enrollment_status(ctx, teacher.sub, "Deleted")
    try:
        response = launch(lti, teacher, **{CLAIM + "roles": [INSTRUCTOR]})
        assert "/courses/" in response.headers["Location"]
        assert lti.client.get(response.headers["Location"]).status_code == 200
    finally:
        lti.state.set_enrollment_status(ctx, teacher.sub, "Active")
        app.config["ILP_SYNC_ON_LAUNCH"] = False


def test_roles_have_one_spelling_so_nothing_is_rewritten(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    ctx = "sbx-course-bio1"
    launch(lti, teacher, **{CLAIM + "roles": ["Instructor"]})  # short form in the launch
    course_id = row_id(app, Course, context_id=ctx)
    with app.app_context():
        first = sync.sync_roster(db.session.get(Course, course_id))
        again = sync.sync_roster(db.session.get(Course, course_id))
        stored = db.session.execute(
            select(Enrollment.lti_roles).join(Person).where(Person.sub == teacher.sub)
        ).scalar_one()
    assert stored == [INSTRUCTOR]
    assert again.updated == 0 and again.created == 0, (first.as_dict(), again.as_dict())


# -- 2. the SIS id is kept apart ---------------------------------------------------------


def test_launch_sis_id_never_replaces_the_lms_user_id(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    launch(
        lti,
        student,
        **{
            CLAIM + "custom": {"lms_user_id": "4242"},
            CLAIM + "lis": {"person_sourcedid": "SIS-0007"},
        },
    )
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        assert (person.lms_user_id, person.sis_id) == ("4242", "SIS-0007")


# -- 5. one tenant per district LMS ------------------------------------------------------


def _second_registration(app: Flask, lti: LtiDriver, client_id: str, **kwargs: Any) -> Any:
    """Moodle makes a registration (own client id) per site tool and per course tool."""
    from types import SimpleNamespace

    base = lti.state.base_url
    with app.app_context():
        platform = services.add_platform(
            issuer=lti.state.issuer,
            client_id=client_id,
            deployment_ids=["dep-2"],
            auth_login_url=base + "/auth",
            auth_token_url=base + "/token",
            key_set_url=base + "/jwks",
            name="Course-level tool",
            **kwargs,
        )
        return SimpleNamespace(id=platform.id, tenant_id=platform.tenant_id)


def test_moodle_registrations_of_one_site_share_one_tenant(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    second = _second_registration(app, lti, "moodle-client-2")
    with app.app_context():
        assert second.tenant_id == db.session.get(Platform, platform_id).tenant_id
    student = lti.person("student")
    lti.launch(student)
    launch(
        lti,
        student,
        aud="moodle-client-2",
        azp="moodle-client-2",
        **{CLAIM + "deployment_id": "dep-2"},
    )
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Person.id)).where(Person.sub == student.sub)
            ).scalar_one()
            == 1
        )


def test_shared_cloud_issuer_never_decides_a_tenant(app: Flask) -> None:
    kwargs: dict[str, Any] = {
        "issuer": "https://canvas.instructure.com",
        "deployment_ids": ["1:abc"],
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks",
        "lms": "canvas",
    }
    with app.app_context():
        a = services.add_platform(client_id="10000000000001", name="District A", **kwargs)
        b = services.add_platform(client_id="10000000000002", name="District B", **kwargs)
        assert a.tenant_id != b.tenant_id
        c = services.add_platform(client_id="10000000000003", tenant="District A", **kwargs)
        assert c.tenant_id == a.tenant_id  # the operator named the tenant
        d = services.add_platform(client_id="10000000000004", tenant=b.tenant_id, **kwargs)
        assert d.tenant_id == b.tenant_id
        e = services.add_platform(client_id="10000000000005", tenant="District C", **kwargs)
        assert e.tenant_id not in {a.tenant_id, b.tenant_id}


def test_merge_joins_duplicate_tenants_without_losing_anything(
    lti: LtiDriver, app: Flask, runner: Any, platform_id: int
) -> None:
    student = lti.person("student")
    lti.launch(student)
    with app.app_context():
        first_tenant = db.session.get(Platform, platform_id).tenant_id
    # Before this issue every registration was its own tenant: simulate that duplicate.
    second = _second_registration(app, lti, "moodle-client-2", tenant="Old duplicate")
    launch(
        lti,
        student,
        aud="moodle-client-2",
        azp="moodle-client-2",
        **{CLAIM + "deployment_id": "dep-2"},
    )
    with app.app_context():
        people = list(db.session.execute(select(Person).where(Person.sub == student.sub)).scalars())
        assert len(people) == 2
        for person, title in zip(people, ("Goal in tenant one", "Goal in tenant two"), strict=True):
            plan = db.session.execute(select(Plan).where(Plan.person_id == person.id)).scalar()
            if plan is None:
                plan = Plan(tenant_id=person.tenant_id, person_id=person.id)
                db.session.add(plan)
                db.session.flush()
            db.session.add(Goal(plan_id=plan.id, category="academic", statement=title))
        db.session.commit()
    result = runner.invoke(
        args=["platforms", "merge", str(second.tenant_id), str(first_tenant), "--yes"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        [person] = db.session.execute(select(Person).where(Person.sub == student.sub)).scalars()
        [plan] = db.session.execute(select(Plan).where(Plan.person_id == person.id)).scalars()
        titles = set(
            db.session.execute(select(Goal.statement).where(Goal.plan_id == plan.id)).scalars()
        )
        assert {"Goal in tenant one", "Goal in tenant two"} <= titles
        assert db.session.get(Platform, second.id).tenant_id == first_tenant
        assert [t.id for t in tenancy.list_tenants()] == [first_tenant]


# -- 6. only course contexts; unexpanded variables are absent ----------------------------


def test_user_navigation_account_context_makes_no_course(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    lti.launch(student)  # enrolled somewhere first
    before = row_count(app, Course)
    response = launch(
        lti,
        student,
        **{
            CLAIM + "context": {
                "id": "acct-ctx-1",
                "title": "Springfield District",
                "type": ["Account"],
            },
            CLAIM + "custom": {
                "lms_course_id": "$Canvas.course.id",
                "lms_user_id": "$Canvas.user.id",
            },
            CLAIM + "roles": [INST_STUDENT],
            CLAIM + "resource_link": {"id": "user-nav"},
        },
    )
    assert "/plans/me" in response.headers["Location"] or "/plan" in response.headers["Location"]
    assert row_count(app, Course) == before
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Course.id)).where(Course.lms_course_id.like("$%"))
            ).scalar_one()
            == 0
        )
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        assert person.lms_user_id is None or not person.lms_user_id.startswith("$")


def row_count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_teacher_from_user_navigation_gets_their_courses(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    lti.launch(teacher)
    response = launch(lti, teacher, **{CLAIM + "context": None, CLAIM + "roles": [INST_STUDENT]})
    page = lti.client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Biology" in page.get_data(as_text=True) or "course" in page.get_data(as_text=True)


# -- 7. a deployment nobody enabled yet --------------------------------------------------


def test_unknown_deployment_waits_for_an_admin(lti: LtiDriver, app: Flask) -> None:
    teacher, admin = lti.person("teacher"), lti.person("admin")
    response = launch(lti, teacher, **{CLAIM + "deployment_id": "new-root-deployment"})
    assert response.status_code == 403
    assert "not switched on here yet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(Person.id))).scalar_one() == 0
        pending = db.session.execute(
            select(Deployment).where(Deployment.deployment_id == "new-root-deployment")
        ).scalar_one()
        assert pending.approved is False
    # The district's Lodestar admin launches from it and enables it on the spot.
    page = launch(lti, admin, **{CLAIM + "deployment_id": "new-root-deployment"})
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    form_token = html.split('name="token" value="')[1].split('"')[0]
    assert (
        lti.client.post("/lti/deployments/approve", data={"token": form_token + "x"}).status_code
        == 401
    )
    done = lti.client.post("/lti/deployments/approve", data={"token": form_token})
    assert done.status_code == 200 and "enabled" in done.get_data(as_text=True)
    assert (
        launch(lti, teacher, **{CLAIM + "deployment_id": "new-root-deployment"}).status_code == 302
    )


def test_admin_page_and_cli_enable_waiting_deployments(
    lti: LtiDriver, app: Flask, runner: Any, platform_id: int
) -> None:
    teacher = lti.person("teacher")
    launch(lti, teacher, **{CLAIM + "deployment_id": "dep-from-page"})
    launch(lti, teacher, **{CLAIM + "deployment_id": "dep-from-cli"})
    lt = token_of(lti.launch(lti.person("admin")))
    page = lti.client.get("/admin", query_string={"lt": lt}).get_data(as_text=True)
    assert "Waiting for you" in page and "dep-from-page" in page
    assert (
        lti.client.post(
            f"/admin/deployments/{platform_id}/approve",
            data={"lt": lt, "deployment_id": "dep-from-page"},
        ).status_code
        == 302
    )
    result = runner.invoke(
        args=["platforms", "deployments", str(platform_id), "--approve", "dep-from-cli"]
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["platforms", "deployments", str(platform_id)]).output
    assert "dep-from-page\tenabled" in listing and "dep-from-cli\tenabled" in listing
    with app.app_context():
        assert not services.pending_deployments(db.session.get(Platform, platform_id).tenant_id)


def test_stale_launch_assertion_no_longer_protects(lti: LtiDriver, app: Flask) -> None:
    """After the session lifetime the roster decides again."""
    student = lti.person("student")
    lti.launch(student)
    ctx = "sbx-course-bio1"
    course_id = row_id(app, Course, context_id=ctx)
    with app.app_context():
        db.session.execute(update(Enrollment).values(asserted_at=utcnow() - dt.timedelta(days=1)))
        db.session.commit()
    lti.state.set_enrollment_status(ctx, student.sub, "Deleted")
    try:
        with app.app_context():
            [run] = sync.start_sync(db.session.get(Course, course_id), [SyncKind.ROSTER])
            assert run.status == SyncStatus.SUCCEEDED
            status = db.session.execute(
                select(Enrollment.status)
                .join(Person)
                .where(Person.sub == student.sub, Enrollment.course_id == course_id)
            ).scalar_one()
    finally:
        lti.state.set_enrollment_status(ctx, student.sub, "Active")
    assert status == EnrollmentStatus.INACTIVE


def test_grants_module_refuses_unknown_roles(app: Flask, platform_id: int) -> None:
    import pytest

    from lti_tool.errors import InvalidInput

    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id
        with pytest.raises(InvalidInput):
            grants.grant(tenant_id, "superuser", sub="x")
        with pytest.raises(InvalidInput):
            grants.grant(tenant_id, "admin")


def test_granting_a_held_role_again_returns_the_grant_it_has(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    teacher = lti.person("teacher")
    lti.launch(teacher)
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id
        person = db.session.execute(
            select(Person).where(Person.tenant_id == tenant_id, Person.sub == teacher.sub)
        ).scalar_one()
        first = grants.grant(tenant_id, "counselor", person_id=person.id)
        db.session.commit()
        again = grants.grant(tenant_id, "counselor", sub=teacher.sub)
        assert again.id == first.id
        count = db.session.execute(
            select(func.count(RoleGrant.id)).where(
                RoleGrant.person_id == person.id, RoleGrant.role == "counselor"
            )
        ).scalar_one()
        assert count == 1


def test_sis_id_is_shown_in_the_roster_and_the_caseload_csv(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    launch(lti, student, **{CLAIM + "lis": {"person_sourcedid": "SIS-778899"}})
    teacher_lt = token_of(lti.launch(lti.person("teacher")))
    course_id = row_id(app, Course, context_id="sbx-course-bio1")
    roster = lti.client.get(f"/courses/{course_id}", query_string={"lt": teacher_lt})
    assert "SIS-778899" in roster.get_data(as_text=True)
    counselor_lt = token_of(lti.launch(lti.person("counselor")))
    csv_text = lti.client.get("/plans/caseload.csv", query_string={"lt": counselor_lt})
    assert "SIS id" in csv_text.get_data(as_text=True).splitlines()[0]
    assert "SIS-778899" in csv_text.get_data(as_text=True)


# -- the same behaviours through the sandbox's Canvas and Moodle shapes ------------------


def test_sandbox_canvas_help_desk_admin_teaching_pd_is_a_teacher(
    lti: LtiDriver, app: Flask
) -> None:
    from lti_tool.sandbox import data

    response = lti.launch(lti.user(data.HELP_DESK_ADMIN), lti.course(data.PD_COURSE))
    assert "/courses/" in response.headers["Location"]
    lt = {"lt": token_of(response)}
    assert lti.client.get("/plans/caseload", query_string=lt).status_code == 403
    assert lti.client.get("/admin", query_string=lt).status_code == 403


def test_sandbox_canvas_teacher_enrolled_in_pd_lands_on_their_class(lti: LtiDriver) -> None:
    from lti_tool.sandbox import data

    response = lti.launch(lti.user(data.TEACHER_IN_PD), lti.course(data.FSCI_COURSE))
    assert "/courses/" in response.headers["Location"]


def test_sandbox_moodle_non_editing_teacher_survives_sync(lti: LtiDriver, app: Flask) -> None:
    from lti_tool.sandbox import data

    teacher = lti.user(data.MOODLE_NON_EDITING_TEACHER)
    lt = token_of(lti.launch(teacher, lti.course(data.WHIST_COURSE)))
    course_id = row_id(app, Course, context_id=data.WHIST_COURSE)
    with app.app_context():
        counts = sync.sync_roster(db.session.get(Course, course_id))
        roles = dict(
            db.session.execute(
                select(Enrollment.role, Enrollment.status)
                .join(Person)
                .where(Person.sub == teacher.sub)
            ).all()
        )
        assert roles == {Role.TEACHER: EnrollmentStatus.ACTIVE}, counts.as_dict()
    assert lti.client.get(f"/courses/{course_id}", query_string={"lt": lt}).status_code == 200


def test_sandbox_canvas_nrps_sis_ids_go_to_their_own_column(lti: LtiDriver, app: Flask) -> None:
    from lti_tool.sandbox import data

    student = lti.user(data.FSCI_STUDENTS[0])
    lti.launch(student, lti.course(data.FSCI_COURSE))
    lti.launch(lti.user(data.TEACHER_IN_PD), lti.course(data.FSCI_COURSE))
    course_id = row_id(app, Course, context_id=data.FSCI_COURSE)
    with app.app_context():
        before = db.session.execute(
            select(Person.lms_user_id).where(Person.sub == student.sub)
        ).scalar_one()
        sync.sync_roster(db.session.get(Course, course_id))
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        assert person.sis_id and person.sis_id.startswith("S24")
        assert person.lms_user_id == before and person.lms_user_id != person.sis_id


def test_sandbox_canvas_user_navigation_makes_no_course(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    lti.launch(student)
    before = row_count(app, Course)
    response = lti.user_navigation(student)
    assert response.status_code == 302
    assert row_count(app, Course) == before
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Course.id)).where(Course.lms_course_id.like("$%"))
            ).scalar_one()
            == 0
        )


# -- review findings, each pinned ---------------------------------------------------------


def test_a_look_alike_registration_of_a_known_issuer_gets_its_own_tenant(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    """Same issuer, other keys: it must never join (and sign launches into) the district."""
    with app.app_context():
        evil = services.add_platform(
            issuer=lti.state.issuer,
            client_id="look-alike",
            deployment_ids=["x"],
            auth_login_url="https://evil.example/auth",
            auth_token_url="https://evil.example/t",
            key_set_url="https://evil.example/jwks",
        )
        assert evil.tenant_id != db.session.get(Platform, platform_id).tenant_id


def test_an_email_grant_binds_once_and_then_names_nobody_else(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    teacher, student = lti.person("teacher"), lti.person("student")
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id
        grants.grant(tenant_id, "admin", email=teacher.email)
    lti.launch(teacher)  # binds the grant
    # A student whose LMS account carries the same address (upper case) is nobody's admin.
    response = launch(
        lti, student, email=teacher.email.upper(), **{CLAIM + "deployment_id": "dep-x"}
    )
    assert response.status_code == 403
    with app.app_context():
        row = (
            db.session.execute(
                select(RoleGrant).where(
                    RoleGrant.role == "admin",
                    RoleGrant.source == "operator",
                    RoleGrant.person_id.is_not(None),
                )
            )
            .scalars()
            .all()
        )
        assert all(r.email is None and r.sub is None for r in row)


def test_a_revoked_admin_cannot_use_an_approval_form_and_a_session_cookie_is_fine(
    lti: LtiDriver, app: Flask, runner: Any, platform_id: int
) -> None:
    admin = lti.person("admin")
    lti.launch(admin)  # the admin has a session cookie in this browser
    page = launch(lti, admin, **{CLAIM + "deployment_id": "dep-late"})
    form_token = page.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    second = launch(lti, admin, **{CLAIM + "deployment_id": "dep-later"})
    later_token = second.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    assert (
        lti.client.post("/lti/deployments/approve", data={"token": form_token}).status_code == 200
    )
    runner.invoke(
        args=[
            "people",
            "revoke",
            "--role",
            "admin",
            "--platform",
            str(platform_id),
            "--sub",
            admin.sub,
        ]
    )
    assert (
        lti.client.post("/lti/deployments/approve", data={"token": later_token}).status_code == 403
    )


def test_legacy_guardian_links_end_when_a_course_launch_does_not_name_the_child(
    lti: LtiDriver, app: Flask
) -> None:
    parent, child = lti.person("parent"), lti.person("student")
    launch(
        lti,
        parent,
        course_of(lti, "sbx-course-bio1"),
        **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": [child.sub]},
    )
    with app.app_context():  # as migrated from before per-course links
        db.session.execute(update(Mentorship).values(course_id=None))
        db.session.commit()
    launch(
        lti,
        parent,
        course_of(lti, "sbx-course-alg2"),
        **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": None},
    )
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Mentorship.id)).where(Mentorship.active.is_(True))
            ).scalar_one()
            == 0
        )


def test_someone_launched_as_teacher_and_learner_keeps_both_roles(
    lti: LtiDriver, app: Flask
) -> None:
    teacher = lti.person("teacher")
    launch(lti, teacher, **{CLAIM + "roles": [INSTRUCTOR, LEARNER]})
    course_id = row_id(app, Course, context_id="sbx-course-bio1")
    lti.state.set_enrollment_roles("sbx-course-bio1", teacher.sub, [INSTRUCTOR, LEARNER])
    try:
        with app.app_context():
            db.session.execute(
                update(Enrollment).values(asserted_at=utcnow() - dt.timedelta(days=1))
            )
            db.session.commit()
            sync.sync_roster(db.session.get(Course, course_id))
            roles = dict(
                db.session.execute(
                    select(Enrollment.role, Enrollment.status)
                    .join(Person)
                    .where(Person.sub == teacher.sub)
                ).all()
            )
    finally:
        lti.state.set_enrollment_roles("sbx-course-bio1", teacher.sub, [INSTRUCTOR])
    assert roles == {Role.TEACHER: EnrollmentStatus.ACTIVE, Role.STUDENT: EnrollmentStatus.ACTIVE}


def test_naming_a_waiting_deployment_in_platforms_add_enables_it(
    lti: LtiDriver, app: Flask, runner: Any
) -> None:
    launch(lti, lti.person("teacher"), **{CLAIM + "deployment_id": "dep-named"})
    s = lti.state
    result = runner.invoke(
        args=[
            "platforms",
            "add",
            "--issuer",
            s.issuer,
            "--client-id",
            s.client_id,
            "--deployment-id",
            "dep-named",
            "--auth-login-url",
            s.base_url + "/auth",
            "--auth-token-url",
            s.base_url + "/token",
            "--key-set-url",
            s.base_url + "/jwks",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (
        launch(lti, lti.person("teacher"), **{CLAIM + "deployment_id": "dep-named"}).status_code
        == 302
    )


def test_the_rule_of_one_registration_survives_launches_through_another(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    second = _second_registration(app, lti, "moodle-client-2")
    teacher = lti.person("teacher", 1)
    with app.app_context():
        services.set_admin_rule(platform_id, True)
    lt = {
        "lt": token_of(
            launch(
                lti,
                teacher,
                course_of(lti, "sbx-course-alg2"),
                **{CLAIM + "roles": [INSTRUCTOR, INST_ADMIN]},
            )
        )
    }
    launch(
        lti,
        teacher,
        course_of(lti, "sbx-course-alg2"),
        aud="moodle-client-2",
        azp="moodle-client-2",
        **{CLAIM + "deployment_id": "dep-2", CLAIM + "roles": [INSTRUCTOR]},
    )
    assert lti.client.get("/admin", query_string=lt).status_code == 200
    with app.app_context():
        services.set_admin_rule(second.id, False)  # the other one: the rule still holds
    assert lti.client.get("/admin", query_string=lt).status_code == 200
    with app.app_context():
        services.set_admin_rule(platform_id, False)
    # The rule's grant went, and with it every session of the teacher.
    assert lti.client.get("/admin", query_string=lt).status_code == 401
    lt = {
        "lt": token_of(
            launch(
                lti,
                teacher,
                course_of(lti, "sbx-course-alg2"),
                **{CLAIM + "roles": [INSTRUCTOR, INST_ADMIN]},
            )
        )
    }
    assert lti.client.get("/admin", query_string=lt).status_code == 403


def test_bad_input_is_a_clear_400(lti: LtiDriver) -> None:
    lt = token_of(lti.launch(lti.person("admin")))
    long_sub = lti.client.post("/admin/grants", data={"lt": lt, "role": "admin", "sub": "x" * 300})
    assert long_sub.status_code == 422 and "255" in long_sub.get_data(as_text=True)
    for claims in (
        {CLAIM + "resource_link": "a string"},
        {CLAIM + "deployment_id": ["a"]},
        {CLAIM + "context": "a string"},
        {CLAIM + "custom": ["x"]},
    ):
        response = launch(lti, lti.person("teacher"), **claims)
        assert response.status_code == 400, (claims, response.get_data(as_text=True)[:300])
        assert "Traceback" not in response.get_data(as_text=True)

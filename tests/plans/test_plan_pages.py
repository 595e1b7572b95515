"""Plan pages through the sandbox: a student builds a plan; teachers, guardians, counselors and
other students read it (or not) as the policy says; bad input saves nothing; every view and
change is audited; snapshots are kept per school year."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select, update
from werkzeug.test import TestResponse

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.plans import inventory, reading, yearly_snapshots
from lti_tool.plans.models import (
    CoursePlanEntry,
    CoursePlanStatus,
    Goal,
    Milestone,
    Plan,
    PlanItem,
    PlanSnapshot,
    ProgramOfStudy,
)
from tests.lti_driver import LtiDriver, token_of

HEALTH = "2024.healthcare-human-services"
SOFTWARE = "2024.digital-technology.software-solutions"
SECRET_NEED = "Extended time on tests; a quiet room"


# -- helpers (also used by test_plan_export) ---------------------------------------------------


def launch(lti: LtiDriver, user: Any, course: Any | None = None) -> str:
    """Launch ``user`` (into ``course``) and return their launch token."""
    return token_of(lti.launch(user, course))


def course(lti: LtiDriver, slug: str) -> Any:
    return lti.state.district.courses[f"sbx-course-{slug}"]


def get(lti: LtiDriver, token: str, path: str) -> TestResponse:
    return lti.client.get(path, query_string={"lt": token})


def post(lti: LtiDriver, token: str, path: str, data: dict[str, Any] | None = None) -> TestResponse:
    return lti.client.post(path, data={"lt": token, **(data or {})})


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def person_id(app: Flask, user: Any) -> int:
    with app.app_context():
        return int(db.session.execute(select(Person.id).where(Person.sub == user.sub)).scalar_one())


def plan_of(app: Flask, user: Any) -> Plan:
    with app.app_context():
        plan = db.session.execute(
            select(Plan).join(Person, Person.id == Plan.person_id).where(Person.sub == user.sub)
        ).scalar_one()
        db.session.expunge(plan)
        return plan


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return int(
            db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def actions(app: Flask, **where: Any) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(db.session.execute(query).scalars())


def inventory_answers(**by_type: int) -> dict[str, str]:
    """Form fields answering every inventory item; items of type X get ``by_type[X]``."""
    return {f"answer-{item.id}": str(by_type.get(item.type, 0)) for item in inventory.items()}


def build_plan(lti: LtiDriver, app: Flask, token: str) -> None:
    """The student fills in every section of the plan through the edit pages."""
    assert (
        post(
            lti,
            token,
            "/plans/me/profile",
            {
                "about": "I like helping people and fixing things.",
                "grade_level": "10",
                "graduation_year": "2029",
                "interests": "Biology, robotics",
                "strengths": "Patient",
                "skills": "First aid",
                "abilities": "Bilingual",
                "hobbies": "Soccer",
                "career_exploration": "Shadowed a nurse for a day.",
                "college_planning": "Nursing programs at state universities.",
                "financial_planning": "Apply for the district scholarship.",
                "accommodations": SECRET_NEED,
            },
        ).status_code
        == 302
    )
    assert (
        post(
            lti,
            token,
            "/plans/me/goals",
            {
                "category": "career",
                "statement": "Become a registered nurse",
                "target_date": "2029-06-15",
                "measures": "Accepted into a nursing program",
                "status": "in_progress",
                "cluster_code": HEALTH,
                "milestones": "Volunteer at the clinic\nTake Anatomy & Physiology\n",
            },
        ).status_code
        == 302
    )
    assert (
        post(
            lti,
            token,
            "/plans/me/goals",
            {
                "category": "academic",
                "statement": "Earn a B or better in Algebra II",
                "target_date": "",
                "measures": "Report card",
                "status": "not_started",
                "cluster_code": "",
                "milestones": "Go to tutoring every week",
            },
        ).status_code
        == 302
    )
    assert (
        post(
            lti, token, "/plans/me/clusters", {"cluster": [HEALTH], "pathway": [SOFTWARE]}
        ).status_code
        == 302
    )
    assert (
        post(lti, token, "/plans/me/inventory", inventory_answers(S=2, I=2, A=1)).status_code == 302
    )
    assert (
        post(lti, token, "/plans/me/inventory/clusters", {"cluster": "2024.education"}).status_code
        == 302
    )
    assert get(lti, token, "/plans/me/courses").status_code == 200
    with app.app_context():
        program_id = db.session.execute(
            select(ProgramOfStudy.id).where(ProgramOfStudy.name == "Health Science — Biomedical")
        ).scalar_one()
    assert (
        post(lti, token, "/plans/me/courses/program", {"program_id": str(program_id)}).status_code
        == 302
    )
    assert post(lti, token, "/plans/me/courses/from-program").status_code == 302
    for section, data in {
        "activities": {"title": "Robotics club", "date": "2025-09-01", "detail": "Builder"},
        "accomplishments": {"title": "Science fair, 2nd place", "date": "2025-03-10"},
        "work": {"title": "Lifeguard at the city pool", "detail": "Summers"},
        "service": {"title": "Food bank volunteer", "date": "2025-11-20"},
        "assessments": {"title": "PSAT", "date": "2025-10-15", "score": "1180"},
        "contacts": {
            "title": "Ana Ruiz",
            "relationship_label": "Aunt, nurse",
            "email": "ana.ruiz@example.org",
            "phone": "+1 555 0100",
            "detail": "Mentor for nursing",
        },
    }.items():
        assert post(lti, token, f"/plans/me/items/{section}", data).status_code == 302, section


# -- the student builds a plan -----------------------------------------------------------------


def test_student_builds_a_plan_and_sees_it(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student)
    assert "Your plan is empty" in html(get(lti, token, "/plans/me"))
    build_plan(lti, app, token)

    plan = plan_of(app, student)
    assert plan.grade_level == 10 and plan.graduation_year == 2029
    assert plan.accommodations == SECRET_NEED
    # A pathway brings its cluster; the inventory's suggestion was added in one click.
    assert plan.cluster_codes == ["2024.digital-technology", "2024.education", HEALTH]
    assert plan.pathway_codes == [SOFTWARE]
    assert plan.inventory_code == "ISA" and plan.inventory_taken_at is not None
    assert len(plan.inventory_answers) == 30
    with app.app_context():
        goals = db.session.execute(select(Goal).order_by(Goal.id)).scalars().all()
        assert [g.statement for g in goals] == [
            "Become a registered nurse",
            "Earn a B or better in Algebra II",
        ]
        assert goals[0].target_date == dt.date(2029, 6, 15) and goals[0].cluster_code == HEALTH
        assert [m.title for m in goals[0].milestones] == [
            "Volunteer at the clinic",
            "Take Anatomy & Physiology",
        ]
        first_milestone = goals[0].milestones[0].id
        goal_id = goals[0].id
        program = db.session.execute(
            select(ProgramOfStudy).where(ProgramOfStudy.id == plan.program_of_study_id)
        ).scalar_one()
        # The class the student launched from came in on the course plan's first opening.
        imported = db.session.execute(
            select(CoursePlanEntry).where(CoursePlanEntry.source == "lodestar")
        ).scalar_one()
        assert (imported.grade_level, imported.status) == (10, CoursePlanStatus.IN_PROGRESS)
        assert count(app, CoursePlanEntry) == len(program.courses) + 1 > 20
        assert {i.kind for i in db.session.execute(select(PlanItem)).scalars()} == {
            "activity",
            "accomplishment",
            "work",
            "service",
            "assessment",
            "contact",
        }

    # Milestones: toggle done, add one, delete one.
    assert post(lti, token, f"/plans/me/milestones/{first_milestone}/toggle").status_code == 302
    assert (
        post(
            lti,
            token,
            f"/plans/me/goals/{goal_id}/milestones",
            {"milestone-title": "Apply to two programs", "milestone-due_date": "2028-12-01"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Milestone, first_milestone).done is True  # type: ignore[union-attr]
        titles = (
            db.session.execute(
                select(Milestone.title).where(Milestone.goal_id == goal_id).order_by(Milestone.id)
            )
            .scalars()
            .all()
        )
        assert titles[-1] == "Apply to two programs"
    # The grid: starting again from the program adds nothing twice; edit and remove courses.
    assert post(lti, token, "/plans/me/courses/from-program").status_code == 302
    assert count(app, CoursePlanEntry) == len(program.courses) + 1
    assert (
        post(
            lti,
            token,
            "/plans/me/courses",
            {
                "grade_level": "11",
                "course_name": "Sign Language I",
                "subject": "world_language",
                "credits": "1",
                "status": "planned",
                "final_grade": "",
            },
        ).status_code
        == 302
    )
    with app.app_context():
        english9 = db.session.execute(
            select(CoursePlanEntry).where(CoursePlanEntry.course_name == "English 9")
        ).scalar_one()
    assert (
        post(
            lti,
            token,
            f"/plans/me/courses/{english9.id}",
            {
                "grade_level": "9",
                "course_name": "English 9",
                "subject": "english",
                "credits": "1",
                "status": "completed",
                "final_grade": "A-",
            },
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(CoursePlanEntry, english9.id).status == CoursePlanStatus.COMPLETED  # type: ignore[union-attr]
        sign = db.session.execute(
            select(CoursePlanEntry.id).where(CoursePlanEntry.course_name == "Sign Language I")
        ).scalar_one()
    assert post(lti, token, f"/plans/me/courses/{sign}/delete").status_code == 302
    assert count(app, CoursePlanEntry) == len(program.courses) + 1

    page = html(get(lti, token, "/plans/me"))
    assert "Your plan is empty" not in page
    for text in (
        "I like helping people and fixing things.",
        "Become a registered nurse",
        "Earn a B or better in Algebra II",
        "Volunteer at the clinic",
        SECRET_NEED,
        "Healthcare &amp; Human Services",
        "Software Solutions",
        "Education",
        "Interest code <strong>ISA</strong>",
        "Health Science — Biomedical",
        "Principles of Biomedical Science",
        "Graduation requirements",
        "Robotics club",
        "Science fair, 2nd place",
        "Lifeguard at the city pool",
        "Food bank volunteer",
        "PSAT",
        "1180",
        "Ana Ruiz",
        "ana.ruiz@example.org",
        "Shadowed a nurse for a day.",
        "Nursing programs at state universities.",
        "Apply for the district scholarship.",
        "Current and past classes",
        "Goal progress in figures",
        "Save this year's snapshot",
    ):
        assert text in page, text
    # The chart's text equivalent: goal 1 has 1 of 3 milestones done.
    assert re.search(
        r"Goal 1: Become a registered nurse</th>\s*<td>In progress</td>\s*"
        r"<td>1</td>\s*<td>3</td>\s*<td>33%</td>",
        page,
    )
    assert 'role="img"' in page
    # The review panel is included, and the sandbox is not Canvas: no "pull my grades".
    assert "Pull my grades from Canvas" not in page

    # Goals are edited and deleted; the edit pages all render.
    for path in (
        "/plans/me/profile",
        "/plans/me/goals",
        f"/plans/me/goals/{goal_id}",
        "/plans/me/clusters",
        "/plans/me/inventory",
        "/plans/me/courses",
        f"/plans/me/courses/{english9.id}",
        "/plans/me/items/contacts",
        f"/plans/students/{plan.person_id}/history",
    ):
        assert get(lti, token, path).status_code == 200, path
    assert (
        post(
            lti,
            token,
            f"/plans/me/goals/{goal_id}",
            {
                "category": "career",
                "statement": "Become a registered nurse (BSN)",
                "target_date": "2030-06-15",
                "measures": "",
                "status": "revised",
                "cluster_code": HEALTH,
            },
        ).status_code
        == 302
    )
    with app.app_context():
        goal = db.session.get(Goal, goal_id)
        assert goal is not None and goal.statement.endswith("(BSN)") and goal.status == "revised"
    second = goals[1].id
    assert post(lti, token, f"/plans/me/goals/{second}/delete").status_code == 302
    assert count(app, Goal) == 1
    # Its milestones wait with it for an undo (tests/plans/test_soft_delete.py).
    assert count(app, Milestone, Milestone.goal_id == second) == 1

    events = actions(app)
    for action in (
        "plan.view",
        "plan.update",
        "goal.create",
        "goal.update",
        "goal.delete",
        "milestone.create",
        "milestone.update",
        "inventory.submit",
        "course_plan.fill",
        "course.create",
        "course.update",
        "course.delete",
        "item.create",
    ):
        assert action in events, action
    assert events.count("goal.create") == 2 and events.count("item.create") == 6
    with app.app_context():
        update_events = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "plan.update"))
            .scalars()
            .all()
        )
        profile_event = next(e for e in update_events if e.detail.get("section") == "profile")
        assert "accommodations" in profile_event.detail["fields"]
        assert SECRET_NEED not in str(profile_event.detail)  # names of fields, not contents


def test_inventory_result_and_requirement_summary_pages(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 1)
    token = launch(lti, student)
    page = html(get(lti, token, "/plans/me/inventory"))
    assert page.count('type="radio"') == 90 and page.count("<fieldset") == 30
    assert post(lti, token, "/plans/me/inventory", inventory_answers(R=2, C=1)).status_code == 302
    page = html(get(lti, token, "/plans/me/inventory"))
    assert "Your interest code is <strong>RC</strong>" in page
    assert "My scores by interest type" in page and "10 of 10" in page
    assert "Add Construction to my clusters" in page
    assert (
        post(
            lti,
            token,
            "/plans/me/inventory/clusters",
            {"cluster": ["2024.construction", "2024.advanced-manufacturing"]},
        ).status_code
        == 302
    )
    assert plan_of(app, student).cluster_codes == [
        "2024.advanced-manufacturing",
        "2024.construction",
    ]
    page = html(get(lti, token, "/plans/me/inventory"))
    assert re.search(r"Construction\s*<span class=\"muted\">\(already in my clusters\)", page)
    assert "Add Construction to my clusters" not in page

    # A few answers only: saved, no code yet.
    assert post(lti, token, "/plans/me/inventory", {"answer-r1": "2"}).status_code == 302
    plan = plan_of(app, student)
    assert plan.inventory_answers == {"r1": 2} and plan.inventory_code is None

    # The course plan page: three default programs, requirement table as text.
    page = html(get(lti, token, "/plans/me/courses"))
    for name in (
        "Health Science — Biomedical",
        "Engineering &amp; Technology",
        "General College Prep",
        "Credits planned and completed per requirement",
        "Short by 4 credits",
        "Grade 12",
    ):
        assert name in page, name
    assert count(app, ProgramOfStudy) == 3
    get(lti, token, "/plans/me/courses")
    assert count(app, ProgramOfStudy) == 3  # idempotent


def test_clusters_page_groups_pathways_by_cluster(lti: LtiDriver) -> None:
    token = launch(lti, lti.person("student", 2))
    page = html(get(lti, token, "/plans/me/clusters"))
    # Folded: one <details> per cluster (none open yet), its pathways inside.
    assert page.count('<details class="cluster"') == 14 and " open>" not in page
    assert page.count('<legend class="visually-hidden">') == 14
    assert '<span class="cluster-name">Healthcare &amp; Human Services</span>' in page
    assert f'value="{SOFTWARE}"' in page
    assert '<input type="search" id="cluster-search" name="q"' in page


# -- who may read the plan ---------------------------------------------------------------------


def test_who_reads_the_plan(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)  # takes bio1 and alg2, not ied
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    sid = person_id(app, student)
    path = f"/plans/students/{sid}"

    # A teacher of one of the student's courses reads it, without accommodation needs.
    bio_teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    page = html(get(lti, bio_teacher, path))
    assert "Become a registered nurse" in page and "Robotics club" in page
    assert SECRET_NEED not in page and "Accommodation needs" not in page
    assert "Save this year" not in page and "Edit my profile" not in page
    assert get(lti, bio_teacher, f"{path}/export.json").status_code == 403
    assert get(lti, bio_teacher, f"{path}/print").status_code == 403
    assert get(lti, bio_teacher, f"{path}/history").status_code == 200
    # A teacher of another course may not.
    ied_teacher = launch(lti, lti.person("teacher", 2), course(lti, "ied"))
    assert get(lti, ied_teacher, path).status_code == 403
    assert get(lti, ied_teacher, f"{path}/history").status_code == 403
    # The parent reads it with accommodation needs.
    parent = launch(lti, lti.person("parent"))
    page = html(get(lti, parent, path))
    assert SECRET_NEED in page and "Become a registered nurse" in page
    # The counselor too.
    counselor = launch(lti, lti.person("counselor"))
    page = html(get(lti, counselor, path))
    assert SECRET_NEED in page and "Download the plan as JSON" in page
    # Another student may not, and the student's own edit routes only ever touch their own.
    other = lti.person("student", 3)
    other_token = launch(lti, other, course(lti, "bio1"))
    assert get(lti, other_token, path).status_code == 403
    with app.app_context():
        goal_id = db.session.execute(
            select(Goal.id).join(Plan).where(Plan.person_id == sid).limit(1)
        ).scalar_one()
    assert get(lti, other_token, f"/plans/me/goals/{goal_id}").status_code == 404
    assert post(lti, other_token, f"/plans/me/goals/{goal_id}/delete").status_code == 404
    assert count(app, Goal, Goal.id == goal_id) == 1
    # An unknown person is "not found"; no session is "launch required".
    assert get(lti, counselor, "/plans/students/999999").status_code == 404
    assert app.test_client().get(path).status_code == 401

    # The teacher's right is re-checked on every request: once the student is dropped, no.
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.person_id == sid, Enrollment.role == Role.STUDENT)
            .values(status=EnrollmentStatus.INACTIVE)
        )
        db.session.commit()
    assert get(lti, bio_teacher, path).status_code == 403

    with app.app_context():
        viewers = (
            db.session.execute(
                select(AuditEvent.actor_id).where(
                    AuditEvent.action == "plan.view",
                    AuditEvent.subject_id == plan_of(app, student).id,
                )
            )
            .scalars()
            .all()
        )
    for reader in (lti.person("teacher", 0), lti.person("parent"), lti.person("counselor")):
        assert person_id(app, reader) in viewers


# -- bad input ---------------------------------------------------------------------------------


def test_invalid_input_is_refused_and_nothing_is_saved(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 4)
    token = launch(lti, student)
    get(lti, token, "/plans/me")
    before = count(app, AuditEvent)

    bad = post(
        lti,
        token,
        "/plans/me/goals",
        {"category": "career", "statement": "  ", "status": "in_progress"},
    )
    assert bad.status_code == 400
    assert "Write the goal." in html(bad) and 'aria-invalid="true"' in html(bad)
    assert "nothing was saved" in html(bad)
    for data in (
        {"category": "career", "statement": "Fine", "target_date": "31/31/2020"},
        {"category": "wizardry", "statement": "Fine"},
        {"category": "career", "statement": "Fine", "status": "done-ish"},
        {"category": "career", "statement": "Fine", "cluster_code": "2024.nope"},
        {"category": "career", "statement": "x" * 2001},
    ):
        assert post(lti, token, "/plans/me/goals", data).status_code == 400, data
    assert count(app, Goal) == 0 and count(app, Milestone) == 0

    response = post(lti, token, "/plans/me/profile", {"about": "Changed", "grade_level": "abc"})
    assert response.status_code == 400
    assert (
        post(
            lti, token, "/plans/me/profile", {"about": "Changed", "graduation_year": "1850"}
        ).status_code
        == 400
    )
    assert plan_of(app, student).about == ""

    for data in (
        {
            "grade_level": "9",
            "course_name": "Art",
            "subject": "fine_arts",
            "credits": "5",
            "status": "planned",
        },
        {
            "grade_level": "5",
            "course_name": "Art",
            "subject": "fine_arts",
            "credits": "1",
            "status": "planned",
        },
        {
            "grade_level": "9",
            "course_name": "Art",
            "subject": "fine_arts",
            "credits": "1",
            "status": "completed",
            "final_grade": "A+++ 120%",
        },
        {
            "grade_level": "9",
            "course_name": "Art",
            "subject": "fine_arts",
            "credits": "1",
            "status": "planned",
            "final_grade": "B",
        },
        {
            "grade_level": "9",
            "course_name": "",
            "subject": "fine_arts",
            "credits": "1",
            "status": "planned",
        },
        {
            "grade_level": "9",
            "course_name": "Art",
            "subject": "astrology",
            "credits": "1",
            "status": "planned",
        },
    ):
        assert post(lti, token, "/plans/me/courses", data).status_code == 400, data
    assert count(app, CoursePlanEntry) == 0
    assert post(lti, token, "/plans/me/courses/from-program").status_code == 400
    assert (
        post(lti, token, "/plans/me/courses/program", {"program_id": "999999"}).status_code == 400
    )

    assert (
        post(
            lti, token, "/plans/me/items/contacts", {"title": "Ana", "email": "not-an-email"}
        ).status_code
        == 400
    )
    assert post(lti, token, "/plans/me/items/activities", {"title": ""}).status_code == 400
    assert post(lti, token, "/plans/me/items/hobbies", {"title": "x"}).status_code == 404
    assert count(app, PlanItem) == 0

    assert post(lti, token, "/plans/me/clusters", {"cluster": "2024.wizardry"}).status_code == 400
    assert (
        post(
            lti,
            token,
            "/plans/me/clusters",
            {"pathway": "2008.health-science.therapeutic-services"},
        ).status_code
        == 400
    )
    assert (
        post(lti, token, "/plans/me/inventory/clusters", {"cluster": "not-a-code"}).status_code
        == 400
    )
    assert plan_of(app, student).cluster_codes == []

    answers = inventory_answers(S=2)
    answers["answer-r1"] = "7"
    assert post(lti, token, "/plans/me/inventory", answers).status_code == 400
    assert post(lti, token, "/plans/me/inventory", {}).status_code == 302  # flash, no save
    plan = plan_of(app, student)
    assert plan.inventory_answers == {} and plan.inventory_taken_at is None

    # Nothing was changed, so nothing but page views was audited.
    with app.app_context():
        later = (
            db.session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.id > 0)
                .order_by(AuditEvent.id)
                .offset(before)
            )
            .scalars()
            .all()
        )
    assert set(later) <= {"plan.view"}

    # A POST without the launch token is refused (CSRF), and nothing is saved.
    response = lti.client.post(
        "/plans/me/goals", data={"category": "career", "statement": "Sneaky"}
    )
    assert response.status_code in (400, 401)
    assert count(app, Goal) == 0


# -- yearly snapshots --------------------------------------------------------------------------


def test_school_year_turns_over_on_july_first() -> None:
    assert reading.school_year(dt.date(2026, 6, 30)) == "2025-2026"
    assert reading.school_year(dt.date(2026, 7, 1)) == "2026-2027"
    assert reading.school_year(dt.date(2027, 1, 15)) == "2026-2027"


def test_snapshots_per_school_year(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    sid = person_id(app, student)
    year = reading.school_year()

    assert post(lti, token, "/plans/me/snapshot").status_code == 302
    with app.app_context():
        snap = db.session.execute(select(PlanSnapshot)).scalar_one()
        assert snap.school_year == year
        assert snap.data["goals"][0]["statement"] == "Become a registered nurse"
        plan = db.session.get(Plan, snap.plan_id)
        assert plan is not None
        # Last year's snapshot, taken with the service the demo and the review use.
        yearly_snapshots.take_snapshot(plan, "2024-2025")
        db.session.commit()

    # Saving again in the same school year replaces the data: one row per year.
    assert (
        post(lti, token, "/plans/me/profile", {"about": "Now I want to be a surgeon."}).status_code
        == 302
    )
    assert post(lti, token, "/plans/me/snapshot").status_code == 302
    with app.app_context():
        snaps = {s.school_year: s for s in db.session.execute(select(PlanSnapshot)).scalars()}
        assert set(snaps) == {year, "2024-2025"}
        assert snaps[year].data["profile"]["about"] == "Now I want to be a surgeon."
        assert snaps["2024-2025"].data["profile"]["about"].startswith("I like helping")
        # A counselor approves this year's snapshot (the review panel's job).
        launch(lti, lti.person("counselor"))
        counselor_id = person_id(app, lti.person("counselor"))
        snaps[year].approved_by = counselor_id
        snaps[year].approved_at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        db.session.commit()
    assert actions(app).count("snapshot.save") == 2

    # The student cannot overwrite an approved snapshot; take_snapshot keeps the approval.
    assert post(lti, token, "/plans/me/profile", {"about": "Or a paramedic."}).status_code == 302
    response = post(lti, token, "/plans/me/snapshot")
    assert response.status_code == 302
    assert "already approved" in html(lti.client.get(response.headers["Location"]))
    with app.app_context():
        snap = db.session.execute(
            select(PlanSnapshot).where(PlanSnapshot.school_year == year)
        ).scalar_one()
        assert snap.data["profile"]["about"] == "Now I want to be a surgeon."
        plan = db.session.get(Plan, snap.plan_id)
        assert plan is not None
        yearly_snapshots.take_snapshot(plan, year)
        db.session.commit()
        snap = db.session.execute(
            select(PlanSnapshot).where(PlanSnapshot.school_year == year)
        ).scalar_one()
        assert snap.data["profile"]["about"] == "Or a paramedic."
        assert snap.approved_by == counselor_id and snap.approved_at is not None
    assert actions(app).count("snapshot.save") == 2

    page = html(get(lti, token, f"/plans/students/{sid}/history"))
    assert "The plan in 2024-2025" in page and f"The plan in {year}" in page
    assert "Teresa Whitlock" in page  # approved by
    page = html(get(lti, token, f"/plans/students/{sid}/history/{year}"))
    assert "Or a paramedic." in page and SECRET_NEED in page
    assert "read-only" in page and "Edit my profile" not in page
    assert get(lti, token, f"/plans/students/{sid}/history/2019-2020").status_code == 404
    # A snapshot in some other layout is still shown, as data.
    with app.app_context():
        db.session.add(
            PlanSnapshot(
                plan_id=plan_of(app, student).id,
                school_year="2023-2024",
                data={"about": "An early plan", "accommodations": "x"},
            )
        )
        db.session.commit()
    page = html(get(lti, token, f"/plans/students/{sid}/history/2023-2024"))
    assert "earlier layout" in page and "An early plan" in page

    # A teacher of the student reads the snapshot without the accommodation needs in it.
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    page = html(get(lti, teacher, f"/plans/students/{sid}/history/{year}"))
    assert "Or a paramedic." in page and SECRET_NEED not in page
    with app.app_context():
        pages = [
            e.detail.get("page")
            for e in db.session.execute(
                select(AuditEvent).where(AuditEvent.action == "plan.view")
            ).scalars()
        ]
    assert "history" in pages and "snapshot" in pages


# -- reading creates nothing -------------------------------------------------------------------


def test_reading_a_plan_that_does_not_exist_creates_nothing(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)  # the parent's child; takes bio1
    student_token = launch(lti, student, course(lti, "bio1"))
    sid = person_id(app, student)
    readers = {
        "teacher": (launch(lti, lti.person("teacher", 0), course(lti, "bio1")), ("", "/history")),
        "parent": (launch(lti, lti.person("parent")), ("", "/history", "/print", "/export.json")),
        "counselor": (
            launch(lti, lti.person("counselor")),
            ("", "/history", "/print", "/export.json"),
        ),
    }
    assert count(app, Plan) == 0
    for who, (token, pages) in readers.items():
        for page in pages:
            response = get(lti, token, f"/plans/students/{sid}{page}")
            assert response.status_code == 200, (who, page)
        assert "This plan is still empty." in html(get(lti, token, f"/plans/students/{sid}"))
        assert get(lti, token, f"/portfolio/students/{sid}").status_code == 200, who
    exported = get(lti, readers["counselor"][0], f"/plans/students/{sid}/export.json").json
    assert exported is not None
    assert exported["plan"]["id"] is None
    assert exported["goals"] == []
    assert exported["snapshots"] == []
    assert count(app, Plan) == 0
    # Every read is still audited, with no plan to name.
    with app.app_context():
        views = (
            db.session.execute(
                select(AuditEvent).where(
                    AuditEvent.action.in_(("plan.view", "plan.export", "portfolio.view"))
                )
            )
            .scalars()
            .all()
        )
        assert views
        assert all(e.subject_id is None and e.detail["student_id"] == sid for e in views)
    # The student's own visit creates their plan.
    assert get(lti, student_token, "/plans/me").status_code == 200
    assert count(app, Plan, Plan.person_id == sid) == 1


def test_listing_snapshots_leaves_their_data_unloaded(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    assert post(lti, token, "/plans/me/profile", {"about": "Curious"}).status_code == 302
    assert post(lti, token, "/plans/me/snapshot").status_code == 302
    sid = person_id(app, student)
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        for page in (f"/plans/students/{sid}/history", "/plans/me"):
            assert get(lti, token, page).status_code == 200
        assert "The plan in " in html(get(lti, token, f"/plans/students/{sid}/history"))
        programs_before = len([s for s in statements if "FROM programs_of_study" in s])
        assert get(lti, token, "/plans/me/courses").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    snapshot_reads = [s for s in statements if "FROM plan_snapshots" in s]
    assert snapshot_reads
    assert not any("plan_snapshots.data" in s for s in snapshot_reads)
    # The course plan page lists the district's programs once.
    assert len([s for s in statements if "FROM programs_of_study" in s]) - programs_before == 1

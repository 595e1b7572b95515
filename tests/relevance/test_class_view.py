"""The class view: students x clusters matrix, chart, per-assignment relevance; its cost."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import AuditEvent, Course, Enrollment, EnrollmentStatus, Person
from lti_tool.relevance.class_view import class_relevance
from lti_tool.relevance.models import AssignmentTag
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import (
    AGRICULTURE,
    DIGITAL,
    HEALTH,
    MANUFACTURING,
    add_evidence,
    count_queries,
    launch,
    row_of,
    set_plan,
    synced_class,
    table,
    tag,
)


def _deactivate(
    app: Flask,
    course_id: int,
    subs: list[str],
    status: EnrollmentStatus = EnrollmentStatus.INACTIVE,
) -> None:
    with app.app_context():
        ids = select(Person.id).where(Person.sub.in_(subs))
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.course_id == course_id, Enrollment.person_id.in_(ids))
            .values(status=status)
        )
        db.session.commit()


def _cell(row: dict[str, str], column_start: str) -> str:
    for header, text in row.items():
        if header.startswith(column_start):
            return text
    raise AssertionError(f"no column {column_start!r} in {list(row)}")


def test_matrix_chart_and_assignments(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    amara, camila, dmitri, nobody, gone = cls["students"][:5]
    set_plan(app, amara.sub, clusters=[HEALTH], goals=[("Become a nurse", HEALTH)])
    set_plan(app, camila.sub, goals=[("Shadow a lab technician", HEALTH), ("Read more", None)])
    set_plan(app, dmitri.sub, clusters=[DIGITAL, MANUFACTURING], skills="Microscopy, drawing")
    set_plan(app, gone.sub, clusters=[AGRICULTURE])
    _deactivate(app, cls["course_id"], [gone.sub])
    tag(
        lti,
        app,
        cls,
        clusters=[HEALTH],
        skills="lab safety",
        assignments={
            "Cell Structure Lab": ([HEALTH], "microscopy"),
            "Genetics Quiz": ([DIGITAL], ""),
        },
    )
    add_evidence(
        app,
        sub=amara.sub,
        assignment_title="Cell Structure Lab",
        course_id=cls["course_id"],
        goal_statement="Become a nurse",
    )

    page = lti.client.get(f"/courses/{cls['course_id']}/plans", query_string={"lt": cls["token"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<h1") == 1

    matrix = table(html, "Career clusters in each student's plan and goals")
    header = matrix[0]
    assert header[:4] == ["Student", "Plan", "Grade in this course", "Matches"]
    # Course-tagged clusters first and marked in text, then the students' in framework order.
    assert header[4] == "Healthcare & Human Services ★ course tag"
    assert header[5:] == ["Advanced Manufacturing", "Digital Technology"]
    assert len(matrix) - 1 == len(cls["students"]) - 1
    assert not any(gone.name in r[0] for r in matrix)
    assert "Agriculture" not in " ".join(header)
    assert _cell(row_of(matrix, amara.name), "Healthcare") == "● In plan ◆ Goal"
    assert _cell(row_of(matrix, camila.name), "Healthcare") == "◆ Goal"
    assert _cell(row_of(matrix, dmitri.name), "Digital") == "● In plan"
    assert _cell(row_of(matrix, dmitri.name), "Healthcare") == "–No"  # noqa: RUF001 - the page writes an en dash
    assert _cell(row_of(matrix, nobody.name), "Advanced") == "–No"  # noqa: RUF001 - the page writes an en dash
    with app.app_context():
        amara_id = db.session.execute(select(Person.id).where(Person.sub == amara.sub)).scalar_one()
    assert f'href="/plans/students/{amara_id}"' in html

    chart = table(html, "The chart as a table")
    assert row_of(chart, "Healthcare") == {
        "Career cluster": "Healthcare & Human Services",
        "Course tag": "Yes",
        "In plan": "1",
        "In a goal": "2",
        "Students (either)": "2 (11%)",
    }
    assert row_of(chart, "Digital")["Course tag"] == "No"
    assert "Striped bars" in html and "bar-tagged" in html

    assignments = table(html, "Active assignments")
    lab = row_of(assignments, "Cell Structure Lab")
    assert "Clusters: Healthcare & Human Services" in lab["Tags"]
    assert "Skills: microscopy" in lab["Tags"]
    served = lab["Students it serves"]
    assert served.startswith("3 students")
    assert f"{amara.name} (cluster in plan, goal)" in served
    assert f"{camila.name} (goal)" in served
    assert f"{dmitri.name} (skill in plan)" in served
    assert (
        f"{amara.name}: Cell Structure Lab, for the goal “Become a nurse”"
        in lab["Evidence attached"]
    )
    quiz = row_of(assignments, "Genetics Quiz")
    assert "Digital Technology (not a course tag)" in quiz["Tags"]
    assert quiz["Students it serves"].startswith(f"1 student {dmitri.name} (cluster in plan)")
    assert "Attach as evidence for this student" in quiz["Students it serves"]
    assert "Attach as evidence for these 3 students" in served
    assert quiz["Evidence attached"] == "None yet"
    assert row_of(assignments, "Ecology Field Project")["Tags"] == "Not tagged yet"

    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "relevance.class_view")
        ).scalar_one()
        assert event.subject_id == cls["course_id"]
        assert event.detail["student_count"] == len(cls["students"]) - 1
        # The ids of the learners shown, so "who saw this student's plan?" can be answered.
        shown = set(
            db.session.execute(
                select(Person.sub).where(Person.id.in_(event.detail["students"]))
            ).scalars()
        )
        assert len(shown) == len(cls["students"]) - 1
        assert shown <= {u.sub for u in cls["students"]}


def test_empty_class_view(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    html = lti.client.get(
        f"/courses/{cls['course_id']}/plans", query_string={"lt": cls["token"]}
    ).get_data(as_text=True)
    assert "not tagged with career clusters or skills yet" in html
    assert "No career clusters yet" in html
    assert "Not tagged yet" in html


def test_only_the_courses_teachers_see_the_class_view(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    url = f"/courses/{cls['course_id']}/plans"
    student_token = launch(lti, cls["students"][0], cls["course"])
    other_teacher = launch(lti, lti.person("teacher", 1))
    for token in (student_token, other_teacher):
        assert lti.client.get(url, query_string={"lt": token}).status_code == 403
    # A teacher whose enrollment ended loses the view on the next request.
    _deactivate(app, cls["course_id"], [cls["teacher"].sub])
    assert lti.client.get(url, query_string={"lt": cls["token"]}).status_code == 403


def _grow_class(app: Flask, course_id: int, students: list[Any], extra: range) -> None:
    """Plans with goals for every student; more assignments, tags and evidence."""
    for i, student in enumerate(students):
        set_plan(
            app,
            student.sub,
            clusters=[HEALTH if i % 2 else DIGITAL],
            goals=[(f"Goal A of {i}", HEALTH), (f"Goal B of {i}", MANUFACTURING)],
            skills="microscopy",
        )
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course is not None
        for n in extra:
            assignment = Assignment(
                course_id=course_id, source="ags", external_id=f"extra-{n}", title=f"Extra {n}"
            )
            db.session.add(assignment)
            db.session.flush()
            db.session.add(AssignmentTag(assignment_id=assignment.id, kind="cluster", value=HEALTH))
        db.session.commit()


def test_query_count_does_not_grow_with_the_class(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    students = cls["students"]
    half = len(students) // 2
    tag(
        lti,
        app,
        cls,
        clusters=[HEALTH],
        skills="microscopy",
        assignments={"Cell Structure Lab": ([HEALTH], "microscopy")},
    )
    _grow_class(app, cls["course_id"], students[:half], extra=range(1))
    add_evidence(
        app,
        sub=students[0].sub,
        assignment_title="Cell Structure Lab",
        course_id=cls["course_id"],
        goal_statement="Goal A of 0",
    )
    _deactivate(app, cls["course_id"], [s.sub for s in students[half:]])
    url = f"/courses/{cls['course_id']}/plans"
    lti.client.get(url, query_string={"lt": cls["token"]})  # warm-up

    def measure() -> tuple[int, int, str]:
        with count_queries(app) as page_queries:
            response = lti.client.get(url, query_string={"lt": cls["token"]})
        assert response.status_code == 200
        with app.app_context(), count_queries(app) as service_queries:
            data = class_relevance(db.session.get(Course, cls["course_id"]))
            assert len(data.students) in {half, len(students)}
        return len(page_queries), len(service_queries) - 1, response.get_data(as_text=True)

    small_page, small_service, small_html = measure()

    _deactivate(app, cls["course_id"], [s.sub for s in students[half:]], EnrollmentStatus.ACTIVE)
    _grow_class(app, cls["course_id"], students[half:], extra=range(1, 5))
    for student in students[1:6]:
        add_evidence(app, sub=student.sub, assignment_title="Extra 1", course_id=cls["course_id"])
    big_page, big_service, big_html = measure()

    assert students[-1].name in big_html and students[-1].name not in small_html
    assert "Extra 4" in big_html and "Extra 4" not in small_html
    assert small_service == big_service == 10
    assert small_page == big_page


def test_evidence_of_a_student_who_left_the_class_is_not_shown(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    stays, leaves = cls["students"][:2]
    set_plan(app, stays.sub, goals=[("Become a nurse", HEALTH)])
    set_plan(app, leaves.sub, goals=[("Private goal of the leaver", HEALTH)])
    for student, goal in ((stays, "Become a nurse"), (leaves, "Private goal of the leaver")):
        add_evidence(
            app,
            sub=student.sub,
            assignment_title="Cell Structure Lab",
            course_id=cls["course_id"],
            goal_statement=goal,
        )

    def class_view() -> str:
        page = lti.client.get(
            f"/courses/{cls['course_id']}/plans", query_string={"lt": cls["token"]}
        )
        assert page.status_code == 200
        return page.get_data(as_text=True)

    before = row_of(table(class_view(), "Active assignments"), "Cell Structure Lab")
    assert leaves.name in before["Evidence attached"]
    assert "Private goal of the leaver" in before["Evidence attached"]

    # The student drops the class in the LMS; the next roster sync deactivates them here.
    lti.state.set_enrollment_status(cls["course"].context_id, leaves.sub, "Deleted")
    try:
        assert (
            lti.client.post(
                f"/courses/{cls['course_id']}/sync", data={"lt": cls["token"]}
            ).status_code
            == 302
        )
    finally:  # the sandbox outlives the test
        lti.state.set_enrollment_status(cls["course"].context_id, leaves.sub, "Active")
    html = class_view()
    after = row_of(table(html, "Active assignments"), "Cell Structure Lab")
    assert f"{stays.name}: Cell Structure Lab" in after["Evidence attached"]
    assert leaves.name not in html
    assert "Private goal of the leaver" not in html

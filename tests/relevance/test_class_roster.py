"""The class view a teacher opens every week: students best matched first with their grade
and plan status, filters by cluster and goal, a nudge for an empty plan, due dates, the
one-click attach per assignment and the attach form ticked from the view."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.grades.services import course_grades
from lti_tool.models import AuditEvent, Course
from lti_tool.plans.models import Goal, Plan, PlanComment, PlanSnapshot
from lti_tool.plans.reading import school_year
from lti_tool.portfolio.models import Evidence
from lti_tool.sandbox.data import seed_due_date
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import (
    DIGITAL,
    HEALTH,
    launch,
    person_id,
    set_plan,
    synced_class,
    table,
    tag,
)

ROSTER = "Career clusters in each student's plan and goals"


def _class(lti: LtiDriver, app: Flask) -> dict[str, Any]:
    """A synced class: Amara matches most, Camila by a skill, Dmitri has a plan of another
    cluster, Elena an empty plan, the rest none."""
    cls = synced_class(lti, app)
    amara, camila, dmitri, elena = cls["students"][:4]
    set_plan(app, amara.sub, clusters=[HEALTH], goals=[("Become a nurse", HEALTH)])
    set_plan(app, camila.sub, skills="microscopy")
    set_plan(app, dmitri.sub, clusters=[DIGITAL], goals=[("Save for a laptop", None)])
    set_plan(app, elena.sub)  # a plan row with nothing in it
    tag(
        lti,
        app,
        cls,
        clusters=[HEALTH],
        assignments={
            "Cell Structure Lab": ([HEALTH], "microscopy"),
            "Genetics Quiz": ([HEALTH], ""),
        },
    )
    cls.update(amara=amara, camila=camila, dmitri=dmitri, elena=elena)
    return cls


def _page(lti: LtiDriver, cls: dict[str, Any], **args: str) -> tuple[int, str]:
    response = lti.client.get(
        f"/courses/{cls['course_id']}/plans", query_string={"lt": cls["token"], **args}
    )
    return response.status_code, response.get_data(as_text=True)


def _assignment_id(app: Flask, course_id: int, title: str) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                select(Assignment.id).where(
                    Assignment.course_id == course_id, Assignment.title == title
                )
            ).scalar_one()
        )


def test_best_matched_first_with_grade_and_plan_status(lti: LtiDriver, app: Flask) -> None:
    cls = _class(lti, app)
    amara, camila, dmitri, elena = (cls[k] for k in ("amara", "camila", "dmitri", "elena"))
    with app.app_context():
        plan_id = db.session.execute(
            select(Plan.id).where(Plan.person_id == person_id(app, dmitri.sub))
        ).scalar_one()
        db.session.add(PlanSnapshot(plan_id=plan_id, school_year=school_year(), data={}))
        db.session.commit()
        grades = course_grades(db.session.get(Course, cls["course_id"]))  # type: ignore[arg-type]
        # The grade is points earned over points possible across the synced results.
        amara_id = person_id(app, amara.sub)
        rows = db.session.execute(select(Grade).where(Grade.person_id == amara_id)).scalars()
        earned = possible = 0.0
        for g in rows:
            earned += g.score or 0
            possible += g.score_maximum or 0
        assert grades[amara_id] == round(100 * earned / possible, 1)
        assert len(grades) == len(cls["students"])

    status, html = _page(lti, cls)
    assert status == 200
    rows = table(html, ROSTER)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Student", "Plan", "Grade in this course", "Matches"]
    names = [r[0] for r in body]
    # Amara: both tagged assignments and the course's cluster; Camila: the lab by a skill.
    assert names[0].startswith(amara.name) and body[0][3] == "3"
    assert names[1].startswith(camila.name) and body[1][3] == "1"
    assert body[0][1] == "Started"
    assert body[0][2] == f"{grades[amara_id]:g}%"
    by_name = {r[0].replace(" (open plan)", ""): r for r in body}
    assert by_name[dmitri.name][1] == "Submitted"
    assert by_name[elena.name][1].startswith("No plan yet Send a nudge")
    # Empty plans come after every plan with something in it.
    first_empty = next(i for i, r in enumerate(body) if r[1].startswith("No plan yet"))
    assert all(r[1].startswith("No plan yet") for r in body[first_empty:])
    assert f"{len(cls['students']) - 3} have no plan yet" in html


def test_filters_by_cluster_and_goal_keep_the_form(lti: LtiDriver, app: Flask) -> None:
    cls = _class(lti, app)
    amara, dmitri = cls["amara"], cls["dmitri"]

    def names(**args: str) -> list[str]:
        status, html = _page(lti, cls, **args)
        assert status == 200
        if "No student matches these filters" in html:
            return []
        return [r[0].replace(" (open plan)", "") for r in table(html, ROSTER)[1:]]

    assert names(cluster=HEALTH) == [amara.name]
    assert names(cluster=DIGITAL) == [dmitri.name]
    assert names(goal="course") == [amara.name]
    assert sorted(names(goal="any")) == sorted([amara.name, dmitri.name])
    assert names(goal="financial") == []
    assert len(names(goal="none")) == len(cls["students"]) - 2
    assert names(cluster=HEALTH, goal="none") == []
    assert len(names(goal="nonsense")) == len(cls["students"])  # an unknown choice: ignored
    assert names(cluster="2024.no-such-cluster") == []

    _, html = _page(lti, cls, cluster=DIGITAL, goal="any")
    assert f'<option value="{DIGITAL}" selected>' in html
    assert '<option value="any" selected>' in html
    assert f"Showing 1 of {len(cls['students'])} students" in html
    # The chart still counts the whole class.
    chart = table(html, "The chart as a table")
    assert any(r[0].startswith("Healthcare") and r[4].startswith("1 ") for r in chart[1:])


def test_a_nudge_lands_on_top_of_the_students_plan(lti: LtiDriver, app: Flask) -> None:
    cls = _class(lti, app)
    elena = cls["elena"]
    no_plan = cls["students"][5]
    url = f"/courses/{cls['course_id']}/students/{person_id(app, no_plan.sub)}/nudge"

    too_long = "Please start your plan. " * 30
    refused = lti.client.post(url, data={"lt": cls["token"], "body": too_long})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Keep the note under 500 characters." in text
    assert too_long.strip() in text  # what the teacher typed is still there
    assert lti.client.post(url, data={"lt": cls["token"], "body": "  "}).status_code == 400

    sent = lti.client.post(
        url, data={"lt": cls["token"], "body": "Pick a cluster you like  before Friday."}
    )
    assert sent.status_code == 302
    with app.app_context():
        comment = db.session.execute(select(PlanComment)).scalar_one()
        assert comment.body == "Pick a cluster you like before Friday."
        assert comment.author_role == "teacher"
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.nudge")
        ).scalar_one()
        assert event.detail["course_id"] == cls["course_id"]
        assert event.detail["student_id"] == person_id(app, no_plan.sub)
    # The teacher's row says so (no second nudge by mistake).
    back = lti.client.get(sent.headers["Location"]).get_data(as_text=True)
    row = back.split(f">{no_plan.name}<", 1)[1].split("</tr>", 1)[0]
    assert "Nudged " in row and "Send another nudge" in row

    token = launch(lti, no_plan, cls["course"])
    html = lti.client.get("/plans/me", query_string={"lt": token}).get_data(as_text=True)
    note = html.index("Pick a cluster you like before Friday.")
    assert "A note from" in html[:note]
    assert note < html.index('id="review-heading"')

    # Only a teacher of the class, and only for its students.
    other_teacher = launch(lti, lti.person("teacher", 1))
    assert lti.client.post(url, data={"lt": other_teacher, "body": "Hi"}).status_code == 403
    student = launch(lti, elena, cls["course"])
    assert lti.client.post(url, data={"lt": student, "body": "Hi"}).status_code == 403
    outsider = next(
        u
        for u in lti.state.district.users_of_kind("student")
        if u.sub not in {s.sub for s in cls["students"]}
    )
    launch(lti, outsider)
    stranger_url = f"/courses/{cls['course_id']}/students/{person_id(app, outsider.sub)}/nudge"
    assert lti.client.post(stranger_url, data={"lt": cls["token"], "body": "Hi"}).status_code == 403


def test_due_column_from_the_gradebook_and_hidden_without_dates(lti: LtiDriver, app: Flask) -> None:
    cls = _class(lti, app)
    with app.app_context():
        due = {
            a.title: a.due_at
            for a in db.session.execute(
                select(Assignment).where(Assignment.course_id == cls["course_id"])
            ).scalars()
        }
    # The sandbox's AGS line items carry endDateTime, and the sync keeps it.
    expected = dt.datetime.fromisoformat(seed_due_date(0, 3) or "")
    assert due["Cell Structure Lab"] is not None
    assert due["Cell Structure Lab"].replace(tzinfo=dt.UTC) == expected
    assert due["Ecology Field Project"] is None

    _, html = _page(lti, cls)
    rows = table(html, "Active assignments")
    assert rows[0][:2] == ["Assignment", "Due"]
    lab = next(r for r in rows if r[0] == "Cell Structure Lab")
    local = expected.astimezone(zoneinfo.ZoneInfo("America/Chicago"))  # the sandbox's zone
    assert lab[1] == f"{local:%b} {local.day}, {local.year}"
    assert next(r for r in rows if r[0] == "Ecology Field Project")[1] == "No due date"
    class_page = lti.client.get(
        f"/courses/{cls['course_id']}", query_string={"lt": cls["token"]}
    ).get_data(as_text=True)
    assert '<th scope="col">Due</th>' in class_page
    assert "Grade in this course" in class_page

    with app.app_context():
        db.session.execute(update(Assignment).values(due_at=None))
        db.session.commit()
    _, html = _page(lti, cls)
    assert table(html, "Active assignments")[0][1] == "Tags"
    class_page = lti.client.get(
        f"/courses/{cls['course_id']}", query_string={"lt": cls["token"]}
    ).get_data(as_text=True)
    assert '<th scope="col">Due</th>' not in class_page


def _one_click_form(html: str, assignment_id: int) -> dict[str, list[str]]:
    """The fields of the assignment row's "attach as evidence" form, as a browser sends them."""
    for form in re.findall(
        r'<form method="post"[^>]*class="one-click-attach">(.*?)</form>', html, re.S
    ):
        fields: dict[str, list[str]] = {}
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form
        ):
            fields.setdefault(name, []).append(value)
        if fields.get("assignment") == [str(assignment_id)]:
            return fields
    raise AssertionError("no one-click attach form for that assignment")


def test_attach_in_one_click_from_the_assignment_row(lti: LtiDriver, app: Flask) -> None:
    cls = _class(lti, app)
    amara, camila = cls["amara"], cls["camila"]
    lab = _assignment_id(app, cls["course_id"], "Cell Structure Lab")
    _, html = _page(lti, cls)
    assert "Attach as evidence for these 2 students" in html
    fields = _one_click_form(html, lab)
    amara_id, camila_id = person_id(app, amara.sub), person_id(app, camila.sub)
    assert sorted(fields["student"]) == sorted([str(amara_id), str(camila_id)])
    with app.app_context():
        goal_id = db.session.execute(
            select(Goal.id).where(Goal.statement == "Become a nurse")
        ).scalar_one()
    # The evidence goes to the goal the assignment serves, else to the plan in general.
    assert fields[f"goal-{amara_id}"] == [str(goal_id)] and fields[f"goal-{camila_id}"] == [""]

    done = lti.client.post(
        f"/portfolio/courses/{cls['course_id']}/attach", data={**fields, "lt": cls["token"]}
    )
    assert done.status_code == 302
    assert f"/courses/{cls['course_id']}/plans" in done.headers["Location"]
    with app.app_context():
        evidence = {
            e.student_id: e.goal_id
            for e in db.session.execute(
                select(Evidence).where(Evidence.assignment_id == lab)
            ).scalars()
        }
    assert evidence == {amara_id: goal_id, camila_id: None}
    _, html = _page(lti, cls)
    row = next(r for r in table(html, "Active assignments") if r[0] == "Cell Structure Lab")
    assert f"{amara.name}: Cell Structure Lab, for the goal “Become a nurse”" in row[-1]


def test_the_attach_form_ticks_the_students_the_view_names(lti: LtiDriver, app: Flask) -> None:
    cls = _class(lti, app)
    lab = _assignment_id(app, cls["course_id"], "Cell Structure Lab")
    quiz = _assignment_id(app, cls["course_id"], "Genetics Quiz")
    amara_id = person_id(app, cls["amara"].sub)
    camila_id = person_id(app, cls["camila"].sub)
    page = lti.client.get(
        f"/courses/{cls['course_id']}/plans/attach",
        query_string={"lt": cls["token"], "assignment": str(lab)},
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    ticked = set(map(int, re.findall(r'name="student" value="(\d+)" checked', html)))
    assert ticked == {amara_id, camila_id}
    assert re.search(rf'<option value="{lab}" data-suggest="[^"]*" selected>', html)
    with app.app_context():
        goal_id = db.session.execute(
            select(Goal.id).where(Goal.statement == "Become a nurse")
        ).scalar_one()
    assert re.search(
        rf'<select id="goal-{amara_id}" name="goal-{amara_id}">.*?<option value="{goal_id}" selected>',
        html,
        re.S,
    )
    # Every assignment's students ride on its option, for the page's script to re-tick.
    assert f'data-suggest="{amara_id}:{goal_id}"' in html.split(f'<option value="{quiz}"')[1][:80]
    # Without an assignment nothing is ticked; the plain attach page stays as it was.
    plain = lti.client.get(
        f"/courses/{cls['course_id']}/plans/attach", query_string={"lt": cls["token"]}
    ).get_data(as_text=True)
    assert " checked" not in plain.split('id="attach-all"')[1].split("</table>")[0]
    student = launch(lti, cls["amara"], cls["course"])
    assert (
        lti.client.get(
            f"/courses/{cls['course_id']}/plans/attach", query_string={"lt": student}
        ).status_code
        == 403
    )

"""Skills as a shared vocabulary: the tenant's tags and the framework's skills are suggested on
the tag page and the student's profile; matching tolerates case, punctuation and variants;
the tag page takes course and assignment clusters in one save and keeps every edit on error."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import Person
from lti_tool.plans.models import Plan
from lti_tool.relevance.models import AssignmentTag, CourseTag
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import (
    DIGITAL,
    HEALTH,
    launch,
    row_of,
    set_plan,
    synced_class,
    table,
    tag,
)


def _ids(app: Flask, course_id: int) -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(Assignment.title, Assignment.id).where(Assignment.course_id == course_id)
            ).all()
        )


def _options(html: str) -> list[str]:
    datalist = re.search(r'<datalist id="skill-suggestions">(.*?)</datalist>', html, re.S)
    assert datalist, "no suggestions list"
    return re.findall(r'<option value="([^"]*)">', datalist.group(1))


def test_course_and_assignment_clusters_in_one_save(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    cid = cls["course_id"]
    ids = _ids(app, cid)
    lab = ids["Cell Structure Lab"]
    page = lti.client.get(f"/courses/{cid}/tags", query_string={"lt": cls["token"]})
    html = page.get_data(as_text=True)
    # Before any save, every assignment already offers every cluster.
    assert f'id="a{lab}-{HEALTH}" name="a{lab}_clusters"' in html
    assert "Choose the course's career clusters above and save" not in html
    assert 'data-skill-chips data-max-length="60"' in html and "skills.js" in html
    assert "critical thinking" in _options(html)

    response = lti.client.post(
        f"/courses/{cid}/tags",
        data={
            "lt": cls["token"],
            "course_clusters": [HEALTH],
            "course_skills": "Data analysis, lab safety",
            "assignment": [str(i) for i in ids.values()],
            f"a{lab}_clusters": [HEALTH, DIGITAL],
            f"a{lab}_skills": "Microscopy",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert {
            (t.kind, t.value)
            for t in db.session.execute(
                select(AssignmentTag).where(AssignmentTag.assignment_id == lab)
            ).scalars()
        } == {("cluster", HEALTH), ("cluster", DIGITAL), ("skill", "microscopy")}
    html = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{DIGITAL}" checked' in html
    assert "Career clusters of Cell Structure Lab (2 chosen)" in html


def test_an_error_keeps_every_edit(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    cid = cls["course_id"]
    tag(lti, app, cls, clusters=[DIGITAL], skills="coding")
    ids = _ids(app, cid)
    lab, quiz = ids["Cell Structure Lab"], ids["Genetics Quiz"]
    too_long = "Carefully recording every observation made under the microscope"
    assert len(too_long) > 60
    response = lti.client.post(
        f"/courses/{cid}/tags",
        data={
            "lt": cls["token"],
            "course_clusters": [HEALTH],
            "course_pathways": ["2024.digital-technology.data-science-ai"],
            "course_skills": f"Lab Safety, {too_long}",
            "assignment": [str(i) for i in ids.values()],
            f"a{lab}_clusters": [HEALTH],
            f"a{lab}_skills": "microscopy, drawing",
            f"a{quiz}_skills": "x" * 70,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The tags were not saved." in html and "still on this page" in html
    # Every box and text as sent, none reverted to what was saved.
    assert f'id="cc-{HEALTH}" name="course_clusters" value="{HEALTH}" checked' in html
    assert f'value="{DIGITAL}" checked' not in html
    assert 'value="2024.digital-technology.data-science-ai" checked' in html
    assert f'value="Lab Safety, {too_long}"' in html
    assert f'id="a{lab}-{HEALTH}" name="a{lab}_clusters" value="{HEALTH}" checked' in html
    assert 'value="microscopy, drawing"' in html
    # A message next to each field that needs a change, linked from the summary.
    assert 'id="course-skills-error"' in html and 'aria-invalid="true"' in html
    assert f'id="a{quiz}-skills-error"' in html
    assert 'href="#course-skills"' in html and f'href="#a{quiz}-skills"' in html
    assert "longer than 60 characters" in html
    with app.app_context():
        assert {
            (t.kind, t.value)
            for t in db.session.execute(
                select(CourseTag).where(CourseTag.course_id == cid)
            ).scalars()
        } == {("cluster", DIGITAL), ("skill", "coding")}


def test_suggestions_and_matching_across_the_tenant(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    other = synced_class(lti, app, teacher_index=1)
    tag(lti, app, other, skills="Marine biology")
    tag(
        lti,
        app,
        cls,
        skills="data analysis, lab safety",
        assignments={"Cell Structure Lab": ([], "microscopy")},
    )
    student, sentence, nobody = cls["students"][:3]
    token = launch(lti, student, cls["course"])

    page = lti.client.get("/plans/me/profile", query_string={"lt": token})
    html = page.get_data(as_text=True)
    options = _options(html)
    # Tags of every course of the tenant, and the framework's skills.
    assert {"data analysis", "microscopy", "marine biology", "critical thinking"} <= set(options)
    assert 'list="skill-suggestions"' in html and "skills.js" in html

    response = lti.client.post(
        "/plans/me/profile",
        data={"lt": token, "skills": "Analysing-data;  Microscopy\nmy own thing"},
    )
    assert response.status_code == 302
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        plan = db.session.execute(select(Plan).where(Plan.person_id == person.id)).scalar_one()
        assert plan.skills == "Analysing-data, Microscopy, my own thing"
    html = lti.client.get("/plans/me/profile", query_string={"lt": token}).get_data(as_text=True)
    assert "my own thing" in _options(html)
    assert 'value="Analysing-data, Microscopy, my own thing"' in html
    # A student's own skill is suggested to them only.
    other_token = launch(lti, nobody, cls["course"])
    html = lti.client.get("/plans/me/profile", query_string={"lt": other_token}).get_data(
        as_text=True
    )
    assert "my own thing" not in html
    html = lti.client.get(f"/courses/{cls['course_id']}/tags", query_string={"lt": cls["token"]})
    assert "my own thing" not in html.get_data(as_text=True)

    # A too-long skill: refused with the text kept.
    response = lti.client.post("/plans/me/profile", data={"lt": token, "skills": "y" * 61})
    assert response.status_code == 400
    assert 'id="skills-error"' in response.get_data(as_text=True)

    set_plan(app, sentence.sub, skills="I am good at analyzing DATA.")
    html = lti.client.get(
        f"/courses/{cls['course_id']}/plans", query_string={"lt": cls["token"]}
    ).get_data(as_text=True)
    served = row_of(table(html, "Active assignments"), "Cell Structure Lab")["Students it serves"]
    assert f"{student.name} (skill in plan)" in served
    assert sentence.name not in served  # tagged microscopy only

    html = lti.client.get(f"/courses/{cls['course_id']}/me", query_string={"lt": token}).get_data(
        as_text=True
    )
    assert 'data analysis: <strong class="match">✓ Matches your plan</strong>' in html
    # The sandbox gives its line items a due date, which the line shows before the reasons.
    assert re.search(
        r"Cell Structure Lab(, due [A-Z][a-z]{2} [0-9]+, [0-9]{4})?: practises microscopy, a skill in your plan\.",
        html,
    )
    sentence_token = launch(lti, sentence, cls["course"])
    html = lti.client.get(
        f"/courses/{cls['course_id']}/me", query_string={"lt": sentence_token}
    ).get_data(as_text=True)
    assert 'data analysis: <strong class="match">✓ Matches your plan</strong>' in html


def test_suggestions_stay_in_their_tenant(app: Flask) -> None:
    from lti_tool.plans.skills import suggestions
    from tests import factories

    with app.app_context():
        lakeside, _ = factories.tenant_with_platform(name="Lakeside")
        hillview, _ = factories.tenant_with_platform(name="Hillview")
        for owner, course_skill, assignment_skill in (
            (lakeside, "lab safety", "microscopy"),
            (hillview, "welding", "blueprint reading"),
        ):
            course = factories.course(owner)
            assignment = factories.assignment(course)
            db.session.add(CourseTag(course_id=course.id, kind="skill", value=course_skill))
            db.session.add(CourseTag(course_id=course.id, kind="cluster", value=HEALTH))
            db.session.add(
                AssignmentTag(assignment_id=assignment.id, kind="skill", value=assignment_skill)
            )
        db.session.commit()

        found = suggestions(lakeside.id, own=["My own thing", "Lab-Safety"])
        assert {"microscopy", "critical thinking", "My own thing"} <= set(found)
        assert "welding" not in found and "blueprint reading" not in found
        assert HEALTH not in found
        # One entry per skill as matching sees it: the student's own spelling comes first.
        assert "Lab-Safety" in found and "lab safety" not in found
        assert found == tuple(sorted(found, key=str.lower))

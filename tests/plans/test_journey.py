"""The grade 6-12 journey: completion checks and their registry, the district's changes to the
steps, this year's steps and the first-run guide on the plan page, counselors' completion by
grade (a fixed number of queries), who may change the list, and the course plan's grades."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Person, Tenant
from lti_tool.plans import journey, journey_checks, plan_settings
from lti_tool.plans.journey_checks import CompletionCheck, PlanSet
from lti_tool.plans.models import (
    CoursePlanEntry,
    JourneyStep,
    JourneyTick,
    Plan,
    PlanItem,
    PlanItemKind,
)
from tests import factories
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import count, get, launch, person_id, plan_of, post
from tests.plans.test_plan_pages import html as raw_html


def html(response: Any) -> str:
    """The page's text with entities decoded (apostrophes come escaped from expressions)."""
    return unescape(raw_html(response))


# -- services -----------------------------------------------------------------------------------


def _tenant_with_student(grade: int | None = 7) -> tuple[Person, Plan, Person]:
    """A tenant with a student (and their plan) and a counselor."""
    t = factories.tenant()
    course = factories.course(t)
    student = factories.student_in(course)
    plan = factories.plan(student, grade_level=grade)
    counselor = factories.person(t)
    factories.grant(counselor)
    return student, plan, counselor


def test_the_shipped_list_covers_grades_6_to_12_in_plain_words(app: Flask) -> None:
    steps = journey.default_steps()
    assert {s.grade for s in steps} == set(range(6, 13))
    assert len({s.key for s in steps}) == len(steps)
    with app.app_context():
        for s in steps:
            assert s.title and len(s.title) <= 200 and len(s.detail) <= 1000
            # Every check named is one plans provides, except the postsecondary list a later
            # part registers (the student ticks that step until then).
            assert s.check is None or s.check in journey_checks.BUILTIN or s.key.startswith("g11")
    titles = " ".join(s.title for s in steps)
    for words in ("interest inventory", "supporting adults", "FAFSA", "applications"):
        assert words in titles


def test_automatic_checks_count_from_the_plan(app: Flask) -> None:
    with app.app_context():
        _student, plan, _ = _tenant_with_student(grade=10)
        factories.goal(plan)
        for title in ("Aunt May", "Coach Dee"):
            db.session.add(PlanItem(plan_id=plan.id, kind=PlanItemKind.CONTACT, title=title))
        db.session.add(PlanItem(plan_id=plan.id, kind=PlanItemKind.SERVICE, title="Food bank"))
        db.session.add(CoursePlanEntry(plan_id=plan.id, grade_level=9, course_name="Biology"))
        plan.inventory_code = "SIA"
        db.session.commit()
        one = PlanSet.of(plan)
        counts = {name: dict(c.count(one)) for name, c in journey_checks.registered().items()}
        assert counts["goals"] == {plan.id: 1}
        assert counts["supporting_adults"] == {plan.id: 2}
        assert counts["work_or_service"] == {plan.id: 1}
        assert counts["course_plan"] == {plan.id: 1}
        assert counts["inventory"] == {plan.id: 1}
        assert counts["profile"] == {plan.id: 1}  # the grade counts as telling us about you
        assert counts["assessments"] == {} and counts["clusters"] == {plan.id: 0}

        progress = journey.progress(plan, 10)
        done = {s.step.key: s.done for s in progress.steps}
        # Two or three adults: two named is done; the experience step counts service.
        assert done["g10-adults"] and done["g10-experience"]
        assert not done["g10-retake-inventory"]  # ticked by the student, not yet
        assert (progress.done, progress.total) == (2, 3) and progress.percent == 67


def test_a_later_part_registers_its_own_check(app: Flask) -> None:
    """A feature registers a check; one of the same name replaces plans' own."""
    with app.app_context():
        _, plan, _ = _tenant_with_student(grade=11)
        step = journey.get_step(plan.tenant_id, "g11-postsecondary-list")
        # Plans counts the postsecondary list itself; the plan has none yet.
        assert step.completion is not None and step.completion.label.startswith("Schools or")
        assert "g11-postsecondary-list" not in {
            s.step.key for s in journey.progress(plan, 11).steps if s.done
        }

        def postsecondary(plans: PlanSet) -> Mapping[int, int]:
            return {p.id: 3 for p in plans.plans}

        journey_checks.register(
            app,
            CompletionCheck(
                "postsecondary_list", "Schools on the list", postsecondary, "plans.my_plan"
            ),
        )
        assert "postsecondary_list" in journey_checks.registered()
        step = journey.get_step(plan.tenant_id, "g11-postsecondary-list")
        assert step.completion is not None
        assert "g11-postsecondary-list" in {
            s.step.key for s in journey.progress(plan, 11).steps if s.done
        }
        # The district's editor offers it too.
        assert ("postsecondary_list", "Schools on the list") in journey.check_choices()
        # A ticked step can no longer be ticked by hand.
        with pytest.raises(InvalidInput):
            journey.set_ticked(factories.actor(plan.person), plan, "g11-postsecondary-list", True)


def test_ticks_only_for_steps_without_a_check(app: Flask) -> None:
    with app.app_context():
        student, plan, _ = _tenant_with_student(grade=12)
        me = factories.actor(student)
        journey.set_ticked(me, plan, "g12-fafsa", True)
        journey.set_ticked(me, plan, "g12-fafsa", True)  # twice is still one tick
        assert db.session.execute(select(JourneyTick.step_key)).scalars().all() == ["g12-fafsa"]
        assert "g12-fafsa" in {s.step.key for s in journey.progress(plan, 12).steps if s.done}
        journey.set_ticked(me, plan, "g12-fafsa", False)
        assert not db.session.execute(select(JourneyTick)).first()
        with pytest.raises(InvalidInput):
            journey.set_ticked(me, plan, "g7-inventory", True)  # the plan decides that one
        with pytest.raises(NotFound):
            journey.set_ticked(me, plan, "no-such-step", True)


def test_district_changes_apply_to_its_tenant_only(app: Flask) -> None:
    with app.app_context():
        _, plan, counselor = _tenant_with_student(grade=7)
        _, other_plan, _ = _tenant_with_student(grade=7)
        db.session.commit()
        actor = factories.actor(counselor)
        fields = {"grade": 7, "title": "Tour the career center", "detail": "", "check": ""}
        added = journey.add_step(actor, fields)
        assert added.key.startswith(journey.DISTRICT_PREFIX) and not added.shipped
        journey.update_step(
            actor,
            "g7-clusters",
            {"grade": 8, "title": "Pick two career areas", "check": "clusters", "at_least": 2},
        )
        journey.set_hidden(actor, "g7-talk-job", True)

        mine = [s for s in journey.steps(plan.tenant_id) if s.grade == 7]
        assert [s.key for s in mine] == ["g7-inventory", added.key]
        moved = journey.get_step(plan.tenant_id, "g7-clusters")
        assert (moved.grade, moved.at_least, moved.changed) == (8, 2, True)
        assert journey.get_step(plan.tenant_id, "g7-talk-job").hidden
        # The other district still has Lodestar's list.
        theirs = [s.key for s in journey.steps(other_plan.tenant_id) if s.grade == 7]
        assert theirs == ["g7-inventory", "g7-clusters", "g7-talk-job"]

        journey.restore_default(actor, "g7-clusters")
        assert journey.get_step(plan.tenant_id, "g7-clusters").grade == 7
        with pytest.raises(NotFound):
            journey.restore_default(actor, added.key)  # the district's own has no default
        actions = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_type == "journey_step")
        ).scalars()
        assert list(actions) == [
            "journey.step_create",
            "journey.step_update",
            "journey.step_hide",
            "journey.step_restore",
        ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"grade": 5, "title": "x"}, "between 6 and 12"),
        ({"grade": 8, "title": "  "}, "cannot be empty"),
        ({"grade": 8, "title": "x" * 201}, "too long"),
        ({"grade": 8, "title": "x", "check": "telepathy"}, "from the list"),
        ({"grade": 8, "title": "x", "check": "goals", "at_least": 99}, "between 1 and 50"),
    ],
)
def test_bad_steps_are_refused_and_nothing_is_stored(
    app: Flask, fields: dict[str, Any], message: str
) -> None:
    with app.app_context():
        _, _, counselor = _tenant_with_student()
        with pytest.raises(InvalidInput, match=message):
            journey.add_step(factories.actor(counselor), fields)
        assert not db.session.execute(select(JourneyStep)).first()


def test_the_first_run_guide_follows_the_path(app: Flask) -> None:
    """About you, interests, clusters, a first goal, courses, work linked: each done or not."""
    with app.app_context():
        student, plan, _ = _tenant_with_student(grade=None)
        assert journey.guide(plan, goals=0) is None  # plans older than the guide: none
        plan.show_guide = True
        guide = journey.guide(plan, goals=0)
        assert guide is not None and [s.done for s in guide] == [False] * 6
        assert [s.endpoint for s in guide] == [
            "plans.edit_profile",
            "plans.inventory_page",
            "plans.clusters",
            "plans.goals",
            "plans.course_plan",
            "portfolio.my_portfolio",
        ]
        plan.about = "I like drawing."
        plan.inventory_code = "AES"
        guide = journey.guide(plan, goals=0)
        assert guide is not None and [s.done for s in guide] == [True, True] + [False] * 4
        plan.cluster_codes = ["2024.arts-entertainment-design"]
        guide = journey.guide(plan, goals=1, courses=2)
        assert guide is not None and [s.done for s in guide] == [True] * 5 + [False]
        assert journey.guide(plan, goals=1, courses=2, linked_work=1) is None  # all done
        journey.dismiss_guide(factories.actor(student), plan)
        assert journey.guide(plan, goals=0) is None


def test_the_next_step_is_the_first_not_done_of_the_grade(app: Flask) -> None:
    with app.app_context():
        _, plan, _ = _tenant_with_student(grade=10)
        assert journey.next_step(None) is None  # no grade, no step
        progress = journey.progress(plan, 10)
        first = journey.next_step(progress)
        assert first is not None and first.step is progress.steps[0].step and not first.done
        done_first = journey.GradeProgress(
            10, (journey.StepProgress(progress.steps[0].step, True), *progress.steps[1:])
        )
        second = journey.next_step(done_first)
        assert second is not None and second.step is progress.steps[1].step
        all_done = journey.GradeProgress(
            10, tuple(journey.StepProgress(s.step, True) for s in progress.steps)
        )
        assert journey.next_step(all_done) is None


def test_course_plan_grades_are_a_district_setting(app: Flask) -> None:
    with app.app_context():
        _, plan, counselor = _tenant_with_student()
        assert plan_settings.course_plan_grades(plan.tenant_id) == (9, 10, 11, 12)
        actor = factories.actor(counselor)
        assert plan_settings.set_course_plan_first_grade(actor, 6)
        assert plan_settings.course_plan_grades(plan.tenant_id) == (6, 7, 8, 9, 10, 11, 12)
        assert not plan_settings.set_course_plan_first_grade(actor, 6)
        with pytest.raises(InvalidInput):
            plan_settings.set_course_plan_first_grade(actor, 10)


# -- pages ---------------------------------------------------------------------------------------


def test_new_student_walks_through_the_guide(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student)
    page = html(get(lti, token, "/plans/me"))
    assert "Let's start your plan" in page and "Your plan is empty" in page
    assert "Step 1 of 6" in page and 'href="/plans/me/profile' in page
    for where in ("/plans/me/inventory", "/plans/me/clusters", "/plans/me/goals"):
        assert f'<a href="{where}' in page
    assert 'href="/plans/me/courses' in page and 'href="/portfolio/me' in page
    # On top: how complete the plan is and the next step (no grade yet: the student says it).
    assert "Your plan is <strong>0% complete</strong>" in page
    assert page.index('id="next-step"') < page.index('id="guide"')
    assert "Which grade are you in?" in page
    # The guide comes next; every area stays reachable below it from the first day
    # (a counselor's recommendation, the resume, the postsecondary list).
    assert page.index('id="guide"') < page.index('class="toc plan-nav"')
    assert "This year's steps" not in page  # the guide stands in for them

    post(lti, token, "/plans/me/profile", {"about": "I like building things.", "grade_level": "8"})
    page = html(get(lti, token, "/plans/me"))
    assert 'Step 1 of 6<span class="state-done">: done' in page
    assert "Continue: discover your interests" in page
    assert "Your plan is <strong>10% complete</strong>" in page
    # The plan is no longer empty: the guide sits on top of the plan and this year's steps.
    assert "This year's steps: grade 8" in page and 'class="toc plan-nav"' in page
    assert page.index('id="guide"') < page.index('id="journey"')

    assert post(lti, token, "/plans/me/guide/dismiss").status_code == 302
    assert 'id="guide"' not in html(get(lti, token, "/plans/me"))
    assert not plan_of(app, student).show_guide


def test_this_years_steps_show_progress_and_link_where_each_is_done(
    lti: LtiDriver, app: Flask
) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student)
    post(lti, token, "/plans/me/guide/dismiss")
    page = html(get(lti, token, "/plans/me"))
    # No grade yet: the student chooses it.
    assert "Which grade are you in?" in page
    # No grade is chosen for them: the button alone saves nothing.
    assert '<option selected value="">Choose your grade</option>' in page
    for wrong in ("13", "", "x"):
        assert (
            post(lti, token, "/plans/me/journey/grade", {"grade_level": wrong}).status_code == 302
        )
        assert plan_of(app, student).grade_level is None
    post(lti, token, "/plans/me/journey/grade", {"grade_level": "10"})
    assert plan_of(app, student).grade_level == 10

    page = html(get(lti, token, "/plans/me"))
    assert "0 of 3" in page and "pct-0" in page
    assert '<a href="/plans/me/items/contacts' in page  # where supporting adults are named
    for name in ("Aunt May", "Coach Dee"):
        post(lti, token, "/plans/me/items/contacts", {"title": name, "relationship_label": "x"})
    post(lti, token, "/plans/me/journey/steps/g10-retake-inventory", {"done": "1"})
    page = html(get(lti, token, "/plans/me"))
    assert "2 of 3" in page and "pct-67" in page
    assert "Mark as not done" in page
    # "This year's steps" comes first on the page.
    assert page.index('id="journey"') < page.index('class="toc plan-nav"')

    # A counselor reading the plan sees the same progress, without the student's buttons.
    counselor = launch(lti, lti.person("counselor"))
    sid = person_id(app, student)
    theirs = html(get(lti, counselor, f"/plans/students/{sid}"))
    assert "Steps of the year: grade 10" in theirs and "2 of 3" in theirs
    assert "Mark as" not in theirs


def test_students_cannot_change_the_district_list(lti: LtiDriver, app: Flask) -> None:
    student = launch(lti, lti.person("student", 0))
    teacher = launch(lti, lti.person("teacher", 0))
    add = {"grade": "7", "title": "Skip school", "detail": "", "check": "", "at_least": "1"}
    for token in (student, teacher):
        assert get(lti, token, "/plans/journey/steps").status_code == 403
        assert get(lti, token, "/plans/journey").status_code == 403
        assert post(lti, token, "/plans/journey/steps", add).status_code == 403
        assert post(lti, token, "/plans/journey/steps/g7-inventory/hide").status_code == 403
        assert (
            post(
                lti, token, "/plans/journey/settings", {"course_plan_first_grade": "6"}
            ).status_code
            == 403
        )
    assert count(app, JourneyStep) == 0
    # A counselor cannot tick a student's steps (there is no "me" plan to edit for them).
    counselor = launch(lti, lti.person("counselor"))
    assert (
        post(lti, counselor, "/plans/me/journey/steps/g12-fafsa", {"done": "1"}).status_code == 403
    )


def test_counselor_adapts_the_list(lti: LtiDriver, app: Flask) -> None:
    counselor = launch(lti, lti.person("counselor"))
    page = html(get(lti, counselor, "/plans/journey/steps"))
    assert "Take the interest inventory" in page and "Course plan grades" in page

    bad = post(lti, counselor, "/plans/journey/steps", {"grade": "7", "title": "", "check": ""})
    assert bad.status_code == 400 and "Please check the form" in html(bad)
    add = {"grade": "7", "title": "Tour the career center", "check": "", "at_least": "1"}
    assert post(lti, counselor, "/plans/journey/steps", add).status_code == 302
    edit = {
        "grade": "7",
        "title": "Take the interest survey",
        "check": "inventory",
        "at_least": "1",
    }
    assert post(lti, counselor, "/plans/journey/steps/g7-inventory", edit).status_code == 302
    assert post(lti, counselor, "/plans/journey/steps/g7-talk-job/hide").status_code == 302
    assert get(lti, counselor, "/plans/journey/steps/no-such-step").status_code == 404

    page = html(get(lti, counselor, "/plans/journey/steps"))
    assert "Tour the career center" in page and "Your district's step" in page
    assert "Take the interest survey" in page and "Restore Lodestar's version" in page
    assert "No, hidden" in page

    # A grade 7 student sees the district's list.
    student = lti.person("student", 0)
    token = launch(lti, student)
    post(lti, token, "/plans/me/journey/grade", {"grade_level": "7"})
    mine = html(get(lti, token, "/plans/me"))
    assert "Take the interest survey" in mine and "Tour the career center" in mine
    assert "Talk with an adult about their job" not in mine

    assert post(lti, counselor, "/plans/journey/steps/g7-inventory/restore").status_code == 302
    assert (
        post(lti, counselor, "/plans/journey/steps/g7-talk-job/hide", {"show": "1"}).status_code
        == 302
    )
    mine = html(get(lti, token, "/plans/me"))
    assert "Take the interest inventory" in mine and "Talk with an adult about their job" in mine


def test_course_plan_grades_through_the_pages(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student)
    page = html(get(lti, token, "/plans/me/courses"))
    assert "My four-year course plan" in page and 'id="grade-6"' not in page
    grade7 = {
        "grade_level": "7",
        "course_name": "Pre-Algebra",
        "subject": "math",
        "credits": "1",
        "status": "planned",
    }
    # Middle school courses are optional but always welcome: the grid shows their grade.
    assert post(lti, token, "/plans/me/courses", {**grade7, "grade_level": "5"}).status_code == 400
    assert post(lti, token, "/plans/me/courses", grade7).status_code == 302
    page = html(get(lti, token, "/plans/me/courses"))
    assert 'id="grade-7"' in page and 'id="grade-6"' not in page

    counselor = launch(lti, lti.person("counselor"))
    settings = {"course_plan_first_grade": "6"}
    assert post(lti, counselor, "/plans/journey/settings", settings).status_code == 302
    token = launch(lti, student)
    page = html(get(lti, token, "/plans/me/courses"))
    assert "My course plan, grades 6 to 12" in page and 'id="grade-6"' in page

    # The district goes back to high school only: the grade 7 course stays, shown and editable.
    counselor = launch(lti, lti.person("counselor"))
    post(lti, counselor, "/plans/journey/settings", {"course_plan_first_grade": "9"})
    token = launch(lti, student)
    page = html(get(lti, token, "/plans/me/courses"))
    assert 'id="grade-7"' in page and "Pre-Algebra" in page and 'id="grade-6"' not in page
    assert count(app, CoursePlanEntry) == 1
    with app.app_context():
        entry_id = db.session.execute(select(CoursePlanEntry.id)).scalar_one()
    grade7["course_name"] = "Pre-Algebra (honors)"
    assert post(lti, token, f"/plans/me/courses/{entry_id}", grade7).status_code == 302
    grade5 = {**grade7, "grade_level": "5"}
    assert post(lti, token, f"/plans/me/courses/{entry_id}", grade5).status_code == 400


# -- completion by grade ------------------------------------------------------------------------


@contextmanager
def _counting(app: Flask) -> Iterator[list[int]]:
    seen = [0]

    def counter(*_args: Any) -> None:
        seen[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def _add_students(app: Flask, tenant_id: int, n: int) -> None:
    """``n`` students of the tenant, in grades 7 and 10, with a bit of everything done."""
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        assert tenant is not None
        course = factories.course(tenant)
        for i in range(n):
            student = factories.student_in(course)
            plan = factories.plan(student, grade_level=7 if i % 2 else 10)
            if i % 3 == 0:
                plan.inventory_code = "RIA"
                factories.goal(plan)
                db.session.add(PlanItem(plan_id=plan.id, kind=PlanItemKind.CONTACT, title="A"))
                db.session.add(PlanItem(plan_id=plan.id, kind=PlanItemKind.CONTACT, title="B"))
            db.session.add(JourneyTick(plan_id=plan.id, step_key="g7-talk-job"))
        factories.student_in(course)  # a student with no plan: no grade known
        db.session.commit()


def test_counselor_sees_completion_by_grade_in_a_fixed_number_of_queries(
    lti: LtiDriver, app: Flask
) -> None:
    counselor = lti.person("counselor")
    token = launch(lti, counselor)
    with app.app_context():
        tenant_id = db.session.execute(
            select(Person.tenant_id).where(Person.sub == counselor.sub)
        ).scalar_one()
    _add_students(app, tenant_id, 6)

    with _counting(app) as few:
        page = get(lti, token, "/plans/journey")
    assert page.status_code == 200
    text = html(page)
    # Grade 7: students 1, 3, 5; student 3 took the inventory; all three ticked the talk.
    assert "Grade 7: 3 students" in text and "Grade 10: 3 students" in text
    assert "1 of 3" in text and "3 of 3" in text and "33%" in text and "100%" in text
    assert "with no grade in their plan yet" in text

    _add_students(app, tenant_id, 24)
    with _counting(app) as many:
        assert "Grade 7: 15 students" in html(get(lti, token, "/plans/journey"))
    assert few[0] == many[0]
    assert many[0] <= 25, many[0]


def test_caseload_links_to_the_journey(lti: LtiDriver, app: Flask) -> None:
    counselor = launch(lti, lti.person("counselor"))
    page = html(get(lti, counselor, "/plans/caseload"))
    assert 'href="/plans/journey' in page
    assert "Journey by grade" in page  # in the navigation too

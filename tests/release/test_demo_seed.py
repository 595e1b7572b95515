"""The demo district's students start with lived-in plans (``lti_tool.demo_seed``), and the
seeded student's first launch finds theirs."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.careers import places
from lti_tool.careers.models import (
    AreaKind,
    LaborArea,
    LaborAreaState,
    Occupation,
    SavedOccupation,
)
from lti_tool.demo_seed import (
    DEMO_CASELOAD_GRADE,
    DEMO_METRO,
    DEMO_STATE,
    EMPTY_EVERY,
    RESOURCES,
    STORIES,
    seed_demo_plans,
)
from lti_tool.extensions import db
from lti_tool.launch import grants
from lti_tool.models import CaseloadRule, Person, Platform, Role
from lti_tool.plans.models import Goal, Plan, PlanItem, PlanItemKind
from lti_tool.plans.postsecondary_models import PostsecondaryOption
from lti_tool.plans.resource_models import CommunityResource, ResourceRecommendation
from lti_tool.portfolio.models import Evidence
from lti_tool.sandbox import get_state
from tests.lti_driver import LtiDriver, token_of


def _count(model: type) -> int:
    return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_most_students_get_a_plan_and_a_second_run_changes_nothing(
    app: Flask, sandbox: Flask, platform_id: int
) -> None:
    students = get_state(sandbox).district.users_of_kind("student")
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id  # type: ignore[union-attr]
        seeded = seed_demo_plans(tenant_id, get_state(sandbox).district)
        expected = len(students) - len(students) // EMPTY_EVERY
        assert seeded == expected and seeded > len(students) // 2
        assert _count(Plan) == seeded
        assert _count(Goal) == seeded
        assert _count(Evidence) == seeded
        assert _count(PostsecondaryOption) == seeded
        work = db.session.execute(
            select(PlanItem).where(PlanItem.kind == PlanItemKind.WORK)
        ).scalars()
        assert all(w.total_hours and w.learning_kind and w.organization for w in work)
        codes = db.session.execute(select(Plan.inventory_code)).scalars().all()
        assert all(codes) and len(set(codes)) > 1
        grades = db.session.execute(select(Plan.grade_level)).scalars().all()
        assert all(9 <= g <= 12 for g in grades)  # the journey has this year's steps to show
        assert _count(CommunityResource) == len(RESOURCES)
        assert 0 < _count(ResourceRecommendation) < seeded
        before = (_count(Plan), _count(Goal), _count(PlanItem), _count(Person))
        assert seed_demo_plans(tenant_id, get_state(sandbox).district) == 0
        assert (_count(Plan), _count(Goal), _count(PlanItem), _count(Person)) == before


def test_a_seeded_students_first_launch_finds_their_plan(
    lti: LtiDriver, app: Flask, sandbox: Flask, platform_id: int
) -> None:
    student = get_state(sandbox).district.users_of_kind("student")[0]
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id  # type: ignore[union-attr]
        seed_demo_plans(tenant_id, get_state(sandbox).district)
        people = _count(Person)
    token = token_of(lti.launch(student))
    page = lti.client.get("/plans/me", query_string={"lt": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your plan is empty" not in html
    with app.app_context():
        assert _count(Person) >= people  # the launch found the seeded person, not a new one
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        assert person.name == student.name


def test_with_occupation_data_students_save_occupations_and_aim_at_one(
    app: Flask, sandbox: Flask, platform_id: int
) -> None:
    """Where the occupations are loaded (``ilp demo`` loads them first), the stories save two
    occupations each, turn the first into a goal, and the district gets a default place."""
    with app.app_context():
        for code in {c for story in STORIES for c in story.occupations}:
            major, minor = code[:2] + "-0000", code[:4] + "00"
            db.session.add(
                Occupation(
                    soc_code=code,
                    title=f"Occupation {code}",
                    major_group=major,
                    minor_group=minor,
                    broad_group=code[:6] + "0",
                )
            )
        db.session.add(
            LaborArea(
                code=DEMO_STATE + "00000",
                kind=AreaKind.STATE,
                name="Illinois",
                state_code=DEMO_STATE,
            )
        )
        db.session.add(
            LaborArea(code=DEMO_METRO, kind=AreaKind.METRO, name="Chicago", state_code=DEMO_STATE)
        )
        db.session.add(LaborAreaState(area_code=DEMO_METRO, state_code=DEMO_STATE))
        db.session.commit()
        tenant_id = db.session.get(Platform, platform_id).tenant_id  # type: ignore[union-attr]
        seeded = seed_demo_plans(tenant_id, get_state(sandbox).district)
        assert _count(SavedOccupation) == 2 * seeded
        aimed = db.session.execute(select(Goal).where(Goal.soc_code.is_not(None))).scalars().all()
        assert len(aimed) == seeded
        default = places.district_default(tenant_id)
        assert default is not None
        assert (default.state_code, default.metro_code) == (DEMO_STATE, DEMO_METRO)


def test_the_demo_class_view_shows_matches_grades_and_one_click_attach(
    lti: LtiDriver, app: Flask, sandbox: Flask, platform_id: int
) -> None:
    """The demo tags its courses and gradebook columns before any launch; the teacher's first
    launch and sync find them, so the class view opens with matches, grades and due dates."""
    from lti_tool.demo_seed import seed_demo_tags
    from lti_tool.grades.models import Assignment
    from lti_tool.models import Course
    from tests.relevance.helpers import synced_class, table

    state = get_state(sandbox)
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id  # type: ignore[union-attr]
        seed_demo_plans(tenant_id, state.district)
        assert seed_demo_tags(tenant_id, state.district, state.line_item_url) == 3
        assert seed_demo_tags(tenant_id, state.district, state.line_item_url) == 0  # once
        before = _count(Assignment), _count(Course)
    cls = synced_class(lti, app)
    with app.app_context():
        # The sync found the seeded course and columns rather than adding new ones.
        assert (_count(Assignment), _count(Course)) == before
    html = lti.client.get(
        f"/courses/{cls['course_id']}/plans", query_string={"lt": cls["token"]}
    ).get_data(as_text=True)
    rows = table(html, "Career clusters in each student's plan and goals")[1:]
    matches = [int(r[3]) for r in rows]
    assert matches == sorted(matches, reverse=True) and matches[0] > 0
    assert all(r[2].endswith("%") for r in rows)
    assert any(r[1].startswith("No plan yet") for r in rows)
    assert "Attach as evidence for these" in html
    assert table(html, "Active assignments")[0][1] == "Due"


def test_every_student_is_known_and_the_demo_counselor_has_grade_nine(
    app: Flask, sandbox: Flask, platform_id: int
) -> None:
    """The demo's SIS import knows every student (grade, graduation year, school) before
    anyone launches, and the counselor's caseload is exactly the grade 9 students; the admin
    still sees every student."""
    district = get_state(sandbox).district
    students = district.users_of_kind("student")
    ninth = {u.sub for u in students if u.grade_level == DEMO_CASELOAD_GRADE}
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id  # type: ignore[union-attr]
        seed_demo_plans(tenant_id, district)
        seed_demo_plans(tenant_id, district)  # a second run adds no second rule
        assert _count(CaseloadRule) == len(district.users_of_kind("counselor"))
        people = {
            p.sub: p
            for p in db.session.execute(
                select(Person).where(Person.tenant_id == tenant_id)
            ).scalars()
        }
        for user in students:
            known = people[user.sub]
            assert (known.grade_level, known.graduation_year, known.school) == (
                user.grade_level,
                user.graduation_year,
                district.school,
            )
            assert known.student_info_source == "csv" and known.sis_id == user.sis_id
        counselor = people.get(district.users_of_kind("counselor")[0].sub) or Person(
            tenant_id=tenant_id, sub=district.users_of_kind("counselor")[0].sub
        )
        db.session.add(counselor)
        db.session.flush()
        grants.bind_pending(counselor)  # as their first launch does
        db.session.commit()
        actor = Actor(tenant_id, counselor.id, None, frozenset({Role.COUNSELOR}))
        mine = db.session.execute(
            select(Person.sub).where(Person.id.in_(policy.caseload_student_ids(actor)))
        ).scalars()
        assert ninth and set(mine) == ninth
        admin_user = next(u for u in district.users_of_kind("admin") if u.account_roles)
        boss = Person(tenant_id=tenant_id, sub=admin_user.sub)
        db.session.add(boss)
        db.session.flush()
        grants.bind_pending(boss)
        db.session.commit()
        everyone = db.session.execute(
            select(Person.sub).where(
                Person.id.in_(
                    policy.caseload_student_ids(
                        Actor(tenant_id, boss.id, None, frozenset({Role.ADMIN}))
                    )
                )
            )
        ).scalars()
        assert set(everyone) == {u.sub for u in students}

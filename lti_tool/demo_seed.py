"""Plans for the demo district's students, so a newcomer's first launch shows a lived-in
product: inventories, career clusters, goals, saved occupations (one turned into a goal),
activities and work with hours, a postsecondary list and a piece of linked work for most
seeded students, and the district's default state and metro for the career pages.

Only ``ilp demo`` calls this (never the tests' sandbox fixture, whose plans start empty).
It goes through the same services a student's own pages use, so everything it writes is
valid and audited. A student who already has a plan is left alone, so running the demo again
changes nothing; one student in five keeps an empty plan, to show the first steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select

from lti_tool.actor import Actor
from lti_tool.careers import places, saved
from lti_tool.careers.models import Occupation
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.launch import student_info
from lti_tool.models import (
    CaseloadRule,
    CaseloadRuleKind,
    Course,
    GrantRole,
    Person,
    Role,
    RoleGrant,
)
from lti_tool.plans import (
    career_clusters,
    goals_and_milestones,
    inventory,
    inventory_results,
    plan_items,
    postsecondary,
    profile,
    reading,
    resource_services,
)
from lti_tool.plans.models import GoalCategory, PlanItemKind, WorkLearningKind
from lti_tool.plans.postsecondary_models import ProgramKind
from lti_tool.plans.resource_models import CommunityResource, ResourceCategory
from lti_tool.portfolio import linking
from lti_tool.relevance.tagging import TagInput, TagSubmission, save_tags
from lti_tool.sandbox.data import DEMO_SCHOOL_NAME, District

#: The sandbox district's school (clubs and teams meet there).
SCHOOL = DEMO_SCHOOL_NAME


@dataclass(frozen=True)
class Story:
    """One kind of student: what they like, where they are headed, what they do."""

    about: str
    skills: str
    likes: str  # Holland types answered "I'd like that", most liked first
    cluster: str  # a 2024 cluster code
    goal: str
    milestones: tuple[str, ...]
    activity: tuple[str, str, float]  # title, organisation, hours a week
    work: tuple[str, str, str, float]  # role, organisation, kind, total hours
    next_step: tuple[ProgramKind, str, str]  # kind, program, institution
    work_sample: tuple[str, str]  # title, URL
    occupations: tuple[str, str]  # SOC codes saved to the plan; the first becomes a goal


STORIES: tuple[Story, ...] = (
    Story(
        "I like figuring out how things work, especially computers and robots.",
        "Python basics, soldering, patience with bugs",
        "IRC",
        "2024.digital-technology",
        "Build a small app that helps my school's clubs share their schedules.",
        ("Finish an online intro to Python course", "Sketch the app with two club leaders"),
        ("Robotics club", SCHOOL, 3),
        ("Summer coding camp helper", "City Library", WorkLearningKind.VOLUNTEER, 40),
        (ProgramKind.FOUR_YEAR, "B.S. Computer Science", "State University"),
        ("My robot's line-following code", "https://example.org/robotics/line-follower"),
        ("15-1252", "15-1211"),  # software developers, computer systems analysts
    ),
    Story(
        "I want to help people feel better, and I like biology.",
        "First aid, listening, staying calm",
        "SIA",
        "2024.healthcare-human-services",
        "Shadow a nurse for a day and find out which healthcare jobs fit me.",
        ("Ask the school nurse who I could shadow", "Write down three questions to ask"),
        ("Health Occupations Students club", SCHOOL, 2),
        ("Front desk helper", "Riverside Family Clinic", WorkLearningKind.JOB_SHADOW, 16),
        (ProgramKind.TWO_YEAR, "Associate Degree in Nursing", "Riverside Community College"),
        ("Poster: how the heart pumps blood", "https://example.org/science-fair/heart"),
        ("29-1141", "31-1131"),  # registered nurses, nursing assistants
    ),
    Story(
        "I like building real things with my hands and seeing them finished.",
        "Measuring and cutting, reading plans, teamwork",
        "RCE",
        "2024.construction",
        "Earn my OSHA 10 card and get into a carpentry pre-apprenticeship.",
        ("Take the OSHA 10 online course", "Visit the carpenters' training center"),
        ("Habitat for Humanity youth build", "Habitat for Humanity", 4),
        ("Weekend crew helper", "Martinez Remodeling", WorkLearningKind.JOB, 120),
        (ProgramKind.APPRENTICESHIP, "Carpentry apprenticeship", "Regional Carpenters Council"),
        ("Shed I framed in shop class", "https://example.org/shop/shed-frame"),
        ("47-2031", "47-2111"),  # carpenters, electricians
    ),
    Story(
        "I draw every day and I like making posters that make people look twice.",
        "Drawing, color, layout, giving and taking feedback",
        "AES",
        "2024.arts-entertainment-design",
        "Put together a portfolio of my drawings for an art program application.",
        ("Pick my ten best pieces", "Ask my art teacher for feedback"),
        ("Yearbook design team", SCHOOL, 3),
        ("Mural assistant", "Downtown Arts Council", WorkLearningKind.INTERNSHIP, 60),
        (ProgramKind.FOUR_YEAR, "BFA Graphic Design", "State College of Art"),
        ("My mural sketchbook", "https://example.org/art/mural-sketches"),
        ("27-1024", "27-1013"),  # graphic designers, fine artists
    ),
)

#: Every fifth student keeps an empty plan (the first steps a new student sees).
EMPTY_EVERY = 5
#: Where the demo district is, for its wages and "in demand here": Illinois, and the
#: Chicago-Naperville-Elgin metro area (BLS area codes).
DEMO_STATE, DEMO_METRO = "17", "0016980"


def seed_demo_plans(tenant_id: int, district: District) -> int:
    """Give most of ``district``'s students a plan in the tenant; returns how many got one.

    Every student of the district is known first, with the grade level, graduation year and
    school the district's SIS keeps (what ``ilp people import-students`` gives a real
    district), and the demo counselor's caseload is grade 9 (an admin's assignment).
    """
    _district_place(tenant_id, district)
    resources = _district_resources(tenant_id, district)
    _sis_import(tenant_id, district)
    _grade_nine_caseload(tenant_id, district)
    seeded = 0
    for index, user in enumerate(district.users_of_kind("student")):
        if index % EMPTY_EVERY == EMPTY_EVERY - 1:
            continue
        person = _person(tenant_id, user.sub, user.name, user.given_name, user.family_name)
        if reading.find_plan(person) is not None:
            continue
        _tell(
            Actor(tenant_id, person.id, None, frozenset({Role.STUDENT})),
            person,
            index,
            user.grade_level,
        )
        if resources is not None and index % 3 == 0:
            counselor, resource = resources
            resource_services.recommend(
                counselor,
                reading.get_or_create_plan(person),
                resource,
                "This could help with your goal. Ask me if you want an introduction.",
            )
        seeded += 1
    return seeded


def _district_place(tenant_id: int, district: District) -> None:
    """The district's default state and metro for career pages (an admin's setting), when
    the occupation data is loaded and nobody set one yet."""
    admin = next(iter(district.users_of_kind("admin")), None)
    if admin is None or places.district_default(tenant_id) is not None:
        return
    if places.state_area(DEMO_STATE) is None or places.metro_area(DEMO_METRO) is None:
        return
    person = _person(tenant_id, admin.sub, admin.name, admin.given_name, admin.family_name)
    try:
        places.set_default(
            Actor(tenant_id, person.id, None, frozenset({Role.ADMIN})),
            {"state_code": DEMO_STATE, "metro_code": DEMO_METRO},
        )
    except InvalidInput:  # another release without this metro in this state: no default
        db.session.rollback()


#: The district's community resources (a counselor's list): name, category, description,
#: who it serves, web address. Made-up places, so no real organisation is named.
RESOURCES: tuple[tuple[str, ResourceCategory, str, str, str], ...] = (
    (
        "Cedar Ridge Library homework help",
        ResourceCategory.TUTORING,
        "Free drop-in tutoring in math, science and writing, Monday to Thursday 3-6 pm.",
        "Grades 6-12",
        "https://example.org/library/homework-help",
    ),
    (
        "Youth Jobs Center",
        ResourceCategory.JOBS_TRAINING,
        "Help with a first resume, summer job listings and paid internships.",
        "Ages 14-21",
        "https://example.org/youth-jobs",
    ),
    (
        "College Access Night",
        ResourceCategory.COLLEGE_ACCESS,
        "Monthly evenings for students and families: applications, the FAFSA, scholarships.",
        "Grades 10-12 and families",
        "https://example.org/college-night",
    ),
)


def _district_resources(
    tenant_id: int, district: District
) -> tuple[Actor, CommunityResource] | None:
    """The district's list of community resources (when it has none yet), and the counselor
    who recommends the first into some plans."""
    counselor_user = next(iter(district.users_of_kind("counselor")), None)
    if counselor_user is None:
        return None
    counselor = _person(
        tenant_id,
        counselor_user.sub,
        counselor_user.name,
        counselor_user.given_name,
        counselor_user.family_name,
    )
    actor = Actor(tenant_id, counselor.id, None, frozenset({Role.COUNSELOR}))
    existing = resource_services.resources(tenant_id)
    if existing:
        return None
    made = [
        resource_services.add_resource(
            actor,
            {"name": name, "category": category, "description": text, "serves": serves, "url": url},
        )
        for name, category, text, serves, url in RESOURCES
    ]
    return actor, made[0]


def _sis_import(tenant_id: int, district: District) -> None:
    """Every student of the district, with what the district's SIS says of them: their SIS
    id, email, grade level, graduation year and school (a student's first launch finds them
    by ``sub``)."""
    for user in district.users_of_kind("student"):
        person = _person(tenant_id, user.sub, user.name, user.given_name, user.family_name)
        person.sis_id = person.sis_id or user.sis_id
        person.email = person.email or user.email
        student_info.apply(
            person,
            grade_level=user.grade_level,
            graduation_year=user.graduation_year,
            school=district.school,
            source=student_info.CSV,
        )
    db.session.commit()


#: The grade the demo counselor's caseload holds.
DEMO_CASELOAD_GRADE = 9


def _grade_nine_caseload(tenant_id: int, district: District) -> None:
    """The demo counselor's caseload: every grade 9 student (once; an admin's assignment)."""
    for counselor in district.users_of_kind("counselor"):
        grant = db.session.execute(
            select(RoleGrant).where(
                RoleGrant.tenant_id == tenant_id,
                RoleGrant.role == GrantRole.COUNSELOR,
                or_(
                    RoleGrant.sub == counselor.sub,
                    RoleGrant.person_id.in_(
                        select(Person.id).where(
                            Person.tenant_id == tenant_id, Person.sub == counselor.sub
                        )
                    ),
                ),
            )
        ).scalar_one_or_none()
        if grant is None:
            continue
        exists = db.session.execute(
            select(CaseloadRule.id).where(CaseloadRule.grant_id == grant.id)
        ).first()
        if exists is None:
            db.session.add(
                CaseloadRule(
                    tenant_id=tenant_id,
                    grant_id=grant.id,
                    kind=CaseloadRuleKind.GRADE,
                    grade_level=DEMO_CASELOAD_GRADE,
                )
            )
    db.session.commit()


def _person(tenant_id: int, sub: str, name: str, given: str, family: str) -> Person:
    """The student as their first launch will find them (by sub), made now if new."""
    person = db.session.execute(
        select(Person).where(Person.tenant_id == tenant_id, Person.sub == sub)
    ).scalar_one_or_none()
    if person is None:
        person = Person(
            tenant_id=tenant_id, sub=sub, name=name, given_name=given, family_name=family
        )
        db.session.add(person)
        db.session.flush()
    return person


def _answers(likes: str) -> dict[str, int]:
    """Inventory answers that like ``likes`` (the first most), and say maybe now and then."""
    answers: dict[str, int] = {}
    for n, item in enumerate(inventory.items()):
        if item.type == likes[0] or (item.type in likes[1:] and n % 2 == 0):
            answers[item.id] = 2
        else:
            answers[item.id] = 1 if n % 5 == 0 else 0
    return answers


def _tell(actor: Actor, person: Person, index: int, grade_level: int | None = None) -> None:
    story = STORIES[index % len(STORIES)]
    plan = reading.get_or_create_plan(person)
    grade = grade_level or 9 + index % 4
    profile.update_profile(
        actor,
        plan,
        {
            "about": story.about,
            "skills": story.skills,
            "grade_level": grade,
            "graduation_year": person.graduation_year or dt.date.today().year + (12 - grade) + 1,
        },
    )
    inventory_results.save_inventory(actor, plan, _answers(story.likes))
    career_clusters.set_clusters(actor, plan, [story.cluster], [])
    goal = goals_and_milestones.create_goal(
        actor,
        plan,
        {
            "category": GoalCategory.CAREER,
            "statement": story.goal,
            "target_date": dt.date(dt.date.today().year + 1, 5, 31),
            "measures": "I will have done it and written about it in my portfolio.",
            "cluster_code": story.cluster,
        },
        story.milestones,
    )
    title, organisation, per_week = story.activity
    plan_items.add_item(
        actor,
        plan,
        PlanItemKind.ACTIVITY,
        {
            "title": title,
            "organization": organisation,
            "role": "Member",
            "hours_per_week": per_week,
            "total_hours": per_week * 30,
        },
    )
    role, employer, kind, total = story.work
    plan_items.add_item(
        actor,
        plan,
        PlanItemKind.WORK,
        {
            "title": role,
            "organization": employer,
            "role": role,
            "learning_kind": kind,
            "total_hours": total,
            "start_date": dt.date(dt.date.today().year - 1, 6, 15),
            "end_date": dt.date(dt.date.today().year - 1, 8, 15),
            "learned": "Showing up on time matters, and asking questions is how you learn.",
        },
    )
    program_kind, program, institution = story.next_step
    postsecondary.add_option(
        actor,
        plan,
        {
            "kind": program_kind,
            "name": program,
            "institution": institution,
            "goal_ids": [goal.id],
            "soc_codes": list(story.occupations),
        },
    )
    for code in story.occupations:
        occupation = db.session.get(Occupation, code)
        if occupation is not None:  # the occupation data is loaded (the demo loads it first)
            saved.save(actor, plan, occupation, "It came up in my matches.")
    if saved.is_saved(plan, story.occupations[0]) is not None:
        saved.goal_from_saved(actor, plan, story.occupations[0])
    sample_title, sample_url = story.work_sample
    linking.link_work(
        actor,
        person,
        linking.LinkRequest(
            source="url",
            goal_id=goal.id,
            reflection="I am proud of this because I finished it on my own.",
            url=sample_url,
            title=sample_title,
        ),
    )


# -- the teachers' tags: what the class view matches against the plans --------------------

_HEALTH = "2024.healthcare-human-services"
_DIGITAL = "2024.digital-technology"
_BUILD = "2024.construction"
_ARTS = "2024.arts-entertainment-design"
_MAKE = "2024.advanced-manufacturing"

#: context id -> (course clusters, course skills, {line item label: (clusters, skills)}).
DEMO_TAGS: dict[str, tuple[tuple[str, ...], str, dict[str, tuple[tuple[str, ...], str]]]] = {
    "sbx-course-bio1": (
        (_HEALTH,),
        "lab safety, first aid",
        {
            "Cell Structure Lab": ((_HEALTH,), "lab safety"),
            "Genetics Quiz": ((_HEALTH,), ""),
            "Ecology Field Project": ((_BUILD,), "teamwork"),
        },
    ),
    "sbx-course-alg2": (
        (_DIGITAL, _BUILD),
        "problem solving",
        {
            "Unit 1 Test: Functions": ((_DIGITAL,), ""),
            "Logarithms Homework": ((_DIGITAL,), "python basics"),
            "Midterm Exam": ((_BUILD,), "measuring and cutting"),
        },
    ),
    "sbx-course-ied": (
        (_MAKE, _BUILD, _ARTS, _DIGITAL),
        "teamwork, drawing",
        {
            "Design Brief": ((_ARTS,), "layout"),
            "Sketching Portfolio": ((_ARTS,), "drawing"),
            "CAD Model: Phone Stand": ((_DIGITAL, _BUILD), "reading plans"),
            "Prototype Test Report": ((_MAKE,), "soldering"),
            "Final Design Presentation": ((_ARTS, _DIGITAL), "teamwork"),
        },
    ),
}


def seed_demo_tags(
    tenant_id: int, district: District, line_item_url: Callable[[str, str], str]
) -> int:
    """Tag the demo district's courses and their gradebook columns, as each teacher would
    on the tag page, so the first class view already shows who each assignment serves.

    The courses and assignments are written as the teacher's first launch and sync will
    find them (the course by its context id, each AGS line item by its URL, which
    ``line_item_url`` gives); that sync then fills in the roster, due dates and grades.
    A course that already has tags is left alone. Returns how many courses were tagged.
    """
    from lti_tool.relevance.models import CourseTag

    tagged = 0
    for context_id, (clusters, skills, per_item) in DEMO_TAGS.items():
        lms_course = district.courses.get(context_id)
        teacher = next(
            (
                district.users[e.sub]
                for e in district.enrollments.get(context_id, {}).values()
                if any(r.endswith("#Instructor") for r in e.roles) and e.sub in district.users
            ),
            None,
        )
        if lms_course is None or teacher is None:
            continue
        course = db.session.execute(
            select(Course).where(Course.tenant_id == tenant_id, Course.context_id == context_id)
        ).scalar_one_or_none()
        if course is None:
            course = Course(tenant_id=tenant_id, context_id=context_id, title=lms_course.title)
            db.session.add(course)
            db.session.flush()
        elif db.session.execute(
            select(CourseTag.id).where(CourseTag.course_id == course.id).limit(1)
        ).first():
            continue
        ids: dict[int, TagInput] = {}
        for item_id, item in district.line_items.get(context_id, {}).items():
            url = line_item_url(context_id, item_id)
            assignment = db.session.execute(
                select(Assignment).where(
                    Assignment.course_id == course.id,
                    Assignment.source == "ags",
                    Assignment.external_id == url,
                )
            ).scalar_one_or_none()
            if assignment is None:
                assignment = Assignment(
                    course_id=course.id,
                    source="ags",
                    external_id=url,
                    title=item.label,
                    score_maximum=item.score_maximum,
                )
                db.session.add(assignment)
                db.session.flush()
            a_clusters, a_skills = per_item.get(item.label, ((), ""))
            ids[assignment.id] = TagInput(
                clusters=a_clusters, skills=tuple(s for s in a_skills.split(", ") if s)
            )
        actor = _person(
            tenant_id, teacher.sub, teacher.name, teacher.given_name, teacher.family_name
        )
        save_tags(
            course,
            TagSubmission(
                course=TagInput(clusters=clusters, skills=tuple(skills.split(", "))),
                assignments=ids,
            ),
            actor_id=actor.id,
        )
        tagged += 1
    return tagged

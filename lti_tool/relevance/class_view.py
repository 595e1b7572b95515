"""The class view: how a class and its assignments connect to the plans of its students.

From the course's tags and the plans of its active learners (``Plan.cluster_codes``,
``Plan.skills`` and each goal's ``cluster_code``) :func:`class_relevance` builds a students x
clusters matrix, per-cluster counts and, per assignment, which students it serves and the
evidence already attached from it.

The read runs a fixed number of queries, however many students, goals or assignments a class
has: collections are loaded whole and assembled in Python into frozen dataclasses, so
templates never trigger lazy loads. Access is decided by ``lti_tool.policy`` before it runs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, select

from lti_tool import audit
from lti_tool.extensions import db
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.plans.models import Goal, Plan
from lti_tool.plans.reading import cluster_name, person_order, student_name
from lti_tool.plans.skills import matching_tags
from lti_tool.portfolio.models import Evidence
from lti_tool.relevance.class_evidence import EvidenceInfo, evidence_info, evidence_query
from lti_tool.relevance.clusters import ClusterInfo, PathwayInfo, cluster_sort_key, plan_codes
from lti_tool.relevance.models import AssignmentTag
from lti_tool.relevance.skills import plan_skills
from lti_tool.relevance.tagging import (
    CLUSTER,
    SKILL,
    active_assignments,
    course_tag_infos,
    load_assignment_tags,
    load_course_tags,
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One student x cluster cell of the matrix."""

    in_plan: bool = False
    goal: bool = False

    @property
    def label(self) -> str:
        """The cell in words ("" when the cluster is neither in the plan nor a goal)."""
        if self.in_plan and self.goal:
            return "In plan and goal"
        if self.in_plan:
            return "In plan"
        if self.goal:
            return "Goal"
        return ""


EMPTY_CELL = Cell()


@dataclass(frozen=True, slots=True)
class StudentRow:
    """A row of the matrix: one active learner."""

    person_id: int
    name: str
    has_plan: bool
    goal_count: int
    cells: Mapping[str, Cell]

    def cell(self, code: str) -> Cell:
        """The cell for cluster ``code``."""
        return self.cells.get(code, EMPTY_CELL)


@dataclass(frozen=True, slots=True)
class ClusterCount:
    """How many students of the class have a cluster in their plan, in a goal, or either."""

    cluster: ClusterInfo
    in_plan: int
    goal: int
    students: int
    #: ``students`` as a share of the class, 0-100.
    percent: int


@dataclass(frozen=True, slots=True)
class ServedStudent:
    """A student whose plan an assignment serves, and why."""

    person_id: int
    name: str
    #: Short reasons: "cluster in plan", "goal", "skill in plan".
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssignmentRelevance:
    """An active assignment: its tags, the students it serves, its evidence."""

    id: int
    title: str
    html_url: str | None
    due_at: dt.datetime | None
    clusters: tuple[ClusterInfo, ...]
    skills: tuple[str, ...]
    served: tuple[ServedStudent, ...]
    evidence: tuple[EvidenceInfo, ...]

    @property
    def tagged(self) -> bool:
        """Whether the assignment has any tag."""
        return bool(self.clusters or self.skills)


@dataclass(frozen=True, slots=True)
class ClassRelevance:
    """Everything the class view shows."""

    course_id: int
    course_title: str
    course_clusters: tuple[ClusterInfo, ...]
    course_pathways: tuple[PathwayInfo, ...]
    course_skills: tuple[str, ...]
    #: Matrix columns: course clusters first, then clusters found in students' plans.
    columns: tuple[ClusterInfo, ...]
    students: tuple[StudentRow, ...]
    counts: tuple[ClusterCount, ...]
    assignments: tuple[AssignmentRelevance, ...]

    @property
    def students_with_clusters(self) -> int:
        """How many students have at least one cluster in their plan or goals."""
        return sum(1 for s in self.students if s.cells)


def _learner_ids(course: Course) -> Select[int]:
    """Subquery: ids of the course's active learners (a subquery, not a list, so the SQL
    is the same however big the class)."""
    return select(Enrollment.person_id).where(
        Enrollment.course_id == course.id,
        Enrollment.role == Role.STUDENT,
        Enrollment.status == EnrollmentStatus.ACTIVE,
    )


@dataclass(slots=True)
class _PlanFacts:
    clusters: set[str] = field(default_factory=set)
    goal_clusters: set[str] = field(default_factory=set)
    skills: tuple[str, ...] = ()
    goal_count: int = 0
    has_plan: bool = False


def class_relevance(course: Course) -> ClassRelevance:
    """How the class and its assignments connect to the plans of its active learners.

    Seven queries, whatever the size of the class: learners, their plans, their goals, the
    course's tags, its active assignments, their tags, and evidence from the course.
    """
    learners = _learner_ids(course)
    people = list(
        db.session.execute(
            select(Person)
            .where(Person.id.in_(learners), Person.tenant_id == course.tenant_id)
            .order_by(*person_order())
        ).scalars()
    )
    plans = list(
        db.session.execute(
            select(Plan).where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learners))
        ).scalars()
    )
    goals = db.session.execute(
        select(Goal.plan_id, Goal.cluster_code)
        .join(Plan, Plan.id == Goal.plan_id)
        .where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learners))
        .order_by(Goal.id)
    ).all()
    course_tags = load_course_tags(course)
    assignments = list(db.session.execute(active_assignments(course)).scalars())
    assignment_tags = load_assignment_tags(course)
    # Only the evidence of the class's active learners: a student who left the class takes
    # their name and goals out of the teacher's view.
    evidence = db.session.execute(
        evidence_query(course).where(Evidence.student_id.in_(learners))
    ).all()

    facts: dict[int, _PlanFacts] = {p.id: _PlanFacts() for p in people}
    plan_owner: dict[int, int] = {}
    for plan in plans:
        f = facts.setdefault(plan.person_id, _PlanFacts())
        f.has_plan = True
        f.clusters = set(plan_codes(plan.cluster_codes))
        f.skills = plan_skills(plan.skills)
        plan_owner[plan.id] = plan.person_id
    for plan_id, code in goals:
        if plan_id not in plan_owner:  # a plan created between the two queries
            continue
        f = facts[plan_owner[plan_id]]
        f.goal_count += 1
        if code:
            f.goal_clusters.add(code)

    course_clusters, course_pathways, course_skills = course_tag_infos(course_tags)
    tagged = {c.code for c in course_clusters}
    in_plans = set().union(*(f.clusters | f.goal_clusters for f in facts.values()))
    columns = (
        *course_clusters,
        *(
            ClusterInfo(c, cluster_name(c), False)
            for c in sorted(in_plans - tagged, key=cluster_sort_key)
        ),
    )

    rows = []
    for person in people:
        f = facts[person.id]
        cells = {
            c: Cell(in_plan=c in f.clusters, goal=c in f.goal_clusters)
            for c in f.clusters | f.goal_clusters
        }
        rows.append(
            StudentRow(
                person_id=person.id,
                name=student_name(person),
                has_plan=f.has_plan,
                goal_count=f.goal_count,
                cells=cells,
            )
        )
    total = len(rows)
    counts = []
    for col in columns:
        plan_n = sum(1 for r in rows if r.cell(col.code).in_plan)
        goal_n = sum(1 for r in rows if r.cell(col.code).goal)
        either = sum(1 for r in rows if r.cell(col.code).label)
        counts.append(
            ClusterCount(col, plan_n, goal_n, either, round(100 * either / total) if total else 0)
        )

    tags_of: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in assignment_tags:
        tags_of[tag.assignment_id].append(tag)
    evidence_of: dict[int, list[EvidenceInfo]] = defaultdict(list)
    for ev, person, goal in evidence:
        if ev.assignment_id is not None:
            evidence_of[ev.assignment_id].append(evidence_info(ev, person, goal))

    relevance = []
    for a in assignments:
        a_clusters = sorted(
            {t.value for t in tags_of[a.id] if t.kind == CLUSTER}, key=cluster_sort_key
        )
        a_skills = tuple(sorted(t.value for t in tags_of[a.id] if t.kind == SKILL))
        served = []
        for row, person in zip(rows, people, strict=True):
            f = facts[person.id]
            reasons = []
            if f.clusters.intersection(a_clusters):
                reasons.append("cluster in plan")
            if f.goal_clusters.intersection(a_clusters):
                reasons.append("goal")
            if matching_tags(a_skills, f.skills):
                reasons.append("skill in plan")
            if reasons:
                served.append(ServedStudent(row.person_id, row.name, tuple(reasons)))
        relevance.append(
            AssignmentRelevance(
                id=a.id,
                title=a.title or "Untitled assignment",
                html_url=a.html_url,
                due_at=a.due_at,
                clusters=tuple(ClusterInfo(c, cluster_name(c), c in tagged) for c in a_clusters),
                skills=a_skills,
                served=tuple(served),
                evidence=tuple(evidence_of[a.id]),
            )
        )

    return ClassRelevance(
        course_id=course.id,
        course_title=course.display_title,
        course_clusters=course_clusters,
        course_pathways=course_pathways,
        course_skills=course_skills,
        columns=columns,
        students=tuple(rows),
        counts=tuple(counts),
        assignments=tuple(relevance),
    )


def record_class_view(course: Course, data: ClassRelevance, *, actor_id: int) -> None:
    """Audit that a teacher looked at the plans of a class through the class view."""
    audit.record(
        "relevance.class_view",
        tenant_id=course.tenant_id,
        actor_id=actor_id,
        subject_type="course",
        subject_id=course.id,
        students=[s.person_id for s in data.students],
        student_count=len(data.students),
    )
    db.session.commit()

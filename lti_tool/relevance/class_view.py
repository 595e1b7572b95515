"""The class view: how a class and its assignments connect to the plans of its students.

From the course's tags and the plans of its active learners (``Plan.cluster_codes``,
``Plan.skills`` and each goal's ``cluster_code``) :func:`class_relevance` builds a students x
clusters matrix, per-cluster counts and, per assignment, which students it serves and the
evidence already attached from it.

Students come with how many of the class's assignments and clusters match their plan (the
best matched first, empty plans last and flagged), their grade in the course from the synced
results, and their plan's status this school year; the teacher narrows them by cluster or goal
(:class:`ClassFilters`).

The read runs a fixed number of queries, however many students, goals or assignments a class
has: collections are loaded whole and assembled in Python into frozen dataclasses, so
templates never trigger lazy loads. Access is decided by ``lti_tool.policy`` before it runs.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from lti_tool import audit
from lti_tool.extensions import db
from lti_tool.grades.services import course_grades
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.plans.models import Goal, GoalCategory, Plan, PlanComment, PlanSnapshot
from lti_tool.plans.reading import cluster_name, person_order, school_year, student_name
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


class PlanStatus(enum.StrEnum):
    """Where a student's plan stands this school year, as the roster shows it."""

    #: No plan, or a plan with nothing in it yet.
    NONE = "No plan yet"
    STARTED = "Started"
    #: The student saved this school year's snapshot (ready for review).
    SUBMITTED = "Submitted"
    APPROVED = "Approved"
    #: Approved by a counselor and signed off by a guardian.
    SIGNED = "Approved and signed"


@dataclass(frozen=True, slots=True)
class StudentRow:
    """A row of the matrix: one active learner."""

    person_id: int
    name: str
    has_plan: bool
    goal_count: int
    cells: Mapping[str, Cell]
    #: How many of the class's assignments serve the plan, plus how many of the course's
    #: clusters are in it (plan or goal).
    matches: int = 0
    #: The grade in this course so far, in percent (None: no graded result synced yet).
    grade: float | None = None
    status: PlanStatus = PlanStatus.NONE
    #: Goal categories of the plan's goals.
    goal_categories: frozenset[str] = frozenset()
    #: When a teacher last sent the student a nudge (None: never).
    nudged_at: dt.datetime | None = None

    def cell(self, code: str) -> Cell:
        """The cell for cluster ``code``."""
        return self.cells.get(code, EMPTY_CELL)

    @property
    def empty(self) -> bool:
        """No plan yet (or nothing in it): the teacher may nudge the student."""
        return self.status == PlanStatus.NONE


#: The goal filter's choices: value -> label (categories follow).
GOAL_FILTERS: dict[str, str] = {
    "course": "A goal in one of this course's clusters",
    "any": "Any goal",
    "none": "No goal yet",
    **{c.value: f"A goal about {c.value}" for c in GoalCategory},
}


@dataclass(frozen=True, slots=True)
class ClassFilters:
    """What the teacher narrowed the students to (GET query parameters)."""

    #: A cluster code: students with it in their plan or a goal.
    cluster: str = ""
    #: A key of :data:`GOAL_FILTERS`.
    goal: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ClassFilters:
        """The filters from the query string; an unknown goal choice is ignored, and an
        unknown cluster simply matches nobody (the form keeps what was asked)."""
        cluster = (args.get("cluster") or "").strip()[:120]
        goal = (args.get("goal") or "").strip()
        return cls(cluster=cluster, goal=goal if goal in GOAL_FILTERS else "")

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.cluster or self.goal)

    def keeps(self, row: StudentRow, course_codes: set[str]) -> bool:
        """Whether ``row`` passes the filters."""
        if self.cluster and not row.cell(self.cluster).label:
            return False
        if self.goal == "none":
            return row.goal_count == 0
        if self.goal == "any":
            return row.goal_count > 0
        if self.goal == "course":
            return any(row.cell(c).goal for c in course_codes)
        if self.goal:
            return self.goal in row.goal_categories
        return True


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
    #: The student's goal the assignment serves (linked to one of its clusters), if any:
    #: where a one-click attach puts the evidence.
    goal_id: int | None = None


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
    #: The students the filters keep, best matched first, empty plans last.
    students: tuple[StudentRow, ...]
    counts: tuple[ClusterCount, ...]
    assignments: tuple[AssignmentRelevance, ...]
    filters: ClassFilters = ClassFilters()
    #: Every active learner of the class (the chart and the counts are about them all).
    all_students: tuple[StudentRow, ...] = ()

    @property
    def students_with_clusters(self) -> int:
        """How many students have at least one cluster in their plan or goals."""
        return sum(1 for s in self.all_students if s.cells)

    @property
    def without_plan(self) -> int:
        """How many students of the class have no plan yet."""
        return sum(1 for s in self.all_students if s.empty)

    @property
    def has_due_dates(self) -> bool:
        """Whether any assignment has a due date (else the "Due" column is left out)."""
        return any(a.due_at for a in self.assignments)

    @property
    def has_grades(self) -> bool:
        """Whether any student has a synced grade (else the "Grade" column is left out)."""
        return any(s.grade is not None for s in self.all_students)


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
    goal_categories: set[str] = field(default_factory=set)
    #: cluster code -> the first goal linked to it.
    goal_of_cluster: dict[str, int] = field(default_factory=dict)
    has_plan: bool = False
    has_content: bool = False
    status: PlanStatus = PlanStatus.NONE


def _has_content(plan: Plan) -> bool:
    """Whether the student put anything in the plan that the class view can see."""
    return bool(
        plan.cluster_codes
        or plan.skills.strip()
        or plan.about.strip()
        or plan.interests.strip()
        or plan.inventory_code
    )


def class_relevance(course: Course, filters: ClassFilters | None = None) -> ClassRelevance:
    """How the class and its assignments connect to the plans of its active learners.

    Ten queries, whatever the size of the class: learners, their plans, their goals, this
    year's plan snapshots, teachers' latest nudges, their grades in the course, the course's
    tags, its active assignments, their tags, and evidence from the course.
    """
    filters = filters or ClassFilters()
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
        select(Goal.plan_id, Goal.cluster_code, Goal.category, Goal.id)
        .join(Plan, Plan.id == Goal.plan_id)
        .where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learners))
        .order_by(Goal.id)
    ).all()
    snapshots = db.session.execute(
        select(PlanSnapshot.plan_id, PlanSnapshot.approved_at, PlanSnapshot.signed_at)
        .join(Plan, Plan.id == PlanSnapshot.plan_id)
        .where(
            Plan.tenant_id == course.tenant_id,
            Plan.person_id.in_(learners),
            PlanSnapshot.school_year == school_year(),
        )
    ).all()
    nudges: dict[int, dt.datetime] = {
        person_id: when
        for person_id, when in db.session.execute(
            select(Plan.person_id, func.max(PlanComment.created_at))
            .select_from(PlanComment)
            .join(Plan, Plan.id == PlanComment.plan_id)
            .where(
                Plan.tenant_id == course.tenant_id,
                Plan.person_id.in_(learners),
                PlanComment.author_role == "teacher",
            )
            .group_by(Plan.person_id)
        ).all()
    }
    grades = course_grades(course)
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
        f.has_content = _has_content(plan)
        f.clusters = set(plan_codes(plan.cluster_codes))
        f.skills = plan_skills(plan.skills)
        plan_owner[plan.id] = plan.person_id
    for plan_id, code, category, goal_id in goals:
        if plan_id not in plan_owner:  # a plan created between the two queries
            continue
        f = facts[plan_owner[plan_id]]
        f.goal_count += 1
        f.goal_categories.add(str(category))
        if code:
            f.goal_clusters.add(code)
            f.goal_of_cluster.setdefault(code, goal_id)
    for f in facts.values():
        if f.has_content or f.goal_count:
            f.status = PlanStatus.STARTED
    for plan_id, approved_at, signed_at in snapshots:
        if plan_id not in plan_owner:
            continue
        f = facts[plan_owner[plan_id]]
        if f.status == PlanStatus.NONE and not (approved_at or signed_at):
            continue  # a snapshot of an empty plan is still no plan
        if approved_at and signed_at:
            f.status = PlanStatus.SIGNED
        elif approved_at:
            f.status = PlanStatus.APPROVED
        else:
            f.status = PlanStatus.SUBMITTED

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

    tags_of: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in assignment_tags:
        tags_of[tag.assignment_id].append(tag)
    evidence_of: dict[int, list[EvidenceInfo]] = defaultdict(list)
    for ev, person, goal in evidence:
        if ev.assignment_id is not None:
            evidence_of[ev.assignment_id].append(evidence_info(ev, person, goal))

    names = {p.id: student_name(p) for p in people}
    served_count: dict[int, int] = defaultdict(int)
    relevance = []
    for a in assignments:
        a_clusters = sorted(
            {t.value for t in tags_of[a.id] if t.kind == CLUSTER}, key=cluster_sort_key
        )
        a_skills = tuple(sorted(t.value for t in tags_of[a.id] if t.kind == SKILL))
        served = []
        for person in people:
            f = facts[person.id]
            reasons = []
            if f.clusters.intersection(a_clusters):
                reasons.append("cluster in plan")
            if f.goal_clusters.intersection(a_clusters):
                reasons.append("goal")
            if matching_tags(a_skills, f.skills):
                reasons.append("skill in plan")
            if reasons:
                serves_goal = next(
                    (f.goal_of_cluster[c] for c in a_clusters if c in f.goal_of_cluster), None
                )
                served.append(
                    ServedStudent(person.id, names[person.id], tuple(reasons), serves_goal)
                )
                served_count[person.id] += 1
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
                name=names[person.id],
                has_plan=f.has_plan,
                goal_count=f.goal_count,
                cells=cells,
                matches=served_count[person.id] + len(tagged & cells.keys()),
                grade=grades.get(person.id),
                status=f.status,
                goal_categories=frozenset(f.goal_categories),
                nudged_at=nudges.get(person.id),
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
    # Best matched first; then students with a plan; names keep their order (sort is stable).
    ranked = sorted(rows, key=lambda r: (-r.matches, r.empty))
    shown = tuple(r for r in ranked if filters.keeps(r, tagged))

    return ClassRelevance(
        course_id=course.id,
        course_title=course.display_title,
        course_clusters=course_clusters,
        course_pathways=course_pathways,
        course_skills=course_skills,
        columns=columns,
        students=shown,
        counts=tuple(counts),
        assignments=tuple(relevance),
        filters=filters,
        all_students=tuple(ranked),
    )


def record_class_view(course: Course, data: ClassRelevance, *, actor_id: int) -> None:
    """Audit that a teacher looked at the plans of a class through the class view."""
    audit.record(
        "relevance.class_view",
        tenant_id=course.tenant_id,
        actor_id=actor_id,
        subject_type="course",
        subject_id=course.id,
        students=[s.person_id for s in data.all_students],
        student_count=len(data.all_students),
    )
    db.session.commit()

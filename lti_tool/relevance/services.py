"""Relevance: which career clusters and skills a course and its assignments serve, and how
that meets the plans of the students in class.

Teachers tag a course with clusters of the 2024 Career Clusters framework (optionally with
their sub-clusters, stored as kind ``"pathway"``) and with free-text skills; they tag each
active assignment with clusters and skills too. From those tags and the students' plans
(``Plan.cluster_codes``, ``Plan.skills`` and each goal's ``cluster_code``) this module builds

* the class view (:func:`class_relevance`): a students x clusters matrix, per-cluster counts
  and, per assignment, which students it serves and the evidence already attached from it;
* a student's in-class view (:func:`student_relevance`): how this class connects to my plan.

Every read here runs a fixed number of queries, however many students, goals or assignments
a class has: collections are loaded whole and assembled in Python into frozen dataclasses, so
templates never trigger lazy loads. Access is decided by ``lti_tool.policy`` before these run.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, delete, or_, select

from lti_tool import audit
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.plans import reference
from lti_tool.plans.models import Goal, Plan
from lti_tool.plans.reading import cluster_name, pathway_name, person_order, student_name
from lti_tool.portfolio.models import Evidence
from lti_tool.relevance.models import AssignmentTag, CourseTag

#: Tag kinds (``CourseTag.kind`` / ``AssignmentTag.kind``).
CLUSTER = "cluster"
PATHWAY = "pathway"
SKILL = "skill"
#: The framework teachers tag with.
TAG_FRAMEWORK = "2024"
#: Longest skill a teacher may type, in characters (after normalising).
SKILL_MAX_LENGTH = 40
#: Most skills on one course or assignment.
MAX_SKILLS = 30

_SKILL_SPLIT = re.compile(r"[,;\n]")


# -- skills ---------------------------------------------------------------------------------


def normalise_skill(raw: str) -> str:
    """One skill as stored and compared: inner whitespace collapsed, trimmed, lower case."""
    return " ".join(raw.split()).lower()


def parse_skills(text: str, *, where: str = "the course") -> tuple[str, ...]:
    """Comma-separated skills typed by a teacher, normalised and without duplicates.

    :raises InvalidInput: when a skill is longer than ``SKILL_MAX_LENGTH`` characters or
        there are more than ``MAX_SKILLS``.
    """
    skills: list[str] = []
    for part in _SKILL_SPLIT.split(text or ""):
        skill = normalise_skill(part)
        if not skill:
            continue
        if len(skill) > SKILL_MAX_LENGTH:
            raise InvalidInput(f'The skill "{skill[:SKILL_MAX_LENGTH]}…" for {where} is longer '
                               f"than {SKILL_MAX_LENGTH} characters. Shorten it or split it "
                               "with commas.")
        if skill not in skills:
            skills.append(skill)
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"Please give at most {MAX_SKILLS} skills for {where}.")
    return tuple(skills)


def plan_skills(text: str | None) -> frozenset[str]:
    """The skills a student listed in their plan (free text split on commas, ``;``, lines)."""
    return frozenset(s for s in (normalise_skill(p) for p in _SKILL_SPLIT.split(text or ""))
                     if s)


# -- clusters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """A career cluster as pages show it."""

    code: str
    name: str
    #: Whether the course is tagged with it.
    course_tagged: bool = False


@dataclass(frozen=True, slots=True)
class PathwayInfo:
    """A sub-cluster (2024) or pathway (2008) as pages show it."""

    code: str
    name: str
    cluster_code: str


@functools.cache
def _framework_order() -> dict[str, int]:
    return {code: i for i, code in enumerate(reference.all_cluster_codes())}


def _cluster_sort_key(code: str) -> tuple[int, str]:
    return (_framework_order().get(code, len(_framework_order())), cluster_name(code).lower())


def _codes(value: object) -> list[str]:
    """A JSON list of codes as stored on a plan, tolerant of anything malformed."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v]


def validate_cluster(code: str) -> str:
    """A cluster code of the tagging framework.

    :raises InvalidInput: for anything else.
    """
    if code not in reference.all_cluster_codes(TAG_FRAMEWORK):
        raise InvalidInput(f'"{code[:80]}" is not a career cluster of the {TAG_FRAMEWORK} '
                           "framework. Nothing was saved.")
    return code


def validate_pathway(code: str) -> reference.Pathway:
    """A sub-cluster code of the tagging framework.

    :raises InvalidInput: for anything else.
    """
    try:
        found = reference.pathway(code)
    except reference.UnknownCodeError:
        found = None
    if found is None or not code.startswith(TAG_FRAMEWORK + "."):
        raise InvalidInput(f'"{code[:80]}" is not a sub-cluster of the {TAG_FRAMEWORK} '
                           "framework. Nothing was saved.")
    return found


# -- tagging --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagInput:
    """What a teacher asked to tag one course or assignment with (codes not yet checked)."""

    clusters: tuple[str, ...] = ()
    pathways: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagSubmission:
    """The whole tag form: the course and each assignment shown in the form, by id."""

    course: TagInput
    assignments: Mapping[int, TagInput] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AssignmentTags:
    """An active assignment and its current tags, for the tag form."""

    id: int
    title: str
    due_at: dt.datetime | None
    clusters: frozenset[str]
    skills: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagForm:
    """Everything the tag form shows."""

    course_id: int
    course_title: str
    #: Clusters of the tagging framework, with their sub-clusters, in framework order.
    framework: tuple[reference.Cluster, ...]
    course_clusters: frozenset[str]
    course_pathways: frozenset[str]
    course_skills: tuple[str, ...]
    #: Clusters offered on each assignment: the course's, plus any already on an assignment.
    assignment_options: tuple[ClusterInfo, ...]
    assignments: tuple[AssignmentTags, ...]


def _active_assignments(course: Course) -> Select[tuple[Assignment]]:
    return (select(Assignment)
            .where(Assignment.course_id == course.id, Assignment.active.is_(True))
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.title,
                      Assignment.id))


def _assignment_tags(course: Course) -> list[AssignmentTag]:
    return list(db.session.execute(
        select(AssignmentTag).join(Assignment, Assignment.id == AssignmentTag.assignment_id)
        .where(Assignment.course_id == course.id, Assignment.active.is_(True))
        .order_by(AssignmentTag.id)
    ).scalars())


def _course_tags(course: Course) -> list[CourseTag]:
    return list(db.session.execute(
        select(CourseTag).where(CourseTag.course_id == course.id).order_by(CourseTag.id)
    ).scalars())


def tag_form(course: Course) -> TagForm:
    """The current tags of a course and its active assignments (three queries)."""
    course_tags = _course_tags(course)
    assignments = list(db.session.execute(_active_assignments(course)).scalars())
    by_assignment: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in _assignment_tags(course):
        by_assignment[tag.assignment_id].append(tag)
    course_clusters = frozenset(t.value for t in course_tags if t.kind == CLUSTER)
    options = set(course_clusters) | {t.value for tags in by_assignment.values()
                                      for t in tags if t.kind == CLUSTER}
    return TagForm(
        course_id=course.id, course_title=course.display_title,
        framework=reference.framework(TAG_FRAMEWORK).clusters,
        course_clusters=course_clusters,
        course_pathways=frozenset(t.value for t in course_tags if t.kind == PATHWAY),
        course_skills=tuple(t.value for t in course_tags if t.kind == SKILL),
        assignment_options=tuple(ClusterInfo(c, cluster_name(c), c in course_clusters)
                                 for c in sorted(options, key=_cluster_sort_key)),
        assignments=tuple(
            AssignmentTags(id=a.id, title=a.title or "Untitled assignment", due_at=a.due_at,
                           clusters=frozenset(t.value for t in by_assignment[a.id]
                                              if t.kind == CLUSTER),
                           skills=tuple(t.value for t in by_assignment[a.id]
                                        if t.kind == SKILL))
            for a in assignments),
    )


def _wanted_course_tags(tags: TagInput) -> set[tuple[str, str]]:
    wanted = {(CLUSTER, validate_cluster(c)) for c in tags.clusters}
    for code in tags.pathways:
        found = validate_pathway(code)
        # A sub-cluster implies its cluster.
        wanted |= {(PATHWAY, found.code), (CLUSTER, found.cluster_code)}
    wanted |= {(SKILL, normalise_skill(s)) for s in tags.skills if normalise_skill(s)}
    return wanted


def _wanted_assignment_tags(tags: TagInput) -> set[tuple[str, str]]:
    wanted = {(CLUSTER, validate_cluster(c)) for c in tags.clusters}
    wanted |= {(SKILL, normalise_skill(s)) for s in tags.skills if normalise_skill(s)}
    return wanted


@dataclass(frozen=True, slots=True)
class TagChanges:
    """How many tags a save added and removed."""

    added: int
    removed: int


def save_tags(course: Course, submission: TagSubmission, *, actor_id: int) -> TagChanges:
    """Replace the tags of the course and of the assignments in ``submission``.

    Every code is checked against the reference data before anything is written, so a bad
    code saves nothing. Assignment ids that are not active assignments of this course are
    ignored. The change is audited and committed.

    :raises InvalidInput: for a code that is not a cluster / sub-cluster of the 2024
        framework.
    """
    wanted_course = _wanted_course_tags(submission.course)
    wanted_assignments = {aid: _wanted_assignment_tags(t)
                          for aid, t in submission.assignments.items()}
    added = removed = 0

    existing = {(t.kind, t.value): t for t in _course_tags(course)}
    stale = [t.id for key, t in existing.items() if key not in wanted_course]
    if stale:
        db.session.execute(delete(CourseTag).where(CourseTag.id.in_(stale)))
        removed += len(stale)
    for kind, value in sorted(wanted_course - existing.keys()):
        db.session.add(CourseTag(course_id=course.id, kind=kind, value=value,
                                 tagged_by=actor_id))
        added += 1

    active_ids = set(db.session.execute(
        select(Assignment.id).where(Assignment.course_id == course.id,
                                    Assignment.active.is_(True))).scalars())
    current: dict[int, dict[tuple[str, str], AssignmentTag]] = defaultdict(dict)
    for tag in _assignment_tags(course):
        current[tag.assignment_id][(tag.kind, tag.value)] = tag
    stale = []
    for assignment_id, wanted in wanted_assignments.items():
        if assignment_id not in active_ids:
            continue
        have = current[assignment_id]
        stale += [t.id for key, t in have.items() if key not in wanted]
        for kind, value in sorted(wanted - have.keys()):
            db.session.add(AssignmentTag(assignment_id=assignment_id, kind=kind, value=value,
                                         tagged_by=actor_id))
            added += 1
    if stale:
        db.session.execute(delete(AssignmentTag).where(AssignmentTag.id.in_(stale)))
        removed += len(stale)

    audit.record("relevance.tags", tenant_id=course.tenant_id, actor_id=actor_id,
                 subject_type="course", subject_id=course.id, added=added, removed=removed,
                 course_tags=sorted(f"{k}:{v}" for k, v in wanted_course))
    db.session.commit()
    return TagChanges(added=added, removed=removed)


# -- the class view -------------------------------------------------------------------------


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
class EvidenceInfo:
    """Evidence attached from an assignment of this course."""

    id: int
    student_id: int
    student_name: str
    title: str
    goal_statement: str | None
    attached_as: str
    created_at: dt.datetime


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


def _learner_ids(course: Course) -> Select[tuple[int]]:
    """Subquery: ids of the course's active learners (a subquery, not a list, so the SQL
    is the same however big the class)."""
    return select(Enrollment.person_id).where(
        Enrollment.course_id == course.id, Enrollment.role == Role.STUDENT,
        Enrollment.status == EnrollmentStatus.ACTIVE)


@dataclass(slots=True)
class _PlanFacts:
    clusters: set[str] = field(default_factory=set)
    goal_clusters: set[str] = field(default_factory=set)
    skills: frozenset[str] = frozenset()
    goal_count: int = 0
    has_plan: bool = False


def _course_tag_infos(tags: Iterable[CourseTag]) -> tuple[
        tuple[ClusterInfo, ...], tuple[PathwayInfo, ...], tuple[str, ...]]:
    tags = list(tags)
    clusters = sorted({t.value for t in tags if t.kind == CLUSTER}, key=_cluster_sort_key)
    pathways = [t.value for t in tags if t.kind == PATHWAY]
    return (tuple(ClusterInfo(c, cluster_name(c), True) for c in clusters),
            tuple(PathwayInfo(p, pathway_name(p), p.rsplit(".", 1)[0]) for p in sorted(pathways)),
            tuple(sorted(t.value for t in tags if t.kind == SKILL)))


def _evidence_query(course: Course) -> Select[tuple[Evidence, Person, str | None]]:
    return (select(Evidence, Person, Goal.statement)
            .join(Person, Person.id == Evidence.student_id)
            .outerjoin(Goal, Goal.id == Evidence.goal_id)
            .where(Evidence.tenant_id == course.tenant_id,
                   or_(Evidence.course_id == course.id,
                       Evidence.assignment_id.in_(
                           select(Assignment.id).where(Assignment.course_id == course.id))))
            .order_by(Evidence.created_at, Evidence.id))


def _evidence_info(evidence: Evidence, person: Person, goal: str | None) -> EvidenceInfo:
    return EvidenceInfo(id=evidence.id, student_id=evidence.student_id,
                        student_name=student_name(person),
                        title=evidence.snapshot_title or "Untitled work", goal_statement=goal,
                        attached_as=evidence.attached_as, created_at=evidence.created_at)


def class_relevance(course: Course) -> ClassRelevance:
    """How the class and its assignments connect to the plans of its active learners.

    Seven queries, whatever the size of the class: learners, their plans, their goals, the
    course's tags, its active assignments, their tags, and evidence from the course.
    """
    learners = _learner_ids(course)
    people = list(db.session.execute(
        select(Person).where(Person.id.in_(learners), Person.tenant_id == course.tenant_id)
        .order_by(*person_order())).scalars())
    plans = list(db.session.execute(
        select(Plan).where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learners))
    ).scalars())
    goals = db.session.execute(
        select(Goal.plan_id, Goal.cluster_code).join(Plan, Plan.id == Goal.plan_id)
        .where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learners))
        .order_by(Goal.id)
    ).all()
    course_tags = _course_tags(course)
    assignments = list(db.session.execute(_active_assignments(course)).scalars())
    assignment_tags = _assignment_tags(course)
    # Only the evidence of the class's active learners: a student who left the class takes
    # their name and goals out of the teacher's view.
    evidence = db.session.execute(
        _evidence_query(course).where(Evidence.student_id.in_(learners))).all()

    facts: dict[int, _PlanFacts] = {p.id: _PlanFacts() for p in people}
    plan_owner: dict[int, int] = {}
    for plan in plans:
        f = facts.setdefault(plan.person_id, _PlanFacts())
        f.has_plan = True
        f.clusters = set(_codes(plan.cluster_codes))
        f.skills = plan_skills(plan.skills)
        plan_owner[plan.id] = plan.person_id
    for plan_id, code in goals:
        if plan_id not in plan_owner:  # a plan created between the two queries
            continue
        f = facts[plan_owner[plan_id]]
        f.goal_count += 1
        if code:
            f.goal_clusters.add(code)

    course_clusters, course_pathways, course_skills = _course_tag_infos(course_tags)
    tagged = {c.code for c in course_clusters}
    in_plans = set().union(*(f.clusters | f.goal_clusters for f in facts.values()))
    columns = (*course_clusters,
               *(ClusterInfo(c, cluster_name(c), False)
                 for c in sorted(in_plans - tagged, key=_cluster_sort_key)))

    rows = []
    for person in people:
        f = facts[person.id]
        cells = {c: Cell(in_plan=c in f.clusters, goal=c in f.goal_clusters)
                 for c in f.clusters | f.goal_clusters}
        rows.append(StudentRow(person_id=person.id, name=student_name(person),
                               has_plan=f.has_plan, goal_count=f.goal_count, cells=cells))
    total = len(rows)
    counts = []
    for col in columns:
        plan_n = sum(1 for r in rows if r.cell(col.code).in_plan)
        goal_n = sum(1 for r in rows if r.cell(col.code).goal)
        either = sum(1 for r in rows if r.cell(col.code).label)
        counts.append(ClusterCount(col, plan_n, goal_n, either,
                                   round(100 * either / total) if total else 0))

    tags_of: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in assignment_tags:
        tags_of[tag.assignment_id].append(tag)
    evidence_of: dict[int, list[EvidenceInfo]] = defaultdict(list)
    for ev, person, goal in evidence:
        if ev.assignment_id is not None:
            evidence_of[ev.assignment_id].append(_evidence_info(ev, person, goal))

    relevance = []
    for a in assignments:
        a_clusters = sorted({t.value for t in tags_of[a.id] if t.kind == CLUSTER},
                            key=_cluster_sort_key)
        a_skills = tuple(sorted(t.value for t in tags_of[a.id] if t.kind == SKILL))
        served = []
        for row, person in zip(rows, people, strict=True):
            f = facts[person.id]
            reasons = []
            if f.clusters.intersection(a_clusters):
                reasons.append("cluster in plan")
            if f.goal_clusters.intersection(a_clusters):
                reasons.append("goal")
            if f.skills.intersection(a_skills):
                reasons.append("skill in plan")
            if reasons:
                served.append(ServedStudent(row.person_id, row.name, tuple(reasons)))
        relevance.append(AssignmentRelevance(
            id=a.id, title=a.title or "Untitled assignment", html_url=a.html_url,
            due_at=a.due_at,
            clusters=tuple(ClusterInfo(c, cluster_name(c), c in tagged) for c in a_clusters),
            skills=a_skills, served=tuple(served), evidence=tuple(evidence_of[a.id])))

    return ClassRelevance(
        course_id=course.id, course_title=course.display_title,
        course_clusters=course_clusters, course_pathways=course_pathways,
        course_skills=course_skills, columns=columns, students=tuple(rows),
        counts=tuple(counts), assignments=tuple(relevance))


def record_class_view(course: Course, data: ClassRelevance, *, actor_id: int) -> None:
    """Audit that a teacher looked at the plans of a class through the class view."""
    audit.record("relevance.class_view", tenant_id=course.tenant_id, actor_id=actor_id,
                 subject_type="course", subject_id=course.id,
                 students=[s.person_id for s in data.students],
                 student_count=len(data.students))
    db.session.commit()


# -- a student's view of the class ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterMatch:
    """A cluster of the course, and whether it meets my plan."""

    cluster: ClusterInfo
    in_my_plan: bool
    #: Statements of my goals linked to this cluster.
    my_goals: tuple[str, ...]

    @property
    def matches(self) -> bool:
        """Whether the cluster is in my plan or one of my goals."""
        return self.in_my_plan or bool(self.my_goals)


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A skill of the course, and whether I listed it in my plan."""

    skill: str
    mine: bool


@dataclass(frozen=True, slots=True)
class MyGoal:
    """One of my goals and whether this class serves it."""

    id: int
    statement: str
    cluster: ClusterInfo | None
    served_by_class: bool


@dataclass(frozen=True, slots=True)
class MyAssignment:
    """An assignment of this class tagged with my clusters or serving my goals."""

    id: int
    title: str
    html_url: str | None
    due_at: dt.datetime | None
    clusters: tuple[ClusterInfo, ...]
    skills: tuple[str, ...]
    #: Why it is listed, in words.
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StudentRelevance:
    """Everything "How this class connects to my plan" shows."""

    course_id: int
    course_title: str
    course_clusters: tuple[ClusterMatch, ...]
    course_pathways: tuple[PathwayInfo, ...]
    course_skills: tuple[SkillMatch, ...]
    #: The clusters of my plan and goals; ``course_tagged`` says the class is tagged with it.
    my_clusters: tuple[ClusterInfo, ...]
    my_goals: tuple[MyGoal, ...]
    assignments: tuple[MyAssignment, ...]
    evidence: tuple[EvidenceInfo, ...]

    @property
    def has_plan_clusters(self) -> bool:
        """Whether my plan or goals name any career cluster yet."""
        return bool(self.my_clusters)

    @property
    def matches(self) -> int:
        """How many of the course's clusters and skills meet my plan."""
        return (sum(1 for c in self.course_clusters if c.matches)
                + sum(1 for s in self.course_skills if s.mine))


def student_relevance(course: Course, person: Person) -> StudentRelevance:
    """How ``course`` connects to ``person``'s plan (six queries; nothing is created)."""
    plan = db.session.execute(
        select(Plan).where(Plan.tenant_id == course.tenant_id, Plan.person_id == person.id)
    ).scalar_one_or_none()
    goals = list(db.session.execute(
        select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)).scalars()) \
        if plan is not None else []
    course_tags = _course_tags(course)
    assignments = list(db.session.execute(_active_assignments(course)).scalars())
    assignment_tags = _assignment_tags(course)
    evidence = db.session.execute(
        _evidence_query(course).where(Evidence.student_id == person.id)).all()

    plan_clusters = set(_codes(plan.cluster_codes)) if plan is not None else set()
    my_skills = plan_skills(plan.skills) if plan is not None else frozenset()
    goals_by_cluster: dict[str, list[str]] = defaultdict(list)
    for goal in goals:
        if goal.cluster_code:
            goals_by_cluster[goal.cluster_code].append(goal.statement)
    mine = plan_clusters | goals_by_cluster.keys()

    course_clusters, course_pathways, course_skills = _course_tag_infos(course_tags)
    tagged = {c.code for c in course_clusters}
    tags_of: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in assignment_tags:
        tags_of[tag.assignment_id].append(tag)
    assignment_clusters = {t.value for t in assignment_tags if t.kind == CLUSTER}

    my_assignments = []
    for a in assignments:
        a_clusters = sorted({t.value for t in tags_of[a.id] if t.kind == CLUSTER},
                            key=_cluster_sort_key)
        a_skills = tuple(sorted(t.value for t in tags_of[a.id] if t.kind == SKILL))
        reasons = [f"{cluster_name(c)} is in your plan" for c in a_clusters
                   if c in plan_clusters]
        reasons += [f"serves your goal “{s}”" for c in a_clusters
                    for s in goals_by_cluster.get(c, ())]
        reasons += [f"practises {s}, a skill in your plan" for s in a_skills if s in my_skills]
        if reasons:
            my_assignments.append(MyAssignment(
                id=a.id, title=a.title or "Untitled assignment", html_url=a.html_url,
                due_at=a.due_at,
                clusters=tuple(ClusterInfo(c, cluster_name(c), c in tagged) for c in a_clusters),
                skills=a_skills, reasons=tuple(reasons)))

    return StudentRelevance(
        course_id=course.id, course_title=course.display_title,
        course_clusters=tuple(ClusterMatch(c, c.code in plan_clusters,
                                           tuple(goals_by_cluster.get(c.code, ())))
                              for c in course_clusters),
        course_pathways=course_pathways,
        course_skills=tuple(SkillMatch(s, s in my_skills) for s in course_skills),
        my_clusters=tuple(ClusterInfo(c, cluster_name(c), c in tagged)
                          for c in sorted(mine, key=_cluster_sort_key)),
        my_goals=tuple(MyGoal(id=g.id, statement=g.statement,
                              cluster=ClusterInfo(g.cluster_code, cluster_name(g.cluster_code),
                                                  g.cluster_code in tagged)
                              if g.cluster_code else None,
                              served_by_class=bool(g.cluster_code) and (
                                  g.cluster_code in tagged
                                  or g.cluster_code in assignment_clusters))
                       for g in goals),
        assignments=tuple(my_assignments),
        evidence=tuple(_evidence_info(ev, p, goal) for ev, p, goal in evidence),
    )


def record_student_view(course: Course, person: Person, *, actor_id: int) -> None:
    """Audit that a student's plan was read for the in-class view."""
    audit.record("relevance.student_view", tenant_id=course.tenant_id, actor_id=actor_id,
                 subject_type="course", subject_id=course.id, student_id=person.id)
    db.session.commit()

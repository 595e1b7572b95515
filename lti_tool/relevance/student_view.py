"""A student's view of the class: how this class connects to my plan.

From the course's tags and the student's own plan and goals, :func:`student_relevance` shows
which of the course's clusters and skills meet the plan, which goals the class serves, the
assignments tagged with the student's clusters or skills, and the evidence the student
attached from the class.

The read runs a fixed number of queries and creates nothing: collections are loaded whole
and assembled in Python into frozen dataclasses, so templates never trigger lazy loads.
Access is decided by ``lti_tool.policy`` before it runs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from lti_tool import audit
from lti_tool.extensions import db
from lti_tool.models import Course, Person
from lti_tool.plans.models import Goal, Plan
from lti_tool.plans.reading import cluster_name
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
        return sum(1 for c in self.course_clusters if c.matches) + sum(
            1 for s in self.course_skills if s.mine
        )


def student_relevance(course: Course, person: Person) -> StudentRelevance:
    """How ``course`` connects to ``person``'s plan (six queries; nothing is created)."""
    plan = db.session.execute(
        select(Plan).where(Plan.tenant_id == course.tenant_id, Plan.person_id == person.id)
    ).scalar_one_or_none()
    goals = (
        list(
            db.session.execute(
                select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)
            ).scalars()
        )
        if plan is not None
        else []
    )
    course_tags = load_course_tags(course)
    assignments = list(db.session.execute(active_assignments(course)).scalars())
    assignment_tags = load_assignment_tags(course)
    evidence = db.session.execute(
        evidence_query(course).where(Evidence.student_id == person.id)
    ).all()

    plan_clusters = set(plan_codes(plan.cluster_codes)) if plan is not None else set()
    my_skills = plan_skills(plan.skills) if plan is not None else ()
    goals_by_cluster: dict[str, list[str]] = defaultdict(list)
    for goal in goals:
        if goal.cluster_code:
            goals_by_cluster[goal.cluster_code].append(goal.statement)
    mine = plan_clusters | goals_by_cluster.keys()

    course_clusters, course_pathways, course_skills = course_tag_infos(course_tags)
    my_course_skills = set(matching_tags(course_skills, my_skills))
    tagged = {c.code for c in course_clusters}
    tags_of: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in assignment_tags:
        tags_of[tag.assignment_id].append(tag)
    assignment_clusters = {t.value for t in assignment_tags if t.kind == CLUSTER}

    my_assignments = []
    for a in assignments:
        a_clusters = sorted(
            {t.value for t in tags_of[a.id] if t.kind == CLUSTER}, key=cluster_sort_key
        )
        a_skills = tuple(sorted(t.value for t in tags_of[a.id] if t.kind == SKILL))
        reasons = [f"{cluster_name(c)} is in your plan" for c in a_clusters if c in plan_clusters]
        reasons += [
            f"serves your goal “{s}”" for c in a_clusters for s in goals_by_cluster.get(c, ())
        ]
        reasons += [
            f"practises {s}, a skill in your plan" for s in matching_tags(a_skills, my_skills)
        ]
        if reasons:
            my_assignments.append(
                MyAssignment(
                    id=a.id,
                    title=a.title or "Untitled assignment",
                    html_url=a.html_url,
                    due_at=a.due_at,
                    clusters=tuple(
                        ClusterInfo(c, cluster_name(c), c in tagged) for c in a_clusters
                    ),
                    skills=a_skills,
                    reasons=tuple(reasons),
                )
            )

    return StudentRelevance(
        course_id=course.id,
        course_title=course.display_title,
        course_clusters=tuple(
            ClusterMatch(c, c.code in plan_clusters, tuple(goals_by_cluster.get(c.code, ())))
            for c in course_clusters
        ),
        course_pathways=course_pathways,
        course_skills=tuple(SkillMatch(s, s in my_course_skills) for s in course_skills),
        my_clusters=tuple(
            ClusterInfo(c, cluster_name(c), c in tagged) for c in sorted(mine, key=cluster_sort_key)
        ),
        my_goals=tuple(
            MyGoal(
                id=g.id,
                statement=g.statement,
                cluster=ClusterInfo(
                    g.cluster_code, cluster_name(g.cluster_code), g.cluster_code in tagged
                )
                if g.cluster_code
                else None,
                served_by_class=bool(g.cluster_code)
                and (g.cluster_code in tagged or g.cluster_code in assignment_clusters),
            )
            for g in goals
        ),
        assignments=tuple(my_assignments),
        evidence=tuple(evidence_info(ev, p, goal) for ev, p, goal in evidence),
    )


def record_student_view(course: Course, person: Person, *, actor_id: int) -> None:
    """Audit that a student's plan was read for the in-class view."""
    audit.record(
        "relevance.student_view",
        tenant_id=course.tenant_id,
        actor_id=actor_id,
        subject_type="course",
        subject_id=course.id,
        student_id=person.id,
    )
    db.session.commit()

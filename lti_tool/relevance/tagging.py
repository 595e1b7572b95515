"""Tagging: the career clusters and skills a teacher tags a course and its assignments with.

A course is tagged with clusters of the 2024 framework (optionally with their sub-clusters,
stored as kind ``"pathway"``) and with free-text skills; each active assignment with clusters
and skills. :func:`tag_form` reads the current tags, :func:`save_tags` replaces them. The
reads of a course's tags here are shared with the class view and the student's view.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, delete, select

from lti_tool import audit
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import Course
from lti_tool.plans import reference
from lti_tool.plans.reading import cluster_name, pathway_name
from lti_tool.plans.skills import suggestions as skill_suggestions
from lti_tool.relevance.clusters import (
    TAG_FRAMEWORK,
    ClusterInfo,
    PathwayInfo,
    cluster_sort_key,
    validate_cluster,
    validate_pathway,
)
from lti_tool.relevance.models import AssignmentTag, CourseTag
from lti_tool.relevance.skills import normalise_skill

#: Tag kinds (``CourseTag.kind`` / ``AssignmentTag.kind``).
CLUSTER = "cluster"
PATHWAY = "pathway"
SKILL = "skill"


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
    #: Clusters offered on each assignment: every cluster of the framework (so they can be
    #: chosen in the same save as the course's), ``course_tagged`` for the course's own.
    assignment_options: tuple[ClusterInfo, ...]
    assignments: tuple[AssignmentTags, ...]
    #: Skills to suggest (the tenant's tags and the framework's skills).
    suggestions: tuple[str, ...] = ()
    #: Messages by form field name ("course_skills", "a<id>_skills"), after a refused save.
    errors: Mapping[str, str] = field(default_factory=dict)


def active_assignments(course: Course) -> Select[Assignment]:
    """Query: the course's active assignments, by due date (undated last), then title."""
    return (
        select(Assignment)
        .where(Assignment.course_id == course.id, Assignment.active.is_(True))
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.title, Assignment.id)
    )


def load_assignment_tags(course: Course) -> list[AssignmentTag]:
    """The tags of the course's active assignments (one query)."""
    return list(
        db.session.execute(
            select(AssignmentTag)
            .join(Assignment, Assignment.id == AssignmentTag.assignment_id)
            .where(Assignment.course_id == course.id, Assignment.active.is_(True))
            .order_by(AssignmentTag.id)
        ).scalars()
    )


def load_course_tags(course: Course) -> list[CourseTag]:
    """The tags of the course itself (one query)."""
    return list(
        db.session.execute(
            select(CourseTag).where(CourseTag.course_id == course.id).order_by(CourseTag.id)
        ).scalars()
    )


def tag_form(course: Course) -> TagForm:
    """The current tags of a course and its active assignments, and the skills to suggest
    (four queries)."""
    course_tags = load_course_tags(course)
    assignments = list(db.session.execute(active_assignments(course)).scalars())
    by_assignment: dict[int, list[AssignmentTag]] = defaultdict(list)
    for tag in load_assignment_tags(course):
        by_assignment[tag.assignment_id].append(tag)
    course_clusters = frozenset(t.value for t in course_tags if t.kind == CLUSTER)
    framework = reference.framework(TAG_FRAMEWORK).clusters
    return TagForm(
        course_id=course.id,
        course_title=course.display_title,
        framework=framework,
        course_clusters=course_clusters,
        course_pathways=frozenset(t.value for t in course_tags if t.kind == PATHWAY),
        course_skills=tuple(t.value for t in course_tags if t.kind == SKILL),
        assignment_options=tuple(
            ClusterInfo(c.code, c.name, c.code in course_clusters) for c in framework
        ),
        assignments=tuple(
            AssignmentTags(
                id=a.id,
                title=a.title or "Untitled assignment",
                due_at=a.due_at,
                clusters=frozenset(t.value for t in by_assignment[a.id] if t.kind == CLUSTER),
                skills=tuple(t.value for t in by_assignment[a.id] if t.kind == SKILL),
            )
            for a in assignments
        ),
        suggestions=skill_suggestions(course.tenant_id),
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
    wanted_assignments = {
        aid: _wanted_assignment_tags(t) for aid, t in submission.assignments.items()
    }
    added = removed = 0

    existing = {(t.kind, t.value): t for t in load_course_tags(course)}
    stale = [t.id for key, t in existing.items() if key not in wanted_course]
    if stale:
        db.session.execute(delete(CourseTag).where(CourseTag.id.in_(stale)))
        removed += len(stale)
    for kind, value in sorted(wanted_course - existing.keys()):
        db.session.add(CourseTag(course_id=course.id, kind=kind, value=value, tagged_by=actor_id))
        added += 1

    active_ids = set(
        db.session.execute(
            select(Assignment.id).where(
                Assignment.course_id == course.id, Assignment.active.is_(True)
            )
        ).scalars()
    )
    current: dict[int, dict[tuple[str, str], AssignmentTag]] = defaultdict(dict)
    for tag in load_assignment_tags(course):
        current[tag.assignment_id][(tag.kind, tag.value)] = tag
    stale = []
    for assignment_id, wanted in wanted_assignments.items():
        if assignment_id not in active_ids:
            continue
        have = current[assignment_id]
        stale += [t.id for key, t in have.items() if key not in wanted]
        for kind, value in sorted(wanted - have.keys()):
            db.session.add(
                AssignmentTag(
                    assignment_id=assignment_id, kind=kind, value=value, tagged_by=actor_id
                )
            )
            added += 1
    if stale:
        db.session.execute(delete(AssignmentTag).where(AssignmentTag.id.in_(stale)))
        removed += len(stale)

    audit.record(
        "relevance.tags",
        tenant_id=course.tenant_id,
        actor_id=actor_id,
        subject_type="course",
        subject_id=course.id,
        added=added,
        removed=removed,
        course_tags=sorted(f"{k}:{v}" for k, v in wanted_course),
    )
    db.session.commit()
    return TagChanges(added=added, removed=removed)


def course_tag_infos(
    tags: Iterable[CourseTag],
) -> tuple[tuple[ClusterInfo, ...], tuple[PathwayInfo, ...], tuple[str, ...]]:
    """A course's tags as pages show them: its clusters, sub-clusters and skills, sorted."""
    tags = list(tags)
    clusters = sorted({t.value for t in tags if t.kind == CLUSTER}, key=cluster_sort_key)
    pathways = [t.value for t in tags if t.kind == PATHWAY]
    return (
        tuple(ClusterInfo(c, cluster_name(c), True) for c in clusters),
        tuple(PathwayInfo(p, pathway_name(p), p.rsplit(".", 1)[0]) for p in sorted(pathways)),
        tuple(sorted(t.value for t in tags if t.kind == SKILL)),
    )

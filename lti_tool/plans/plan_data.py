"""The whole plan as data: the document that exports and snapshots hold, and its redaction
(accommodations shown only to those who may see them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.grades.models import TranscriptEntry
from lti_tool.models import Person
from lti_tool.plans import (
    financial_checklist,
    parts,
    postsecondary,
    programs,
    resource_services,
    work_learning,
)
from lti_tool.plans.course_planning import course_plan, plan_program, requirements
from lti_tool.plans.editing import iso_or_none
from lti_tool.plans.goals_and_milestones import goals
from lti_tool.plans.inventory_results import inventory_result, inventory_summary
from lti_tool.plans.models import Goal, Plan, PlanComment, PlanItem
from lti_tool.plans.plan_items import items
from lti_tool.plans.reading import cluster_name, pathway_name, plan_framework
from lti_tool.plans.vocabulary import (
    COURSE_STATUS_LABELS,
    DOCUMENT_VERSION,
    GOAL_CATEGORY_LABELS,
    GOAL_STATUS_LABELS,
    ITEM_SECTIONS,
)


def _item_dict(item: PlanItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": str(item.kind),
        "title": item.title,
        "detail": item.detail or "",
        "date": iso_or_none(item.date),
        "score": item.score,
        "relationship": item.relationship_label,
        "email": item.email,
        "phone": item.phone,
        **work_learning.entry_dict(item),
    }


def plan_document(plan: Plan) -> dict[str, Any]:
    """The whole plan as JSON-able data: every section, goals with milestones and evidence
    snapshots, the course plan against its requirements, list items, transcript, inventory
    and comments. Includes ``accommodations``; callers that show it to someone must drop it
    unless ``policy.READ_ACCOMMODATIONS`` allows (see ``redact``).

    Loads everything in a fixed number of queries, whatever the plan's size.
    """
    person = db.session.get(Person, plan.person_id)
    fw = plan_framework(plan)
    goal_rows = goals(plan)
    evidence = parts.evidence(plan)  # from the portfolio (see ``parts``)
    shown_goals = {g.id for g in goal_rows}
    by_goal: dict[int | None, list[dict[str, Any]]] = {}
    for ev in evidence:
        by_goal.setdefault(ev["goal_id"], []).append(ev)
    entries = course_plan(plan)
    program = plan_program(plan)
    all_items = items(plan)
    transcript = (
        db.session.execute(
            select(TranscriptEntry)
            .where(
                TranscriptEntry.person_id == plan.person_id,
                TranscriptEntry.tenant_id == plan.tenant_id,
            )
            .order_by(TranscriptEntry.term, TranscriptEntry.course_name)
        )
        .scalars()
        .all()
    )
    author = aliased(Person)
    comments = db.session.execute(
        select(PlanComment, author)
        .outerjoin(author, author.id == PlanComment.author_id)
        .where(PlanComment.plan_id == plan.id)
        .order_by(PlanComment.id)
    ).all()

    def goal_dict(goal: Goal) -> dict[str, Any]:
        done = sum(1 for m in goal.milestones if m.done)
        return {
            "id": goal.id,
            "category": str(goal.category),
            "category_label": GOAL_CATEGORY_LABELS.get(goal.category, str(goal.category)),
            "statement": goal.statement,
            "target_date": iso_or_none(goal.target_date),
            "measures": goal.measures or "",
            "status": str(goal.status),
            "status_label": GOAL_STATUS_LABELS.get(goal.status, str(goal.status)),
            "cluster_code": goal.cluster_code,
            "cluster_name": cluster_name(goal.cluster_code) if goal.cluster_code else None,
            "milestones": [
                {"id": m.id, "title": m.title, "due_date": iso_or_none(m.due_date), "done": m.done}
                for m in goal.milestones
            ],
            "milestones_done": done,
            "milestones_total": len(goal.milestones),
            "evidence": by_goal.get(goal.id, []),
        }

    return {
        "format": "lodestar-ilp-plan",
        "format_version": DOCUMENT_VERSION,
        "generated_at": iso_or_none(utcnow()),
        "student": {
            "id": plan.person_id,
            "name": person.display_name if person else None,
            "given_name": person.given_name if person else None,
            "family_name": person.family_name if person else None,
            "email": person.email if person else None,
        },
        "plan": {
            "id": plan.id,
            "created_at": iso_or_none(plan.created_at),
            "updated_at": iso_or_none(plan.updated_at),
        },
        "profile": {
            "about": plan.about or "",
            "grade_level": plan.grade_level,
            "graduation_year": plan.graduation_year,
            "interests": plan.interests or "",
            "strengths": plan.strengths or "",
            "skills": plan.skills or "",
            "abilities": plan.abilities or "",
            "hobbies": plan.hobbies or "",
        },
        "accommodations": plan.accommodations or "",
        "career_exploration": plan.career_exploration or "",
        "college_planning": plan.college_planning or "",
        "financial_planning": plan.financial_planning or "",
        "framework": {
            "version": fw.version,
            "name": fw.name,
            "publisher": fw.publisher,
            "source_url": fw.source_url,
        },
        "clusters": [{"code": c, "name": cluster_name(c)} for c in plan.cluster_codes or []],
        "pathways": [
            {"code": p, "name": pathway_name(p), "cluster_name": cluster_name(p.rsplit(".", 1)[0])}
            for p in plan.pathway_codes or []
        ],
        "inventory": inventory_summary(inventory_result(plan), plan),
        "goals": [goal_dict(g) for g in goal_rows],
        # Evidence of no goal, or of a goal deleted (and not purged) while it can be undone.
        "unlinked_evidence": [
            ev for gid, evs in by_goal.items() if gid not in shown_goals for ev in evs
        ],
        "program_of_study": None
        if program is None
        else {
            "id": program.id,
            "name": program.name,
            "cluster": cluster_name(program.cluster_code) if program.cluster_code else None,
            "pathway": pathway_name(program.pathway_code) if program.pathway_code else None,
        },
        "course_plan": [
            {
                "id": e.id,
                "grade_level": e.grade_level,
                "course_name": e.course_name,
                "subject": e.subject,
                "subject_label": programs.subject_label(e.subject),
                "credits": e.credits,
                "status": str(e.status),
                "status_label": COURSE_STATUS_LABELS.get(e.status, str(e.status)),
                "final_grade": e.final_grade,
                "term": e.term,
                "source": str(e.source),
                "score_percent": e.score_percent,
            }
            for e in entries
        ],
        "requirements": [r.as_dict() for r in requirements(entries, program)],
        "items": {
            slug: [_item_dict(i) for i in all_items if i.kind == info["kind"]]
            for slug, info in ITEM_SECTIONS.items()
        },
        "recommendations": resource_services.recommendations_data(plan),
        "transcript": [
            {
                "course": t.course_name,
                "term": t.term,
                "state": t.state,
                "current_grade": t.current_grade,
                "current_score": t.current_score,
                "final_grade": t.final_grade,
                "final_score": t.final_score,
                "source": t.source,
                "last_synced_at": iso_or_none(t.last_synced_at),
            }
            for t in transcript
        ],
        "postsecondary": [
            postsecondary.option_dict(o, {g.id for g in goal_rows})
            for o in postsecondary.options(plan)
        ],
        "financial_checklist": financial_checklist.checklist_document(plan),
        "comments": [
            {
                "author": a.display_name if a is not None else None,
                "author_role": c.author_role,
                "body": c.body,
                "created_at": iso_or_none(c.created_at),
            }
            for c, a in comments
        ],
        # Sections kept by features above plans (saved occupations, from careers).
        **parts.document_sections(plan),
    }


def redact(document: Mapping[str, Any], *, show_accommodations: bool) -> dict[str, Any]:
    """A copy of a plan document without what the reader may not see."""
    copy = dict(document)
    if not show_accommodations:
        copy.pop("accommodations", None)
    return copy

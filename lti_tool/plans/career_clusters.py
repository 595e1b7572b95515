"""The career clusters and pathways a plan explores."""

from __future__ import annotations

from collections.abc import Iterable

from lti_tool.actor import Actor
from lti_tool.plans.editing import one_of, record_change
from lti_tool.plans.models import Plan
from lti_tool.plans.reading import plan_framework


def set_clusters(
    actor: Actor, plan: Plan, cluster_codes: Iterable[str], pathway_codes: Iterable[str]
) -> None:
    """Replace the chosen clusters and pathways. A chosen pathway brings its cluster along.

    :raises InvalidInput: for a code that is not in the plan's framework.
    """
    fw = plan_framework(plan)
    known_clusters = [c.code for c in fw.clusters]
    known_pathways = {p.code: p for p in fw.pathways}
    chosen_clusters = set(cluster_codes)
    chosen_pathways = set(pathway_codes)
    for code in chosen_clusters:
        one_of(code, known_clusters, "Career cluster")
    for code in chosen_pathways:
        one_of(code, known_pathways, "Pathway")
        chosen_clusters.add(known_pathways[code].cluster_code)
    plan.cluster_codes = [c for c in known_clusters if c in chosen_clusters]
    plan.pathway_codes = [p.code for p in fw.pathways if p.code in chosen_pathways]
    record_change(
        actor,
        plan,
        "plan.update",
        section="clusters",
        clusters=plan.cluster_codes,
        pathways=plan.pathway_codes,
    )


def add_clusters(actor: Actor, plan: Plan, codes: Iterable[str]) -> list[str]:
    """Add clusters (e.g. the inventory's suggestions) to the plan; returns those added."""
    fw = plan_framework(plan)
    known = [c.code for c in fw.clusters]
    wanted = set(codes)
    for code in wanted:
        one_of(code, known, "Career cluster")
    have = set(plan.cluster_codes or [])
    added = [c for c in known if c in wanted and c not in have]
    if added:
        plan.cluster_codes = [c for c in known if c in have or c in wanted]
        record_change(actor, plan, "plan.update", section="clusters", added=added)
    return added

"""The career clusters and pathways a plan explores, and the list the student chooses them
from (chosen ones first, filtered by a search)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lti_tool.actor import Actor
from lti_tool.plans.editing import one_of, record_change
from lti_tool.plans.models import Plan
from lti_tool.plans.reading import plan_framework
from lti_tool.plans.reference import Cluster


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


@dataclass(frozen=True)
class ClusterChoice:
    """A cluster on the choosing page: its pathways, which the student chose, and which match
    the search."""

    cluster: Cluster
    chosen: bool
    chosen_pathways: frozenset[str]
    #: Shown for the search (all are, without a search).
    shown: bool
    #: The pathways shown: all of them when the cluster itself matches the search.
    shown_pathways: frozenset[str]

    @property
    def picked(self) -> int:
        """How many of the cluster and its pathways are chosen."""
        return int(self.chosen) + len(self.chosen_pathways)


def search_words(query: str | None) -> list[str]:
    """The words of a search, lower case (at most 100 characters of it)."""
    return (query or "")[:100].lower().split()


def _matches(text: str, words: Sequence[str]) -> bool:
    text = text.lower()
    return all(w in text for w in words)


def cluster_choices(plan: Plan, query: str | None = None) -> list[ClusterChoice]:
    """The framework's clusters for choosing: those the student chose (or chose a pathway of)
    first, then the others in framework order; each marked shown or not for the search
    (every word, in any case, in the cluster's name or description, or in a pathway's name)."""
    fw = plan_framework(plan)
    clusters_chosen = set(plan.cluster_codes or [])
    pathways_chosen = set(plan.pathway_codes or [])
    words = search_words(query)
    result = []
    for c in fw.clusters:
        whole = _matches(f"{c.name} {c.description}", words)
        matching = {p.code for p in c.pathways if whole or _matches(p.name, words)}
        result.append(
            ClusterChoice(
                cluster=c,
                chosen=c.code in clusters_chosen,
                chosen_pathways=frozenset(p.code for p in c.pathways if p.code in pathways_chosen),
                shown=whole or bool(matching),
                shown_pathways=frozenset(matching),
            )
        )
    return sorted(result, key=lambda choice: choice.picked == 0)  # stable: framework order

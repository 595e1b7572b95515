"""Clusters: the career clusters and sub-clusters teachers tag with, as pages show them.

Teachers tag with clusters of the 2024 Career Clusters framework (``TAG_FRAMEWORK``) and their
sub-clusters; every code is checked against the reference data in ``lti_tool.plans.reference``
before it is saved. Clusters are listed in framework order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lti_tool.errors import InvalidInput
from lti_tool.plans import reference
from lti_tool.plans.reading import cluster_name

#: The framework teachers tag with.
TAG_FRAMEWORK = "2024"


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


def cluster_sort_key(code: str) -> tuple[int, str]:
    """Sort key for a cluster code: framework order, then name (unknown codes last)."""
    return (_framework_order().get(code, len(_framework_order())), cluster_name(code).lower())


def plan_codes(value: object) -> list[str]:
    """A JSON list of codes as stored on a plan, tolerant of anything malformed."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v]


def validate_cluster(code: str) -> str:
    """A cluster code of the tagging framework.

    :raises InvalidInput: for anything else.
    """
    if code not in reference.all_cluster_codes(TAG_FRAMEWORK):
        raise InvalidInput(
            f'"{code[:80]}" is not a career cluster of the {TAG_FRAMEWORK} '
            "framework. Nothing was saved."
        )
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
        raise InvalidInput(
            f'"{code[:80]}" is not a sub-cluster of the {TAG_FRAMEWORK} '
            "framework. Nothing was saved."
        )
    return found

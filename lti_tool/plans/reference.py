"""Career cluster frameworks as versioned, read-only reference data.

Each framework lives in ``data/career_clusters_<version>.json`` inside this package (see
``data/README.md`` for publishers and sources). Names of clusters and pathways are facts of the
published frameworks; descriptions are this project's own words.

Codes are stable ASCII slugs prefixed by the framework version, so a code alone says which
framework it belongs to: ``"2024.digital-technology"`` is a cluster and
``"2008.health-science.therapeutic-services"`` is a pathway. In the 2024 framework the level
below a cluster is called a *Sub-Cluster*; it is stored here as a :class:`Pathway` too.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT_FRAMEWORK",
    "Cluster",
    "Framework",
    "Pathway",
    "UnknownCodeError",
    "all_cluster_codes",
    "cluster",
    "framework",
    "frameworks",
    "pathway",
]

#: The framework new plans use.
DEFAULT_FRAMEWORK = "2024"

_PACKAGE = "lti_tool.plans"
_FILE_PATTERN = re.compile(r"^career_clusters_(?P<version>[0-9]{4})\.json$")
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_CLUSTER_CODE = re.compile(rf"^(?P<version>[0-9]{{4}})\.{_SLUG}$")
_PATHWAY_CODE = re.compile(rf"^(?P<cluster>[0-9]{{4}}\.{_SLUG})\.{_SLUG}$")


class UnknownCodeError(KeyError):
    """A framework version, cluster code or pathway code that the reference data lacks."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True, slots=True)
class Pathway:
    """A Career Pathway (2008) or Sub-Cluster (2024)."""

    code: str
    name: str
    cluster_code: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """A Career Cluster and its pathways, in the framework's order."""

    code: str
    name: str
    version: str
    pathways: tuple[Pathway, ...]
    description: str = ""
    #: 2024 only: one of the Cross-Cutting Clusters, whose skills apply across all clusters.
    cross_cutting: bool = False

    def pathway(self, code: str) -> Pathway:
        """The pathway of this cluster with ``code``."""
        for p in self.pathways:
            if p.code == code:
                return p
        raise UnknownCodeError(_unknown("pathway", code, [p.code for p in self.pathways]))


@dataclass(frozen=True, slots=True)
class Framework:
    """One published edition of the National Career Clusters Framework."""

    version: str
    name: str
    publisher: str
    source_url: str
    retrieved: str
    note: str
    clusters: tuple[Cluster, ...]

    def cluster(self, code: str) -> Cluster:
        """The cluster of this framework with ``code``."""
        for c in self.clusters:
            if c.code == code:
                return c
        raise UnknownCodeError(_unknown("career cluster", code, [c.code for c in self.clusters]))

    @property
    def pathways(self) -> tuple[Pathway, ...]:
        """Every pathway of every cluster, in framework order."""
        return tuple(p for c in self.clusters for p in c.pathways)


def frameworks() -> dict[str, Framework]:
    """Every shipped framework, keyed by version, oldest first. The dict is a fresh copy."""
    return dict(_load_all())


def framework(version: str = DEFAULT_FRAMEWORK) -> Framework:
    """The framework with ``version`` (``"2008"`` or ``"2024"``)."""
    loaded = _load_all()
    try:
        return loaded[version]
    except KeyError:
        known = ", ".join(repr(v) for v in loaded)
        raise UnknownCodeError(
            f"no career cluster framework with version {version!r}; known versions: {known}"
        ) from None


def cluster(code: str) -> Cluster:
    """The cluster with ``code``, e.g. ``"2024.digital-technology"``, from any framework."""
    found = _cluster_index().get(code)
    if found is not None:
        return found
    match = _CLUSTER_CODE.match(code) if isinstance(code, str) else None
    if match and match["version"] not in _load_all():
        raise _unknown_version(code, match["version"])
    if isinstance(code, str) and _PATHWAY_CODE.match(code) and code in _pathway_index():
        raise UnknownCodeError(f"{code!r} is a pathway code, not a cluster code; use pathway()")
    raise UnknownCodeError(_unknown("career cluster", code, list(_cluster_index())))


def pathway(code: str) -> Pathway:
    """The pathway (2024: sub-cluster) with ``code``.

    E.g. ``"2024.arts-entertainment-design.fine-arts"``.
    """
    found = _pathway_index().get(code)
    if found is not None:
        return found
    if isinstance(code, str) and code in _cluster_index():
        raise UnknownCodeError(f"{code!r} is a cluster code, not a pathway code; use cluster()")
    version = code.split(".", 1)[0] if isinstance(code, str) else ""
    if re.fullmatch(r"[0-9]{4}", version) and version not in _load_all():
        raise _unknown_version(code, version)
    raise UnknownCodeError(_unknown("pathway", code, list(_pathway_index())))


def all_cluster_codes(version: str | None = None) -> tuple[str, ...]:
    """Codes of every cluster, in framework order; of one framework when ``version`` is given."""
    if version is not None:
        return tuple(c.code for c in framework(version).clusters)
    return tuple(_cluster_index())


# -- loading -------------------------------------------------------------------------------


@functools.cache
def _load_all() -> dict[str, Framework]:
    data_dir = resources.files(_PACKAGE) / "data"
    found: dict[str, Framework] = {}
    for entry in sorted(data_dir.iterdir(), key=lambda e: e.name):
        match = _FILE_PATTERN.match(entry.name)
        if match is None:
            continue
        raw = json.loads(entry.read_text(encoding="utf-8"))
        fw = _parse_framework(raw, entry.name)
        if fw.version != match["version"]:
            raise ValueError(f"{entry.name}: says version {fw.version!r}, file name disagrees")
        found[fw.version] = fw
    if not found:
        raise RuntimeError(f"no career cluster data found in package {_PACKAGE}/data")
    return found


@functools.cache
def _cluster_index() -> dict[str, Cluster]:
    return {c.code: c for fw in _load_all().values() for c in fw.clusters}


@functools.cache
def _pathway_index() -> dict[str, Pathway]:
    return {p.code: p for fw in _load_all().values() for p in fw.pathways}


def _parse_framework(raw: dict[str, Any], source: str) -> Framework:
    version = _text(raw, "version", source)
    clusters: list[Cluster] = []
    seen: set[str] = set()
    for c in raw.get("clusters") or ():
        code = _text(c, "code", source)
        where = f"{source}: cluster {code!r}"
        match = _CLUSTER_CODE.match(code)
        if match is None or match["version"] != version:
            raise ValueError(f"{where}: code must look like '{version}.some-slug'")
        pathways: list[Pathway] = []
        for p in c.get("pathways") or ():
            p_code = _text(p, "code", where)
            p_match = _PATHWAY_CODE.match(p_code)
            if p_match is None or p_match["cluster"] != code:
                raise ValueError(f"{where}: pathway code {p_code!r} must start with '{code}.'")
            pathways.append(Pathway(code=p_code, name=_text(p, "name", where), cluster_code=code))
        for item in (code, *(p.code for p in pathways)):
            if item in seen:
                raise ValueError(f"{source}: code {item!r} appears twice")
            seen.add(item)
        clusters.append(
            Cluster(
                code=code,
                name=_text(c, "name", where),
                version=version,
                pathways=tuple(pathways),
                description=str(c.get("description") or ""),
                cross_cutting=bool(c.get("cross_cutting", False)),
            )
        )
    if not clusters:
        raise ValueError(f"{source}: no clusters")
    return Framework(
        version=version,
        name=_text(raw, "framework", source),
        publisher=_text(raw, "publisher", source),
        source_url=_text(raw, "source_url", source),
        retrieved=_text(raw, "retrieved", source),
        note=str(raw.get("note") or ""),
        clusters=tuple(clusters),
    )


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key!r} must be a non-empty string")
    return value


def _unknown(kind: str, code: object, candidates: list[str]) -> str:
    message = f"unknown {kind} code {code!r}"
    if isinstance(code, str):
        close = difflib.get_close_matches(code, candidates, n=3, cutoff=0.6)
        if close:
            return f"{message}; did you mean {', '.join(repr(c) for c in close)}?"
    example = candidates[0] if candidates else ""
    return f"{message}; codes look like {example!r} (see all_cluster_codes())"


def _unknown_version(code: str, version: str) -> UnknownCodeError:
    known = ", ".join(repr(v) for v in _load_all())
    return UnknownCodeError(
        f"unknown code {code!r}: no framework with version {version!r}; known versions: {known}"
    )

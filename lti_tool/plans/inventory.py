"""A short interest inventory (RIASEC / Holland codes) written by this project.

Thirty statements, five for each of Holland's six interest types, each answered on a three-step
scale (:data:`ANSWER_SCALE`). :func:`score` totals the answers per type, derives a Holland code
from the strongest types, and suggests 2024 Career Clusters linked to those types. The
statements, help texts and type-to-cluster links live in ``data/interest_inventory.json``; the
links are this project's judgment, and the whole is an exploration aid, not a validated test.

Scoring rules, in full:

* Unknown item ids, and values that are not an integer on the scale, raise :class:`ValueError`
  naming the item. Leaving an item out means "not answered"; it scores nothing.
* ``totals[t]`` is the sum of the answers to type ``t``'s items; ``percents[t]`` is that sum as a
  whole-number percentage (rounded down) of the most the type's items could score.
* ``code`` is up to three type letters, strongest first, ties broken in R-I-A-S-E-C order. Only
  types with a total above zero take part, so the code is shorter than three letters when fewer
  than three types scored. ``code`` is ``None`` when fewer than half the items were answered, or
  when every answer was "Not for me" (there is no interest to report).
* ``clusters`` are the 2024 cluster codes linked to the types in ``code``. Each type lists its
  clusters most related first; a cluster in position ``i`` of a list of ``n`` gets
  ``total * (n - i) / n`` from that type. Clusters are ordered by their summed weight, ties in
  framework order.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from lti_tool.plans import reference

__all__ = [
    "ANSWER_SCALE",
    "TYPE_ORDER",
    "AnswerOption",
    "HollandType",
    "InventoryResult",
    "Item",
    "holland_types",
    "items",
    "score",
]

#: Holland's six types in their conventional order, which is also the tie-break order.
TYPE_ORDER = ("R", "I", "A", "S", "E", "C")


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """One step of the answer scale."""

    value: int
    label: str


#: The answer scale, lowest first.
ANSWER_SCALE: tuple[AnswerOption, ...] = (
    AnswerOption(0, "Not for me"),
    AnswerOption(1, "Maybe"),
    AnswerOption(2, "I'd like that"),
)
_VALUES = frozenset(o.value for o in ANSWER_SCALE)
_MAX_VALUE = max(_VALUES)


@dataclass(frozen=True, slots=True)
class Item:
    """One statement of the inventory, e.g. ``Item("r1", "R", "Fix a bike or a small engine")``."""

    id: str
    type: str
    text: str


@dataclass(frozen=True, slots=True)
class HollandType:
    """One RIASEC interest type with its plain-language help and related 2024 clusters."""

    letter: str
    name: str
    help: str
    #: 2024 cluster codes, most related first (this project's judgment).
    clusters: tuple[str, ...]


@dataclass(frozen=True)
class InventoryResult:
    """The outcome of :func:`score`. Mappings are keyed by type letter in R-I-A-S-E-C order."""

    totals: Mapping[str, int]
    percents: Mapping[str, int]
    #: Up to three type letters, strongest first, e.g. ``"SIA"``; ``None`` if there is too
    #: little to go on (fewer than half the items answered, or no interest shown at all).
    code: str | None
    #: Suggested 2024 cluster codes, strongest link first; empty when ``code`` is ``None``.
    clusters: tuple[str, ...]
    #: The summed link weight behind each suggested cluster, in the same order.
    cluster_weights: tuple[tuple[str, float], ...]
    answered: int
    total_items: int
    #: Ids of the items left unanswered, in the order of the inventory's file (by type).
    unanswered: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether every item was answered."""
        return not self.unanswered


def items() -> tuple[Item, ...]:
    """The inventory's statements in presentation order: the types take turns (R, I, A, S,
    E, C, R, I, ...), so a student does not answer five statements of one type in a row and
    guess what is being asked. Scoring does not depend on the order."""
    return _interleaved()


@functools.cache
def _interleaved() -> tuple[Item, ...]:
    by_type: dict[str, list[Item]] = {t: [] for t in TYPE_ORDER}
    for item in _load()[0]:
        by_type[item.type].append(item)
    rounds = max(len(group) for group in by_type.values())
    return tuple(by_type[t][i] for i in range(rounds) for t in TYPE_ORDER if i < len(by_type[t]))


def holland_types() -> dict[str, HollandType]:
    """The six types keyed by letter, in R-I-A-S-E-C order. The dict is a fresh copy."""
    return dict(_load()[1])


def score(answers: Mapping[str, int]) -> InventoryResult:
    """Score ``answers`` (item id -> scale value); see the module docstring for the rules."""
    all_items, types = _load()
    by_id = {item.id: item for item in all_items}
    for item_id, value in answers.items():
        if item_id not in by_id:
            raise ValueError(f"unknown inventory item {item_id!r}")
        # bool is an int subclass; True/False are not answers on this scale.
        if isinstance(value, bool) or not isinstance(value, int) or value not in _VALUES:
            allowed = ", ".join(f"{o.value} ({o.label})" for o in ANSWER_SCALE)
            raise ValueError(
                f"inventory item {item_id!r}: answer {value!r} is not on the scale {allowed}"
            )

    totals = dict.fromkeys(TYPE_ORDER, 0)
    maxima = dict.fromkeys(TYPE_ORDER, 0)
    for item in all_items:
        maxima[item.type] += _MAX_VALUE
        totals[item.type] += answers.get(item.id, 0)
    percents = {t: (100 * totals[t]) // maxima[t] if maxima[t] else 0 for t in TYPE_ORDER}

    unanswered = tuple(item.id for item in all_items if item.id not in answers)
    answered = len(all_items) - len(unanswered)

    code: str | None = None
    if 2 * answered >= len(all_items):
        ranked = sorted(
            (t for t in TYPE_ORDER if totals[t] > 0),
            key=lambda t: (-totals[t], TYPE_ORDER.index(t)),
        )
        code = "".join(ranked[:3]) or None

    weights = _cluster_weights(code, totals, types)
    return InventoryResult(
        totals=totals,
        percents=percents,
        code=code,
        clusters=tuple(c for c, _ in weights),
        cluster_weights=weights,
        answered=answered,
        total_items=len(all_items),
        unanswered=unanswered,
    )


def _cluster_weights(
    code: str | None, totals: Mapping[str, int], types: Mapping[str, HollandType]
) -> tuple[tuple[str, float], ...]:
    if not code:
        return ()
    weight: dict[str, float] = {}
    for letter in code:
        linked = types[letter].clusters
        for i, cluster_code in enumerate(linked):
            share = totals[letter] * (len(linked) - i) / len(linked)
            weight[cluster_code] = weight.get(cluster_code, 0.0) + share
    order = {c: i for i, c in enumerate(reference.all_cluster_codes())}
    ranked = sorted(weight.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order))))
    return tuple((c, round(w, 4)) for c, w in ranked)


@functools.cache
def _load() -> tuple[tuple[Item, ...], dict[str, HollandType]]:
    source = "interest_inventory.json"
    raw: dict[str, Any] = json.loads(
        (resources.files("lti_tool.plans") / "data" / source).read_text(encoding="utf-8")
    )
    known_clusters = set(reference.all_cluster_codes(reference.DEFAULT_FRAMEWORK))

    types: dict[str, HollandType] = {}
    for t in raw.get("types") or ():
        letter = t.get("letter")
        if letter not in TYPE_ORDER or letter in types:
            raise ValueError(f"{source}: bad or repeated type letter {letter!r}")
        clusters = tuple(t.get("clusters") or ())
        stray = [c for c in clusters if c not in known_clusters]
        if stray or len(set(clusters)) != len(clusters):
            raise ValueError(f"{source}: type {letter}: bad cluster codes {stray or clusters}")
        types[letter] = HollandType(
            letter=letter, name=str(t["name"]), help=str(t["help"]), clusters=clusters
        )
    if set(types) != set(TYPE_ORDER):
        raise ValueError(f"{source}: needs exactly the types {', '.join(TYPE_ORDER)}")

    loaded: list[Item] = []
    for i in raw.get("items") or ():
        item = Item(id=str(i["id"]), type=str(i["type"]), text=str(i["text"]))
        if item.type not in types:
            raise ValueError(f"{source}: item {item.id!r} has unknown type {item.type!r}")
        if not item.text.strip():
            raise ValueError(f"{source}: item {item.id!r} has no text")
        loaded.append(item)
    if len({item.id for item in loaded}) != len(loaded):
        raise ValueError(f"{source}: item ids repeat")
    return tuple(loaded), {letter: types[letter] for letter in TYPE_ORDER}

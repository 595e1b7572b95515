"""The project's interest inventory: its content and its scoring."""

from __future__ import annotations

import pytest

from lti_tool.plans import inventory, reference
from lti_tool.plans.inventory import ANSWER_SCALE, TYPE_ORDER


def answers_by_type(**values: int) -> dict[str, int]:
    """Answer every item; items of type X get ``values[X]`` (default 0)."""
    return {item.id: values.get(item.type, 0) for item in inventory.items()}


def test_thirty_items_five_per_type() -> None:
    items = inventory.items()
    assert len(items) == 30
    assert len({i.id for i in items}) == 30
    for letter in TYPE_ORDER:
        mine = [i for i in items if i.type == letter]
        assert len(mine) == 5
        assert [i.id for i in mine] == [f"{letter.lower()}{n}" for n in range(1, 6)]


def test_items_are_short_statements() -> None:
    for item in inventory.items():
        assert 10 <= len(item.text) <= 80, item.id
        assert item.text[0].isupper(), item.id
        assert not item.text.endswith("."), item.id


def test_answer_scale() -> None:
    assert [(o.value, o.label) for o in ANSWER_SCALE] == [
        (0, "Not for me"),
        (1, "Maybe"),
        (2, "I'd like that"),
    ]


def test_types_have_names_help_and_real_2024_clusters() -> None:
    types = inventory.holland_types()
    assert list(types) == list(TYPE_ORDER)
    assert [t.name for t in types.values()] == [
        "Realistic",
        "Investigative",
        "Artistic",
        "Social",
        "Enterprising",
        "Conventional",
    ]
    real = set(reference.all_cluster_codes("2024"))
    covered: set[str] = set()
    for t in types.values():
        assert len(t.help) > 100
        assert t.clusters
        assert set(t.clusters) <= real, t.letter
        assert len(set(t.clusters)) == len(t.clusters)
        covered.update(t.clusters)
    assert covered == real  # every 2024 cluster can be suggested


def test_all_zero_gives_no_code_and_no_clusters() -> None:
    result = inventory.score(answers_by_type())
    assert result.totals == dict.fromkeys(TYPE_ORDER, 0)
    assert result.percents == dict.fromkeys(TYPE_ORDER, 0)
    assert result.code is None
    assert result.clusters == ()
    assert result.complete
    assert result.answered == result.total_items == 30


def test_one_strong_type() -> None:
    result = inventory.score(answers_by_type(S=2))
    assert result.totals["S"] == 10
    assert result.percents["S"] == 100
    assert result.code == "S"
    assert result.clusters == (
        "2024.education",
        "2024.healthcare-human-services",
        "2024.public-service-safety",
        "2024.hospitality-events-tourism",
    )
    assert [w for _, w in result.cluster_weights] == [10.0, 7.5, 5.0, 2.5]


def test_three_letter_code_in_order_of_strength() -> None:
    result = inventory.score(answers_by_type(S=2, I=1, A=1, E=0))
    # I and A tie on 5: R-I-A-S-E-C order puts I first.
    assert result.code == "SIA"
    assert result.percents == {"R": 0, "I": 50, "A": 50, "S": 100, "E": 0, "C": 0}
    # Healthcare is linked to both S and I, so it beats Education (S only).
    assert result.clusters[0] == "2024.healthcare-human-services"
    assert result.clusters[1] == "2024.education"


def test_ties_break_in_riasec_order() -> None:
    assert inventory.score(answers_by_type(R=1, I=1, A=1, S=1, E=1, C=1)).code == "RIA"
    assert inventory.score(answers_by_type(C=2, E=2, S=2, A=2)).code == "ASE"
    assert inventory.score(answers_by_type(C=1, E=1)).code == "EC"


def test_cluster_ties_break_in_framework_order() -> None:
    # R and I score the same; construction (R's first) and digital technology (I's first) tie.
    result = inventory.score(answers_by_type(R=2, I=2))
    weights = dict(result.cluster_weights)
    assert weights["2024.construction"] == weights["2024.digital-technology"]
    order = result.clusters
    assert order.index("2024.construction") < order.index("2024.digital-technology")
    assert list(result.cluster_weights) == sorted(result.cluster_weights, key=lambda kv: -kv[1])


def test_partial_answers_are_scored_but_not_complete() -> None:
    answers = answers_by_type(A=2)
    del answers["r1"], answers["a5"]
    result = inventory.score(answers)
    assert not result.complete
    assert result.unanswered == ("r1", "a5")
    assert result.answered == 28
    assert result.totals["A"] == 8
    assert result.percents["A"] == 80
    assert result.code == "A"


def test_fewer_than_half_answered_gives_no_code() -> None:
    # Grouped by type (R items first), as the inventory's file has them.
    ids = [i.id for i in sorted(inventory.items(), key=lambda i: TYPE_ORDER.index(i.type))]
    enough = inventory.score(dict.fromkeys(ids[:15], 2))
    assert enough.code == "RIA"
    too_few = inventory.score(dict.fromkeys(ids[:14], 2))
    assert too_few.code is None
    assert too_few.clusters == ()
    assert too_few.totals["R"] == 10  # totals are still reported
    assert inventory.score({}).code is None


def test_unknown_item_is_named() -> None:
    with pytest.raises(ValueError, match="unknown inventory item 'z1'"):
        inventory.score({"r1": 1, "z1": 2})


@pytest.mark.parametrize("bad", [-1, 3, 1.0, "2", None, True])
def test_answers_off_the_scale_name_the_item(bad: object) -> None:
    with pytest.raises(ValueError, match=r"inventory item 'c3': answer .* is not on the scale"):
        inventory.score({"r1": 1, "c3": bad})  # type: ignore[dict-item]


def test_result_is_frozen_and_score_does_not_touch_input() -> None:
    answers = answers_by_type(E=1)
    before = dict(answers)
    result = inventory.score(answers)
    assert answers == before
    with pytest.raises(AttributeError):
        result.code = "R"  # type: ignore[misc]


def test_items_take_turns_by_type() -> None:
    """Shown R, I, A, S, E, C, R, I, ...: never two statements of one type in a row."""
    shown = inventory.items()
    assert "".join(i.type for i in shown) == "RIASEC" * 5
    assert sorted(i.id for i in shown) == sorted(f"{t}{n}" for t in "riasec" for n in range(1, 6))


def test_scores_are_what_they_were_before_the_order_changed() -> None:
    """The same answers score exactly as they did when the items were shown grouped by type
    (figures recorded from the grouped version)."""
    answers = {
        **{"r1": 2, "r2": 1, "r3": 2, "r4": 2, "r5": 2, "i1": 0, "i2": 0, "i3": 2, "i4": 2},
        **{"a2": 2, "a3": 2, "a4": 2, "a5": 0, "s1": 0, "s2": 1, "s3": 2, "s4": 2, "s5": 1},
        **{"e1": 2, "e2": 2, "e3": 2, "e5": 2, "c1": 0, "c2": 0, "c3": 0, "c4": 1, "c5": 0},
    }
    result = inventory.score(answers)
    assert result.totals == {"R": 9, "I": 4, "A": 6, "S": 6, "E": 8, "C": 1}
    assert result.percents == {"R": 90, "I": 40, "A": 60, "S": 60, "E": 80, "C": 10}
    assert result.code == "REA"
    assert result.cluster_weights[:4] == (
        ("2024.marketing-sales", 10.9),
        ("2024.construction", 9.0),
        ("2024.management-entrepreneurship", 8.0),
        ("2024.advanced-manufacturing", 7.2),
    )
    assert len(result.clusters) == 12
    assert (result.answered, result.total_items) == (27, 30)
    assert result.unanswered == ("i5", "a1", "e4")
    # The answers given in the shown order score the same.
    reordered = {i.id: answers[i.id] for i in inventory.items() if i.id in answers}
    assert inventory.score(reordered) == result

"""The one stylesheet defines each selector once: a second definition of a class further down
silently wins over the first (the class chart once drew white boxes that way)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

import lti_tool

STYLESHEET = Path(lti_tool.__file__).parent / "static" / "lodestar.css"


def selectors(css: str) -> list[tuple[str, int]]:
    """Every selector of every rule, with the line its rule starts on; a rule inside an at-rule
    (``@media (max-width: 40rem)``) is named with it, as its own context. A rule's selector
    list counts as each of its selectors.

    :raises ValueError: when the braces do not balance (an unclosed ``@media`` would swallow
        every rule after it).
    """
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), css, flags=re.S)
    found: list[tuple[str, int]] = []
    context: list[str] = []
    start = 0
    for i, ch in enumerate(css):
        if ch == "{":
            raw = css[start:i]
            prelude = " ".join(raw.split())
            line = css.count("\n", 0, start + len(raw) - len(raw.lstrip())) + 1
            if not prelude.startswith("@") and not any(c.startswith("@keyframes") for c in context):
                where = "".join(f"{c} " for c in context)
                found.extend((where + s.strip(), line) for s in prelude.split(","))
            context.append(prelude)
            start = i + 1
        elif ch == "}":
            if not context:
                raise ValueError(f"an unopened }} on line {css.count(chr(10), 0, i) + 1}")
            context.pop()
            start = i + 1
        elif ch == ";" and not context:  # an at-rule without a block (@import, @charset)
            start = i + 1
    if context:
        raise ValueError(f"unclosed block: {context[-1]}")
    return found


def duplicates(css: str) -> dict[str, list[int]]:
    """Selectors defined by more than one rule in the same context, with those rules' lines."""
    lines: dict[str, list[int]] = defaultdict(list)
    for selector, line in selectors(css):
        lines[selector].append(line)
    return {s: where for s, where in lines.items() if len(where) > 1}


def test_the_parser_sees_a_class_defined_twice() -> None:
    css = """/* .bar { } in a comment */
.bar { color: red; }
.track, .bar-fill { height: 1rem; }
@media (max-width: 40rem) { .bar { width: 4rem; } }
.other { color: blue; }
.bar-fill, .bar { background: #fff; }
"""
    assert duplicates(css) == {".bar": [2, 6], ".bar-fill": [3, 6]}
    twice_in_media = "@media print {\n.a { color: red; }\n.a { color: blue; }\n}\n"
    assert duplicates(twice_in_media) == {"@media print .a": [2, 3]}


def test_an_unclosed_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="unclosed block: @media"):
        selectors("@media (max-width: 40rem) {\n.a { color: red; }\n.b { color: blue; }\n")


def test_every_selector_of_the_stylesheet_is_defined_once() -> None:
    assert duplicates(STYLESHEET.read_text(encoding="utf-8")) == {}

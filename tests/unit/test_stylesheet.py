"""The one stylesheet defines each selector once: a second definition of a class further down
silently wins over the first (the class chart once drew white boxes that way)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import lti_tool

STYLESHEET = Path(lti_tool.__file__).parent / "static" / "lodestar.css"


def top_level_selectors(css: str) -> list[tuple[str, int]]:
    """Every selector of a top-level rule (outside ``@media`` and other at-rules), with the
    line its rule starts on. A rule's selector list counts as each of its selectors."""
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), css, flags=re.S)
    found: list[tuple[str, int]] = []
    depth = 0
    start = 0
    skipping = False
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                raw = css[start:i]
                prelude = raw.strip()
                line = css.count("\n", 0, start + len(raw) - len(raw.lstrip())) + 1
                skipping = prelude.startswith("@")
                if not skipping:
                    found.extend((" ".join(s.split()), line) for s in prelude.split(","))
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif ch == ";" and depth == 0:  # an at-rule without a block (@import, @charset)
            start = i + 1
    return found


def duplicates(css: str) -> dict[str, list[int]]:
    """Selectors defined by more than one top-level rule, with the lines of those rules."""
    lines: dict[str, list[int]] = defaultdict(list)
    for selector, line in top_level_selectors(css):
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


def test_every_selector_of_the_stylesheet_is_defined_once() -> None:
    assert duplicates(STYLESHEET.read_text(encoding="utf-8")) == {}

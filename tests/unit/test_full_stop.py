"""The ``full_stop`` template filter: a sentence ends with one full stop, never two."""

from __future__ import annotations

import pytest

from lti_tool.plans.views import full_stop


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("serves your goal “Finish high school”", "serves your goal “Finish high school”."),
        (
            "serves your goal “Prepare for graduation.”",
            "serves your goal “Prepare for graduation.”",
        ),
        ("Done already.", "Done already."),
        ("Really?", "Really?"),
        ("Yes!", "Yes!"),
        ('He said "go."', 'He said "go."'),
        ("It\u2019s “Why?”", "It\u2019s “Why?”"),
        ("a list (of things.)", "a list (of things.)"),
        ("trailing space  ", "trailing space."),
        (
            "practises microscopy, a skill in your plan",
            "practises microscopy, a skill in your plan.",
        ),
        ("", ""),
        (None, ""),
    ],
)
def test_adds_a_full_stop_only_when_the_text_does_not_end_a_sentence(
    text: str | None, expected: str
) -> None:
    assert full_stop(text) == expected

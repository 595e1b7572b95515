"""The focus ring stands out: WCAG 2.1 non-text contrast (1.4.11) asks 3:1 against what is
around it, on white and on every light background the stylesheet paints."""

from __future__ import annotations

import re

from lti_tool import PACKAGE_DIR

CSS = (PACKAGE_DIR / "static" / "lodestar.css").read_text()


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rgb`` or ``#rrggbb``."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focus_colour() -> str:
    found = re.search(r"--focus:\s*(#[0-9a-fA-F]{3,6})", CSS)
    assert found, "lodestar.css defines no --focus colour"
    return found.group(1)


def test_contrast_formula_matches_wcag_examples() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#f59f00", "#ffffff"), 1) == 2.1  # the old ring, too faint


def test_focus_ring_has_3_to_1_on_white() -> None:
    assert contrast(focus_colour(), "#ffffff") >= 3


def test_focus_ring_has_3_to_1_on_every_light_background() -> None:
    backgrounds = set(re.findall(r"background:\s*(#[0-9a-fA-F]{3,6})\b", CSS))
    light = {b for b in backgrounds if luminance(b) > 0.5}
    assert "#fff" in light or "#ffffff" in light
    weak = {b: round(contrast(focus_colour(), b), 2) for b in light}
    assert all(ratio >= 3 for ratio in weak.values()), weak


def test_every_focus_outline_uses_the_focus_colour() -> None:
    outlines = re.findall(r"outline:\s*([^;}]+)", CSS)
    painted = [o for o in outlines if o.strip() not in {"0", "none"}]
    assert painted and all("var(--focus)" in o for o in painted), painted

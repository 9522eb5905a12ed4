"""The theme's colours meet WCAG AA in light and dark mode: every text/background pair it uses."""

import re

import pytest

from socialgit.site.theme import STATIC_DIR

STATES = ("draft", "scheduled", "due", "published", "partly", "failed", "uncertain", "missed")
# (foreground, background, minimum): text needs 4.5:1, the focus ring (a UI component) 3:1
PAIRS = [("text", bg, 4.5) for bg in ("bg", "surface", "raised", "out-bg", "accent-bg")]
PAIRS += [("muted", bg, 4.5) for bg in ("bg", "surface", "raised", "out-bg", "gap-bg")]
PAIRS += [("link", bg, 4.5) for bg in ("bg", "surface", "raised", "accent-bg", "today-bg")]
PAIRS += [(f"s-{state}", bg, 4.5) for state in STATES for bg in ("bg", "surface", "raised")]
PAIRS += [("today-text", "today-bg", 4.5), ("bg", "text", 4.5), ("icon-on", "s-published", 3.0),
          ("icon-on", "s-failed", 3.0), ("focus", "bg", 3.0), ("focus", "surface", 3.0)]


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palettes() -> dict[str, dict[str, str]]:
    css = (STATIC_DIR / "site.css").read_text()
    light = css[css.index(":root {"):css.index("}", css.index(":root {"))]
    dark_start = css.index("@media (prefers-color-scheme: dark)")
    dark = css[dark_start:css.index("}", dark_start)]

    def variables(block: str) -> dict[str, str]:
        return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))

    return {"light": variables(light), "dark": variables(dark)}


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_both_themes_define_every_colour_used_in_the_pairs():
    for name, palette in palettes().items():
        needed = {c for fg, bg, _ in PAIRS for c in (fg, bg)}
        assert needed <= set(palette), f"{name} lacks {sorted(needed - set(palette))}"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_pair_meets_wcag_aa(theme):
    palette = palettes()[theme]
    failures = [f"{fg} on {bg}: {contrast(palette[fg], palette[bg]):.2f} < {minimum}"
                for fg, bg, minimum in PAIRS if contrast(palette[fg], palette[bg]) < minimum]
    assert failures == []

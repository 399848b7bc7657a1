"""The keyboard focus ring stands out: at least 3:1 against every background it is drawn on
(WCAG 2.2 "Focus Appearance" / non-text contrast)."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()


def colour(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("background", ["paper", "canvas"])
def test_the_focus_ring_has_3_to_1_contrast_with_the_page(background):
    assert contrast(colour("focus"), colour(background)) >= 3


def test_the_old_amber_ring_would_have_failed():
    assert contrast("#ffbf47", "#ffffff") < 3  # the check can fail


def test_every_focusable_thing_uses_the_ring():
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--focus\)", CSS)

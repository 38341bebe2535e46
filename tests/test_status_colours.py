"""Every status has its colour (static/tracker/css/tracker.css): a badge whose white text
passes WCAG AA (4.5:1) on it, and the same colour for the bars and the chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.workflow import Status

CSS = (Path(__file__).resolve().parent.parent / "static/tracker/css/tracker.css").read_text()


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("status", [s for s in Status if s != Status.SUPERSEDED])
def test_each_status_has_a_badge_and_a_bar_colour_white_text_reads_on(status):
    colour = re.search(rf"--status-{status}: (#[0-9a-f]{{6}});", CSS)
    assert colour, status
    assert f".badge-status-{status} {{ background: var(--status-{status}); }}" in CSS
    assert f".seg-{status} {{ background-color: var(--status-{status});" in CSS
    contrast = 1.05 / (luminance(colour[1]) + 0.05)
    assert contrast >= 4.5, (status, round(contrast, 2))


def test_superseded_has_a_badge_and_a_paler_bar():
    assert ".badge-status-superseded { background: var(--status-superseded); }" in CSS
    assert ".seg-superseded {" in CSS

"""Where the tests find report pages: the sample `make run` loads, and the excerpts."""

from pathlib import Path

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "reports"
    / "lancashire-peel-2016-effectiveness.txt"
)
EXCERPTS = Path(__file__).resolve().parent / "fixtures" / "reports" / "excerpts"
# PEEL 2021 onwards, a cause-of-concern letter and the recommendation register.
PEEL_2021_ON = Path(__file__).resolve().parent / "fixtures" / "reports" / "peel-2021-on"

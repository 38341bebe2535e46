"""Where the tests find report pages: the sample `make run` loads, and the excerpts."""

from pathlib import Path

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "reports"
    / "lancashire-peel-2016-effectiveness.txt"
)
EXCERPTS = Path(__file__).resolve().parent / "fixtures" / "reports" / "excerpts"

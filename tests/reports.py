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


def kent_2021_body(*lines: str) -> str:
    """The real Kent 2021/22 opening (its cut-off last line dropped), then `lines`."""
    opening = (PEEL_2021_ON / "kent-peel-2021-22-opening.txt").read_text(encoding="utf-8")
    return opening.rsplit("\n", 2)[0] + "\n" + "\n".join(lines)


# SYNTHETIC: a graded area with a cause of concern and its recommendations, in the attested
# wording (the glossary's "cause of concern", the lead-in "Within three months, <force> should:"
# and its "; and" bullets); the text of the cause itself is invented.
CAUSE_OF_CONCERN_2021 = (
    "Responding to the public",
    "Inadequate",
    "Cause of concern",
    "The force needs to improve the time it takes to answer non-emergency calls",
    "Recommendations",
    "Within three months, Kent Police should:",
    "• improve its processes for answering non-emergency calls; and",
    "• make sure it has enough trained staff to answer them.",
)

"""One entry for every reader: `read_report(text, format=None)` detects the page's format and
returns a `ReportDocument` (shape.py). Pure Python.

Detection, in this order (the first that fits):

1. a "<Place> PEEL <year>" heading with a year up to 2020 → the 2014–2019 pillar page (parse.py);
2. a title or "Letter information" block that says cause of concern and letter, or a letter's
   From / To / Sent on lines → a cause-of-concern letter (letter.py);
3. "Our judgments", the opening "how good <Force> is in <N> areas of policing", "Important
   changes to PEEL" or a "PEEL 2021/22" / "PEEL 2023–2025" heading → PEEL 2021+ (peel2021.py),
   its cycle from the text;
4. anything with findings in it (bullets, "Area for improvement N:", "Cause of concern",
   "Within N months, <force> should:", a register or monitoring page's status log) → other
   (findings.py);
5. else a `ReportParseError` saying no known format fits.

`format` (a `ReportFormat` or its value, e.g. "peel-2023-25") skips detection and insists.
"""

from __future__ import annotations

from tracker.reports.findings import (
    bullet,
    is_lead_in,
    is_structural,
    read_pasted_findings,
)
from tracker.reports.letter import read_letter
from tracker.reports.parse import _HEADING_RE, ReportParseError, _check_is_text, parse_report
from tracker.reports.peel2021 import _OPENING_RE, detect_cycle, fold, read_peel_2021_on
from tracker.reports.shape import PEEL_2021_ON, ReportDocument, ReportFormat, from_pillar_report

FORMATS = tuple(member.value for member in ReportFormat)


def as_format(value: ReportFormat | str | None) -> ReportFormat | None:
    if value is None or isinstance(value, ReportFormat):
        return value
    try:
        return ReportFormat(value.strip().casefold())
    except ValueError:
        raise ReportParseError(f"unknown format {value!r}: one of {', '.join(FORMATS)}") from None


def detect_format(text: str) -> ReportFormat:
    """The format the text is in; ReportParseError when none fits."""
    _check_is_text(text)
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    for line in lines:
        match = _HEADING_RE.fullmatch(" ".join(line.split()))
        if match and int(match["year"]) <= 2020:
            return ReportFormat.PEEL_2014_2019
    head = [fold(line) for line in lines[:30]]
    if _is_letter(head):
        return ReportFormat.CAUSE_OF_CONCERN_LETTER
    if (
        "our judgments" in head
        or "important changes to peel" in head
        or any(_OPENING_RE.search(line) for line in lines[:40])
    ):
        return detect_cycle(lines)[0] or ReportFormat.PEEL_2023_25
    cycle, _ = detect_cycle(lines[:5])
    if cycle is not None:
        return cycle
    for line in lines:
        match = _HEADING_RE.fullmatch(" ".join(line.split()))
        if match:  # "Kent PEEL 2021/22" with none of the above: read as before
            return ReportFormat.PEEL_2014_2019
    if "[status]" in text or any(
        is_structural(line) or is_lead_in(line) or bullet(line) for line in lines
    ):
        return ReportFormat.OTHER
    raise ReportParseError(
        "this does not look like a page of any known format: not a PEEL 2014–2019 pillar page (no "
        "'<Force> PEEL <year>' heading), not a PEEL 2021 or later report (no 'Our judgments' or "
        "'how good <Force> is in <N> areas of policing'), not a cause-of-concern letter, and no "
        "findings (bullets, 'Area for improvement', 'Cause of concern', 'Within N months … "
        "should:') to read"
    )


def _is_letter(head: list[str]) -> bool:
    if head and "concern" in head[0] and "letter" in head[0]:
        return True
    return "letter information" in head or {"from", "to", "sent on"} <= set(head)


def read_report(text: str, format: ReportFormat | str | None = None) -> ReportDocument:
    """Read any report page; raise ReportParseError when it is of no known format."""
    chosen = as_format(format)
    if chosen is None:
        chosen = detect_format(text)
    else:
        _check_is_text(text)
    if chosen is ReportFormat.PEEL_2014_2019:
        return from_pillar_report(parse_report(text))
    if chosen in PEEL_2021_ON:
        return read_peel_2021_on(text, chosen if format is not None else None)
    if chosen is ReportFormat.CAUSE_OF_CONCERN_LETTER:
        return read_letter(text)
    return read_pasted_findings(text)

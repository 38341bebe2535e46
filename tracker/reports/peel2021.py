"""Read a PEEL 2021/22, 2023–25 or 2025–27 report: its text saved from the HTML page, or
extracted from its PDF (pdf.py). Pure Python.

What is attested of these reports (only their openings could be read) and how it is read:

- The opening: "Our inspection assessed how good <Force> is in <N> areas of policing. We make
  graded judgments in <M> of these <N> [areas,] as follows:" — N and M in digits or words,
  "Our judgments" above it or not. Gives the force and `counts`. The counts are never grades.
- The cycle: a line or phrase "PEEL 2021/22", "PEEL 2023–2025", "PEEL Assessment Framework
  2021/22" (the first one in the text); else "Important changes to PEEL" (2021/22 openings);
  else a first area "How good is the force at leadership and force management?" (2025–27);
  else PEEL 2023–25, with a warning.
- Grades, five tiers, per area: from the judgments list after "as follows:" where the text has
  it ("<area>: <grade>", "<area> – <grade>", "<area><tab><grade>", an area line then its grade
  line, or a grade line then the areas under it); otherwise from each area's heading and the
  grade line under it ("Good", "Grade: Good"). A grade is never taken from prose.
- Areas: a line that is a known area label (framework.py: the 2021/22, 2023–25 and 2025–27
  labels, in their official wording or another, kept in the official one), a label the
  judgments list gave, or any short line with a grade line under it. A label the reader does
  not know is kept as written, with `known=False` and a warning.
- Findings, inside each area (or before the first, in the summary): see findings.py. Innovative
  and promising practice sections are not findings.

What is not known (each with a warning rather than a guess): the judgments table, which is a
table or graphic that text copies do not hold; the body's exact layout; a page cut off part way
(what is there is read, and the warning quotes where it stops).
"""

from __future__ import annotations

import datetime
import re

from tracker.reports.artefacts import remove_page_furniture, unwrap
from tracker.reports.findings import (
    FindingsReader,
    bullet,
    is_structural,
    read_date,
    read_number,
)
from tracker.reports.framework import official_area
from tracker.reports.shape import (
    CYCLE_OF_FORMAT,
    GRADES_2021_ON,
    Area,
    Counts,
    ReadWarning,
    ReportDocument,
    ReportFormat,
)

_GRADE_BY_FOLDED = {grade.casefold(): grade for grade in GRADES_2021_ON}
_GRADES_PATTERN = "|".join(re.escape(grade) for grade in GRADES_2021_ON)


def fold(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold().rstrip(" .:")


_OPENING_RE = re.compile(
    r"how good (?P<force>[^.]{2,80}?) is in (?P<n>\w+) areas? of policing\.?\s*"
    r"(?:we make graded judgm?ents? in (?P<m>\w+) of (?:these|the) (?P<n2>\w+)(?: areas)?,?"
    r"(?: as follows)?:?)?",
    re.IGNORECASE,
)
_CYCLE_RE = re.compile(
    r"\bPEEL\s+(?:Assessment\s+Framework\s+)?(?P<start>20\d\d)\s*(?:[/–-]\s*(?P<end>\d{2,4}))?"
)
_GRADE_LINE_RE = re.compile(
    rf"(?:(?:grade|graded|our judge?ment|judge?ment)\s*:?\s*)?(?P<grade>{_GRADES_PATTERN})\.?",
    re.IGNORECASE,
)
_PAIR_RE = re.compile(
    rf"(?P<label>[^\t:|]{{3,150}}?)\s*(?:[\t:|]|\s[–-]\s)\s*(?P<grade>{_GRADES_PATTERN})\.?",
    re.IGNORECASE,
)
_LIST_ENDS = (
    "we also inspected",
    "we set out",
    "important changes to peel",
    "hm inspector",
    "terminology in this report",
    "overall summary",
)
_PUBLISHED_RE = re.compile(
    r"(?:published(?: on)?|last updated|date of publication)\s*:?\s*(.+)", re.I
)
_INSPECTION_OF_RE = re.compile(r"an inspection of (?P<force>[A-Z][\w ’'&-]{2,60})", re.IGNORECASE)
_FINISHED = (".", "!", "?", ":", ";", ".’", ".”", ")")
_QUESTION_HEADING_RE = re.compile(r"(?:how (?:good|well|effective)|to what extent)\b.{5,160}\?")


def grade_line(text: str) -> str | None:
    match = _GRADE_LINE_RE.fullmatch(text.strip())
    return _GRADE_BY_FOLDED[match["grade"].casefold()] if match else None


def format_of_cycle(start: int) -> ReportFormat | None:
    return {
        2021: ReportFormat.PEEL_2021_22,
        2022: ReportFormat.PEEL_2021_22,
        2023: ReportFormat.PEEL_2023_25,
        2024: ReportFormat.PEEL_2023_25,
        2025: ReportFormat.PEEL_2025_27,
        2026: ReportFormat.PEEL_2025_27,
    }.get(start)


def detect_cycle(lines: list[str]) -> tuple[ReportFormat | None, str]:
    """The cycle the text names, and the words that named it."""
    for line in lines:
        match = _CYCLE_RE.search(line)
        if match and (found := format_of_cycle(int(match["start"]))):
            return found, match[0]
    folded = [fold(line) for line in lines]
    if "important changes to peel" in folded:
        return ReportFormat.PEEL_2021_22, "Important changes to PEEL"
    if fold("How good is the force at leadership and force management?") in folded:
        return (
            ReportFormat.PEEL_2025_27,
            "How good is the force at leadership and force management?",
        )
    return None, ""


def _stands_alone(line: str) -> bool:
    stripped = line.strip()
    return bool(
        is_structural(stripped)
        or grade_line(stripped)
        or official_area(None, stripped) is not None
        or (_QUESTION_HEADING_RE.fullmatch(stripped) and len(stripped) < 170)
        or fold(stripped) in ("our judgments", "overall summary", "important changes to peel")
    )


def read_peel_2021_on(text: str, format: ReportFormat | None = None) -> ReportDocument:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = remove_page_furniture(text, keep=_stands_alone)
    from_pdf = "\f" in text
    paragraphs = unwrap(
        cleaned.text, blank_lines_are_paragraphs=from_pdf, stands_alone=_stands_alone
    )
    lines = [line for line in paragraphs.split("\n") if line.strip()]
    warnings: list[ReadWarning] = [
        ReadWarning(f"removed as a PDF artefact ({why})", None, line)
        for why, line in cleaned.removed
    ]
    detected, cycle_words = detect_cycle(lines)
    chosen = format or detected
    reader = _Reader(lines, warnings, CYCLE_OF_FORMAT.get(chosen) if chosen else None)
    reader.read()

    if chosen is None:
        chosen = ReportFormat.PEEL_2023_25
        warnings.append(
            ReadWarning(
                "the text does not name its PEEL cycle; read as PEEL 2023–25: choose the "
                "right one with --format",
                None,
                "",
            )
        )
    elif format is not None and detected is not None and detected is not format:
        warnings.append(
            ReadWarning(
                f"read as {format.label}, as asked, though the text says {cycle_words!r}", None, ""
            )
        )
    findings, finding_warnings = reader.findings.finish()
    warnings.extend(finding_warnings)
    reader.check(warnings)
    return ReportDocument(
        format=chosen,
        force=reader.force,
        cycle=CYCLE_OF_FORMAT.get(chosen),
        published=reader.published,
        title=reader.title,
        counts=reader.counts,
        areas=reader.areas(),
        findings=findings,
        warnings=tuple(warnings),
    )


class _Reader:
    def __init__(self, lines: list[str], warnings: list[ReadWarning], cycle: str | None) -> None:
        self.lines = lines
        self.warnings = warnings
        self.cycle = cycle
        self.force: str | None = None
        self.title: str | None = None
        self.published: datetime.date | None = None
        self.counts: Counts | None = None
        # Keyed by the folded official label, or the folded label as written when unknown.
        self.listed: dict[str, tuple[str, str | None]] = {}  # key → (label, grade)
        self.area_order: list[str] = []  # keys, in order
        self.area_labels: dict[str, str] = {}
        self.heading_grades: dict[str, str] = {}
        self.findings = FindingsReader(on_prose=lambda number, text: None)
        self.expect_grade: str | None = None

    # --- the opening

    def read(self) -> None:
        index = 0
        opening_at = None
        for at, line in enumerate(self.lines):
            if opening_at is None and (match := _OPENING_RE.search(line)):
                opening_at = at
                self._opening(match, line)
            elif self.published is None and (published := _PUBLISHED_RE.fullmatch(line.strip())):
                found = read_date(published[1])
                self.published = found[0] if found else None
            elif (
                self.title is None and (match := _INSPECTION_OF_RE.search(line)) and len(line) < 120
            ):
                self.title = line.strip()
                self.force = self.force or match["force"].strip()
        if opening_at is not None:
            index = self._judgments_list(opening_at + 1)
        for at in range(index, len(self.lines)):
            self._body_line(at)
        if self.force is None and self.findings.forces:
            self.force = self.findings.forces[0]

    def _opening(self, match: re.Match[str], line: str) -> None:
        self.force = match["force"].strip()
        assessed = read_number(match["n"])
        graded = read_number(match["m"]) if match["m"] else None
        if assessed is not None and graded is not None:
            self.counts = Counts(assessed=assessed, graded=graded, text=line.strip())
        else:
            self.warnings.append(
                ReadWarning("could not read the numbers of areas in the opening", None, line)
            )

    def _judgments_list(self, start: int) -> int:
        """Read '<area>: <grade>' entries after 'as follows:'; return where the list ends."""
        at = start
        group_grade: str | None = None
        pending_label: str | None = None
        while at < len(self.lines):
            line = self.lines[at].strip()
            folded = fold(line)
            if (
                folded.startswith(_LIST_ENDS)
                or _CYCLE_RE.match(line)
                or len(line) > 160
                or is_structural(line)
            ):
                break
            if pair := _PAIR_RE.fullmatch(line):
                self._listed(pair["label"], grade_line(pair["grade"]))
            elif (grade := grade_line(line)) is not None:
                if pending_label is not None:
                    self._listed(pending_label, grade)
                    pending_label = None
                else:
                    group_grade = grade
            elif group_grade is not None:
                self._listed(line, group_grade)
            elif pending_label is None:
                pending_label = line
            else:
                break
            at += 1
        if pending_label is not None:
            at -= 1
        return at

    def _listed(self, label: str, grade: str | None) -> None:
        marked = bullet(label)
        label = marked[1] if marked else label.strip()
        self.listed[self._key(label)] = (label, grade)
        self._area(label)

    # --- the body

    def _body_line(self, at: int) -> None:
        stripped = self.lines[at].strip()
        following = self.lines[at + 1] if at + 1 < len(self.lines) else ""
        label = self._area_heading(stripped, following)
        if label is not None:
            self._area(label)
            self.findings.start_area(self.area_labels[self._key(label)])
            self.expect_grade = self._key(label)
            return
        grade = grade_line(stripped)
        expecting = self.expect_grade
        self.expect_grade = None
        if grade is not None and expecting is not None:
            self.heading_grades.setdefault(expecting, grade)
            return
        self.findings.feed(None, stripped)

    def _area_heading(self, line: str, following: str) -> str | None:
        if official_area(self.cycle, line) is not None or self._key(line) in self.listed:
            return line
        if _QUESTION_HEADING_RE.fullmatch(line) and fold(line).startswith("how good is the force"):
            return line
        # An unknown label: a short line, not a sentence, with a grade line under it.
        if (
            len(line) <= 120
            and not line.endswith(_FINISHED)
            and not is_structural(line)
            and not bullet(line)
            and not grade_line(line)
            and grade_line(following)
        ):
            return line
        return None

    def _key(self, label: str) -> str:
        return fold(official_area(self.cycle, label) or label)

    def _area(self, label: str) -> None:
        """Note an area, under its official label when it is one the framework knows, in
        whatever wording (framework.py); else as written."""
        key = self._key(label)
        if key not in self.area_labels:
            self.area_labels[key] = official_area(self.cycle, label) or label.strip()
            self.area_order.append(key)

    # --- the result

    def areas(self) -> tuple[Area, ...]:
        areas = []
        for number, folded in enumerate(self.area_order, start=1):
            listed = self.listed.get(folded)
            grade, grade_from = (
                (listed[1], "judgments list") if listed and listed[1] else (None, None)
            )
            if grade is None and folded in self.heading_grades:
                grade, grade_from = self.heading_grades[folded], "heading"
            areas.append(
                Area(
                    label=self.area_labels[folded],
                    number=number,
                    grade=grade,
                    known=official_area(self.cycle, self.area_labels[folded]) is not None,
                    grade_from=grade_from,
                )
            )
        return tuple(areas)

    def check(self, warnings: list[ReadWarning]) -> None:
        for folded in self.area_order:
            listed = self.listed.get(folded)
            heading = self.heading_grades.get(folded)
            if listed and listed[1] and heading and heading != listed[1]:
                warnings.append(
                    ReadWarning(
                        f"the judgments list says {listed[1]}, the area's heading says "
                        f"{heading}: the list's grade is kept",
                        None,
                        self.area_labels[folded],
                    )
                )
            if official_area(self.cycle, self.area_labels[folded]) is None:
                warnings.append(
                    ReadWarning(
                        "an area label the reader does not know: kept as written; check it",
                        None,
                        self.area_labels[folded],
                    )
                )
        graded = [area for area in self.areas() if area.grade]
        if not graded:
            warnings.append(
                ReadWarning(
                    "no area grades found: the judgments table is a table or graphic that a "
                    "text copy does not hold; enter each area's grade in the preview",
                    None,
                    self.counts.text if self.counts else "",
                )
            )
        elif self.counts and len(graded) != self.counts.graded:
            warnings.append(
                ReadWarning(
                    f"the opening says {self.counts.graded} graded areas; {len(graded)} found "
                    "with a grade",
                    None,
                    self.counts.text,
                )
            )
        if self.force is None:
            warnings.append(ReadWarning("the text does not name the force", None, ""))
        if self.lines:
            last = self.lines[-1].strip()
            if not last.endswith(_FINISHED) and not _stands_alone(last):
                warnings.append(
                    ReadWarning(
                        "the text ends mid-sentence: it looks cut off here, and whatever came "
                        "after it is not in the text",
                        None,
                        last[-80:],
                    )
                )

"""Read the text of a HMICFRS PEEL report page, as a user copies it from the site.

Pure Python, no Django: text in, dataclasses out, and one exception type,
`ReportParseError`, carrying the line number where one applies. `parse_report`
raises nothing else, whatever string it is given, and runs in linear time.

The page, from its "<Place> PEEL <year>" heading on (anything above it, such as
"Skip to content", a consultation banner or "English"/"Cymraeg" site-header
lines, is ignored)::

    Lancashire PEEL 2016                      heading: place and year
    Effectiveness                             pillar (may be missing)
    How effective is the force at ...?        the pillar's headline question
    Last updated 02/03/2017                   DD/MM/YYYY (may be missing)
    Good                                      overall grade (may be missing)
    <summary paragraphs>
    Questions for Effectiveness               (may be missing)
    1                                         question number (may be missing)
    How effective is the force at ...?        the question
    Good                                      its grade (may be missing)
    <narrative paragraphs>
    Areas for improvement                     AFI heading, before or after the narrative
      • <one area for improvement>            bullets "•" or "- "

Layouts handled:

- The sample's layout, with blank lines between paragraphs.
- The stripped layout of the same site (metropolitan, cumbria 2017): no blank
  lines, no "Last updated", no grade or number lines, "- " bullets. Without
  number lines, a question is a line that starts "How " or "To what extent "
  and ends "?"; questions are then numbered in order of appearance.
- No pillar line (2018 detailed findings): the pillar comes from the
  "Questions for <Pillar>" heading, else from the headline question's words
  (effective(ly), efficient(ly), legitimate(ly), leadership/"other inspections").
  A leadership page is titled "Other inspections" and has no grades.
- Areas for improvement before the narrative (2018) or after it (2016).
- A nested list flattened into bullets (humberside 2018): a bullet ending in ":"
  takes the bullets after it as sub-points, until a sub-point ends a sentence,
  and the whole is one area for improvement: "lead-in:\\n• sub1\\n• sub2".
- Questions "not inspected" / "not subject to detailed inspection" whose grade
  "still stands" / "has been carried over": `carried_over=True`.
- A line holding only a non-breaking space is blank; "Detailed findings for
  question N" and Welsh-language link lines are dropped.

Only bullets under an "Areas for improvement" heading (a line that is just that
phrase, singular or plural, optional colon) are areas for improvement; the block
ends at the first line that is not a bullet, or at the next question. Bullets in
prose, and sentences that mention "areas for improvement", are narrative.

An area for improvement that wraps onto the next line (real 2018 pages: "...the
quality and progress" / "of investigations. - The force should improve...") is
one area: a line after a bullet that has not ended its sentence continues it,
indented or not, and a bullet mark after a full stop on that line starts the next
area. A continuation that starts with a capital letter, unindented, is joined too,
with a warning, since it could be narrative after an unpunctuated bullet.

A question gets HMICFRS's number for it (framework.py) whatever the page shows: a
2018 Efficiency page showing only "How well does the force plan for the future?"
is showing question 2, so that question is 2, and a later page with questions 1
and 2 replaces the right one. A page that numbers a question otherwise is
overruled, with a warning; a question the framework does not hold keeps the
page's number (or its place in order), unless that is HMICFRS's number for
another question on the page, when it takes the next free number, with a warning.

Pages cut short (the excerpts end mid-sentence) are read as far as they go: a
truncated last bullet is still an area for improvement, and a question number
with nothing after it is dropped. Either way `ParsedReport.warnings` says so:
each warning is (message, line number or None, the text concerned); a reader
never drops text without saying so.

Choices:

- A HMICFRS monitoring page for a cause of concern ("PEEL: police effectiveness
  2016 – Bedfordshire Police (8770)", status history in raw markup) is refused
  with a ReportParseError: it records progress on one cause of concern, it has
  no pillar questions to hang actions on, and its bullets run together on one
  line, so reading it as a pillar page would invent a question.
- The PEEL 2021/22 (and later) format, which grades "areas of policing" and has
  no "<Place> PEEL <year>" heading, is refused with a ReportParseError naming it:
  a report with no year, no pillar and no questions would import as an empty shell.
- An "Areas for improvement" heading before any question, a question number
  followed by something that is not a question, the same question number twice
  and an unreadable "Last updated" date are errors with their line number,
  rather than areas for improvement or dates silently dropped.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

from tracker.reports.errors import ReportError
from tracker.reports.framework import question_number

GRADES = ("Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate", "Ungraded")
PILLARS = ("Effectiveness", "Efficiency", "Legitimacy", "Leadership")

_GRADE_BY_FOLDED = {grade.casefold(): grade for grade in GRADES}
_PILLAR_BY_FOLDED = {pillar.casefold(): pillar for pillar in PILLARS}
_PILLAR_BY_WORD = {
    "effective": "Effectiveness",
    "effectively": "Effectiveness",
    "efficient": "Efficiency",
    "efficiently": "Efficiency",
    "legitimate": "Legitimacy",
    "legitimately": "Legitimacy",
    "leadership": "Leadership",
}

# Every pattern below is anchored and its repeats are bounded or followed by a
# literal that ends the line, so none of them can backtrack catastrophically.
_HEADING_RE = re.compile(
    r"(?P<place>[^\W\d_][\w .,&'’()-]{0,60}?) PEEL (?P<year>20\d\d)(?:\s?[/–-]\s?\d{2,4})?"
)
_LAST_UPDATED_RE = re.compile(r"last updated:? ?(?P<date>.{0,30})")
_NUMERIC_DATE_RE = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})")
_QUESTIONS_FOR_RE = re.compile(r"questions for (?P<pillar>[a-z]+)")
_AFI_HEADING_RE = re.compile(r"areas? for improvement ?:?")
_LINK_RE = re.compile(r"detailed findings for question \d{1,2}\.?")
_NOT_TEXT_RE = re.compile("[\x01-\x08\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")

_BULLET_MARKS = ("•", "·", "▪", "◦", "●")
_DASH_MARKS = ("-", "–", "*")
_QUESTION_STARTS = ("How ", "To what extent ")
_SENTENCE_ENDS = (".", "!", "?")
_MAX_QUESTION_LENGTH = 300
_MAX_TITLE_LENGTH = 250


class ReportParseError(ReportError, ValueError):
    """The text is not a report we can read. `line` is the 1-based line number or None."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedQuestion:
    number: int
    text: str
    grade: str | None
    narrative: str
    areas_for_improvement: tuple[str, ...]
    carried_over: bool = False


@dataclass(frozen=True)
class ParsedReport:
    place: str | None
    programme: str
    year: int | None
    pillar: str | None
    title: str | None
    grade: str | None
    last_updated: datetime.date | None
    summary: str
    questions: tuple[ParsedQuestion, ...]
    # (message, line number or None, the text concerned): what was guessed or cut off.
    warnings: tuple[tuple[str, int | None, str], ...] = ()

    @property
    def afi_count(self) -> int:
        return sum(len(question.areas_for_improvement) for question in self.questions)


def parse_report(text: str) -> ParsedReport:
    """Read one PEEL pillar page; raise ReportParseError if it is not one."""
    _check_is_text(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    heading_index, place, year = _find_heading(lines)
    classified = (
        _classify(raw, number)
        for number, raw in enumerate(lines[heading_index + 1 :], start=heading_index + 2)
    )
    # Blank lines carry no meaning once paragraphs are lines: the stripped layout
    # has none at all, and an area block or a question number spans them.
    content = [line for line in classified if line.kind not in (_Kind.BLANK, _Kind.LINK)]
    reader = _PageReader()
    for line in content[reader.read_header(content) :]:
        reader.feed(line)
    return reader.report(place, year)


# --- Whole-file checks --------------------------------------------------------


def _check_is_text(text: str) -> None:
    if not text.strip():
        raise ReportParseError("the file is empty")
    # A copied web page may carry the odd stray control character; binary
    # junk decoded as text is full of them (or of NULs, or of U+FFFD).
    if "\x00" in text or len(_NOT_TEXT_RE.findall(text)) > len(text) // 100:
        raise ReportParseError("the file is not text")


def _find_heading(lines: list[str]) -> tuple[int, str, int]:
    for index, line in enumerate(lines):
        match = _HEADING_RE.fullmatch(" ".join(line.split()))
        if match:
            return index, match["place"].strip(), int(match["year"])
    raise _not_a_pillar_page(lines)


def _not_a_pillar_page(lines: list[str]) -> ReportParseError:
    """Say what the page is when we recognise it, so the user knows why it was refused."""
    for number, line in enumerate(lines, start=1):
        folded = " ".join(line.split()).casefold()
        if folded.startswith("peel:") or "[status]" in folded:
            return ReportParseError(
                "this is a HMICFRS monitoring page (a cause of concern and its progress), "
                "not a PEEL pillar report page",
                number,
            )
        if folded in ("our judgments", "important changes to peel") or (
            "how good" in folded and "areas of policing" in folded
        ):
            return ReportParseError(
                "this is a PEEL 2021/22 or later report (graded areas of policing, no "
                "'<Force> PEEL <year>' heading), which cannot be imported: only the 2014-2019 "
                "pillar pages (Effectiveness, Efficiency, Legitimacy, Leadership) are read",
                number,
            )
    return ReportParseError(
        "no '<Force> PEEL <year>' heading found: this does not look like a HMICFRS PEEL report page"
    )


# --- Line classifier ----------------------------------------------------------


class _Kind(Enum):
    BLANK = auto()
    NUMBER = auto()  # value: the question number
    GRADE = auto()  # value: the canonical grade
    LAST_UPDATED = auto()  # value: the date
    PILLAR = auto()  # value: the canonical pillar
    OTHER_INSPECTIONS = auto()  # the leadership page's title line
    QUESTIONS_FOR = auto()  # value: the canonical pillar
    AFI_HEADING = auto()
    BULLET = auto()  # value: the text after the bullet mark
    LINK = auto()  # navigation, not content
    QUESTION = auto()  # shaped like a question: "How ...?" / "To what extent ...?"
    TEXT = auto()


@dataclass(frozen=True)
class _Line:
    number: int
    kind: _Kind
    text: str  # the line with surrounding whitespace stripped
    value: Any = None  # what the kind carries: a name, a grade, a question number, a date
    indented: bool = False  # the raw line starts with whitespace


def _classify(raw: str, number: int) -> _Line:
    text = raw.strip()  # str.strip() also removes the non-breaking space
    folded = " ".join(text.split()).casefold()

    indented = raw[:1].isspace()

    def line(kind: _Kind, value: Any = None) -> _Line:
        return _Line(number, kind, text, value, indented)

    if not text:
        return line(_Kind.BLANK)
    if len(text) <= 2 and text.isascii() and text.isdigit() and text != "0":
        return line(_Kind.NUMBER, int(text))
    if folded in _GRADE_BY_FOLDED:
        return line(_Kind.GRADE, _GRADE_BY_FOLDED[folded])
    if folded in _PILLAR_BY_FOLDED:
        return line(_Kind.PILLAR, _PILLAR_BY_FOLDED[folded])
    if folded == "other inspections":
        return line(_Kind.OTHER_INSPECTIONS)
    if match := _LAST_UPDATED_RE.fullmatch(folded):
        return line(_Kind.LAST_UPDATED, _read_date(match["date"], number))
    match = _QUESTIONS_FOR_RE.fullmatch(folded)
    if match and match["pillar"] in _PILLAR_BY_FOLDED:
        return line(_Kind.QUESTIONS_FOR, _PILLAR_BY_FOLDED[match["pillar"]])
    if _AFI_HEADING_RE.fullmatch(folded):
        return line(_Kind.AFI_HEADING)
    if (bullet := _bullet_text(text)) is not None:
        return line(_Kind.BULLET, bullet)
    if _is_link(folded):
        return line(_Kind.LINK)
    if _is_question(text):
        return line(_Kind.QUESTION)
    return line(_Kind.TEXT)


def _read_date(text: str, line: int) -> datetime.date:
    match = _NUMERIC_DATE_RE.fullmatch(text)
    try:
        if match:
            return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
        return datetime.datetime.strptime(text, "%d %B %Y").date()
    except ValueError:
        raise ReportParseError(
            f"cannot read the date {text!r} after 'Last updated' (expected DD/MM/YYYY)", line
        ) from None


def _bullet_text(text: str) -> str | None:
    if text.startswith(_BULLET_MARKS):
        return text[1:].strip()
    # A dash needs a space after it, or every hyphenated word would be a bullet.
    if text.startswith(_DASH_MARKS) and len(text) > 1 and text[1].isspace():
        return text[1:].strip()
    return None


def _is_link(folded: str) -> bool:
    if _LINK_RE.fullmatch(folded):
        return True
    # Welsh-language link lines: "Cymraeg", "Darllenwch yr adroddiad hwn yn Gymraeg",
    # "Read this report in Welsh". A short line is required for the English form,
    # so that prose and sub-headings about the Welsh language stay in the narrative.
    if "cymraeg" in folded or "gymraeg" in folded:
        return True
    return "in welsh" in folded and len(folded) <= 60 and not folded.endswith(".")


def _is_question(text: str) -> bool:
    return (
        text.startswith(_QUESTION_STARTS)
        and text.endswith("?")
        and len(text) <= _MAX_QUESTION_LENGTH
    )


def _pillar_from_words(title: str) -> str | None:
    folded = title.casefold()
    found = {
        _PILLAR_BY_WORD[word] for word in re.findall(r"[a-z]+", folded) if word in _PILLAR_BY_WORD
    }
    if "other inspections" in folded:
        found.add("Leadership")
    # "effective, efficient and legitimate" names no single pillar.
    return found.pop() if len(found) == 1 else None


# --- Nested lists (the other formats' reader, findings.py, uses them too) ------


def sub_list_open(lead: str, sub_points: Sequence[str], sentence_ends: tuple[str, ...]) -> bool:
    """Whether the next bullet is a sub-point of the item `lead`: a lead-in ending in ":" opens
    a nested list, which runs until a sub-point ends a sentence ("...; and" continues,
    "... place." closes)."""
    if not lead.endswith(":"):
        return False
    return not (sub_points and sub_points[-1].endswith(sentence_ends))


def join_sub_points(lead: str, sub_points: Iterable[str]) -> str:
    """An item's text with its sub-points, a "• " line each."""
    return "\n".join([lead, *(f"• {point}" for point in sub_points)])


# --- State machine ------------------------------------------------------------


@dataclass
class _AreaDraft:
    lead: str
    sub_points: list[str] = field(default_factory=list)

    def takes_sub_point(self) -> bool:
        return sub_list_open(self.lead, self.sub_points, _SENTENCE_ENDS)

    def text(self) -> str:
        return join_sub_points(self.lead, self.sub_points)

    def last(self) -> str:
        return self.sub_points[-1] if self.sub_points else self.lead

    def extend(self, text: str) -> None:
        """Join a wrapped line to the text it continues."""
        if self.sub_points:
            self.sub_points[-1] = f"{self.sub_points[-1]} {text}"
        else:
            self.lead = f"{self.lead} {text}"


@dataclass
class _QuestionDraft:
    number: int
    text: str
    grade: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    areas: list[_AreaDraft] = field(default_factory=list)
    carried_over: bool = False
    numbered: bool = False  # the page gave its number (a number line)
    line: int = 0  # where it starts

    def add_paragraph(self, text: str) -> None:
        self.paragraphs.append(text)
        self.carried_over = self.carried_over or _says_carried_over(text)

    def build(self) -> ParsedQuestion:
        return ParsedQuestion(
            number=self.number,
            text=self.text,
            grade=self.grade,
            narrative="\n\n".join(self.paragraphs),
            areas_for_improvement=tuple(area.text() for area in self.areas),
            carried_over=self.carried_over,
        )


def _says_carried_over(text: str) -> bool:
    folded = text.casefold()
    not_inspected = "not inspected" in folded or "not subject to detailed inspection" in folded
    return not_inspected and ("carried over" in folded or "still stand" in folded)


class _PageReader:
    """Reads the classified lines after the heading: the header, then the body line by line."""

    def __init__(self) -> None:
        self.pillar_line: str | None = None
        self.other_inspections = False
        self.questions_for: str | None = None
        self.title: str | None = None
        self.grade: str | None = None
        self.last_updated: datetime.date | None = None
        self.summary: list[str] = []
        self.questions: list[_QuestionDraft] = []
        self.numbers_seen: set[int] = set()
        self.pending_number: _Line | None = None
        self.in_areas = False
        self.open_area: _AreaDraft | None = None  # the last area, while its block lasts
        # The paragraph that ended a block of areas, while nothing but it has followed: a
        # bullet saying "should" after it means the block went on (see `_resumes_areas`).
        self.after_areas: tuple[_AreaDraft, _Line] | None = None
        self.warnings: list[tuple[str, int | None, str]] = []
        self.last_line: _Line | None = None

    def read_header(self, lines: list[_Line]) -> int:
        """Take the pillar and headline lines after the heading; return where the body starts."""
        index = 0
        if lines and lines[0].kind is _Kind.PILLAR:
            self.pillar_line = lines[0].value
            index = 1
        elif lines and lines[0].kind is _Kind.OTHER_INSPECTIONS:
            self.other_inspections = True
            index = 1
        if index < len(lines) and _looks_like_title(lines[index]):
            self.title = lines[index].text
            index += 1
        return index

    def feed(self, line: _Line) -> None:
        self.last_line = line
        if line.kind is _Kind.BULLET and not self.in_areas and self._resumes_areas(line):
            self.in_areas = True
        if line.kind is _Kind.BULLET and self.in_areas:
            first, *others = _split_inline_bullets(line.value)
            self._add_area(first)
            for text in others:
                self._add_area(text)
            return
        if self.in_areas and self._continues_area(line):
            return
        ends_block = self.in_areas and line.kind is _Kind.TEXT and self.open_area is not None
        self.in_areas = False
        self.after_areas = (self.open_area, line) if ends_block and self.open_area else None
        if self.pending_number is not None:
            self._take_question_text(self.pending_number, line)
            return
        match line.kind:
            case _Kind.NUMBER:
                self.pending_number = line
            case _Kind.QUESTION:
                self._on_question(line)
            case _Kind.GRADE:
                self._on_grade(line)
            case _Kind.LAST_UPDATED:
                # The first stamp is the page's; a later one would be site furniture.
                self.last_updated = self.last_updated or line.value
            case _Kind.QUESTIONS_FOR:
                self.questions_for = self.questions_for or line.value
            case _Kind.AFI_HEADING:
                self._on_areas_heading(line)
            case _:
                self._add_prose(line)

    def report(self, place: str, year: int) -> ParsedReport:
        """The report read so far; a question number left pending is where the page was cut."""
        self._warn_if_cut()
        pillar = self._pillar()
        self._number_as_hmicfrs(year, pillar)
        return ParsedReport(
            place=place,
            programme="PEEL",
            year=year,
            pillar=pillar,
            title=self.title,
            grade=self.grade,
            last_updated=self.last_updated,
            summary="\n\n".join(self.summary),
            questions=tuple(question.build() for question in self.questions),
            warnings=tuple(self.warnings),
        )

    def _warn_if_cut(self) -> None:
        last = self.last_line
        if self.pending_number is not None:
            number = self.pending_number
            self.warnings.append(
                (
                    f"the page ends after question number {number.value}, with no question: "
                    "it looks cut off there, and the number was not imported",
                    number.number,
                    number.text,
                )
            )
        elif (
            last is not None
            and last.kind in (_Kind.TEXT, _Kind.BULLET)
            and not last.text.endswith(_FINISHED_ENDS)
        ):
            self.warnings.append(
                (
                    "the page ends mid-sentence: it looks cut off here, and whatever came "
                    "after it is not in the text",
                    last.number,
                    last.text[-80:],
                )
            )

    def _number_as_hmicfrs(self, year: int, pillar: str | None) -> None:
        """Give each question HMICFRS's number for it, where the framework holds it."""
        official: list[int | None] = []
        for question in self.questions:
            number = question_number(year, pillar, question.text)
            official.append(None if number in official else number)
        used = {n for n in official if n is not None}
        used |= {q.number for q, n in zip(self.questions, official, strict=True) if n is None}
        for question, number in zip(self.questions, official, strict=True):
            if number is not None and number != question.number and question.numbered:
                self.warnings.append(
                    (
                        f"the page numbers this question {question.number}; HMICFRS numbers it "
                        f"{number}, and so it is question {number} here",
                        question.line,
                        question.text,
                    )
                )
            if number is None and question.number in official:
                number = max(used) + 1
                used.add(number)
                self.warnings.append(
                    (
                        f"the page numbers this question {question.number}, which is HMICFRS's "
                        f"number for another question on the page: it is question {number} here",
                        question.line,
                        question.text,
                    )
                )
            question.number = number or question.number

    def _resumes_areas(self, line: _Line) -> bool:
        """A bullet right after the one paragraph that ended a block of areas for improvement,
        and saying what the force "should" do: the paragraph was the last area's own (a page
        that breaks an area after a full stop), and the block goes on. The paragraph joins that
        area, with a warning; it leaves the narrative. Any other bullet in prose stays prose,
        and one saying "should" is warned about, so no area for improvement goes unsaid."""
        after, self.after_areas = self.after_areas, None
        if not _says_should(line.value):
            return False
        if after is None:
            self.warnings.append(
                (
                    "a bullet in the narrative says what the force should do, but is not under "
                    "an 'Areas for improvement' heading: it was kept as narrative; add it in "
                    "the preview if it is an area for improvement",
                    line.number,
                    line.value,
                )
            )
            return False
        area, paragraph = after
        question = self.questions[-1]
        if question.paragraphs and question.paragraphs[-1] == paragraph.text:
            question.paragraphs.pop()
        area.extend(paragraph.text)
        self.open_area = area
        self.warnings.append(
            (
                "read as part of the area for improvement above it (a paragraph between two "
                "of the areas for improvement); check it is not narrative",
                paragraph.number,
                paragraph.text,
            )
        )
        return True

    def _continues_area(self, line: _Line) -> bool:
        """Join a line that carries on the last area for improvement's unfinished sentence."""
        area = self.open_area
        if area is None or line.kind is not _Kind.TEXT or area.last().endswith(_FINISHED_ENDS):
            return False
        first, *others = _split_inline_bullets(line.text)
        if not (line.indented or first[:1].islower() or others):
            self.warnings.append(
                (
                    "read as the continuation of the area for improvement above it (that "
                    "area does not end its sentence); check it is not narrative",
                    line.number,
                    line.text,
                )
            )
        area.extend(first)
        for text in others:
            self._add_area(text)
        return True

    def _pillar(self) -> str | None:
        # A line naming the pillar beats the words of the headline.
        named = self.pillar_line or self.questions_for
        if named is None and self.title:
            named = _pillar_from_words(self.title)
        if named is None and self.other_inspections:
            named = "Leadership"
        return named

    def _take_question_text(self, number_line: _Line, line: _Line) -> None:
        self.pending_number = None
        if line.kind not in (_Kind.QUESTION, _Kind.TEXT):
            raise ReportParseError(
                f"question number {number_line.value} is not followed by a question",
                number_line.number,
            )
        self._start_question(line.text, number_line.value, number_line.number, numbered=True)

    def _on_question(self, line: _Line) -> None:
        number = self.questions[-1].number + 1 if self.questions else 1
        self._start_question(line.text, number, line.number, numbered=False)

    def _start_question(self, text: str, number: int, line: int, *, numbered: bool) -> None:
        if number in self.numbers_seen:
            raise ReportParseError(f"question {number} appears twice", line)
        self.numbers_seen.add(number)
        self.questions.append(
            _QuestionDraft(number=number, text=text, numbered=numbered, line=line)
        )

    def _on_grade(self, line: _Line) -> None:
        if self.questions and self.questions[-1].grade is None:
            self.questions[-1].grade = line.value
        elif not self.questions and self.grade is None:
            self.grade = line.value
        else:
            self._add_prose(line)

    def _on_areas_heading(self, line: _Line) -> None:
        if not self.questions:
            raise ReportParseError(
                "'Areas for improvement' appears before any question", line.number
            )
        self.in_areas = True
        self.open_area = None

    def _add_area(self, text: str) -> None:
        if not text:
            return
        if self.open_area is not None and self.open_area.takes_sub_point():
            self.open_area.sub_points.append(text)
            return
        self.open_area = _AreaDraft(lead=text)
        self.questions[-1].areas.append(self.open_area)

    def _add_prose(self, line: _Line) -> None:
        if self.questions:
            self.questions[-1].add_paragraph(line.text)
        else:
            self.summary.append(line.text)


def _says_should(text: str) -> bool:
    """An area for improvement says what the force should do, near its start."""
    return " should " in f" {' '.join(text.split()[:20]).casefold()} "


# A bullet mark after a sentence's end starts the next bullet on the same line.
_INLINE_BULLET_RE = re.compile(r"(?<=[.;!?])\s+[-–•·▪●]\s+(?=\S)")
_FINISHED_ENDS = (".", "!", "?", ";", ":", ".’", ".”", "?’", ".)")


def _split_inline_bullets(text: str) -> list[str]:
    return _INLINE_BULLET_RE.split(text)


def _looks_like_title(line: _Line) -> bool:
    # A headline is a question or a short heading, never a sentence of prose.
    return (
        line.kind in (_Kind.QUESTION, _Kind.TEXT)
        and len(line.text) <= _MAX_TITLE_LENGTH
        and not line.text.endswith(".")
    )

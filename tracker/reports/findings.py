"""Findings as HMICFRS writes them, wherever they appear; and the pasted-findings reader.

Pure Python. `FindingsReader` turns paragraphs (one a line, as `artefacts.unwrap` leaves them)
into findings; the PEEL 2021+ reader and the letter reader feed it their bodies, and
`read_pasted_findings` feeds it text copied from any report, PDF or web page:

- headings: "Areas for improvement" (then each bullet, or each paragraph that says what the
  force "should" do, is one); "Area for improvement 2" or "Area for improvement 2: <text>";
  "Cause of concern", "Cause of concern: <area>", "Causes of concern", "Accelerated cause of
  concern", "Area of concern" (the next paragraph is its statement); "Recommendations";
- lead-ins: "Within three months, <force> should:", "…recommended that within six months,
  <force> should:", "We made the following recommendations, stating that the constabulary
  should:", "To address this cause of concern the force must immediately take steps to:" —
  each bullet after one is a recommendation, with the lead-in's deadline and the cause of
  concern above it as parent. A lead-in with more after "should" ("should put in place
  arrangements to ensure that:") is one recommendation with its bullets as sub-points;
- bullets •, ●, ▪, ◦, -, –, *, o, "1.", "1)", "(a)", "a)", several run together on one line
  ("…; and • monitor …"); a bullet ending ":" takes the bullets after it as sub-points until
  one ends a sentence, and "o", "◦", "(a)" bullets under a bullet are its sub-points: one
  finding, written "lead-in:\\n• sub-point\\n• sub-point";
- a HMICFRS register or monitoring page's status log ("[on]9th February 2017
  [status]complete[/status][/on]", "[comment]…[/comment]") becomes the history of the
  first finding, and "complete" its closure.

What it does not understand is kept: each such paragraph is a warning with its text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.reports.artefacts import remove_page_furniture, unwrap
from tracker.reports.parse import join_sub_points, sub_list_open
from tracker.reports.shape import (
    Closure,
    Deadline,
    Finding,
    FindingKind,
    ReadWarning,
    ReportDocument,
    ReportFormat,
    StatusEntry,
)

# fmt: off
_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
# fmt: on
NUMBER_WORDS = {word: number for number, word in enumerate(_WORDS)}
NUMBER_WORDS["twenty-four"] = 24
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}


def read_number(word: str) -> int | None:
    word = word.strip().casefold()
    if word.isascii() and word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


_DATE_RE = re.compile(
    r"(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+)?(?P<month>[A-Za-z]+),?\s+(?P<year>(?:19|20)\d\d)"
)


def read_date(text: str) -> tuple[datetime.date | None, str] | None:
    """'26 September 2024' → (date, text); 'December 2023' → (None, text); else None."""
    match = _DATE_RE.search(text)
    if not match or match["month"].casefold() not in MONTHS:
        return None
    if match["day"] is None:
        return None, match[0]
    try:
        day = datetime.date(
            int(match["year"]), MONTHS[match["month"].casefold()], int(match["day"])
        )
    except ValueError:
        return None, match[0]
    return day, match[0]


# --- Lines ------------------------------------------------------------------------

_AFI_HEADING_RE = re.compile(r"areas? for improvement\s*:?", re.IGNORECASE)
_AFI_NUMBERED_RE = re.compile(
    r"area for improvement\s+(?P<n>\d{1,3})\s*(?:[:.–-]\s*(?P<text>.*))?", re.IGNORECASE
)
_CONCERN_RE = re.compile(
    r"(?P<accelerated>accelerated\s+)?(?P<kind>causes?\s+(?:of|for)|areas?\s+of)\s+concerns?"
    r"(?:\s+(?P<n>\d{1,3}))?\s*(?:[:–-]\s*(?P<label>.+?))?\s*:?",
    re.IGNORECASE,
)
_RECOMMENDATIONS_RE = re.compile(
    r"recommendations?(?:\s+(?P<n>\d{1,3}))?\s*(?:[:.–-]\s*(?P<text>.*))?", re.IGNORECASE
)
_WITHIN_RE = re.compile(
    r"\bwithin\s+(?P<n>\d{1,2}|[a-z]+(?:-[a-z]+)?)\s+(?:calendar\s+)?months?", re.IGNORECASE
)
_LEAD_IN_FORCE_RE = re.compile(
    r"(?:within\s+\S+\s+months?,?\s+|that\s+)(?:the\s+)?(?P<force>[A-Z][\w’'&., -]{2,80}?)\s+"
    r"(?:should|must)\b"
)
_COUNT_RE = re.compile(
    r"\b(?P<n>\d{1,2}|[a-z]+)\s+(?:accompanying\s+|associated\s+)?recommendations?\b",
    re.IGNORECASE,
)
_BULLET_RE = re.compile(
    r"(?P<mark>[•●▪◦·]|[-–*o](?=\s)|\d{1,3}[.)](?=\s)|\(\w{1,4}\)(?=\s)|[a-z][.)](?=\s)"
    r"|[ivx]{1,4}[.)](?=\s))\s*(?P<text>.*)"
)
_INLINE_BULLET_RE = re.compile(r"(?<=[;.:])\s+[•●▪]\s*|(?<=; and)\s+[•●▪]\s*|\s+[•●▪]\s+(?=\S)")
_SUB_MARK_RE = re.compile(r"[o◦]|\([a-z]{1,4}\)|[a-z][.)]|[ivx]{1,4}[.)]")
_PRACTICE_RE = re.compile(
    r"(?:innovative|promising|notable|good)\s+practice\s*:?.{0,80}", re.IGNORECASE
)
_SENTENCE_ENDS = (".", "!", "?", ".’", ".”", ".)")
_STATUS_RE = re.compile(
    r"\[on\](?P<when>[^\[]{1,60}?)\s*(?:\[status\](?P<status>[^\[]{0,60})\[/status\]"
    r"|\[comment\](?P<comment>.*?)\[/comment\])\s*\[/on\]",
    re.DOTALL,
)


def deadline_in(text: str) -> Deadline | None:
    match = _WITHIN_RE.search(text)
    if not match:
        return None
    return Deadline(text=match[0], months=read_number(match["n"]))


def is_lead_in(text: str) -> bool:
    """A line that introduces a list of recommendations (it ends ':' and says 'should'/'must')."""
    folded = text.casefold()
    return text.rstrip().endswith(":") and (
        " should" in folded or " must " in folded or folded.startswith(("should", "must"))
    )


def lead_in_splits(text: str) -> bool:
    """'…should:' — each bullet after it finishes the sentence, so each is a recommendation."""
    return bool(re.search(r"\b(?:should|must|to|steps to)\s*:$", text.rstrip()))


def force_in_lead_in(text: str) -> str | None:
    match = _LEAD_IN_FORCE_RE.search(text)
    if not match:
        return None
    force = match["force"].strip(" ,")
    folded = force.casefold()
    if folded in ("force", "constabulary", "the force", "the constabulary", "it", "we"):
        return None
    return force


def is_structural(line: str) -> bool:
    """A line that stands alone: a finding heading, whatever the text around it."""
    stripped = line.strip()
    return bool(
        _AFI_HEADING_RE.fullmatch(stripped)
        or _AFI_NUMBERED_RE.fullmatch(stripped)
        or (_CONCERN_RE.fullmatch(stripped) and len(stripped) < 120)
        or re.fullmatch(r"recommendations?(?:\s+\d{1,3})?\s*:?", stripped, re.IGNORECASE)
    )


def bullet(text: str) -> tuple[str, str] | None:
    """(mark, text) when the line is a bullet."""
    match = _BULLET_RE.fullmatch(text.strip())
    if not match or not match["text"]:
        return None
    return match["mark"], match["text"].strip()


def split_inline_bullets(text: str) -> list[str]:
    return [part.strip() for part in _INLINE_BULLET_RE.split(text) if part.strip()]


# --- The reader -----------------------------------------------------------------


@dataclass
class _Draft:
    kind: FindingKind
    text: str = ""
    area: str | None = None
    number: int | None = None
    label: str | None = None
    lead_in: str | None = None
    deadline: Deadline | None = None
    parent: _Draft | None = None
    line: int | None = None
    sub_points: list[str] = field(default_factory=list)
    closure: Closure | None = None
    history: tuple[StatusEntry, ...] = ()
    expected_children: int | None = None
    mark: str = ""
    sub_mark: str = ""  # the mark of its first sub-point

    def takes_sub_point(self) -> bool:
        return sub_list_open(self.text, self.sub_points, _SENTENCE_ENDS)

    def full_text(self) -> str:
        return join_sub_points(self.text, self.sub_points)


class FindingsReader:
    """Feed it paragraphs; `findings()` and `warnings` give what it read."""

    # What the reader is in the middle of, which `end_section()` clears.
    mode: FindingKind | None
    pending: _Draft | None  # a heading waiting for its text
    concern: _Draft | None  # the cause of concern recommendations belong to
    lead_in: str | None
    lead_in_whole: _Draft | None  # a lead-in that is itself a recommendation
    open_item: _Draft | None  # the last bullet, while sub-points may follow

    def __init__(self, on_prose: Callable[[int | None, str], None] | None = None) -> None:
        self.drafts: list[_Draft] = []
        self.warnings: list[ReadWarning] = []
        self.area: str | None = None
        self.on_prose = on_prose or self._warn_prose
        self.end_section()
        self.warned_unheaded = False
        self.in_practice = False  # innovative or promising practice: not findings
        self.forces: list[str] = []

    # What the 2021+ reader calls when an area starts, or prose ends a list.
    def start_area(self, label: str | None) -> None:
        self.area = label
        self.in_practice = False
        self.end_section()

    def end_section(self) -> None:
        self.mode = None
        self.pending = None
        self.concern = None
        self.lead_in = None
        self.lead_in_whole = None
        self.open_item = None

    def feed(self, number: int | None, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if self.in_practice and not is_structural(text):
            self.on_prose(number, text)
            return
        self.in_practice = False
        if self.pending is not None and not is_structural(text):
            self._fill_pending(number, text)
            return
        if self._heading(number, text):
            return
        if is_lead_in(text) and not bullet(text):
            self._lead_in(number, text)
            return
        parts = split_inline_bullets(text)
        marked = bullet(parts[0])
        if marked is not None:
            self._bullet(number, marked, parts[1:])
            return
        if len(parts) > 1 and self.open_item is not None:
            # "…progress" / "of investigations. • The force should…": the rest of one bullet,
            # then the next.
            self._continue(parts[0])
            for part in parts[1:]:
                self._item(number, part, mark="•")
            return
        if (
            self.open_item is not None
            and not self._last_text().endswith((*_SENTENCE_ENDS, ";", ":"))
            and text[:1].islower()
        ):
            self._continue(text)
            return
        if self._standalone_recommendation(number, text):
            return
        if self.mode is FindingKind.AREA_FOR_IMPROVEMENT and _says_should(text):
            self._add(_Draft(FindingKind.AREA_FOR_IMPROVEMENT, text=text, line=number))
            return
        self._prose(number, text)

    def feed_lines(self, text: str, first_line: int = 1) -> None:
        for number, line in enumerate(text.split("\n"), start=first_line):
            self.feed(number, line)

    # --- headings

    def _heading(self, number: int | None, text: str) -> bool:
        if _PRACTICE_RE.fullmatch(text) and len(text) < 80:
            self.end_section()
            self.in_practice = True
            self.on_prose(number, text)
            return True
        if _AFI_HEADING_RE.fullmatch(text):
            self.end_section()
            self.mode = FindingKind.AREA_FOR_IMPROVEMENT
            return True
        if match := _AFI_NUMBERED_RE.fullmatch(text):
            self.end_section()
            self.mode = FindingKind.AREA_FOR_IMPROVEMENT
            draft = _Draft(FindingKind.AREA_FOR_IMPROVEMENT, number=int(match["n"]), line=number)
            if match["text"]:
                draft.text = match["text"].strip()
                self._add(draft)
                self.open_item = draft
            else:
                self.pending = draft
            return True
        if (match := _CONCERN_RE.fullmatch(text)) and len(text) < 160:
            self.end_section()
            is_cause = match["kind"].casefold().startswith("cause")
            if match["accelerated"]:
                kind = FindingKind.ACCELERATED_CAUSE_OF_CONCERN
            else:
                kind = FindingKind.CAUSE_OF_CONCERN if is_cause else FindingKind.AREA_OF_CONCERN
            self.mode = kind
            self.pending = _Draft(
                kind,
                label=(match["label"] or "").strip() or None,
                number=int(match["n"]) if match["n"] else None,
                line=number,
            )
            return True
        if (match := _RECOMMENDATIONS_RE.fullmatch(text)) and (
            not match["text"] or match["n"] is not None
        ):
            self.mode = FindingKind.RECOMMENDATION
            self.lead_in = None
            self.lead_in_whole = None
            self.open_item = None
            if match["text"]:
                draft = self._recommendation(number, match["text"].strip())
                draft.number = int(match["n"])
                draft.deadline = draft.deadline or deadline_in(match["text"])
            return True
        return False

    def _fill_pending(self, number: int | None, text: str) -> None:
        draft = self.pending
        assert draft is not None
        self.pending = None
        if draft.kind is FindingKind.AREA_FOR_IMPROVEMENT:
            marked = bullet(text)
            draft.text = marked[1] if marked else text
            self._add(draft)
            self.open_item = draft
            return
        # A cause (or area) of concern: a lead-in straight after its heading leaves it with
        # only the heading's label for text.
        if is_lead_in(text):
            draft.text = draft.label or ""
            self._add(draft)
            self.concern = draft
            self._lead_in(number, text)
            return
        marked = bullet(text)
        draft.text = marked[1] if marked else text
        self._add(draft)
        self.concern = draft

    # --- recommendations

    def _lead_in(self, number: int | None, text: str) -> None:
        self.mode = FindingKind.RECOMMENDATION
        self.open_item = None
        if force := force_in_lead_in(text):
            self.forces.append(force)
        if lead_in_splits(text):
            self.lead_in = text
            self.lead_in_whole = None
        else:
            self.lead_in = None
            self.lead_in_whole = self._recommendation(number, text)
            self.lead_in_whole.lead_in = None

    def _recommendation(self, number: int | None, text: str) -> _Draft:
        draft = _Draft(
            FindingKind.RECOMMENDATION,
            text=text,
            line=number,
            lead_in=self.lead_in,
            deadline=deadline_in(self.lead_in or "") or deadline_in(text),
            parent=self.concern,
        )
        self._add(draft)
        return draft

    def _standalone_recommendation(self, number: int | None, text: str) -> bool:
        # "Within three months, the force should review …." — a whole recommendation.
        if re.match(r"(?:we recommend that\s+)?within\s+\S+\s+months?\b", text, re.IGNORECASE):
            saved, self.lead_in = self.lead_in, None
            self._recommendation(number, text)
            self.lead_in = saved
            self.mode = FindingKind.RECOMMENDATION
            return True
        return False

    # --- bullets

    def _bullet(self, number: int | None, marked: tuple[str, str], rest: list[str]) -> None:
        mark, text = marked
        self._item(number, text, mark)
        for part in rest:
            inner = bullet(part)
            self._item(number, inner[1] if inner else part, inner[0] if inner else mark)

    def _item(self, number: int | None, text: str, mark: str) -> None:
        if self.lead_in_whole is not None:
            self.lead_in_whole.sub_points.append(text)
            return
        item = self.open_item
        is_sub_mark = bool(_SUB_MARK_RE.fullmatch(mark)) and not (
            item is not None and _SUB_MARK_RE.fullmatch(item.mark) and not item.sub_points
        )
        back_to_parent = item is not None and item.sub_mark not in ("", mark) and mark == item.mark
        if (
            item is not None
            and not back_to_parent
            and (item.takes_sub_point() or (is_sub_mark and item.mark != mark))
        ):
            item.sub_mark = item.sub_mark or mark
            item.sub_points.append(text)
            return
        if self.mode is FindingKind.RECOMMENDATION:
            self.open_item = self._recommendation(number, text)
            self.open_item.mark = mark
            return
        if self.mode in (
            FindingKind.CAUSE_OF_CONCERN,
            FindingKind.ACCELERATED_CAUSE_OF_CONCERN,
            FindingKind.AREA_OF_CONCERN,
        ):
            # Bullets under a cause of concern with no lead-in: the causes, one each.
            draft = _Draft(self.mode, text=text, line=number, mark=mark)
            self._add(draft)
            self.concern = draft
            self.open_item = draft
            return
        if self.mode is None and not self.warned_unheaded:
            self.warned_unheaded = True
            self.warnings.append(
                ReadWarning(
                    "bullets with no heading above them (Areas for improvement, Cause of "
                    "concern, Recommendations) are read as areas for improvement: check each",
                    number,
                    text,
                )
            )
        draft = _Draft(FindingKind.AREA_FOR_IMPROVEMENT, text=text, line=number, mark=mark)
        self._add(draft)
        self.open_item = draft

    def _last_text(self) -> str:
        item = self.open_item
        assert item is not None
        return item.sub_points[-1] if item.sub_points else item.text

    def _continue(self, text: str) -> None:
        item = self.open_item
        assert item is not None
        if item.sub_points:
            item.sub_points[-1] = f"{item.sub_points[-1]} {text}"
        else:
            item.text = f"{item.text} {text}"

    # --- the rest

    def _add(self, draft: _Draft) -> None:
        draft.area = draft.area or self.area
        self.drafts.append(draft)

    def _prose(self, number: int | None, text: str) -> None:
        count = _COUNT_RE.search(text)
        if count and self.concern is not None and text.endswith(":"):
            self.concern.expected_children = read_number(count["n"])
        # Prose ends a list; a sentence that announces one starts it.
        self.mode = None
        self.lead_in = None
        self.open_item = None
        self.lead_in_whole = None
        folded = text.casefold().rstrip(" :.")
        if folded.endswith(("areas for improvement", "area for improvement")):
            self.mode = FindingKind.AREA_FOR_IMPROVEMENT
        elif folded.endswith(("following recommendations", "following recommendation")):
            self.mode = FindingKind.RECOMMENDATION
        self.on_prose(number, text)

    def _warn_prose(self, number: int | None, text: str) -> None:
        self.warnings.append(
            ReadWarning("not read as a finding (kept here, not imported)", number, text)
        )

    def finish(self) -> tuple[tuple[Finding, ...], list[ReadWarning]]:
        if self.pending is not None:
            draft = self.pending
            self.warnings.append(
                ReadWarning(
                    "a heading with nothing after it: the text looks cut off here",
                    draft.line,
                    draft.label or draft.kind.value,
                )
            )
            if draft.label:
                draft.text = draft.label
                self._add(draft)
            self.pending = None
        ids = {id(draft): index for index, draft in enumerate(self.drafts, start=1)}
        findings = []
        for draft in self.drafts:
            children = [d for d in self.drafts if d.parent is draft]
            if draft.expected_children is not None and len(children) < draft.expected_children:
                self.warnings.append(
                    ReadWarning(
                        f"the text says this has {draft.expected_children} recommendations; "
                        f"{len(children)} found: the rest are not in the text",
                        draft.line,
                        draft.text,
                    )
                )
            findings.append(
                Finding(
                    id=ids[id(draft)],
                    kind=draft.kind,
                    text=draft.full_text(),
                    area=draft.area,
                    number=draft.number,
                    parent=ids[id(draft.parent)] if draft.parent is not None else None,
                    deadline=draft.deadline,
                    label=draft.label,
                    lead_in=draft.lead_in,
                    closure=draft.closure,
                    history=draft.history,
                    line=draft.line,
                )
            )
        return tuple(findings), self.warnings


def _says_should(text: str) -> bool:
    head = " ".join(text.split()[:14]).casefold()
    return any(word in head for word in (" should ", " needs to ", " must ", " ought to "))


# --- Status logs (register and monitoring pages) -----------------------------------


def take_status_log(text: str) -> tuple[str, tuple[StatusEntry, ...]]:
    """Lift "[on]date [status]…[/status][/on]" entries out of the text."""
    entries = []
    for match in _STATUS_RE.finditer(text):
        when = match["when"].strip()
        parsed = read_date(when)
        comment = match["comment"]
        entries.append(
            StatusEntry(
                when=when,
                on=parsed[0] if parsed else None,
                status=match["status"].strip() if match["status"] else None,
                comment=" ".join(comment.split()) if comment is not None else None,
            )
        )
    return _STATUS_RE.sub("\n", text), tuple(entries)


def closure_from_history(history: tuple[StatusEntry, ...]) -> Closure | None:
    for entry in reversed(history):
        if entry.status:
            if entry.status.casefold() in ("complete", "completed", "closed", "discharged"):
                return Closure(how=entry.status, when=entry.when, on=entry.on)
            return None
    return None


# --- Pasted findings ---------------------------------------------------------------


def read_pasted_findings(text: str) -> ReportDocument:
    """Findings copied from any report, PDF or web page (format 'other')."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, history = take_status_log(text)
    cleaned = remove_page_furniture(text, keep=is_structural)
    paragraphs = unwrap(cleaned.text, blank_lines_are_paragraphs=False, stands_alone=is_structural)
    reader = FindingsReader()
    title = None
    lines = paragraphs.split("\n")
    # A page title ("PEEL: police effectiveness 2016 – Bedfordshire Police (8770)", "404 Page
    # not found") is not a finding: the first line, when it is short and no finding.
    if (
        lines
        and not is_structural(lines[0])
        and not _PRACTICE_RE.fullmatch(lines[0])
        and bullet(lines[0]) is None
        and len(lines[0]) < 100
    ) and not lines[0].endswith((".", ":")):
        title = lines[0]
        lines = lines[1:]
    for line in lines:
        reader.feed(None, line)
    findings, warnings = reader.finish()
    if history:
        findings, note = _attach_history(findings, history)
        warnings.append(note)
    for why, line in cleaned.removed:
        warnings.append(ReadWarning(f"removed as a PDF artefact ({why})", None, line))
    if not findings:
        warnings.append(ReadWarning("no findings found in the text", None, ""))
    return ReportDocument(
        format=ReportFormat.OTHER,
        force=reader.forces[0] if reader.forces else None,
        title=title,
        findings=findings,
        warnings=tuple(warnings),
    )


def _attach_history(
    findings: tuple[Finding, ...], history: tuple[StatusEntry, ...]
) -> tuple[tuple[Finding, ...], ReadWarning]:
    if not findings:
        return findings, ReadWarning(
            "a status log with no finding to attach it to", None, f"{len(history)} entries"
        )
    first = findings[0]
    from dataclasses import replace

    updated = replace(first, history=history, closure=closure_from_history(history))
    return (updated, *findings[1:]), ReadWarning(
        "the page's status log is read as the history of its first finding",
        first.line,
        first.text[:80],
    )

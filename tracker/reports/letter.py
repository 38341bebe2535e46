"""Read a HMICFRS cause-of-concern letter (revisit, discharge or closure). Pure Python.

The attested layout (Devon and Cornwall Police, September 2024)::

    Devon and Cornwall Police: closure of cause of concern letter     title: force before ":"
    Published on: 27 September 2024                                  → published
    Letter information / From / … / To / … / Cc / … / Sent on / 26 September 2024  → sent
    <prose>  "I will be closing the force’s cause of concern regarding responding to the
             public." / "In December 2023, we closed the cause of concern regarding …"
    Cause of concern: responding to the public                        a cause of concern
    The force needs to improve …                                      its statement
    Our cause of concern … had two accompanying recommendations:      (how many to expect)
    Within three months, Devon and Cornwall Police should:            lead-in and deadline
      • improve its processes …                                       one recommendation each

A sentence saying a cause (or area) of concern was closed or discharged gives that finding its
closure: "In <month year>, we closed/discharged the cause of concern regarding <subject>" (the
month as written), "In April 2023, we discharged this cause of concern." (the cause above it),
"I will be closing / am closing the force’s cause of concern regarding <subject>" (closed by this
letter: its "Sent on" date, else its publication date). A closure whose subject has no section
in the letter becomes a finding of its own, labelled with the subject.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace

from tracker.reports.artefacts import remove_page_furniture, unwrap
from tracker.reports.findings import FindingsReader, is_structural, read_date
from tracker.reports.shape import (
    Closure,
    Finding,
    FindingKind,
    ReadWarning,
    ReportDocument,
    ReportFormat,
)

_HEADER_LABELS = ("letter information", "from", "to", "cc", "sent on")
_CLOSURE_RE = re.compile(
    r"\b(?:we|i)\b[^.]{0,80}?\b(?P<how>closed|discharged|closing|discharging|close|discharge)\s+"
    r"(?:the|this|our|its|the force[’']s)\s+(?P<kind>cause|area)s?\s+(?:of|for)\s+concern"
    r"(?:\s+(?:regarding|relating to|about|for|on|into|in relation to)\s+(?P<subject>[^.]+?))?"
    r"\s*(?:\.|$)",
    re.IGNORECASE,
)
_IN_MONTH_RE = re.compile(r"\bIn\s+(?P<when>(?:\d{1,2}\s+)?[A-Z][a-z]+\s+(?:19|20)\d\d)\b")
_FINISHED = (".", "!", "?", ":", ";", ".’", ".”", ")")


@dataclass
class _Closure:
    sentence: str
    how: str
    kind: FindingKind
    subject: str | None
    when: str
    on: datetime.date | None
    after: int  # how many findings had been read when the sentence came


def _folded_subject(text: str) -> str:
    text = " ".join(text.replace("’", "'").split()).casefold().strip(" .")
    return text.removeprefix("the ")


def read_letter(text: str) -> ReportDocument:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = remove_page_furniture(text, keep=is_structural)
    lines = [
        line
        for line in unwrap(
            cleaned.text, blank_lines_are_paragraphs="\f" in text, stands_alone=is_structural
        ).split("\n")
        if line.strip()
    ]
    warnings = [
        ReadWarning(f"removed as a PDF artefact ({why})", None, line)
        for why, line in cleaned.removed
    ]
    title = lines[0].strip() if lines else None
    force = title.split(":", 1)[0].strip() if title and ":" in title else None
    published = sent = None
    body_from = 1
    header: dict[str, list[str]] = {}
    current: str | None = None
    for at, line in enumerate(lines[1:], start=1):
        stripped = line.strip()
        folded = stripped.casefold()
        if folded.startswith("published"):
            found = read_date(stripped)
            published = found[0] if found else None
            body_from = at + 1
            continue
        if folded in _HEADER_LABELS:
            current = folded
            header[current] = []
            body_from = at + 1
            continue
        if current is not None and current != "letter information":
            header[current].append(stripped)
            body_from = at + 1
            if current == "sent on":
                found = read_date(stripped)
                sent = found[0] if found else None
                break
            continue
        if at > 25:
            break
    if force is None and header.get("to"):
        force = header["to"][-1]

    closures: list[_Closure] = []
    reader = FindingsReader(on_prose=lambda number, line: None)

    def on_prose(number: int | None, line: str) -> None:
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            match = _CLOSURE_RE.search(sentence)
            if not match:
                continue
            when_match = _IN_MONTH_RE.search(sentence)
            if when_match:
                found = read_date(when_match["when"])
                when, on = when_match["when"], found[0] if found else None
            else:
                letter_date = sent or published
                when = f"{letter_date.day} {letter_date:%B %Y} (this letter)" if letter_date else ""
                on = letter_date
            kind = (
                FindingKind.CAUSE_OF_CONCERN
                if match["kind"].casefold() == "cause"
                else FindingKind.AREA_OF_CONCERN
            )
            how = {"closing": "closed", "close": "closed", "discharging": "discharged"}.get(
                match["how"].casefold(), match["how"].casefold()
            )
            closures.append(
                _Closure(sentence, how, kind, match["subject"], when, on, len(reader.drafts))
            )

    reader.on_prose = on_prose
    for line in lines[body_from:]:
        reader.feed(None, line)
    findings, finding_warnings = reader.finish()
    warnings.extend(finding_warnings)
    findings = _apply_closures(findings, closures)
    if lines and not lines[-1].strip().endswith(_FINISHED) and not is_structural(lines[-1]):
        warnings.append(
            ReadWarning(
                "the letter ends mid-sentence: it looks cut off here, and whatever came after "
                "it is not in the text",
                None,
                lines[-1].strip()[-80:],
            )
        )
    if not findings:
        warnings.append(ReadWarning("no causes of concern or recommendations found", None, ""))
    return ReportDocument(
        format=ReportFormat.CAUSE_OF_CONCERN_LETTER,
        force=force or (reader.forces[0] if reader.forces else None),
        published=published,
        sent=sent,
        title=title,
        findings=findings,
        warnings=tuple(warnings),
    )


def _apply_closures(findings: tuple[Finding, ...], closures: list[_Closure]) -> tuple[Finding, ...]:
    out = list(findings)
    concerns = (
        FindingKind.CAUSE_OF_CONCERN,
        FindingKind.AREA_OF_CONCERN,
        FindingKind.ACCELERATED_CAUSE_OF_CONCERN,
    )
    for closure in closures:
        target = None
        if closure.subject:
            wanted = _folded_subject(closure.subject)
            for at, finding in enumerate(out):
                names = {_folded_subject(finding.label or ""), _folded_subject(finding.text)}
                if finding.kind in concerns and wanted in names:
                    target = at
                    break
        else:  # "this cause of concern": the last one read before the sentence
            before = [at for at, f in enumerate(out[: closure.after]) if f.kind in concerns]
            target = before[-1] if before else None
        done = Closure(how=closure.how, when=closure.when, on=closure.on)
        if target is not None:
            out[target] = replace(out[target], closure=done)
        else:
            out.append(
                Finding(
                    id=len(out) + 1,
                    kind=closure.kind,
                    text=closure.sentence.strip(),
                    label=closure.subject.strip() if closure.subject else None,
                    closure=done,
                )
            )
    return tuple(out)

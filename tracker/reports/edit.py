"""Editing a read document before it is imported: the import preview's operations.

Pure Python, no Django. A reader gets most pages right, but not every one: a PDF's page break
can cut a finding in two, a finding can be read as the wrong kind, two can run together. The
preview (tracker/preview.py) lets the person importing put that right; each operation here
takes a `ReportDocument` and returns a new one, so the preview keeps no state of its own but
the document.

Finding ids stay stable and unique: an edit never renumbers the findings it leaves, and a
finding added or split off takes the id after the highest in the document. A parent and a
cross-cycle link refer to a finding by id, so they keep pointing at the same finding whatever
else is merged, split or deleted; whoever keeps something by id drops it when its finding goes
(an id freed by deleting the last finding may be given again). After edits, `id` is no longer
each finding's position; the document's order is.

What cannot be done is an `EditError` naming the field it belongs beside.
"""

from __future__ import annotations

from dataclasses import replace

from tracker.reports.findings import deadline_in
from tracker.reports.shape import Deadline, Finding, FindingKind, ReportDocument


class EditError(ValueError):
    """An edit that cannot be made; `field` is the part of the finding it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def find(document: ReportDocument, finding_id: int) -> Finding:
    for finding in document.findings:
        if finding.id == finding_id:
            return finding
    raise EditError(f"there is no finding {finding_id} in this report")


def next_id(document: ReportDocument) -> int:
    return max((finding.id for finding in document.findings), default=0) + 1


def _with(document: ReportDocument, findings: list[Finding]) -> ReportDocument:
    return _synced(replace(document, findings=tuple(findings)))


def _synced(document: ReportDocument) -> ReportDocument:
    """A 2014–2019 page's report made to say what its findings now say.

    Such a page is loaded from its `ParsedReport` (its questions, grades and narratives), so
    each question's areas for improvement follow the edited findings: those of that question
    (`area` its text) that are areas for improvement, in order. `loadable_problems` says what
    such a page cannot hold (another kind, no question).
    """
    parsed = document.pillar_report
    if parsed is None:
        return document
    questions = tuple(
        replace(
            question,
            areas_for_improvement=tuple(
                finding.text
                for finding in document.findings
                if finding.area == question.text
                and finding.kind is FindingKind.AREA_FOR_IMPROVEMENT
            ),
        )
        for question in parsed.questions
    )
    return replace(document, pillar_report=replace(parsed, questions=questions))


def loadable_problems(document: ReportDocument) -> list[tuple[int, str, str]]:
    """What would be lost on import, as (finding id, field, message); none for most formats.

    A PEEL 2014–2019 page holds areas for improvement, each under one of its questions: a
    finding of another kind, or under no question, has nowhere to go.
    """
    parsed = document.pillar_report
    if parsed is None:
        return []
    questions = {question.text for question in parsed.questions}
    problems = []
    for finding in document.findings:
        if finding.kind is not FindingKind.AREA_FOR_IMPROVEMENT:
            problems.append(
                (finding.id, "kind", "A PEEL 2014–2019 page holds areas for improvement only.")
            )
        if finding.area not in questions:
            problems.append((finding.id, "area", "Choose the question it belongs to."))
    return problems


def _changed(document: ReportDocument, finding_id: int, **changes) -> ReportDocument:
    find(document, finding_id)
    return _with(
        document,
        [replace(f, **changes) if f.id == finding_id else f for f in document.findings],
    )


def _clean_text(text: str) -> str:
    """The text as a reader would give it: line breaks as LF (a browser sends a text area's
    as CR LF), no space around it."""
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        raise EditError("a finding needs its text", field="text")
    return cleaned


def set_text(document: ReportDocument, finding_id: int, text: str) -> ReportDocument:
    return _changed(document, finding_id, text=_clean_text(text))


def set_kind(document: ReportDocument, finding_id: int, kind: FindingKind | str) -> ReportDocument:
    try:
        chosen = FindingKind(kind)
    except ValueError:
        raise EditError(f"{kind!r} is not a kind of finding", field="kind") from None
    return _changed(document, finding_id, kind=chosen)


def set_area(document: ReportDocument, finding_id: int, area: str | None) -> ReportDocument:
    """The area (its label) a finding belongs to; None for none."""
    return _changed(document, finding_id, area=(area or "").strip() or None)


def _check_parent(document: ReportDocument, finding_id: int | None, parent: int) -> None:
    """A parent must be another finding of this document, and not one of its own children."""
    if parent == finding_id:
        raise EditError("a finding cannot be its own parent", field="parent")
    ids = {finding.id: finding for finding in document.findings}
    if parent not in ids:
        raise EditError(f"there is no finding {parent} to be its parent", field="parent")
    ancestor: int | None = parent
    seen: set[int] = set()
    while ancestor in ids and ancestor not in seen:
        seen.add(ancestor)
        ancestor = ids[ancestor].parent
        if finding_id is not None and ancestor == finding_id:
            raise EditError(
                f"finding {parent} is under this one, so it cannot also be above it",
                field="parent",
            )


def set_parent(document: ReportDocument, finding_id: int, parent: int | None) -> ReportDocument:
    """The finding a recommendation answers (its cause of concern); None for none."""
    find(document, finding_id)
    if parent is not None:
        _check_parent(document, finding_id, parent)
    return _changed(document, finding_id, parent=parent)


def deadline_from_words(words: str | None) -> Deadline | None:
    """'Within three months' → the words as written and 3, read as the readers read them.

    Words that give no number of months are kept, with `months` None, as a reader keeps them.
    """
    text = " ".join((words or "").split())
    if not text:
        return None
    read = deadline_in(text)
    return Deadline(text=text, months=read.months if read else None)


def set_deadline(document: ReportDocument, finding_id: int, words: str | None) -> ReportDocument:
    return _changed(document, finding_id, deadline=deadline_from_words(words))


def merge_with_next(document: ReportDocument, finding_id: int) -> ReportDocument:
    """Join a finding and the one after it: a page break split one finding into two.

    The texts are joined with a space; the second finding goes, and its children become the
    first's. What the first lacks (a deadline, a label, a lead-in, a closure) it takes from the
    second.
    """
    findings = list(document.findings)
    first = find(document, finding_id)
    index = findings.index(first)
    if index + 1 >= len(findings):
        raise EditError("the last finding has no next finding to merge with")
    second = findings[index + 1]
    merged = replace(
        first,
        text=f"{first.text.rstrip()} {second.text.lstrip()}".strip(),
        deadline=first.deadline or second.deadline,
        label=first.label or second.label,
        lead_in=first.lead_in or second.lead_in,
        closure=first.closure or second.closure,
        history=first.history + second.history,
    )
    out = []
    for finding in findings:
        if finding.id == second.id:
            continue
        if finding.id == first.id:
            finding = merged
        elif finding.parent == second.id:
            finding = replace(finding, parent=first.id)
        out.append(finding)
    if merged.parent == second.id:  # it was the second's child: it cannot be its own parent
        out = [replace(f, parent=second.parent) if f.id == first.id else f for f in out]
    return _with(document, out)


def split(document: ReportDocument, finding_id: int, at: int) -> ReportDocument:
    """Cut a finding in two at character offset `at`: two findings run together.

    The second part becomes a new finding just after the first, of the same kind, area, parent
    and deadline; the first keeps its children, its number and its history.
    """
    finding = find(document, finding_id)
    head, tail = finding.text[:at].strip(), finding.text[at:].strip()
    if at <= 0 or at >= len(finding.text) or not head or not tail:
        raise EditError("split where both parts keep some text", field="text")
    first = replace(finding, text=head)
    second = Finding(
        id=next_id(document),
        kind=finding.kind,
        text=tail,
        area=finding.area,
        parent=finding.parent,
        deadline=finding.deadline,
        lead_in=finding.lead_in,
    )
    out: list[Finding] = []
    for each in document.findings:
        out += [first, second] if each.id == finding_id else [each]
    return _with(document, out)


def split_at_line(document: ReportDocument, finding_id: int, line: int = 1) -> ReportDocument:
    """Cut a finding before its line `line` (0-based; the first line break by default).

    Without JavaScript, the person marks where to cut by starting a new line there.
    """
    text = find(document, finding_id).text
    offset = -1
    for _ in range(max(line, 1)):
        offset = text.find("\n", offset + 1)
        if offset == -1:
            raise EditError(
                "start a new line where the finding should be split, then split it", field="text"
            )
    return split(document, finding_id, offset)


def delete(document: ReportDocument, finding_id: int) -> ReportDocument:
    """Remove a finding that is not one (a heading, prose read as a finding).

    Its children stay, with no parent.
    """
    find(document, finding_id)
    return _with(
        document,
        [
            replace(f, parent=None) if f.parent == finding_id else f
            for f in document.findings
            if f.id != finding_id
        ],
    )


def add(
    document: ReportDocument,
    *,
    kind: FindingKind | str,
    text: str,
    area: str | None = None,
    parent: int | None = None,
    deadline: str | None = None,
    after: int | None = None,
) -> ReportDocument:
    """Add a finding the reader missed: at the end, or just after finding `after`."""
    try:
        chosen = FindingKind(kind)
    except ValueError:
        raise EditError(f"{kind!r} is not a kind of finding", field="kind") from None
    if parent is not None:
        _check_parent(document, None, parent)
    finding = Finding(
        id=next_id(document),
        kind=chosen,
        text=_clean_text(text),
        area=(area or "").strip() or None,
        parent=parent,
        deadline=deadline_from_words(deadline),
    )
    findings = list(document.findings)
    if after is None:
        findings.append(finding)
    else:
        findings.insert(findings.index(find(document, after)) + 1, finding)
    return _with(document, findings)

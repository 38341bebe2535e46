"""What importing a spreadsheet of findings would do, row by row, before anything is written.

`plan(table, force=..., by=...)` reads every row's cells (dates in ISO and UK forms and as
spreadsheet dates; kinds, grades and statuses by label), finds each row's report (a PEEL report
by its force and cycle, another by its force, title and publication date), its area, and the
action already there with the same report, kind and text. Each row is then `new`, `update`
(what would change: reference, owner, due date, status) or `unchanged`; or it has errors, each
naming its row and column and saying what to do. One error anywhere and `apply()` writes
nothing.

It reads the database (the forces, the users of each force named, the reports named and their
areas and actions) and writes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.db.models import Q

from tracker.adding import new_report
from tracker.models import Action, Force, Inspection, Question, ReportFormat, User
from tracker.models.reports import PEEL_CYCLES
from tracker.reports.framework import official_area, question_number
from tracker.reports.load import OTHER_FINDINGS, normalise
from tracker.reports.peel2021 import fold
from tracker.spreadsheet.columns import (
    BY_NAME,
    COLUMNS,
    GRADE_WORDS,
    KIND_WORDS,
    STATUS_WORDS,
)
from tracker.spreadsheet.errors import RowError
from tracker.spreadsheet.read import Table
from tracker.workflow import (
    PARENT_KINDS,
    REFERENCE_MAX_LENGTH,
    Capability,
    Kind,
    Status,
    allows_changes,
    may,
    who_may,
)

NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"
EXAMPLE_TEXT = BY_NAME["text"].example
LARGEST_NUMBER = 32767

_CYCLES = (
    (re.compile(r"\b2021\s*(?:/|-|–|to)\s*(?:20)?22\b"), ReportFormat.PEEL_2021_22),
    (re.compile(r"\b2023\s*(?:/|-|–|to)\s*(?:20)?25\b"), ReportFormat.PEEL_2023_25),
    (re.compile(r"\b2025\s*(?:/|-|–|to)\s*(?:20)?27\b"), ReportFormat.PEEL_2025_27),
)
_PILLAR_YEAR = re.compile(r"\b(201[4-9])\b")
_PILLARS = ("effectiveness", "efficiency", "legitimacy", "leadership")
_UK_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_AREA_NUMBER = re.compile(r"(?:q|question|area)?\s*(\d+)", re.IGNORECASE)


@dataclass
class PlannedQuestion:
    number: int
    text: str
    grade: str
    existing: Question | None = None
    first_row: int = 0


@dataclass
class PlannedReport:
    force: Force
    format: str
    source: str
    title: str
    published: datetime.date | None
    year: int | None
    pillar: str
    first_row: int
    existing: Inspection | None = None
    is_new: bool = True  # not in the tracker when planned (`existing` is set when written)
    questions: dict[int, PlannedQuestion] = field(default_factory=dict)
    by_text: dict[str, int] = field(default_factory=dict)  # folded text or label → number
    actions: dict[tuple[str, str], dict] = field(default_factory=dict)  # (kind, text) → row
    # The report's actions already in the tracker, by (kind, text folded).
    existing_actions: dict[tuple[str, str], Action] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.existing if self.existing is not None else self.new_inspection())

    def new_inspection(self, by: User | None = None) -> Inspection:
        """The report the rows name, as it will be added (unsaved)."""
        fields = ("format", "source", "title", "published", "year", "pillar")
        return new_report(self.force, by=by, **{name: getattr(self, name) for name in fields})

    def question_for(self, number: int | None, area: str) -> PlannedQuestion | str:
        """The area a row names (by number, or by name), or what is wrong with it."""
        folded = fold(area) if area else ""
        if number is not None:
            question = self.questions.get(number)
            if question is None:
                if not area:
                    return f"area {number} is not in this report yet: give its name in Area"
                if folded in self.by_text:
                    other = self.by_text[folded]
                    return f"“{area}” is area {other} of this report, not {number}"
                return self._add(number, area)
            if area and folded not in self._names(question):
                return f"area {number} of this report is “{question.text}”, not “{area}”"
            return question
        if not area:
            folded, area = fold(OTHER_FINDINGS), OTHER_FINDINGS
        if folded in self.by_text:
            return self.questions[self.by_text[folded]]
        return self._add(max(self.questions, default=0) + 1, area)

    def _names(self, question: PlannedQuestion) -> set[str]:
        names = {fold(question.text)}
        if question.existing is not None and question.existing.label:
            names.add(fold(question.existing.label))
        return names

    def _add(self, number: int, area: str) -> PlannedQuestion | str:
        if number > LARGEST_NUMBER:
            return f"an area number is at most {LARGEST_NUMBER:,}"
        question = PlannedQuestion(number=number, text=area.strip(), grade="")
        self.questions[number] = question
        self.by_text[fold(area)] = number
        return question


@dataclass
class PlannedRow:
    row: int
    report: PlannedReport | None = None
    question: PlannedQuestion | None = None
    kind: str = ""
    text: str = ""
    reference: str = ""
    parent_reference: str = ""
    owner: User | None = None
    due_date: datetime.date | None = None
    status: str = ""
    action: Action | None = None  # the action already there
    parent: PlannedRow | Action | None = None  # a recommendation's cause of concern
    outcome: str = NEW
    changes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "report": self.report.name if self.report else None,
            "area": self.question.number if self.question else None,
            "kind": self.kind,
            "reference": self.reference,
            "text": self.text,
            "action": self.action.pk if self.action else None,
            "changes": self.changes,
        }


@dataclass
class Plan:
    name: str
    rows: list[PlannedRow]
    errors: list[RowError]
    reports: list[PlannedReport]
    ignored: list[str]
    checked: int = 0  # the rows read

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    @property
    def new_reports(self) -> list[PlannedReport]:
        return [report for report in self.reports if report.is_new]

    @property
    def summary(self) -> str:
        counts = self.counts()
        said = f"{counts[NEW]} new, {counts[UPDATE]} updated, {counts[UNCHANGED]} unchanged"
        if reports := len(self.new_reports):
            said += f"; {reports} new report{'s' if reports != 1 else ''}"
        return said

    def digest(self) -> str:
        """What the plan would do, as a fingerprint: a preview confirmed is the plan that
        runs (the actions' versions are in it, so a change since the preview shows)."""
        parts = [
            f"{r.row}|{r.outcome}|{r.action.pk if r.action else ''}|"
            f"{r.action.version if r.action else ''}|{';'.join(r.changes)}"
            for r in self.rows
        ]
        parts += [str(error) for error in self.errors]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def as_json(self) -> dict:
        return {
            "file": self.name,
            "counts": self.counts(),
            "reports": [{"name": r.name, "new": r.is_new} for r in self.reports],
            "rows": [row.as_json() for row in self.rows],
            "errors": [error.as_json() for error in self.errors],
            "ignored_columns": self.ignored,
        }


def plan(table: Table, *, force: Force | None = None, by: User | None = None) -> Plan:
    """What importing `table` would do. `force`: the import is for this force only (rows may
    leave Force empty); `by`: who imports, checked for each force (None: a command)."""
    return _Planner(table, force=force, by=by).plan()


class _Planner:
    def __init__(self, table: Table, *, force: Force | None, by: User | None) -> None:
        self.table = table
        self.force = force
        self.by = by
        self.errors: list[RowError] = []
        self.reports: dict[tuple, PlannedReport] = {}
        self.forces = _forces()
        self.users: dict[int, dict[str, User]] = {}

    def plan(self) -> Plan:
        rows = []
        for number, cells in self.table.rows:
            row = self._row(number, cells)
            if row is not None:
                rows.append(row)
        self._references(rows)
        self._parents(rows)
        for row in rows:
            self._outcome(row)
        rows.sort(key=lambda row: row.row)
        self.errors.sort(key=lambda error: (error.row, COLUMN_ORDER.get(error.column or "", -1)))
        return Plan(
            name=self.table.name,
            rows=rows,
            errors=self.errors,
            reports=list(self.reports.values()),
            ignored=self.table.ignored,
            checked=len(self.table.rows),
        )

    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    # One row ----------------------------------------------------------------------------

    def _row(self, number: int, cells: dict[str, object]) -> PlannedRow | None:
        before = len(self.errors)
        for (row, column), formula in self.table.formulas.items():
            if row == number:
                self.error(
                    number,
                    column,
                    f"the formula {formula} has no value saved with the file. Open it in Excel or "
                    "LibreOffice and save it again, or type the value.",
                )
        text = normalise(_text(cells.get("text")))
        if not text:
            self.error(number, "text", "empty; every row needs the finding's text")
        elif text == EXAMPLE_TEXT:
            self.error(number, None, "this is the template's example row; delete it")
            return None
        kind = self._choice(number, cells, "kind", KIND_WORDS, required=True)
        report = self._report(number, cells)
        planned = PlannedRow(row=number, report=report, kind=kind or "", text=text)
        planned.reference = " ".join(_text(cells.get("reference")).split())
        if len(planned.reference) > REFERENCE_MAX_LENGTH:
            self.error(
                number,
                "reference",
                f"at most {REFERENCE_MAX_LENGTH} characters; this one has {len(planned.reference)}",
            )
        planned.parent_reference = " ".join(_text(cells.get("parent_reference")).split())
        if planned.parent_reference and kind and kind != Kind.RECOMMENDATION:
            self.error(
                number, "parent_reference", "only a recommendation has a parent; leave it empty"
            )
        planned.due_date = self._date(number, cells, "due_date")
        planned.status = self._choice(number, cells, "status", STATUS_WORDS) or ""
        if report is not None:
            planned.owner = self._owner(number, cells, report.force)
            planned.question = self._question(number, cells, report)
            if planned.question is not None and kind and text:
                key = (kind, text.casefold())
                if key in report.actions:
                    first = report.actions[key]
                    self.error(
                        number,
                        None,
                        f"the same finding as row {first['row']} (same report, kind and text); "
                        "delete one of them",
                    )
                else:
                    report.actions[key] = {"row": number}
        # A row with errors takes no part in matching: its errors are what the plan says of it.
        return planned if len(self.errors) == before else None

    def _choice(self, number, cells, column, words, *, required=False) -> str | None:
        value = _text(cells.get(column))
        if not value:
            if required:
                self.error(number, column, f"empty; {_choices(column)}")
            return None
        found = words.get(" ".join(value.split()).casefold())
        if found is None:
            self.error(number, column, f"“{value}” is not one of {_choices(column)}")
        return found

    def _date(self, number: int, cells, column: str) -> datetime.date | None:
        value = cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        day = _as_date(value)
        if day is None:
            self.error(
                number,
                column,
                f"“{_text(value)}” is not a date; write it as 2026-09-30 or 30/09/2026",
            )
        return day

    def _owner(self, number: int, cells, force: Force) -> User | None:
        wanted = _text(cells.get("owner"))
        if not wanted:
            return None
        if force.pk not in self.users:
            members = User.objects.filter(force=force, is_active=True).only(
                "username", "email", "first_name", "last_name", "force_id", "is_active"
            )
            self.users[force.pk] = {
                key: user
                for user in members
                for key in (user.username.casefold(), user.email.casefold())
                if key
            }
        user = self.users[force.pk].get(wanted.casefold())
        if user is not None:
            return user
        elsewhere = (
            User.objects.filter(Q(username__iexact=wanted) | Q(email__iexact=wanted))
            .select_related("force")
            .first()
        )
        if elsewhere is None:
            message = f"no user “{wanted}” in {force}; give a username or e-mail address"
        elif not elsewhere.is_active:
            message = f"“{wanted}” is a deactivated account; choose an active member of {force}"
        elif elsewhere.force is None:
            message = f"“{wanted}” is an inspector; an owner is a member of {force}"
        else:
            message = f"“{wanted}” is a member of {elsewhere.force}, not of {force}"
        self.error(number, "owner", message)
        return None

    # The report and its area ------------------------------------------------------------

    def _report(self, number: int, cells) -> PlannedReport | None:
        force = self._force(number, cells)
        source = " ".join(_text(cells.get("source")).split())
        title = " ".join(_text(cells.get("report_title")).split())
        published = self._date(number, cells, "published")
        if not source:
            self.error(
                number,
                "source",
                "empty; say where the findings come from (“HMICFRS PEEL 2023–25”, "
                "“Internal audit”)",
            )
            return None
        shape = _report_shape(source, title)
        if isinstance(shape, str):
            self.error(number, "source", shape)
            return None
        format, year, pillar = shape
        if format == ReportFormat.OTHER and not title:
            self.error(number, "report_title", "empty; a report that is not PEEL needs its title")
            return None
        if force is None:
            return None
        if format == ReportFormat.OTHER:
            key: tuple = (force.pk, format, title.casefold(), published)
        else:
            key = (force.pk, format, year, pillar)
        report = self.reports.get(key)
        if report is None:
            report = PlannedReport(
                force=force,
                format=format,
                source=source if format == ReportFormat.OTHER else "",
                title=title,
                published=published,
                year=year,
                pillar=pillar,
                first_row=number,
            )
            _find_existing(report)
            self.reports[key] = report
        elif format == ReportFormat.OTHER and source.casefold() != report.source.casefold():
            self.error(
                number,
                "source",
                f"row {report.first_row} gives this report the source “{report.source}”; rows of "
                "one report share it",
            )
        return report

    def _force(self, number: int, cells) -> Force | None:
        named = " ".join(_text(cells.get("force")).split())
        if not named:
            if self.force is None:
                self.error(number, "force", "empty; name the force (or import for one force)")
            return self.force
        force = self.forces.get(named.casefold())
        if force is None:
            self.error(number, "force", f"“{named}” is not one of the 43 forces")
            return None
        if self.force is not None and force != self.force:
            self.error(
                number, "force", f"{force}: this import is for {self.force} only; leave it empty"
            )
            return None
        if self.by is not None and not self.by.may_import_for(force):
            self.error(number, "force", f"you may not import findings for {force}")
            return None
        return force

    def _question(self, number: int, cells, report: PlannedReport) -> PlannedQuestion | None:
        area = " ".join(_text(cells.get("area")).split())
        wanted = _text(cells.get("area_number"))
        area_number = None
        if wanted:
            match = _AREA_NUMBER.fullmatch(wanted)
            if match is None or int(match[1]) < 1:
                self.error(number, "area_number", f"“{wanted}” is not a number (1, 2, 3…)")
                return None
            area_number = int(match[1])
        grade = self._choice(number, cells, "area_grade", GRADE_WORDS)
        area, area_number = _official(report, area, area_number)
        found = report.question_for(area_number, area)
        if isinstance(found, str):
            self.error(number, "area", found)
            return None
        if found.first_row == 0:
            found.first_row = number
        if grade:
            if found.existing is not None and found.existing.grade and found.grade != grade:
                self.error(
                    number,
                    "area_grade",
                    f"the report grades area {found.number} "
                    f"{GRADE_LABELS[found.grade]}; change a report's grades in the admin, or "
                    "leave this empty",
                )
            elif found.existing is None and found.grade and found.grade != grade:
                self.error(
                    number,
                    "area_grade",
                    f"row {found.first_row} grades this area {GRADE_LABELS[found.grade]}",
                )
            else:
                found.grade = grade
        return found

    # Across rows ------------------------------------------------------------------------

    def _references(self, rows: list[PlannedRow]) -> None:
        """Match each row to its action, then check each report's references stay unique."""
        for row in rows:
            if row.report is None:
                continue
            row.action = row.report.existing_actions.get((row.kind, row.text.casefold()))
        by_report: dict[int, dict[str, list]] = {}
        for report in self.reports.values():
            finals: dict[str, list] = {}
            matched = {row.action.pk: row for row in rows if row.report is report and row.action}
            for action in report.existing_actions.values():
                matching = matched.get(action.pk)
                final = matching.reference if matching and matching.reference else action.reference
                if final:
                    finals.setdefault(final.casefold(), []).append(matching or action)
            for row in rows:
                if row.report is report and row.action is None and row.reference:
                    finals.setdefault(row.reference.casefold(), []).append(row)
            by_report[id(report)] = finals
            for holders in finals.values():
                if len(holders) < 2:
                    continue
                for holder in holders:
                    if isinstance(holder, PlannedRow):
                        others = ", ".join(_holder(h) for h in holders if h is not holder)
                        self.error(
                            holder.row,
                            "reference",
                            f"“{holder.reference}” is also the reference of {others}; a "
                            "reference is unique within its report",
                        )
        self._finals = by_report

    def _parents(self, rows: list[PlannedRow]) -> None:
        for row in rows:
            if not row.parent_reference or row.report is None:
                continue
            holders = self._finals[id(row.report)].get(row.parent_reference.casefold(), [])
            if not holders:
                self.error(
                    row.row,
                    "parent_reference",
                    f"no finding of this report has the reference “{row.parent_reference}”",
                )
                continue
            parent = holders[0]
            kind = parent.kind
            if kind not in PARENT_KINDS:
                self.error(
                    row.row,
                    "parent_reference",
                    f"“{row.parent_reference}” is {Kind(kind).label.lower()}; a recommendation's "
                    "parent is a cause of concern",
                )
                continue
            parent_action = parent if isinstance(parent, Action) else parent.action
            if row.action is not None and (
                parent_action is None or row.action.parent_id != parent_action.pk
            ):
                self.error(
                    row.row,
                    "parent_reference",
                    "this recommendation is already in the tracker with another parent; a "
                    "spreadsheet does not move it (change it in the admin)",
                )
            row.parent = parent

    def _outcome(self, row: PlannedRow) -> None:
        action = row.action
        if action is None:
            row.outcome = NEW
            return
        changes = []
        if row.reference and row.reference != action.reference:
            changes.append(f"reference: {action.reference or '—'} → {row.reference}")
        if row.owner is not None and row.owner.pk != action.owner_id:
            old = action.owner.username if action.owner else "unassigned"
            changes.append(f"owner: {old} → {row.owner.username}")
        if row.due_date is not None and row.due_date != action.due_date:
            old = action.due_date.isoformat() if action.due_date else "none"
            changes.append(f"due date: {old} → {row.due_date.isoformat()}")
        if row.status == Status.IN_PROGRESS and action.status == Status.NOT_STARTED:
            changes.append(f"status: {Status.NOT_STARTED.label} → {Status.IN_PROGRESS.label}")
        if changes and not allows_changes(action.status):
            self.error(
                row.row,
                None,
                f"action {action.pk} is {action.get_status_display()} and takes no changes "
                f"({'; '.join(changes)}); an inspector must reopen or reinstate it first",
            )
        if changes and self.by is not None:
            self._check_may_change(row, action)
        row.changes = changes
        row.outcome = UPDATE if changes else UNCHANGED

    def _check_may_change(self, row: PlannedRow, action: Action) -> None:
        """The permission table's rule for the person importing: force staff change only the
        actions they own, and only a force lead or an inspector gives one an owner."""
        assert self.by is not None
        role = self.by.role_for(action)
        owns = action.owner_id is not None and action.owner_id == self.by.pk
        needed: list[tuple[Capability, str | None]] = [(Capability.CHANGE, None)]
        if row.owner is not None and row.owner.pk != action.owner_id:
            needed.append((Capability.ASSIGN, "owner"))
        for capability, column in needed:
            if not may(role, capability, is_owner=owns):
                self.error(row.row, column, f"action {action.pk}: {who_may(role, capability)}")
                return


COLUMN_ORDER = {column.name: index for index, column in enumerate(COLUMNS)}
GRADE_LABELS = {grade.value: grade.label for grade in GRADE_WORDS.values()}


def _holder(holder) -> str:
    return f"row {holder.row}" if isinstance(holder, PlannedRow) else f"action {holder.pk}"


def _choices(column: str) -> str:
    words = {
        "kind": [kind.label for kind in Kind],
        "area_grade": list(GRADE_LABELS.values()),
        "status": [status.label for status in STATUS_WORDS.values()],
    }[column]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _as_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 1 <= value < 2958466:  # an unformatted Excel date
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = str(value).strip()
    try:
        return datetime.date.fromisoformat(text[:10] if "T" in text else text)
    except ValueError:
        pass
    match = _UK_DATE.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    if year < 100:
        year += 2000
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _report_shape(source: str, title: str) -> tuple[str, int | None, str] | str:
    """(format, year, pillar) for a row's source and title, or what is wrong."""
    if "peel" not in source.casefold():
        return ReportFormat.OTHER, None, ""
    for pattern, format in _CYCLES:
        if pattern.search(source):
            return format, int(format.value.split("-")[1]), ""
    words = f"{source} {title}".casefold()
    year = _PILLAR_YEAR.search(words)
    pillars = [pillar for pillar in _PILLARS if pillar in words]
    if year and len(pillars) == 1:
        return ReportFormat.PEEL_2014_2019, int(year[1]), pillars[0]
    return (
        "a PEEL source names its cycle (“HMICFRS PEEL 2023–25”, 2021/22 or 2025–27), or a "
        "2014–2019 report's year and pillar (“HMICFRS PEEL 2017 Efficiency”)"
    )


def _official(report: PlannedReport, area: str, number: int | None) -> tuple[str, int | None]:
    """A PEEL area as HMICFRS labels it, and a PEEL question with HMICFRS's number, when the
    framework knows them (tracker/reports/framework.py); otherwise as the row wrote them."""
    if not area:
        return area, number
    if report.format in PEEL_CYCLES:
        return official_area(PEEL_CYCLES[ReportFormat(report.format)], area) or area, number
    if report.format == ReportFormat.PEEL_2014_2019 and number is None:
        return area, question_number(report.year, report.pillar, area)
    return area, number


def _forces() -> dict[str, Force]:
    forces = {}
    for force in Force.objects.all():
        for name in (force.name, force.short_name, force.slug):
            forces[name.casefold()] = force
    return forces


def _find_existing(report: PlannedReport) -> None:
    """The report already in the tracker, with its areas and its actions."""
    found = Inspection.objects.filter(force=report.force, format=report.format)
    if report.format == ReportFormat.OTHER:
        found = found.filter(title__iexact=report.title, published=report.published)
    elif report.format == ReportFormat.PEEL_2014_2019:
        found = found.filter(year=report.year, pillar=report.pillar, programme="PEEL")
    report.existing = found.defer("summary", "source_text").first()
    report.is_new = report.existing is None
    if report.existing is None:
        return
    for question in report.existing.questions.defer("narrative"):
        planned = PlannedQuestion(
            number=question.number, text=question.text, grade=question.grade, existing=question
        )
        report.questions[question.number] = planned
        for name in {question.text, question.label} - {""}:
            report.by_text.setdefault(fold(name), question.number)
    actions = (
        Action.objects.filter(question__inspection=report.existing)
        .select_related("owner")
        .only(
            "id",
            "question_id",
            "kind",
            "text",
            "reference",
            "owner",
            "due_date",
            "status",
            "version",
            "parent_id",
            "force_id",
            "owner__username",
        )  # fmt: skip
    )
    report.existing_actions = {
        (action.kind, normalise(action.text).casefold()): action for action in actions
    }

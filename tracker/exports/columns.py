"""The export's columns: each one's Python and SQL side by side, in the order they are written.

Columns are an interface (docs/architecture.md, "CSV export"): change them only with the team.

`python` turns one row of `export_rows()` into the cell the csv module writes; `sql` is the
expression whose text PostgreSQL's COPY writes for the same cell. Both must give the same
bytes (tests/test_export_copy.py): the text is neutralised against spreadsheet formulas
(`neutralise` and its SQL twin), choices are written as their labels, dates in ISO 8601, and
"overdue" is the rulebook's (tracker/workflow.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf
from django.db.models.lookups import In
from django.urls import reverse

from tracker import labels as choice_labels
from tracker.models import (
    FORMAT_NOUNS,
    NAME_FIELDS,
    PEEL_CYCLES,
    EvidenceNote,
    Grade,
    Kind,
    Pillar,
    ReportFormat,
    report_name,
)
from tracker.workflow import Status, is_overdue, overdue_q

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Every character whose NFKC form starts with a formula prefix: a spreadsheet may read the
# full-width "＝" or the small "﹫" as "=" or "@". Checking the first character against this
# set is the NFKC check done once, here, rather than per cell in Python and SQL alike;
# tests/test_export_copy.py proves the set complete for this Python's Unicode.
FORMULA_STARTS = frozenset(
    "=+-@\t\r"
    "\u207a\u207c\u208a\u208c"  # superscript and subscript plus and equals
    "\u2a75\u2a76"  # two and three consecutive equals signs
    "\ufb29"  # Hebrew alternative plus sign
    "\ufe62\ufe63\ufe66\ufe6b"  # small plus, hyphen-minus, equals, commercial at
    "\uff0b\uff0d\uff1d\uff20"  # full-width plus, hyphen-minus, equals, commercial at
)


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def neutralised(expression) -> Case:
    """SQL `neutralise()`: a CASE on the first character, `left(x, 1) IN (FORMULA_STARTS)`.

    `expression` is written out twice (tested, then returned), so give it a column: the
    inspection neutralises its first part, the last note inside its subquery. A CASE costs
    PostgreSQL far less than the `regexp_replace` it replaces (docs/performance.md).
    """
    return Case(
        When(
            In(Left(expression, 1), sorted(FORMULA_STARTS)),
            then=Concat(_text("'"), expression, output_field=TextField()),
        ),
        default=expression,
        output_field=TextField(),
    )


def _cell(expression) -> NullIf:
    """An empty string goes to COPY as NULL, which it writes unquoted, as the csv module does."""
    return NullIf(expression, Value(""), output_field=TextField())


def _labels(field: str, choices, default) -> Case:
    """A choice's label, neutralised once here; any other value (none, by constraint) in SQL."""
    return Case(
        *(When(**{field: value}, then=Value(neutralise(label))) for value, label in choices),
        default=neutralised(default),
        output_field=TextField(),
    )


def _to_char(expression, pattern: str) -> Func:
    return Func(expression, Value(pattern), function="to_char", output_field=TextField())


def _text(value: str) -> Value:
    return Value(value, output_field=TextField())


def format_timestamp(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Shared by both engines, so that both count and pick the last note the same way.


def _note_count() -> Subquery:
    notes = EvidenceNote.objects.filter(action=OuterRef("pk")).order_by()
    return Subquery(notes.values("action").annotate(n=Count("pk")).values("n")[:1])


def _last_note(body=None) -> Subquery:
    """The body of the action's last note; or `body`, an expression of that note's columns."""
    notes = EvidenceNote.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    return Subquery((notes.values("body") if body is None else notes.values(cell=body))[:1])


def url_pattern(base_url: str) -> str:
    """The action page's absolute URL with `{}` for the id."""
    return base_url.rstrip("/") + reverse("action-detail", args=[0]).replace("/0/", "/{}/")


@dataclass(frozen=True)
class Context:
    """What cells depend on besides the row: the day "overdue" is judged on, the site's URL."""

    today: datetime.date
    url_pattern: str


@dataclass(frozen=True)
class Column:
    name: str
    python: Callable[[Any, Context], object]  # a row of `export_rows()` -> the cell
    sql: Callable[[Context], Any]  # -> the expression whose text is the cell


def _pillar_label(pillar: str) -> str:
    return neutralise(choice_labels.PILLAR.get(pillar, pillar))


def _pillar_sql() -> NullIf:
    pillar = "question__inspection__pillar"
    return _cell(_labels(pillar, Pillar.choices, F(pillar)))


def _inspection_name(row) -> str:
    fields = {field: getattr(row, f"question__inspection__{field}") for field in NAME_FIELDS}
    return neutralise(report_name(**fields))


def _inspection_name_sql() -> Case:
    """`report_name()` in SQL: a pillar page's programme, year and pillar; a PEEL 2021+
    report's programme and cycle; another inspection's title; else the programme, what the
    report is and when it was published.

    Every name starts with the programme or the title (or, were the programme empty, a space):
    neutralising that first part neutralises the cell, without writing the CASE out twice."""
    programme = neutralised(F("question__inspection__programme"))
    published = _to_char(F("question__inspection__published"), "YYYY-MM-DD")
    return Case(
        When(
            question__inspection__format=ReportFormat.PEEL_2014_2019,
            then=Concat(
                programme,
                _text(" "),
                Cast("question__inspection__year", TextField()),
                _text(" "),
                _labels("question__inspection__pillar", Pillar.choices, Value("")),
                output_field=TextField(),
            ),
        ),
        *(
            When(
                question__inspection__format=format,
                then=Concat(programme, _text(f" {cycle}"), output_field=TextField()),
            )
            for format, cycle in PEEL_CYCLES.items()
        ),
        When(
            ~Q(question__inspection__title=""),
            question__inspection__format=ReportFormat.OTHER,
            then=neutralised(F("question__inspection__title")),
        ),
        *(
            When(
                question__inspection__format=format,
                then=Concat(
                    programme,
                    _text(f" {noun}"),
                    Case(
                        When(
                            question__inspection__published__isnull=False,
                            then=Concat(_text(" "), published, output_field=TextField()),
                        ),
                        default=_text(""),
                        output_field=TextField(),
                    ),
                    output_field=TextField(),
                ),
            )
            for format, noun in FORMAT_NOUNS.items()
        ),
        default=programme,
        output_field=TextField(),
    )


def _in_utc(field: str) -> Func:
    return Func(
        F(field), template="(%(expressions)s AT TIME ZONE 'UTC')", output_field=DateTimeField()
    )


def _url_sql(context: Context) -> Concat:
    prefix, suffix = context.url_pattern.split("{}")
    return Concat(_text(prefix), Cast("pk", TextField()), _text(suffix))


def _typed(name: str, field: str) -> Column:
    """Text as someone typed it (a name, a question, a finding): neutralised; empty if none."""
    return Column(
        name,
        lambda row, _: neutralise(getattr(row, field) or ""),
        lambda _: _cell(neutralised(F(field))),
    )


def _choice(field: str, choices: type[TextChoices]) -> Column:
    """A choice of the action's own, as its label (an unknown value as it is)."""
    labels = choice_labels.labels_of(choices)
    return Column(
        field,
        lambda row, _: neutralise(labels.get(getattr(row, field), getattr(row, field))),
        lambda _: _labels(field, choices.choices, F(field)),
    )


COLUMNS: tuple[Column, ...] = (
    Column("action_id", lambda row, _: row.pk, lambda _: F("pk")),
    _typed("force", "force__name"),
    Column("inspection", lambda row, _: _inspection_name(row), lambda _: _inspection_name_sql()),
    Column(
        "pillar",
        lambda row, _: _pillar_label(row.question__inspection__pillar),
        lambda _: _pillar_sql(),
    ),
    Column("question_number", lambda row, _: row.question__number, lambda _: F("question__number")),
    _typed("question", "question__text"),
    Column(
        "question_grade",
        lambda row, _: neutralise(choice_labels.GRADE.get(row.question__grade, "")),
        lambda _: _cell(_labels("question__grade", Grade.choices, Value(""))),
    ),
    _typed("area_for_improvement", "text"),
    _typed("owner", "owner__username"),
    _choice("status", Status),
    Column(
        "due_date",
        lambda row, _: row.due_date.isoformat() if row.due_date else "",
        lambda _: _to_char(F("due_date"), "YYYY-MM-DD"),
    ),
    Column(
        "overdue",
        lambda row, context: "yes" if is_overdue(row.status, row.due_date, context.today) else "no",
        lambda context: Case(
            When(overdue_q(context.today), then=Value("yes")),
            default=Value("no"),
            output_field=TextField(),
        ),
    ),
    Column(
        "evidence_notes",
        lambda row, _: row.note_count or 0,
        lambda _: Coalesce(_note_count(), Value(0), output_field=IntegerField()),
    ),
    Column(
        "last_note",
        lambda row, _: neutralise(row.last_note or ""),
        lambda _: _cell(_last_note(neutralised(F("body")))),
    ),
    Column(
        "last_updated",
        lambda row, _: format_timestamp(row.updated_at),
        lambda _: _to_char(_in_utc("updated_at"), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    ),
    Column(
        "url",
        lambda row, context: context.url_pattern.format(row.pk),
        _url_sql,
    ),
    # Since 2021+ reports: what the report found, a recommendation's cause of concern, and its
    # deadline in the report's words. Added at the end, so columns read by position stay put.
    _choice("kind", Kind),
    Column(
        "parent_action_id",
        lambda row, _: "" if row.parent_id is None else row.parent_id,
        lambda _: F("parent_id"),
    ),
    _typed("deadline", "deadline_text"),
    # The force's own reference for the finding ("AFI 7"), typed by a person: neutralised.
    _typed("reference", "reference"),
)
HEADER = tuple(column.name for column in COLUMNS)


def export_rows(queryset: QuerySet) -> QuerySet:
    """What the columns' Python reads, as one query (note count and last note as subqueries)."""
    with_notes = queryset.annotate(note_count=_note_count(), last_note=_last_note())
    return with_notes.values_list(
        "pk",
        "force__name",
        *(f"question__inspection__{field}" for field in NAME_FIELDS),
        "question__number",
        "question__text",
        "question__grade",
        "text",
        "owner__username",
        "status",
        "due_date",
        "updated_at",
        "note_count",
        "last_note",
        "kind",
        "parent_id",
        "deadline_text",
        "reference",
        named=True,
    )

"""The export's columns: each one's Python and SQL side by side, in the order they are written.

Columns are an interface (docs/architecture.md, "CSV export"): change them only with the team.

`python` turns one row of `export_rows()` into the cell the csv module writes; `sql` is the
expression whose text PostgreSQL's COPY writes for the same cell. Both must give the same
bytes (tests/test_export_copy.py): the text is neutralised against spreadsheet formulas
(`neutralise` and its SQL twin), choices are written as their labels, dates in ISO 8601, times
in the site's time zone with their offset, and "overdue" and RAG are the rulebook's
(tracker/workflow.py).

The XLSX export (`xlsx.py`) writes the same columns: a column's `typed` gives its cell as a
date, a time or a number where the CSV's text would not do, and `width` its width there.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
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
from django.utils import timezone

from tracker import labels as choice_labels
from tracker.models import (
    FORMAT_NOUNS,
    NAME_FIELDS,
    PEEL_CYCLES,
    ActionEvent,
    EvidenceNote,
    Grade,
    Kind,
    Pillar,
    ReportFormat,
    report_name,
)
from tracker.workflow import (
    OPEN_STATUSES,
    Rag,
    Status,
    due_soon_q,
    is_overdue,
    overdue_q,
    rag,
)

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


def local_time(value: datetime.datetime) -> datetime.datetime:
    """A stored time in the site's time zone (settings.TIME_ZONE), to the second."""
    return value.astimezone(timezone.get_default_timezone()).replace(microsecond=0)


def format_timestamp(value: datetime.datetime | None) -> str:
    """ISO 8601 in the site's time zone with its offset: 2026-07-05T10:30:00+01:00."""
    return "" if value is None else local_time(value).isoformat()


def _local_time_sql(field: str) -> Func:
    """`format_timestamp()` in SQL (NULL for none). Django's connection speaks UTC, so the
    offset is the difference between the time read in the site's zone and in UTC."""
    zone = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_/+-]+", zone):  # written into the SQL as a literal
        raise ValueError(f"unexpected TIME_ZONE {zone!r}")
    local = f"(%(expressions)s AT TIME ZONE '{zone}')"
    utc = "(%(expressions)s AT TIME ZONE 'UTC')"
    template = (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN {local} >= {utc} "
        f"THEN '+' || to_char({local} - {utc}, 'HH24:MI') "
        f"ELSE '-' || to_char({utc} - {local}, 'HH24:MI') END"
    )
    return Func(F(field), template=template, output_field=TextField())


# Full names as `User.display_name` gives them (Django's get_full_name strips whitespace).
NAME_SPACE = " \t\n\r\x0b\x0c"


def person_name(first: str | None, last: str | None, username: str | None) -> str:
    """A person's full name, or their username if they have none; empty for no one."""
    if username is None:
        return ""
    return f"{first} {last}".strip(NAME_SPACE) or username


def _person_name_sql(user: str) -> Coalesce:
    full = Func(
        Concat(
            F(f"{user}__first_name"),
            _text(" "),
            F(f"{user}__last_name"),
            output_field=TextField(),
        ),
        _text(NAME_SPACE),
        function="btrim",
        output_field=TextField(),
    )
    return Coalesce(NullIf(full, _text("")), F(f"{user}__username"), output_field=TextField())


# Shared by both engines, so that both count and pick the last note the same way.


def _note_count() -> Subquery:
    notes = EvidenceNote.objects.filter(action=OuterRef("pk")).order_by()
    return Subquery(notes.values("action").annotate(n=Count("pk")).values("n")[:1])


def _last_note(body=None) -> Subquery:
    """The body of the action's last note; or `body`, an expression of that note's columns."""
    notes = EvidenceNote.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    return Subquery((notes.values("body") if body is None else notes.values(cell=body))[:1])


def _due_date_revisions() -> Subquery:
    """How many times the due date was revised: due-date events that changed a date set before."""
    events = (
        ActionEvent.objects.filter(action=OuterRef("pk"), kind=ActionEvent.Kind.DUE_DATE)
        .exclude(old_value="")
        .exclude(new_value=F("old_value"))
        .order_by()
    )
    return Subquery(events.values("action").annotate(n=Count("pk")).values("n")[:1])


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
    # The XLSX's cell, when it is not `python`'s: a date, a time or a number (None: empty).
    typed: Callable[[Any, Context], object] | None = None
    width: float = 14  # in the XLSX, in characters


def _date(name: str, field: str) -> Column:
    """A date: YYYY-MM-DD, or empty."""
    return Column(
        name,
        lambda row, _: getattr(row, field).isoformat() if getattr(row, field) else "",
        lambda _: _to_char(F(field), "YYYY-MM-DD"),
        typed=lambda row, _: getattr(row, field),
        width=12,
    )


def _time(name: str, field: str) -> Column:
    """A time in the site's time zone, with its offset in the CSV (`format_timestamp`)."""
    return Column(
        name,
        lambda row, _: format_timestamp(getattr(row, field)),
        lambda _: _local_time_sql(field),
        typed=lambda row, _: _naive_local(getattr(row, field)),
        width=20,
    )


def _naive_local(value: datetime.datetime | None) -> datetime.datetime | None:
    """A spreadsheet's time has no zone: the site's local time."""
    return None if value is None else local_time(value).replace(tzinfo=None)


def _yes_no(name: str, python: Callable[[Any, Context], bool], q: Callable[[Context], Q]) -> Column:
    return Column(
        name,
        lambda row, context: "yes" if python(row, context) else "no",
        lambda context: Case(
            When(q(context), then=Value("yes")), default=Value("no"), output_field=TextField()
        ),
        width=9,
    )


def _rag_sql(context: Context) -> Case:
    """`workflow.rag` in SQL, in its order: done, overdue, due soon, else on track."""
    return Case(
        When(~Q(status__in=OPEN_STATUSES), then=Value(Rag.GREY.value)),
        When(overdue_q(context.today), then=Value(Rag.RED.value)),
        When(due_soon_q(context.today), then=Value(Rag.AMBER.value)),
        default=Value(Rag.GREEN.value),
        output_field=TextField(),
    )


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


def _url_sql(context: Context) -> Concat:
    prefix, suffix = context.url_pattern.split("{}")
    return Concat(_text(prefix), Cast("pk", TextField()), _text(suffix))


def _typed(name: str, field: str, width: float = 14) -> Column:
    """Text as someone typed it (a name, a question, a finding): neutralised; empty if none."""
    return Column(
        name,
        lambda row, _: neutralise(getattr(row, field) or ""),
        lambda _: _cell(neutralised(F(field))),
        width=width,
    )


def _person(name: str, user: str) -> Column:
    """A person's name (`person_name`): neutralised; empty for no one."""
    return Column(
        name,
        lambda row, _: neutralise(
            person_name(
                getattr(row, f"{user}__first_name"),
                getattr(row, f"{user}__last_name"),
                getattr(row, f"{user}__username"),
            )
        ),
        lambda _: _cell(neutralised(_person_name_sql(user))),
        width=20,
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
    Column("action_id", lambda row, _: row.pk, lambda _: F("pk"), width=10),
    _typed("force", "force__name", width=24),
    Column(
        "inspection",
        lambda row, _: _inspection_name(row),
        lambda _: _inspection_name_sql(),
        width=28,
    ),
    Column(
        "pillar",
        lambda row, _: _pillar_label(row.question__inspection__pillar),
        lambda _: _pillar_sql(),
    ),
    Column(
        "question_number",
        lambda row, _: row.question__number,
        lambda _: F("question__number"),
        width=10,
    ),
    _typed("question", "question__text", width=50),
    Column(
        "question_grade",
        lambda row, _: neutralise(choice_labels.GRADE.get(row.question__grade, "")),
        lambda _: _cell(_labels("question__grade", Grade.choices, Value(""))),
        width=20,
    ),
    _typed("area_for_improvement", "text", width=60),
    _typed("owner", "owner__username", width=16),
    _choice("status", Status),
    _date("due_date", "due_date"),
    _yes_no(
        "overdue",
        lambda row, context: is_overdue(row.status, row.due_date, context.today),
        lambda context: overdue_q(context.today),
    ),
    Column(
        "evidence_notes",
        lambda row, _: row.note_count or 0,
        lambda _: Coalesce(_note_count(), Value(0), output_field=IntegerField()),
        width=10,
    ),
    Column(
        "last_note",
        lambda row, _: neutralise(row.last_note or ""),
        lambda _: _cell(_last_note(neutralised(F("body")))),
        width=50,
    ),
    _time("last_updated", "updated_at"),
    Column("url", lambda row, context: context.url_pattern.format(row.pk), _url_sql, width=40),
    # Since 2021+ reports: what the report found, a recommendation's cause of concern, and its
    # deadline in the report's words. Added at the end, so columns read by position stay put.
    _choice("kind", Kind),
    Column(
        "parent_action_id",
        lambda row, _: "" if row.parent_id is None else row.parent_id,
        lambda _: F("parent_id"),
        typed=lambda row, _: row.parent_id,
        width=10,
    ),
    _typed("deadline", "deadline_text", width=24),
    # The force's own reference for the finding ("AFI 7"), typed by a person: neutralised.
    _typed("reference", "reference"),
    # Since issue 15: how the due date has moved, what holds the action up, where it stands,
    # and who closed it when.
    _date("original_due_date", "original_due_date"),
    Column(
        "due_date_revisions",
        lambda row, _: row.due_date_revisions or 0,
        lambda _: Coalesce(_due_date_revisions(), Value(0), output_field=IntegerField()),
        width=10,
    ),
    _typed("blocked_reason", "blocked_reason", width=40),
    Column(
        "rag",
        lambda row, context: rag(row.status, row.due_date, context.today).value,
        _rag_sql,
        width=8,
    ),
    _yes_no("returned", lambda row, _: row.returned_at is not None, lambda _: ~Q(returned_at=None)),
    _time("closed_at", "closed_at"),
    _person("closed_by", "closed_by"),
    _person("owner_name", "owner"),
)
HEADER = tuple(column.name for column in COLUMNS)


def export_rows(queryset: QuerySet) -> QuerySet:
    """What the columns' Python reads, as one query (note count and last note as subqueries)."""
    with_notes = queryset.annotate(
        note_count=_note_count(),
        last_note=_last_note(),
        due_date_revisions=_due_date_revisions(),
    )
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
        "original_due_date",
        "blocked_reason",
        "returned_at",
        "closed_at",
        "closed_by__first_name",
        "closed_by__last_name",
        "closed_by__username",
        "owner__first_name",
        "owner__last_name",
        "due_date_revisions",
        named=True,
    )

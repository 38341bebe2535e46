"""The one CSV writer: the list view's export, the admin action and commands all call it.

Columns are an interface (docs/architecture.md, "CSV export"): change them only with the team.

Two ways to the same bytes:

- On PostgreSQL, `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)`: the SELECT does the work
  Python would do per cell (labels, the formula neutralisation, `yes`/`no`, dates, URLs) and
  PostgreSQL's CSV quoting is the csv module's QUOTE_MINIMAL (quote a cell holding a comma, a
  quote, CR or LF; double the quotes). Two differences are bridged: PostgreSQL quotes an empty
  string (to tell it from NULL), so empty cells are sent as NULL; and it ends rows with `\\n`,
  not `\\r\\n`, which is fixed on the way out (see `_crlf_rows`). A thread runs the COPY into a
  pipe and the generator reads the pipe, so memory stays flat and bytes flow from the first
  row. About 3x faster than the Python loop, and within sight of COPY itself (bench/run.py).
- Elsewhere (SQLite), Python: `values_list().iterator()` and the csv module.

tests/test_export_copy.py proves both produce byte-identical files for awkward data.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import threading
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connections
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
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from tracker.models import EvidenceNote, Grade, Pillar
from tracker.workflow import OPEN_STATUSES, Status

HEADER = (
    "action_id",
    "force",
    "inspection",
    "pillar",
    "question_number",
    "question",
    "question_grade",
    "area_for_improvement",
    "owner",
    "status",
    "due_date",
    "overdue",
    "evidence_notes",
    "last_note",
    "last_updated",
    "url",
)
BOM = "\ufeff"
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
CHUNK_SIZE = 2000
PIPE_CHUNK = 64 * 1024

_STATUS_LABELS = dict(Status.choices)
_GRADE_LABELS = dict(Grade.choices)
_PILLAR_LABELS = dict(Pillar.choices)


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def export_filename(force_slug: str | None, today=None) -> str:
    today = today or timezone.localdate()
    return f"peel-actions-{force_slug or 'all-forces'}-{today.isoformat()}.csv"


def write_actions_csv(queryset: QuerySet, out: SupportsWrite[str], base_url: str = "") -> int:
    """Write the export of `queryset` to a text stream; return the number of actions written."""
    chunks = _chunks(queryset, base_url)
    while True:
        try:
            out.write(next(chunks))
        except StopIteration as done:
            return done.value


def stream_actions_csv(queryset: QuerySet, base_url: str = "") -> Generator[str, None, int]:
    """Yield the export in pieces (for StreamingHttpResponse): constant memory.

    The generator returns the number of actions written (`rows = yield from ...`).
    """
    return (yield from _chunks(queryset, base_url))


def _chunks(queryset: QuerySet, base_url: str, today=None) -> Generator[str, None, int]:
    """The export as str pieces, BOM and header first; returns the number of rows."""
    today = today or timezone.localdate()
    if connections[queryset.db].vendor == "postgresql":
        return (yield from copy_chunks(queryset, base_url, today))
    return (yield from python_chunks(queryset, base_url, today))


def _url_pattern(base_url: str) -> str:
    """The action page's absolute URL with `{}` for the id."""
    return base_url.rstrip("/") + reverse("action-detail", args=[0]).replace("/0/", "/{}/")


def _header_line() -> str:
    line = io.StringIO()
    csv.writer(line).writerow(HEADER)
    return BOM + line.getvalue()


# Shared by both paths, so that both count and pick the last note the same way.


def _note_count() -> Subquery:
    notes = EvidenceNote.objects.filter(action=OuterRef("pk")).order_by()
    return Subquery(notes.values("action").annotate(n=Count("pk")).values("n")[:1])


def _last_note() -> Subquery:
    notes = EvidenceNote.objects.filter(action=OuterRef("pk"))
    return Subquery(notes.order_by("-created_at", "-pk").values("body")[:1])


# The Python path -----------------------------------------------------------------------------


def export_rows(queryset: QuerySet) -> QuerySet:
    """The columns of the export as one query (note count and last note as subqueries)."""
    return queryset.values_list(
        "pk",
        "force__name",
        "question__inspection__programme",
        "question__inspection__year",
        "question__inspection__pillar",
        "question__number",
        "question__text",
        "question__grade",
        "text",
        "owner__username",
        "status",
        "due_date",
        "updated_at",
    ).annotate(note_count=_note_count(), last_note=_last_note())


def iter_csv_rows(queryset: QuerySet, base_url: str = "", today=None) -> Iterator[tuple]:
    today = today or timezone.localdate()
    yield HEADER
    url_pattern = _url_pattern(base_url)
    for (
        pk,
        force,
        programme,
        year,
        pillar,
        number,
        question,
        grade,
        text,
        owner,
        status,
        due_date,
        updated_at,
        note_count,
        last_note,
    ) in export_rows(queryset).iterator(chunk_size=CHUNK_SIZE):
        pillar_label = neutralise(_PILLAR_LABELS.get(pillar, pillar))
        yield (
            pk,
            neutralise(force),
            neutralise(f"{programme} {year} {pillar_label}"),
            pillar_label,
            number,
            neutralise(question),
            neutralise(_GRADE_LABELS.get(grade, "")),
            neutralise(text),
            neutralise(owner or ""),
            neutralise(_STATUS_LABELS.get(status, status)),
            due_date.isoformat() if due_date else "",
            "yes" if due_date and due_date < today and status in OPEN_STATUSES else "no",
            note_count or 0,
            neutralise(last_note or ""),
            format_timestamp(updated_at),
            url_pattern.format(pk),
        )


def format_timestamp(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Echo:
    """A file-like object whose write() returns the line, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def python_chunks(queryset: QuerySet, base_url: str = "", today=None) -> Generator[str, None, int]:
    """The export line by line through the csv module; returns the number of rows."""
    writer = csv.writer(_Echo())
    rows = iter_csv_rows(queryset, base_url, today)
    yield BOM + writer.writerow(next(rows))
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        yield writer.writerow(row)
    return count


# The PostgreSQL path -------------------------------------------------------------------------


def _labels(field: str, choices, default) -> Case:
    """A choice's label, neutralised once here; any other value (none, by constraint) in SQL."""
    return Case(
        *(When(**{field: value}, then=Value(neutralise(label))) for value, label in choices),
        default=_neutralised(default),
        output_field=TextField(),
    )


# A regular-expression class of FORMULA_STARTS: "-" last, where it is a literal.
_FORMULA_CLASS = "[" + "".join(sorted(FORMULA_STARTS - {"-"})) + "-]"


def _neutralised(expression) -> Func:
    """SQL `neutralise()`: evaluates `expression` once (it may be a correlated subquery)."""
    return Func(
        expression,
        Value(f"^({_FORMULA_CLASS})"),
        Value("'\\1"),
        function="regexp_replace",
        output_field=TextField(),
    )


def _cell(expression) -> NullIf:
    """An empty string goes to COPY as NULL, which it writes unquoted, as the csv module does."""
    return NullIf(expression, Value(""), output_field=TextField())


def _to_char(expression, pattern: str) -> Func:
    return Func(expression, Value(pattern), function="to_char", output_field=TextField())


def copy_cells(base_url: str, today: datetime.date) -> list:
    """One SQL expression per CSV column, each the text of the cell the Python path writes."""
    url_prefix, url_suffix = _url_pattern(base_url).split("{}")
    pillar = _labels(
        "question__inspection__pillar", Pillar.choices, F("question__inspection__pillar")
    )
    in_utc = Func(
        F("updated_at"),
        template="(%(expressions)s AT TIME ZONE 'UTC')",
        output_field=DateTimeField(),
    )
    return [
        F("pk"),
        _cell(_neutralised(F("force__name"))),
        _neutralised(
            Concat(
                F("question__inspection__programme"),
                Value(" ", output_field=TextField()),
                Cast("question__inspection__year", TextField()),
                Value(" ", output_field=TextField()),
                pillar,
                output_field=TextField(),
            )
        ),
        pillar,
        F("question__number"),
        _cell(_neutralised(F("question__text"))),
        _cell(_labels("question__grade", Grade.choices, Value(""))),
        _cell(_neutralised(F("text"))),
        _cell(_neutralised(F("owner__username"))),
        _labels("status", Status.choices, F("status")),
        _to_char(F("due_date"), "YYYY-MM-DD"),
        Case(
            When(Q(due_date__lt=today, status__in=OPEN_STATUSES), then=Value("yes")),
            default=Value("no"),
            output_field=TextField(),
        ),
        Coalesce(_note_count(), Value(0), output_field=IntegerField()),
        _cell(_neutralised(_last_note())),
        _to_char(in_utc, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        Concat(
            Value(url_prefix, output_field=TextField()),
            Cast("pk", TextField()),
            Value(url_suffix, output_field=TextField()),
        ),
    ]


def copy_sql(queryset: QuerySet, base_url: str, today: datetime.date) -> str:
    """`COPY (the export's SELECT) TO STDOUT`, parameters inlined; '' for an empty queryset."""
    names = [f"csv_{index:02d}" for index in range(len(HEADER))]
    cells = queryset.annotate(**dict(zip(names, copy_cells(base_url, today), strict=True)))
    return copy_statement(cells.values_list(*names))


def copy_statement(queryset: QuerySet) -> str:
    """COPY of a queryset's SELECT (in its own ORDER BY), as django-postgres-copy builds it."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return ""
    ops = connections[queryset.db].ops
    select = ops.compose_sql(sql, params)  # type: ignore[attr-defined]  # PostgreSQL's own
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"


def copy_chunks(queryset: QuerySet, base_url: str = "", today=None) -> Generator[str, None, int]:
    """The export through COPY, in pieces of about 64 KB; returns the number of rows."""
    today = today or timezone.localdate()
    statement = copy_sql(queryset, base_url, today)
    yield _header_line()
    if not statement:
        return 0
    connection = connections[queryset.db]
    decoder = codecs.getincrementaldecoder("utf-8")()
    rows = _RowCounter()
    with _copy_to_pipe(connection, statement) as pipe:
        for chunk in _crlf_rows(iter(lambda: pipe.read(PIPE_CHUNK), b""), rows):
            yield decoder.decode(chunk)
    return rows.count


class _RowCounter:
    count = 0


def _crlf_rows(chunks: Iterable[bytes], rows: _RowCounter) -> Iterator[bytes]:
    """End COPY's rows with CRLF, leaving newlines inside quoted cells as they are.

    COPY quotes every cell holding a quote and doubles each quote inside, so a newline is
    between rows exactly when an even number of quotes precede it; the count is carried
    from one chunk to the next. Splitting on the quote leaves C-speed replaces to do.
    """
    outside = True
    for chunk in chunks:
        parts = chunk.split(b'"')
        first = 0 if outside else 1
        between = parts[first::2]
        rows.count += sum(part.count(b"\n") for part in between)
        parts[first::2] = [part.replace(b"\n", b"\r\n") for part in between]
        if len(parts) % 2 == 0:  # an odd number of quotes: a quoted cell spans the chunks
            outside = not outside
        yield b'"'.join(parts)


class _copy_to_pipe:  # noqa: N801 - used as a context manager, like open()
    """Run a COPY in a thread that writes into a pipe; the caller reads the other end.

    The pipe holds 64 KB, so the COPY waits while the response is slow to be read. If the
    reader stops early (the client went away), the COPY is cancelled and the connection,
    left mid-COPY, is closed; Django opens a new one when next needed.
    """

    def __init__(self, connection, statement: str):
        self.connection = connection
        self.statement = statement
        self.failure: BaseException | None = None

    def __enter__(self):
        self.connection.ensure_connection()
        if self.connection.queries_logged:
            self.connection.queries_log.append({"sql": self.statement, "time": "0.000"})
        self.raw = self.connection.connection
        read_fd, write_fd = os.pipe()
        self.reader = open(read_fd, "rb", buffering=0)  # noqa: SIM115 - closed in __exit__
        self.thread = threading.Thread(target=self._copy, args=(write_fd,), daemon=True)
        self.thread.start()
        return self.reader

    def _copy(self, write_fd: int) -> None:
        try:
            with open(write_fd, "wb", buffering=PIPE_CHUNK) as sink, self.raw.cursor() as cursor:
                cursor.copy_expert(self.statement, sink)
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            self.failure = error

    def __exit__(self, exc_type, exc, traceback):
        self.reader.close()
        if exc_type is not None:
            self.raw.cancel()
        self.thread.join()
        if exc_type is not None or self.failure is not None:
            self.connection.close()
        if exc_type is None and self.failure is not None:
            raise self.failure
        return False

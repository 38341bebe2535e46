"""The one CSV writer: the list view's export, the admin action and commands all call it.

Columns are an interface (DESIGN.md, "CSV export"): change them only with the team.
Rows are read with `values_list().iterator()` so memory stays flat however many rows there
are, and every free-text cell is neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from typing import TextIO

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

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
CHUNK_SIZE = 2000

_STATUS_LABELS = dict(Status.choices)
_GRADE_LABELS = dict(Grade.choices)
_PILLAR_LABELS = dict(Pillar.choices)


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def export_rows(queryset: QuerySet) -> QuerySet:
    """The columns of the export as one query (note count and last note as subqueries)."""
    notes = EvidenceNote.objects.filter(action=OuterRef("pk"))
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
    ).annotate(
        note_count=Subquery(
            notes.order_by().values("action").annotate(n=Count("pk")).values("n")[:1]
        ),
        last_note=Subquery(notes.order_by("-created_at", "-pk").values("body")[:1]),
    )


def iter_csv_rows(queryset: QuerySet, base_url: str = "", today=None) -> Iterator[tuple]:
    today = today or timezone.localdate()
    yield HEADER
    detail = reverse("action-detail", args=[0]).replace("/0/", "/{}/")
    url_pattern = base_url.rstrip("/") + detail
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
        pillar_label = _PILLAR_LABELS.get(pillar, pillar)
        yield (
            pk,
            force,
            f"{programme} {year} {pillar_label}",
            pillar_label,
            number,
            neutralise(question),
            _GRADE_LABELS.get(grade, ""),
            neutralise(text),
            neutralise(owner or ""),
            _STATUS_LABELS.get(status, status),
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


def write_actions_csv(queryset: QuerySet, out: TextIO, base_url: str = "") -> int:
    """Write the export of `queryset` to a text stream; return the number of actions written."""
    out.write(BOM)
    writer = csv.writer(out)
    rows = -1
    for rows, row in enumerate(iter_csv_rows(queryset, base_url)):  # noqa: B007
        writer.writerow(row)
    return rows


class _Echo:
    """A file-like object whose write() returns the line, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def stream_actions_csv(queryset: QuerySet, base_url: str = "") -> Iterable[str]:
    """Yield the export line by line (for StreamingHttpResponse): constant memory."""
    writer = csv.writer(_Echo())
    yield BOM
    for row in iter_csv_rows(queryset, base_url):
        yield writer.writerow(row)


def export_filename(force_slug: str | None, today=None) -> str:
    today = today or timezone.localdate()
    return f"peel-actions-{force_slug or 'all-forces'}-{today.isoformat()}.csv"

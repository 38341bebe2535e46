"""The action list's rows: each action as the plain values its row shows.

The row's HTML is the template's (templates/tracker/action_list.html, `#action-row`). A row is
a dict because the template engine tries a dict key before an attribute: fifty rows of a dozen
model attributes each (every one a failed key lookup, then getattr) were more than half of the
list page's time, and the list is the page force staff open most (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from tracker import dates, labels
from tracker.models import Action, EvidenceNote


def note_counts(actions: Iterable[Action]) -> dict[int, int]:
    """How many notes each of these actions has (one query, never across the whole table)."""
    return dict(
        EvidenceNote.objects.filter(action__in=[action.pk for action in actions])
        .order_by()
        .values_list("action")
        .annotate(n=Count("pk"))
    )


def action_rows(actions: list[Action], *, show_force: bool) -> list[dict]:
    """The rows of these actions (fetched `with_related()`), with their notes counted.

    `show_force`: name each action's force (an inspector's list spans forces).
    """
    counts = note_counts(actions)
    return [_row(action, counts.get(action.pk, 0), show_force) for action in actions]


def _row(action: Action, notes: int, show_force: bool) -> dict:
    question = action.question
    inspection = question.inspection
    updated = dates.local(action.updated_at)
    rag = action.rag
    parent = action.parent if action.parent_id else None
    return {
        "pk": action.pk,
        "url": action.get_absolute_url(),
        "text": action.short_text,
        "reference": action.reference,
        # The finding's kind (areas for improvement, most rows, show none), its cause of
        # concern for a recommendation (`with_related()` fetched it), its deadline in words.
        "kind": action.kind,
        "kind_label": labels.KIND.get(action.kind, action.kind),
        "parent": action.parent_id,
        "parent_url": parent.get_absolute_url() if parent else "",
        "parent_text": parent.short_text if parent else "",
        "deadline": action.deadline_text,
        "blocked": action.is_blocked,
        "force": inspection.force.short_name if show_force else "",
        "source": f"{inspection.name} · {question.short_name}",
        "grade": question.grade,
        "grade_label": labels.GRADE.get(question.grade, question.grade),
        "owner": action.owner.display_name if action.owner else "",
        "status": action.status,
        "status_label": labels.STATUS.get(action.status, action.status),
        "returned": action.is_returned,
        "due": dates.day_month_year(action.due_date) if action.due_date else "",
        "rag": rag,
        "rag_label": labels.RAG[rag],
        "notes": notes,
        "updated": dates.day_month_year(updated),
        "updated_iso": dates.iso(updated),
    }

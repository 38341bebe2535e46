"""Badges, bar widths and sort links shared by the pages.

Each badge is a small template (tracker/partials/*_badge.html); the tags only name its label.
Badges always carry their meaning as text; colour only repeats it. Widths are CSS classes
(`w-pct-0` … `w-pct-100`, static/tracker/css/tracker.css), never style attributes, so the
pages keep working under a Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from tracker.models import Grade
from tracker.workflow import Status

register = template.Library()

RAG_LABELS = {
    "red": "Overdue",
    "amber": "Due soon",
    "green": "On track",
    "grey": "Done",
}

# Which way each sort runs, for aria-sort on the column header.
SORT_COLUMNS = {
    "due": ("ascending", "descending"),
    "status": ("ascending", "descending"),
    "question": ("ascending", "descending"),
    "grade": ("ascending", "descending"),
    "updated": ("descending", "ascending"),
}


# Built once: `Status.values` and `Status(value).label` build lists on every call, and the list
# page shows a hundred badges.
STATUS_LABELS = dict(Status.choices)
GRADE_LABELS = dict(Grade.choices)


@register.inclusion_tag("tracker/partials/status_badge.html")
def status_badge(status: str) -> dict:
    return {"status": status, "label": STATUS_LABELS.get(status, status)}


@register.inclusion_tag("tracker/partials/returned_badge.html")
def returned_badge(action) -> dict:
    return {"returned": action.is_returned}


@register.inclusion_tag("tracker/partials/grade_badge.html")
def grade_badge(grade: str) -> dict:
    return {"grade": grade, "label": GRADE_LABELS.get(grade, grade)}


@register.inclusion_tag("tracker/partials/rag_badge.html")
def rag_badge(action) -> dict:
    rag = action.rag
    return {"rag": rag, "label": RAG_LABELS.get(rag, rag)}


@register.filter
def ago(moment) -> str:
    """ "just now" under a minute, else "3 hours ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def pct_class(percent) -> str:
    """37 -> "w-pct-37", clamped to 0..100."""
    try:
        value = round(float(percent))
    except (TypeError, ValueError):
        value = 0
    return f"w-pct-{min(max(value, 0), 100)}"


@register.inclusion_tag("tracker/partials/sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str) -> dict:
    """A column header that sorts by `key`, and toggles direction when already sorted by it."""
    request = context["request"]
    current = context["filter"].current_sort
    first, second = SORT_COLUMNS[key]
    if current == key:
        aria_sort, target = first, f"-{key}"
    elif current == f"-{key}":
        aria_sort, target = second, key
    else:
        aria_sort, target = "", key
    params = request.GET.copy()
    params["sort"] = target
    params.pop("page", None)
    return {
        "label": label,
        "aria_sort": aria_sort,
        "href": f"?{params.urlencode()}",
        "arrow": {"ascending": "▲", "descending": "▼"}.get(aria_sort, ""),
    }


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current list URL at page `number`, keeping every filter."""
    params = context["request"].GET.copy()
    params["page"] = number
    return f"?{params.urlencode()}"


@register.simple_tag(takes_context=True)
def export_url(context) -> str:
    """The CSV export of exactly the filters (and sort) the list shows."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return reverse("action-export") + (f"?{query}" if query else "")

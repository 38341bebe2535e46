"""Badges, bar widths and sort links shared by the pages.

Each badge is a small template (tracker/partials/*_badge.html), included where it is shown; the
filters here give its words. Dates are written by `day`, `day_time` and `iso`, which give what
Django's `date` filter gives for this site's one language without parsing a format per value.
Badges always carry their meaning as text; colour only repeats it. Widths are CSS classes
(`w-pct-0` … `w-pct-100`, static/tracker/css/tracker.css), never style attributes, so the
pages keep working under a Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from tracker import dates, labels

register = template.Library()


# Which way each sort runs, for aria-sort on the column header.
SORT_COLUMNS = {
    "due": ("ascending", "descending"),
    "status": ("ascending", "descending"),
    "question": ("ascending", "descending"),
    "grade": ("ascending", "descending"),
    "updated": ("descending", "ascending"),
    "reference": ("ascending", "descending"),
}


# The badges' words: `{{ action.status|status_label }}` gives "In progress" for
# "in_progress", `rag_label` what a colour means ("red" -> "Overdue"); a value a table does not
# know is given as it is.
LABEL_FILTERS = {
    "status_label": labels.STATUS,
    "grade_label": labels.GRADE,
    "rag_label": labels.RAG,
    "pillar_label": labels.PILLAR,
}


def _label_filter(table: dict[str, str]) -> Callable[[str], str]:
    def label(value: str) -> str:
        return table.get(value, value)

    return label


for _name, _table in LABEL_FILTERS.items():
    register.filter(_name, _label_filter(_table))


@register.filter(expects_localtime=True)
def day(value: datetime.date | None) -> str:
    """What `|date:"j M Y"` writes (5 Mar 2026), without parsing the format for each value."""
    return dates.day_month_year(value) if value else ""


@register.filter(expects_localtime=True)
def day_time(value: datetime.datetime | None) -> str:
    """What `|date:"j M Y, H:i"` writes (5 Mar 2026, 09:30)."""
    return dates.day_month_year_time(value) if value else ""


@register.filter(expects_localtime=True)
def iso(value: datetime.date | None) -> str:
    """What `|date:"c"` writes, for <time datetime="…">."""
    return value.isoformat() if value else ""


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
def export_url(context, view: str = "action-export") -> str:
    """The CSV export (or `action-export-xlsx`) of exactly the filters and sort the list shows."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return reverse(view) + (f"?{query}" if query else "")

"""Badges, bar widths and sort links shared by the pages.

Badges always carry their meaning as text; colour only repeats it. Widths are CSS classes
(`w-pct-0` … `w-pct-100`, static/tracker/css/tracker.css), never style attributes, so the
pages keep working under a Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from tracker import dates
from tracker.models import Grade
from tracker.workflow import Status

register = template.Library()
EMPTY = mark_safe("")
BLOCKED = mark_safe(' <span class="badge badge-blocked">Blocked</span>')
UNASSIGNED = mark_safe('<span class="text-body-secondary">Unassigned</span>')
RETURNED = mark_safe(' <span class="badge badge-returned">Returned</span>')
NO_DUE_DATE = mark_safe('<span class="text-body-secondary">No due date</span>')

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


@register.simple_tag
def status_badge(status: str) -> str:
    label = STATUS_LABELS.get(status, status)
    return format_html('<span class="badge badge-status badge-status-{}">{}</span>', status, label)


@register.simple_tag
def returned_badge(action) -> str:
    return RETURNED if action.is_returned else EMPTY


@register.simple_tag
def grade_badge(grade: str) -> str:
    if not grade:
        return format_html('<span class="badge badge-grade badge-grade-none">{}</span>', "No grade")
    label = GRADE_LABELS.get(grade, grade)
    return format_html('<span class="badge badge-grade badge-grade-{}">{}</span>', grade, label)


@register.simple_tag
def rag_badge(action) -> str:
    rag = action.rag
    return format_html(
        '<span class="badge badge-rag badge-rag-{}">{}</span>', rag, RAG_LABELS.get(rag, rag)
    )


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


def _row(action, show_force: bool) -> SafeString:
    """One row of the action list (the same markup the template wrote, values escaped)."""
    question = action.question
    inspection = question.inspection
    owner = action.owner
    updated = dates.local(action.updated_at)
    return format_html(
        "<tr>\n"
        "                  <td>{}</td>\n"
        '                  <td class="afi-cell">\n'
        '                    <a href="{}">{}</a>{}\n'
        '                    <span class="afi-source">{}{} {} {} · Q{}</span>\n'
        "                  </td>\n"
        "                  <td>{}</td>\n"
        "                  <td>{}</td>\n"
        "                  <td>{}{}</td>\n"
        '                  <td class="text-nowrap">{}</td>\n'
        '                  <td class="text-end">{}</td>\n'
        '                  <td class="text-nowrap"><time datetime="{}">{}</time></td>\n'
        "                </tr>",
        action.pk,
        action.get_absolute_url(),
        action.short_text,
        BLOCKED if action.is_blocked else EMPTY,
        format_html("{} · ", inspection.force.short_name) if show_force else EMPTY,
        inspection.programme,
        inspection.year,
        inspection.get_pillar_display(),
        question.number,
        grade_badge(question.grade),
        owner.display_name if owner else UNASSIGNED,
        status_badge(action.status),
        returned_badge(action),
        format_html("{}<br>{}", dates.day_month_year(action.due_date), rag_badge(action))
        if action.due_date
        else NO_DUE_DATE,
        action.note_count,
        dates.iso(updated),
        dates.day_month_year(updated),
    )


@register.simple_tag(takes_context=True)
def action_rows(context, actions) -> SafeString:
    """The action list's rows: fifty rows of a dozen lookups each were most of its rendering."""
    show_force = context["user"].is_inspector
    return mark_safe(  # noqa: S308 - every row is built by format_html
        "\n                ".join(_row(action, show_force) for action in actions)
    )

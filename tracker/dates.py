"""Dates and times as the pages write them, for the tags that write many of them.

Django's `date` filter parses its format string and builds a formatter for every value: the
action page's timeline and the action list's rows spent more time there than anywhere else.
These give the same text as `{{ value|date:"j M Y" }}`, `"j M Y, H:i"` and `"c"` for this
site's language (en-gb), which is the only one it is written in.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def local(moment: datetime.datetime) -> datetime.datetime:
    """An aware datetime in the site's time zone (as templates show it)."""
    return timezone.template_localtime(moment)  # type: ignore[attr-defined]  # not in django-stubs


def day_month_year(day: datetime.date) -> str:
    """`j M Y`: 5 Mar 2026."""
    return f"{day.day} {MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def day_month_year_time(moment: datetime.datetime) -> str:
    """`j M Y, H:i` of a local datetime: 5 Mar 2026, 09:30."""
    return f"{day_month_year(moment)}, {moment.hour:02d}:{moment.minute:02d}"


def iso(moment: datetime.datetime) -> str:
    """`c`: ISO 8601, as a <time datetime> wants it."""
    return moment.isoformat()

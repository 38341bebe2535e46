"""tracker.dates writes what Django's `date` filter writes, in the site's time zone."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils.timezone import template_localtime

from tracker import dates

UTC = datetime.UTC
MOMENTS = [
    # every month, a single- and a double-digit day, both sides of the clocks changing
    *(
        datetime.datetime(2025, month, day, 9, 5, tzinfo=UTC)
        for month in range(1, 13)
        for day in (1, 28)
    ),
    datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # 00:59 GMT, then BST
    datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime.datetime(2026, 12, 31, 23, 59, 30, 123456, tzinfo=UTC),
    datetime.datetime(2026, 6, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_the_same_text_as_the_date_filter(moment):
    local = dates.local(moment)
    assert local == template_localtime(moment)
    assert str(local.tzinfo) == "Europe/London"
    assert dates.iso(local) == date_filter(local, "c")
    assert dates.day_month_year_time(local) == date_filter(local, "j M Y, H:i")
    assert dates.day_month_year(local.date()) == date_filter(local.date(), "j M Y")

"""Pages of a long list without counting the whole list (issue 16).

Django's Paginator counts every row that matches before it shows the first fifty: at 500,000
actions (5,000,000 notes) that COUNT is most of what a list costs, and it grows with the
table. `CappedPaginator` counts no further than it needs to draw the page asked for and a
few beyond it (`cap` rows at least): when there are more, it says so (`capped`, and the pages
write "More than 1,000 actions"), its last page link is the first page beyond what it counted,
and that page counts further on. So every page can still be reached, by its number or by
"Next", and no query reads past the page asked for by more than `cap` rows.

The action list, an inspector's list and the admin's lists of actions, notes and events use it.
"""

from __future__ import annotations

import math
from functools import cached_property

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db.models import QuerySet

# At least this many rows are counted; a page further on counts to a few pages past itself.
CAP = 1000
PAGES_AHEAD = 5
# Further than any list goes; it only keeps a silly ?page= from overflowing the OFFSET.
BEYOND_EVERY_PAGE = 10**9


def requested_page(value: str | int | None) -> int:
    """The page number asked for: 1 for anything that is not a whole number ≥ 1, and never
    beyond BEYOND_EVERY_PAGE."""
    try:
        return min(max(int(value or 1), 1), BEYOND_EVERY_PAGE)
    except (TypeError, ValueError):
        return 1


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `counted_to` rows (see the module's docstring)."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        number=1,
        cap: int | None = None,
        pages_ahead: int | None = None,
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        cap = CAP if cap is None else cap
        ahead = PAGES_AHEAD if pages_ahead is None else pages_ahead
        self.counted_to = max(cap, (requested_page(number) + ahead) * int(per_page))

    @cached_property
    def _counted(self) -> int:
        """Rows, counted to one past `counted_to` (one past says there are more)."""
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            # SELECT COUNT(*) FROM (… LIMIT n): the count reads no more than n rows, and
            # without the list's ORDER BY, which a count does not need.
            return object_list.order_by()[: self.counted_to + 1].count()
        return len(object_list[: self.counted_to + 1])

    @cached_property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self._counted > self.counted_to

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.counted_to)

    @cached_property
    def num_pages(self) -> int:
        pages = math.ceil(self.count / self.per_page) if self.count else 0
        if self.capped:
            return pages + 1  # the first page past what was counted: it counts further on
        if pages == 0 and not self.allow_empty_first_page:
            return 0
        return max(pages, 1)

    @property
    def count_text(self) -> str:
        """The count as the pages write it ("1,000"); after "More than" when `capped`."""
        return f"{self.count:,}"


class CappedCountAdmin(admin.ModelAdmin):
    """An admin list that counts as `CappedPaginator` does, and never the whole table
    (`show_full_result_count = False`). templates/admin/pagination.html and actions.html say
    "More than 1,000" when the count stopped short."""

    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return CappedPaginator(
            queryset, per_page, orphans, allow_empty_first_page, number=request.GET.get(PAGE_VAR)
        )

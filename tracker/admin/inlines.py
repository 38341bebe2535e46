"""The admin's inlines: a parent's rows as a table, each field read-only, none added here."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """A parent's rows as a table: every column read-only, no row added or deleted here.

    A subclass names its `model` and its columns, in `readonly_fields`.
    """

    extra = 0
    can_delete = False

    def get_fields(self, request, obj=None):
        return self.readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class LinkedInline(ReadOnlyInline):
    """Rows edited on their own admin page: each links there."""

    show_change_link = True


class AppendOnlyInline(ReadOnlyInline):
    """Rows never changed once written (notes, their files, the audit trail): view only."""

    def has_change_permission(self, request, obj=None):
        return False

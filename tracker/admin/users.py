"""Forces and users in the inspectors' admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tracker.models import Force, User


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "sustained_improvement_days"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    fields = ["name", "short_name", "slug", "sustained_improvement_days"]


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    list_display = [
        "username",
        "get_full_name",
        "email",
        "force",
        "force_role",
        "is_staff",
        "is_active",
    ]
    list_filter = ["force", "force_role", "is_staff", "is_active", "groups"]
    list_select_related = ["force"]
    autocomplete_fields = ["force", "inspects"]
    fieldsets = [
        *(UserAdmin.fieldsets or ())[:1],
        ("Force", {"fields": ["force", "force_role", "inspects"]}),
        *(UserAdmin.fieldsets or ())[1:],
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "force", "password1", "password2"]}),
    ]

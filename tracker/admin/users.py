"""Forces and users in the inspectors' admin.

Inspectors and superusers manage every account here: a force member's role (`force_role`),
and the forces an inspector inspects (`inspects`). Force leads manage their own force's
accounts on the site instead (tracker/force_accounts.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm

from tracker.models import Force, User


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "sustained_improvement_days"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    fields = ["name", "short_name", "slug", "sustained_improvement_days"]


class TrackerUserChangeForm(UserChangeForm):
    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("force") and data.get("inspects"):
            self.add_error(
                "inspects",
                "Only an inspector (no force) inspects forces: empty the force, or these.",
            )
        return data


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    form = TrackerUserChangeForm
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
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "force", "force_role", "password1", "password2"],
            },
        ),
    ]

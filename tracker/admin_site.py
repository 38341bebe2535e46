"""The admin site is for inspectors only.

Django's own check is `is_active and is_staff`; a force user given staff status by mistake
would then see every force. Requiring `is_inspector` (no force, Inspectors group or
superuser) closes that gap.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import SEARCH_VAR
from django.shortcuts import render
from django.urls import reverse

# Longer than any name or area for improvement an inspector would paste. The admin searches
# each word of a search in every search field: SQLite refuses a LIKE pattern of 50,000 bytes
# and an expression of more than 1,000 levels, which would be a 500.
MAX_SEARCH_LENGTH = 1000


class InspectorsAdminSite(admin.AdminSite):
    site_header = "PEEL Action Tracker — inspectors"
    site_title = "PEEL Action Tracker admin"
    index_title = "Review and sign off"
    # The lists need the width (at 1366 pixels the action list's last columns went under its
    # filters); the index and the breadcrumbs link the same pages.
    enable_nav_sidebar = False

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_inspector

    def password_change(self, request, extra_context=None):
        """Django's, with the site's view: wrong old passwords count towards the lockout."""
        from tracker.accounts import AdminPasswordChangeForm, PasswordChangeView

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=AdminPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

    def admin_view(self, view, cacheable=False):
        """Every admin page, whichever app registered it: a request the admin would turn into
        a database error (a 500) is a 400 that says why (`refusal()`)."""

        @wraps(view)
        def checked(request, *args, **kwargs):
            reason = refusal(request)
            if reason:
                return render(request, "400.html", {"reason": reason}, status=400)
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)


def refusal(request) -> str | None:
    """Why the admin cannot answer this request, if it cannot.

    A search over MAX_SEARCH_LENGTH, on a changelist or in an autocomplete; rows chosen for a
    bulk action that are not ids (Django filters by them as sent: a word, or a number beyond
    64 bits, is a ValueError or OverflowError).
    """
    from tracker.filters import id_from_url  # not at the top: models load after this module

    term = request.GET.get(SEARCH_VAR) or request.GET.get("term") or ""
    if len(term) > MAX_SEARCH_LENGTH:
        return (
            f"A search may be at most {MAX_SEARCH_LENGTH:,} characters long; this one is "
            f"{len(term):,}. Search for a few words from what you are looking for."
        )
    if request.method == "POST":
        chosen = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if any(id_from_url(value) is None for value in chosen):
            return "The rows chosen for this action are not rows of the list. Choose them again."
    return None


class InspectorsAdminConfig(AdminConfig):
    """Django's admin app, with InspectorsAdminSite as `admin.site`."""

    default_site = "tracker.admin_site.InspectorsAdminSite"

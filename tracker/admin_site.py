"""The admin site is for inspectors only.

Django's own check is `is_active and is_staff`; a force user given staff status by mistake
would then see every force. Requiring `is_inspector` (no force, Inspectors group or
superuser) closes that gap.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse


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


class InspectorsAdminConfig(AdminConfig):
    """Django's admin app, with InspectorsAdminSite as `admin.site`."""

    default_site = "tracker.admin_site.InspectorsAdminSite"

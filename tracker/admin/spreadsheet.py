"""The admin's "Import findings from a spreadsheet": inspectors, for any force (one they pick,
or the force each row names). The pages are `tracker/spreadsheet/pages.py`, shared with the
site's import for force staff; this module is the admin's entrance to them."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse

from tracker.admin.imports import actions_of
from tracker.models import ActionEvent
from tracker.spreadsheet import pages
from tracker.spreadsheet.plan import Plan


def _imported(plan: Plan) -> str:
    """The admin's action list: of the report, when the file held one."""
    reports = plan.reports
    if len(reports) == 1 and reports[0].existing is not None:
        return actions_of(reports[0].existing)
    return reverse("admin:tracker_action_changelist")


class SpreadsheetImportMixin(admin.ModelAdmin):
    """The spreadsheet import's pages, added to the reports' admin (`InspectionAdmin`)."""

    def get_urls(self):
        # Before the report import's `import/<token>/`, which "spreadsheet" would match.
        return [
            path(
                "import/spreadsheet/",
                self.admin_site.admin_view(self.spreadsheet_view),
                name="tracker_inspection_import_spreadsheet",
            ),
            path(
                "import/spreadsheet/template/",
                self.admin_site.admin_view(self.spreadsheet_template_view),
                name="tracker_inspection_import_spreadsheet_template",
            ),
            path(
                "import/spreadsheet/<slug:token>/",
                self.admin_site.admin_view(self.spreadsheet_preview_view),
                name="tracker_inspection_import_spreadsheet_preview",
            ),
            *super().get_urls(),
        ]

    def _spreadsheet_entrance(self) -> pages.Entrance:
        return pages.Entrance(
            "admin",
            "admin/tracker/inspection/import_spreadsheet.html",
            "admin/tracker/inspection/import_spreadsheet_preview.html",
            "admin:tracker_inspection_import_spreadsheet",
            "admin:tracker_inspection_import_spreadsheet_preview",
            "admin:tracker_inspection_import_spreadsheet_template",
            via=ActionEvent.Via.ADMIN,
            picks_force=True,
            done_url=_imported,
            extra_context=lambda request: {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
            },
        )

    def spreadsheet_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return pages.start(request, self._spreadsheet_entrance())

    def spreadsheet_preview_view(self, request, token: str):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return pages.preview(request, self._spreadsheet_entrance(), token)

    def spreadsheet_template_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return pages.template_download()

"""The admin's "Import a report": upload or paste a report, check and edit its findings in
the preview, confirm.

The preview itself is `tracker/preview.py`, shared with the app's import page for force staff;
this module is the admin's entrance to it: inspectors, any force (the one the page names, or
one they pick and confirm), and replacing a report already imported.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from tracker import preview
from tracker.models import ActionEvent, Force, Inspection
from tracker.preview import ReportSourceForm, named_force
from tracker.reports.errors import ReportImportError
from tracker.reports.load import describe_size, resolve_force


class ImportReportForm(ReportSourceForm):
    """A report, uploaded or pasted, read, with the force it will be imported for.

    Cleans to `document`, `resolved_force` and `named_force` (the force the page names, if it
    is one of the 43). A force picked that is not the one the page names is an error until
    `force_confirmed`.
    """

    force = forms.ModelChoiceField(
        Force.objects.all(),
        required=False,
        to_field_name="short_name",
        help_text="Only needed when the page does not name the force.",
    )
    force_confirmed = forms.BooleanField(required=False, label="Import for the force picked")

    field_order = ["file", "text", "force", "force_confirmed", "source_url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asks_force_confirmation = bool(self.data.get("force_confirmed"))

    def clean(self):
        data = super().clean()
        document = data.get("document")
        if document is None:
            return data
        picked = data.get("force")
        named = named_force(document.force)
        data["named_force"] = named
        if picked is None:
            if not document.force:
                raise forms.ValidationError(
                    "The page does not name a force; pick the force it is about."
                )
            try:
                data["resolved_force"] = resolve_force(document.force)
            except ReportImportError as error:
                raise forms.ValidationError(str(error)) from None
            return data
        data["resolved_force"] = picked
        if document.force and picked != named and not data.get("force_confirmed"):
            self._ask_to_confirm_force(picked, named or document.force)
        return data

    def _ask_to_confirm_force(self, picked: Force, named) -> None:
        self.asks_force_confirmation = True
        label = f"Import this page for {picked} although it names {named}"
        self.fields["force_confirmed"].label = label
        self["force_confirmed"].label = label  # the bound field, made by clean(), keeps its own
        # A browser cannot keep a chosen file: the page comes back as text instead.
        posted = cast(QueryDict, self.data).copy()  # request.POST
        posted["text"] = self.cleaned_data["text"]
        self.data = posted
        if isinstance(named, Force):
            message = (
                f"The page names {named}, not {picked}. Leave the force empty to import it "
                f"for {named}, or tick “{label}”."
            )
        else:
            message = (
                f"The page names {named}, which is not one of the 43 forces. To import it "
                f"for {picked}, tick “{label}”."
            )
        self.add_error("force", message)


def _admin_entrance(context) -> preview.Entrance:
    """The admin's entrance: replacing a report is offered, and an import lands on the admin's
    list of the report's actions."""
    return preview.Entrance(
        "admin",
        "admin/tracker/inspection/import_preview.html",
        "admin:tracker_inspection_import",
        "admin:tracker_inspection_import_preview",
        via=ActionEvent.Via.ADMIN,
        may_replace=True,
        done_url=actions_of,
        extra_context=context,
    )


class ImportViewMixin(admin.ModelAdmin):
    """The import pages, added to the reports' admin (`InspectionAdmin`)."""

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="tracker_inspection_import",
            ),
            path(
                "import/<slug:token>/",
                self.admin_site.admin_view(self.import_preview_view),
                name="tracker_inspection_import_preview",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload or paste a report; it is read, then shown in the preview (not stored)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportReportForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._import_page(request, form)
        data = form.cleaned_data
        force = data["resolved_force"]
        named = data["named_force"]
        return preview.begin(
            request,
            _admin_entrance(self._context),
            data["document"],
            force=force,
            source_text=data["text"],
            source_url=data["source_url"],
            page_names=str(named or data["document"].force) if named != force else None,
        )

    def import_preview_view(self, request, token: str):
        """The preview: edit the findings, then confirm (or replace the report already there)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        kept = preview.stored(request, token, "admin")
        if kept is None:
            self.message_user(
                request, "That preview has ended (imported or signed out); start again."
            )
            return redirect("admin:tracker_inspection_import")
        return preview.respond(request, _admin_entrance(self._context), kept)

    def _context(self, request) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
        }

    def _import_page(self, request, form):
        fields = ["file", "text", "force", "source_url"]
        if form.asks_force_confirmation:
            fields.insert(3, "force_confirmed")
        context = {
            **self._context(request),
            "title": "Import a report",
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": fields})], {}),
            "max_size": describe_size(settings.IMPORT_MAX_BYTES),
            "max_findings": f"{settings.IMPORT_MAX_FINDINGS:,}",
        }
        status = 400 if form.errors else 200
        return TemplateResponse(
            request, "admin/tracker/inspection/import.html", context, status=status
        )


def actions_of(inspection: Inspection) -> str:
    """The admin's action list filtered to one report (the report filter needs its force)."""
    query = urlencode({"force__id__exact": inspection.force_id, "inspection": inspection.pk})
    return f"{reverse('admin:tracker_action_changelist')}?{query}"

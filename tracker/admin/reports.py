"""Reports (inspections) and their questions in the inspectors' admin."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from tracker.adding import next_question_number
from tracker.admin.imports import ImportViewMixin
from tracker.admin.inlines import LinkedInline
from tracker.admin.spreadsheet import SpreadsheetImportMixin
from tracker.filters import id_from_url
from tracker.models import Action, ActionEvent, Inspection, InspectionQuerySet, Question


class QuestionInline(LinkedInline):
    model = Question
    readonly_fields = ["number", "text", "label_recognised", "grade", "carried_over"]


@admin.register(Inspection)
class InspectionAdmin(SpreadsheetImportMixin, ImportViewMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "force",
        "format",
        "year",
        "pillar",
        "published",
        "grade",
        "last_updated",
        "action_count",
    ]
    list_filter = ["force", "format", "year", "pillar", "grade"]
    list_select_related = ["force"]
    show_full_result_count = False
    search_fields = ["title", "force__name"]
    inlines = [QuestionInline]
    readonly_fields = ["imported_at", "imported_by", "source_text"]
    fieldsets = [
        (
            None,
            {
                "fields": Inspection.IDENTITY,
                "description": "Once the report has actions, these cannot change: the actions "
                "belong to this force, and only its staff see them.",
            },
        ),
        (
            None,
            {
                "fields": [
                    "source",
                    *("published", "title", "grade", "last_updated", "summary", "source_url"),
                    *readonly_fields,
                ]
            },
        ),
    ]
    autocomplete_fields = ["force"]
    change_list_template = "admin/tracker/inspection/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "programme" in form.base_fields:
            # An internal audit has none: "PEEL", "HMICFRS", or empty.
            form.base_fields["programme"].required = False
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.imported_by = request.user  # who added it, by hand
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        # A report with actions keeps its identity (Inspection.save() refuses a change); the
        # report comes from get_queryset() with its actions counted, so asking costs no query.
        if obj is not None and obj.action_total:
            return [*Inspection.IDENTITY, *self.readonly_fields]
        return self.readonly_fields

    def get_queryset(self, request):
        # Counted per report shown, not by joining every action to every report: the page's
        # COUNT and its year filter then need no join at all. The list shows none of the long
        # texts; a report's own page reads them as its form shows them.
        actions = (
            Action.objects.filter(question__inspection=OuterRef("pk"))
            .order_by()
            .values("question__inspection")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            cast(InspectionQuerySet, super().get_queryset(request))
            .without_texts()
            .annotate(action_total=Coalesce(Subquery(actions), 0))
        )

    @admin.display(description="Actions", ordering="action_total")
    def action_count(self, obj):
        return obj.action_total


class ActionInline(LinkedInline):
    model = Action
    readonly_fields = ("position", "text", "owner", "status", "due_date")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "inspection", "number", "grade", "carried_over"]
    list_filter = ["grade", "inspection__force", "inspection__year"]
    list_select_related = ["inspection__force"]
    show_full_result_count = False
    search_fields = ["text"]
    readonly_fields = ["inspection", "number", "label"]
    autocomplete_fields = ["inspection"]  # editable on the add page only
    fieldsets = [
        (
            None,
            {
                "fields": [
                    *("inspection", "number", "label", "text", "grade", "narrative"),
                    "carried_over",
                ],
                "description": "A change to the text or grade is recorded in the timeline of "
                "each of the question's actions.",
            },
        ),
    ]
    inlines = [ActionInline]

    def has_add_permission(self, request):
        # Who may add a report may add its questions by hand (the Inspectors group may).
        return request.user.has_perm("tracker.add_inspection")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_changeform_initial_data(self, request):
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        inspection_id = id_from_url(initial.get("inspection"))
        inspection = Inspection.objects.filter(pk=inspection_id).first() if inspection_id else None
        if inspection is not None:
            initial["number"] = next_question_number(inspection)
        return initial

    def save_model(self, request, obj, form, change):
        # The admin saves in one transaction: the edit and its events commit together.
        before = Question.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            obj.record_edit(before, by=request.user, via=ActionEvent.Via.ADMIN)

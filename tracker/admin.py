"""The inspectors' admin: review and sign off actions across every force.

Actions change here the same way they change anywhere: through their state-change methods,
carrying the `version` the inspector loaded, so a conflicting edit is refused and every
change lands in the audit trail. The trail itself is read-only.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from tracker.exports import export_filename, write_actions_csv
from tracker.models import (
    REPORT_TEXT,
    Action,
    ActionEvent,
    EvidenceFile,
    EvidenceNote,
    Force,
    Inspection,
    InspectionQuerySet,
    Question,
    StaleVersion,
    User,
)
from tracker.reports import decode_report
from tracker.reports.document import report_json
from tracker.reports.load import (
    ReportImportError,
    check_complete,
    check_size,
    describe_size,
    existing_report,
    load_report,
    resolve_force,
    text_size,
)
from tracker.reports.parse import ReportParseError, parse_report
from tracker.security import log_event
from tracker.workflow import (
    Status,
    TransitionError,
    allowed_moves,
    check_due_date,
    check_move,
)


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    list_display = ["username", "get_full_name", "email", "force", "is_staff", "is_active"]
    list_filter = ["force", "is_staff", "is_active", "groups"]
    list_select_related = ["force"]
    autocomplete_fields = ["force"]
    fieldsets = [
        *(UserAdmin.fieldsets or ())[:1],
        ("Force", {"fields": ["force"]}),
        *(UserAdmin.fieldsets or ())[1:],
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "force", "password1", "password2"]}),
    ]


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["number", "text", "grade", "carried_over"]
    readonly_fields = ["number", "text", "grade", "carried_over"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ImportReportForm(forms.Form):
    """A page, uploaded or pasted, checked as far as it can be without writing anything.

    Cleans to `parsed`, `resolved_force` and `existing` (the report this page would replace).
    A force picked that is not the one the page names is an error until `force_confirmed`.
    """

    file = forms.FileField(required=False, help_text="The report page saved as a text file.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        label="Or paste the page",
        help_text="Select all on the published HMICFRS page, copy, and paste here.",
    )
    force = forms.ModelChoiceField(
        Force.objects.all(),
        required=False,
        to_field_name="short_name",
        help_text="Only needed when the page does not name the force.",
    )
    force_confirmed = forms.BooleanField(required=False, label="Import for the force picked")
    source_url = forms.URLField(required=False, label="Source URL", assume_scheme="https")
    # Set by the preview's "Replace" button, once the inspector has seen what it replaces.
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = describe_size(settings.IMPORT_MAX_BYTES)
        self.fields["file"].help_text = f"The report page saved as a text file, at most {limit}."
        self.asks_force_confirmation = bool(self.data.get("force_confirmed"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        try:
            if upload:
                check_size(upload.size)
                data["text"] = decode_report(upload.read())
            if not (data.get("text") or "").strip():
                raise forms.ValidationError("Upload the page as a file or paste its text.")
            check_size(text_size(data["text"]))
            data["parsed"] = parse_report(data["text"])
            check_complete(data["parsed"])
            data["named_force"] = self._named_force(data["parsed"].place)
            data["resolved_force"] = (
                data.get("force") or data["named_force"] or resolve_force(data["parsed"].place)
            )
        except ReportParseError as error:
            raise forms.ValidationError(f"This page cannot be imported: {error}") from None
        except ReportImportError as error:
            raise forms.ValidationError(str(error)) from None
        picked, named = data.get("force"), data["named_force"]
        if picked and picked != named and not data.get("force_confirmed"):
            self._ask_to_confirm_force(picked, named or data["parsed"].place)
        data["existing"] = existing_report(data["parsed"], data["resolved_force"]).first()
        return data

    def _named_force(self, place: str | None) -> Force | None:
        try:
            return resolve_force(place)
        except ReportImportError:
            return None

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


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "force", "year", "pillar", "grade", "last_updated", "action_count"]
    list_filter = ["force", "year", "pillar", "grade"]
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
                    *("title", "grade", "last_updated", "summary", "source_url"),
                    *readonly_fields,
                ]
            },
        ),
    ]
    autocomplete_fields = ["force"]
    change_list_template = "admin/tracker/inspection/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="tracker_inspection_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload or paste a page, see what it will create (or replace), then confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportReportForm(request.POST or None, request.FILES or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            # A report already there is replaced only from the preview that says so.
            if "confirm" in request.POST and (data["replace"] or not data["existing"]):
                try:
                    result = load_report(
                        data["parsed"],
                        source_text=data["text"],
                        source_url=data["source_url"],
                        force=data["resolved_force"].short_name,
                        by=request.user,
                        replace=data["replace"],
                        via=ActionEvent.Via.ADMIN,
                    )
                except ReportImportError as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, result.summary, messages.SUCCESS)
                    return redirect(_actions_of(result.inspection))
            else:
                preview = report_json(data["parsed"], data["resolved_force"])
                preview["afi_count"] = data["parsed"].afi_count
                preview["existing"] = data["existing"]
                if data["named_force"] != data["resolved_force"]:
                    preview["page_names"] = data["named_force"] or data["parsed"].place
                # The confirm step posts the text again, so nothing is stored between steps.
                form = ImportReportForm(
                    initial={
                        "text": data["text"],
                        "force": data["resolved_force"].short_name,
                        "force_confirmed": data["force_confirmed"],
                        "source_url": data["source_url"],
                    }
                )
        fields = ["file", "text", "force", "source_url"]
        if form.asks_force_confirmation:
            fields.insert(3, "force_confirmed")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a report",
            "form": form,
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]  # a plain Form: the admin renders it all the same
                [(None, {"fields": fields})],
                {},
            ),
            "preview": preview,
            "max_size": describe_size(settings.IMPORT_MAX_BYTES),
            "max_findings": f"{settings.IMPORT_MAX_FINDINGS:,}",
        }
        return TemplateResponse(request, "admin/tracker/inspection/import.html", context)


def _actions_of(inspection: Inspection) -> str:
    """The admin's action list filtered to one report (the report filter needs its force)."""
    query = urlencode({"force__id__exact": inspection.force_id, "inspection": inspection.pk})
    return f"{reverse('admin:tracker_action_changelist')}?{query}"


class ActionInline(admin.TabularInline):
    model = Action
    readonly_fields = ("position", "text", "owner", "status", "due_date")
    fields = readonly_fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "inspection", "number", "grade", "carried_over"]
    list_filter = ["grade", "inspection__force", "inspection__year"]
    list_select_related = ["inspection__force"]
    show_full_result_count = False
    search_fields = ["text"]
    readonly_fields = ["inspection", "number"]
    fieldsets = [
        (
            None,
            {
                "fields": ["inspection", "number", "text", "grade", "narrative", "carried_over"],
                "description": "A change to the text or grade is recorded in the timeline of "
                "each of the question's actions.",
            },
        ),
    ]
    inlines = [ActionInline]

    def save_model(self, request, obj, form, change):
        # The admin saves in one transaction: the edit and its events commit together.
        before = Question.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            obj.record_edit(before, by=request.user, via=ActionEvent.Via.ADMIN)


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(pk__in=Action.objects.overdue().values("pk"))
        return queryset


class InspectionFilter(admin.SimpleListFilter):
    """Filter by report, offered once a force is chosen (43 forces' reports are too many)."""

    title = "report (choose a force first)"
    parameter_name = "inspection"

    def lookups(self, request, model_admin):
        force_id = request.GET.get("force__id__exact", "")
        if not force_id.isdigit():
            return []
        reports = Inspection.objects.filter(force_id=int(force_id)).select_related("force")
        return [(str(i.pk), f"{i.programme} {i.year} {i.get_pillar_display()}") for i in reports]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(question__inspection_id=int(value))
        return queryset


class ActionEventInline(admin.TabularInline):
    model = ActionEvent
    readonly_fields = ("at", "kind", "old_value", "new_value", "reason", "by", "via")
    fields = readonly_fields
    extra = 0
    can_delete = False
    ordering = ["-at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EvidenceNoteInline(admin.TabularInline):
    """The action's notes with their files, so an inspector judges the evidence before closing."""

    model = EvidenceNote
    readonly_fields = ("created_at", "kind", "body", "author", "attached_files")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author").prefetch_related("files")

    @admin.display(description="Files")
    def attached_files(self, note):
        return render_to_string("admin/tracker/action/note_files.html", {"files": note.files.all()})

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ActionAdminForm(forms.ModelForm):
    """Edits go through the action's state-change methods; `version` guards against conflicts."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Needed to close, return, reopen, supersede or reinstate, and to revise a due date."
        ),
    )
    confirm_past = forms.BooleanField(
        required=False,
        label="Yes, the due date is in the past",
        help_text="A due date before today is saved only when this is ticked.",
    )

    class Meta:
        model = Action
        fields = ["owner", "status", "due_date", "blocked_reason"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        action = self.instance
        self.fields["version"].initial = action.version
        if "owner" in self.fields:  # read-only on a closed or superseded action
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = User.objects.filter(
                force_id=action.force_id, is_active=True
            )
        # The current status, and the moves the workflow offers this inspector from it.
        moves = allowed_moves(
            source=action.status,
            role=user.role_for(action) if user else None,
            is_owner=user is not None and action.owner_id == user.pk,
            reinstates=action.status_before_supersession,
        )
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (action.status, f"{action.get_status_display()} (as now)"),
            *((move.target.value, f"{move.verb} → {move.target.label}") for move in moves),
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        action = self.instance
        # Lock the row for the rest of the admin's transaction, so the check holds at save.
        current = Action.objects.select_for_update().filter(pk=action.pk).first()
        if current is None or current.version != data.get("version"):
            if current is not None:
                # The inspector sees the latest values beside their own and can save again
                # on purpose; their typed input stays in the form.
                posted = cast(QueryDict, self.data).copy()  # request.POST
                posted["version"] = current.version
                self.data = posted
            raise forms.ValidationError(str(StaleVersion(current or action)))
        reason = data.get("reason") or ""
        if "status" in self.changed_data and data.get("status"):
            try:
                check_move(
                    source=current.status,
                    target=data["status"],
                    role=self.user.role_for(current),
                    is_owner=current.owner_id == self.user.pk,
                    has_evidence=current.notes.exists(),
                    reason=reason,
                    reinstates=current.status_before_supersession,
                )
            except TransitionError as error:
                self.add_error("status", str(error))
        if "due_date" in self.changed_data:
            due_date = data.get("due_date")
            if current.due_date and not due_date:
                self.add_error("due_date", "A due date, once set, can be revised but not removed.")
            elif current.due_date and not reason.strip():
                self.add_error("reason", "Give a reason for revising the due date.")
            if due_date:
                try:
                    check_due_date(
                        due_date,
                        today=timezone.localdate(),
                        confirmed=bool(data.get("confirm_past")),
                    )
                except TransitionError as error:
                    self.add_error("due_date", str(error))
        return data


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    form = ActionAdminForm
    list_display = [
        "id",
        "force",
        "report",
        "question_number",
        "short_text",
        "owner",
        "status",
        "due_date",
        "overdue",
    ]
    list_filter = [
        "force",
        InspectionFilter,
        "question__grade",
        "status",
        OverdueFilter,
    ]
    list_select_related = ["force", "question__inspection__force", "owner"]
    # AFI text only: searching 500,000 notes belongs to the staff list's indexed search
    # (/actions/?q=), which inspectors can use across every force.
    search_fields = ["text"]
    show_full_result_count = False
    readonly_fields = [
        "force",
        "question",
        "kind",
        "position",
        "text",
        "original_due_date",
        "closed_at",
        "closed_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["force", "question", "text"]}),
        (
            "Progress",
            {
                "fields": [
                    "status",
                    "reason",
                    "owner",
                    "due_date",
                    "confirm_past",
                    "blocked_reason",
                ]
            },
        ),
        (
            "Record",
            {
                "fields": [
                    "original_due_date",
                    "closed_at",
                    "closed_by",
                    "created_at",
                    "updated_at",
                    "version",
                ]
            },
        ),
    ]
    inlines = [EvidenceNoteInline, ActionEventInline]
    actions = ["close_selected", "export_selected_csv"]
    list_per_page = 50

    def get_queryset(self, request):
        # The changelist's rows join their report: not its long texts, which it never shows
        return super().get_queryset(request).defer(*REPORT_TEXT)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.takes_changes:
            # Signed off or superseded: only the move back (reopen, reinstate) is open.
            return [*self.readonly_fields, "owner", "due_date", "blocked_reason"]
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not obj.takes_changes:
            return [
                (name, {**options, "fields": [f for f in options["fields"] if f != "confirm_past"]})
                for name, options in self.fieldsets
            ]
        return self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class: Any = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return WithUser

    def has_add_permission(self, request):
        return False  # actions come from reports

    def has_delete_permission(self, request, obj=None):
        return False  # evidence and audit trail are kept

    @admin.display(description="Report", ordering="question__inspection")
    def report(self, obj):
        inspection = obj.question.inspection
        return f"{inspection.programme} {inspection.year} {inspection.get_pillar_display()}"

    @admin.display(description="Q", ordering="question__number")
    def question_number(self, obj):
        return obj.question.number

    @admin.display(description="Area for improvement")
    def short_text(self, obj):
        return obj.short_text

    @admin.display(boolean=True, description="Overdue")
    def overdue(self, obj):
        return obj.is_overdue

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        current = Action.objects.get(pk=obj.pk)
        version, reason, via = data["version"], data.get("reason") or "", ActionEvent.Via.ADMIN
        # Apply each changed field through its method; each bumps the version by one.
        if "owner" in form.changed_data:
            current.assign(data["owner"], by=request.user, via=via, version=version)
            version = current.version
        if "due_date" in form.changed_data:
            current.set_due_date(
                data["due_date"], by=request.user, reason=reason, via=via, version=version
            )
            version = current.version
        if "blocked_reason" in form.changed_data:
            current.set_blocked(data["blocked_reason"], by=request.user, via=via, version=version)
            version = current.version
        if "status" in form.changed_data:
            current.move_to(
                data["status"], by=request.user, reason=reason, via=via, version=version
            )

    @admin.action(description="Close selected actions (evidence accepted)")
    def close_selected(self, request, queryset):
        if "apply" in request.POST:
            reason = request.POST.get("reason", "").strip()
            if not reason:
                self.message_user(request, "Give a reason to close.", messages.ERROR)
            else:
                closed, skipped = 0, []
                for action in queryset.select_related("force"):
                    try:
                        action.move_to(
                            Status.CLOSED, by=request.user, reason=reason, via=ActionEvent.Via.ADMIN
                        )
                        closed += 1
                    except (TransitionError, StaleVersion) as error:
                        skipped.append(f"#{action.pk}: {error}")
                self.message_user(request, f"Closed {closed} action(s).", messages.SUCCESS)
                if skipped:
                    self.message_user(
                        request, "Not closed — " + "; ".join(skipped[:10]), messages.WARNING
                    )
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Close selected actions",
            "actions": queryset.select_related("question__inspection__force"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submitted": Status.SUBMITTED,
        }
        return TemplateResponse(request, "admin/tracker/action/close_selected.html", context)

    @admin.action(description="Export selected actions to CSV")
    def export_selected_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename("selected")}"'
        rows = write_actions_csv(
            queryset.order_by("pk"), response, base_url=request.build_absolute_uri("/")
        )
        log_event("export", request, via="admin", rows=rows)
        return response


class EvidenceFileInline(admin.TabularInline):
    """A note's files, read-only; the name links to the download view.

    The files are part of the note: whoever may view the note may view them.
    """

    model = EvidenceFile
    readonly_fields = ("download", "content_type", "size", "sha256", "uploaded_at")
    fields = readonly_fields
    extra = 0
    can_delete = False

    @admin.display(description="File")
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tracker.view_evidencenote")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EvidenceNoteAdminForm(forms.ModelForm):
    class Meta:
        model = EvidenceNote
        fields = ["action", "kind", "body"]

    def clean_action(self):
        action = self.cleaned_data["action"]
        try:
            action.check_takes_changes()
        except TransitionError as error:  # signed off or superseded
            raise forms.ValidationError(str(error)) from None
        return action


@admin.register(EvidenceNote)
class EvidenceNoteAdmin(admin.ModelAdmin):
    form = EvidenceNoteAdminForm
    list_display = ["id", "action", "kind", "author", "created_at"]
    list_filter = ["kind", "action__force"]
    list_select_related = ["action", "author"]
    show_full_result_count = False  # a second COUNT of 500,000 notes on every page
    raw_id_fields = ["action"]
    fields = ["action", "kind", "body"]
    inlines = [EvidenceFileInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # files come with notes from the site

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        note = obj.action.add_note(
            obj.body, by=request.user, kind=obj.kind, via=ActionEvent.Via.ADMIN
        )
        obj.pk = note.pk


class EventDateFilter(admin.DateFieldListFilter):
    """Today, the past 7 days, this month, this year: headed "By date", not by the field's name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "date"


@admin.register(ActionEvent)
class ActionEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "kind", "old_value", "new_value", "by", "via"]
    # A date filter rather than date_hierarchy: the hierarchy's years, months and days are
    # each a DISTINCT over every event (a third of a second at 750,000 events).
    list_filter = [("at", EventDateFilter), "kind", "via", "action__force"]
    list_select_related = ["action", "by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Actions in the inspectors' admin: review, edit through the workflow, close in bulk, export.

Actions change here the same way they change anywhere: through their state-change methods,
carrying the `version` the inspector loaded, so a conflicting edit is refused and every
change lands in the audit trail. The trail itself is read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import F
from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone

from tracker.adding import add_action
from tracker.admin.adding import FINDING_FIELDS, START_FIELDS, ActionAddForm
from tracker.admin.inlines import AppendOnlyInline
from tracker.exports import export_filename, write_actions_csv
from tracker.filters import id_from_url
from tracker.models import (
    REPORT_TEXT,
    Action,
    ActionEvent,
    EvidenceNote,
    Inspection,
    User,
)
from tracker.paging import CappedCountAdmin
from tracker.security import log_event
from tracker.workflow import (
    REASON_NEEDED_TO,
    Status,
    TransitionError,
    allowed_moves,
    check_discharge,
    check_reason,
    check_reference,
    due_date_refusals,
    find_move,
    is_current,
    owners_of,
)


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
        force_id = id_from_url(request.GET.get("force__id__exact"))
        if force_id is None:
            return []
        reports = Inspection.objects.filter(force_id=force_id).select_related("force")
        return [(str(i.pk), i.name) for i in reports]

    def queryset(self, request, queryset):
        inspection_id = id_from_url(self.value())
        if inspection_id is not None:
            return queryset.filter(question__inspection_id=inspection_id)
        return queryset


class ActionEventInline(AppendOnlyInline):
    model = ActionEvent
    readonly_fields = ("at", "kind", "old_value", "new_value", "reason", "by", "via")
    ordering = ["-at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class EvidenceNoteInline(AppendOnlyInline):
    """The action's notes with their files, so an inspector judges the evidence before closing."""

    model = EvidenceNote
    readonly_fields = ("created_at", "kind", "body", "author", "attached_files")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author").prefetch_related("files")

    @admin.display(description="Files")
    def attached_files(self, note):
        return render_to_string("admin/tracker/action/note_files.html", {"files": note.files.all()})


class ActionAdminForm(forms.ModelForm):
    """Edits go through the action's state-change methods; `version` guards against conflicts."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Needed to {REASON_NEEDED_TO}, and to revise a due date.",
    )
    confirm_past = forms.BooleanField(
        required=False,
        label="Yes, the due date is in the past",
        help_text="A due date before today is saved only when this is ticked.",
    )
    discharge = forms.BooleanField(
        required=False,
        label="Discharge this cause of concern",
        help_text="Closes it as discharged. A reason is needed unless all its recommendations "
        "are done.",
    )

    class Meta:
        model = Action
        fields = ["owner", "status", "due_date", "blocked_reason", "reference"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        action = self.instance
        self.fields["version"].initial = action.version
        if "owner" in self.fields:  # read-only on a closed or superseded action
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = User.objects.filter(
                owners_of(action.force_id)
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
        seen = data.get("version")
        if current is None or seen is None or not is_current(seen, current.version):
            if current is not None:
                # The inspector sees the latest values beside their own and can save again
                # on purpose; their typed input stays in the form.
                posted = cast(QueryDict, self.data).copy()  # request.POST
                posted["version"] = current.version
                self.data = posted
            raise forms.ValidationError(str((current or action).stale()))
        reason = data.get("reason") or ""
        if "status" in self.changed_data and "status" in data:  # not when the field refused it
            try:
                current.check_move(data["status"], by=self.user, reason=reason)
            except TransitionError as error:
                self.add_error(error.field, str(error))
                # Kept off the instance, whose status decides which fields are read-only.
                data.pop("status", None)
        if data.get("discharge"):
            self._check_discharge(current, reason)
        if "reference" in self.changed_data and "reference" in data:
            data["reference"] = " ".join(data["reference"].split())
            try:
                check_reference(current.reference, data["reference"])
            except TransitionError as error:
                self.add_error("reference", str(error))
        if "due_date" in self.changed_data:
            for refusal in due_date_refusals(
                current.due_date,
                data.get("due_date"),
                reason=reason,
                today=timezone.localdate(),
                confirmed=bool(data.get("confirm_past")),
            ):
                self.add_error(refusal.field, str(refusal))
        return data

    def _check_discharge(self, current: Action, reason: str) -> None:
        """The rulebook decides (`check_discharge`); its refusal goes beside the field it names."""
        if "status" in self.changed_data:
            self.add_error("discharge", "Change the status or discharge it, not both at once.")
            return
        total, still_open = current.recommendation_counts()
        try:
            check_discharge(
                kind=current.kind,
                status=current.status,
                role=self.user.role_for(current),
                discharged=current.is_discharged,
                recommendations=total,
                recommendations_open=still_open,
                reason=reason,
            )
        except TransitionError as error:
            field = error.field if error.field in self.fields else "discharge"
            self.add_error(field, str(error))


# What the action keeps of its own history: read-only, and shown in the "Record" fieldset.
RECORD_FIELDS = [
    "added",
    "original_due_date",
    "assured_at",
    "assured_by",
    "closed_at",
    "closed_by",
    "discharged_at",
    "discharged_by",
    "discharge_reason",
    "created_at",
    "updated_at",
]


@admin.register(Action)
class ActionAdmin(CappedCountAdmin):
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
    # The finding's text, or its reference exactly ("=": case-insensitive): searching 500,000
    # notes belongs to the staff list's indexed search (/actions/?q=), open to inspectors too.
    search_fields = ["text", "=reference"]
    readonly_fields = [
        "force",
        "question",
        "kind",
        "position",
        "text",
        "parent",
        "deadline_text",
        "continues",
        "continues_how",
        *RECORD_FIELDS,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "force",
                    "question",
                    "kind",
                    "reference",
                    "text",
                    "parent",
                    "deadline_text",
                    "continues",
                    "continues_how",
                ]
            },
        ),
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
                    "discharge",
                ]
            },
        ),
        (
            "Record",
            {"fields": [*RECORD_FIELDS, "version"]},
        ),
    ]
    inlines = [EvidenceNoteInline, ActionEventInline]
    # "Add action": a finding added by hand (tracker/admin/adding.py).
    add_fieldsets = [
        (None, {"fields": FINDING_FIELDS}),
        ("Progress", {"fields": START_FIELDS}),
    ]
    raw_id_fields = ["question", "parent"]  # editable on the add page only
    actions = ["close_selected", "export_selected_csv"]
    list_per_page = 50
    # Due soonest first, as the site's list opens, read from the (due_date, id) index. The
    # model's order (report, question, position) sorted a whole force's actions for the first
    # page: 37 ms of the page at 500,000 actions (issue 16); the Report column still sorts so.
    # (Django's admin takes an expression here; django-stubs say only names.)
    ordering = [F("due_date").asc(nulls_last=True), "id"]  # type: ignore[list-item]

    def get_queryset(self, request):
        # The changelist's rows join their report: not its long texts, which it never shows
        return super().get_queryset(request).defer(*REPORT_TEXT)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if not obj.takes_changes:
            # Signed off or superseded: only the move back (reopen, reinstate) is open.
            return [*self.readonly_fields, "owner", "due_date", "blocked_reason", "reference"]
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        hidden = set()
        if obj is not None and not obj.takes_changes:
            hidden.add("confirm_past")
        if obj is None or not obj.takes_changes or not obj.is_dischargeable_kind:
            # Discharging is offered on an open cause of concern only (the rulebook's rule).
            hidden.add("discharge")
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in self.fieldsets
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ActionAddForm
        form_class: Any = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return WithUser

    def has_add_permission(self, request):
        # Who may add a report may add its findings by hand (the Inspectors group may).
        return request.user.has_perm("tracker.add_inspection")

    def has_delete_permission(self, request, obj=None):
        return False  # evidence and audit trail are kept

    @admin.display(description="Report", ordering="question__inspection")
    def report(self, obj):
        return obj.question.inspection.name

    @admin.display(description="Q", ordering="question__number")
    def question_number(self, obj):
        return obj.question.number

    @admin.display(description="Finding")
    def short_text(self, obj):
        return obj.short_text

    # In words: Django's boolean icons would show an overdue action as a green tick.
    @admin.display(description="Overdue")
    def overdue(self, obj):
        return "Overdue" if obj.is_overdue else "No"

    @admin.display(description="Added")
    def added(self, obj):
        origin = (
            obj.events.filter(kind__in=ActionEvent.ORIGINS)
            .select_related("by")
            .order_by("at", "id")
            .first()
        )
        if origin is None and obj.created_by_id is None:
            return "-"
        context = {"action": obj, "first": origin}
        return render_to_string("tracker/partials/added_words.html", context)

    def save_model(self, request, obj, form, change):
        if not change:
            # Made as a finding added anywhere is (tracker/adding.py); the admin's message
            # and history then name the action made.
            obj.pk = add_action(
                form.cleaned_data["question"],
                by=request.user,
                via=ActionEvent.Via.ADMIN,
                **form.finding(),
            ).pk
            obj.refresh_from_db()
            return
        data = form.cleaned_data
        current = Action.objects.get(pk=obj.pk)
        by, via, reason = request.user, ActionEvent.Via.ADMIN, data.get("reason") or ""
        # Each changed field through its method, in this order; each bumps the version by one.
        methods: list[tuple[str, Callable[..., object], dict[str, str]]] = [
            ("owner", current.assign, {}),
            ("due_date", current.set_due_date, {"reason": reason}),
            ("blocked_reason", current.set_blocked, {}),
            ("reference", current.set_reference, {}),
            ("status", current.move_to, {"reason": reason}),
        ]
        version = data["version"]
        for field, method, extra in methods:
            if field in form.changed_data:
                method(data[field], by=by, via=via, version=version, **extra)
                version = current.version
        if data.get("discharge"):
            current.discharge(reason, by=by, via=via, version=version)

    @admin.action(description="Close selected actions (evidence accepted)")
    def close_selected(self, request, queryset):
        if "apply" in request.POST:
            reason = request.POST.get("reason", "").strip()
            try:
                closing = find_move(Status.ASSURED, Status.CLOSED)
                assert closing is not None  # a move of the rulebook's
                check_reason(closing, reason)
            except TransitionError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                closed, skipped = 0, []
                for action in queryset.select_related("force"):
                    try:
                        action.move_to(
                            Status.CLOSED, by=request.user, reason=reason, via=ActionEvent.Via.ADMIN
                        )
                        closed += 1
                    except TransitionError as error:  # a stale version too
                        skipped.append(f"#{action.pk}: {error}")
                self.message_user(request, f"Closed {closed} action(s).", messages.SUCCESS)
                if skipped:
                    self.message_user(
                        request, "Not closed — " + "; ".join(skipped[:10]), messages.WARNING
                    )
                return None
        actions = queryset.select_related("question__inspection__force", "force")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Close selected actions",
            # Each with why the rulebook would not close it ("": it would), said per row.
            "rows": [(action, _not_closable(action, request.user)) for action in actions],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
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


def _not_closable(action: Action, user) -> str:
    """Why `user` may not close `action` ("" if they may), before the reason is asked."""
    try:
        action.check_move(Status.CLOSED, by=user, reason=None)
    except TransitionError as refusal:
        return str(refusal)
    return ""

"""Adding a report, its areas or questions, and its findings by hand, on the site.

Who may: whoever may import a report for the force (`User.may_import_for`): force staff with
the `tracker.import_report` permission, for their own force; inspectors, for any force they
pick. Anyone else gets 403, and another force's report is a 404, as everywhere. Each page is
one form; a refused one comes back (400) with what was typed and the reason beside its field.

The rows are made by `tracker/adding.py`, as a spreadsheet's are: a report of any source, a
question or area numbered next by default, and a finding with who added it and its audit
trail's "created" event. Each form asks `adding` (and the model's constraints) in `clean()`,
which saves nothing, so a form that is valid saves.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tracker.adding import (
    LARGEST_NUMBER,
    add_action,
    finding_refusals,
    new_question,
    new_report,
    next_question_number,
)
from tracker.choices import OneQueryModelChoiceIterator
from tracker.dates import day_month_year
from tracker.forms import DateInput, OwnerChoiceField
from tracker.models import (
    PEEL_CYCLES,
    Action,
    ActionEvent,
    Force,
    Grade,
    Inspection,
    Kind,
    Question,
    ReportFormat,
    Status,
    TransitionError,
    User,
)
from tracker.security import log_event
from tracker.views import get_visible_or_404
from tracker.workflow import PARENT_KINDS, REFERENCE_MAX_LENGTH, owners_of

# A report added by hand is another inspection or audit, or a PEEL report of a cycle (a pillar
# page needs its pillar and year, and a letter is imported from its text).
FORMATS = [ReportFormat.OTHER, *PEEL_CYCLES]
# Longest deadline a finding may give: ten years.
MOST_MONTHS = 120


def _refusal_beside(form: forms.Form, refusal: TransitionError) -> None:
    """The rulebook's refusal beside the field it names, or above the form."""
    form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))


class ReportForm(forms.Form):
    """A report of any source: for the force an inspector picks, or for force staff's own."""

    force = forms.ModelChoiceField(Force.objects.all(), empty_label="Choose a force")
    format = forms.ChoiceField(
        label="Kind of report",
        choices=[(value.value, value.label) for value in FORMATS],
        initial=ReportFormat.OTHER,
        widget=forms.RadioSelect,
    )
    source = forms.CharField(
        required=False,
        max_length=100,
        help_text="Who published it, e.g. “HMICFRS thematic” or “Internal audit”. Needed for "
        "another inspection or audit; a PEEL report's is HMICFRS.",
    )
    title = forms.CharField(
        required=False,
        max_length=300,
        help_text="As published. Needed for another inspection or audit: it names the report.",
    )
    published = forms.DateField(
        widget=DateInput,
        label="Publication date",
        help_text="Recommendations' deadlines run from it.",
        error_messages={"required": "Give the date it was published."},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.is_inspector:
            del self.fields["force"]
        self.report: Inspection | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("format") == ReportFormat.OTHER:
            for name, refusal in (
                ("source", "Say who published it: a report that is not a PEEL report needs it."),
                ("title", "Give its title: a report that is not a PEEL report is named by it."),
            ):
                if name not in self.errors and not data.get(name, "").strip():
                    self.add_error(name, refusal)
        force = data.get("force") if "force" in self.fields else self.user.force
        if self.errors or force is None:
            return data
        peel = data["format"] in PEEL_CYCLES
        report = new_report(
            force,
            format=data["format"],
            # The report page names the source of a report with no text imported.
            source=data["source"] or ("HMICFRS" if peel else ""),
            title=data["title"],
            published=data["published"],
            by=self.user,
        )
        try:
            report.validate_constraints()
        except ValidationError:
            self.refuse_duplicate(report)
        else:
            self.report = report
        return data

    def refuse_duplicate(self, report: Inspection) -> None:
        """The report is one this force has already (its identity, by format)."""
        if report.format in PEEL_CYCLES:
            self.add_error("format", f"{report.force} already has its {report.name} report.")
        else:
            published = day_month_year(report.published) if report.published else "no date"
            self.add_error(
                "title",
                f"{report.force} already has a report titled “{report.title}” published on "
                f"{published}. Open it from Reports, or give this one its own title.",
            )

    def save(self) -> Inspection | None:
        """The report saved; None when someone added it since `clean()` looked (refused)."""
        report = cast(Inspection, self.report)
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            self.refuse_duplicate(report)
            return None
        return report


class QuestionForm(forms.Form):
    """An area (of policing, or of the report) or a question, numbered next by default."""

    shape = forms.ChoiceField(
        label="It is",
        choices=[("area", "An area"), ("question", "A question")],
        widget=forms.RadioSelect,
    )
    number = forms.IntegerField(min_value=1, max_value=LARGEST_NUMBER)
    text = forms.CharField(
        label="Name or text",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        help_text="An area's name, e.g. “Investigating crime”, or the question as the report "
        "asks it.",
    )
    grade = forms.ChoiceField(
        choices=[("", "No grade"), *Grade.choices], required=False, label="Grade (optional)"
    )

    def __init__(self, data=None, *, inspection: Inspection):
        self.inspection = inspection
        initial = {
            "number": next_question_number(inspection),
            "shape": "question" if inspection.is_pillar_page else "area",
        }
        super().__init__(data, initial=initial)
        self.question: Question | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        is_area = data["shape"] == "area"
        text = data["text"].strip()
        if is_area and len(text) > 300:
            self.add_error(
                "text", f"An area's name is at most 300 characters; this has {len(text)}."
            )
            return data
        try:
            question = new_question(
                self.inspection,
                number=data["number"],
                text=text,
                label=text if is_area else "",
                grade=data["grade"],
            )
            question.validate_constraints()
        except TransitionError as refusal:
            _refusal_beside(self, refusal)
        except ValidationError:
            free = next_question_number(self.inspection)
            self.add_error(
                "number",
                f"This report already has a number {data['number']}; the next free one is {free}.",
            )
        else:
            self.question = question
        return data

    def save(self) -> Question | None:
        """The question saved; None when someone took its number since `clean()` looked."""
        question = cast(Question, self.question)
        try:
            with transaction.atomic():
                question.save()
        except IntegrityError:
            self.add_error("number", "That number was taken just now; choose another.")
            return None
        return question


class QuestionChoiceField(forms.ModelChoiceField):
    iterator = OneQueryModelChoiceIterator

    def label_from_instance(self, question: Question) -> str:
        text = question.text if len(question.text) <= 80 else question.text[:79].rstrip() + "…"
        return f"{question.short_name}: {text}"


class ParentChoiceField(forms.ModelChoiceField):
    iterator = OneQueryModelChoiceIterator

    def label_from_instance(self, action: Action) -> str:
        return f"Action {action.pk}: {action.short_text}"


class FindingForm(forms.Form):
    """A finding of the report: under one of its areas or questions, of its kind, with what
    the force starts it with (reference, owner, due date, status)."""

    question = QuestionChoiceField(
        Question.objects.none(), label="Area or question", empty_label="Choose one"
    )
    kind = forms.ChoiceField(
        label="Kind of finding", choices=Kind.choices, initial=Kind.AREA_FOR_IMPROVEMENT
    )
    text = forms.CharField(
        label="Finding",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        help_text="As the report words it.",
    )
    parent = ParentChoiceField(
        Action.objects.none(),
        required=False,
        label="Its cause of concern",
        empty_label="None: it stands alone",
        help_text="A recommendation only: the cause of concern (of this report) it answers.",
    )
    deadline_months = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MOST_MONTHS,
        label="Deadline, in months",
        help_text="“Within three months” is 3. Sets the due date from the report's publication "
        "date, unless you give one below.",
    )
    reference = forms.CharField(
        required=False,
        max_length=REFERENCE_MAX_LENGTH,
        label="Your reference",
        help_text="Your force's own number for this finding, e.g. “AFI 7” or “R3.1”.",
    )
    owner = OwnerChoiceField(
        User.objects.none(), required=False, empty_label="Unassigned", label="Owner"
    )
    due_date = forms.DateField(widget=DateInput, required=False, label="Due date")
    confirm_past = forms.BooleanField(required=False, label="Yes, the due date is in the past")
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (Status.NOT_STARTED, Status.IN_PROGRESS)],
        initial=Status.NOT_STARTED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, inspection: Inspection, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.user = user
        fields = self.fields
        cast(QuestionChoiceField, fields["question"]).queryset = inspection.questions.order_by(
            "number"
        )
        cast(ParentChoiceField, fields["parent"]).queryset = (
            Action.objects.filter(question__inspection=inspection, kind__in=PARENT_KINDS)
            .select_related("question")
            .order_by("pk")
        )
        cast(OwnerChoiceField, fields["owner"]).queryset = User.objects.filter(
            owners_of(inspection.force_id)
        ).order_by("first_name", "last_name", "username")
        if not self.is_bound:
            del fields["confirm_past"]  # offered once a date in the past is refused

    @property
    def has_questions(self) -> bool:
        # Evaluated here, the <select> then lists the same rows without a query of its own.
        return bool(cast(QuestionChoiceField, self.fields["question"]).queryset)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        for refusal in finding_refusals(
            data["question"],
            confirmed=bool(data.get("confirm_past")),
            via=ActionEvent.Via.WEB,
            **self._fields(),
        ):
            _refusal_beside(self, refusal)
        return data

    def _fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        months = data["deadline_months"]
        return {
            "kind": data["kind"],
            "text": data["text"],
            "parent": data["parent"],
            "deadline_months": months,
            "deadline_text": f"Within {months} month{'s' if months != 1 else ''}" if months else "",
            "reference": data["reference"],
            "owner": data["owner"],
            "due_date": data["due_date"],
            "status": data["status"],
        }

    def save(self) -> Action:
        return add_action(
            self.cleaned_data["question"], by=self.user, via=ActionEvent.Via.WEB, **self._fields()
        )


# Views ---------------------------------------------------------------------------------------


def _check_may_add(request, force: Force | None) -> None:
    if not request.user.may_import_for(force):
        log_event("add_refused", request, path=request.path)
        raise PermissionDenied("Adding reports and findings needs the import permission.")


def _report_for_adding(request, pk: int) -> Inspection:
    """The report, if this user sees it (else 404) and may add to it (else 403)."""
    visible = Inspection.objects.visible_to(request.user).without_texts().select_related("force")
    inspection = get_visible_or_404(request, visible, pk, "inspection")
    _check_may_add(request, inspection.force)
    return inspection


def _render(request, template: str, context: dict[str, Any]):
    form = context["form"]
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_add(request):
    user = request.user
    _check_may_add(request, user.force)
    initial = {}
    if user.is_inspector:  # the force of the dashboard they came from
        initial["force"] = Force.objects.filter(slug=request.GET.get("force", "")).first()
    form = ReportForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid() and (report := form.save()):
        messages.success(request, "Report added. Now add its areas or questions.")
        return redirect(report)
    return _render(request, "tracker/report_add.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def question_add(request, pk: int):
    inspection = _report_for_adding(request, pk)
    form = QuestionForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid() and (question := form.save()):
        messages.success(request, f"{question.short_name} added.")
        return redirect(question.get_absolute_url())
    return _render(request, "tracker/question_add.html", {"form": form, "inspection": inspection})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def finding_add(request, pk: int):
    inspection = _report_for_adding(request, pk)
    form = FindingForm(
        request.POST or None,
        inspection=inspection,
        user=request.user,
        initial={"question": request.GET.get("question")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = form.save()
        except TransitionError as refusal:  # e.g. a question with no position left
            _refusal_beside(form, refusal)
        else:
            messages.success(
                request, f"Finding added as action {action.pk} under {action.question.short_name}."
            )
            return redirect(action.question.get_absolute_url())
    return _render(request, "tracker/finding_add.html", {"form": form, "inspection": inspection})

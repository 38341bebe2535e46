"""The action list's filters. The CSV export uses the same FilterSet, so it exports what the
list shows.

Every filter value comes from the URL, so a filtered list is a link that can be shared. A
value that does not validate (an unknown status, another force's report, "due before
banana") is reported next to its field and otherwise ignored; it never errors the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import HttpRequest
from django_filters import fields as filter_fields

from tracker.choices import OneQueryModelChoiceIterator
from tracker.forms import DateInput
from tracker.models import Action, Force, Grade, Inspection, Question, User
from tracker.models import grade_severity as grade_severity_expression
from tracker.search import Search, Way, matching_actions, way_for
from tracker.workflow import Kind, Status

STATUS_ORDER = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Status)),
    output_field=IntegerField(),
)

HAS_NO_REFERENCE = Case(
    When(reference="", then=Value(1)), default=Value(0), output_field=IntegerField()
)

# The sort choices: key -> ORDER BY. `pk` last keeps pages stable when values tie.
SORTS = {
    "due": (F("due_date").asc(nulls_last=True), "pk"),
    "-due": (F("due_date").desc(nulls_last=True), "-pk"),
    "status": (STATUS_ORDER, F("due_date").asc(nulls_last=True), "pk"),
    "-status": (STATUS_ORDER.desc(), F("due_date").asc(nulls_last=True), "pk"),
    "question": ("question__inspection", "question__number", "position", "pk"),
    "-question": ("-question__inspection", "-question__number", "-position", "-pk"),
    "grade": (
        grade_severity_expression("question__grade"),
        F("due_date").asc(nulls_last=True),
        "pk",
    ),
    "-grade": (
        grade_severity_expression("question__grade").desc(),
        F("due_date").asc(nulls_last=True),
        "pk",
    ),
    "updated": ("-updated_at", "-pk"),
    "-updated": ("updated_at", "pk"),
    # Actions with no reference come last either way.
    "reference": (HAS_NO_REFERENCE, "reference", "pk"),
    "-reference": (HAS_NO_REFERENCE, "-reference", "-pk"),
}
SORT_CHOICES = [
    ("due", "Due soonest"),
    ("-due", "Due latest"),
    ("grade", "Worst grade"),
    ("-grade", "Best grade"),
    ("status", "Status"),
    ("-status", "Status, reversed"),
    ("question", "Report order"),
    ("-question", "Report order, reversed"),
    ("updated", "Newest update"),
    ("-updated", "Oldest update"),
    ("reference", "Reference"),
    ("-reference", "Reference, reversed"),
]
DEFAULT_SORT = "due"


class FlagInput(forms.CheckboxInput):
    """A checkbox sent as `name=1`; only 1, true or on tick it, so `?overdue=0` means no."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"value": "1", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        return str(data.get(name, "")).strip().lower() in {"1", "true", "on", "yes"}


class FilterModelChoiceIterator(filter_fields.ModelChoiceIterator, OneQueryModelChoiceIterator):
    pass


class ModelChoiceField(filter_fields.ModelChoiceField):
    iterator = FilterModelChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ModelChoiceField


class QuestionChoiceField(forms.ModelChoiceField):
    iterator = OneQueryModelChoiceIterator

    def __init__(self, *args, show_force: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_force = show_force

    def label_from_instance(self, question: Question) -> str:
        inspection = question.inspection
        text = question.text if len(question.text) <= 70 else question.text[:69].rstrip() + "…"
        force = f"{inspection.force.short_name} " if self.show_force else ""
        report = (
            f"{inspection.year} {inspection.get_pillar_display()}"
            if inspection.is_pillar_page
            else inspection.name
        )
        return f"{force}{report} {question.short_name}: {text}"


class QuestionFilter(django_filters.ModelChoiceFilter):
    # Django's own ModelChoiceField: the stubs ask for django-filter's, which adds a null choice.
    field_class = QuestionChoiceField  # type: ignore[assignment]


def owner_choices(users) -> list[tuple[str, str]]:
    people = [(str(user.pk), user.display_name) for user in users]
    return [("me", "Me"), ("unassigned", "Unassigned"), *people]


def id_from_url(value) -> int | None:
    """A primary key from the URL, or None when it is not one (the form reports bad values)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        help_text="Words in the finding or in one of its notes, in any order, or your "
        'reference for it ("AFI 7"). Put a phrase in "double quotes".',
    )
    # `distinct=False`: status is a column of the action, so no join can repeat a row, and
    # SELECT DISTINCT over the list's joins cost PostgreSQL 71 ms against 5 ms at 50,000 actions.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    kind = django_filters.ChoiceFilter(
        choices=Kind.choices,
        empty_label="Any kind",
        label="Kind",
        help_text="What the report found: area for improvement, cause of concern, recommendation…",
    )
    owner = django_filters.ChoiceFilter(method="filter_owner", empty_label="Anyone")
    force = ModelChoiceFilter(
        queryset=Force.objects.all(), to_field_name="slug", empty_label="All forces"
    )
    inspection = ModelChoiceFilter(
        field_name="question__inspection",
        queryset=Inspection.objects.none(),
        label="Report",
        empty_label="All reports",
    )
    question = QuestionFilter(queryset=Question.objects.none(), empty_label="All questions")
    question_grade = django_filters.ChoiceFilter(
        field_name="question__grade", choices=Grade.choices, empty_label="Any grade"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", widget=FlagInput, label="Overdue only"
    )
    blocked = django_filters.BooleanFilter(
        method="filter_blocked", widget=FlagInput, label="Blocked only"
    )
    returned = django_filters.BooleanFilter(
        method="filter_returned", widget=FlagInput, label="Returned only"
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", widget=DateInput, label="Due on or after"
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", widget=DateInput, label="Due on or before"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="sort_by", empty_label=None, label="Sort by"
    )

    class Meta:
        model = Action
        fields: list[str] = []

    request: HttpRequest  # always given: what it offers depends on who asks

    def __init__(self, data=None, *args, request=None, paged: int = 0, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        # Rows a page (the list), rather than every row (0: the exports): a search may then
        # read the list in its order until the page is full (tracker/search.py).
        self.paged = paged
        self.walked = False
        user = request.user
        data = data or {}
        force_slug = data.get("force") if user.is_inspector else None
        if not user.is_inspector:
            # Force staff see one force; the picker would only offer what they cannot choose.
            del self.filters["force"]
        visible = Inspection.objects.visible_to(user)
        inspections = visible.without_texts().select_related("force")
        owners = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        chosen_inspection = id_from_url(data.get("inspection"))
        chosen_question = id_from_url(data.get("question"))
        if user.force_id:
            owners = owners.filter(force_id=user.force_id)
        elif force_slug:
            inspections = inspections.filter(force__slug=force_slug)
            owners = owners.filter(force__slug=force_slug)
        else:
            # An inspector looking at every force: a list of every officer, or of some 1,800
            # reports, would not help (and rendering them cost 1.7 s). Reports are offered once a
            # force is chosen; a report already in the URL stays valid and offered.
            owners = owners.none()
            if chosen_inspection:
                inspections = inspections.filter(pk=chosen_inspection)
            else:
                inspections = inspections.none()
        cast(django_filters.ModelChoiceFilter, self.filters["inspection"]).queryset = inspections
        # Inspectors see several forces' questions, so their labels name the force.
        self.filters["question"].extra["show_force"] = user.is_inspector
        # Questions are offered for the chosen report only (a select of a force's ~200
        # questions helps nobody and was most of the page's rendering time). A question already
        # in the URL (a shared link) stays valid and offered. Still one query.
        offered = Q(inspection_id=chosen_inspection) if chosen_inspection else Q(pk__in=[])
        if chosen_question:
            offered |= Q(pk=chosen_question)
        cast(QuestionFilter, self.filters["question"]).queryset = (
            Question.objects.filter(offered, inspection__in=visible)
            .select_related("inspection__force")
            .order_by(
                "inspection__force__name", "-inspection__year", "inspection__pillar", "number"
            )
        )
        # A callable, so the query runs only when the form is built.
        self.filters["owner"].extra["choices"] = lambda: owner_choices(owners)

    def filter_owner(self, queryset, name, value):
        if value == "me":
            return queryset.filter(owner=self.request.user)
        if value == "unassigned":
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset

    def filter_blocked(self, queryset, name, value):
        return queryset.blocked() if value else queryset

    def filter_returned(self, queryset, name, value):
        return queryset.returned() if value else queryset

    def search(self, queryset, name, value):
        """Words in the finding or in one of its notes, or its reference (tracker/search.py)."""
        if not value.strip():
            return queryset
        search = Search.parse(value)
        # A page read in the default order (due date), which an index gives, may find common
        # words by checking actions in that order, or a few by their ids (tracker/search.py);
        # it then counts less far. An export, or another order, gathers every match (SETS).
        in_index_order = self.paged if self.current_sort == DEFAULT_SORT else 0
        way, ids = way_for(queryset.db, search, in_index_order)
        self.walked = way is Way.WALK
        return matching_actions(queryset, search, way, ids)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])

    def filter_queryset(self, queryset):
        # `sort_by` runs only when a sort was asked for; this is the order otherwise.
        return super().filter_queryset(queryset.order_by(*SORTS[DEFAULT_SORT]))

    @property
    def current_sort(self) -> str:
        sort = self.cleaned_value("sort")
        return sort if sort in SORTS else DEFAULT_SORT

    @property
    def search_term(self) -> str:
        return (self.cleaned_value("q") or "").strip()

    @property
    def search_note(self) -> str:
        return Search.parse(self.search_term).note

    @property
    def chosen_force(self) -> Force | None:
        return self.cleaned_value("force") if "force" in self.filters else None

    def controls(self) -> list[dict]:
        """The form's fields as plain values, for templates/tracker/partials/filter_form.html.

        The list page shows this form above every page of actions. Rendered field by field
        through crispy-forms and Django's widget templates it cost as much as the fifty rows
        under it (a template lookup on a bound field, and an option dict, per attribute); these
        dicts and (value, label, chosen) tuples carry the same values, and the template writes
        the markup crispy-bootstrap5 writes (docs/performance.md).
        """
        return [_control(bound) for bound in self.form]

    def cleaned_value(self, name: str):
        """A filter's validated value, or None when it was missing or invalid."""
        self.form.is_valid()
        return self.form.cleaned_data.get(name)


def _control(bound: forms.BoundField) -> dict:
    """One field of the filter form: what its markup needs, and which kind of markup."""
    field, widget, value = bound.field, bound.field.widget, bound.value()
    helptext = f"{bound.auto_id}_helptext" if bound.help_text else ""
    errors = f"{bound.auto_id}_error" if bound.errors else ""
    control: dict[str, Any] = {
        "name": bound.html_name,
        "id": bound.auto_id,
        "label": bound.label,
        "help": bound.help_text,
        "helptext_id": helptext,
        "errors": list(bound.errors),
        "described_by": " ".join(part for part in (helptext, errors) if part),
    }
    if isinstance(widget, forms.CheckboxSelectMultiple):
        chosen = {str(item) for item in value or ()}
        control["kind"] = "checkboxes"
        control["options"] = [
            (f"{bound.auto_id}_{index}", str(option), label, str(option) in chosen)
            for index, (option, label) in enumerate(_choices(field))
        ]
    elif isinstance(widget, forms.Select):
        chosen_value = "" if value is None else str(value)
        control["kind"] = "select"
        control["options"] = [
            (str(option), label, str(option) == chosen_value) for option, label in _choices(field)
        ]
    elif isinstance(widget, forms.CheckboxInput):
        control["kind"] = "flag"
        control["checked"] = widget.check_test(value)
    else:
        control["kind"] = "input"
        control["type"] = cast(forms.widgets.Input, widget).input_type
        control["class"] = widget.__class__.__name__.lower()
        shown = widget.format_value(value)
        control["value"] = "" if shown is None else shown
    return control


def _choices(field: forms.Field) -> Iterable[tuple[Any, Any]]:
    """A choice field's (value, label) pairs (none of the filter's selects has groups)."""
    return cast(Iterable[tuple[Any, Any]], cast(forms.ChoiceField, field).choices)

"""The import preview: read a report, let the person put right what the reader got wrong,
and import it only when they confirm. One implementation behind two entrances:

- the admin's "Import a report" (`tracker/admin/imports.py`): inspectors, for any force;
- the app's "Import a report" (`tracker.views.import_start` / `import_preview`): force staff
  with the `tracker.import_report` permission, for their own force only.

An `Entrance` says what differs between them (who, which force, which template, where to go
after); everything else is here: the preview kept between requests, the forms, the edits and
the confirm.

The preview lives in the session, not in a signed hidden field. The document can be as large
as the page it came from (a 2014–2019 page's narratives travel with it), and a hidden field
would carry all of it back with every click; in the session it is read once, edited in place,
never in the person's hands to replay, and gone when they sign out or the session times out.
Each preview has its own token, so two tabs can hold two previews; a form posted from a page
older than the preview (the other tab changed it) is refused with the preview as it stands
(`revision`), as a stale action form is.

Nothing is written to the database until the person confirms; then one call to
`load_document` writes the report in one transaction, and the preview is dropped.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from tracker.models import Action, ActionEvent, Force, Inspection, User
from tracker.reports import decode_report
from tracker.reports.edit import (
    EditError,
    delete,
    find,
    loadable_problems,
    merge_with_next,
    set_area,
    set_deadline,
    set_kind,
    set_parent,
    set_text,
    split_at_line,
)
from tracker.reports.edit import add as add_finding
from tracker.reports.errors import AlreadyImported, ReportError, ReportImportError
from tracker.reports.load import (
    ImportResult,
    Link,
    check_document,
    check_size,
    describe_size,
    earlier_candidates,
    load_document,
    resolve_force,
    text_size,
)
from tracker.reports.read import read_report
from tracker.reports.shape import (
    Finding,
    FindingKind,
    ReadWarning,
    ReportDocument,
    document_from_json,
    document_json,
)
from tracker.workflow import Relation

logger = logging.getLogger(__name__)

SESSION_KEY = "import_previews"
KEEP = 3  # previews kept per session; the oldest goes first
# How a finding continues an earlier action, as the table's select says it (the rulebook's
# Relation; its own labels are sentences).
RELATIONS = [(Relation.CARRIED_OVER.value, "carried over"), (Relation.ESCALATED.value, "escalated")]
KIND_CHOICES = [(kind.value, kind.label) for kind in FindingKind]


# --- the preview kept between requests --------------------------------------------------------


@dataclass
class Preview:
    """One report being previewed: the document as edited so far, and what goes with it."""

    entrance: str
    document: ReportDocument
    force_id: int | None
    source_text: str = ""  # the page as read, kept with the report as its provenance
    source_url: str = ""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    revision: int = 0
    # Per finding id (as a string): {"earlier": action id, "relation": …, "supersede": bool}.
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_names: str | None = None  # the admin imports for a force other than the page names

    def as_json(self) -> dict[str, Any]:
        return {
            "entrance": self.entrance,
            "document": document_json(self.document, whole=True),
            "force_id": self.force_id,
            "source_text": self.source_text,
            "source_url": self.source_url,
            "revision": self.revision,
            "links": self.links,
            "page_names": self.page_names,
        }

    @classmethod
    def from_json(cls, token: str, data: dict[str, Any]) -> Preview:
        return cls(token=token, **{**data, "document": document_from_json(data["document"])})

    @property
    def force(self) -> Force | None:
        return Force.objects.filter(pk=self.force_id).first() if self.force_id else None


def store(request: HttpRequest, preview: Preview) -> None:
    """Keep the preview in the session (the newest KEEP of them)."""
    previews = dict(request.session.get(SESSION_KEY, {}))
    previews.pop(preview.token, None)
    previews[preview.token] = preview.as_json()
    request.session[SESSION_KEY] = dict(list(previews.items())[-KEEP:])


def stored(request: HttpRequest, token: str, entrance: str) -> Preview | None:
    data = request.session.get(SESSION_KEY, {}).get(token)
    if data is None or data.get("entrance") != entrance:
        return None
    return Preview.from_json(token, data)


def discard(request: HttpRequest, token: str) -> None:
    previews = dict(request.session.get(SESSION_KEY, {}))
    if previews.pop(token, None) is not None:
        request.session[SESSION_KEY] = previews


# --- reading the page -------------------------------------------------------------------------


class ReportSourceForm(forms.Form):
    """A report, uploaded (text or PDF) or pasted, read into a document; nothing is stored.

    Cleans to `document` (what the reader made of it) and `text`. A page the readers cannot
    read, a PDF with no text or a password, or a file over the size limit is refused with the
    reader's own one-line reason.
    """

    file = forms.FileField(
        required=False,
        label="Report file",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".txt,.text,.pdf,text/plain,application/pdf"}
        ),
    )
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        label="Or paste the page",
        help_text="Select all on the published HMICFRS page, copy, and paste here.",
    )
    source_url = forms.URLField(required=False, label="Source URL", assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = describe_size(settings.IMPORT_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"The report as a PDF, or its page saved as a text file; at most {limit}."

    def clean(self):
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        try:
            if upload:
                check_size(upload.size)
                data["text"] = decode_report(upload.read(), max_bytes=settings.IMPORT_MAX_BYTES)
            if not (data.get("text") or "").strip():
                raise forms.ValidationError("Upload the report as a file or paste its text.")
            check_size(text_size(data["text"]))
            data["document"] = read_report(data["text"])
            check_document(data["document"])  # what the loader would refuse, refused now
        except ReportImportError as error:  # too large: it says so itself
            raise forms.ValidationError(str(error)) from None
        except ReportError as error:
            raise forms.ValidationError(f"This report cannot be read: {error}") from None
        return data


# --- the preview's table ----------------------------------------------------------------------


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _describe(finding: Finding) -> str:
    return f"{finding.id}. {finding.kind.label}: {_short(finding.text)}"


# Each editable column of a row, and the edit that sets it.
ROW_EDITS: dict[str, Callable[[ReportDocument, int, Any], ReportDocument]] = {
    "kind": set_kind,
    "area": set_area,
    "text": set_text,
    "parent": set_parent,
    "deadline": set_deadline,
}


class FindingsForm(forms.Form):
    """Every row of the preview table, and the "add a finding" row, as one form.

    One form, so that whichever button is pressed (save, merge, split, delete, add, confirm),
    what the person typed in every row is kept: it is applied first, then the button's edit.
    `apply()` returns the edited document, or None with each refusal beside its field.
    """

    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        data=None,
        *,
        document: ReportDocument,
        candidates: Mapping[str, list[Action]],
        links: Mapping[str, Mapping[str, Any]],
        revision: int,
    ):
        super().__init__(data, initial={"revision": revision}, auto_id="id_%s")
        self.document = document
        self.candidates = candidates
        areas = [area.label for area in document.areas]
        # A 2014–2019 page holds areas for improvement only (edit.loadable_problems).
        kinds = KIND_CHOICES[:1] if document.pillar_report is not None else KIND_CHOICES
        parents = [("", "— none —"), *[(str(f.id), _describe(f)) for f in document.findings]]
        for finding in document.findings:
            number = finding.id
            self.fields[f"kind-{number}"] = forms.ChoiceField(
                choices=kinds if finding.kind.value in dict(kinds) else KIND_CHOICES,
                initial=finding.kind.value,
                label=f"Kind of finding {number}",
            )
            self.fields[f"area-{number}"] = self._area_field(areas, finding.area, number)
            self.fields[f"text-{number}"] = forms.CharField(
                initial=finding.text,
                label=f"Text of finding {number}",
                strip=False,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5, "class": "form-control preview-text"}),
            )
            self.fields[f"parent-{number}"] = forms.TypedChoiceField(
                choices=[choice for choice in parents if choice[0] != str(number)],
                coerce=int,
                empty_value=None,
                required=False,
                initial=str(finding.parent or ""),
                label=f"Parent of finding {number}",
            )
            self.fields[f"deadline-{number}"] = forms.CharField(
                initial=finding.deadline.text if finding.deadline else "",
                required=False,
                max_length=200,
                label=f"Deadline of finding {number}",
                widget=forms.TextInput(attrs={"placeholder": "e.g. Within three months"}),
            )
            earlier = candidates.get(str(number))
            if earlier:
                chosen = links.get(str(number), {})
                self.fields[f"earlier-{number}"] = forms.TypedChoiceField(
                    choices=[
                        ("", "— a new action —"),
                        *[(str(a.pk), f"#{a.pk}: {_short(a.text, 60)}") for a in earlier],
                    ],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=str(chosen.get("earlier") or ""),
                    label=f"Finding {number} continues earlier action",
                )
                self.fields[f"relation-{number}"] = forms.ChoiceField(
                    choices=RELATIONS,
                    initial=chosen.get("relation", Relation.CARRIED_OVER.value),
                    label=f"How finding {number} continues it",
                )
                self.fields[f"supersede-{number}"] = forms.BooleanField(
                    required=False,
                    initial=chosen.get("supersede", False),
                    label=f"Supersede the earlier action of finding {number}",
                )
        self.fields["new-kind"] = forms.ChoiceField(choices=kinds, label="Kind", required=False)
        self.fields["new-area"] = self._area_field(areas, None, None)
        self.fields["new-text"] = forms.CharField(
            required=False, label="Text", widget=forms.Textarea(attrs={"rows": 3})
        )
        self.fields["new-parent"] = forms.TypedChoiceField(
            choices=parents, coerce=int, empty_value=None, required=False, label="Parent"
        )
        self.fields["new-deadline"] = forms.CharField(
            required=False,
            max_length=200,
            label="Deadline",
            widget=forms.TextInput(attrs={"placeholder": "e.g. Within three months"}),
        )
        for bound in self:
            widget = bound.field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control form-control-sm")

    @staticmethod
    def _area_field(areas: list[str], current: str | None, number: int | None) -> forms.Field:
        label = f"Area of finding {number}" if number else "Area"
        if not areas:  # a letter or pasted findings: no areas to choose from, so say it
            return forms.CharField(
                required=False, max_length=300, initial=current or "", label=label
            )
        choices = [("", "— none —"), *[(area, area) for area in areas]]
        if current and current not in areas:
            choices.append((current, f"{current} (as written)"))
        return forms.ChoiceField(
            choices=choices, required=False, initial=current or "", label=label
        )

    def apply(self, action: str) -> ReportDocument | None:
        """The document with every row's edits and then `action`'s; None when any is refused."""
        if not self.is_valid():
            self._describe_errors()
            return None
        data = self.cleaned_data
        document = self.document
        for finding in self.document.findings:
            for name, setter in ROW_EDITS.items():
                try:
                    document = setter(document, finding.id, data[f"{name}-{finding.id}"])
                except EditError as error:
                    self.add_error(f"{name}-{finding.id}", _sentence(error))
        if not self.errors:
            document = self._do(document, action)
        if self.errors:
            self._describe_errors()
            return None
        return document

    def _do(self, document: ReportDocument, action: str) -> ReportDocument:
        verb, _, target = action.partition(":")
        number = int(target) if target.isdigit() else None
        try:
            if verb == "merge" and number is not None:
                return merge_with_next(document, number)
            if verb == "split" and number is not None:
                find(document, number)
                return split_at_line(document, number)
            if verb == "delete" and number is not None:
                return delete(document, number)
            if verb == "add":
                data = self.cleaned_data
                return add_finding(
                    document,
                    kind=data["new-kind"] or FindingKind.AREA_FOR_IMPROVEMENT,
                    text=data["new-text"],
                    area=data["new-area"],
                    parent=data["new-parent"],
                    deadline=data["new-deadline"],
                )
        except EditError as error:
            where = f"new-{error.field}" if verb == "add" else f"{error.field}-{number}"
            self.add_error(
                where if error.field and where in self.fields else None, _sentence(error)
            )
        return document

    def links(self, document: ReportDocument) -> dict[str, dict[str, Any]]:
        """The cross-cycle links chosen, for the findings still in the document."""
        present = {str(finding.id) for finding in document.findings}
        out = {}
        for number in self.candidates:
            earlier = self.cleaned_data.get(f"earlier-{number}")
            if number in present and earlier:
                out[number] = {
                    "earlier": earlier,
                    "relation": self.cleaned_data[f"relation-{number}"],
                    "supersede": self.cleaned_data[f"supersede-{number}"],
                }
        return out

    def refuse(self, problems: list[tuple[int, str, str]]) -> None:
        """Show what the document cannot be imported with, beside each field concerned."""
        for number, name, message in problems:
            self.add_error(f"{name}-{number}", message)
        self._describe_errors()

    def _describe_errors(self) -> None:
        """Tie each error to its control (aria-describedby), so a screen reader says it."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-describedby"] = f"id_{name}-error"

    def row(self, finding: Finding) -> dict[str, Any]:
        number = finding.id
        names = ("kind", "area", "text", "parent", "deadline", "earlier", "relation", "supersede")
        return {
            "finding": finding,
            **{
                name: self[f"{name}-{number}"]
                for name in names
                if f"{name}-{number}" in self.fields
            },
        }


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# --- warnings beside their rows ---------------------------------------------------------------


def warnings_by_row(
    document: ReportDocument,
) -> tuple[dict[int, list[ReadWarning]], list[ReadWarning], list[ReadWarning]]:
    """The reader's warnings: (those about a finding, by its id; the rest; PDF furniture).

    A warning is about a finding when it names the finding's line, quotes its text (or is
    quoted by it), or names the unknown area label the finding belongs to. Lines taken out of
    a PDF as headers, footers and page numbers are kept apart: there are many, and each is
    only worth a look when a finding seems to be missing words.
    """
    by_row: dict[int, list[ReadWarning]] = {}
    general: list[ReadWarning] = []
    furniture: list[ReadWarning] = []
    for warning in document.warnings:
        if "PDF artefact" in warning.message:
            furniture.append(warning)
            continue
        quoted = " ".join(warning.text.lstrip("•●▪◦-–* ").split())
        matched = False
        for finding in document.findings:
            text = " ".join(finding.text.split())
            if (
                (warning.line is not None and warning.line == finding.line)
                or (min(len(quoted), len(text)) >= 12 and (quoted in text or text in quoted))
                or (quoted and quoted == finding.area)
            ):
                by_row.setdefault(finding.id, []).append(warning)
                matched = True
        if not matched:
            general.append(warning)
    return by_row, general, furniture


# --- the two entrances ------------------------------------------------------------------------


def _report_page(inspection: Inspection) -> str:
    return inspection.get_absolute_url()


def _no_context(request: HttpRequest) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entrance:
    """What differs between the admin's preview and the app's."""

    name: str  # "admin" or "app"
    template: str
    start_url_name: str
    preview_url_name: str  # takes the preview's token
    via: str = ActionEvent.Via.WEB
    may_replace: bool = False  # replacing supersedes actions: inspectors only
    done_url: Callable[[Inspection], str] = _report_page  # where an import lands
    extra_context: Callable[[HttpRequest], dict[str, Any]] = _no_context

    def preview_url(self, token: str) -> str:
        return reverse(self.preview_url_name, args=[token])


def begin(
    request: HttpRequest,
    entrance: Entrance,
    document: ReportDocument,
    *,
    force: Force | None,
    source_text: str,
    source_url: str = "",
    page_names: str | None = None,
) -> HttpResponse:
    """Keep a freshly read document as a new preview and show it (POST, then redirect, GET)."""
    preview = Preview(
        entrance=entrance.name,
        document=document,
        force_id=force.pk if force else None,
        source_text=source_text,
        source_url=source_url,
        page_names=page_names,
    )
    store(request, preview)
    return redirect(entrance.preview_url(preview.token))


def candidates_for(preview: Preview) -> dict[str, list[Action]]:
    """Open actions of the force, from earlier reports, that a finding may continue."""
    force = preview.force
    if force is None:
        return {}
    return {
        key: list(value)
        for key, value in earlier_candidates(preview.document, force).items()
        if value
    }


def respond(request: HttpRequest, entrance: Entrance, preview: Preview) -> HttpResponse:
    """The preview page: GET shows it; POST applies the button pressed (or confirms)."""
    candidates = candidates_for(preview)
    if request.method != "POST":
        form = _findings_form(preview, candidates)
        return render_preview(request, entrance, preview, form)
    form = _findings_form(preview, candidates, request.POST)
    posted = request.POST.get("revision")
    if posted != str(preview.revision):
        messages.warning(
            request,
            "This preview was changed in another tab or window since this page was shown; "
            "here it is as it stands now. Nothing you typed on the older page was applied.",
        )
        return render_preview(
            request, entrance, preview, _findings_form(preview, candidates), status=409
        )
    action = request.POST.get("do", "save")
    confirming = action in ("confirm", "replace")
    document = form.apply("save" if confirming else action)
    if document is None:
        return render_preview(request, entrance, preview, form, status=400)
    preview.document = document
    preview.links = form.links(document)
    if confirming:
        problems = loadable_problems(document)
        if problems:
            form.refuse(problems)
            return render_preview(request, entrance, preview, form, status=400)
        return _confirm(request, entrance, preview, form, replace=action == "replace")
    preview.revision += 1
    store(request, preview)
    anchor = _anchor_after(action, document)
    return redirect(entrance.preview_url(preview.token) + anchor)


def _findings_form(preview: Preview, candidates, data=None) -> FindingsForm:
    return FindingsForm(
        data,
        document=preview.document,
        candidates=candidates,
        links=preview.links,
        revision=preview.revision,
    )


def _anchor_after(action: str, document: ReportDocument) -> str:
    """Where the page opens after an edit: the row edited, or the end for a new finding."""
    verb, _, target = action.partition(":")
    ids = [finding.id for finding in document.findings]
    if verb == "add" and ids:
        return f"#finding-{ids[-1]}"
    if target.isdigit():
        number = int(target)
        if number in ids:
            return f"#finding-{number}"
        return "#findings"
    return ""


def render_preview(
    request: HttpRequest,
    entrance: Entrance,
    preview: Preview,
    form: FindingsForm,
    *,
    status: int = 200,
    existing: Inspection | None = None,
    problem: str | None = None,
) -> TemplateResponse:
    by_row, general, furniture = warnings_by_row(preview.document)
    rows = []
    for finding in preview.document.findings:
        row = form.row(finding)
        row["warnings"] = by_row.get(finding.id, [])
        rows.append(row)
    if rows:
        rows[-1]["last"] = True
    counts = Counter(finding.kind for finding in preview.document.findings)
    context = {
        **entrance.extra_context(request),
        "title": "Check the findings before importing",
        "preview": preview,
        "document": preview.document,
        "force": preview.force,
        "form": form,
        "rows": rows,
        "row_warnings": [(n, w) for n, ws in by_row.items() for w in ws],
        "warnings": general,
        "furniture": furniture,
        "counts": [_count(counts[kind], kind) for kind in FindingKind if counts[kind]],
        "has_links": any(f"earlier-{f.id}" in form.fields for f in preview.document.findings),
        "existing": existing,
        "problem": problem,
        "may_replace": entrance.may_replace,
        "start_url": reverse(entrance.start_url_name),
        "action_url": entrance.preview_url(preview.token),
    }
    return TemplateResponse(request, entrance.template, context, status=status)


def _confirm(
    request: HttpRequest, entrance: Entrance, preview: Preview, form: FindingsForm, *, replace: bool
) -> HttpResponse:
    """Import the document as previewed, in one transaction, then show what was made."""
    store(request, preview)  # what was typed is kept, whatever the load says
    force = preview.force
    links = {
        key: Link(earlier=link["earlier"], relation=link["relation"], supersede=link["supersede"])
        for key, link in preview.links.items()
    }
    user = request.user
    try:
        result = load_document(
            preview.document,
            force=force,
            by=user if isinstance(user, User) else None,
            via=entrance.via,
            links=links,
            replace=replace and entrance.may_replace,
            source_text=preview.source_text,
            source_url=preview.source_url,
        )
    except AlreadyImported as error:
        fresh = _findings_form(preview, candidates_for(preview))
        return render_preview(request, entrance, preview, fresh, status=409, existing=error.report)
    except ReportError as error:
        problem = f"{_sentence(error)} Nothing was imported."
    except DatabaseError:
        # The transaction was rolled back: say so, and keep the preview to try again.
        logger.exception("import of preview %s failed", preview.token)
        problem = (
            "The report could not be saved (a database error). Nothing was imported; "
            "your changes are kept here, so you can try again."
        )
    else:
        discard(request, preview.token)
        messages.success(request, created_message(result, preview.document))
        assert result.inspection is not None
        return redirect(entrance.done_url(result.inspection))
    fresh = _findings_form(preview, candidates_for(preview))
    return render_preview(request, entrance, preview, fresh, status=400, problem=problem)


def created_message(result: ImportResult, document: ReportDocument) -> str:
    """'Imported <report>: 2 causes of concern, 1 recommendation.'"""
    if not result.created:  # what changed is what a replacement has to say
        return result.summary
    counts = Counter(finding.kind for finding in document.findings)
    parts = [_count(counts[kind], kind) for kind in FindingKind if counts[kind]]
    made = ", ".join(parts) if parts else "no actions"
    return f"Imported {result.inspection}: {made}."


def _count(number: int, kind: FindingKind) -> str:
    label = kind.label.lower()
    if number == 1:
        return f"1 {label}"
    plural = {
        FindingKind.AREA_FOR_IMPROVEMENT: "areas for improvement",
        FindingKind.CAUSE_OF_CONCERN: "causes of concern",
        FindingKind.RECOMMENDATION: "recommendations",
        FindingKind.AREA_OF_CONCERN: "areas of concern",
        FindingKind.ACCELERATED_CAUSE_OF_CONCERN: "accelerated causes of concern",
    }[kind]
    return f"{number} {plural}"


def named_force(name: str | None) -> Force | None:
    """The force a document names, when it names one of the 43; None otherwise."""
    if not name:
        return None
    try:
        return resolve_force(name)
    except ReportError:
        return None

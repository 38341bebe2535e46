"""Staff-facing pages. Each view starts from `visible_to(request.user)`.

Another force's action, report or evidence file answers 404, never 403, so its existence is
not revealed; the 404 is logged (`other_force_404`) when the object does exist.
Forms on the action page post to `action-update`, which redirects back on success
(POST-redirect-GET) and re-renders the page with the bound form on a refusal: 400 for a
validation error, 409 for a stale version or for a change to a signed-off or superseded
action, 507 when a note's files could not be stored.
htmx posts the same forms and swaps the page's main region from the same responses, so the
pages work the same without JavaScript.
"""

from __future__ import annotations

import logging
import tempfile
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from tracker import pcc_response, preview
from tracker.dashboard import (
    COUNT_NAMES,
    EARLIER_REPORTS,
    EXPANDED_REPORTS,
    force_rows,
    list_url,
    pcc_responses_due,
    recent_events,
    report_summaries,
    tiles,
)
from tracker.evidence import StorageFailed, StorageFull, open_stored
from tracker.exports import (
    XLSX_CONTENT_TYPE,
    export_filename,
    stream_actions_csv,
    write_actions_xlsx,
)
from tracker.filters import ActionFilter
from tracker.forms import ACTION_FORMS, ActionForm, AssignForm, NoteForm
from tracker.models import (
    REPORT_TEXT,
    Action,
    ActionEvent,
    EvidenceFile,
    Force,
    Inspection,
)
from tracker.outage import unavailable
from tracker.paging import CappedPaginator, requested_page
from tracker.preview import ReportSourceForm, named_force
from tracker.rows import action_rows
from tracker.security import log_event
from tracker.spreadsheet import pages as spreadsheet_pages
from tracker.workflow import (
    OPEN_STATUSES,
    StaleVersion,
    Status,
    TransitionError,
    closable_note,
    is_current,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MY_ACTIONS = 10


@never_cache
@require_safe  # GET, and HEAD: load balancers probe with HEAD
def healthz(request):
    """200 "ok" when the database answers; 503 "database unavailable" (Retry-After) when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return unavailable("database unavailable", content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def get_visible_or_404(request, visible: QuerySet, pk: int, model: str):
    """The object if `visible` holds it; a plain 404 if not, logged if it exists elsewhere."""
    try:
        return get_object_or_404(visible, pk=pk)
    except Http404:
        # Only on this path: someone asked for another force's object by its id.
        if visible.model._base_manager.filter(pk=pk).exists():
            log_event("other_force_404", request, model=model, id=pk)
        raise


def _get_action_for_user(request, pk: int) -> Action:
    """The action with its question, report, owner and closer in one query.

    Fewer joins than `with_related()`: planning this query costs more than running it. The
    report's force is the action's own (`Action.force` is stored from it), and a member of
    staff's action is of their own force, which signing in has loaded already.
    """
    user = request.user
    related = [
        "question__inspection",
        "owner",
        "assured_by",
        "closed_by",
        "returned_by",
        "discharged_by",
        "parent",
        "continues",
        "created_by",
    ]
    # The later action that continues this one (links across cycles), in the same query: most
    # actions have none, and a query of its own would cost every page one more.
    later = Action.objects.filter(continues=OuterRef("pk")).order_by("pk")
    visible = (
        Action.objects.visible_to(user)
        .select_related(*related if user.force_id else [*related, "force"])
        .defer(*REPORT_TEXT)
        .annotate(
            continued_by_id=Subquery(later.values("pk")[:1]),
            continued_by_how=Subquery(later.values("continues_how")[:1]),
        )
    )
    action = get_visible_or_404(request, visible, pk, "action")
    if action.force_id == user.force_id:
        action.force = user.force
    action.question.inspection.force = action.force
    return action


# Dashboard -----------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    user = request.user
    actions = Action.objects.visible_to(user)
    inspections = Inspection.objects.visible_to(user).without_texts()
    forces: list[Force] = []
    if user.is_inspector:
        forces = list(Force.objects.all())
        force = next((f for f in forces if f.slug == request.GET.get("force")), None)
        if force is not None:
            actions = actions.filter(force=force)
            inspections = inspections.filter(force=force)
    else:
        force = user.force

    today = timezone.localdate()
    rows: list[dict] = []
    if user.is_inspector and force is None:
        # Every force's counts, from the database's tally where it keeps one (not a pass over
        # the actions: some 170 ms at 500,000); the tiles are their sums.
        rows = force_rows(actions, forces, today, tallied=True, force_ids=user.inspected_force_ids)
        counts = {name: sum(row[name] for row in rows) for name in COUNT_NAMES}
    else:
        counts = actions.counts(today)
    context: dict[str, Any] = {
        "force": force,
        "forces": forces,
        "tiles": tiles(counts, force if user.is_inspector else None, today),
        "recent_events": recent_events(actions),
        "pcc_responses_due": pcc_responses_due(inspections, today),
        "may_import": may_import(user),
        "may_add": user.may_import_for(user.force),  # by hand (tracker/by_hand.py)
    }
    if user.is_inspector:
        # Waiting for their review: what the forces assured, longest-waiting first.
        context["my_actions"] = (
            actions.filter(status=Status.ASSURED).for_panel().order_by("updated_at", "pk")
        )[:MY_ACTIONS]
        context["my_actions_url"] = list_url(force, status=Status.ASSURED, sort="-updated")
    else:
        if user.is_lead:
            # Waiting for their assurance: what the force's staff submitted.
            context["to_assure"] = (
                actions.filter(status=Status.SUBMITTED).for_panel().order_by("updated_at", "pk")
            )[:MY_ACTIONS]
            context["to_assure_url"] = list_url(status=Status.SUBMITTED, sort="-updated")
        context["my_actions"] = (
            actions.open()
            .filter(owner=user)
            .for_panel()
            .order_by(F("due_date").asc(nulls_last=True), "pk")
        )[:MY_ACTIONS]
        context["my_actions_url"] = list_url(owner="me", status=list(OPEN_STATUSES))
    if user.is_inspector and force is None:
        context["force_rows"] = rows
    else:
        listed = EXPANDED_REPORTS + EARLIER_REPORTS
        summaries = report_summaries(actions, inspections, expanded=EXPANDED_REPORTS, listed=listed)
        context["reports"] = summaries[:EXPANDED_REPORTS]
        context["older_reports"] = summaries[EXPANDED_REPORTS:listed]
        context["more_reports"] = len(summaries) > listed
    return render(request, "tracker/dashboard.html", context)


# Action list and export ----------------------------------------------------------------------


@login_required
@require_GET
def action_list(request):
    actions = Action.objects.visible_to(request.user).with_related()
    f = ActionFilter(request.GET, queryset=actions, request=request, paged=PAGE_SIZE)
    # Counted no further than a few pages past this one (tracker/paging.py): "More than
    # 1,000 actions" rather than a COUNT of every action the filters match. A search of common
    # words, which checks the actions one by one (tracker/search.py), counts one page ahead.
    number = requested_page(request.GET.get("page"))
    qs = f.qs
    if f.walked:
        paginator = CappedPaginator(qs, PAGE_SIZE, number=number, cap=0, pages_ahead=1)
    else:
        paginator = CappedPaginator(qs, PAGE_SIZE, number=number)
    page = paginator.page(min(number, paginator.num_pages))
    return render(
        request,
        "tracker/action_list.html",
        {
            "filter": f,
            "page": page,
            "rows": action_rows(list(page.object_list), show_force=request.user.is_inspector),
            "page_range": page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            ),
        },
    )


def _exported(request) -> tuple[ActionFilter, str | None]:
    """The list's filters over what the user sees, and the force the file is named for."""
    f = ActionFilter(request.GET, queryset=Action.objects.visible_to(request.user), request=request)
    force = request.user.force if request.user.force_id else f.chosen_force
    return f, force.slug if force else None


@login_required
@require_GET
def action_export(request):
    f, force_slug = _exported(request)
    chunks = stream_actions_csv(f.qs, base_url=request.build_absolute_uri("/"))
    response = StreamingHttpResponse(
        _logged_export(request, chunks), content_type="text/csv; charset=utf-8"
    )
    filename = export_filename(force_slug)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def action_export_xlsx(request):
    """The same rows as a workbook. A zip is written whole before it is sent, so it goes to a
    temporary file (write-only openpyxl keeps memory flat) and is sent from there."""
    f, force_slug = _exported(request)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    rows = write_actions_xlsx(f.qs, out, base_url=request.build_absolute_uri("/"))
    log_event("export", request, filters=request.GET.urlencode(), rows=rows, format="xlsx")
    out.seek(0)
    filename = export_filename(force_slug, extension="xlsx")
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _logged_export(request, chunks):
    """Pass the export through, then log it with its row count (counted as it streams).

    A download cut short is logged too, with `rows=-`: part of the data did leave.
    """
    rows = None
    try:
        rows = yield from chunks
    finally:
        log_event("export", request, filters=request.GET.urlencode(), rows=rows)


# One action ----------------------------------------------------------------------------------


@login_required
@require_GET
def action_detail(request, pk: int):
    action = _get_action_for_user(request, pk)
    return _render_action(request, action)


@login_required
@require_POST
def action_update(request, pk: int, form_name: str):
    action = _get_action_for_user(request, pk)
    form_class = ACTION_FORMS.get(form_name)
    if form_class is None:
        raise Http404("No such form.")
    form = form_class(request.POST, files=request.FILES, action=action, user=request.user)
    if forbidden := form.forbidden:
        # Not this user's change to make: the page offers them no such form.
        messages.error(request, f"Not saved. {forbidden}")
        return _render_action(request, action, status=403)
    if refusal := form.refusal():
        # A signed-off or superseded action: the page offers no such form; nothing is saved.
        messages.error(request, f"Not saved. {refusal}")
        return _render_action(request, action, status=409)
    posted = form.posted_version()
    if posted is not None and not is_current(posted, action.version):
        return _refuse_stale(request, action, form_name, form)
    if form.is_valid():
        try:
            form.save()
        except StaleVersion:  # before TransitionError, which it is
            return _refuse_stale(request, action, form_name, form)
        except StorageFailed as failure:
            # Only the note form stores files. Nothing was saved; the typed text is kept.
            # 507 Insufficient Storage, not 503: a proxy sends 503s, which htmx must not swap in.
            logger.exception(
                "Note on action %s by %s not saved: its files could not be stored.",
                pk,
                request.user.username,
            )
            cast(NoteForm, form).refuse_unstored_files(full=isinstance(failure, StorageFull))
            return _render_action(request, action, {form_name: form}, status=507)
        except TransitionError as error:
            # The rulebook's checks the form cannot make (e.g. no evidence to submit).
            form.add_refusal(error)
        else:
            messages.success(request, form.success_message)
            return redirect(action)
    return _render_action(request, action, {form_name: form}, status=400)


def _refuse_stale(request, action: Action, form_name: str, form: ActionForm) -> HttpResponse:
    """409: show the latest action, with the user's text kept in a form they can resend."""
    latest = _get_action_for_user(request, action.pk)
    message = str(latest.stale())
    messages.error(request, message)
    return _render_action(
        request, latest, {form_name: form.kept_for_retry(latest, message)}, status=409
    )


def _render_action(request, action: Action, bound=None, status: int = 200) -> HttpResponse:
    forms = {
        name: form_class(action=action, user=request.user)
        for name, form_class in ACTION_FORMS.items()
    }
    forms.update(bound or {})
    # Most notes have no files: their files are fetched for the notes that have some (no query
    # when none has), and the timeline asks `has_files` before it asks for them.
    attached = EvidenceFile.objects.filter(note=OuterRef("pk"))
    notes = list(action.notes.select_related("author").annotate(has_files=Exists(attached)))
    prefetch_related_objects([note for note in notes if note.has_files], "files")
    events = list(action.events.exclude(kind=ActionEvent.Kind.NOTE).select_related("by"))
    # Owners are named from the people the owner <select> lists and the events' authors; only
    # anyone else (someone who has left the force, say) costs a query.
    people = [*cast(AssignForm, forms["owner"]).officers, *(e.by for e in events if e.by)]
    ActionEvent.name_owners(events, people)
    timeline = sorted(
        [("note", note.created_at, note) for note in notes]
        + [("event", event.at, event) for event in events],
        key=lambda entry: entry[1],
        reverse=True,
    )
    # A cause of concern's recommendations (one query, for those kinds only).
    recommendations = (
        list(action.recommendations.only("pk", "text", "status", "kind").order_by("pk"))
        if action.is_dischargeable_kind
        else []
    )
    # When it may be closed, if its force waits a sustained-improvement period (one query).
    period = action.force.sustained_improvement_days
    closable_on = action.closable_from() if period and action.is_open else None
    context = {
        "action": action,
        "closable_note": closable_note(closable_on, period) if closable_on else "",
        "question": action.question,
        "inspection": action.question.inspection,
        "recommendations": recommendations,
        "forms": forms,
        "timeline": timeline,
        "origin": _origin(events),
        "has_notes": bool(notes),
    }
    return render(request, "tracker/action_detail.html", context, status=status)


def _origin(events: list[ActionEvent]) -> ActionEvent | None:
    """The event that made the action (imported, or added by hand), from its events newest
    first: the "Added by" line says which. None for an action made with no such event."""
    return next((event for event in reversed(events) if event.kind in ActionEvent.ORIGINS), None)


# Reports -------------------------------------------------------------------------------------


@login_required
@require_GET
def inspection_list(request):
    closed = Q(questions__actions__status=Status.CLOSED)
    open_ = Q(questions__actions__status__in=OPEN_STATUSES)
    inspections = (
        Inspection.objects.visible_to(request.user)
        .without_texts()
        .select_related("force")
        .annotate(
            question_count=Count("questions", distinct=True),
            action_count=Count("questions__actions"),
            open_count=Count("questions__actions", filter=open_),
            closed_count=Count("questions__actions", filter=closed),
        )
    )
    return render(
        request,
        "tracker/inspection_list.html",
        {
            "inspections": inspections,
            "may_import": may_import(request.user),
            "may_add": request.user.may_import_for(request.user.force),
        },
    )


def _get_inspection_for_user(request, pk: int) -> Inspection:
    visible = (
        Inspection.objects.visible_to(request.user)
        .select_related("force", "imported_by", "pcc_response_by")
        .defer("source_text")
    )
    return get_visible_or_404(request, visible, pk, "inspection")


@login_required
@require_GET
def inspection_detail(request, pk: int):
    return _render_inspection(request, _get_inspection_for_user(request, pk))


def _render_inspection(request, inspection: Inspection, pcc_form=None, status: int = 200):
    actions = Action.objects.visible_to(request.user).select_related("owner").order_by("position")
    questions = inspection.questions.prefetch_related(Prefetch("actions", queryset=actions))
    if pcc_form is None and pcc_response.may_record(request.user, inspection):
        pcc_form = pcc_response.PccResponseForm(inspection=inspection)
    return render(
        request,
        "tracker/inspection_detail.html",
        {
            "inspection": inspection,
            "questions": questions,
            "may_add": request.user.may_import_for(inspection.force),
            "pcc_form": pcc_form,
        },
        status=status,
    )


@login_required
@require_POST
def inspection_pcc_response(request, pk: int):
    """Record the PCC's response: a force lead or observer, or an inspector (403 otherwise)."""
    inspection = _get_inspection_for_user(request, pk)
    if not pcc_response.may_record(request.user, inspection):
        raise PermissionDenied
    form = pcc_response.PccResponseForm(request.POST, inspection=inspection)
    if not form.is_valid():
        return _render_inspection(request, inspection, form, status=400)
    form.save(by=request.user)
    messages.success(request, "PCC response recorded.")
    return redirect(inspection)


# Importing a report (force staff with the permission, for their own force) -----------------


def may_import(user) -> bool:
    """Force staff allowed to import their own force's reports (`User.may_import_for`: the
    `tracker.import_report` permission); inspectors import in the admin."""
    return bool(user.is_authenticated and user.force_id and user.may_import_for(user.force))


def _import_entrance() -> preview.Entrance:
    """The site's entrance to the import preview: the report's page once imported."""
    return preview.Entrance("app", "tracker/import_preview.html", "import-start", "import-preview")


def _check_may_import(request) -> None:
    if not may_import(request.user):
        log_event("import_refused", request, path=request.path)
        raise PermissionDenied("Importing a report needs the import permission for your force.")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_start(request):
    """Upload or paste the force's report; it is read and shown in the preview, not stored."""
    _check_may_import(request)
    form = ReportSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        named = named_force(document.force)
        if named is not None and named != request.user.force:
            form.add_error(
                None,
                f"This report is about {named}; you can import reports for "
                f"{request.user.force} only.",
            )
        else:
            return preview.begin(
                request,
                _import_entrance(),
                document,
                force=request.user.force,
                source_text=form.cleaned_data["text"],
                source_url=form.cleaned_data["source_url"],
            )
    status = 400 if form.errors else 200
    return render(request, "tracker/import_start.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_preview(request, token: str):
    """The preview of one report being imported: edit its findings, then confirm."""
    _check_may_import(request)
    kept = preview.stored(request, token, "app")
    if kept is None or kept.force_id != request.user.force_id:
        messages.info(
            request, "That preview has ended (imported, signed out or replaced); start again."
        )
        return redirect("import-start")
    return preview.respond(request, _import_entrance(), kept)


# Importing findings from a spreadsheet (the same people, their own force) ----------------


def _spreadsheet_entrance() -> spreadsheet_pages.Entrance:
    """The site's entrance to the spreadsheet import: the report's page once imported (the
    action list when the file held several reports)."""
    return spreadsheet_pages.Entrance(
        "app",
        "tracker/import_spreadsheet.html",
        "tracker/import_spreadsheet_preview.html",
        "import-spreadsheet",
        "import-spreadsheet-preview",
        "import-spreadsheet-template",
        via=ActionEvent.Via.WEB,
        picks_force=False,
        done_url=_imported_findings,
    )


def _imported_findings(plan) -> str:
    reports = plan.reports
    if len(reports) == 1 and reports[0].existing is not None:
        return reports[0].existing.get_absolute_url()
    return reverse("action-list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_spreadsheet(request):
    """Upload a spreadsheet of the force's findings; it is checked and previewed."""
    _check_may_import(request)
    return spreadsheet_pages.start(request, _spreadsheet_entrance())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_spreadsheet_preview(request, token: str):
    """What each row will do, a page at a time; confirm or discard."""
    _check_may_import(request)
    return spreadsheet_pages.preview(request, _spreadsheet_entrance(), token)


@login_required
@require_GET
def import_spreadsheet_template(request):
    _check_may_import(request)
    return spreadsheet_pages.template_download()


# Evidence files ------------------------------------------------------------------------------


@login_required
@require_GET
def evidence_download(request, pk: int):
    """An evidence file, to save, never to view in the browser: only from visible actions."""
    visible = EvidenceFile.objects.filter(
        note__action__in=Action.objects.visible_to(request.user)
    ).select_related("note__action")
    evidence_file = get_visible_or_404(request, visible, pk, "evidence_file")
    try:
        content = open_stored(evidence_file.stored_name)
    except FileNotFoundError:
        context = {"evidence_file": evidence_file, "action": evidence_file.note.action}
        return render(request, "tracker/evidence_missing.html", context, status=404)
    response = FileResponse(
        content,
        as_attachment=True,
        filename=evidence_file.original_name,
        content_type=evidence_file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever render the file anyway, it runs in a sandbox (an opaque origin:
    # no scripts, no cookies, no forms) and loads nothing. django-csp leaves a header that
    # is already set, so this replaces the pages' policy rather than adding to it.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# Accounts ------------------------------------------------------------------------------------


class SignOutView(LogoutView):
    """Django's sign-out, and the sign-in page it lands on says so."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response

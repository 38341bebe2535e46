"""Findings from a spreadsheet, on the web: upload, check what each row will do, confirm.

One implementation behind two entrances, as the report import's preview (`tracker/preview.py`):

- the site's "Import findings from a spreadsheet" (`tracker.views.import_spreadsheet`): force
  staff with the `tracker.import_report` permission, for their own force only;
- the admin's (`tracker/admin/spreadsheet.py`): inspectors, for one force they pick or the
  force each row names.

An `Entrance` says what differs between them; the form, the pages and the confirm are here.

Between the preview and the confirm the uploaded bytes stay on the server, in private storage,
under a random token: the default storage's `spreadsheet-imports/` (so `MEDIA_ROOT`'s folder
locally, and the bucket every app server shares when evidence is in S3), or the local folder
`FINDINGS_IMPORT_DIR` if one is set. The session holds the token and the plan's `digest()`,
never the file. Beside the file is what
the preview shows, as JSON, so that turning its pages does not read and plan the file again
(10,000 rows take two seconds). The confirm reads the file and plans it again, and imports
only when that plan is the one previewed: the digest (the rows' outcomes, changes and the
versions of the actions they touch) is the session's and the one the page was drawn with. If
the tracker changed in between, nothing is written and the new preview is shown (409). A
confirm claims its import through the database (`SpreadsheetImportClaim`: storage such as S3
cannot rename a file), so a second press, in another tab or on another app server, imports
nothing. The file goes once imported or discarded; files left behind for a day go at the next
upload.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.paginator import Paginator
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from tracker.models import Force, SpreadsheetImportClaim, User
from tracker.spreadsheet.apply import apply
from tracker.spreadsheet.columns import BY_NAME
from tracker.spreadsheet.errors import SpreadsheetError
from tracker.spreadsheet.plan import NEW, UNCHANGED, UPDATE, Plan, PlannedRow, plan
from tracker.spreadsheet.read import check_size, max_rows, read_table
from tracker.spreadsheet.template import CONTENT_TYPE, FILE_NAME, write_template
from tracker.workflow import Kind, Status

logger = logging.getLogger(__name__)

SESSION_KEY = "spreadsheet_imports"
KEEP = 3  # previews kept per session; the oldest goes first, and its file with it
PER_PAGE = 100
ERRORS_SHOWN = 500  # a file wrong on every row is wrong in one way: the first 500 say how
STALE_AFTER = datetime.timedelta(days=1)
# A claim older than this is a confirm that never ended (its worker was killed: gunicorn's
# timeout is 30 s); the next press may claim the import again.
CLAIM_LASTS = datetime.timedelta(minutes=15)
FOLDER = "spreadsheet-imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
TEXT_WIDTH = 120
OUTCOME_LABELS = {NEW: "New", UPDATE: "Updated", UNCHANGED: "Unchanged"}


# --- the upload --------------------------------------------------------------------------------


class SpreadsheetForm(forms.Form):
    """A spreadsheet of findings, read (not yet planned); inspectors also pick the force.

    Cleans to `table` and `data` (the bytes). A file the reader refuses (another type, macros,
    links, a password, too large, too many rows) is refused beside the field with its line.
    """

    file = forms.FileField(
        label="Spreadsheet",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument."
                   "spreadsheetml.sheet,text/csv"}
        ),
    )  # fmt: skip
    force = forms.ModelChoiceField(
        Force.objects.all(),
        required=False,
        empty_label="The force each row names",
        help_text="Pick one to import for that force only; rows may then leave Force empty.",
    )

    def __init__(self, *args, picks_force: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not picks_force:
            del self.fields["force"]
        limit = settings.FINDINGS_IMPORT_MAX_BYTES / 1024 / 1024
        self.fields["file"].help_text = (
            f"An Excel workbook (.xlsx) or a CSV file, one row per finding: at most "
            f"{limit:.0f} MB and {max_rows():,} rows."
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload is None:
            return data
        try:
            check_size(upload.name, upload.size)
            data["data"] = upload.read()
            data["table"] = read_table(upload.name, data["data"])
        except SpreadsheetError as error:
            self.add_error("file", str(error))
        return data


# --- what differs between the site and the admin -----------------------------------------------


def _no_context(request: HttpRequest) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entrance:
    """What differs between the admin's spreadsheet import and the site's."""

    name: str  # "app" or "admin"
    start_template: str  # the upload form, and a file's errors
    preview_template: str
    start_url_name: str
    preview_url_name: str  # takes the token
    template_url_name: str  # the template to download
    via: str
    picks_force: bool  # inspectors pick a force (or none); staff import for their own
    done_url: Callable[[Plan], str]  # where an import lands
    extra_context: Callable[[HttpRequest], dict[str, Any]] = _no_context

    def preview_url(self, token: str) -> str:
        return reverse(self.preview_url_name, args=[token])


# --- the file and its preview, kept between requests -------------------------------------------


def storage() -> tuple[Storage, str]:
    """Where uploads wait, and the prefix of their names there.

    `FINDINGS_IMPORT_DIR` if set (a local folder: one app server only); otherwise the default
    storage, which is the evidence's (`MEDIA_ROOT`, or the S3 bucket every server shares).
    """
    if settings.FINDINGS_IMPORT_DIR:
        folder = FileSystemStorage(
            location=settings.FINDINGS_IMPORT_DIR,
            file_permissions_mode=0o640,
            directory_permissions_mode=0o750,
        )
        return folder, ""
    return storages["default"], f"{FOLDER}/"


def _name(token: str, suffix: str = "") -> str:
    if not _TOKEN.fullmatch(token):  # a token is ours; never a path a request made up
        raise ValueError(token)
    return f"{storage()[1]}{token}{suffix}"


def _write(name: str, data: bytes) -> None:
    """Write a new file of exactly this name (the app's user and group only; private in the
    bucket): a storage that would pick another name for it is refused."""
    store = storage()[0]
    saved = store.save(name, ContentFile(data))
    if saved != name:
        store.delete(saved)
        raise OSError(f"{name} is taken in storage")


def _read(name: str) -> bytes:
    """The file's bytes; FileNotFoundError when it has gone (from any storage)."""
    with storage()[0].open(name, "rb") as stream:
        return stream.read()


def _keep_file(data: bytes) -> str:
    """Keep the upload under a new token; the token."""
    _remove_stale()
    token = secrets.token_urlsafe(18)
    _write(_name(token), data)
    return token


def _remove_stale() -> None:
    """Files left by previews nobody confirmed or discarded (a day old) are removed, and the
    claims of confirms that never ended."""
    store, prefix = storage()
    oldest = timezone.now() - STALE_AFTER
    SpreadsheetImportClaim.objects.filter(claimed_at__lt=oldest).delete()
    try:
        _, names = store.listdir(prefix.rstrip("/"))
    except FileNotFoundError:  # nothing has waited here yet
        return
    for name in names:
        try:
            if store.get_modified_time(prefix + name) < oldest:
                store.delete(prefix + name)
        except Exception:
            if store.exists(prefix + name):  # not another request removing it first
                raise


def _remove(token: str) -> None:
    store = storage()[0]
    for suffix in ("", ".json"):
        store.delete(_name(token, suffix))


def _save_preview(token: str, planned: Plan) -> None:
    """What the preview pages show, beside the file: its pages are read from this."""
    name = _name(token, ".json")
    storage()[0].delete(name)  # the preview of a changed plan replaces the first
    _write(name, json.dumps(_shown(planned)).encode())


def _load_preview(token: str) -> dict[str, Any] | None:
    try:
        return json.loads(_read(_name(token, ".json")))
    except FileNotFoundError:
        return None


def _entries(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return dict(request.session.get(SESSION_KEY, {}))


def _remember(request: HttpRequest, token: str, entry: dict[str, Any]) -> None:
    """Keep the preview's entry (the newest KEEP); the oldest one's file goes with it."""
    entries = _entries(request)
    entries.pop(token, None)
    entries[token] = entry
    while len(entries) > KEEP:
        oldest = next(iter(entries))
        del entries[oldest]
        _remove(oldest)
    request.session[SESSION_KEY] = entries


def _forget(request: HttpRequest, token: str) -> None:
    entries = _entries(request)
    entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    _remove(token)


# --- the pages ---------------------------------------------------------------------------------


def template_download() -> HttpResponse:
    """The template to fill in, as an attachment."""
    stream = io.BytesIO()
    write_template(stream)
    response = HttpResponse(stream.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
    return response


def _force_of(request: HttpRequest, entrance: Entrance, picked: Force | None) -> Force | None:
    return picked if entrance.picks_force else _user(request).force


def start(request: HttpRequest, entrance: Entrance) -> HttpResponse:
    """The upload form; a file is read and planned, then previewed (or its errors shown)."""
    posted = request.method == "POST"
    form = SpreadsheetForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        picks_force=entrance.picks_force,
    )
    if not posted or not form.is_valid():
        return _start_page(request, entrance, form, status=400 if form.errors else 200)
    force = _force_of(request, entrance, form.cleaned_data.get("force"))
    planned = plan(form.cleaned_data["table"], force=force, by=_user(request))
    if not planned.ok:
        return _start_page(request, entrance, form, planned=planned, force=force, status=400)
    try:
        token = _keep_file(form.cleaned_data["data"])
        _save_preview(token, planned)
    except Exception:  # noqa: BLE001 - each storage raises its own errors (OSError, boto…)
        logger.exception("spreadsheet %s could not be kept for its preview", planned.name)
        form.add_error(
            "file",
            f"{planned.name} could not be kept on the server for its preview (a storage "
            "error); nothing was imported. Try again, or tell your administrator.",
        )
        return _start_page(request, entrance, form, status=507)
    entry = {
        "entrance": entrance.name,
        "name": planned.name,
        "force_id": force.pk if force else None,
        "digest": planned.digest(),
    }
    _remember(request, token, entry)
    return redirect(entrance.preview_url(token))


def preview(request: HttpRequest, entrance: Entrance, token: str) -> HttpResponse:
    """GET: a page of what each row will do. POST: confirm (import) or discard."""
    entry = _entries(request).get(token)
    user = _user(request)
    if (
        entry is None
        or entry["entrance"] != entrance.name
        or (not entrance.picks_force and entry["force_id"] != user.force_id)
        or (shown := _load_preview(token)) is None
    ):
        messages.info(request, "That import has ended (imported, discarded or signed out).")
        return redirect(entrance.start_url_name)
    if request.method != "POST":
        return _preview_page(request, entrance, token, entry, shown)
    if request.POST.get("do") == "discard":
        _forget(request, token)
        messages.info(request, f"Discarded {entry['name']}; nothing was imported.")
        return redirect(entrance.start_url_name)
    return _confirm(request, entrance, token, entry)


def _confirm(
    request: HttpRequest, entrance: Entrance, token: str, entry: dict[str, Any]
) -> HttpResponse:
    """Plan the kept file again; import it only if that is the plan the person saw."""
    if not _claim(token):
        messages.info(request, f"{entry['name']} is already being imported, or was imported.")
        return redirect(entrance.start_url_name)
    try:
        try:
            data = _read(_name(token))
        except FileNotFoundError:  # imported (or discarded) since this page was drawn
            messages.info(request, f"{entry['name']} is already being imported, or was imported.")
            return redirect(entrance.start_url_name)
        return _import_claimed(request, entrance, token, entry, data)
    finally:
        # Imported: its file has gone. Not imported: the preview stays, to confirm again.
        SpreadsheetImportClaim.objects.filter(token=token).delete()


def _claim(token: str) -> bool:
    """Claim the import's confirm, once, across every app server: a second press of the button
    (another tab, another server) finds the row there and cannot import the same rows twice."""
    SpreadsheetImportClaim.objects.filter(
        token=token, claimed_at__lt=timezone.now() - CLAIM_LASTS
    ).delete()
    try:
        with transaction.atomic():
            SpreadsheetImportClaim.objects.create(token=token)
    except IntegrityError:
        return False
    return True


def _import_claimed(
    request: HttpRequest, entrance: Entrance, token: str, entry: dict[str, Any], data: bytes
) -> HttpResponse:
    force = Force.objects.filter(pk=entry["force_id"]).first() if entry["force_id"] else None
    user = _user(request)
    planned = plan(read_table(entry["name"], data), force=force, by=user)
    if not planned.ok:
        # Rows that were fine are wrong now (an owner left, a permission was taken away).
        _forget(request, token)
        return _start_page(
            request,
            entrance,
            SpreadsheetForm(picks_force=entrance.picks_force),
            planned=planned,
            force=force,
            status=409,
            changed=True,
        )
    digest = planned.digest()
    if digest != entry["digest"] or request.POST.get("digest") != entry["digest"]:
        return _changed(request, entrance, token, entry, planned)
    try:
        apply(planned, by=user, via=entrance.via)
    except SpreadsheetError as error:  # an action changed between this plan and its write
        planned = plan(read_table(entry["name"], data), force=force, by=user)
        return _changed(request, entrance, token, entry, planned, problem=str(error))
    except DatabaseError:
        logger.exception("spreadsheet import %s failed", token)
        problem = (
            f"{entry['name']} could not be saved (a database error). Nothing was imported; "
            "you can confirm again."
        )
        shown = _load_preview(token) or _shown(planned)
        return _preview_page(request, entrance, token, entry, shown, problem=problem, status=400)
    _forget(request, token)
    messages.success(request, f"Imported {entry['name']}: {planned.summary}.")
    return redirect(entrance.done_url(planned))


def _changed(
    request: HttpRequest,
    entrance: Entrance,
    token: str,
    entry: dict[str, Any],
    planned: Plan,
    *,
    problem: str = "",
) -> HttpResponse:
    """The tracker (or the preview, in another tab) changed since the page was drawn: nothing
    is imported, and the preview as it now stands is shown, to be confirmed again."""
    _save_preview(token, planned)
    entry = {**entry, "digest": planned.digest()}
    _remember(request, token, entry)
    message = (
        "The tracker changed since this preview was shown (someone edited an action or added "
        "a report), so nothing was imported. This is what the file would do now; check it and "
        "confirm again."
    )
    return _preview_page(
        request,
        entrance,
        token,
        entry,
        _shown(planned),
        problem=f"{problem} {message}" if problem else message,
        status=409,
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _start_page(
    request: HttpRequest,
    entrance: Entrance,
    form: SpreadsheetForm,
    *,
    planned: Plan | None = None,
    force: Force | None = None,
    status: int = 200,
    changed: bool = False,
) -> TemplateResponse:
    context = {
        **entrance.extra_context(request),
        "title": "Import findings from a spreadsheet",
        "form": form,
        "template_url": reverse(entrance.template_url_name),
        "changed": changed,
    }
    if planned is not None:
        context.update(_errors(planned), force=force, counts=planned.counts())
    return TemplateResponse(request, entrance.start_template, context, status=status)


def _preview_page(
    request: HttpRequest,
    entrance: Entrance,
    token: str,
    entry: dict[str, Any],
    shown: dict[str, Any],
    *,
    problem: str = "",
    status: int = 200,
) -> TemplateResponse:
    page = Paginator(shown["rows"], PER_PAGE).get_page(request.GET.get("page"))
    force = Force.objects.filter(pk=entry["force_id"]).first() if entry["force_id"] else None
    context = {
        **entrance.extra_context(request),
        "title": f"Check what importing {entry['name']} will do",
        "name": entry["name"],
        "shown": shown,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "force": force,
        "digest": entry["digest"],
        "problem": problem,
        "action_url": entrance.preview_url(token),
        "start_url": reverse(entrance.start_url_name),
    }
    return TemplateResponse(request, entrance.preview_template, context, status=status)


# --- what the pages show -----------------------------------------------------------------------


def _errors(planned: Plan) -> dict[str, Any]:
    """A file's errors, as the page lists them: "Row 14, Owner: no user …"."""
    errors = [
        {
            "where": f"Row {error.row}"
            + (f", {BY_NAME[error.column].heading}" if error.column in BY_NAME else ""),
            "message": error.message,
        }
        for error in planned.errors[:ERRORS_SHOWN]
    ]
    return {
        "name": planned.name,
        "errors": errors,
        "error_count": len(planned.errors),
        "errors_not_shown": max(0, len(planned.errors) - ERRORS_SHOWN),
        "fine": len({row.row for row in planned.rows} - {error.row for error in planned.errors}),
    }


def _shown(planned: Plan) -> dict[str, Any]:
    """The plan as the preview shows it: plain values, kept as JSON beside the file."""
    names = {id(report): report.name for report in planned.reports}
    return {
        "counts": planned.counts(),
        "checked": planned.checked,
        "new_reports": [names[id(report)] for report in planned.new_reports],
        "ignored": planned.ignored,
        "rows": [_row(row, names) for row in planned.rows],
    }


def _row(row: PlannedRow, names: dict[int, str]) -> dict[str, Any]:
    if row.outcome == NEW:  # what the new action starts with
        details = []
        if row.owner is not None:
            details.append(f"owner: {row.owner.username}")
        if row.due_date is not None:
            details.append(f"due date: {row.due_date.isoformat()}")
        if row.status:
            details.append(f"status: {Status(row.status).label}")
    else:
        details = row.changes
    question = row.question
    text = " ".join(row.text.split())
    return {
        "row": row.row,
        "outcome": row.outcome,
        "outcome_label": OUTCOME_LABELS[row.outcome],
        "report": names[id(row.report)] if row.report else "",
        "area": f"{question.number}. {question.text}" if question else "",
        "kind": Kind(row.kind).label if row.kind else "",
        "reference": row.reference,
        "text": text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…",
        "action": row.action.pk if row.action else None,
        "details": details,
    }

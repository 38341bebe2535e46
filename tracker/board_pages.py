"""The board pack on the web: `/board/` (the form and the pack), `/board.pdf`, `/board.xlsx`.

Who: a member of a force (staff, lead or observer) gets their own force's pack, and cannot
ask for another's; an inspector chooses among the forces they inspect; anyone else is refused
(403). What the pack says is `tracker/board.py`'s; this module lays it out as a PDF
(WeasyPrint, from the page's own partial) and as a workbook (openpyxl).
"""

from __future__ import annotations

import datetime
import io
from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker import labels
from tracker.board import BUCKETS, Pack, board_pack, default_closed_since
from tracker.models import Force, Inspection

# The PDF lists the first this many of each list (the furthest slipped, the longest blocked,
# the latest closed): a board paper, rendered in under two seconds for 2,000 actions. The page
# and the workbook list them all.
PDF_LIST_ROWS = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class BoardForm(forms.Form):
    """The pack's scope. Every field may be left out: today, all reports, the quarter before."""

    force = forms.ModelChoiceField(
        queryset=Force.objects.none(), required=False, to_field_name="slug", empty_label=""
    )
    report = forms.ModelChoiceField(
        queryset=Inspection.objects.none(), required=False, empty_label="All reports"
    )
    as_at = forms.DateField(
        label="As at", required=False, widget=DateInput(), help_text="The end of this day."
    )
    closed_since = forms.DateField(
        label="Closed since",
        required=False,
        widget=DateInput(),
        help_text="Default: the start of the quarter before.",
    )

    def __init__(self, user, data):
        super().__init__(data)
        self.user = user
        self.fixed_force = user.force if user.force_id else None
        reports = Inspection.objects.visible_to(user).without_texts().select_related("force")
        if self.fixed_force:
            del self.fields["force"]
        else:
            ids = user.inspected_force_ids
            forces = cast(forms.ModelChoiceField, self.fields["force"])
            forces.queryset = Force.objects.filter(pk__in=ids) if ids else Force.objects.all()
            forces.empty_label = "Choose a force"
            chosen = data.get("force")
            reports = reports.filter(force__slug=chosen) if chosen else reports.none()
        cast(forms.ModelChoiceField, self.fields["report"]).queryset = reports.order_by(
            "-published", "-year", "pk"
        )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        today = timezone.localdate()
        as_at = data.get("as_at") or today
        if as_at > today:
            self.add_error("as_at", "The pack cannot be drawn up for a day still to come.")
        closed_since = data.get("closed_since") or default_closed_since(as_at)
        if closed_since > as_at:
            self.add_error("closed_since", "Choose a day on or before the as-at date.")
        data.update(as_at=as_at, closed_since=closed_since)
        force = self.fixed_force or data.get("force")
        report = data.get("report")
        if report is not None and force is not None and report.force_id != force.pk:
            self.add_error("report", f"Choose a report of {force.name}.")
        data["force"] = force
        return data

    def pack(self) -> Pack | None:
        """The pack the form asks for; None until a force is chosen."""
        data = self.cleaned_data
        if data["force"] is None:
            return None
        return board_pack(
            data["force"],
            as_at=data["as_at"],
            inspection=data.get("report"),
            closed_since=data["closed_since"],
        )


def _bound_form(request) -> BoardForm:
    user = request.user
    if not (user.is_active and (user.force_id or user.is_inspector)):
        raise PermissionDenied("The board pack is for a force's members and its inspectors.")
    return BoardForm(user, request.GET)


def _page(request, form: BoardForm, pack: Pack | None, status: int = 200) -> HttpResponse:
    query = request.GET.urlencode()
    return render(
        request,
        "tracker/board.html",
        {"form": form, "pack": pack, "lists": pack, "query": f"?{query}" if query else ""},
        status=status,
    )


@login_required
@require_GET
def board(request):
    form = _bound_form(request)
    if not form.is_valid():
        return _page(request, form, None, status=400)
    return _page(request, form, form.pack())


@login_required
@require_GET
def board_pdf(request):
    form = _bound_form(request)
    if not form.is_valid() or (pack := form.pack()) is None:
        return _page(request, form, None, status=400)
    response = HttpResponse(render_pdf(pack), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(pack)}.pdf"'
    return response


@login_required
@require_GET
def board_xlsx(request):
    form = _bound_form(request)
    if not form.is_valid() or (pack := form.pack()) is None:
        return _page(request, form, None, status=400)
    out = io.BytesIO()
    write_workbook(pack, out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename(pack)}.xlsx"'
    return response


def filename(pack: Pack) -> str:
    report = f"-report-{pack.inspection.pk}" if pack.inspection else ""
    return f"board-pack-{pack.force.slug}{report}-{pack.as_at.isoformat()}"


def render_pdf(pack: Pack) -> bytes:
    """The pack as an A4 PDF: the page's own partial, with the print stylesheet."""
    import weasyprint  # loads Pango: only when a PDF is asked for

    lists = {name: getattr(pack, name)[:PDF_LIST_ROWS] for name in ("slipped", "blocked", "closed")}
    html = render_to_string("tracker/board_pdf.html", {"pack": pack, "lists": lists})
    stylesheet = weasyprint.CSS(filename=finders.find("tracker/css/board.css"))
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[stylesheet])


# The workbook ------------------------------------------------------------------------------

DATE_FORMAT = "yyyy-mm-dd"


def write_workbook(pack: Pack, out) -> None:
    """The pack as a workbook: a sheet per section, a header row frozen and filtered, typed
    cells (numbers, dates), and the force, date and filters in every sheet's printed header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook["Sheet"])  # the one a new workbook starts with
    bucket_headers = [label for _, label in BUCKETS] + ["Total"]
    bucket_keys = [key for key, _ in BUCKETS] + ["total"]

    def action_cells(s) -> list:
        return [s.pk, s.reference, s.text, s.report, s.question,
                labels.KIND[s.kind], labels.STATUS[s.status]]  # fmt: skip

    action_headers = ["Action id", "Reference", "Text", "Report", "Question or area", "Kind",
                      "Status as at"]  # fmt: skip
    sheets = [
        (
            "Summary",
            ["Measure", "Actions"],
            [[label, pack.counts[key]] for key, label in BUCKETS]
            + [["Total (not superseded)", pack.counts["total"]], ["Superseded", pack.superseded]]
            + [[f"RAG: {r['label']}", r["count"]] for r in pack.rag],
            [34, 12],
        ),
        (
            "By grade",
            ["Grade of question or area", *bucket_headers],
            [[row["label"], *(row[k] for k in bucket_keys)] for row in pack.by_grade],
            [28] + [14] * len(bucket_keys),
        ),
        (
            "By kind",
            ["Kind of finding", *bucket_headers],
            [[row["label"], *(row[k] for k in bucket_keys)] for row in pack.by_kind],
            [28] + [14] * len(bucket_keys),
        ),
        (
            "Slippage",
            [
                *action_headers,
                "Original due date",
                "Due date as at",
                "Revised on",
                "From",
                "To",
                "Reason",
                "Revised by",
            ],  # fmt: skip
            [
                [
                    *action_cells(s),
                    s.original_due_date,
                    s.due_date,
                    r["on"],
                    r["old"],
                    r["new"],
                    r["reason"],
                    r["by"],
                ]  # fmt: skip
                for s in pack.slipped
                for r in s.revisions
            ],
            [10, 12, 60, 28, 14, 22, 20, 14, 14, 12, 12, 12, 40, 20],
        ),
        (
            "Blocked",
            [*action_headers, "Waiting on (outside body)", "Blocked since", "Due date as at"],
            [
                [*action_cells(s), s.blocked_reason, s.blocked_since, s.due_date]
                for s in pack.blocked
            ],  # fmt: skip
            [10, 12, 60, 28, 14, 22, 20, 40, 14, 14],
        ),
        (
            "Closed since",
            [*action_headers, "Closed on", "Closed by"],
            [[*action_cells(s), s.closed_on, s.closed_by] for s in pack.closed],
            [10, 12, 60, 28, 14, 22, 20, 14, 20],
        ),
        (
            "PCC responses",
            ["Report", "Published", "Response due", "Response published", "State"],
            [
                [p["report"], p["published"], p["due"], p["responded"], p["words"]]
                for p in pack.pcc
            ],  # fmt: skip
            [34, 14, 14, 18, 40],
        ),
        (
            "Trend",
            ["Month", "Month end (or as at)", "Open at month end", "Opened", "Closed"],
            [[p["month"], p["point"], p["open"], p["opened"], p["closed"]] for p in pack.trend],
            [12, 20, 18, 10, 10],
        ),
    ]
    header = f"{pack.force.name}: board pack. {pack.filters}"
    for title, headers, rows, widths in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column, width in zip(sheet.iter_cols(min_row=1, max_row=1), widths, strict=False):
            sheet.column_dimensions[column[0].column_letter].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, datetime.date):
                    cell.number_format = DATE_FORMAT
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        sheet.oddHeader.center.text = header
        sheet.oddFooter.right.text = "Page &P of &N"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.print_title_rows = "1:1"
    workbook.save(out)

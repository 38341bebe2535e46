"""Findings from a spreadsheet (tracker/spreadsheet/, manage.py import_findings).

The findings, titles and people in these sheets are made up for the tests, not report text.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from tests.factories import get_force, make_action, make_inspector, make_user
from tracker.models import Action, ActionEvent, Inspection, ReportFormat
from tracker.spreadsheet import SpreadsheetError, apply, import_findings, plan, read_table
from tracker.spreadsheet.template import write_template
from tracker.workflow import Kind, Status

pytestmark = pytest.mark.django_db

HEADERS = ["force", "source", "report_title", "published", "area", "kind", "reference", "text"]
AUDIT = ["Kent", "Internal audit", "Custody audit 2026", "2026-05-01", "Custody"]


def csv_file(rows, headers=HEADERS, *, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def finding(text, *, kind="Area for improvement", reference="", **cells):
    return {
        **dict(zip(HEADERS, AUDIT, strict=False)),
        "kind": kind,
        "reference": reference,
        "text": text,
        **cells,
    }


def table_of(findings: list[dict]) -> tuple[list[str], list[list]]:
    headers = list(dict.fromkeys(key for row in findings for key in row))
    return headers, [[row.get(key, "") for key in headers] for row in findings]


def sheet(findings: list[dict], *, kind="csv") -> tuple[str, bytes]:
    headers, rows = table_of(findings)
    if kind == "csv":
        return "findings.csv", csv_file(rows, headers)
    return "findings.xlsx", xlsx_file(rows, headers)


def run(findings, *, force=None, by=None, dry_run=False, kind="csv"):
    name, data = sheet(findings, kind=kind)
    return import_findings(name, data, force=force, by=by, dry_run=dry_run)


def errors(planned) -> list[str]:
    return [str(error) for error in planned.errors]


# Reading the file --------------------------------------------------------------------------


def test_columns_are_found_by_header_in_any_order_and_any_case():
    staff = make_user(force=get_force("Kent"), username="jsmith")
    rows = [["Due date", "TEXT", "owner", "Report Title", "Source", "Kind"]]
    rows.append(
        [
            "30/09/2026",
            "The force should audit custody.",
            "jsmith",
            "Audit",
            "Internal audit",
            "AFI",
        ]
    )
    data = csv_file(rows[1:], rows[0])

    planned = import_findings("f.csv", data, force=get_force("Kent"))

    assert planned.ok, errors(planned)
    action = Action.objects.get()
    assert (action.owner, action.due_date) == (staff, datetime.date(2026, 9, 30))
    assert action.kind == Kind.AREA_FOR_IMPROVEMENT and action.force == get_force("Kent")


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8-sig", ","), ("utf-8", ";"), ("cp1252", "\t")]
)
def test_csv_with_a_bom_semicolons_or_tabs_and_windows_encoding_is_read(encoding, delimiter):
    rows = [[*AUDIT, "AFI", "IA 1", "The force’s custody records should be complete."]]
    data = csv_file(rows, encoding=encoding, delimiter=delimiter)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")

    planned = import_findings("f.csv", data)

    assert planned.ok, errors(planned)
    assert Action.objects.get().text == "The force’s custody records should be complete."
    assert Action.objects.get().reference == "IA 1"


def test_dates_in_iso_and_uk_forms_and_as_real_spreadsheet_dates():
    findings = [
        finding("A.", due_date="2026-09-30"),
        finding("B.", due_date="30/09/2026"),
        finding("C.", due_date="1/2/2027"),
        finding("D.", due_date=datetime.datetime(2027, 3, 31)),
        finding("E.", due_date=46477),  # a date cell that lost its format: 31 March 2027
    ]
    planned = run(findings, kind="xlsx")
    assert planned.ok, errors(planned)
    due = dict(Action.objects.values_list("text", "due_date"))
    assert due == {
        "A.": datetime.date(2026, 9, 30),
        "B.": datetime.date(2026, 9, 30),
        "C.": datetime.date(2027, 2, 1),
        "D.": datetime.date(2027, 3, 31),
        "E.": datetime.date(2027, 3, 31),
    }


def test_a_formula_saved_without_its_value_is_a_row_error():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Source", "Report title", "Kind", "Text", "Due date", "Force"])
    sheet.append(["Internal audit", "Audit", "AFI", "A.", "=TODAY()+30", "Kent"])
    out = io.BytesIO()
    workbook.save(out)  # openpyxl saves formulas without computing them

    planned = import_findings("f.xlsx", out.getvalue())

    assert errors(planned) == [
        "row 2, due date: the formula =TODAY()+30 has no value saved with the file. Open it in "
        "Excel or LibreOffice and save it again, or type the value."
    ]
    assert not Action.objects.exists()


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    not SOFFICE and not os.environ.get("PEEL_REQUIRE_LIBREOFFICE"),
    reason="LibreOffice (soffice) is not installed",
)
def test_an_xlsx_written_by_libreoffice_from_a_csv_imports_with_its_dates_and_formulas(tmp_path):
    kent = get_force("Kent")
    owner = make_user(force=kent, username="akhan", email="a.khan@kent.example")
    report = ["Kent Police", "HMICFRS thematic", "Vetting 2026", "31/01/2026", "Vetting"]
    headers = [*HEADERS, "parent_reference", "owner", "due_date", "status"]
    rows = [
        [*report, "Cause of concern", "CoC 1", "The force vets too slowly.", ""]
        + ["A.Khan@kent.example", "=DATE(2027,3,31)", "In progress"],
        [*report, "Recommendation", "R 1.1", "The force should vet faster.", "CoC 1"]
        + ["akhan", "2027-04-30", ""],
    ]
    (tmp_path / "findings.csv").write_bytes(csv_file(rows, headers))
    subprocess.run(
        [SOFFICE or "soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path),
         str(tmp_path / "findings.csv")],
        check=True, capture_output=True, timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    data = (tmp_path / "findings.xlsx").read_bytes()
    assert data.startswith(b"PK")

    planned = import_findings("findings.xlsx", data)

    assert planned.ok, errors(planned)
    report = Inspection.objects.get()
    assert (report.format, report.source, report.title) == (
        ReportFormat.OTHER,
        "HMICFRS thematic",
        "Vetting 2026",
    )
    assert report.published == datetime.date(2026, 1, 31)
    cause = Action.objects.get(kind=Kind.CAUSE_OF_CONCERN)
    assert (cause.owner, cause.due_date, cause.status) == (
        owner,
        datetime.date(2027, 3, 31),
        Status.IN_PROGRESS,
    )
    recommendation = Action.objects.get(kind=Kind.RECOMMENDATION)
    assert recommendation.parent == cause and recommendation.reference == "R 1.1"


# Idempotent, and changes through the actions' own methods ---------------------------------


def test_importing_the_same_file_again_changes_nothing():
    findings = [
        finding("A.", reference="IA 1"),
        finding("B.", reference="IA 2", due_date="2026-12-31"),
    ]
    first = run(findings)
    events = ActionEvent.objects.count()

    second = run(findings)

    assert first.counts() == {"new": 2, "update": 0, "unchanged": 0}
    assert second.counts() == {"new": 0, "update": 0, "unchanged": 2}
    assert (Action.objects.count(), ActionEvent.objects.count()) == (2, events)
    assert Inspection.objects.count() == 1


def test_a_changed_owner_due_date_reference_or_status_goes_through_the_actions_methods():
    kent = get_force("Kent")
    first, second = make_user(force=kent), make_user(force=kent)
    run([finding("A.", reference="IA 1", owner=first.username, due_date="2026-12-31")])
    action = Action.objects.get()
    version = action.version
    last_event = ActionEvent.objects.order_by("id").last().pk

    planned = run(
        [
            finding(
                "A.",
                reference="IA 1a",
                owner=second.email,
                due_date="2027-03-31",
                status="In progress",
            )
        ]
    )

    assert planned.counts()["update"] == 1
    assert planned.rows[0].changes == [
        "reference: IA 1 → IA 1a",
        f"owner: {first.username} → {second.username}",
        "due date: 2026-12-31 → 2027-03-31",
        "status: Not started → In progress",
    ]
    action.refresh_from_db()
    assert (action.owner, action.due_date, action.original_due_date) == (
        second,
        datetime.date(2027, 3, 31),
        datetime.date(2026, 12, 31),
    )
    assert action.status == Status.IN_PROGRESS and action.reference == "IA 1a"
    assert action.version == version + 4
    later = action.events.filter(pk__gt=last_event).order_by("id")
    assert [(e.kind, e.reason, e.via) for e in later] == [
        ("reference", "spreadsheet import", "import"),
        ("owner", "spreadsheet import", "import"),
        ("due_date", "spreadsheet import", "import"),
        ("status", "spreadsheet import", "import"),
    ]


def test_the_first_import_records_where_each_action_came_from():
    owner = make_user(force=get_force("Kent"))
    run([finding("A.", reference="IA 1", owner=owner.username, due_date="2026-12-31")])
    action = Action.objects.get()
    trail = list(action.events.order_by("id").values_list("kind", "new_value", "reason"))
    assert trail == [
        ("imported", "Not started", "spreadsheet import: findings.csv, row 2"),
        ("owner", owner.username, "spreadsheet import: findings.csv, row 2"),
        ("due_date", "2026-12-31", "spreadsheet import: findings.csv, row 2"),
        ("reference", "IA 1", "spreadsheet import: findings.csv, row 2"),
    ]


def test_an_empty_cell_leaves_the_action_as_it_is_and_status_never_moves_back():
    owner = make_user(force=get_force("Kent"))
    run([finding("A.", owner=owner.username, due_date="2026-12-31", status="In progress")])
    planned = run([finding("A.", status="Not started")])
    assert planned.counts()["unchanged"] == 1
    action = Action.objects.get()
    assert (action.owner, action.status) == (owner, Status.IN_PROGRESS)


def test_rows_match_the_actions_of_a_report_imported_from_its_page(tmp_path):
    report = Inspection.objects.create(
        force=get_force("Kent"), format=ReportFormat.PEEL_2023_25, year=2023, pillar=""
    )
    question = report.questions.create(
        number=3, text="Responding to the public", label="Responding to the public"
    )
    afi = make_action(question=question, text="The force should answer 999 calls sooner.")
    planned = run(
        [
            {"force": "Kent Police", "source": "HMICFRS PEEL 2023-25", "area_number": "3",
             "kind": "AFI", "reference": "AFI 4",
             "text": "The force should answer  999 calls sooner."},
        ]
    )  # fmt: skip
    assert planned.ok, errors(planned)
    assert planned.counts()["update"] == 1 and Inspection.objects.count() == 1
    afi.refresh_from_db()
    assert afi.reference == "AFI 4"


def test_a_closed_action_is_not_changed_by_an_import():
    inspector = make_inspector()
    run([finding("A.")])
    action = Action.objects.get()
    Action.objects.filter(pk=action.pk).update(status=Status.CLOSED, closed_by=inspector)
    planned = run([finding("A.", reference="IA 9")])
    assert errors(planned) == [
        f"row 2: action {action.pk} is Closed — evidence accepted and takes no changes "
        "(reference: — → IA 9); an inspector must reopen or reinstate it first"
    ]


def test_an_action_changed_after_the_plan_stops_the_import_and_nothing_is_written():
    run([finding("A.")])
    name, data = sheet([finding("A.", reference="IA 1"), finding("B.")])
    planned = plan(read_table(name, data))
    action = Action.objects.get()
    action.set_reference("X 1", by=None, via="command")

    with pytest.raises(SpreadsheetError, match="was changed after the file was checked"):
        apply(planned, by=None)

    assert Action.objects.count() == 1 and Action.objects.get().reference == "X 1"


# Row errors: each names its row and column, and nothing is written --------------------------


def test_row_errors_name_the_row_and_column_and_one_error_writes_nothing():
    make_user(force=get_force("Essex"), username="essexuser")
    findings = [finding(f"Finding {n}.") for n in range(1, 8)]
    findings.append(finding("Bad date.", due_date="31/13/2026"))
    findings.append(finding("Bad owner.", owner="jsmith"))
    findings.append(finding("Other force's owner.", owner="essexuser"))
    findings.append(finding("Bad kind.", kind="Suggestion"))

    planned = run(findings)

    assert errors(planned) == [
        "row 9, due date: “31/13/2026” is not a date; write it as 2026-09-30 or 30/09/2026",
        "row 10, owner: no user “jsmith” in Kent Police; give a username or e-mail address",
        "row 11, owner: “essexuser” is a member of Essex Police, not of Kent Police",
        "row 12, kind: “Suggestion” is not one of Area for improvement, Recommendation, Cause "
        "of concern, Area of concern or Accelerated cause of concern",
    ]
    assert not Action.objects.exists() and not Inspection.objects.exists()


def test_duplicate_rows_and_references_are_errors():
    planned = run(
        [
            finding("A.", reference="IA 1"),
            finding("B.", reference="IA 1"),
            finding("A.", reference="IA 3"),
        ]
    )
    assert errors(planned) == [
        "row 2, reference: “IA 1” is also the reference of row 3; a reference is unique within "
        "its report",
        "row 3, reference: “IA 1” is also the reference of row 2; a reference is unique within "
        "its report",
        "row 4: the same finding as row 2 (same report, kind and text); delete one of them",
    ]


def test_a_parent_that_does_not_exist_or_is_not_a_cause_of_concern_is_an_error():
    planned = run(
        [
            finding("A.", reference="IA 1"),
            finding("R1.", kind="Recommendation", parent_reference="CoC 9"),
            finding("R2.", kind="Recommendation", parent_reference="IA 1"),
            finding("X.", parent_reference="IA 1"),
        ]
    )
    assert errors(planned) == [
        "row 3, parent reference: no finding of this report has the reference “CoC 9”",
        "row 4, parent reference: “IA 1” is area for improvement; a recommendation's parent is a "
        "cause of concern",
        "row 5, parent reference: only a recommendation has a parent; leave it empty",
    ]


def test_an_import_for_one_force_refuses_rows_of_another_and_checks_the_importer():
    kent = get_force("Kent")
    planned = run([finding("A."), finding("B.", force="Essex")], force=kent)
    assert errors(planned) == [
        "row 3, force: Essex Police: this import is for Kent Police only; leave it empty"
    ]
    staff = make_user(force=kent)  # without the import permission
    planned = run([finding("A.")], by=staff)
    assert errors(planned) == ["row 2, force: you may not import findings for Kent Police"]


def test_missing_cells_say_what_to_write():
    planned = run(
        [
            {"force": "Kent", "source": "", "kind": "AFI", "text": "A."},
            {"force": "Kent", "source": "Internal audit", "kind": "AFI", "text": "B."},
            {"force": "Gotham", "source": "Internal audit", "report_title": "T", "kind": "",
             "text": ""},
            {"force": "Kent", "source": "HMICFRS PEEL", "kind": "AFI", "text": "C."},
        ]
    )  # fmt: skip
    assert errors(planned) == [
        "row 2, source: empty; say where the findings come from (“HMICFRS PEEL 2023–25”, "
        "“Internal audit”)",
        "row 3, report title: empty; a report that is not PEEL needs its title",
        "row 4, force: “Gotham” is not one of the 43 forces",
        "row 4, kind: empty; Area for improvement, Recommendation, Cause of concern, Area of "
        "concern or Accelerated cause of concern",
        "row 4, text: empty; every row needs the finding's text",
        "row 5, source: a PEEL source names its cycle (“HMICFRS PEEL 2023–25”, 2021/22 or "
        "2025–27), or a 2014–2019 report's year and pillar (“HMICFRS PEEL 2017 Efficiency”)",
    ]


# Bad files: one clear line, nothing written ----------------------------------------------


def zip_with(data: bytes, name: str, content: bytes = b"x") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr(name, content)
    return out.getvalue()


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(SpreadsheetError) as refused:
        read_table(name, data)
    return str(refused.value)


def test_files_of_another_type_are_refused_saying_what_to_do():
    assert refusal("findings.pdf", b"%PDF-1.7") == (
        "findings.pdf is not a spreadsheet this import reads: give an Excel workbook (.xlsx) or "
        "a CSV file."
    )
    assert "save it as an Excel workbook (.xlsx), without macros" in refusal("f.xlsm", b"PK")
    assert "Excel 97–2003 workbook" in refusal("f.xls", b"\xd0\xcf")
    assert refusal("f.xlsx", b"just text") == (
        "f.xlsx is not an Excel workbook (.xlsx), or it is damaged."
    )
    assert refusal("f.csv", xlsx_file([])) == (
        "f.csv is a workbook, not a CSV file: name it .xlsx, or save it as CSV."
    )
    assert refusal("f.csv", b"") == "f.csv is empty."


def test_a_workbook_with_macros_or_external_links_is_refused():
    workbook = xlsx_file([[*AUDIT, "AFI", "", "A."]])
    assert refusal("f.xlsx", zip_with(workbook, "xl/vbaProject.bin")) == (
        "f.xlsx contains macros. Save it as an Excel workbook (.xlsx) without macros, and "
        "import that."
    )
    linked = zip_with(workbook, "xl/externalLinks/externalLink1.xml", b"<externalLink/>")
    assert "links to other workbooks (external links). Break the links" in refusal("f.xlsx", linked)


def test_a_password_protected_workbook_is_refused():
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_file([[*AUDIT, "AFI", "", "A."]]))).encrypt("secret", encrypted)

    assert refusal("f.xlsx", encrypted.getvalue()) == (
        "f.xlsx: the workbook is password-protected (encrypted). Open it, remove the password "
        "(File → Info → Protect Workbook), save it and import it again."
    )


def test_a_sheet_without_the_needed_columns_says_which_are_missing():
    assert refusal("f.csv", csv_file([["a"]], ["Finding"])) == (
        "f.csv: its first row has no Source, Kind, Text column. The first row heads the columns "
        "(download the template to see them)."
    )


def test_100000_rows_are_refused_with_the_limit(settings):
    rows = "\n".join(f"Internal audit,Audit,AFI,Finding {n}." for n in range(100_000))
    data = f"Source,Report title,Kind,Text\n{rows}\n".encode()
    assert refusal("big.csv", data) == (
        "big.csv has more than 20,000 rows of findings; at most 20,000 are imported at once. "
        "Split it into smaller files."
    )
    settings.FINDINGS_IMPORT_MAX_BYTES = 1024
    assert refusal("big.csv", data).startswith("big.csv is 3.")


# The template and the command --------------------------------------------------------------


def test_the_template_has_lists_an_example_row_and_notes_and_its_example_is_not_imported():
    out = io.BytesIO()
    write_template(out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["Findings", "Notes"]
    findings = workbook["Findings"]
    headings = [cell.value for cell in findings[1]]
    assert headings[:3] == ["Force", "Source", "Report title"] and "Due date" in headings
    lists = [
        validation.formula1
        for validation in findings.data_validations.dataValidation
        if validation.type == "list"
    ]
    assert sorted(lists) == sorted(
        [
            '"Area for improvement,Recommendation,Cause of concern,Area of concern,Accelerated '
            'cause of concern"',
            '"Outstanding,Good,Adequate,Requires improvement,Inadequate,Ungraded"',
            '"Not started,In progress"',
        ]
    )
    assert isinstance(findings["D2"].value, datetime.datetime)  # the example's date is a date
    assert "Delete the example row" in "".join(str(c.value) for c in workbook["Notes"]["A"])

    planned = import_findings("template.xlsx", out.getvalue())
    assert errors(planned) == ["row 2: this is the template's example row; delete it"]


def test_the_command_dry_run_json_and_template(tmp_path, capsys):
    path = tmp_path / "findings.csv"
    path.write_bytes(sheet([finding("A.", reference="IA 1")])[1])

    call_command("import_findings", str(path), "--dry-run", "--json")
    said = json.loads(capsys.readouterr().out)
    assert said["counts"] == {"new": 1, "update": 0, "unchanged": 0} and not said["written"]
    assert said["reports"] == [{"name": "Kent Police Custody audit 2026", "new": True}]
    assert not Action.objects.exists()

    call_command("import_findings", str(path), "--force", "kent")
    assert capsys.readouterr().out.strip() == (
        "Imported findings.csv: 1 new, 0 updated, 0 unchanged; 1 new report."
    )
    event = Action.objects.get().events.get(kind="imported")
    assert (event.by, event.via) == (None, "command")

    template = tmp_path / "template.xlsx"
    call_command("import_findings", str(template), "--template")
    assert load_workbook(template).sheetnames == ["Findings", "Notes"]


def test_the_command_reports_row_errors_and_bad_files_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "findings.csv"
    path.write_bytes(sheet([finding("A.", due_date="31/13/2026")])[1])
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_findings", str(path))
    assert "findings.csv: row 2, due date: “31/13/2026” is not a date" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No force 'nowhere'"):
        call_command("import_findings", str(path), "--force", "nowhere")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_findings", str(tmp_path / "missing.csv"))
    Path(tmp_path / "f.ods").write_bytes(b"PK")
    with pytest.raises(CommandError, match="OpenDocument"):
        call_command("import_findings", str(tmp_path / "f.ods"))
    assert not Action.objects.exists()


# The PEEL question framework -----------------------------------------------------------------


def test_a_peel_area_in_another_wording_maps_to_its_official_label_and_question_number():
    planned = run(
        [
            {"force": "Kent", "source": "HMICFRS PEEL 2021/22", "kind": "AFI",
             "area": "Preventing crime & antisocial behaviour", "text": "A."},
            {"force": "Kent", "source": "HMICFRS PEEL 2018 Efficiency", "kind": "AFI",
             "area": "How well does the force plan for the future?", "text": "B."},
            {"force": "Kent", "source": "HMICFRS PEEL 2021/22", "kind": "AFI",
             "area": "Tea and biscuits", "text": "C."},
        ]
    )  # fmt: skip
    assert planned.ok, errors(planned)
    area = Action.objects.get(text="A.").question
    assert (area.label, area.label_recognised) == (
        "Preventing crime and anti-social behaviour",
        True,
    )
    question = Action.objects.get(text="B.").question
    assert question.number == 2  # HMICFRS's number, though the row gives none
    assert (question.inspection.year, question.inspection.pillar) == (2018, "efficiency")
    unknown = Action.objects.get(text="C.").question
    assert (unknown.label, unknown.label_recognised) == ("Tea and biscuits", False)

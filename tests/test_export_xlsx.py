"""/actions/export.xlsx: the CSV's columns and rows as a workbook, with typed cells."""

from __future__ import annotations

import csv
import datetime
import io
import os
import shutil
import subprocess
import zoneinfo

import openpyxl
import pytest
from django.http import FileResponse
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker import exports
from tracker.models import Action, Grade, Pillar, Status
from tracker.workflow import Role

TODAY = timezone.localdate()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(client, query: str = "") -> tuple[FileResponse, bytes]:
    response = client.get(f"/actions/export.xlsx{'?' + query if query else ''}")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def rows(data: bytes) -> list[dict]:
    header, *body = sheet_of(data).iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in body]


def csv_rows(client, query: str = "") -> list[dict]:
    body = b"".join(client.get(f"/actions/export.csv?{query}").streaming_content)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.fixture
def question(force):
    inspection = make_inspection(force=force, year=2016, pillar=Pillar.EFFECTIVENESS)
    return make_question(inspection=inspection, number=2, text="How effective?", grade=Grade.GOOD)


def test_it_is_a_workbook_attachment_named_with_force_and_date(signed_in, question):
    make_action(question=question)
    response, data = export(signed_in)
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        f'attachment; filename="peel-actions-lancashire-{TODAY.isoformat()}.xlsx"'
    )
    assert data.startswith(b"PK")


def test_its_header_is_the_csvs_frozen_and_filtered(signed_in, question):
    make_action(question=question)
    make_action(question=question)
    sheet = sheet_of(export(signed_in)[1])
    assert tuple(cell.value for cell in sheet[1]) == exports.HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AB3"
    assert sheet.column_dimensions["H"].width == 60  # the finding's text
    assert sheet.column_dimensions["A"].width == 10


def test_dates_times_and_numbers_are_typed(signed_in, staff, inspector, question):
    due = TODAY - datetime.timedelta(days=3)
    action = make_action(
        question=question, owner=staff, status=Status.IN_PROGRESS, due_date=due,
        original_due_date=due, reference="=AFI 7",
    )  # fmt: skip
    action.add_note("First note", by=staff)
    action.add_note("@SUM(A1)", by=staff)
    make_action(
        question=question,
        status=Status.CLOSED,
        closed_at=datetime.datetime(2026, 7, 1, 8, 15, 30, 123, tzinfo=datetime.UTC),
        closed_by=inspector,
    )
    [row, closed_row] = rows(export(signed_in)[1])
    action.refresh_from_db()

    assert row["action_id"] == action.pk
    assert row["question_number"] == 2
    assert row["evidence_notes"] == 2
    assert row["due_date_revisions"] == 0
    assert row["due_date"] == datetime.datetime.combine(due, datetime.time())
    assert row["original_due_date"] == datetime.datetime.combine(due, datetime.time())
    local = timezone.localtime(action.updated_at).replace(tzinfo=None, microsecond=0)
    assert row["last_updated"] == local
    assert (row["overdue"], row["rag"], row["status"]) == ("yes", "red", "In progress")
    assert (row["owner"], row["owner_name"]) == ("staff", "Sam Staff")
    assert row["last_note"] == "'@SUM(A1)"  # neutralised, as in the CSV: never a formula
    assert row["reference"] == "'=AFI 7"
    assert (row["closed_at"], row["closed_by"], row["parent_action_id"]) == (None, None, None)
    assert closed_row["closed_at"] == datetime.datetime(2026, 7, 1, 9, 15, 30)  # BST
    assert closed_row["closed_by"] == "inspector"


def test_it_writes_what_the_csv_writes_for_the_same_filters(signed_in, staff, question):
    parent = make_action(question=question, kind=Action.Kind.CAUSE_OF_CONCERN, text="Cause")
    make_action(question=question, kind=Action.Kind.RECOMMENDATION, parent=parent, text="R1")
    make_action(question=question, status=Status.IN_PROGRESS, text="Started, with a, comma")
    make_action(question=question, status=Status.SUBMITTED, text="Submitted")
    for query in ("", "status=in_progress&status=submitted&sort=-status", "kind=recommendation"):
        by_csv = csv_rows(signed_in, query)
        by_xlsx = rows(export(signed_in, query)[1])
        assert [row["action_id"] for row in by_xlsx] == [int(r["action_id"]) for r in by_csv]
        for xlsx_row, csv_row in zip(by_xlsx, by_csv, strict=True):
            as_text = {
                name: "" if value is None else str(value) for name, value in xlsx_row.items()
            }
            dates = ("due_date", "original_due_date", "last_updated", "closed_at")
            assert {k: v for k, v in as_text.items() if k not in dates} == {
                k: v for k, v in csv_row.items() if k not in dates
            }


def test_control_characters_go_and_a_formula_they_hid_is_neutralised(signed_in, question):
    make_action(question=question, text="\x01=HYPERLINK(1)", reference="a\x0bb")
    [row] = rows(export(signed_in)[1])
    assert row["area_for_improvement"] == "'=HYPERLINK(1)"
    assert row["reference"] == "ab"


def test_it_never_exports_another_forces_actions(signed_in, force, other_force):
    make_action(force=force, text="Ours")
    make_action(force=other_force, text="Theirs")
    for query in ("", f"force={other_force.slug}"):
        assert [r["area_for_improvement"] for r in rows(export(signed_in, query)[1])] == ["Ours"]


def test_an_observer_may_export_their_forces_actions(client, force, question):
    make_action(question=question)
    client.force_login(make_user(force=force, force_role=Role.OBSERVER))
    assert len(rows(export(client)[1])) == 1


def test_an_inspector_exports_all_forces_or_one(client, inspector, force, other_force):
    make_action(force=force)
    make_action(force=other_force)
    client.force_login(inspector)
    response, data = export(client)
    assert f"peel-actions-all-forces-{TODAY.isoformat()}.xlsx" in response["Content-Disposition"]
    assert len(rows(data)) == 2
    response, data = export(client, f"force={other_force.slug}")
    assert f"peel-actions-kent-{TODAY.isoformat()}.xlsx" in response["Content-Disposition"]
    assert [r["force"] for r in rows(data)] == ["Kent Police"]


def test_no_matching_actions_is_a_header_alone(signed_in, security_log):
    sheet = sheet_of(export(signed_in, "q=nothing")[1])
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:AB1"
    assert 'event=export user=staff ip=127.0.0.1 filters="q=nothing" rows=0 format=xlsx' in (
        security_log.lines()
    )


def test_it_needs_sign_in(client):
    response = client.get("/actions/export.xlsx")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_list_links_to_both_exports_with_its_filters(signed_in, question):
    make_action(question=question)
    page = signed_in.get("/actions/?status=in_progress&page=1").content.decode()
    assert 'href="/actions/export.csv?status=in_progress"' in page
    assert 'href="/actions/export.xlsx?status=in_progress"' in page
    assert "Export XLSX" in page


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    not SOFFICE and not os.environ.get("PEEL_REQUIRE_LIBREOFFICE"),
    reason="LibreOffice (soffice) is not installed",
)
def test_libreoffice_reads_the_workbook_as_the_csv_says(signed_in, staff, question, tmp_path):
    due = datetime.date(2027, 3, 31)
    action = make_action(
        question=question, owner=staff, due_date=due, original_due_date=due,
        text='Quotes "and", commas\nand lines', blocked_reason="=not a formula",
    )  # fmt: skip
    action.add_note("A note", by=staff)
    # Before ten in the morning: the hour is written in two digits, as the CSV writes it.
    early = datetime.datetime(2026, 12, 1, 5, 7, 9, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    Action.objects.filter(pk=action.pk).update(updated_at=early)
    (tmp_path / "actions.xlsx").write_bytes(export(signed_in)[1])
    # UTF-8 (76), comma-separated (44), quoted with '"' (34)
    to_csv = "csv:Text - txt - csv (StarCalc):44,34,76"
    subprocess.run(
        [SOFFICE or "soffice", "--headless", "--convert-to", to_csv, "--outdir", str(tmp_path),
         str(tmp_path / "actions.xlsx")],
        check=True, capture_output=True, timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    with open(tmp_path / "actions.csv", encoding="utf-8", newline="") as converted:
        [header, row] = list(csv.reader(converted))
    [by_csv] = csv_rows(signed_in)

    assert tuple(header) == exports.HEADER
    cells = dict(zip(header, row, strict=True))
    assert cells["due_date"] == cells["original_due_date"] == "2027-03-31"
    assert cells["last_updated"] == by_csv["last_updated"][:19].replace("T", " ")
    assert cells["last_updated"] == "2026-12-01 05:07:09"
    for name in ("action_id", "area_for_improvement", "blocked_reason", "evidence_notes", "url"):
        assert cells[name] == by_csv[name]
    assert cells["blocked_reason"] == "'=not a formula"

"""Force staff import findings from a spreadsheet: the template downloaded from the import page,
filled in, a row's errors shown by row and column, the file put right, the preview (on a
phone too) confirmed, and the actions in the list with their owners and due dates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import PASSWORD, get_force, make_inspector, make_user
from tracker.models import Action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FINDINGS = [
    ("Custody", "CA 1", "The force should make sure custody records show each risk assessment."),
    ("Custody", "CA 2", "The force should review how detainees' medication is recorded."),
    ("Call handling", "CA 3", "The force should answer non-emergency calls more quickly."),
]


@pytest.fixture
def people(force, settings, tmp_path):
    settings.FINDINGS_IMPORT_DIR = str(tmp_path / "spreadsheet-imports")
    importer = make_user(username="importer", force=force, first_name="Ines", last_name="Porter")
    importer.user_permissions.add(Permission.objects.get(codename="import_report"))
    make_user(username="priya", force=force, first_name="Priya", last_name="Shah")
    make_user(username="kentish", force=get_force("Kent"))
    return importer


def fill(template: Path, out: Path, *, owner_of_row_3: str, due_of_row_3: str) -> Path:
    """The template with its example row deleted and the three findings in it."""
    book = load_workbook(template)
    sheet = book["Findings"]
    headings = [cell.value for cell in sheet[1]]
    sheet.delete_rows(2)
    due_dates = [datetime.date(2026, 9, 30), due_of_row_3, datetime.date(2027, 1, 31)]
    owners = ["priya", owner_of_row_3, "importer"]
    for (area, reference, text), owner, due in zip(FINDINGS, owners, due_dates, strict=True):
        cells = {
            "Source": "Internal audit",
            "Report title": "Custody and contact audit 2026",
            "Published": datetime.date(2026, 5, 1),
            "Area": area,
            "Kind": "Area for improvement",
            "Reference": reference,
            "Text": text,
            "Owner": owner,
            "Due date": due,
        }
        sheet.append([cells.get(heading) for heading in headings])
    book.save(out)
    return out


def test_staff_import_a_filled_in_template_after_putting_right_a_row(
    tab, live_server, people, tmp_path, console_errors
):
    base = live_server.url
    sign_in(tab, base, "importer", PASSWORD)
    tab.goto(f"{base}/inspections/import/")
    with tab.expect_download() as downloading:
        tab.get_by_role("link", name="Download the template").click()
    download = downloading.value
    assert download.suggested_filename == "peel-findings-template.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)

    wrong = fill(
        template, tmp_path / "findings.xlsx", owner_of_row_3="kentish", due_of_row_3="31/13/2026"
    )
    tab.get_by_role("link", name="import findings from a spreadsheet").click()
    check_page(tab, "sheet-01-upload")
    tab.get_by_label("Spreadsheet").set_input_files(wrong)
    tab.get_by_role("button", name="Check the file").click()

    errors = tab.locator(".sheet-errors li")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_have_text(
        "Row 3, Owner: “kentish” is a member of Kent Police, not of Lancashire Constabulary"
    )
    expect(errors.nth(1)).to_contain_text("Row 3, Due date: “31/13/2026” is not a date")
    expect(tab.get_by_role("alert")).to_contain_text("Fix these rows in your file and upload it")
    check_page(tab, "sheet-02-errors")
    assert Action.objects.count() == 0

    right = fill(
        template, tmp_path / "findings.xlsx", owner_of_row_3="priya", due_of_row_3="30/11/2026"
    )
    tab.get_by_label("Spreadsheet").set_input_files(right)
    tab.get_by_role("button", name="Check the file").click()
    expect(
        tab.get_by_role("heading", name="Check what importing findings.xlsx will do")
    ).to_be_visible()
    expect(tab.locator(".sheet-outcome-new")).to_have_count(3)
    check_page(tab, "sheet-03-preview")
    tab.set_viewport_size(PHONE)
    check_page(tab, "sheet-04-preview-390px")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at 390 px ({width} px wide)"
    confirm = tab.get_by_role("button", name="Confirm and import")
    box = confirm.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    tab.set_viewport_size({"width": 1280, "height": 900})
    confirm.click()

    expect(
        tab.get_by_text("Imported findings.xlsx: 3 new, 0 updated, 0 unchanged; 1 new report.")
    ).to_be_visible()
    tab.goto(f"{base}/actions/?q=force+should")
    for (_area, _reference, text), owner, due in zip(
        FINDINGS,
        ["Priya Shah", "Priya Shah", "Ines Porter"],
        ["30 Sep 2026", "30 Nov 2026", "31 Jan 2027"],
        strict=True,
    ):
        row = tab.locator("tbody tr", has_text=text[:40])
        expect(row).to_contain_text(owner)
        expect(row).to_contain_text(due)
    assert [error for error in console_errors if "axe.min.js" not in error] == []


def test_an_inspector_imports_a_spreadsheet_in_the_admin(
    tab, live_server, people, tmp_path, console_errors
):
    make_inspector(username="inspector")
    base = live_server.url
    tab.goto(f"{base}/admin/login/")
    tab.get_by_label("Username").fill("inspector")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.goto(f"{base}/admin/tracker/inspection/")
    tab.get_by_role("link", name="Import findings from a spreadsheet").click()
    with tab.expect_download() as downloading:
        tab.get_by_role("link", name="Download the template").click()
    template = tmp_path / "template.xlsx"
    downloading.value.save_as(template)
    findings = fill(
        template, tmp_path / "findings.xlsx", owner_of_row_3="priya", due_of_row_3="30/11/2026"
    )

    tab.get_by_label("Spreadsheet").set_input_files(findings)
    tab.get_by_role("button", name="Check the file").click()
    expect(tab.locator(".sheet-errors li").first).to_contain_text("Row 2, Force: empty")
    check_page(tab, "sheet-05-admin-errors")
    tab.get_by_label("Spreadsheet").set_input_files(findings)
    tab.get_by_label("Force").select_option(label="Lancashire Constabulary")
    tab.get_by_role("button", name="Check the file").click()
    expect(tab.locator(".sheet-outcome-new")).to_have_count(3)
    check_page(tab, "sheet-06-admin-preview")
    tab.get_by_role("button", name="Confirm and import").click()

    expect(tab.get_by_text("3 actions")).to_be_visible()
    assert Action.objects.filter(force__short_name="Lancashire").count() == 3
    assert [error for error in console_errors if "axe.min.js" not in error] == []

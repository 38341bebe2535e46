"""What staff and inspectors do every week, in a real browser, with an accessibility scan
and a screenshot of every page (test-artifacts/screenshots/)."""

from __future__ import annotations

import csv
import errno
import io
import re

import pytest
from django.core.files.storage import FileSystemStorage
from playwright.sync_api import expect

from tests.browser.conftest import check_page, screenshot
from tests.evidence_samples import PDF, png
from tracker.models import Action, EvidenceFile, EvidenceNote, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_staff_filter_open_an_action_add_evidence_submit_and_export(
    tab, live_server, lancashire, console_errors
):
    base = live_server.url
    tab.goto(f"{base}/")
    expect(tab).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    check_page(tab, "01-sign-in")

    sign_in(tab, base, "staff", lancashire["password"])
    expect(tab.get_by_text("Lancashire Constabulary").first).to_be_visible()
    expect(tab.locator(".tile", has_text="Overdue")).to_contain_text("1")
    check_page(tab, "02-dashboard-staff")

    # The list, filtered in place by htmx; the URL keeps the filters so it can be shared.
    tab.get_by_role("link", name="Actions", exact=True).click()
    expect(tab.locator("#result-count")).to_contain_text("7 actions")
    check_page(tab, "03-action-list")
    tab.get_by_label("Not started").check()
    expect(tab.locator("#result-count")).to_contain_text("4 actions")
    expect(tab).to_have_url(re.compile(r"status=not_started"))
    tab.get_by_label("Search").fill("problem solving")
    tab.get_by_label("Search").press("Enter")
    expect(tab.locator("#result-count")).to_contain_text("1 action")
    expect(tab).to_have_url(
        re.compile(r"/actions/\?q=problem(\+|%20)solving&status=not_started&sort=due$")
    )
    expect(tab.locator("#export-link")).to_have_attribute("href", re.compile(r"q=problem"))
    expect(tab.locator("#export-xlsx-link")).to_have_attribute(
        "href", re.compile(r"^/actions/export\.xlsx\?.*q=problem")
    )
    check_page(tab, "04-action-list-filtered")

    # The action tab: add an impact note, start work, submit for review.
    tab.get_by_role("link", name=re.compile(r"robust and structured process")).click()
    expect(tab.get_by_role("heading", name=re.compile(r"^Action \d+$"))).to_be_visible()
    check_page(tab, "05-action-tab")
    tab.get_by_label("Impact (outcome)").check()
    tab.get_by_role("textbox", name="Evidence").fill(
        "Problem-solving plans now reviewed monthly; repeat calls in Preston down 12%."
    )
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    expect(tab.locator(".timeline-note").first).to_contain_text("repeat calls in Preston")
    tab.get_by_label("Start work").check()
    tab.get_by_role("button", name="Change status").click()
    expect(tab.get_by_role("status")).to_have_text("Status changed.")
    tab.get_by_label("Submit for review").check()
    tab.get_by_role("button", name="Change status").click()
    expect(tab.locator("h1 ~ .badge-status")).to_have_text("Submitted for review")
    check_page(tab, "06-action-submitted")
    action = Action.objects.get(text__contains="robust and structured process")
    assert action.status == Status.SUBMITTED

    # Export what the list shows: the download is the CSV with this action in it.
    tab.goto(f"{base}/actions/?status=submitted")
    with tab.expect_download() as download_info:
        tab.get_by_role("link", name=re.compile("Export CSV")).click()
    download = download_info.value
    assert re.fullmatch(
        r"peel-actions-lancashire-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename
    )
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["status"] for row in rows} == {"Submitted for review"}
    assert action.pk in {int(row["action_id"]) for row in rows}
    assert len(rows) == 2

    # The reports, and the other pages every user reaches.
    tab.get_by_role("link", name="Reports", exact=True).click()
    check_page(tab, "07-reports")
    tab.get_by_role("link", name=re.compile("PEEL 2016 Effectiveness")).click()
    expect(tab.get_by_role("heading", name="PEEL 2016: Effectiveness")).to_be_visible()
    tab.locator("#question-2 summary").click()
    check_page(tab, "08-report")
    tab.emulate_media(media="print")
    screenshot(tab, "09-report-print")
    tab.emulate_media(media="screen")
    tab.get_by_role("link", name="Account").click()
    tab.get_by_role("link", name="Change your password").click()
    check_page(tab, "10-password-change")
    tab.goto(f"{base}/actions/999999/")
    check_page(tab, "11-not-found")

    sign_out(tab)
    assert console_errors == []


def test_an_inspector_closes_an_assured_action(tab, live_server, lancashire, console_errors):
    """Changed rule: the inspector closes what the force lead assured (tests/browser/
    test_two_stage.py walks the whole journey)."""
    base = live_server.url
    submitted = Action.objects.get(status=Status.SUBMITTED)
    submitted.move_to(Status.ASSURED, by=lancashire["lead"], reason="Checked by the force lead.")
    sign_in(tab, base, "inspector", lancashire["password"])
    expect(tab.get_by_label("Force", exact=True)).to_be_visible()
    check_page(tab, "12-dashboard-inspector-all-forces")
    tab.get_by_label("Force", exact=True).select_option("lancashire")
    tab.get_by_role("button", name="Show").click()
    expect(tab.get_by_role("heading", name="Waiting for your review")).to_be_visible()
    check_page(tab, "13-dashboard-inspector-lancashire")

    tab.goto(f"{base}/actions/{submitted.pk}/")
    tab.get_by_label(re.compile("Close — evidence accepted")).check()
    tab.get_by_role("button", name="Change status").click()
    # A close needs a reason: the error is next to the field, and focus goes to it.
    reason = tab.get_by_label("Reason", exact=True)
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    check_page(tab, "14-action-close-needs-reason")
    reason.fill("Checklist in use; dip sample shows supervision in 94% of files.")
    tab.get_by_role("button", name="Change status").click()
    expect(tab.locator("h1 ~ .badge-status")).to_have_text("Closed — evidence accepted")
    check_page(tab, "15-action-closed")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.closed_by) == (Status.CLOSED, lancashire["inspector"])
    assert console_errors == []


def test_a_stale_form_is_refused_and_keeps_the_typed_text(
    tab, live_server, lancashire, console_errors
):
    base = live_server.url
    action = lancashire["actions"][0]
    sign_in(tab, base, "staff", lancashire["password"])
    tab.goto(f"{base}/actions/{action.pk}/")
    # Someone else changes the action while this tab is open.
    action.refresh_from_db()
    action.set_blocked("Waiting on the Home Office", by=lancashire["inspector"])
    tab.get_by_role("textbox", name="Evidence").fill("My long careful note.")
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("alert").first).to_contain_text("since you opened it")
    expect(tab.get_by_role("textbox", name="Evidence")).to_have_value("My long careful note.")
    check_page(tab, "16-action-stale")
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    assert action.notes.filter(body="My long careful note.").exists()
    assert console_errors == []


def test_everything_works_without_javascript(chromium, live_server, lancashire):
    base = live_server.url
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    action = lancashire["actions"][0]
    sign_in(tab, base, "staff", lancashire["password"])
    tab.goto(f"{base}/actions/?status=not_started")
    tab.get_by_label("Search").fill("problem")
    tab.get_by_role("button", name="Apply filters").click()
    expect(tab.locator("#result-count")).to_contain_text("1 action")
    tab.goto(f"{base}/actions/{action.pk}/")
    tab.get_by_role("button", name="Add note").click()
    expect(tab.locator("#id_note-body")).to_have_attribute("aria-invalid", "true")
    tab.get_by_role("textbox", name="Evidence").fill("Sent without JavaScript.")
    tab.get_by_role("button", name="Add note").click()
    expect(tab).to_have_url(f"{base}/actions/{action.pk}/")
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    screenshot(tab, "17-action-no-javascript")
    context.close()


def test_staff_attach_files_to_a_note_and_download_one(
    tab, live_server, lancashire, console_errors, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    action = lancashire["actions"][0]
    sign_in(tab, base, "staff", lancashire["password"])
    tab.goto(f"{base}/actions/{action.pk}/")

    # A refused file: the error names it, the typed text stays, the files must be chosen again.
    tab.get_by_role("textbox", name="Evidence").fill("Supervision dip sample, March.")
    tab.get_by_label("Files (optional)").set_input_files(
        [{"name": "dip-sample.pdf.html", "mimeType": "application/pdf", "buffer": b"<html>"}]
    )
    tab.get_by_role("button", name="Add note").click()
    expect(tab.locator("#note-form")).to_contain_text("“dip-sample.pdf.html” was refused")
    expect(tab.locator("#note-form")).to_contain_text("Choose the files again")
    expect(tab.get_by_role("textbox", name="Evidence")).to_have_value(
        "Supervision dip sample, March."
    )
    assert not EvidenceFile.objects.exists()
    check_page(tab, "18-action-evidence-refused")

    tab.get_by_label("Files (optional)").set_input_files(
        [
            {"name": "dip-sample-march.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "case-file-checklist.png", "mimeType": "image/png", "buffer": png()},
        ]
    )
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    note = tab.locator(".timeline-note").first
    expect(note.get_by_role("link", name="dip-sample-march.pdf")).to_be_visible()
    expect(note.get_by_role("link", name="case-file-checklist.png")).to_be_visible()
    note.locator("summary").first.click()
    pdf = EvidenceFile.objects.get(original_name="dip-sample-march.pdf")
    expect(note.locator("code.sha256").first).to_have_text(pdf.sha256)
    check_page(tab, "19-action-evidence-files")

    with tab.expect_download() as download_info:
        note.get_by_role("link", name="dip-sample-march.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "dip-sample-march.pdf"
    assert download.path().read_bytes() == PDF
    assert console_errors == []


def test_a_note_whose_files_cannot_be_stored_is_not_saved_and_keeps_the_text(
    tab, live_server, lancashire, console_errors, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"

    def disk_full(storage, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    action = lancashire["actions"][0]
    sign_in(tab, live_server.url, "staff", lancashire["password"])
    tab.goto(f"{live_server.url}/actions/{action.pk}/")

    tab.get_by_role("textbox", name="Evidence").fill("Supervision dip sample, March.")
    tab.get_by_label("Files (optional)").set_input_files(
        [{"name": "dip-sample-march.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    tab.get_by_role("button", name="Add note").click()
    expect(tab.locator("#note-form")).to_contain_text(
        "Nothing was saved: the files could not be stored."
    )
    expect(tab.locator("#note-form")).to_contain_text("Choose the files again")
    expect(tab.get_by_role("textbox", name="Evidence")).to_have_value(
        "Supervision dip sample, March."
    )
    assert not EvidenceNote.objects.filter(action=action).exists()
    check_page(tab, "20-action-evidence-not-stored")
    assert console_errors == []


def test_choosing_a_report_offers_its_questions(tab, live_server, lancashire, console_errors):
    sign_in(tab, live_server.url, "staff", lancashire["password"])
    tab.goto(f"{live_server.url}/actions/")
    question = tab.get_by_label("Question", exact=True)
    expect(question.locator("option")).to_have_count(1)  # "All questions" until a report
    tab.get_by_label("Report", exact=True).select_option(index=1)
    expect(tab).to_have_url(re.compile(r"inspection=\d+"))
    expect(question.locator("option")).not_to_have_count(1)
    expect(tab.get_by_label("Report", exact=True)).not_to_have_value("")
    question.select_option(index=1)
    expect(tab).to_have_url(re.compile(r"question=\d+"))
    assert console_errors == []

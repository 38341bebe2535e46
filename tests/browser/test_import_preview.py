"""A member of a force's staff with the import permission imports their force's report from a
PDF: the preview, a merge of the two lines a page break split, confirm, the actions.

The PDF is printed by Chromium from real report text (the Devon and Cornwall cause-of-concern
letter, tests/fixtures/reports/peel-2021-on/) with tests/pdfs.py: running headers, page numbers
and wrapped lines. Only the layout is arranged, never the words: three long paragraphs start a
new line mid-sentence (the reader joins them again), so that the page break falls inside the
recommendation, whose rest the PDF carries at the top of the next page as a list item of its own.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot
from tests.factories import PASSWORD, get_force, make_user
from tests.pdfs import make_pdf, needs_chromium
from tests.reports import PEEL_2021_ON
from tracker.reports.pdf import pdf_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

LETTER = PEEL_2021_ON / "devon-and-cornwall-2024-cause-of-concern-closure-letter.txt"
FIRST_HALF = "improve its processes for answering"
SECOND_HALF = "non-emergency calls so that it a"


def letter_with_a_page_break_in_its_recommendation() -> str:
    text = LETTER.read_text(encoding="utf-8")
    for before in ("discussion at the Policing", "inspection, we raised", "evidence gathering for"):
        assert f" {before}" in text
        text = text.replace(f" {before}", f"\n{before}", 1)
    return text.replace(f"• {FIRST_HALF} non-emergency", f"• {FIRST_HALF}\n  • non-emergency")


def page_overflows(tab) -> int:
    """How far the page is wider than the window (0: nothing sticks out)."""
    return tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_staff_import_a_pdf_merge_what_a_page_break_split_and_see_the_actions(
    tab, live_server, console_errors, tmp_path
):
    devon = get_force("Devon and Cornwall")
    importer = make_user(username="importer", force=devon, first_name="Jo", last_name="Penrose")
    importer.user_permissions.add(Permission.objects.get(codename="import_report"))
    pdf = make_pdf(letter_with_a_page_break_in_its_recommendation(), tmp_path)
    pages = pdf_pages(pdf)
    # The page break really is inside the recommendation: one half ends a page, the other
    # starts the next (under the running header).
    assert any(
        f"• {FIRST_HALF}" in page and f"• {SECOND_HALF}" in following
        for page, following in zip(pages, pages[1:], strict=False)
    )

    tab.set_viewport_size({"width": 1366, "height": 900})
    tab.goto(f"{live_server.url}/accounts/login/")
    tab.get_by_label("Username").fill("importer")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("link", name="Import a report").first.click()
    expect(tab.get_by_role("heading", name="Import a report for Devon and Cornwall Police"))
    tab.get_by_label("Report file").set_input_files(
        files=[{"name": "closure-letter.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    tab.get_by_role("button", name="Read the report").click()

    expect(tab.get_by_role("heading", name="Check the findings before importing")).to_be_visible()
    expect(tab.get_by_label("Text of finding 2")).to_have_value(FIRST_HALF)
    expect(tab.get_by_label("Text of finding 3")).to_have_value(SECOND_HALF)
    expect(tab.get_by_label("Kind of finding 3")).to_have_value("recommendation")
    expect(tab.get_by_label("Deadline of finding 2")).to_have_value("Within three months")
    # The reader's warning, at the top and beside its row.
    expect(tab.locator("#finding-3 .row-warning")).to_contain_text("ends mid-sentence")
    _look_at_both_widths(tab)

    tab.get_by_role("button", name="Merge finding 2 with next").click()

    expect(tab.get_by_label("Text of finding 2")).to_have_value(f"{FIRST_HALF} {SECOND_HALF}")
    expect(tab.get_by_label("Text of finding 3")).to_have_count(0)
    expect(tab.get_by_label("Kind of finding 4")).to_have_value("cause-of-concern")

    tab.get_by_role("button", name="Confirm and import").click()

    expect(tab.get_by_role("status")).to_contain_text("2 causes of concern, 1 recommendation.")
    recommendation = tab.locator(".action-row", has_text=SECOND_HALF)
    expect(recommendation).to_contain_text("Recommendation")
    expect(recommendation).to_contain_text("Within three months")
    expect(tab.locator(".action-row", has_text="answer non-emergency calls")).to_contain_text(
        "Cause of concern"
    )
    screenshot(tab, "62-import-done")
    assert console_errors == []


def _look_at_both_widths(tab) -> None:
    """The preview at a laptop's 1366 pixels and a phone's 390: screenshots to look at, no axe
    violation, and nothing wider than the window but the table, which scrolls in its box."""
    screenshot(tab, "60-import-preview-1366")
    assert axe_violations(tab) == []
    assert page_overflows(tab) <= 0

    tab.set_viewport_size({"width": 390, "height": 844})
    screenshot(tab, "61-import-preview-390")
    assert axe_violations(tab) == []
    assert page_overflows(tab) <= 0
    table = tab.locator(".preview-table-wrap")
    assert table.evaluate("box => box.scrollWidth > box.clientWidth")  # it scrolls, in its box
    assert table.evaluate("box => box.getBoundingClientRect().right") <= 390

    tab.set_viewport_size({"width": 1366, "height": 900})

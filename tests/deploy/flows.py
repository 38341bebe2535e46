"""What a person does on the deployed site, step by step, for the deployment tests (signing in
is `tests/http_browser.py`'s `Browser.sign_in`)."""

from __future__ import annotations

import io
import re
import secrets

from openpyxl import Workbook

from tests.evidence_samples import PDF
from tests.http_browser import LOGIN, Browser, Response

LOGOUT = "/accounts/logout/"
SPREADSHEET = "/inspections/import/spreadsheet/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sign_out(browser: Browser, site: str) -> Response:
    """The sign-out button of a page (a POST with the page's CSRF token)."""
    page = browser.get(site + "/")
    done = browser.post(site + LOGOUT, page.form(LOGOUT))
    assert done.status == 302, done.text[:2000]
    return done


def is_sign_in_form(response: Response) -> bool:
    return response.status == 302 and response.location.startswith(LOGIN)


def evidence_pdf() -> bytes:
    """A real PDF's start, then bytes of its own: a download must return exactly these."""
    return PDF + b"%" + secrets.token_hex(2048).encode() + b"\n"


def add_note(browser: Browser, site: str, action_pk: int, body: str, data: bytes) -> Response:
    """The action page's "Add evidence" form, with one PDF: posted as the page drew it."""
    url = f"/actions/{action_pk}/note/"
    page = browser.get(f"{site}/actions/{action_pk}/")
    assert page.status == 200, page.text[:2000]
    fields = page.form(url)
    fields["note-body"] = body
    posted = browser.post(
        site + url, fields, files={"note-files": ("minutes.pdf", data, "application/pdf")}
    )
    assert posted.status == 302, posted.text[:3000]
    return posted


def evidence_links(page: Response) -> list[str]:
    return re.findall(r'href="(/evidence/\d+/)"', page.html)


def findings_workbook(*references: str) -> bytes:
    """A spreadsheet of findings for the site's import: one row per reference."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Findings"
    sheet.append(["Source", "Report title", "Published", "Area", "Kind", "Reference", "Text"])
    for reference in references:
        sheet.append(
            [
                "Internal audit",
                "Custody records audit 2026",
                "2026-05-01",
                "Custody",
                "Area for improvement",
                reference,
                f"The force should make sure custody record {reference} shows the risk.",
            ]
        )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def import_spreadsheet(browser: Browser, site: str, data: bytes) -> tuple[str, Response]:
    """Upload the spreadsheet through the import form: (the preview's address, its page)."""
    form = browser.get(site + SPREADSHEET)
    assert form.status == 200, form.text[:2000]
    posted = browser.post(
        site + SPREADSHEET, form.form(SPREADSHEET), files={"file": ("findings.xlsx", data, XLSX)}
    )
    assert posted.status == 302, posted.text[:3000]
    preview = browser.follow(posted)
    assert preview.status == 200, preview.text[:3000]
    return posted.location, preview


def confirm_import(browser: Browser, site: str, preview_url: str, preview: Response) -> Response:
    """Press Confirm on the preview page (its digest and CSRF token with it)."""
    fields = preview.form(preview_url)
    fields["do"] = "confirm"
    done = browser.post(site + preview_url, fields)
    assert done.status == 302, done.text[:3000]
    return done

"""Importing findings from a spreadsheet on the web (tracker/spreadsheet/pages.py): the site's
page for force staff with the import permission, the admin's for inspectors; upload, preview,
confirm; the file kept on the server in between."""

from __future__ import annotations

import datetime
import io
import os
import re
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.factories import get_force, make_user
from tracker.models import Action, ActionEvent, Inspection, SpreadsheetImportClaim
from tracker.spreadsheet.pages import CLAIM_LASTS, SESSION_KEY

START = "/inspections/import/spreadsheet/"
TEMPLATE = "/inspections/import/spreadsheet/template/"
ADMIN = "/admin/tracker/inspection/import/spreadsheet/"
ADMIN_TEMPLATE = "/admin/tracker/inspection/import/spreadsheet/template/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["Force", "Source", "Report title", "Published", "Area", "Kind", "Reference", "Text"]
HEADER += ["Owner", "Due date"]


def finding(number: int, **cells) -> dict:
    """One row of the custody audit: its cells by heading."""
    row = {
        "Source": "Internal audit",
        "Report title": "Custody records audit 2026",
        "Published": datetime.date(2026, 5, 1),
        "Area": "Custody",
        "Kind": "Area for improvement",
        "Reference": f"CA {number}",
        "Text": f"The force should make sure custody record {number} shows the risk assessment.",
    }
    row.update(cells)
    return row


def workbook(rows: list[dict], header: list[str] = HEADER) -> bytes:
    sheet_book = Workbook()
    sheet = sheet_book.active
    assert sheet is not None
    sheet.title = "Findings"
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(heading) for heading in header])
    stream = io.BytesIO()
    sheet_book.save(stream)
    return stream.getvalue()


def upload(client, data: bytes, url: str = START, name: str = "findings.xlsx", **fields):
    return client.post(url, {"file": SimpleUploadedFile(name, data, XLSX), **fields})


def previewed(client, data: bytes, url: str = START, **fields) -> str:
    """Upload a file without errors; the preview's address."""
    response = upload(client, data, url, **fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"]


def confirm(client, preview_url: str, digest: str | None = None):
    page = client.get(preview_url).content.decode()
    shown = re.search(r'name="digest" value="([0-9a-f]+)"', page)
    assert shown is not None
    return client.post(preview_url, {"do": "confirm", "digest": digest or shown[1]})


def imported(client, data: bytes, url: str = START) -> None:
    """Upload a file without errors and confirm it."""
    done = confirm(client, previewed(client, data, url))
    assert done.status_code == 302, done.content.decode()[:3000]


def text(response) -> str:
    return " ".join(response.content.decode().split())


def counts() -> tuple[int, int, int]:
    return Inspection.objects.count(), Action.objects.count(), ActionEvent.objects.count()


@pytest.fixture(autouse=True)
def kept(settings, tmp_path):
    """Where uploads wait between the preview and the confirm, for this test only."""
    settings.FINDINGS_IMPORT_DIR = str(tmp_path / "spreadsheet-imports")
    return tmp_path / "spreadsheet-imports"


def files_in(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def importer(force):
    """Lancashire staff with the permission to import their force's findings."""
    user = make_user(username="importer", force=force)
    user.user_permissions.add(Permission.objects.get(codename="import_report"))
    return user


# Who may use it ---------------------------------------------------------------------------------


def test_staff_without_the_permission_are_refused(client, staff):
    client.force_login(staff)

    assert client.get(START).status_code == 403
    assert client.get(TEMPLATE).status_code == 403
    assert upload(client, workbook([finding(1)])).status_code == 403
    assert client.get(f"{START}abcdefghijklmnopqrstuvwx/").status_code == 403
    assert counts()[0] == 0


def test_an_inspector_imports_in_the_admin_not_on_the_site(client, inspector):
    client.force_login(inspector)

    assert client.get(START).status_code == 403
    assert client.get(ADMIN).status_code == 200
    assert client.get(ADMIN_TEMPLATE).status_code == 200


def test_force_staff_are_not_let_into_the_admins_import(client, importer):
    client.force_login(importer)

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_import_page_leads_to_the_spreadsheet_import_and_its_template(client, importer):
    client.force_login(importer)

    page = client.get("/inspections/import/").content.decode()

    assert f'href="{START}"' in page
    assert f'href="{TEMPLATE}"' in page
    assert "Import findings from a spreadsheet" in page


def test_the_admin_lists_the_spreadsheet_import_beside_the_report_import(client, inspector):
    client.force_login(inspector)

    page = client.get("/admin/tracker/inspection/").content.decode()

    assert f'href="{ADMIN}"' in page


def test_the_force_is_the_staff_members_own_and_not_chosen(client, importer):
    client.force_login(importer)

    page = client.get(START).content.decode()

    assert 'name="force"' not in page
    assert "Import findings from a spreadsheet for Lancashire Constabulary" in page


@pytest.mark.parametrize("url", [TEMPLATE, ADMIN_TEMPLATE])
def test_the_template_downloads_as_a_workbook_with_lists_for_kind_grade_and_status(
    client, importer, inspector, url
):
    client.force_login(inspector if url.startswith("/admin/") else importer)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="peel-findings-template.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["Findings"]
    headings = {cell.value: cell.column_letter for cell in sheet[1]}
    lists = {
        str(validation.sqref).split(":")[0]: validation.formula1
        for validation in sheet.data_validations.dataValidation
        if validation.type == "list"
    }
    assert "Area for improvement" in lists[f"{headings['Kind']}2"]
    assert "Requires improvement" in lists[f"{headings['Area grade']}2"]
    assert "In progress" in lists[f"{headings['Status']}2"]


def test_rows_of_another_force_are_refused_and_nothing_is_written(client, importer, kept):
    client.force_login(importer)

    response = upload(client, workbook([finding(1), finding(2, Force="Kent Police")]))

    assert response.status_code == 400
    assert (
        "Row 3, Force:</strong> Kent Police: this import is for Lancashire Constabulary only; "
        "leave it empty" in text(response)
    )
    assert counts() == (0, 0, 0)
    assert files_in(kept) == []


# Upload, preview, confirm -----------------------------------------------------------------------


def test_an_upload_is_previewed_then_imported_on_confirm(client, importer, colleague, kept):
    client.force_login(importer)
    rows = [
        finding(1, Owner="colleague", **{"Due date": datetime.date(2026, 9, 30)}),
        finding(2, Force="Lancashire"),
        finding(3, Kind="Cause of concern", Area="Leadership"),
    ]

    url = previewed(client, workbook(rows))
    page = client.get(url)

    assert page.status_code == 200
    assert counts() == (0, 0, 0)
    said = text(page)
    assert "Check what importing findings.xlsx will do" in said
    assert "<strong>3</strong> new" in said
    assert "<strong>1</strong> new report" in said
    assert "Lancashire Constabulary Custody records audit 2026" in said
    assert "owner: colleague" in said
    assert "due date: 2026-09-30" in said
    assert len(files_in(kept)) == 2  # the file, and what its preview shows

    done = confirm(client, url)

    report = Inspection.objects.get()
    assert done.status_code == 302
    assert done["Location"] == report.get_absolute_url()
    landed = client.get(done["Location"])
    assert "Imported findings.xlsx: 3 new, 0 updated, 0 unchanged; 1 new report." in text(landed)
    first = Action.objects.get(reference="CA 1")
    assert first.owner == colleague
    assert first.due_date == datetime.date(2026, 9, 30)
    assert first.created_by == importer
    assert set(first.events.values_list("via", flat=True)) == {ActionEvent.Via.WEB}
    assert Action.objects.get(reference="CA 3").kind == "cause_of_concern"
    assert files_in(kept) == []
    assert not client.session.get(SESSION_KEY)


def test_importing_the_same_file_again_is_all_unchanged(client, importer):
    client.force_login(importer)
    data = workbook([finding(1), finding(2)])
    imported(client, data)
    before = counts()

    url = previewed(client, data)
    said = text(client.get(url))
    done = confirm(client, url)

    assert "<strong>0</strong> new" in said
    assert "<strong>2</strong> unchanged" in said
    assert said.count(">Unchanged</span>") == 2
    assert done.status_code == 302
    assert counts() == before


def test_a_changed_owner_and_due_date_update_the_action(client, importer, lead, colleague):
    """Imported by staff with the permission; changed by the force lead, who may assign."""
    client.force_login(importer)
    imported(client, workbook([finding(1)]))

    client.force_login(lead)
    changed = finding(1, Owner="colleague", **{"Due date": "30/09/2026"})
    url = previewed(client, workbook([changed]))
    said = text(client.get(url))
    done = confirm(client, url)

    assert done.status_code == 302
    assert "<strong>1</strong> updated" in said
    assert "owner: unassigned → colleague" in said
    action = Action.objects.get()
    assert (action.owner, action.due_date) == (colleague, datetime.date(2026, 9, 30))


def test_staff_importing_may_not_assign_nor_change_an_action_they_do_not_own(
    client, importer, lead, colleague
):
    """Changed rule: the file's changes to an action are the permission table's too, said per
    row in the preview (a confirm would have failed on them)."""
    client.force_login(importer)
    imported(client, workbook([finding(n) for n in (1, 2, 3, 4)]))
    for reference in ("CA 3", "CA 4"):
        Action.objects.get(reference=reference).assign(importer, by=lead)
    before = counts()
    later = {"Due date": "30/09/2026"}

    rows = [
        finding(1, **later),
        finding(2),
        finding(3, Owner="colleague", **later),
        finding(4, **later),
    ]
    response = upload(client, workbook(rows))

    assert response.status_code == 400
    said = text(response)
    theirs, mine = Action.objects.get(reference="CA 1"), Action.objects.get(reference="CA 3")
    assert (
        f"Row 2:</strong> action {theirs.pk}: Only the action&#x27;s owner, a force lead or an "
        "inspector may change it." in said
    )
    assert (
        f"Row 4, Owner:</strong> action {mine.pk}: Only a force lead or an inspector may give "
        "an action an owner." in said
    )
    assert "findings.xlsx has 2 errors" in said  # not rows 3 and 5: unchanged, and their own
    assert counts() == before


def test_errors_name_the_row_and_column_and_nothing_is_written(client, importer, outsider, kept):
    client.force_login(importer)
    rows = [
        finding(1),
        finding(2, Owner="outsider"),
        finding(3, **{"Due date": "31/13/2026"}),
        finding(4, Kind="Observation"),
    ]

    response = upload(client, workbook(rows))

    assert response.status_code == 400
    said = text(response)
    assert "<title>Errors in findings.xlsx: Import findings from a spreadsheet" in said
    assert "findings.xlsx has 3 errors: nothing was imported" in said
    assert "Fix these rows in your file and upload it again. The other 1 row has no errors." in said
    assert "Row 3, Owner:</strong> “outsider” is a member of Kent Police, not of Lancashire" in said
    assert (
        "Row 4, Due date:</strong> “31/13/2026” is not a date; write it as 2026-09-30 or "
        "30/09/2026" in said
    )
    assert "Row 5, Kind:</strong> “Observation” is not one of" in said
    assert said.index("Row 3, Owner") < said.index('name="file"')  # errors first, then the form
    assert "Upload the corrected file" in said
    assert counts() == (0, 0, 0)
    assert files_in(kept) == []


def test_a_file_with_an_error_on_every_row_lists_the_first_five_hundred(client, importer):
    client.force_login(importer)

    response = upload(client, workbook([finding(n, Kind="?") for n in range(1, 601)]))

    said = text(response)
    assert "findings.xlsx has 600 errors" in said
    assert "Row 501, Kind" in said
    assert "Row 502, Kind" not in said
    assert "And 100 more, not listed here" in said


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("findings.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Excel 97–2003"),
        ("findings.docx", b"PK\x03\x04 a document", "not a spreadsheet this import reads"),
        ("findings.xlsx", b"PK\x03\x04 not really a workbook", "or it is damaged"),
        ("findings.csv", b"Name,Colour\nA,red\n", "its first row has no Source, Kind, Text"),
    ],
)
def test_a_file_the_reader_refuses_gets_its_message_beside_the_field(
    client, importer, kept, name, data, said
):
    client.force_login(importer)

    response = upload(client, data, name=name)

    assert response.status_code == 400
    assert said in response.content.decode()
    assert counts() == (0, 0, 0)
    assert files_in(kept) == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, importer, settings):
    settings.FINDINGS_IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(importer)

    response = upload(client, b"x" * (2 * 1024 * 1024), name="big.csv")

    assert response.status_code == 400
    assert "big.csv is 2.0 MB; at most 1 MB is accepted." in response.content.decode()


def test_no_file_is_asked_for_again(client, importer):
    client.force_login(importer)

    response = client.post(START, {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


# Between the preview and the confirm --------------------------------------------------------


def test_a_confirm_after_someone_changed_an_action_is_refused_and_writes_nothing(
    client, lead, colleague
):
    client.force_login(lead)
    imported(client, workbook([finding(1), finding(2)]))
    url = previewed(client, workbook([finding(1, Owner="colleague"), finding(2), finding(3)]))
    page = client.get(url).content.decode()
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page)[1]  # type: ignore[index]
    action = Action.objects.get(reference="CA 1")
    action.set_due_date(datetime.date(2026, 12, 31), by=lead)  # meanwhile, in another tab
    before = counts()

    refused = client.post(url, {"do": "confirm", "digest": digest})

    assert refused.status_code == 409
    assert "The tracker changed since this preview was shown" in text(refused)
    assert counts() == before
    assert Action.objects.get(reference="CA 1").owner is None
    again = confirm(client, url)  # the new preview, confirmed
    assert again.status_code == 302
    assert Action.objects.get(reference="CA 1").owner == colleague
    assert Action.objects.count() == 3


def test_a_confirm_from_a_page_older_than_the_preview_is_refused(client, importer):
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))

    refused = client.post(url, {"do": "confirm", "digest": "0" * 64})

    assert refused.status_code == 409
    assert counts() == (0, 0, 0)


def test_rows_that_became_wrong_since_the_preview_are_listed_and_nothing_is_written(
    client, importer, colleague, kept
):
    client.force_login(importer)
    url = previewed(client, workbook([finding(1, Owner="colleague")]))
    colleague.is_active = False
    colleague.save(update_fields=["is_active"])

    refused = confirm(client, url)

    assert refused.status_code == 409
    said = text(refused)
    assert "The tracker changed since the preview, and findings.xlsx has 1 error" in said
    assert "Row 2, Owner:</strong> “colleague” is a deactivated account" in said
    assert counts() == (0, 0, 0)
    assert files_in(kept) == []


def test_a_second_press_of_confirm_imports_once(client, importer, kept):
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))
    token = url.rstrip("/").rsplit("/", 1)[1]
    (kept / token).rename(kept / f"{token}.claimed")  # the first press, still importing

    second = confirm(client, url)

    assert second.status_code == 302
    assert "already being imported" in text(client.get(second["Location"]))
    assert counts() == (0, 0, 0)


def test_a_confirm_claimed_on_another_app_server_imports_nothing(client, importer, kept):
    """The claim is a database row, which every app server sees (the file may wait in S3,
    which cannot rename it): while another server's confirm holds it, a press imports nothing,
    and the preview can still be confirmed once that confirm has ended without importing."""
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))
    token = url.rstrip("/").rsplit("/", 1)[1]
    SpreadsheetImportClaim.objects.create(token=token)  # the other server, still importing

    second = confirm(client, url)

    assert second.status_code == 302
    assert "already being imported" in text(client.get(second["Location"]))
    assert counts() == (0, 0, 0)
    assert len(files_in(kept)) == 2
    SpreadsheetImportClaim.objects.filter(token=token).delete()  # it ended, importing nothing
    assert confirm(client, url).status_code == 302
    assert counts()[1] == 1
    assert not SpreadsheetImportClaim.objects.exists()


def test_a_claim_whose_confirm_never_ended_lapses(client, importer, kept):
    """A worker killed mid-confirm leaves its claim behind; after CLAIM_LASTS the next press
    imports (the file was never imported: it is still there)."""
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))
    token = url.rstrip("/").rsplit("/", 1)[1]
    SpreadsheetImportClaim.objects.create(
        token=token, claimed_at=timezone.now() - CLAIM_LASTS - datetime.timedelta(seconds=1)
    )

    assert confirm(client, url).status_code == 302
    assert counts()[1] == 1
    assert files_in(kept) == []


def test_without_a_folder_of_its_own_the_file_waits_in_the_evidence_storage(
    client, importer, settings, tmp_path
):
    """FINDINGS_IMPORT_DIR empty (the default): the upload waits in the default storage, the
    evidence's (MEDIA_ROOT here; the shared bucket when PEEL_EVIDENCE_STORAGE=s3), privately."""
    settings.FINDINGS_IMPORT_DIR = ""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    waiting = tmp_path / "media" / "spreadsheet-imports"
    client.force_login(importer)

    url = previewed(client, workbook([finding(1)]))

    token = url.rstrip("/").rsplit("/", 1)[1]
    assert files_in(waiting) == [token, f"{token}.json"]
    assert {(waiting / name).stat().st_mode & 0o777 for name in files_in(waiting)} == {0o640}
    assert client.get(url).status_code == 200
    assert confirm(client, url).status_code == 302
    assert counts()[1] == 1
    assert files_in(waiting) == []


def test_discarding_removes_the_file_and_writes_nothing(client, importer, kept):
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))

    response = client.post(url, {"do": "discard"})

    assert response.status_code == 302
    assert response["Location"] == START
    assert "Discarded findings.xlsx; nothing was imported." in text(client.get(START))
    assert files_in(kept) == []
    assert client.get(url).status_code == 302  # the preview has ended
    assert counts() == (0, 0, 0)


def test_files_left_for_a_day_are_removed_at_the_next_upload(client, importer, kept):
    kept.mkdir(parents=True)
    old = kept / "abandonedabandonedabandoned"
    old.write_bytes(b"someone's file")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    recent = kept / "recentrecentrecentrecent"
    recent.write_bytes(b"someone else's, being previewed")
    client.force_login(importer)

    previewed(client, workbook([finding(1)]))

    assert not old.exists()
    assert recent.exists()


def test_only_the_newest_three_previews_of_a_session_are_kept(client, importer, kept):
    client.force_login(importer)
    urls = [previewed(client, workbook([finding(n)])) for n in range(1, 5)]

    assert client.get(urls[0]).status_code == 302
    assert client.get(urls[3]).status_code == 200
    assert len(files_in(kept)) == 6


def test_a_preview_is_the_uploaders_alone(client, importer, force):
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))
    other = make_user(username="other", force=force)
    other.user_permissions.add(Permission.objects.get(codename="import_report"))
    client.force_login(other)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == START


def test_a_made_up_token_is_the_end_of_a_preview_not_an_error(client, importer):
    client.force_login(importer)

    assert client.get(f"{START}..%2F..%2Fetc/").status_code in (302, 404)
    assert client.get(f"{START}nothing-here/").status_code == 302


# Long files ---------------------------------------------------------------------------------


def test_a_long_preview_is_shown_a_hundred_rows_a_page_in_few_queries(
    client, importer, django_assert_max_num_queries
):
    client.force_login(importer)
    url = previewed(client, workbook([finding(n) for n in range(1, 251)]))

    # The session, the user, the user's permissions (may_import), the force of the preview.
    with django_assert_max_num_queries(5):
        first = client.get(url)
    last = client.get(f"{url}?page=3")

    said = text(first)
    assert "Rows 1–100 of 250" in said
    assert '<th scope="row">101</th>' in said
    assert '<th scope="row">102</th>' not in said
    assert 'href="?page=3"' in said
    assert "Rows 201–250 of 250" in text(last)
    assert '<th scope="row">251</th>' in text(last)


# The admin's entrance -----------------------------------------------------------------------


def test_an_inspector_imports_for_each_force_the_rows_name(client, inspector):
    client.force_login(inspector)
    rows = [finding(1, Force="Lancashire"), finding(2, Force="Kent Police")]

    url = previewed(client, workbook(rows), ADMIN)
    said = text(client.get(url))
    done = confirm(client, url)

    assert "each for the force it names" in said
    assert "<strong>2</strong> new reports" in said
    assert done["Location"] == "/admin/tracker/action/"
    forces = set(Action.objects.values_list("force__short_name", flat=True))
    assert forces == {"Lancashire", "Kent"}
    assert set(ActionEvent.objects.values_list("via", flat=True)) == {ActionEvent.Via.ADMIN}


def test_an_inspector_who_picks_a_force_imports_for_it_alone(client, inspector):
    client.force_login(inspector)
    kent = get_force("Kent")

    refused = upload(client, workbook([finding(1, Force="Lancashire")]), ADMIN, force=kent.pk)
    url = previewed(client, workbook([finding(1)]), ADMIN, force=kent.pk)
    done = confirm(client, url)

    assert refused.status_code == 400
    assert "this import is for Kent Police only" in text(refused)
    report = Inspection.objects.get()
    assert report.force == kent
    assert done["Location"] == (
        f"/admin/tracker/action/?force__id__exact={kent.pk}&inspection={report.pk}"
    )


def test_a_row_without_a_force_is_an_error_when_the_inspector_picked_none(client, inspector):
    client.force_login(inspector)

    response = upload(client, workbook([finding(1)]), ADMIN)

    assert response.status_code == 400
    assert "Row 2, Force:</strong> empty; name the force" in text(response)


def test_a_preview_begun_at_one_entrance_is_not_open_at_the_other(client, importer):
    client.force_login(importer)
    url = previewed(client, workbook([finding(1)]))
    token = url.rstrip("/").rsplit("/", 1)[1]
    session = client.session
    session[SESSION_KEY] = {token: {**session[SESSION_KEY][token], "entrance": "admin"}}
    session.save()

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == START


def test_a_file_that_cannot_be_kept_is_refused_with_a_message_not_an_error_page(
    client, importer, settings, tmp_path
):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_bytes(b"")
    settings.FINDINGS_IMPORT_DIR = str(blocked / "spreadsheet-imports")
    client.force_login(importer)

    response = upload(client, workbook([finding(1)]))

    assert response.status_code == 507
    assert "could not be kept on the server for its preview" in response.content.decode()
    assert counts() == (0, 0, 0)

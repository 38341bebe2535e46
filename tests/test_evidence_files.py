"""Evidence files: only honest documents and images are kept, privately, and only the
action's own force (and inspectors) can download them, as attachments."""

from __future__ import annotations

import errno
import hashlib
import io
import re
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction

from tests import evidence_samples as samples
from tests.evidence_samples import PDF, SAMPLES, upload
from tests.factories import make_action, make_user
from tracker import evidence
from tracker.evidence import check_upload, sanitise_name
from tracker.models import ActionEvent, EvidenceFile, EvidenceNote, StaleVersion

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
STORED_NAME = re.compile(r"^evidence/\d{4}/[0-9a-f]{32}$")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's"
)


@pytest.fixture
def storage(settings, tmp_path) -> dict[str, Path]:
    """MEDIA_ROOT and the upload temporary folder in tmp_path; every upload goes to disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    # Even the smallest upload becomes a temporary file, so a leftover one would show.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return {"media": settings.MEDIA_ROOT, "temp": settings.FILE_UPLOAD_TEMP_DIR}


def files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def post_note(client, action, *files, body="Dip sample attached.", version=None):
    return client.post(
        f"/actions/{action.pk}/note/",
        {
            "note-version": action.version if version is None else version,
            "note-kind": "impact",
            "note-body": body,
            "note-files": list(files),
        },
    )


def add_note_with_files(action, by, *files):
    """A note with files, their bytes stored."""
    return action.add_note("Evidence attached.", by=by, files=[check_upload(f) for f in files])


# What is accepted --------------------------------------------------------------------------


@pytest.mark.parametrize("extension", list(SAMPLES))
def test_each_allowed_type_is_accepted_as_its_own_type(extension):
    content = SAMPLES[extension]
    checked = check_upload(upload(f"evidence.{extension}", content))
    assert checked.content_type == evidence.ALLOWED_KINDS[extension].content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == f"evidence.{extension}"


def test_extensions_are_matched_whatever_their_case():
    assert check_upload(upload("SCAN.PNG", samples.png())).content_type == "image/png"
    assert check_upload(upload("photo.jpeg", samples.JPEG)).content_type == "image/jpeg"


def test_the_browsers_content_type_is_ignored_for_the_sniffed_one():
    checked = check_upload(upload("scan.png", samples.png(), content_type="text/html"))
    assert checked.content_type == "image/png"


def test_windows_1252_text_is_accepted():
    assert (
        check_upload(upload("notes.txt", "Café £5".encode("cp1252"))).content_type == "text/plain"
    )


def test_an_email_with_an_html_body_is_accepted_as_it_is_only_ever_downloaded():
    message = samples.EML.replace(b"96% of files checked.", b"<html><body>96%</body></html>")
    assert check_upload(upload("email.eml", message)).content_type == "message/rfc822"


def test_the_models_constraint_allows_exactly_the_allow_lists_types():
    constraint = next(
        c for c in EvidenceFile._meta.constraints if c.name.endswith("content_type_allowed")
    )
    assert sorted(dict(constraint.condition.children)["content_type__in"]) == sorted(
        {kind.content_type for kind in evidence.ALLOWED_KINDS.values()}
    )


# What is refused ---------------------------------------------------------------------------

REFUSED = {
    "html": ("page.html", b"<!DOCTYPE html><html><body>Hi</body></html>", ".html files are not"),
    "svg": ("chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', ".svg files are not"),
    "js": ("script.js", b"alert(document.cookie)", ".js files are not"),
    "exe": ("tool.exe", b"MZ\x90\x00\x03" + b"\x00" * 60, ".exe files are not"),
    "double extension": ("report.pdf.html", b"<html><script>x</script>", ".html files are not"),
    "hidden executable": ("minutes.exe.pdf", PDF, "hides a .exe extension"),
    "hidden page": ("notes.html.txt", b"plain words", "hides a .html extension"),
    "bidi override": ("invoice\u202efdp.exe", b"MZ\x90\x00", ".exe files are not"),
    "no extension": ("README", b"plain words", "has no extension"),
    "empty": ("empty.pdf", b"", "the file is empty"),
    "pdf named png": ("scan.png", PDF, "says PNG image but its content is a .pdf file"),
    "exe named pdf": ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60, "content is a .exe file"),
    "html named txt": (
        "notes.txt",
        b"<!DOCTYPE html><html><script>fetch('/actions/export.csv')</script></html>",
        "web-page markup",
    ),
    "script in a csv": ("data.csv", b"a,b\n1,<script>alert(1)</script>\n", "web-page markup"),
    "png then html (polyglot)": (
        "scan.png",
        samples.png() + b"<html><script>alert(1)</script>",
        "web-page markup",
    ),
    "pdf then html (polyglot)": ("report.pdf", PDF + b"<iframe src=x>", "web-page markup"),
    "any zip named docx": ("plan.docx", samples.plain_zip(), "content is a .zip file"),
    "workbook named docx": ("plan.docx", samples.ooxml("xlsx"), "content is a .xlsx file"),
    "text named docx": ("plan.docx", b"just text", "content is not a type we recognise"),
    "OLE file that is no email": ("mail.msg", samples.ole(("WordDocument", 2)), "not one"),
    "page named eml": ("mail.eml", b"<html><body>Hi</body></html>", "email's headers"),
    "utf-16 text": ("notes.txt", "notes".encode("utf-16"), "NUL bytes"),
    "binary named txt": ("notes.txt", b"\x81\x8d\x8f\x90\x9d\xff", "not readable text"),
}


@pytest.mark.parametrize(("name", "content", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_dangerous_or_dishonest_files_are_refused_saying_why(name, content, reason):
    with pytest.raises(ValidationError) as refused:
        check_upload(upload(name, content))
    assert reason in refused.value.messages[0]
    assert refused.value.messages[0].startswith(f"“{sanitise_name(name)}” was refused: ")


CHUNK = 64 * 1024  # how much of an upload Django reads at a time


@pytest.mark.parametrize(
    ("name", "markup", "at"),
    [
        ("notes.txt", b"<script>alert(1)</script>", 9_000),
        ("notes.txt", b"<iframe src=x>", 200_000),
        ("data.csv", b"<SCRIPT>", CHUNK - 3),  # split across two chunks
        ("data.csv", b"<!doctype html>", CHUNK * 2 - 7),
    ],
)
def test_markup_anywhere_in_a_text_file_is_refused(name, markup, at):
    content = (b"plain words, " * (at // 13 + 1))[:at] + markup + b"\nmore words\n"
    with pytest.raises(ValidationError, match="web-page markup"):
        check_upload(upload(name, content))


HIDDEN_EXTENSIONS = [
    *("chm", "php5", "phtml", "phar", "shtml", "jsp", "cshtml", "asa", "hta", "scr"),
    *("ps1", "jnlp", "msc", "appref-ms", "vbs", "wsf", "lnk", "reg", "gadget", "xll"),
]


@pytest.mark.parametrize("hidden", HIDDEN_EXTENSIONS)
def test_a_dangerous_extension_hidden_before_the_last_is_refused(hidden):
    with pytest.raises(ValidationError, match=rf"hides a \.{re.escape(hidden)} extension"):
        check_upload(upload(f"report.{hidden}.txt", b"plain words"))


@pytest.mark.parametrize("name", ["minutes.2025.03.txt", "v1.2 plan.final.txt", "a.b.c.txt"])
def test_names_with_harmless_dots_are_accepted(name):
    assert check_upload(upload(name, b"plain words")).original_name == name


def test_a_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_FILE_SIZE = 100
    with pytest.raises(ValidationError, match="each file may be at most 100"):
        check_upload(upload("report.pdf", PDF))


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("a\x00b.pdf", "ab.pdf"),
        ("line\r\nbreak.pdf", "linebreak.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ('what: "why"?.pdf', "what_ _why__.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("Café plan.pdf", "Café plan.pdf"),
        ("", "file"),
    ],
)
def test_names_are_cleaned_for_display(given, shown):
    assert sanitise_name(given) == shown


def test_a_long_name_is_cut_to_255_characters_keeping_its_extension():
    name = sanitise_name("x" * 300 + ".pdf")
    assert len(name) == 255
    assert name.endswith("x.pdf")


# Through the action page -------------------------------------------------------------------


def test_the_note_form_sends_files(signed_in, action):
    page = signed_in.get(f"/actions/{action.pk}/").content.decode()
    form = page[page.index('id="note-form"') :]
    form = form[: form.index("</form>")]
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input type="file" name="note-files"[^>]* multiple', form)
    assert 'accept=".pdf,.docx,' in form
    assert "Up to 10 files, each up to 20 MB" in form


@pytest.mark.parametrize(
    "refused", ["html", "svg", "js", "exe", "double extension", "pdf named png", "html named txt"]
)
def test_a_refused_file_saves_nothing_and_leaves_no_temporary_file(
    signed_in, action, storage, refused, django_capture_on_commit_callbacks
):
    name, content, reason = REFUSED[refused]
    good = upload("fine.pdf", PDF)
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_note(signed_in, action, good, upload(name, content, "application/pdf"))
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page
    assert "Choose the files again" in page
    assert "Dip sample attached.</textarea>" in page  # what was typed is kept
    assert not EvidenceNote.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert callbacks == []
    assert files_in(storage["media"]) == []
    assert files_in(storage["temp"]) == []


def test_a_file_over_the_limit_is_refused_on_the_page(signed_in, action, settings, storage):
    settings.EVIDENCE_MAX_FILE_SIZE = 100
    response = post_note(signed_in, action, upload("report.pdf", PDF))
    assert response.status_code == 400
    assert "each file may be at most 100" in response.content.decode()
    assert files_in(storage["temp"]) == []


def test_more_files_than_a_note_takes_are_refused(signed_in, action, storage):
    response = post_note(signed_in, action, *(upload(f"page{i}.pdf", PDF) for i in range(11)))
    assert response.status_code == 400
    assert "Attach at most 10 files to one note; you chose 11." in response.content.decode()
    assert not EvidenceNote.objects.exists()
    assert files_in(storage["temp"]) == []


def test_more_files_than_django_parses_is_a_400_not_a_500(signed_in, action, storage):
    response = post_note(signed_in, action, *(upload(f"page{i}.pdf", PDF) for i in range(101)))
    assert response.status_code == 400
    assert not EvidenceNote.objects.exists()
    assert files_in(storage["temp"]) == []


def test_a_note_with_an_empty_body_asks_for_the_files_again(signed_in, action, storage):
    response = post_note(signed_in, action, upload("fine.pdf", PDF), body="  ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Choose the files again" in page


def test_a_stale_note_with_files_asks_for_them_again(signed_in, staff, lead, action, storage):
    seen = action.version
    action.set_blocked("Waiting on the CPS", by=lead)
    response = post_note(signed_in, action, upload("dip sample.pdf", PDF), version=seen)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Choose the files again too (dip sample.pdf)" in page
    assert "Dip sample attached.</textarea>" in page
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (b"../../etc/passwd.pdf", "passwd.pdf"),
        (b"..\\..\\boot.pdf", "boot.pdf"),
        (b"a\x00b.pdf", "ab.pdf"),
        ("invoice\u202efdp.pdf".encode(), "invoicefdp.pdf"),
        (b"x" * 300 + b".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_a_hostile_file_name_in_the_request_is_cleaned(signed_in, action, storage, sent, shown):
    """The name as a hostile client writes it in the multipart body, not as a browser would."""
    boundary = "peel-boundary"
    fields = {"note-version": str(action.version), "note-kind": "progress", "note-body": "x"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="note-files"; filename="'.encode()
        + sent
        + b'"\r\nContent-Type: text/html\r\n\r\n'
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = signed_in.post(
        f"/actions/{action.pk}/note/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302
    stored = EvidenceFile.objects.get()
    assert (stored.original_name, stored.content_type) == (shown, "application/pdf")


@pytest.mark.django_db(transaction=True)
def test_accepted_files_are_stored_under_generated_names(client, storage):
    staff = make_user(username="staff")
    action = make_action(force=staff.force, owner=staff)
    client.force_login(staff)
    names = [f"evidence.{extension}" for extension in SAMPLES]
    for batch in (names[:6], names[6:]):
        response = post_note(client, action, *(upload(name, SAMPLES[name[9:]]) for name in batch))
        assert response.status_code == 302
        action.refresh_from_db()

    assert action.notes.count() == 2
    rows = list(EvidenceFile.objects.order_by("id"))
    assert [row.original_name for row in rows] == names
    for row in rows:
        content = SAMPLES[row.original_name.split(".")[-1]]
        path = storage["media"] / row.stored_name
        assert STORED_NAME.match(row.stored_name)
        assert path.read_bytes() == content
        assert row.sha256 == hashlib.sha256(content).hexdigest() and SHA256_HEX.match(row.sha256)
        assert row.size == len(content)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert len(files_in(storage["media"])) == len(SAMPLES)
    assert files_in(storage["temp"]) == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_note_transaction_leaves_no_file(storage, monkeypatch):
    staff = make_user(username="staff")
    action = make_action(force=staff.force, owner=staff)
    # Two files given one stored name: the second row breaks the unique constraint, after
    # the first file's bytes were written.
    monkeypatch.setattr(evidence, "new_stored_name", lambda: "evidence/2025/" + "0" * 32)
    files = [check_upload(upload("a.pdf", PDF)), check_upload(upload("b.png", samples.png()))]
    with pytest.raises(IntegrityError):
        action.add_note("Two files", by=staff, files=files)
    assert not EvidenceNote.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert files_in(storage["media"]) == []


def test_files_are_written_before_the_note_commits(
    staff, action, storage, django_capture_on_commit_callbacks
):
    """So that a failed write can still roll the note back (nothing waits for the commit)."""
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        add_note_with_files(action, staff, upload("a.pdf", PDF))
        assert [path.read_bytes() for path in files_in(storage["media"])] == [PDF]
    assert callbacks == []


def sent_as(name: str, content: bytes) -> io.BytesIO:
    """A file as the test client sends it, under its full name (an upload object's name is
    already cut to 255 characters)."""
    sent = io.BytesIO(content)
    sent.name = name
    return sent


def test_a_file_name_over_1_kb_is_refused_beside_the_field_and_the_note_is_kept(
    signed_in, action, storage
):
    response = post_note(signed_in, action, sent_as("a" * 1_100 + ".txt", samples.TXT))
    assert response.status_code == 400
    page = response.content.decode()
    error = page[page.index('id="id_note-files_error"') : page.index('id="id_note-files_helptext"')]
    assert "“aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa….txt” was refused" in error
    assert "its name is 1,104 bytes long, and a file name may be at most 1,024 bytes" in error
    assert "Dip sample attached.</textarea>" in page
    assert not EvidenceNote.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert files_in(storage["temp"]) == []


def test_a_long_name_in_bytes_is_measured_in_bytes(signed_in, action, storage):
    response = post_note(signed_in, action, sent_as("é" * 600 + ".txt", samples.TXT))
    assert response.status_code == 400
    assert "its name is 1,204 bytes long" in response.content.decode()


def test_a_name_too_long_for_djangos_parser_but_under_1_kb_is_cut_and_kept(
    signed_in, action, storage
):
    content = samples.TXT * 3_000  # several chunks
    response = post_note(signed_in, action, sent_as("b" * 1_000 + ".txt", content))
    assert response.status_code == 302
    stored = EvidenceFile.objects.get()
    assert stored.original_name == "b" * 251 + ".txt"
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert EvidenceNote.objects.get().body == "Dip sample attached."


@pytest.mark.parametrize("chunk_size", [1, 5, 64, 1_000])
def test_uploads_are_read_the_same_whatever_the_chunk_size(
    signed_in, action, storage, monkeypatch, chunk_size
):
    monkeypatch.setattr("tracker.uploads.CHUNK_SIZE", chunk_size)
    files = [sent_as("x" * 1_000 + ".pdf", PDF), sent_as("short.csv", samples.CSV)]
    response = post_note(signed_in, action, *files, body="Two files, one long name.")
    assert response.status_code == 302
    stored = {f.original_name[-9:]: f.sha256 for f in EvidenceFile.objects.all()}
    assert stored == {
        "xxxxx.pdf": hashlib.sha256(PDF).hexdigest(),
        "short.csv": hashlib.sha256(samples.CSV).hexdigest(),
    }
    assert EvidenceNote.objects.get().body == "Two files, one long name."


# When storage fails ------------------------------------------------------------------------

NOT_STORED = (
    "Nothing was saved: the files could not be stored. Try again, or ask your administrator "
    "if it keeps happening. Choose the files again"
)


def fill_the_disk(monkeypatch, after: int = 0) -> list[str]:
    """Storage whose writes, after the first `after`, stop part-way: no space left on device.

    Returns the names of the writes that succeeded.
    """
    real_save = FileSystemStorage._save
    written = []

    def save(storage, name, content):
        if len(written) < after:
            written.append(real_save(storage, name, content))
            return written[-1]
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(10))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    return written


def what_is_saved(action) -> tuple:
    action.refresh_from_db()
    return (
        action.version,
        EvidenceNote.objects.count(),
        EvidenceFile.objects.count(),
        ActionEvent.objects.count(),
    )


def test_when_storage_fails_nothing_is_saved_and_the_typed_text_is_kept(
    signed_in, action, storage, monkeypatch, caplog
):
    fill_the_disk(monkeypatch)
    before = what_is_saved(action)
    response = post_note(signed_in, action, upload("dip sample.pdf", PDF))
    assert response.status_code == 507
    page = response.content.decode()
    assert NOT_STORED in page
    assert "Dip sample attached.</textarea>" in page
    # Every form on the page, not only the note's, starts from the version that is saved.
    assert f'name="note-version" value="{before[0]}"' in page
    assert f'name="move-version" value="{before[0]}"' in page
    assert what_is_saved(action) == before
    assert files_in(storage["media"]) == []
    assert files_in(storage["temp"]) == []
    [record] = [r for r in caplog.records if r.name == "tracker.views"]
    assert record.levelname == "ERROR"
    assert record.getMessage() == (
        f"Note on action {action.pk} by staff not saved: its files could not be stored."
    )
    assert isinstance(record.exc_info[1], evidence.StorageFailed)
    assert "No space left on device" in caplog.text


def test_when_the_second_file_fails_the_first_files_bytes_are_deleted_too(
    signed_in, action, storage, monkeypatch
):
    written = fill_the_disk(monkeypatch, after=1)
    before = what_is_saved(action)
    response = post_note(signed_in, action, upload("a.pdf", PDF), upload("b.png", samples.png()))
    assert response.status_code == 507
    assert NOT_STORED in response.content.decode()
    assert len(written) == 1  # the first file's bytes were written…
    assert files_in(storage["media"]) == []  # …and deleted with the note
    assert what_is_saved(action) == before


def test_a_storage_failure_is_raised_as_storage_failed_and_saves_nothing(
    staff, action, storage, monkeypatch
):
    fill_the_disk(monkeypatch)
    before = what_is_saved(action)
    with pytest.raises(evidence.StorageFailed) as failed:
        add_note_with_files(action, staff, upload("a.pdf", PDF))
    assert failed.value.__cause__.errno == errno.ENOSPC
    assert action.version == before[0]  # the instance too, not only the database
    assert what_is_saved(action) == before
    assert files_in(storage["media"]) == []


def test_bytes_that_cannot_be_deleted_are_logged_and_the_storage_failure_still_raised(
    staff, action, storage, monkeypatch, caplog
):
    fill_the_disk(monkeypatch, after=1)

    def delete(storage, name):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(FileSystemStorage, "delete", delete)
    with pytest.raises(evidence.StorageFailed):
        add_note_with_files(action, staff, upload("a.pdf", PDF), upload("b.pdf", PDF))
    errors = [r for r in caplog.records if r.name == "tracker.evidence"]
    # The second file's part-written bytes, then the first file's.
    assert [r.levelname for r in errors] == ["ERROR", "ERROR"]
    assert all("could not be removed from storage" in r.getMessage() for r in errors)
    assert not EvidenceNote.objects.exists()


def test_bytes_the_storage_saved_under_another_name_are_a_storage_failure(
    staff, action, storage, monkeypatch
):
    # Storage saves under another name when the one asked for is taken (here by a stray file).
    taken = "evidence/2025/" + "0" * 32
    (storage["media"] / "evidence" / "2025").mkdir(parents=True)
    (storage["media"] / taken).write_bytes(b"stray")
    monkeypatch.setattr(evidence, "new_stored_name", lambda: taken)
    with pytest.raises(evidence.StorageFailed, match="not 'evidence/2025/0+'"):
        add_note_with_files(action, staff, upload("a.pdf", PDF))
    assert files_in(storage["media"]) == [storage["media"] / taken]
    assert not EvidenceNote.objects.exists()


def test_a_stale_note_writes_no_bytes(staff, lead, action, storage):
    seen = action.version
    action.set_blocked("Waiting on the CPS", by=lead)
    with pytest.raises(StaleVersion):
        action.add_note("Late", by=staff, version=seen, files=[check_upload(upload("a.pdf", PDF))])
    assert files_in(storage["media"]) == []


@pytest.mark.django_db(transaction=True)
def test_a_note_whose_commit_fails_leaves_no_bytes(storage, monkeypatch):
    staff = make_user(username="staff")
    action = make_action(force=staff.force, owner=staff)
    before = what_is_saved(action)
    stored_at_commit = []

    def commit():
        stored_at_commit.extend(files_in(storage["media"]))
        raise OperationalError("database is locked")

    monkeypatch.setattr(connection, "commit", commit)
    with pytest.raises(OperationalError):
        add_note_with_files(action, staff, upload("a.pdf", PDF), upload("b.png", samples.png()))
    monkeypatch.undo()
    assert len(stored_at_commit) == 2
    assert what_is_saved(action) == before
    assert files_in(storage["media"]) == []


# Append-only -------------------------------------------------------------------------------


@pytest.fixture
def stored(staff, action, storage) -> EvidenceFile:
    note = add_note_with_files(action, staff, upload("dip-sample.png", samples.png()))
    return note.files.get()


@pytest.mark.parametrize(
    "sql", ["UPDATE {table} SET original_name = 'other.pdf'", "DELETE FROM {table}"]
)
def test_evidence_files_cannot_be_changed_even_by_sql(stored, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(table=EvidenceFile._meta.db_table))
    stored.refresh_from_db()
    assert stored.original_name == "dip-sample.png"


def test_evidence_files_cannot_be_changed_through_the_orm(stored):
    stored.original_name = "other.pdf"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        stored.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EvidenceFile.objects.all().delete()


@on_postgresql
def test_evidence_files_cannot_be_truncated_on_postgresql(stored):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {EvidenceFile._meta.db_table}")


# On the page and in the admin --------------------------------------------------------------


def test_the_timeline_shows_each_files_name_size_and_hash_with_a_download_link(
    signed_in, action, stored
):
    page = signed_in.get(f"/actions/{action.pk}/").content.decode()
    note = page[page.index(f'id="note-{stored.note_id}"') :]
    assert f'<a href="/evidence/{stored.pk}/" class="note-file-name">dip-sample.png</a>' in note
    assert f"{stored.size}\xa0bytes" in note
    assert f"<code>{stored.sha256[:12]}…</code>" in note
    assert f'<code class="sha256">{stored.sha256}</code>' in note


def test_files_show_under_their_own_note_and_no_other(signed_in, action, staff, storage):
    before = action.add_note("Nothing attached to this one.", by=staff)
    with_files = add_note_with_files(action, staff, upload("minutes.pdf", PDF))
    after = action.add_note("Nor to this one.", by=staff)
    page = signed_in.get(f"/actions/{action.pk}/").content.decode()
    notes = {
        note.pk: re.split(r"</li>\s*<li", page[page.index(f'id="note-{note.pk}"') :])[0]
        for note in (before, with_files, after)
    }
    assert "minutes.pdf" in notes[with_files.pk]
    assert "note-files" not in notes[before.pk] + notes[after.pk]


def test_the_admin_shows_a_notes_files_read_only(client, inspector, stored):
    client.force_login(inspector)
    page = client.get(f"/admin/tracker/evidencenote/{stored.note_id}/change/").content.decode()
    assert f'<a href="/evidence/{stored.pk}/">dip-sample.png</a>' in page
    assert stored.sha256 in page
    assert 'name="files-0-original_name"' not in page  # nothing editable


# Downloads ---------------------------------------------------------------------------------


def test_the_actions_force_downloads_the_exact_bytes_as_an_attachment(signed_in, stored):
    response = signed_in.get(f"/evidence/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="dip-sample.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in response["Cache-Control"]


def test_a_non_ascii_name_is_offered_encoded(signed_in, staff, action, storage):
    note = add_note_with_files(action, staff, upload("Café plan.pdf", PDF))
    response = signed_in.get(f"/evidence/{note.files.get().pk}/")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Caf%C3%A9%20plan.pdf"


def test_inspectors_download_any_forces_files(client, inspector, stored):
    client.force_login(inspector)
    assert client.get(f"/evidence/{stored.pk}/").status_code == 200


def test_another_force_gets_a_404_and_the_attempt_is_logged(
    client, other_force, stored, security_log
):
    client.force_login(make_user(username="outsider", force=other_force))
    response = client.get(f"/evidence/{stored.pk}/")
    assert response.status_code == 404
    assert "dip-sample" not in response.content.decode()
    assert (
        f"event=other_force_404 user=outsider ip=127.0.0.1 model=evidence_file id={stored.pk}"
        in security_log.lines()
    )


def test_a_missing_id_is_the_same_404_and_not_logged(signed_in, stored, security_log):
    response = signed_in.get(f"/evidence/{stored.pk + 1000}/")
    assert response.status_code == 404
    assert not [line for line in security_log.lines() if "other_force_404" in line]


def test_signing_in_is_needed(client, stored):
    response = client.get(f"/evidence/{stored.pk}/")
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/evidence/{stored.pk}/"


def test_stored_files_have_no_public_url(signed_in, stored):
    assert signed_in.get(f"/media/{stored.stored_name}").status_code == 404
    assert signed_in.get(f"/{stored.stored_name}").status_code == 404


def test_a_file_missing_from_storage_is_a_404_that_says_so(signed_in, stored, storage):
    (storage["media"] / stored.stored_name).unlink()
    response = signed_in.get(f"/evidence/{stored.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "File missing" in page
    assert stored.sha256 in page

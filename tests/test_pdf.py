"""PDFs in (tracker/reports/pdf.py): PDFs the suite prints from real report text read exactly as
their text does; a scanned, encrypted, oversized or damaged PDF is a clear error."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from pypdf import PdfWriter

from tests.pdfs import make_pdf, needs_chromium
from tests.reports import EXCERPTS, PEEL_2021_ON, SAMPLE
from tracker.models import Action
from tracker.reports import decode_report, read_report_file
from tracker.reports.pdf import PdfError, pdf_pages, pdf_text
from tracker.reports.read import read_report
from tracker.reports.shape import document_json

REAL_TEXTS = [SAMPLE, *sorted(EXCERPTS.glob("*.txt")), *sorted(PEEL_2021_ON.glob("*.txt"))]


@pytest.fixture(scope="session")
def pdf_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("pdfs")


def comparable(document) -> dict:
    """The document, less where its lines were and what was taken out as PDF furniture."""
    data = document_json(document)
    data["warnings"] = [
        (w["message"], w["text"]) for w in data["warnings"] if "PDF artefact" not in w["message"]
    ]
    for finding in data["findings"]:
        finding.pop("line")
    return data


@needs_chromium
@pytest.mark.parametrize("path", REAL_TEXTS, ids=lambda path: path.stem)
def test_a_pdf_of_real_report_text_reads_exactly_as_the_text_does(path, pdf_folder):
    text = path.read_text(encoding="utf-8")
    data = make_pdf(text, pdf_folder)

    from_pdf = read_report(pdf_text(data))

    assert comparable(from_pdf) == comparable(read_report(text))


@needs_chromium
def test_the_sample_pdf_has_what_a_pdf_brings_and_it_is_all_taken_out(pdf_folder):
    data = make_pdf(SAMPLE.read_text(encoding="utf-8"), pdf_folder)

    pages = pdf_pages(data)
    assert len(pages) > 3
    assert all(page.startswith("HMICFRS – Skip to content") for page in pages)
    assert [page.rsplit("\n", 1)[-1] for page in pages] == [
        f"Page {n} of {len(pages)}" for n in range(1, len(pages) + 1)
    ]
    # Lines wrap mid-sentence in the PDF, and "anti-social" breaks at its hyphen.
    assert "tackling anti-\nsocial behaviour" in "\n".join(pages)
    text = pdf_text(data)
    assert "HMICFRS – Skip" not in text and "Page 1 of" not in text
    assert "tackling anti-social behaviour and keeping people safe?" in text


@needs_chromium
def test_import_report_reads_a_pdf_file(db, pdf_folder, tmp_path):
    path = tmp_path / "lancashire.pdf"
    path.write_bytes(make_pdf(SAMPLE.read_text(encoding="utf-8"), pdf_folder))
    out = io.StringIO()

    call_command("import_report", str(path), "--dry-run", "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert sum(len(q["areas_for_improvement"]) for q in document["questions"]) == 7

    call_command("import_report", str(path), stdout=io.StringIO())
    assert Action.objects.count() == 7
    assert read_report_file(path) == pdf_text(path.read_bytes())


def blank_pdf(**encrypt) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if encrypt:
        writer.encrypt(**encrypt)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_scanned_pdf_with_no_text_layer_is_refused():
    with pytest.raises(PdfError, match="no text layer"):
        pdf_text(blank_pdf())


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(PdfError, match="encrypted"):
        pdf_text(blank_pdf(user_password="secret", algorithm="RC4-128"))


def test_a_pdf_over_the_size_limit_is_refused_before_it_is_read():
    data = blank_pdf()

    with pytest.raises(PdfError, match=r"the PDF is \d+ bytes; the largest accepted is 100 bytes"):
        pdf_text(data, max_bytes=100)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\nnot really a pdf", "damaged"),
        (b"plain text", "not a PDF"),
    ],
)
def test_a_damaged_pdf_or_a_file_that_is_not_one_is_refused(data, message):
    with pytest.raises(PdfError, match=message) as caught:
        pdf_text(data)

    assert "\n" not in str(caught.value)


def test_decode_report_refuses_a_scanned_pdf_with_its_reason():
    with pytest.raises(PdfError, match="no text layer"):
        decode_report(blank_pdf())

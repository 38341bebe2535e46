"""The text of a report's PDF, with pypdf. No Django: the size limit is an argument.

`pdf_text(data, max_bytes=…)` returns the text as the readers expect a page saved from the
site: one paragraph a line, a blank line between paragraphs, with running headers, footers and
page numbers taken out and lines wrapped mid-sentence (and words hyphenated across them) joined
again. How: each page's lines are placed by their height on the page (pypdf's text visitor),
a gap wider than the usual line spacing is a paragraph break, pages are joined with a form feed
and cleaned by artefacts.py. `pdf_pages(data)` gives the placed lines before cleaning.

Each refusal is a `PdfError` (a `ReportParseError`) with one line for the user: not a PDF, a
damaged PDF, an encrypted PDF, a PDF larger than the limit, a scanned PDF with no text layer.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from tracker.reports.artefacts import PAGE_BREAK, Cleaned, remove_page_furniture, unwrap
from tracker.reports.parse import ReportParseError

PDF_MAGIC = b"%PDF-"
# A page with fewer characters than this is taken to have no text layer (a scan).
_MIN_TEXT_PER_PAGE = 20


class PdfError(ReportParseError):
    """A PDF whose text cannot be read."""


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC)


def _size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _reader(data: bytes, max_bytes: int | None):
    if max_bytes is not None and len(data) > max_bytes:
        raise PdfError(f"the PDF is {_size(len(data))}; the largest accepted is {_size(max_bytes)}")
    if not is_pdf(data):
        raise PdfError("the file is not a PDF")
    # pypdf is imported here so that the readers of text do not need it.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise PdfError(f"the PDF is damaged and cannot be read ({error})") from None
    if encrypted:
        # An owner password alone leaves the text readable; a user password does not.
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # pypdf raises several types for missing crypto support
            opened = False
        if not opened:
            raise PdfError(
                "the PDF is encrypted (password protected): save an unprotected copy, or "
                "copy its text, and import that"
            )
    return reader


def pdf_pages(data: bytes, *, max_bytes: int | None = None) -> list[str]:
    """Each page's lines, top to bottom, with a blank line at each paragraph gap."""
    reader = _reader(data, max_bytes)
    placed_pages = []
    try:
        for page in reader.pages:
            placed_pages.append(_placed_lines(page.extract_text))
    except PdfError:
        raise
    except Exception as error:  # a damaged content stream surfaces as many exception types
        raise PdfError(f"the PDF is damaged and its text cannot be read ({error})") from None
    # The usual line spacing is the smallest gap between lines that recurs in the document.
    gaps = sorted(
        round(above[1] - below[1], 1)
        for placed in placed_pages
        for above, below in zip(placed, placed[1:], strict=False)
        if above[1] is not None and below[1] is not None and above[1] - below[1] > 0.5
    )
    step = gaps[len(gaps) // 10] if gaps else 0.0
    pages = [_with_paragraph_gaps(placed, step) for placed in placed_pages]
    characters = sum(len("".join(page.split())) for page in pages)
    if characters < _MIN_TEXT_PER_PAGE * max(len(pages), 1):
        raise PdfError(
            "the PDF has no text layer (a scanned document?): only a PDF with text can be read; "
            "paste the findings as text instead"
        )
    return pages


def pdf_text(data: bytes, *, max_bytes: int | None = None) -> str:
    """The text of the PDF, cleaned as the readers want it (see the module's docstring)."""
    return clean_pdf_pages(pdf_pages(data, max_bytes=max_bytes)).text


def clean_pdf_pages(pages: list[str]) -> Cleaned:
    from tracker.reports.peel2021 import _stands_alone

    def stands_alone(line: str) -> bool:
        stripped = line.strip()
        return bool(
            _stands_alone(stripped)
            or (stripped.isdigit() and len(stripped) <= 2)  # a question number (2014–2019)
            or stripped.casefold().startswith("last updated")
        )

    cleaned = remove_page_furniture(
        "".join(page + PAGE_BREAK for page in pages), keep=_stands_alone
    )
    text = unwrap(cleaned.text, blank_lines_are_paragraphs=True, stands_alone=stands_alone)
    return Cleaned(text, cleaned.removed)


def _placed_lines(extract: Callable[..., str]) -> list[tuple[str, float | None]]:
    """Lines placed by height: pypdf's visitor sees the same pieces extract_text returns."""
    pieces: list[tuple[str, float | None]] = []

    def visit(text, cm, tm, font_dict, font_size):
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5] if text.strip() else None
        pieces.append((text, y))

    extract(visitor_text=visit)
    lines: list[list] = [["", None]]
    for text, y in pieces:
        parts = text.split("\n")
        for index, part in enumerate(parts):
            if index:
                lines.append(["", None])
            lines[-1][0] += part
            if y is not None and part.strip() and lines[-1][1] is None:
                lines[-1][1] = y
    placed = [(text.strip(), y) for text, y in lines if text.strip()]
    placed.sort(key=lambda item: -(item[1] if item[1] is not None else 0))
    return placed


def _with_paragraph_gaps(placed: list[tuple[str, float | None]], step: float) -> str:
    out: list[str] = []
    previous_y = None
    for text, y in placed:
        if previous_y is not None and y is not None and step and previous_y - y > step * 1.35:
            out.append("")
        out.append(text)
        previous_y = y
    return "\n".join(out)

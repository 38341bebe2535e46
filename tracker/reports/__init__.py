"""Reading HMICFRS report pages (read.py and the readers it calls, pure Python; PDFs through
pdf.py) and loading them (load.py)."""

from __future__ import annotations

from pathlib import Path

from tracker.reports.parse import ReportParseError
from tracker.reports.pdf import is_pdf, pdf_text


def read_report_file(path: str | Path) -> str:
    """The text of a saved report page; UTF-8 (with or without BOM), else Windows-1252."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ReportParseError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ReportParseError(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise ReportParseError(f"cannot read {path}: {error.strerror}") from None
    return decode_report(raw)


def decode_report(raw: bytes, *, max_bytes: int | None = None) -> str:
    """A page's text from its bytes: a PDF's text (pdf.py), else the text decoded."""
    if is_pdf(raw):
        return pdf_text(raw, max_bytes=max_bytes)
    if b"\x00" in raw:
        raise ReportParseError("the file is not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ReportParseError("the file is not text (neither UTF-8 nor Windows-1252)") from None

"""Evidence files: what may be attached to a note, and how the bytes are stored.

`check_upload()` is the one gate. A file is accepted only when its final extension is on the
allow-list below **and** its content is that type:

- binary documents and images are sniffed by `filetype` (the zipped office formats by the
  names of their first entries, so a .docx must really be a Word document, not any zip);
- an Outlook .msg must be an OLE compound file holding a message's property streams (olefile);
- csv, txt and eml have no magic number: they must decode as UTF-8 (or Windows-1252) and hold
  no NUL byte; a csv or txt holds no HTML or script markers anywhere (a viewer that renders
  them as a page would not stop at the part a browser sniffs), an eml none in its headers.

The type stored, and later sent, is the allow-list's, never the browser's `Content-Type`.
The name a user gave is kept only for display, cleaned by `sanitise_name()`; the bytes are
stored under a generated name (`evidence/<year>/<uuid4 hex>`) by `store()`, inside the note's
transaction (`Action.add_note`), and are read back only by the download view.
"""

from __future__ import annotations

import codecs
import email.parser
import email.policy
import errno
import hashlib
import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

# How much of the start of a file is sniffed, and searched for markup in a binary document.
# Browsers sniff at most the first 1,445 bytes (WHATWG MIME Sniffing); filetype reads 8,192.
HEAD_SIZE = 8192
MAX_NAME_LENGTH = 255
# A longer name is cut to MAX_NAME_LENGTH; one longer than this, in bytes as sent, is refused
# (tracker/uploads.py sets `sent_name_bytes` on such a file).
MAX_SENT_NAME_BYTES = 1024

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    # "sniff": filetype must report content_type; "text", "email", "outlook": see below.
    check: str = "sniff"


_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_POWERPOINT = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# The allow-list: final extension -> what the content must be, and the type it is sent as.
ALLOWED_KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF document", "application/pdf"),
    "docx": FileKind("Word document", _WORD),
    "xlsx": FileKind("Excel workbook", _EXCEL),
    "pptx": FileKind("PowerPoint presentation", _POWERPOINT),
    "odt": FileKind("OpenDocument text", "application/vnd.oasis.opendocument.text"),
    "ods": FileKind("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet"),
    "png": FileKind("PNG image", "image/png"),
    "jpg": FileKind("JPEG image", "image/jpeg"),
    "jpeg": FileKind("JPEG image", "image/jpeg"),
    "csv": FileKind("CSV file", "text/csv", check="text"),
    "txt": FileKind("text file", "text/plain", check="text"),
    "eml": FileKind("email message", "message/rfc822", check="email"),
    "msg": FileKind("Outlook message", "application/vnd.ms-outlook", check="outlook"),
}
CONTENT_TYPES = sorted({kind.content_type for kind in ALLOWED_KINDS.values()})
ACCEPT = ",".join(f".{extension}" for extension in ALLOWED_KINDS)
ACCEPTED_TEXT = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG, JPEG, .eml or .msg"

# Extensions that are refused anywhere in a name, so "minutes.exe.pdf" or "report.chm.txt"
# cannot pass as the harmless type its last extension claims. The list is a maintained one,
# not our own guess: the file types Microsoft's "Blocked attachments in Outlook" lists
# (programs, scripts, shortcuts, installers, help files and Access objects that Outlook
# refuses by default), with the server-side scripts OWASP's "Unrestricted File Upload" page
# names as ways round a short deny-list (php3 to php7, phtml, phar, shtml, jsp, asa…), and
# the web pages and images that a browser would run as a page (html, svg, xml…).
DANGEROUS_EXTENSIONS = frozenset(
    {
        # Microsoft, "Blocked attachments in Outlook".
        *("ade", "adp", "app", "application", "appref-ms", "asp", "aspx", "asx", "bas"),
        *("bat", "bgi", "cab", "cer", "chm", "cmd", "cnt", "com", "cpl", "crt", "csh", "der"),
        *("diagcab", "exe", "fxp", "gadget", "grp", "hlp", "hpj", "hta", "htc", "inf", "ins"),
        *("isp", "its", "jar", "jnlp", "js", "jse", "ksh", "lnk", "mad", "maf", "mag", "mam"),
        *("maq", "mar", "mas", "mat", "mau", "mav", "maw", "mcf", "mda", "mdb", "mde", "mdt"),
        *("mdw", "mdz", "msc", "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml", "msi"),
        *("msp", "mst", "msu", "ops", "osd", "pcd", "pif", "pl", "plg", "prf", "prg"),
        *("printerexport", "ps1", "ps1xml", "ps2", "ps2xml", "psc1", "psc2", "psd1", "psdm1"),
        *("pst", "py", "pyc", "pyo", "pyw", "pyz", "pyzw", "reg", "scf", "scr", "sct", "shb"),
        *("shs", "theme", "tmp", "url", "vb", "vbe", "vbp", "vbs", "vhd", "vhdx", "vsmacros"),
        *("vsw", "webpnp", "website", "ws", "wsb", "wsc", "wsf", "wsh", "xbap", "xll", "xnk"),
        # OWASP, "Unrestricted File Upload": server-side scripts.
        *("php", "php3", "php4", "php5", "php7", "phtml", "phar", "pht", "phps", "shtml"),
        *("asa", "asax", "ashx", "asmx", "cshtml", "jsp", "jspx", "cgi", "htaccess"),
        # Pages, and the rest of what this list always held.
        *("htm", "html", "xhtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "mjs"),
        *("psm1", "sh", "bash", "dll", "apk", "dmg", "iso", "swf", "desktop"),
    }
)

# Markup that makes a browser, or a careless viewer, treat bytes as a web page.
_PAGE_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")
# A text file has no business holding any markup at all.
_TEXT_MARKERS = (*_PAGE_MARKERS, b"<!doctype", b"<?xml", b"<object", b"<embed", b"<meta")

# Characters that never belong in a displayed file name: C0/C1 controls (NUL included) and
# "format" characters, which include the bidi overrides that make "invoice\u202efdp.exe"
# display as "invoiceexe.pdf", and zero-width characters.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Not allowed in a Windows file name, which is where downloads are saved.
_RESERVED = re.compile(r'[<>:"|?*]')
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed `check_upload()`: what the EvidenceFile row will record."""

    file: UploadedFile
    original_name: str
    content_type: str
    size: int
    sha256: str


def sanitise_name(name: str) -> str:
    """A file name safe to show and to offer as a download name.

    Only the last path part is kept (either slash); control, bidi and other invisible
    characters go; Windows' reserved characters become "_"; at most 255 characters, cut from
    the stem so the extension stays.
    """
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in _UNSAFE_CATEGORIES)
    name = _RESERVED.sub("_", name).strip().strip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if not stem:
        stem = "file"
    suffix = f".{extension}" if dot else ""
    if len(suffix) > MAX_NAME_LENGTH // 2:
        # An "extension" this long is not one; keep the start of the name instead.
        return name[:MAX_NAME_LENGTH]
    return stem[: MAX_NAME_LENGTH - len(suffix)].rstrip() + suffix


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Accept an allowed, honest file, or raise ValidationError saying why not."""
    name = sanitise_name(upload.name or "")
    sent_name_bytes = getattr(upload, "sent_name_bytes", 0)
    if sent_name_bytes > MAX_SENT_NAME_BYTES:
        raise _refusal(
            _abridged(name),
            f"its name is {sent_name_bytes:,} bytes long, and a file name may be at most "
            f"{MAX_SENT_NAME_BYTES:,} bytes. Rename the file with a shorter name.",
        )
    kind = _kind_for(name)
    max_size = settings.EVIDENCE_MAX_FILE_SIZE
    if not upload.size:
        raise _refusal(name, "the file is empty.")
    if upload.size > max_size:
        raise _refusal(
            name,
            f"it is {filesizeformat(upload.size)}; each file may be at most "
            f"{filesizeformat(max_size)}.",
        )
    upload.seek(0)
    head = upload.read(HEAD_SIZE)
    if kind.check == "sniff":
        _check_sniffed(name, kind, head)
    elif kind.check == "outlook":
        _check_outlook(name, upload)
    elif kind.check == "email":
        _check_email(name, head)
    if kind.check in ("text", "email"):
        markers = _TEXT_MARKERS if kind.check == "text" else ()
        sha256 = _check_text_and_hash(name, upload, markers)
    else:
        sha256 = _hash(upload)
    return CheckedFile(
        file=upload,
        original_name=name,
        content_type=kind.content_type,
        size=upload.size,
        sha256=sha256,
    )


def _abridged(name: str, keep: int = 40) -> str:
    """A long name as a reader can take it in: its start, an ellipsis, and its extension."""
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, dot, extension = name, "", ""
    return name if len(stem) <= keep else f"{stem[:keep]}…{dot}{extension}"


def _refusal(name: str, reason: str) -> ValidationError:
    return ValidationError(f"“{name}” was refused: {reason}", code="evidence_file")


def _kind_for(name: str) -> FileKind:
    parts = name.lower().split(".")
    if len(parts) < 2 or not parts[-1]:
        raise _refusal(name, f"it has no extension. Accepted: {ACCEPTED_TEXT}.")
    extension, inner = parts[-1], parts[1:-1]
    kind = ALLOWED_KINDS.get(extension)
    if kind is None:
        raise _refusal(name, f".{extension} files are not accepted. Accepted: {ACCEPTED_TEXT}.")
    hidden = [part for part in inner if part in DANGEROUS_EXTENSIONS]
    if hidden:
        raise _refusal(
            name,
            f"its name hides a .{hidden[0]} extension before the last one. Rename the file so "
            f"that only its real type's extension (.{extension}) is left.",
        )
    return kind


def _check_sniffed(name: str, kind: FileKind, head: bytes) -> None:
    guess = filetype.guess(head)
    if guess is None or guess.mime != kind.content_type:
        found = f"a .{guess.extension} file" if guess else "not a type we recognise"
        raise _refusal(
            name,
            f"its name says {kind.label} but its content is {found}. Upload the file as it "
            "was saved by the program that made it.",
        )
    _check_no_markup(name, head, _PAGE_MARKERS)


def _check_no_markup(name: str, head: bytes, markers: tuple[bytes, ...]) -> None:
    lowered = head.lower()
    found = next((marker for marker in markers if marker in lowered), None)
    if found is not None:
        raise _refusal(
            name,
            f"it contains web-page markup ({found.decode()}…), which a browser could run. "
            "Evidence must be a document, not a web page: save a web page as PDF.",
        )


def _check_outlook(name: str, upload: UploadedFile) -> None:
    """An Outlook message: an OLE compound file with a message's property stream."""
    upload.seek(0)
    try:
        ole = olefile.OleFileIO(upload.file)
        is_message = ole.exists("__properties_version1.0") and ole.exists("__nameid_version1.0")
    except Exception:  # noqa: BLE001 - olefile raises many types on a malformed file
        is_message = False
    if not is_message:
        raise _refusal(
            name,
            "its name says Outlook message but its content is not one. Save the email from "
            "Outlook again, or as .eml.",
        )


def _check_email(name: str, head: bytes) -> None:
    """An .eml file starts with an email's headers, From and Date among them.

    Only the headers are searched for markup: an email's body is often HTML, which is
    harmless in a file that is only ever downloaded, and opened by a mail program.
    """
    headers_end = re.search(rb"\r?\n\r?\n", head)
    headers = head[: headers_end.start()] if headers_end else head
    message = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(headers)
    if not _HEADER_LINE.match(head) or not message["From"] or not message["Date"]:
        raise _refusal(
            name,
            "its name says email message but it does not start with an email's headers "
            "(From, Date…). Save the email from your mail program as .eml.",
        )
    _check_no_markup(name, headers, _TEXT_MARKERS)


def _check_text_and_hash(name: str, upload: UploadedFile, markers: tuple[bytes, ...]) -> str:
    """Refuse anything but UTF-8 or Windows-1252 text without NUL bytes; return its SHA-256.

    `markers` are refused anywhere in the file, not only near its start.
    """
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    # The end of the previous chunk, so a marker split across two chunks is still found.
    overlap = max((len(marker) for marker in markers), default=1) - 1
    tail = b""
    for chunk in upload.chunks():
        digest.update(chunk)
        if markers:
            window = tail + chunk
            _check_no_markup(name, window, markers)
            tail = window[-overlap:]
        if b"\x00" in chunk:
            raise _refusal(
                name,
                "it holds binary data (NUL bytes), not text. Save it as UTF-8 text.",
            )
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if not is_utf8 and not _is_windows_1252(upload):
        raise _refusal(name, "it is not readable text. Save it as UTF-8 text.")
    return digest.hexdigest()


def _is_windows_1252(upload: UploadedFile) -> bool:
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        for chunk in upload.chunks():
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _hash(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


# Storage -------------------------------------------------------------------------------------


def new_stored_name() -> str:
    """Where the bytes go: nothing in it comes from the user."""
    return f"evidence/{timezone.now():%Y}/{uuid.uuid4().hex}"


class StorageFailed(OSError):
    """A file's bytes could not be written to storage, so its note was not saved."""


class StorageFull(StorageFailed):
    """The file store has no room left (ENOSPC, or a quota): its note was not saved."""


_FULL = {errno.ENOSPC, errno.EDQUOT}


def _is_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _FULL


def store(stored_name: str, upload: UploadedFile) -> None:
    """Write all the bytes under `stored_name`, or none of them and raise StorageFailed.

    Called once the file's row holds `stored_name` (it is unique), so no other note's bytes
    can be under it, and whatever a write that stopped part-way left there is deleted.
    """
    try:
        saved = storages["default"].save(stored_name, upload)
    except Exception as error:  # each storage backend raises its own errors (OSError, boto…)
        delete_stored([stored_name])
        failure = StorageFull if _is_full(error) else StorageFailed
        raise failure(f"Evidence could not be stored as {stored_name!r}.") from error
    if saved != stored_name:
        delete_stored([saved])
        raise StorageFailed(f"Evidence stored as {saved!r}, not {stored_name!r}.")


def delete_stored(stored_names: Iterable[str]) -> None:
    """Remove the bytes written for a note that was not saved; a name never written is fine.

    A failure is logged, not raised, so that it cannot hide why the note failed: what is left
    is bytes that no row points at, never a row without its bytes.
    """
    storage = storages["default"]
    for stored_name in stored_names:
        try:
            storage.delete(stored_name)
        except Exception:
            logger.exception("Unsaved evidence %r could not be removed from storage.", stored_name)


def open_stored(stored_name: str):
    """The stored bytes as a binary file; FileNotFoundError when they are missing."""
    return storages["default"].open(stored_name, "rb")

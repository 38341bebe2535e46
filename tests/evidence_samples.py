"""Tiny but real files of every allowed evidence type, built here rather than shipped.

Each is what the program that makes the type writes at its start, which is what the upload
check (tracker/evidence.py) sniffs: a zip whose first entries name the office format, an OLE
compound file with an Outlook message's property streams, and so on.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)


def png() -> bytes:
    """A 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# The start of a JPEG/JFIF file (SOI, APP0), then the end marker.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

_OOXML_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


def ooxml(extension: str) -> bytes:
    """An Office Open XML package laid out as Office writes it: [Content_Types].xml first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        package.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        package.writestr(_OOXML_PARTS[extension], '<?xml version="1.0"?><root/>')
    return out.getvalue()


def opendocument(mime: str) -> bytes:
    """An OpenDocument package: an uncompressed `mimetype` entry first, as the standard asks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", mime, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("notes.txt", "not an office document")
    return out.getvalue()


_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, right=_NONE, child=_NONE, start=_END) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NONE, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # created, modified
        + struct.pack("<IQ", start, 0)
    )


def ole(*entries: tuple[str, int]) -> bytes:
    """An OLE compound file (version 3): header, one FAT sector, one directory sector.

    `entries` are (name, kind) under the root, kind 1 a storage and 2 an (empty) stream,
    listed in the order the format sorts them (shorter names first).
    """
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    fat = struct.pack("<II", _FAT, _END) + struct.pack("<I", _FREE) * 126
    directory = _directory_entry("Root Entry", 5, child=1 if entries else _NONE)
    for index, (name, kind) in enumerate(entries, start=1):
        right = index + 1 if index < len(entries) else _NONE
        directory += _directory_entry(name, kind, right=right)
    directory = directory.ljust(512, b"\0")
    return header + fat + directory


def outlook_message() -> bytes:
    return ole(("__nameid_version1.0", 1), ("__properties_version1.0", 2))


EML = (
    b"From: Sam Okafor <sam.okafor@lancashire.police.example>\r\n"
    b"To: Alex Morgan <alex.morgan@inspectorate.example>\r\n"
    b"Date: Mon, 3 Mar 2025 09:30:00 +0000\r\n"
    b"Subject: Dip sample results\r\n"
    b"\r\n"
    b"96% of files checked.\r\n"
)
CSV = b"date,repeat_calls\n2025-01-31,112\n2025-02-28,98\n"
TXT = "Problem-solving plans reviewed monthly; repeat calls down 12% (£40k saved).\n".encode()

SAMPLES: dict[str, bytes] = {
    "pdf": PDF,
    "docx": ooxml("docx"),
    "xlsx": ooxml("xlsx"),
    "pptx": ooxml("pptx"),
    "odt": opendocument("application/vnd.oasis.opendocument.text"),
    "ods": opendocument("application/vnd.oasis.opendocument.spreadsheet"),
    "csv": CSV,
    "txt": TXT,
    "png": png(),
    "jpg": JPEG,
    "eml": EML,
    "msg": outlook_message(),
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)

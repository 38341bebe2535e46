"""Uploads whose file name is too long for Django's form parser.

Django refuses a whole multipart request when one part's headers exceed 1 KB
(`MAX_TOTAL_HEADER_SIZE`): a file with a very long name then costs the user everything they
typed beside it, with a bare "Bad Request" page. LongFileNameUploadHandler, first of
`FILE_UPLOAD_HANDLERS`, parses the request itself, through a stream that puts a short
placeholder in place of such a file name, and gives the file its real name back afterwards,
with `sent_name_bytes` set to the name's length in bytes. The form then refuses the file, or
keeps it, saying so beside the field (`evidence.check_upload()`), and the rest of the form
is kept.
"""

from __future__ import annotations

import uuid
from typing import IO, cast

from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import (  # type: ignore[attr-defined]  # not in django-stubs
    MAX_TOTAL_HEADER_SIZE,
    MultiPartParser,
)
from django.utils.http import parse_header_parameters

CHUNK_SIZE = 64 * 1024
# A part's headers longer than this are passed on untouched, for Django to refuse.
MAX_HEADERS_HELD = 64 * 1024
_END_OF_HEADERS = b"\r\n\r\n"


class LongFileNameUploadHandler(FileUploadHandler):
    """Parse multipart requests so that a long file name is a form error, not a bare 400."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        stream = _PlaceholderNames(input_data, boundary)
        assert self.request is not None  # Django gives upload handlers the request they parse
        others = [handler for handler in self.request.upload_handlers if handler is not self]
        # Not an IO, but read() is all the parser asks of its stream.
        parser = MultiPartParser(META, cast(IO[bytes], stream), others, encoding)
        post, files = parser.parse()
        for uploads in files.lists():
            for upload in uploads[1]:
                name = stream.names.get(upload.name)
                if name is not None:
                    upload.name = parser.sanitize_file_name(name) or "file"
                    upload.sent_name_bytes = len(name.encode())
        return post, files

    # Never called: the parser above is given the other handlers, and they store the files.
    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


class _PlaceholderNames:
    """A multipart body, read through: a part's headers too long for Django's parser get a
    placeholder for their file name; `names` maps each placeholder to the name it replaced."""

    def __init__(self, stream, boundary: bytes):
        self.names: dict[str, str] = {}
        self._pieces = self._rewritten(stream, b"--" + boundary)
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            piece = next(self._pieces, None)
            if piece is None:
                return b""
            self._pending = piece
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def _rewritten(self, stream, delimiter: bytes):
        buffer, in_headers = b"", False
        while True:
            chunk = stream.read(CHUNK_SIZE)
            buffer += chunk
            while buffer:
                if in_headers:
                    end = buffer.find(_END_OF_HEADERS)
                    if end == -1 and len(buffer) <= MAX_HEADERS_HELD and chunk:
                        break  # read on until the headers end
                    if end == -1:  # headers that never end: Django refuses them
                        yield buffer
                        buffer, in_headers = b"", False
                        continue
                    cut = end + len(_END_OF_HEADERS)
                    yield self._shortened(buffer[:cut], delimiter)
                    buffer, in_headers = buffer[cut:], False
                else:
                    start = buffer.find(delimiter)
                    if start == -1:
                        # Keep what could be the start of a delimiter split across chunks.
                        keep = len(delimiter) - 1 if chunk else 0
                        if len(buffer) > keep:
                            yield buffer[: len(buffer) - keep]
                            buffer = buffer[len(buffer) - keep :]
                        break
                    if start:
                        yield buffer[:start]
                    buffer, in_headers = buffer[start:], True
            if not chunk:
                if buffer:
                    yield buffer
                return

    def _shortened(self, headers: bytes, delimiter: bytes) -> bytes:
        """The delimiter and a part's headers, with a placeholder for a file name that makes
        them longer than Django's parser reads."""
        if len(headers) - len(delimiter) <= MAX_TOTAL_HEADER_SIZE:
            return headers
        lines = headers.split(b"\r\n")
        for index, line in enumerate(lines):
            if not line.lower().startswith(b"content-disposition:"):
                continue
            value = line.split(b":", 1)[1].decode(errors="replace")
            try:
                disposition, params = parse_header_parameters(value)
            except ValueError:
                return headers
            field, name = params.get("name", ""), params.get("filename")
            if name is None or any(char in field for char in '"\\\r\n'):
                return headers
            placeholder = uuid.uuid4().hex
            self.names[placeholder] = name
            lines[index] = (
                f'Content-Disposition: {disposition}; name="{field}"; filename="{placeholder}"'
            ).encode()
            return b"\r\n".join(lines)
        return headers

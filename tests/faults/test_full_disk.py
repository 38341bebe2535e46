"""The local file store full: evidence is refused whole and says why, a note without files
still saves, and nothing half-written is left on the disk.

MEDIA_ROOT is a real tmpfs of 1 MiB, filled with a file until the kernel says ENOSPC, then
given back 64 KiB: a 300 KB file starts to be written, and runs out of room part-way.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.factories import make_action, make_user
from tests.faults.conftest import small_tmpfs
from tracker.models import ActionEvent, EvidenceFile, EvidenceNote

ROOM_LEFT = 64 * 1024
LARGE = 300 * 1024


def pdf(size: int) -> bytes:
    """A PDF (as the evidence check sniffs it) of `size` bytes."""
    head = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    tail = b"trailer <</Root 1 0 R>>\n%%EOF\n"
    return head + b"%" + b"0" * (size - len(head) - len(tail) - 2) + b"\n" + tail


def fill(mountpoint: Path, leave: int) -> Path:
    """Write until the file system is full, then give `leave` bytes back."""
    filler = mountpoint / "filler"
    block = b"\0" * 65536
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    size = filler.stat().st_size
    with open(filler, "r+b") as out:
        out.truncate(size - leave)
    return filler


def free_bytes(mountpoint: Path) -> int:
    stats = os.statvfs(mountpoint)
    return stats.f_bavail * stats.f_frsize


def files_under(mountpoint: Path) -> list[str]:
    return sorted(
        str(path.relative_to(mountpoint))
        for path in mountpoint.rglob("*")
        if path.is_file() and path.name != "filler"
    )


def saved(action) -> tuple[int, int, int]:
    return (
        EvidenceNote.objects.filter(action=action).count(),
        EvidenceFile.objects.filter(note__action=action).count(),
        ActionEvent.objects.filter(action=action).count(),
    )


def post_note(client, action, body: str, files=()):
    action.refresh_from_db()
    data = {"note-version": action.version, "note-kind": "progress", "note-body": body}
    if files:
        data["note-files"] = list(files)
    return client.post(f"/actions/{action.pk}/note/", data)


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.deploy
@pytest.mark.parametrize(
    "in_memory_up_to", [2_621_440, 0], ids=["upload in memory", "upload in a temporary file"]
)
def test_a_full_file_store_refuses_evidence_whole_and_still_takes_notes(
    db, client, settings, tmp_path, in_memory_up_to
):
    staff = make_user(username="full-disk-staff")
    action = make_action(owner=staff)
    client.force_login(staff)
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    # Django keeps an upload in memory up to this size, else in a temporary file it then moves.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = in_memory_up_to
    with small_tmpfs(tmp_path / "media", "1m") as media:
        settings.MEDIA_ROOT = media
        fill(media, leave=ROOM_LEFT)
        room = free_bytes(media)
        assert ROOM_LEFT - 4096 <= room <= ROOM_LEFT + 4096

        before = saved(action)
        typed = "Audit of 40 crime files attached (the full audit)."
        response = post_note(client, action, typed, [upload("crime audit.pdf", pdf(LARGE))])
        page = response.content.decode()
        assert response.status_code == 507
        assert "The file store is full" in page
        assert "A note without files can still be saved." in page
        assert "Nothing was saved" in page
        assert f"{typed}</textarea>" in page  # what they typed is kept
        assert saved(action) == before  # no note, no file row, no event
        assert files_under(media) == []  # nothing half-written…
        assert free_bytes(media) == room  # …and the bytes it had written are given back
        assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []

        response = post_note(client, action, "Audit booked for next week; file to follow.")
        assert response.status_code == 302
        assert saved(action) == (before[0] + 1, before[1], before[2] + 1)

        # A file that fits is kept: the refusal was for want of room, nothing else.
        response = post_note(client, action, "Terms of reference.", [upload("tor.pdf", pdf(8000))])
        assert response.status_code == 302
        [kept] = EvidenceFile.objects.filter(note__action=action)
        assert files_under(media) == [kept.stored_name]
        assert (media / kept.stored_name).stat().st_size == 8000

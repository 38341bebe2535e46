"""The object store down: a note with files is refused whole, at once, with a clear message
and what was typed kept; a note without files still saves; once the store is back, a note with
files saves again. The store is moto's S3 server, really stopped (its process ended) and
started again; the app's storage is configured exactly as peel/settings.py configures it for
PEEL_EVIDENCE_STORAGE=s3 (2 s connect timeout, 2 attempts).
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.evidence_samples import PDF
from tests.factories import make_action, make_user
from tests.faults.conftest import s3_evidence_storage
from tests.services import missing, object_store
from tracker.models import ActionEvent, EvidenceFile, EvidenceNote

NOT_STORED = "Nothing was saved: the files could not be stored."


def post_note(client, action, body: str, *files):
    action.refresh_from_db()
    data = {"note-version": action.version, "note-kind": "impact", "note-body": body}
    if files:
        data["note-files"] = list(files)
    started = time.monotonic()
    response = client.post(f"/actions/{action.pk}/note/", data)
    return response, time.monotonic() - started


def pdf(name: str):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def saved(action) -> tuple[int, int, int]:
    return (
        EvidenceNote.objects.filter(action=action).count(),
        EvidenceFile.objects.filter(note__action=action).count(),
        ActionEvent.objects.filter(action=action).count(),
    )


@pytest.mark.deploy
def test_the_object_store_down_refuses_files_whole_and_comes_back(
    db, client, settings, folder, monkeypatch
):
    if missing("moto_server"):
        from tests.faults.conftest import skip_or_fail

        skip_or_fail("the object store test needs moto_server (pip install moto[server])")
    staff = make_user(username="store-staff")
    action = make_action(owner=staff)
    client.force_login(staff)
    with object_store(folder) as store:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_evidence_storage(store, monkeypatch),
        }

        response, _ = post_note(client, action, "Before: the force's audit.", pdf("before.pdf"))
        assert response.status_code == 302
        assert store.keys() == [EvidenceFile.objects.get().stored_name]

        store.stop()
        assert not store.process.running
        before = saved(action)
        typed = "Dip sample of 20 domestic abuse cases, attached."
        response, refused_in = post_note(client, action, typed, pdf("dip sample.pdf"))
        page = response.content.decode()
        assert response.status_code == 507
        assert NOT_STORED in page and "Try again" in page
        assert "The file store is full" not in page  # it is not full: it cannot be reached
        assert f"{typed}</textarea>" in page
        assert saved(action) == before  # no note, no file row, no event
        assert refused_in < 10, f"the refusal took {refused_in:.1f} s"

        response, _ = post_note(client, action, "Cases reviewed; summary to follow.")
        assert response.status_code == 302
        assert saved(action) == (before[0] + 1, before[1], before[2] + 1)

        store.start()  # moto keeps objects in memory: it comes back empty, as a new bucket
        store.create_bucket()
        response, _ = post_note(client, action, "After: the summary.", pdf("summary.pdf"))
        assert response.status_code == 302
        latest = EvidenceNote.objects.filter(action=action).latest("pk")
        [stored] = latest.files.all()
        assert latest.body == "After: the summary."
        # The store holds this note's file and nothing else: the refused note left no object.
        assert store.keys() == [stored.stored_name]
        assert (
            store.client().get_object(Bucket=store.bucket, Key=stored.stored_name)["Body"].read()
            == PDF
        )
    print(f"\nobject store down: the note with files refused in {refused_in:.2f} s")

"""Import limits: a page too large, or with too many findings, is refused before any write.

The limits (settings.IMPORT_MAX_BYTES, 2 MB, and IMPORT_MAX_FINDINGS, 1,000) hold for
`manage.py import_report` (a file or standard input), the admin's import and the loader.
"""

from __future__ import annotations

import io
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.reports import SAMPLE
from tracker.models import Action, ActionEvent, Inspection, Question
from tracker.reports.load import ReportImportError, load_report
from tracker.reports.parse import parse_report

IMPORT = "/admin/tracker/inspection/import/"
TOO_LARGE = "The page is 3.1 MB; the largest accepted is 2 MB."
MB = 1024 * 1024


def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def with_areas(count: int) -> str:
    """The sample page with `count` more areas for improvement under its first question."""
    areas = "- An area.\n" * count
    return sample().replace("Areas for improvement\n\n", f"Areas for improvement\n\n{areas}", 1)


def with_questions(count: int) -> str:
    """The sample page with `count` more questions after its last, none with areas."""
    return sample() + "".join(f"\nHow well does the force do thing {n}?" for n in range(count))


def padded(size: int, line: str = "The force's approach is good; it should continue. " * 20) -> str:
    """The sample page padded with lines of narrative to `size` bytes of UTF-8."""
    text = sample()
    lines, rest = divmod(size - len(text.encode()), len(line.encode()) + 1)
    return text + (line + "\n") * lines + "x" * rest


def rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Inspection, Question, Action, ActionEvent))


def run(*args, stdin: bytes | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    out = io.StringIO()
    call_command("import_report", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def admin_import(client, *, text="", upload: bytes | None = None, **extra):
    data = {"text": text, **extra}
    if upload is not None:
        data["file"] = SimpleUploadedFile("page.txt", upload, content_type="text/plain")
    return client.post(IMPORT, data)


# The size limit ---------------------------------------------------------------------------------


def test_the_command_refuses_a_file_over_the_size_limit_before_reading_it(db, tmp_path):
    before = rows()
    path = tmp_path / "page.txt"
    path.write_text(padded(int(3.1 * MB)), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(path)
    assert str(refused.value) == f"{path}: {TOO_LARGE}"
    assert rows() == before


def test_the_command_refuses_standard_input_over_the_size_limit(db, monkeypatch):
    before = rows()
    with pytest.raises(CommandError) as refused:
        run("-", stdin=padded(int(3.1 * MB)).encode(), monkeypatch=monkeypatch)
    assert str(refused.value) == f"-: {TOO_LARGE}"
    assert rows() == before


def test_a_page_within_the_size_limit_imports_from_standard_input(db, monkeypatch):
    out = run("-", stdin=padded(int(1.9 * MB)).encode(), monkeypatch=monkeypatch)
    assert out.startswith("Imported Lancashire Constabulary PEEL 2016 Effectiveness")


def test_the_size_limit_is_a_setting(db, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 8 * 1024
    with pytest.raises(CommandError, match=r"The page is 11\.2 KB; the largest accepted is 8 KB\."):
        run(SAMPLE)
    assert not Inspection.objects.exists()


def test_the_admin_refuses_an_upload_over_the_size_limit(client, inspector):
    client.force_login(inspector)
    before = rows()
    response = admin_import(client, upload=padded(int(3.1 * MB)).encode())
    assert response.status_code == 400
    assert TOO_LARGE in response.content.decode()
    assert b"Check what will be created" not in response.content
    assert rows() == before


def test_the_admin_refuses_a_pasted_page_over_the_size_limit_before_the_preview(client, inspector):
    client.force_login(inspector)
    before = rows()
    page = padded(int(3.1 * MB))
    for extra in ({}, {"force": "Lancashire"}):
        response = admin_import(client, text=page, **extra)
        assert response.status_code == 400
        assert TOO_LARGE in response.content.decode()
    assert rows() == before


def test_the_loader_refuses_a_page_over_the_size_limit(db):
    page = padded(int(3.1 * MB))
    with pytest.raises(ReportImportError, match="The page is 3.1 MB"):
        load_report(parse_report(sample()), source_text=page)
    assert not Inspection.objects.exists()


# The findings limit -----------------------------------------------------------------------------


def test_the_command_refuses_more_areas_for_improvement_than_the_limit(db, tmp_path):
    before = rows()
    path = tmp_path / "page.txt"
    path.write_text(with_areas(150_000 - 7), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(path)
    assert str(refused.value) == (
        f"{path}: The page lists 150,000 areas for improvement; "
        "at most 1,000 are accepted in one report."
    )
    assert rows() == before


def test_a_page_at_the_findings_limit_imports(db, tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(with_areas(1000 - 7), encoding="utf-8")
    assert "1000 areas for improvement" in run(path)
    assert Action.objects.count() == 1000


def test_the_command_refuses_one_finding_over_the_limit_from_standard_input(db, monkeypatch):
    with pytest.raises(CommandError, match="lists 1,001 areas for improvement; at most 1,000"):
        run("-", stdin=with_areas(1001 - 7).encode(), monkeypatch=monkeypatch)
    assert not Inspection.objects.exists()


def test_the_command_refuses_more_questions_than_the_limit(db, tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(with_questions(1001), encoding="utf-8")
    with pytest.raises(CommandError, match="lists 1,006 questions; at most 1,000"):
        run(path)
    assert not Inspection.objects.exists()


def test_the_admin_refuses_more_areas_for_improvement_than_the_limit(client, inspector):
    client.force_login(inspector)
    before = rows()
    response = admin_import(client, upload=with_areas(1001 - 7).encode())
    assert response.status_code == 400
    assert (
        "The page lists 1,001 areas for improvement; at most 1,000 are accepted in one report."
    ) in response.content.decode()
    assert rows() == before


def test_the_findings_limit_is_a_setting(db, settings):
    settings.IMPORT_MAX_FINDINGS = 5
    with pytest.raises(CommandError, match="lists 7 areas for improvement; at most 5 are"):
        run(SAMPLE)
    assert not Inspection.objects.exists()


# The columns' own limit (PositiveSmallIntegerField) -------------------------------------------


def test_more_areas_than_a_position_can_hold_are_refused_even_with_the_limit_raised(
    db, tmp_path, settings
):
    settings.IMPORT_MAX_FINDINGS = 100_000
    path = tmp_path / "page.txt"
    path.write_text(with_areas(32_768), encoding="utf-8")
    with pytest.raises(CommandError, match="at most 32,767 can be stored"):
        run(path)
    assert not Inspection.objects.exists()


def test_a_replace_that_would_pass_the_largest_position_changes_nothing(db, force):
    text = sample()
    report = load_report(parse_report(text), source_text=text).inspection
    question = report.questions.get(number=1)
    Action.objects.filter(question=question).update(position=32_767)
    before = rows()
    changed = text.replace("Areas for improvement\n\n", "Areas for improvement\n\n  • New.\n", 1)
    with pytest.raises(ReportImportError, match="up to position 32,767"):
        load_report(parse_report(changed), source_text=changed, replace=True)
    assert rows() == before
    assert not Action.objects.filter(text="New.").exists()

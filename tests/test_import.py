"""Importing a report page: the loader (atomic) and `manage.py import_report`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.factories import make_user
from tests.reports import EXCERPTS, SAMPLE
from tracker.models import Action, ActionEvent, Grade, Inspection, Question, Status
from tracker.reports.errors import AlreadyImported, ReportError
from tracker.reports.imports import import_report
from tracker.reports.load import load_report
from tracker.reports.parse import parse_report


def run(*args) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_report", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_importing_the_sample_makes_one_action_per_area_for_improvement(db):
    out, _ = run(SAMPLE)
    assert out.strip() == (
        "Imported Lancashire Constabulary PEEL 2016 Effectiveness: "
        "5 questions, 7 areas for improvement"
    )
    inspection = Inspection.objects.get()
    assert inspection.grade == Grade.GOOD
    assert inspection.last_updated.isoformat() == "2017-03-02"
    assert inspection.source_text == SAMPLE.read_text(encoding="utf-8")
    counts = [q.actions.count() for q in inspection.questions.order_by("number")]
    assert counts == [1, 4, 1, 1, 0]
    assert inspection.questions.get(number=5).grade == Grade.UNGRADED
    assert all(a.force.name == "Lancashire Constabulary" for a in Action.objects.all())
    assert ActionEvent.objects.filter(kind=ActionEvent.Kind.IMPORTED).count() == 7


def test_dry_run_json_prints_the_design_shape_and_writes_nothing(db):
    # Changed by issue 13: today's keys come first, unchanged, and the keys every format has
    # (docs/import-format.md, `document_json`) are added after them.
    out, _ = run(SAMPLE, "--dry-run", "--json")
    document = json.loads(out)
    assert list(document) == [
        "force",
        "programme",
        "year",
        "pillar",
        "title",
        "grade",
        "last_updated",
        "questions",
        "format",
        "cycle",
        "published",
        "sent",
        "counts",
        "areas",
        "findings",
        "warnings",
    ]
    assert document["format"] == "peel-2014-2019"
    assert [f["kind"] for f in document["findings"]] == ["area-for-improvement"] * 7
    assert document["force"] == "Lancashire Constabulary"
    assert document["year"] == 2016 and document["last_updated"] == "2017-03-02"
    assert (
        document["title"] == "How effective is the force at keeping people safe and reducing crime?"
    )
    assert [q["grade"] for q in document["questions"]] == ["Good"] * 4 + ["Ungraded"]
    assert sum(len(q["areas_for_improvement"]) for q in document["questions"]) == 7
    assert not Inspection.objects.exists()


def test_a_grade_keeps_its_label_in_json(db, tmp_path):
    page = SAMPLE.read_text(encoding="utf-8").replace("\nGood\n", "\nRequires improvement\n", 1)
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    document = json.loads(run(path, "--dry-run", "--json")[0])
    assert document["grade"] == "Requires improvement"


def test_importing_the_same_report_twice_is_refused_with_a_clear_message(db):
    run(SAMPLE)
    with pytest.raises(CommandError, match="already imported.*--replace"):
        run(SAMPLE)
    assert Action.objects.count() == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe binary", "not text"),
        (
            b"Dear Chief Constable,\n\nThank you for your letter of 3 March.\n\nYours sincerely\n",
            "does not look like",
        ),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_and_writes_nothing(db, tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as raised:
        run(path)
    assert "\n" not in str(raised.value)
    assert not Inspection.objects.exists()


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.txt")


def test_an_unknown_force_is_an_error_not_a_new_force(db, tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("Lancashire PEEL", "Atlantis PEEL"))
    with pytest.raises(CommandError, match="Unknown force 'Atlantis'"):
        run(path)
    assert not Inspection.objects.exists()


def test_force_option_overrides_the_page(db):
    run(SAMPLE, "--force", "Kent Police")
    assert Inspection.objects.get().force.short_name == "Kent"


def test_source_url_is_kept(db):
    run(SAMPLE, "--source-url", "https://www.justiceinspectorates.gov.uk/hmicfrs/peel/lancashire")
    assert Inspection.objects.get().source_url.endswith("/lancashire")


def test_a_failure_half_way_writes_nothing(db, monkeypatch):
    from tracker.reports import load

    calls = {"n": 0}
    real_save_question = load._save_question

    def fail_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_save_question(*args, **kwargs)

    monkeypatch.setattr(load, "_save_question", fail_on_third)
    text = SAMPLE.read_text(encoding="utf-8")
    with pytest.raises(RuntimeError):
        load_report(parse_report(text), source_text=text)
    assert not Inspection.objects.exists()
    assert not Question.objects.exists()
    assert not Action.objects.exists()


def test_replace_keeps_notes_owners_and_statuses_and_says_what_changed(db, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    load_report(parse_report(text), source_text=text)
    staff = make_user()
    lead = make_user(force_role="lead")
    kept = Action.objects.get(question__number=1)
    kept.assign(staff, by=lead)
    kept.move_to(Status.IN_PROGRESS, by=staff)
    kept.add_note("Problem-solving training delivered.", by=staff)
    dropped = Action.objects.get(question__number=3)

    changed = text.replace(dropped.text, "The constabulary must answer 999 calls faster.")
    changed = changed.replace(
        "How effective is the force at tackling serious and organised crime?\n\nGood",
        "How effective is the force at tackling serious and organised crime?\n\nInadequate",
    )
    result = load_report(parse_report(changed), source_text=changed, replace=True)

    kept.refresh_from_db()
    assert kept.owner == staff and kept.status == Status.IN_PROGRESS
    assert kept.notes.count() == 1
    dropped.refresh_from_db()
    assert dropped.status == Status.SUPERSEDED
    assert Action.objects.filter(text="The constabulary must answer 999 calls faster.").exists()
    assert "Q4 grade Good → Inadequate" in result.summary
    assert "Q3: 1 AFI(s) new or reworded, 1 superseded" in result.summary
    assert Inspection.objects.get().questions.get(number=4).grade == Grade.INADEQUATE


def test_replace_with_the_same_page_changes_nothing(db):
    run(SAMPLE)
    out, _ = run(SAMPLE, "--replace")
    assert out.strip().endswith("no changes")
    assert Action.objects.count() == 7


@pytest.mark.parametrize("path", sorted(EXCERPTS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_excerpt_either_imports_or_is_refused_cleanly(db, path):
    try:
        run(path)
    except CommandError as error:
        assert "\n" not in str(error)
        assert not Inspection.objects.exists()
    else:
        assert Inspection.objects.count() == 1


def test_demo_is_idempotent_and_refuses_without_debug(db, settings):
    from io import StringIO

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo", stdout=StringIO())
    settings.DEBUG = True
    out = StringIO()
    call_command("demo", "--password", "a-long-demo-password", stdout=out)
    call_command("demo", stdout=out)
    assert Inspection.objects.count() == 1 and Action.objects.count() == 7
    from django.contrib.auth import authenticate

    assert (
        authenticate(username="staff", password="a-long-demo-password").force.short_name
        == "Lancashire"
    )
    assert authenticate(username="inspector", password="a-long-demo-password").is_inspector
    assert "passwords unchanged" in out.getvalue()
    assert Action.objects.overdue().exists()


# One entry point: the command, the admin and demo all import through import_report ----------


def test_importing_a_report_already_there_raises_already_imported_with_that_report(db):
    first = import_report(SAMPLE.read_text(encoding="utf-8"))

    with pytest.raises(AlreadyImported) as refused:
        import_report(SAMPLE.read_text(encoding="utf-8"))

    assert refused.value.report == first.inspection
    assert str(refused.value) == (
        f"Lancashire Constabulary PEEL 2016 Effectiveness is already imported "
        f"(id {first.inspection.pk}); use --replace to update it from this page."
    )
    assert Action.objects.count() == 7


def test_a_dry_run_says_what_it_would_import_and_which_report_it_would_replace(db):
    text = SAMPLE.read_text(encoding="utf-8")
    before = import_report(text, dry_run=True)
    imported = import_report(text)
    again = import_report(text, dry_run=True)

    assert before.summary == (
        "Would import Lancashire Constabulary PEEL 2016 Effectiveness: "
        "5 questions, 7 areas for improvement (dry run, nothing written)"
    )
    assert (before.inspection, before.existing) == (None, None)
    assert again.existing == imported.inspection
    assert Inspection.objects.count() == 1


def test_every_refusal_is_a_report_error_with_one_line(db):
    refusals = [
        "not a report page",
        SAMPLE.read_text(encoding="utf-8").replace("Lancashire PEEL", "Atlantis PEEL"),
    ]
    for text in refusals:
        with pytest.raises(ReportError) as refused:
            import_report(text)
        assert "\n" not in str(refused.value)
    assert not Inspection.objects.exists()


@override_settings(DEBUG=True)
def test_demo_loads_the_sample_once_and_says_so_when_run_again(db):
    first, second = StringIO(), StringIO()
    call_command("demo", "--password", "correct horse battery", stdout=first)
    call_command("demo", stdout=second)

    assert first.getvalue().startswith("Imported Lancashire Constabulary PEEL 2016 Effectiveness")
    assert second.getvalue().startswith("lancashire-peel-2016-effectiveness.txt: already imported")
    assert Inspection.objects.count() == 1

"""manage.py generate_data: realistic, deterministic synthetic data, refused on a used database."""

from __future__ import annotations

import datetime
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Avg, Count, F
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_action, make_user
from tracker import synthetic
from tracker.models import (
    INSPECTORS_GROUP,
    Action,
    ActionEvent,
    EvidenceNote,
    Inspection,
    Question,
    Status,
    User,
)
from tracker.synthetic import rows

SMALL = {"forces": 2, "actions": 50, "notes": 200, "users_per_force": 3, "inspectors": 2}
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite uses bulk_create"
)


def generate(**options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("generate_data", **{**SMALL, **options}, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot() -> list:
    """Everything generated, keyed by natural keys rather than ids."""
    actions = list(
        Action.objects.order_by("force__name", "question__inspection__year", "pk").values_list(
            "force__slug",
            "question__inspection__programme",
            "question__inspection__year",
            "question__inspection__pillar",
            "question__inspection__grade",
            "question__number",
            "question__grade",
            "position",
            "text",
            "owner__username",
            "status",
            "due_date",
            "original_due_date",
            "blocked_reason",
            "created_at",
            "updated_at",
            "closed_at",
            "closed_by__username",
            "version",
        )
    )
    notes = list(
        EvidenceNote.objects.order_by("action__force__name", "created_at", "pk").values_list(
            "author__username", "kind", "body", "created_at"
        )
    )
    events = list(
        ActionEvent.objects.order_by("action__force__name", "at", "pk").values_list(
            "kind", "old_value", "new_value", "reason", "by__username", "via", "at"
        )
    )
    users = list(User.objects.order_by("username").values_list("username", "first_name", "force"))
    return [actions, notes, events, users]


def generated_then_rolled_back(**options) -> list:
    with transaction.atomic():
        generate(**options)
        data = snapshot()
        transaction.set_rollback(True)
    return data


def test_it_makes_the_sizes_asked_for(db):
    out, err = generate()
    assert Action.objects.count() == 50
    assert EvidenceNote.objects.count() == 200
    assert Action.objects.values("force").distinct().count() == 2
    assert User.objects.filter(force__isnull=False).count() == 2 * 3
    inspectors = User.objects.filter(groups__name=INSPECTORS_GROUP, force=None, is_staff=True)
    assert inspectors.count() == 2
    assert "50 actions, 200 notes" in out
    assert any(line.startswith("generate_data: 100%") for line in err.splitlines())


def test_the_same_seed_makes_the_same_data_and_another_seed_does_not(db):
    first = generated_then_rolled_back(seed=7)
    again = generated_then_rolled_back(seed=7)
    other = generated_then_rolled_back(seed=8)
    assert first == again
    assert first[0] != other[0]


def test_every_status_owners_dates_blocks_and_both_kinds_of_note_are_there(db):
    generate()
    today = timezone.localdate()
    actions = Action.objects.all()
    assert set(actions.values_list("status", flat=True)) == set(Status.values)
    assert actions.filter(owner__isnull=True).exists()
    assert actions.filter(owner__isnull=False).exists()
    assert actions.filter(due_date__lt=today).exists()
    assert actions.filter(due_date__gte=today).exists()
    assert actions.exclude(due_date=F("original_due_date")).exists(), "a revised due date"
    assert actions.blocked().exists()
    assert set(EvidenceNote.objects.values_list("kind", flat=True)) == {"progress", "impact"}
    assert set(ActionEvent.objects.values_list("kind", flat=True)) >= {
        "imported",
        "owner",
        "due_date",
        "status",
        "note",
    }


def test_reports_carry_text_the_size_of_a_published_one(db):
    """Pages that join a report read its text with every row: the bench must carry it too."""
    generate()
    sizes = Inspection.objects.aggregate(
        source=Avg(Length("source_text")), summary=Avg(Length("summary"))
    )
    assert 9_000 <= sizes["source"] <= 13_000  # the sample page is 11,400 characters
    assert 2_500 <= sizes["summary"] <= 3_000
    narrative = Question.objects.aggregate(n=Avg(Length("narrative")))["n"]
    assert 1_200 <= narrative <= 1_500
    report = Inspection.objects.first()
    assert report.title in report.source_text
    assert all(q.narrative in report.source_text for q in report.questions.all())


def test_the_rows_keep_the_rules_the_app_keeps(db):
    generate(actions=120, notes=400)
    for action in Action.objects.select_related("question__inspection", "owner", "closed_by"):
        assert action.force_id == action.question.inspection.force_id
        assert action.owner is None or action.owner.force_id == action.force_id
        assert action.due_date is None or action.original_due_date is not None
        assert (action.closed_at is not None) == (action.status == Status.CLOSED)
        if action.status == Status.CLOSED:
            assert action.closed_by.is_inspector
        if action.status in (Status.SUBMITTED, Status.CLOSED):
            assert action.notes.exists(), "submitting needs evidence"
        assert action.created_at <= action.updated_at <= timezone.now()
    # The version counts the changes, as the state-change methods would have.
    changes = dict(
        ActionEvent.objects.exclude(kind="imported")
        .values_list("action")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for pk, version in Action.objects.values_list("pk", "version"):
        assert version == 1 + changes.get(pk, 0)
    assert EvidenceNote.objects.count() == ActionEvent.objects.filter(kind="note").count()


def test_it_refuses_a_database_that_already_has_actions(force):
    make_action(force=force)
    with pytest.raises(CommandError, match=r"already has actions \(1\)"):
        generate()
    assert Action.objects.count() == 1


def test_the_data_can_be_generated_without_the_command(db):
    totals = synthetic.generate(**SMALL)
    assert (totals.actions, totals.notes) == (50, 200)
    assert Action.objects.count() == 50
    with pytest.raises(synthetic.Refused, match=r"already has actions \(50\)"):
        synthetic.generate(**SMALL)
    assert Action.objects.count() == 50


def every_generated_row() -> list:
    """Each generated table, ordered by id, every column (ids and foreign keys included)."""
    models = (User, Inspection, Question, Action, EvidenceNote, ActionEvent)
    return [list(model.objects.order_by("pk").values_list()) for model in models]


def statements(queries, verb: str, model) -> int:
    """How many of the captured queries begin `verb "model's table"`."""
    return sum(q["sql"].startswith(f'{verb} "{model._meta.db_table}"') for q in queries)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_copy_writes_exactly_the_rows_bulk_create_writes(monkeypatch, flush_allowed):
    monkeypatch.setattr(rows, "BATCH_SIZE", 500)
    # flush empties the tables and restarts their ids, so both runs number rows from 1.
    call_command("flush", interactive=False)
    with CaptureQueriesContext(connection) as copied_queries:
        generate(seed=5, notes=3000)
    copied = every_generated_row()

    call_command("flush", interactive=False)
    monkeypatch.setattr(rows, "USE_COPY", False)
    with CaptureQueriesContext(connection) as inserted_queries:
        generate(seed=5, notes=3000)

    assert every_generated_row() == copied
    assert len(copied[4]) == 3000, "notes in several batches"
    for model in (EvidenceNote, ActionEvent):
        assert statements(copied_queries, "COPY", model) > 1, "in batches"
        assert statements(copied_queries, "INSERT INTO", model) == 0
        assert statements(inserted_queries, "COPY", model) == 0
        assert statements(inserted_queries, "INSERT INTO", model) > 1


AWKWARD_TEXT = [
    "",
    "tab\there",
    "two\nlines\n",
    "windows\r\nline end and a lone \r",
    "back\\slash, and one at the end \\",
    "\\N",
    "\\.",
    "\\t is not a tab",
    "a \"quoted\" word, an 'apostrophe', a comma",
    "unicode: café – “curly” £10 ✓ 日本 😀",
    "\t\n",
]


def test_awkward_text_empty_strings_nulls_and_timestamps_are_written_exactly(db):
    """Through COPY on PostgreSQL: what its text format escapes, and what it must not."""
    action, author = make_action(), make_user()
    london = timezone.make_aware(datetime.datetime(2025, 7, 1, 9, 30, 15, 123456))
    kolkata = datetime.datetime(2025, 1, 31, 23, 59, 59, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata"))
    notes = [
        (action.pk, author.pk, EvidenceNote.Kind.PROGRESS, text, london) for text in AWKWARD_TEXT
    ]
    events = [
        (action.pk, ActionEvent.Kind.NOTE, "", text, "", None, ActionEvent.Via.WEB, kolkata)
        for text in AWKWARD_TEXT
    ]

    rows.write_rows(EvidenceNote, rows.NOTE_COLUMNS, notes)
    rows.write_rows(ActionEvent, rows.EVENT_COLUMNS, events)

    assert list(EvidenceNote.objects.order_by("pk").values_list(*rows.NOTE_COLUMNS)) == notes
    assert list(ActionEvent.objects.order_by("pk").values_list(*rows.EVENT_COLUMNS)) == events
    assert ActionEvent.objects.filter(reason="", by__isnull=True).count() == len(AWKWARD_TEXT)

"""The CSV export: COPY on PostgreSQL and the csv module elsewhere write the same bytes."""

from __future__ import annotations

import csv
import datetime
import io
import sys
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import get_force, make_action, make_inspection, make_question, make_user
from tracker import exports
from tracker.models import Action, ActionEvent, EvidenceNote, Grade, Pillar, Status

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite uses the csv module"
)
TODAY = datetime.date(2026, 3, 15)
BASE_URL = "https://tracker.example.police.uk/"

AWKWARD = [
    "plain words",
    "commas, inside, a cell",
    'a "quoted" word',
    '"starts with a quote',
    "two\nlines",
    "windows\r\nline end",
    "carriage\rreturn inside",
    '=HYPERLINK("http://evil.example")',
    "+44 1234",
    "-2 items",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "ends with a newline\n",
    'ends with a quote"',
    "unicode: café – “curly” £10 ✓ 日本",
    "\\. a backslash dot",
    '＝HYPERLINK("http://evil.example")',
    "＋44 1234",
    "－2 items",
    "＠SUM(A1)",
    "﹦1+1",
    "⁼1+1",
    "semicolon; and 'single quotes'",
    " leading and trailing spaces ",
    '""',
    ",",
    "\n",
]


# The force's own references: none, plain, formula-leading, quoted, with a comma.
REFERENCES = ["", "AFI 7", "=AFI 1", 'R "3.1"', "CoC 2, part b", "+1", "-R2", "@ref"]


# Closing times either side of the clocks changing (BST is UTC+01:00), and with microseconds.
CLOSED_AT = [
    datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=datetime.UTC),
    datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 10, 25, 1, 30, 0, 1, tzinfo=datetime.UTC),
    datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
]
# Due-date events: set (not a revision), revised, revised again, and one that changed nothing.
DUE_DATE_CHANGES = [
    ("", "2026-04-01"),
    ("2026-04-01", "2026-05-01"),
    ("2026-05-01", "2026-05-01"),
    ("2026-05-01", "2026-06-30"),
]


def awkward_actions(force, other_force):
    """Actions whose every free-text cell, date and relation is an edge case."""
    owners = [
        make_user(force=force, username="-dash", first_name="=Ann", last_name="Lee, Jr"),
        make_user(force=force, username="=equals", first_name=" ", last_name="\t"),
        make_user(force=force, username="@at", first_name="Zoë", last_name=""),
        make_user(force=force, username="plain.owner", first_name="", last_name='"Q" Smith '),
        None,
    ]
    grades = [*Grade.values, ""]
    inspection = make_inspection(force=force, year=2016, pillar=Pillar.LEGITIMACY)
    questions = [
        make_question(inspection=inspection, number=n, text=text, grade=grades[n % len(grades)])
        for n, text in enumerate(["=question", "How, with a comma?", 'A "quoted" question?'], 1)
    ]
    other = make_question(inspection=make_inspection(force=other_force, programme="+PEEL"))
    statuses = list(Status)
    actions = []
    for n, text in enumerate([*AWKWARD, ""]):
        due = TODAY + datetime.timedelta(days=(n % 5 - 2) * 10) if n % 4 else None
        status = statuses[n % len(statuses)]
        action = make_action(
            question=other if n == 3 else questions[n % len(questions)],
            text=text,
            owner=owners[n % len(owners)] if n != 3 else None,
            status=status,
            due_date=due,
            original_due_date=due,
            closed_at=CLOSED_AT[n % len(CLOSED_AT)] if status == Status.CLOSED else None,
            closed_by=owners[(n + 1) % len(owners)] if status == Status.CLOSED else None,
            returned_at=timezone.now() if status == Status.IN_PROGRESS and n % 2 else None,
            blocked_reason=AWKWARD[-n],
            reference=REFERENCES[n % len(REFERENCES)],
        )
        actions.append(action)
        for old, new in DUE_DATE_CHANGES[: n % (len(DUE_DATE_CHANGES) + 1)]:
            ActionEvent.objects.create(
                action=action, kind=ActionEvent.Kind.DUE_DATE, old_value=old, new_value=new
            )
        author = owners[3]
        for body in AWKWARD[n : n + 2] if n % 3 else []:
            EvidenceNote.objects.create(action=action, author=author, body=body)
        if n == 5:
            EvidenceNote.objects.create(action=action, author=author, body="")
    return actions


def export(chunks) -> bytes:
    return "".join(chunks).encode("utf-8")


@postgresql_only
def test_copy_and_the_csv_module_write_the_same_bytes(force, other_force):
    awkward_actions(force, other_force)
    queryset = Action.objects.order_by("pk")

    by_python = export(exports.python_chunks(queryset, BASE_URL, TODAY))
    by_copy = export(exports.copy_chunks(queryset, BASE_URL, TODAY))

    assert by_copy == by_python
    rows = list(csv.reader(io.StringIO(by_python.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(AWKWARD) + 2
    assert {row[11] for row in rows[1:]} == {"yes", "no"}
    assert any(row[8] == "" for row in rows[1:]), "an action with no owner"
    assert any(row[10] == "" for row in rows[1:]), "an action with no due date"
    assert any(row[13] == "" for row in rows[1:]), "an action with no notes"
    assert rows[0][19] == "reference"
    assert {row[19] for row in rows[1:]} >= {"", "AFI 7", "'=AFI 1", 'R "3.1"', "CoC 2, part b"}
    named = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert {row["due_date_revisions"] for row in named} == {"0", "1", "2"}
    assert {row["rag"] for row in named} == {"red", "amber", "green", "grey"}
    assert {row["returned"] for row in named} == {"yes", "no"}
    assert {row["closed_at"] for row in named} >= {
        "",
        "2026-03-29T00:59:59+00:00",
        "2026-03-29T02:00:00+01:00",
        "2026-10-25T01:30:00+01:00",
        "2026-10-25T01:30:00+00:00",
    }
    assert {row["closed_by"] for row in named} >= {"'=Ann Lee, Jr", "'=equals", "Zoë"}
    assert {row["owner_name"] for row in named} == {
        "",
        "'=Ann Lee, Jr",
        "'=equals",
        "Zoë",
        '"Q" Smith',
    }


@postgresql_only
def test_the_inspection_cell_is_neutralised_by_its_programme(force):
    """COPY neutralises the inspection's first part, Python the whole cell: the same bytes."""
    for programme in ("", "=PEEL", "\uff0bPEEL", "\tPEEL", "PEEL"):
        inspection = make_inspection(force=force, programme=programme, year=2016)
        make_action(question=make_question(inspection=inspection))
    queryset = Action.objects.order_by("pk")

    by_copy = export(exports.copy_chunks(queryset, "", TODAY))

    assert by_copy == export(exports.python_chunks(queryset, "", TODAY))
    cells = [row[2] for row in csv.reader(io.StringIO(by_copy.decode("utf-8-sig"), newline=""))]
    assert cells[1:3] == [" 2016 Effectiveness", "'=PEEL 2016 Effectiveness"]


@postgresql_only
def test_both_paths_agree_in_any_order_and_filter(force, other_force):
    awkward_actions(force, other_force)
    queryset = Action.objects.filter(force=force).exclude(status=Status.CLOSED)
    for ordered in (queryset.order_by("-due_date", "pk"), queryset.order_by("-updated_at", "pk")):
        assert export(exports.copy_chunks(ordered, "", TODAY)) == export(
            exports.python_chunks(ordered, "", TODAY)
        )


@postgresql_only
def test_the_public_functions_take_the_copy_path_on_postgresql(force, other_force):
    awkward_actions(force, other_force)
    queryset = Action.objects.order_by("pk")
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        written = exports.write_actions_csv(queryset, out, BASE_URL)
    assert written == len(AWKWARD) + 1
    assert [q["sql"][:6] for q in queries.captured_queries] == ["COPY ("]
    assert "".join(exports.stream_actions_csv(queryset, BASE_URL)) == out.getvalue()
    assert out.getvalue() == "".join(exports.python_chunks(queryset, BASE_URL))


@postgresql_only
def test_an_empty_export_is_the_header_alone(db):
    expected = "".join(exports.python_chunks(Action.objects.none()))
    assert "".join(exports.copy_chunks(Action.objects.none())) == expected
    assert "".join(exports.copy_chunks(Action.objects.filter(pk=-1))) == expected
    assert expected == "\ufeff" + ",".join(exports.HEADER) + "\r\n"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_download_stopped_early_leaves_the_database_usable(force):
    question = make_question(inspection=make_inspection(force=force))
    long_text = "The force should ensure that every crime is allocated, " * 20
    Action.objects.bulk_create(
        Action(question=question, force=force, text=long_text, position=n) for n in range(3000)
    )
    chunks = exports.stream_actions_csv(Action.objects.order_by("pk"))
    next(chunks)
    assert len(next(chunks)) > 1000
    chunks.close()
    assert Action.objects.count() == 3000


def test_rows_end_in_crlf_and_newlines_inside_quoted_cells_are_kept():
    rows = exports._RowCounter()
    copy_output = b'1,"a ""quoted""\nline",x\n2,plain,"\n"\n3,,\n'
    expected = b'1,"a ""quoted""\nline",x\r\n2,plain,"\n"\r\n3,,\r\n'
    assert b"".join(exports._crlf_rows([copy_output], rows)) == expected
    assert rows.count == 3
    # However the pipe cuts it, the quote count carries from one chunk to the next.
    for size in range(1, len(copy_output)):
        pieces = [copy_output[i : i + size] for i in range(0, len(copy_output), size)]
        assert b"".join(exports._crlf_rows(pieces, exports._RowCounter())) == expected


def test_the_csv_module_path_is_used_where_there_is_no_copy(force):
    if connection.vendor == "postgresql":
        pytest.skip("this checks the SQLite path")
    make_action(force=force, text="=1+1")
    out = io.StringIO()
    assert exports.write_actions_csv(Action.objects.all(), out, BASE_URL) == 1
    assert out.getvalue() == "".join(exports.python_chunks(Action.objects.all(), BASE_URL))
    assert ",'=1+1," in out.getvalue()


def test_every_character_a_spreadsheet_may_read_as_a_formula_start_is_neutralised():
    every_character = map(chr, range(sys.maxunicode + 1))
    formula_starts = {
        character
        for character in every_character
        if unicodedata.normalize("NFKC", character).startswith(exports.FORMULA_PREFIXES)
    }
    assert formula_starts == exports.FORMULA_STARTS
    assert exports.neutralise('＝HYPERLINK("x")') == '\'＝HYPERLINK("x")'
    assert exports.neutralise("a = b") == "a = b"


PAYLOADS = ("=cmd|' /C calc'!A0", '＝HYPERLINK("x")')


def exported_rows(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_inspectors_formula_in_any_text_is_neutralised_on_every_export_path(
    client, inspector, payload
):
    force = get_force("Cumbria")
    force.name = payload
    force.save()
    inspection = make_inspection(force=force, programme=payload, year=2016)
    question = make_question(inspection=inspection, text=payload)
    owner = make_user(force=force, username="＠owner")
    action = make_action(question=question, text=payload, owner=owner, reference=payload[:40])
    EvidenceNote.objects.create(action=action, author=owner, body=payload)
    staff = make_user(force=force)
    expected = "'" + payload

    client.force_login(staff)
    response = client.get("/actions/export.csv")
    by_the_list = b"".join(response.streaming_content).decode("utf-8")
    client.force_login(inspector)
    by_the_admin = client.post(
        "/admin/tracker/action/", {"action": "export_selected_csv", "_selected_action": [action.pk]}
    ).content.decode("utf-8")
    by_python = "".join(exports.python_chunks(Action.objects.all(), "", TODAY))

    for body in (by_the_list, by_the_admin, by_python):
        [row] = exported_rows(body)
        assert row["force"] == expected
        assert row["inspection"] == f"{expected} 2016 Effectiveness"
        assert row["question"] == expected
        assert row["area_for_improvement"] == expected
        assert row["owner"] == "'＠owner"
        assert row["last_note"] == expected
        assert row["reference"] == "'" + payload[:40]
    if connection.vendor == "postgresql":
        by_copy = "".join(exports.copy_chunks(Action.objects.all(), "", TODAY))
        assert by_copy == by_python

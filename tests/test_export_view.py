"""/actions/export.csv: the list's rows, as docs/architecture.md's "CSV export", streamed."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker.models import Grade, Pillar, Status

TODAY = timezone.localdate()
# Changed by issue 13: kind, parent_action_id and deadline added at the end; by issue 14,
# reference after them; by issue 15, original_due_date to owner_name after that.
HEADER = (
    "action_id,force,inspection,pillar,question_number,question,question_grade,"
    "area_for_improvement,owner,status,due_date,overdue,evidence_notes,last_note,last_updated,url,"
    "kind,parent_action_id,deadline,reference,"
    "original_due_date,due_date_revisions,blocked_reason,rag,returned,closed_at,closed_by,owner_name"
)


def export(client, query: str = ""):
    response = client.get(f"/actions/export.csv{'?' + query if query else ''}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, body


def rows(body: str) -> list[dict]:
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


@pytest.fixture
def question(force):
    inspection = make_inspection(force=force, year=2016, pillar=Pillar.EFFECTIVENESS)
    return make_question(inspection=inspection, number=2, text="How effective?", grade=Grade.GOOD)


def test_it_streams_a_csv_attachment_named_with_force_and_date(signed_in, question):
    make_action(question=question)
    response, body = export(signed_in)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="peel-actions-lancashire-{TODAY.isoformat()}.csv"'
    )
    assert body.startswith("\ufeff" + HEADER + "\r\n")


def test_the_cells_follow_the_design(signed_in, staff, question):
    late = TODAY - datetime.timedelta(days=3)
    action = make_action(
        question=question,
        text="Improve the triage of calls.",
        owner=staff,
        status=Status.IN_PROGRESS,
        due_date=late,
        original_due_date=late,
    )
    action.add_note("First note", by=staff)
    action.add_note("Latest note", by=staff)
    [row] = rows(export(signed_in)[1])
    assert row["action_id"] == str(action.pk)
    assert row["force"] == "Lancashire Constabulary"
    assert row["inspection"] == "PEEL 2016 Effectiveness"
    assert row["pillar"] == "Effectiveness"
    assert row["question_number"] == "2"
    assert row["question"] == "How effective?"
    assert row["question_grade"] == "Good"
    assert row["area_for_improvement"] == "Improve the triage of calls."
    assert row["owner"] == "staff"
    assert row["status"] == "In progress"
    assert row["due_date"] == late.isoformat()
    assert row["overdue"] == "yes"
    assert row["evidence_notes"] == "2"
    assert row["last_note"] == "Latest note"
    assert row["last_updated"] == timezone.localtime(action.updated_at).isoformat("T", "seconds")
    assert row["url"] == f"http://testserver/actions/{action.pk}/"


def test_the_columns_added_by_issue_15_follow_the_design(signed_in, staff, inspector, question):
    staff.first_name, staff.last_name = "Sam", "Patel"
    staff.save()
    first = TODAY + datetime.timedelta(days=10)
    action = make_action(question=question, owner=staff)
    action.set_due_date(first, by=staff)
    action.set_due_date(first + datetime.timedelta(days=5), by=staff, reason="Waiting on IT")
    action.set_due_date(TODAY + datetime.timedelta(days=60), by=staff, reason="Again")
    action.set_blocked("Waiting for the national system", by=staff)
    closed = make_action(
        question=question,
        status=Status.CLOSED,
        closed_at=datetime.datetime(2026, 7, 1, 8, 15, 30, tzinfo=datetime.UTC),
        closed_by=inspector,
    )
    returned = make_action(question=question, status=Status.IN_PROGRESS, returned_at=timezone.now())

    by_id = {int(row["action_id"]): row for row in rows(export(signed_in)[1])}

    row = by_id[action.pk]
    assert row["original_due_date"] == first.isoformat()
    assert row["due_date_revisions"] == "2"
    assert row["blocked_reason"] == "Waiting for the national system"
    assert (row["rag"], row["returned"], row["closed_at"], row["closed_by"]) == (
        "green",
        "no",
        "",
        "",
    )
    assert row["owner_name"] == "Sam Patel"
    row = by_id[closed.pk]
    assert (row["rag"], row["closed_at"]) == ("grey", "2026-07-01T09:15:30+01:00")
    assert row["closed_by"] == inspector.username  # no full name: the username
    assert (row["due_date_revisions"], row["owner_name"]) == ("0", "")
    assert (by_id[returned.pk]["returned"], by_id[returned.pk]["rag"]) == ("yes", "green")


def test_formula_cells_are_neutralised(signed_in, staff, question):
    action = make_action(question=question, text='=HYPERLINK("http://evil")', owner=staff)
    action.add_note("@SUM(A1:A9)", by=staff)
    [row] = rows(export(signed_in)[1])
    assert row["area_for_improvement"] == '\'=HYPERLINK("http://evil")'
    assert row["last_note"] == "'@SUM(A1:A9)"


def test_it_exports_the_same_rows_as_the_list_for_the_same_filters(signed_in, question):
    make_action(question=question, status=Status.IN_PROGRESS, text="Started one")
    make_action(question=question, status=Status.SUBMITTED, text="Submitted one")
    make_action(question=question, text="Untouched")
    query = "status=in_progress&status=submitted&sort=status"
    listed = signed_in.get(f"/actions/?{query}").context["page"].object_list
    exported = rows(export(signed_in, query)[1])
    assert [int(r["action_id"]) for r in exported] == [a.pk for a in listed]
    assert [r["area_for_improvement"] for r in exported] == ["Started one", "Submitted one"]


def test_it_never_exports_another_forces_actions(signed_in, force, other_force):
    make_action(force=force)
    make_action(force=other_force, text="Theirs")
    exported = rows(export(signed_in)[1])
    assert len(exported) == 1
    assert "Theirs" not in {r["area_for_improvement"] for r in exported}
    exported = rows(export(signed_in, f"force={other_force.slug}")[1])
    assert "Theirs" not in {r["area_for_improvement"] for r in exported}


def test_an_inspector_exports_all_forces_or_one(client, inspector, force, other_force):
    make_action(force=force)
    make_action(force=other_force)
    client.force_login(inspector)
    response, body = export(client)
    assert f"peel-actions-all-forces-{TODAY.isoformat()}.csv" in response["Content-Disposition"]
    assert len(rows(body)) == 2
    response, body = export(client, f"force={other_force.slug}")
    assert f"peel-actions-kent-{TODAY.isoformat()}.csv" in response["Content-Disposition"]
    assert [r["force"] for r in rows(body)] == ["Kent Police"]


def test_no_matching_actions_is_a_header_only_file(signed_in):
    _, body = export(signed_in, "q=nothing")
    assert body == "\ufeff" + HEADER + "\r\n"


@pytest.mark.parametrize("query", ["status=nope", "due_before=tomorrow", "inspection=x", "page=9"])
def test_bad_filter_values_still_export(signed_in, question, query):
    make_action(question=question)
    assert len(rows(export(signed_in, query)[1])) == 1


def test_a_user_with_no_force_and_no_role_exports_nothing(client, force, question):
    make_action(question=question)
    client.force_login(make_user(force=None))
    assert rows(export(client)[1]) == []


def test_it_needs_sign_in(client):
    response = client.get("/actions/export.csv")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_assured_action_is_exported_with_its_status_in_words(signed_in, question):
    make_action(question=question, status=Status.ASSURED)
    [row] = rows(export(signed_in, "status=assured")[1])
    assert row["status"] == "Assured — ready for the inspectorate"

"""Query budgets: every page costs the same number of queries for 5 actions as for 200.

Each test runs at both sizes with the same pinned count, so an N+1 (a template reaching
through a relation per row, a label per report) fails here rather than on a force with
50,000 actions. The workload grows reports, owners, notes and events along with actions.
Counts are taken after a first request, so the session is in its steady state.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PASSWORD, make_inspection, make_question, make_user
from tracker.filters import DEFAULT_SORT, SORTS, ActionFilter
from tracker.models import (
    Action,
    ActionEvent,
    EvidenceFile,
    EvidenceNote,
    Inspection,
    Pillar,
    Question,
    Status,
)
from tracker.search import Search, Way, matching_actions

TODAY = timezone.localdate()

# On PostgreSQL a search in the list's default order first asks the planner how many rows its
# words match (one EXPLAIN), then, for words not common enough to walk, the indexes whether
# they are a handful (the ids of the first 201 matches): the tests' words are rare.
SEARCH_ESTIMATE = 2 if connection.vendor == "postgresql" else 0


@pytest.fixture(params=[5, 200], ids=["5-actions", "200-actions"])
def workload(request, force, other_force, staff):
    elsewhere = make_question(inspection=make_inspection(force=other_force))
    Action.objects.create(question=elsewhere, force=other_force, text="Elsewhere", position=1)
    return add_workload(request.param, force, staff)


def add_workload(n: int, force, staff, first_year: int = 2014) -> dict:
    """n actions over n/25 reports (at least one) of two questions; notes and events on each."""
    owners = [staff, *(make_user(force=force) for _ in range(max(1, n // 50)))]
    reports = [
        make_inspection(force=force, year=first_year + i // 4, pillar=list(Pillar)[i % 4])
        for i in range(max(1, n // 25))
    ]
    questions = [make_question(inspection=report, number=q) for report in reports for q in (1, 2)]
    statuses = list(Status)
    actions = Action.objects.bulk_create(
        Action(
            question=questions[i % len(questions)],
            force=force,
            text=f"The force should improve area {i}.",
            position=i // len(questions) + 1,
            owner=None if i % 6 == 5 else owners[i % len(owners)],
            status=statuses[i % len(statuses)],
            due_date=TODAY + datetime.timedelta(days=i - n // 2),
            original_due_date=TODAY + datetime.timedelta(days=i - n // 2),
            closed_at=timezone.now() if statuses[i % len(statuses)] == Status.CLOSED else None,
            closed_by=staff if statuses[i % len(statuses)] == Status.CLOSED else None,
            blocked_reason="National programme" if i % 7 == 0 else "",
        )
        for i in range(n)
    )
    EvidenceNote.objects.bulk_create(
        EvidenceNote(action=action, author=staff, body=f"Evidence {i}-{k}: dip sample of files")
        for i, action in enumerate(actions)
        for k in range(1 + i % 3)
    )
    ActionEvent.objects.bulk_create(
        ActionEvent(action=action, kind=kind, new_value=recorded, by=staff)
        for action in actions
        for kind, recorded in (
            ("imported", "Not started"),
            ("owner", action.owner.username if action.owner else ""),  # as assign() records
            ("due_date", action.due_date.isoformat()),
        )
    )
    return {"reports": reports, "actions": actions}


def queries_for(client, user, url) -> list[str]:
    client.force_login(user)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_dashboard_of_force_staff(client, staff, workload):
    # session, user (with their force, for the header), the tiles (one aggregate), my
    # actions, statuses per question, reports, their questions, recent activity, and the
    # names of the owners its events name (who did not make those changes themselves), and
    # whether they may import a report (their own and their groups' permissions: two); and
    # since issue 15, the reports whose PCC response is due soon or overdue
    assert len(queries_for(client, staff, "/")) == 12


def test_the_dashboard_of_an_inspector(client, inspector, force, workload):
    # session, user, Inspectors group, forces (picker), one row per force (GROUP BY; the
    # tiles are its sums since issue 16, not a query of their own), waiting for review, recent
    # activity and the owners its events name, and the reports whose PCC response is due soon
    # or overdue (since issue 15)
    assert len(queries_for(client, inspector, "/")) == 9
    # one force: its reports and their questions replace the per-force rows
    assert len(queries_for(client, inspector, f"/?force={force.slug}")) == 12


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=in_progress&status=submitted&overdue=1&sort=grade",
        "?owner=me&due_after=2000-01-01&sort=-due&page=2",
        "?q=dip+sample",
        "?q=dip+sample&sort=-updated&blocked=1",
    ],
    ids=["plain", "filtered", "mine-page-2", "searched", "searched-and-filtered"],
)
def test_the_action_list(client, staff, workload, query):
    # session, user (with their force, for the header), count, the page's rows (question,
    # report, force and owner joined), note counts for the rows shown, and the filter form's
    # choices: owners, reports (questions are offered for a chosen report only, so no query).
    # A search is counted apart, as the list is, no further than it needs (issue 16: it was
    # counted by its page's query, OVER (), which counted every match); on PostgreSQL, in the
    # default order, it first asks the planner's estimate of its matches, to choose how to find
    # them (tracker/search.py).
    sql = queries_for(client, staff, f"/actions/{query}")
    estimate = SEARCH_ESTIMATE if "q=" in query and "sort=" not in query else 0
    assert len(sql) == 7 + estimate
    counts = [q for q in sql if "COUNT" in q and '"tracker_evidencenote"."action_id" IN' in q]
    assert len(counts) == 1, "notes are counted for the rows shown only"


def test_the_action_list_for_a_report(client, staff, workload):
    # as above, plus checking the chosen report and offering its questions
    report = workload["reports"][0].pk
    assert len(queries_for(client, staff, f"/actions/?inspection={report}")) == 9


def test_the_action_list_of_an_inspector_across_forces(client, inspector, workload):
    # session, user, Inspectors group, count, rows, note counts, forces (reports and
    # questions are offered once a force and a report are chosen, so no query for either)
    assert len(queries_for(client, inspector, "/actions/")) == 7
    # one force (checked, and a header row): its owners and reports; one report (checked):
    # its questions
    force = workload["reports"][0].force
    report = workload["reports"][0].pk
    assert len(queries_for(client, inspector, f"/actions/?force={force.slug}")) == 10
    url = f"/actions/?force={force.slug}&inspection={report}"
    assert len(queries_for(client, inspector, url)) == 12
    # a search, across every force or within one, counted apart as the list is (issue 16: within
    # one force it was counted by its page's query); on PostgreSQL, the estimate first
    assert len(queries_for(client, inspector, "/actions/?q=dip+sample")) == 7 + SEARCH_ESTIMATE
    url = f"/actions/?force={force.slug}&q=dip"
    assert len(queries_for(client, inspector, url)) == 10 + SEARCH_ESTIMATE


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.CLOSED])
def test_the_action_page(client, staff, workload, status):
    # session, user (with their force, which is the action's), the action (question, report,
    # owner and closer joined), notes (with authors, and whether each has files), events (with
    # who), owner choices; and the files of the notes that have some, in one query
    action = [a for a in workload["actions"] if a.status == status][-1]
    assert len(queries_for(client, staff, f"/actions/{action.pk}/")) == 6
    notes = list(action.notes.all())
    for note in notes[:2]:
        EvidenceFile.objects.create(
            note=note,
            stored_name=f"evidence/{note.pk}.pdf",
            original_name="minutes.pdf",
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
        )
    assert len(queries_for(client, staff, f"/actions/{action.pk}/")) == 7


def test_the_report_page(client, staff, workload):
    # session, user (with their force), the report (with force), questions, their actions,
    # and whether they may add to it (their own and their groups' permissions: two)
    report = workload["reports"][-1]
    assert len(queries_for(client, staff, f"/inspections/{report.pk}/")) == 7


def test_the_reports_list(client, staff, workload):
    # session, user (with their force), the reports with their counts, and whether they may
    # import a report (their own and their groups' permissions: two)
    assert len(queries_for(client, staff, "/inspections/")) == 5


def test_the_csv_export(client, staff, workload):
    # session, user (with their force, for the file name), then every row in one query:
    # COPY on PostgreSQL, one chunked SELECT elsewhere
    sql = queries_for(client, staff, "/actions/export.csv?status=in_progress&q=dip")
    assert len(sql) == 3
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/actions/export.csv")
        lines = b"".join(response.streaming_content).count(b"\n")
    assert lines == len(workload["actions"]) + 1
    assert len(queries) == 3


def test_the_xlsx_export(client, staff, workload):
    # session, user (with their force, for the file name), then every row in one chunked SELECT
    assert len(queries_for(client, staff, "/actions/export.xlsx?status=in_progress&q=dip")) == 3
    assert len(queries_for(client, staff, "/actions/export.xlsx")) == 3


@pytest.mark.parametrize("query", ["", "?status__exact=in_progress&overdue=yes"])
def test_the_admin_changelist(client, inspector, force, staff, query):
    url = f"/admin/tracker/action/{query}"
    add_workload(5, force, staff)
    small = queries_for(client, inspector, url)
    add_workload(195, force, staff, first_year=2030)
    assert len(queries_for(client, inspector, url)) == len(small)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tracker/inspection/",
        "/admin/tracker/question/",
        "/admin/tracker/evidencenote/",
        "/admin/tracker/actionevent/",
    ],
)
def test_the_other_admin_lists_count_once_and_scan_nothing_whole(
    client, inspector, force, staff, url
):
    """Inspectors page through every force's reports, notes and events: each list costs
    the same at any size, counts its rows once (no second, unfiltered COUNT), and reads no
    table whole for its filters (the events' dates were a DISTINCT over every event)."""
    add_workload(5, force, staff)
    small = queries_for(client, inspector, url)
    add_workload(195, force, staff, first_year=2030)
    sql = queries_for(client, inspector, url)
    assert len(sql) == len(small)
    assert len([q for q in sql if "COUNT(*)" in q]) == 1
    assert not [q for q in sql if "DISTINCT" in q and "tracker_actionevent" in q]
    counts = [q for q in sql if "COUNT(*)" in q]
    assert "tracker_action" not in counts[0].replace("tracker_actionevent", "")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a plan of PostgreSQL's")
def test_the_admins_newest_notes_come_from_an_index_not_a_sort(workload):
    plan = postgresql_plan(EvidenceNote.objects.select_related("action", "author")[:100])
    assert "tracker_note_created" in plan
    assert "Sort" not in plan.split("tracker_note_created")[0]
    assert "Sort" not in plan.split("tracker_note_created")[0]


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("staff", "/"),
        ("staff", "/actions/"),
        ("staff", "/actions/?q=dip"),
        ("staff", "the action"),
        ("staff", "/inspections/"),
        ("inspector", "/admin/tracker/action/"),
    ],
)
def test_pages_of_actions_leave_the_reports_long_texts_in_the_database(
    client, staff, inspector, workload, who, url
):
    """A report's long texts (its page as imported is ~11,000 characters) stay in the database.

    Only the report page reads its summary and narratives; only the admin, the page imported.
    """
    if url == "the action":
        url = f"/actions/{workload['actions'][-1].pk}/"
    sql = " ".join(queries_for(client, {"staff": staff, "inspector": inspector}[who], url))
    assert '"tracker_question"' in sql
    for column in ("source_text", "summary", "narrative"):
        assert column not in sql


def test_the_report_page_shows_its_summary_and_narratives(client, staff, workload):
    report = workload["reports"][-1]
    Inspection.objects.filter(pk=report.pk).update(summary="What the inspectors found overall.")
    Question.objects.filter(inspection=report).update(narrative="How the force did on this one.")
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/inspections/{report.pk}/").content.decode()
    assert "What the inspectors found overall." in page
    assert "How the force did on this one." in page
    assert not [q for q in queries.captured_queries if "source_text" in q["sql"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text indexes of PostgreSQL")
def test_the_search_reads_the_word_indexes_on_postgresql(rf, staff, workload):
    """The FilterSet's search reads the GIN indexes of the words migration 0021 keeps in each
    action and note (before it, 0010's expression indexes: tracker_*_body_words, _text_words)."""
    request = rf.get("/actions/", {"q": "dip sample"})
    request.user = staff
    queryset = ActionFilter(request.GET, queryset=Action.objects.all(), request=request).qs
    plan = postgresql_plan(queryset)
    assert "tracker_action_words" in plan
    assert "tracker_note_words" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search of PostgreSQL")
def test_a_search_of_common_words_walks_the_list_in_its_order(staff, workload):
    """Common words (Way.WALK): the list read in its order, each action's notes checked through
    their index on action, never every matching note gathered first (issue 16)."""
    search = Search.parse("dip sample")
    queryset = matching_actions(
        Action.objects.filter(force=staff.force).order_by(*SORTS[DEFAULT_SORT]), search, Way.WALK
    )
    plan = postgresql_plan(queryset[:50])
    # each action's notes, found by its id (a SubPlan per row), never the notes' GIN index
    assert "SubPlan" in plan and "hashed SubPlan" not in plan
    assert "(action_id = tracker_action.id)" in plan
    assert "tracker_note_words" not in plan


def postgresql_plan(queryset) -> str:
    """PostgreSQL's plan for the queryset; the test tables are small, so scans are discouraged."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_signing_in_loads_the_user_with_their_force(client, staff, force):
    """Every page's header names the force: it comes with the user, not in a query."""
    response = client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    client.get("/inspections/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/inspections/")
    assert force.name in response.content.decode()
    user_queries = [q["sql"] for q in queries.captured_queries if '"tracker_user"' in q["sql"]]
    assert len(user_queries) == 1 and '"tracker_force"' in user_queries[0]
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith('SELECT "tracker_force"')
    ]

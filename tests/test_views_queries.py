"""Query budgets: each page costs the same number of queries at 5 actions as at 200.

The counts are pinned so that an N+1 (a template reaching through a relation per row) or a
count over the whole notes table shows up here rather than on a force's PostgreSQL.
"""

from __future__ import annotations

import datetime

import pytest

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker.models import Status


@pytest.fixture(params=[5, 200], ids=["5-actions", "200-actions"])
def workload(request, force, other_force, staff):
    """n actions over 4 questions, each with an owner, a due date, a note and events."""
    inspection = make_inspection(force=force)
    questions = [make_question(inspection=inspection, number=i + 1) for i in range(4)]
    owners = [staff, *(make_user(force=force) for _ in range(3))]
    actions = []
    for i in range(request.param):
        action = make_action(
            question=questions[i % 4],
            owner=owners[i % 4],
            status=Status.IN_PROGRESS if i % 3 else Status.NOT_STARTED,
            due_date=datetime.date(2027, 1, 1) + datetime.timedelta(days=i),
            original_due_date=datetime.date(2027, 1, 1),
            blocked_reason="National programme" if i % 7 == 0 else "",
        )
        action.add_note(f"Evidence {i}", by=owners[i % 4])
        actions.append(action)
    make_action(force=other_force).add_note("Elsewhere", by=make_user(force=other_force))
    return {"inspection": inspection, "actions": actions}


def measure(client, user, url, django_assert_max_num_queries, budget):
    client.force_login(user)
    client.get(url)  # the first request may refresh the session; measure the steady state
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


def test_the_dashboard_costs_nine_queries(client, staff, workload, django_assert_max_num_queries):
    # session, user, the user's force (header), the tiles (one aggregate), my actions,
    # status counts per question, reports, their questions, recent activity
    measure(client, staff, "/", django_assert_max_num_queries, 9)


def test_an_inspectors_dashboard_costs_ten(
    client, inspector, force, workload, django_assert_max_num_queries
):
    # session, user, Inspectors group check, forces for the picker, tiles, waiting for
    # review, status counts per question, reports, their questions, recent activity
    measure(client, inspector, f"/?force={force.slug}", django_assert_max_num_queries, 10)
    # all forces: a per-force table (one GROUP BY) replaces the reports and the chart
    measure(client, inspector, "/", django_assert_max_num_queries, 8)


@pytest.mark.parametrize(
    "query", ["", "?q=evidence&status=in_progress&owner=me&sort=grade&overdue=1&page=2"]
)
def test_the_action_list_costs_eight_queries(
    client, staff, workload, query, django_assert_max_num_queries
):
    # session, user, count, the page's rows (with question, report, force, owner joined),
    # note counts for those rows only, the user's force (header), and the filter form's
    # choices: owners, reports (questions only once a report is chosen)
    measure(client, staff, f"/actions/{query}", django_assert_max_num_queries, 8)


def test_the_action_page_costs_eight_queries(
    client, staff, workload, django_assert_max_num_queries
):
    # session, user, the action (with question, report, force, owner joined), the user's
    # force (header), notes, the notes' files (one query for all), events, owner choices
    action = workload["actions"][-1]
    measure(client, staff, f"/actions/{action.pk}/", django_assert_max_num_queries, 8)


def test_the_report_page_costs_six_queries(client, staff, workload, django_assert_max_num_queries):
    # session, user, the report (with force), the user's force (header), questions, actions
    url = f"/inspections/{workload['inspection'].pk}/"
    measure(client, staff, url, django_assert_max_num_queries, 6)


def test_the_reports_list_costs_four_queries(
    client, staff, workload, django_assert_max_num_queries
):
    # session, user, the user's force (header), reports with their counts
    measure(client, staff, "/inspections/", django_assert_max_num_queries, 4)


def test_the_export_costs_a_constant_number_of_queries(
    client, staff, workload, django_assert_max_num_queries
):
    client.force_login(staff)
    client.get("/")
    # session, user, the user's force (file name), then the rows in one query per 2,000
    with django_assert_max_num_queries(4):
        response = client.get("/actions/export.csv")
        lines = b"".join(response.streaming_content).count(b"\n")
    assert lines == len(workload["actions"]) + 1

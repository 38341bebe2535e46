"""The dashboard: tiles, my actions, each report's progress, the chart, recent activity."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker.models import Grade, Status

TODAY = timezone.localdate()


def due(days: int) -> dict:
    date = TODAY + datetime.timedelta(days=days)
    return {"due_date": date, "original_due_date": date}


@pytest.fixture
def spread(force, staff):
    """One action of each kind a tile counts, in one report."""
    inspection = make_inspection(force=force, year=2016)
    q1 = make_question(inspection=inspection, number=1, grade=Grade.GOOD, text="Preventing crime?")
    q2 = make_question(
        inspection=inspection, number=2, grade=Grade.INADEQUATE, text="Protecting the vulnerable?"
    )
    return {
        "overdue": make_action(question=q1, owner=staff, **due(-2)),
        "soon": make_action(question=q1, status=Status.IN_PROGRESS, **due(12)),
        "submitted": make_action(question=q2, status=Status.SUBMITTED, **due(90)),
        "assured": make_action(question=q1, status=Status.ASSURED, **due(120)),
        "blocked": make_action(question=q2, blocked_reason="National programme"),
        "closed": make_action(question=q2, status=Status.CLOSED, closed_at=timezone.now()),
        "superseded": make_action(question=q2, status=Status.SUPERSEDED),
    }


def tile_counts(response) -> dict[str, int]:
    return {tile["label"]: tile["count"] for tile in response.context["tiles"]}


def test_a_force_user_sees_their_forces_tiles(signed_in, spread, other_force):
    make_action(force=other_force, **due(-5))
    response = signed_in.get("/")
    assert response.status_code == 200
    assert tile_counts(response) == {
        "Open": 5,
        "Overdue": 1,
        "Due in the next 30 days": 1,
        "Submitted for review": 1,
        "Assured by the force": 1,
        "Blocked": 1,
        "Closed": 1,
    }
    page = response.content.decode()
    assert "Lancashire Constabulary" in page
    assert "17% closed" in page  # 1 of the 6 not superseded


def test_each_tile_links_to_a_list_of_exactly_what_it_counts(signed_in, spread):
    for tile in signed_in.get("/").context["tiles"]:
        listed = signed_in.get(tile["url"]).context["page"].paginator.count
        assert listed == tile["count"], tile["label"]


def test_an_inspector_sees_all_forces_and_can_pick_one(client, inspector, spread, other_force):
    make_action(force=other_force, **due(-5))
    client.force_login(inspector)
    response = client.get("/")
    assert tile_counts(response)["Overdue"] == 2
    page = response.content.decode()
    assert '<select id="force-picker" name="force"' in page
    assert '<a href="/?force=kent">Kent Police</a>' in page
    picked = client.get("/?force=kent")
    assert tile_counts(picked)["Overdue"] == 1
    assert tile_counts(picked)["Open"] == 1
    for tile in picked.context["tiles"]:
        assert "force=kent" in tile["url"]
        assert client.get(tile["url"]).context["page"].paginator.count == tile["count"]


def test_an_inspectors_tiles_across_forces_are_the_sums_of_each_forces(
    client, inspector, spread, other_force
):
    # Issue 16: across every force the tiles add up the per-force rows (one pass over the
    # actions); each must still count what it counts for each force alone.
    make_action(force=other_force, **due(-5))
    make_action(force=other_force, status=Status.CLOSED, closed_at=timezone.now())
    client.force_login(inspector)
    across = tile_counts(client.get("/"))
    each = [tile_counts(client.get(f"/?force={slug}")) for slug in ("lancashire", "kent")]
    assert across == {label: each[0][label] + each[1][label] for label in across}
    assert across["Open"] == 6 and across["Closed"] == 2


def test_an_unknown_force_slug_shows_all_forces(client, inspector, spread):
    client.force_login(inspector)
    response = client.get("/?force=atlantis")
    assert response.status_code == 200
    assert response.context["force"] is None


def test_force_staff_cannot_pick_another_force(signed_in, spread, other_force):
    make_action(force=other_force, **due(-5))
    response = signed_in.get("/?force=kent")
    assert tile_counts(response)["Overdue"] == 1
    assert 'id="force-picker"' not in response.content.decode()


def test_my_actions_are_mine_open_and_soonest_due_first(signed_in, staff, force):
    later = make_action(force=force, owner=staff, text="Later one", **due(50))
    sooner = make_action(force=force, owner=staff, text="Sooner one", **due(5))
    make_action(
        force=force, owner=staff, text="Closed one", status=Status.CLOSED, closed_at=timezone.now()
    )
    make_action(force=force, text="Nobody's")
    response = signed_in.get("/")
    assert list(response.context["my_actions"]) == [sooner, later]


def test_with_nothing_assigned_it_suggests_unassigned_actions(signed_in):
    page = signed_in.get("/").content.decode()
    assert "No open actions are assigned to you." in page
    assert "No reports yet — an inspector imports one in Admin." in page


def test_each_report_shows_its_questions_grades_and_a_status_bar(signed_in, spread):
    page = signed_in.get("/").content.decode()
    assert "Preventing crime?" in page
    assert 'badge-grade-inadequate">Inadequate</span>' in page
    assert re.search(
        r'class="progress-stacked status-bar" role="img" aria-label="[^"]*1 submitted for review',
        page,
    )
    assert re.search(r'class="progress w-pct-\d+"><div class="progress-bar seg-closed"', page)


def test_the_chart_is_svg_with_a_table_alternative(signed_in, spread):
    page = signed_in.get("/").content.decode()
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" width="100%" role="img"', page)
    assert re.search(
        r'<rect x="[\d.]+" y="\d+" width="[\d.]+" height="20" class="seg-not_started">', page
    )
    assert "<summary>Show the chart as a table</summary>" in page
    table = page[page.index("<caption>Actions by status for each question") :]
    assert re.search(
        r'<th scope="row">Q2</th>(<td class="text-end">\d+</td>){6}<td class="text-end">4</td>',
        table,
    )


def test_recent_activity_shows_the_last_ten_events_of_this_force(
    signed_in, staff, force, outsider, other_force
):
    action = make_action(force=force, owner=staff)
    for n in range(12):
        action.add_note(f"Note {n}", by=staff)
    theirs = make_action(force=other_force, owner=outsider)
    theirs.add_note("Their secret", by=outsider)
    response = signed_in.get("/")
    events = list(response.context["recent_events"])
    assert len(events) == 10
    assert all(event.action_id == action.pk for event in events)
    assert "added a progress note" in response.content.decode()


def test_recent_activity_names_the_people_an_action_was_assigned_to(signed_in, lead, force):
    action = make_action(force=force)
    action.assign(make_user(force=force, first_name="Jo", last_name="Bloggs"), by=lead)
    action.set_due_date(datetime.date(2027, 3, 1), by=lead)
    page = signed_in.get("/").content.decode()
    assert re.search(r"Lee Lead</span>\s+changed owner from Unassigned to Jo Bloggs:", page)
    assert "set the due date to 1 Mar 2027" in page


def test_no_activity_is_an_empty_state(signed_in):
    assert "Nothing has happened yet." in signed_in.get("/").content.decode()


def test_an_inspector_is_shown_what_the_forces_assured_as_waiting_for_review(
    client, inspector, spread
):
    """Changed rule: an inspector reviews assured actions; a submitted one waits for its force
    lead."""
    client.force_login(inspector)
    response = client.get("/")
    assert list(response.context["my_actions"]) == [spread["assured"]]
    page = response.content.decode()
    assert "Waiting for your review" in page
    assert "All assured actions" in page
    assert "Waiting for your assurance" not in page


def test_a_force_lead_is_shown_what_waits_for_their_assurance(client, lead, spread):
    client.force_login(lead)
    response = client.get("/")
    assert list(response.context["to_assure"]) == [spread["submitted"]]
    page = response.content.decode()
    assert "Waiting for your assurance" in page
    listed = client.get(response.context["to_assure_url"]).context["page"].object_list
    assert list(listed) == [spread["submitted"]]


def test_force_staff_have_no_assurance_panel(signed_in, spread):
    response = signed_in.get("/")
    assert "to_assure" not in response.context
    assert "Waiting for your assurance" not in response.content.decode()


def test_the_five_latest_reports_are_shown_in_full_and_older_ones_listed(signed_in, force):
    reports = [make_inspection(force=force, year=2014 + year) for year in range(7)]
    for report in reports:
        make_action(question=make_question(inspection=report))
    page = signed_in.get("/").content.decode()
    assert page.count('class="card report-card') == 5
    assert page.count("<figcaption") == 5
    expanded = page[: page.index('id="older-reports-heading"')]
    older = page[page.index('id="older-reports-heading"') :]
    for report in reports[2:]:
        assert f'id="report-{report.pk}-title"' in expanded
    for report in reports[:2]:
        assert f'<a href="{report.get_absolute_url()}">{report}</a>' in older
        assert f'id="report-{report.pk}-title"' not in page
    assert "1 action</span>" in older
    assert '<a href="/inspections/">Show all reports' in older


def test_with_five_reports_or_fewer_there_is_no_older_list(signed_in, spread):
    page = signed_in.get("/").content.decode()
    assert "Earlier reports" not in page
    assert "Show all reports" not in page


def test_a_force_with_many_reports_lists_the_twenty_most_recent_earlier_ones(signed_in, force):
    # Issue 16: a force's hundreds of reports are the reports list's (/inspections/); the
    # dashboard draws the five most recent and lists the next twenty, counting only theirs.
    reports = [make_inspection(force=force, year=1990 + year) for year in range(27)]
    for report in reports:
        make_action(question=make_question(inspection=report))
    response = signed_in.get("/")
    page = response.content.decode()
    assert page.count('class="card report-card') == 5
    older = page[page.index('id="older-reports-heading"') :]
    for report in reports[2:22]:
        assert f'<a href="{report.get_absolute_url()}">{report}</a>' in older
    for report in reports[:2]:
        assert report.get_absolute_url() not in page
    assert "The 20 most recent earlier reports." in older
    assert '<a href="/inspections/">Show all reports' in older
    assert [summary["total"] for summary in response.context["older_reports"]] == [1] * 20

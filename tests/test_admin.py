"""The inspectors' admin: list, filter, close, import; force staff are kept out."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.factories import make_action
from tests.html_forms import preview_of, submit
from tests.reports import SAMPLE
from tracker.models import Action, ActionEvent, Inspection, Status

CHANGELIST = "/admin/tracker/action/"


def form_fields(page) -> dict:
    """The hidden inputs a browser would send back (inline management forms, version)."""
    html = page.content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def put_in(status, force, **kwargs):
    action = make_action(force=force, **kwargs)
    Action.objects.filter(pk=action.pk).update(status=status)
    action.refresh_from_db()
    return action


def assured(force, **kwargs):
    """An action its force lead assured: ready for an inspector to close."""
    return put_in(Status.ASSURED, force, **kwargs)


def test_force_staff_cannot_reach_the_admin(client, staff):
    client.force_login(staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_inspector_lists_actions_across_forces(client, inspector, force, other_force):
    make_action(force=force, text="Lancashire must improve call handling.")
    make_action(force=other_force, text="Kent must improve call handling.")
    client.force_login(inspector)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"Lancashire must improve" in response.content
    assert b"Kent must improve" in response.content


def test_an_inspector_filters_by_force_status_and_overdue(client, inspector, force, other_force):
    import datetime

    from django.utils import timezone

    late = timezone.localdate() - datetime.timedelta(days=5)
    make_action(force=force, text="Late Lancashire action", due_date=late, original_due_date=late)
    make_action(force=force, text="On-time Lancashire action")
    make_action(force=other_force, text="Late Kent action", due_date=late, original_due_date=late)
    client.force_login(inspector)

    by_force = client.get(CHANGELIST, {"force__id__exact": force.pk, "overdue": "yes"})
    assert b"Late Lancashire action" in by_force.content
    assert b"On-time Lancashire action" not in by_force.content
    assert b"Late Kent action" not in by_force.content

    by_status = client.get(CHANGELIST, {"status__exact": "submitted"})
    assert b"0 actions" in by_status.content or b"Late" not in by_status.content


def test_the_overdue_column_says_overdue_in_words_not_a_green_tick(client, inspector, force):
    import datetime

    from django.utils import timezone

    late = timezone.localdate() - datetime.timedelta(days=5)
    make_action(force=force, text="Late action", due_date=late, original_due_date=late)
    make_action(force=force, text="Action with time to spare")
    client.force_login(inspector)
    page = client.get(CHANGELIST).content.decode()
    cells = re.findall(r'<td class="field-overdue">(.*?)</td>', page, flags=re.S)
    assert sorted(cell.strip() for cell in cells) == ["No", "Overdue"]
    assert "icon-yes.svg" not in page and "icon-no.svg" not in page


def test_an_inspector_searches_afi_text(client, inspector, force):
    make_action(force=force, text="Digital forensics backlog must be reduced.")
    make_action(force=force, text="Stalking training is needed.")
    client.force_login(inspector)
    response = client.get(CHANGELIST, {"q": "forensics"})
    assert b"Digital forensics" in response.content
    assert b"Stalking training" not in response.content


def test_closing_selected_actions_asks_for_a_reason_and_records_it(client, inspector, force):
    """Changed rule: only assured actions are closed; a submitted one is skipped, and the
    confirmation says so on its row."""
    ready = assured(force)
    not_ready = make_action(force=force)
    not_assured = put_in(Status.SUBMITTED, force)
    client.force_login(inspector)
    selection = {
        "action": "close_selected",
        "_selected_action": [ready.pk, not_ready.pk, not_assured.pk],
    }

    confirm = client.post(CHANGELIST, selection)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Reason" in page
    rows = dict(re.findall(r"<li>#(\d+) (.*?)</li>", page))
    assert "will be skipped" not in rows[str(ready.pk)]
    assert (
        "(Submitted for review: will be skipped. An action cannot move to"
        in (rows[str(not_assured.pk)])
    )
    assert "until its force assures it" in rows[str(not_assured.pk)]

    response = client.post(
        CHANGELIST,
        {**selection, "apply": "1", "reason": "Evidence of impact accepted."},
        follow=True,
    )
    ready.refresh_from_db()
    not_ready.refresh_from_db()
    not_assured.refresh_from_db()
    assert ready.status == Status.CLOSED and ready.closed_by == inspector
    assert not_ready.status == Status.NOT_STARTED
    assert not_assured.status == Status.SUBMITTED
    messages = response.content.decode()
    assert "Closed 1 action(s)." in messages
    assert f"#{not_assured.pk}: An action cannot move to" in messages
    assert ready.events.get(kind=ActionEvent.Kind.STATUS).reason == "Evidence of impact accepted."
    assert ready.events.get(kind=ActionEvent.Kind.STATUS).via == ActionEvent.Via.ADMIN


def test_exporting_selected_actions_uses_the_csv_columns(client, inspector, force):
    action = make_action(force=force, text='=HYPERLINK("http://evil")')
    client.force_login(inspector)
    response = client.post(
        CHANGELIST, {"action": "export_selected_csv", "_selected_action": [action.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["action_id", "force", "inspection"]
    assert rows[1][0] == str(action.pk)
    assert rows[1][7].startswith("'=HYPERLINK")


def test_an_inspector_closes_one_action_on_its_page_with_the_version(client, inspector, force):
    action = assured(force)
    client.force_login(inspector)
    page = client.get(f"{CHANGELIST}{action.pk}/change/")
    assert page.status_code == 200
    assert b'name="version"' in page.content
    response = client.post(
        f"{CHANGELIST}{action.pk}/change/",
        {
            **form_fields(page),
            "status": "closed",
            "reason": "Impact shown in the 2018 inspection.",
            "owner": "",
            "due_date": "",
            "blocked_reason": "",
            "version": action.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.refresh_from_db()
    assert action.status == Status.CLOSED


def test_a_stale_admin_edit_is_refused_and_keeps_the_input(client, inspector, staff, force):
    action = assured(force, owner=staff)
    client.force_login(inspector)
    page = client.get(f"{CHANGELIST}{action.pk}/change/")
    loaded_version = action.version
    action.set_blocked("Waiting on the Home Office", by=staff)
    response = client.post(
        f"{CHANGELIST}{action.pk}/change/",
        {
            **form_fields(page),
            "status": "closed",
            "reason": "My carefully typed reason",
            "owner": staff.pk,
            "due_date": "",
            "blocked_reason": "",
            "version": loaded_version,
        },
    )
    assert response.status_code == 200
    assert b"changed by staff" in response.content or b"changed by Sam Staff" in response.content
    assert b"My carefully typed reason" in response.content
    action.refresh_from_db()
    assert action.status == Status.ASSURED and action.blocked_reason


def test_an_action_page_shows_its_events_read_only(client, inspector, staff, force):
    action = make_action(force=force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    client.force_login(inspector)
    page = client.get(f"{CHANGELIST}{action.pk}/change/")
    assert b"In progress" in page.content
    assert b"actionevent_set-0-reason" not in page.content  # no editable event fields
    assert (
        client.get(f"/admin/tracker/actionevent/{action.events.get().pk}/delete/").status_code
        == 403
    )


def test_an_inspector_imports_a_report_after_a_preview(client, inspector):
    client.force_login(inspector)
    text = SAMPLE.read_text(encoding="utf-8")
    posted = client.post("/admin/tracker/inspection/import/", {"text": text})
    _, preview = preview_of(client, posted)
    assert b"Check what will be created" in preview.content
    assert b"7 findings, each becoming an action: 7 areas for improvement." in preview.content
    assert not Inspection.objects.exists()

    confirm = submit(client, posted)
    assert confirm.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.imported_by == inspector
    assert Action.objects.count() == 7


def test_an_upload_that_is_not_a_report_is_refused_in_the_admin(client, inspector):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(inspector)
    letter = SimpleUploadedFile("letter.txt", b"Dear Sir,\nThank you.\n", content_type="text/plain")
    response = client.post("/admin/tracker/inspection/import/", {"file": letter})
    assert response.status_code == 400
    assert b"This report cannot be read" in response.content
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/tracker/inspection/",
        "/admin/tracker/question/",
        "/admin/tracker/evidencenote/",
        "/admin/tracker/actionevent/",
        "/admin/tracker/force/",
    ],
)
def test_every_admin_list_opens_for_an_inspector(client, inspector, force, url):
    make_action(force=force)
    client.force_login(inspector)
    assert client.get(url).status_code == 200


def test_an_inspector_filters_events_by_date(client, inspector, staff, force):
    action = make_action(force=force, owner=staff)
    action.add_note("Recent evidence", by=staff)
    client.force_login(inspector)
    page = client.get("/admin/tracker/actionevent/").content.decode()
    links = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="(\?at__[^"]+)"[^>]*>([^<]+)</a>', page)
    }
    assert {"Today", "Past 7 days", "This month", "This year"} <= set(links)
    assert "By date" in page
    events = set(ActionEvent.objects.filter(action=action).values_list("pk", flat=True))
    assert events
    this_week = client.get("/admin/tracker/actionevent/" + links["Past 7 days"])
    assert {event.pk for event in this_week.context["cl"].result_list} == events
    long_ago = client.get(
        "/admin/tracker/actionevent/",
        {"at__gte": "2001-01-01 00:00:00+00:00", "at__lt": "2001-02-01 00:00:00+00:00"},
    )
    assert not long_ago.context["cl"].result_list


def test_the_reports_list_counts_each_reports_actions(client, inspector, force):
    first = make_action(force=force)
    make_action(question=first.question, position=2)
    other_report = make_action(force=force)
    client.force_login(inspector)
    response = client.get("/admin/tracker/inspection/")
    rows = {row.pk: row.action_total for row in response.context["cl"].result_list}
    assert rows[first.question.inspection_id] == 2
    assert rows[other_report.question.inspection_id] == 1


def test_a_reports_admin_page_shows_its_summary_and_the_page_as_imported(client, inspector, force):
    report = make_action(force=force).question.inspection
    Inspection.objects.filter(pk=report.pk).update(
        summary="What the inspectors found.", source_text="The page as it was published."
    )
    client.force_login(inspector)
    page = client.get(f"/admin/tracker/inspection/{report.pk}/change/").content.decode()
    assert "What the inspectors found." in page
    assert "The page as it was published." in page


def test_an_inspector_filters_by_report(client, inspector, force):
    wanted = make_action(force=force, text="In the wanted report")
    make_action(force=force, text="In another report")
    client.force_login(inspector)
    assert b"?inspection=" not in client.get(CHANGELIST).content  # choose a force first
    offered = client.get(CHANGELIST, {"force__id__exact": force.pk})
    assert f"inspection={wanted.question.inspection_id}".encode() in offered.content
    response = client.get(
        CHANGELIST, {"force__id__exact": force.pk, "inspection": wanted.question.inspection_id}
    )
    assert b"In the wanted report" in response.content
    assert b"In another report" not in response.content
    nonsense = client.get(CHANGELIST, {"force__id__exact": force.pk, "inspection": "nonsense"})
    assert nonsense.status_code == 200


def test_after_a_conflict_the_inspector_can_save_on_purpose(client, inspector, staff, force):
    action = assured(force, owner=staff)
    client.force_login(inspector)
    page = client.get(f"{CHANGELIST}{action.pk}/change/")
    action.set_blocked("Waiting on the Home Office", by=staff)
    data = {
        **form_fields(page),
        "status": "closed",
        "reason": "Evidence accepted",
        "owner": staff.pk,
        "due_date": "",
        "blocked_reason": "Waiting on the Home Office",
    }
    conflict = client.post(f"{CHANGELIST}{action.pk}/change/", data)
    assert conflict.status_code == 200
    again = client.post(f"{CHANGELIST}{action.pk}/change/", {**data, **form_fields(conflict)})
    assert again.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.CLOSED


@pytest.fixture
def small_cap(monkeypatch):
    """Count no further than 60 rows, and a page ahead (issue 16's cap is 1,000 and five)."""
    monkeypatch.setattr("tracker.paging.CAP", 60)
    monkeypatch.setattr("tracker.paging.PAGES_AHEAD", 1)


def test_a_long_admin_list_says_more_than_its_count_and_pages_on(
    client, inspector, force, small_cap, monkeypatch
):
    # Issue 16: the admin's lists of actions, notes and events count no further than a page
    # past the one shown, never the whole table.
    question = make_action(force=force).question
    for _ in range(129):
        make_action(question=question)
    client.force_login(inspector)
    first = client.get(CHANGELIST).content.decode()
    assert "More than 100 actions" in first
    assert "Select all actions (more than 100)" in first
    assert 'href="?p=3"' in first
    last = client.get(CHANGELIST + "?p=3").content.decode()
    assert "130 actions" in last
    assert "More than" not in last
    action = Action.objects.first()
    for n in range(101):
        action.add_note(f"Progress {n}", by=inspector)
    notes = client.get("/admin/tracker/evidencenote/").content.decode()
    assert "101 evidence notes" in notes  # a hundred a page: counted to two pages
    monkeypatch.setattr("tracker.paging.PAGES_AHEAD", 0)
    notes = client.get("/admin/tracker/evidencenote/").content.decode()
    assert "More than 100 evidence notes" in notes
    events = client.get("/admin/tracker/actionevent/").content.decode()
    assert "More than 100 " in events


def test_the_admin_list_of_actions_opens_due_soonest_first(client, inspector, force):
    # Issue 16: read from the (due_date, id) index, as the site's list opens; undated last.
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    later, undated, sooner = (
        make_action(force=force, due_date=day, original_due_date=day)
        for day in (today + datetime.timedelta(days=9), None, today)
    )
    client.force_login(inspector)
    page = client.get(CHANGELIST).content.decode()
    shown = [int(pk) for pk in re.findall(r'href="/admin/tracker/action/(\d+)/change/', page)]
    assert [pk for pk in shown if pk in {later.pk, undated.pk, sooner.pk}] == [
        sooner.pk,
        later.pk,
        undated.pk,
    ]

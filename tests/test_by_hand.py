"""Adding a report, its areas and its findings by hand on the site (tracker/by_hand.py), and
the "Added by" line on an action's page (issue 14).

The reports and findings here are made up for the tests, not report text."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker.adding import add_action, new_report
from tracker.models import (
    Action,
    ActionEvent,
    Grade,
    Inspection,
    Kind,
    Question,
    ReportFormat,
    Status,
)

REPORTS = "/inspections/"
ADD_REPORT = "/inspections/add/"
PUBLISHED = datetime.date(2026, 2, 10)


def may_add(user):
    user.user_permissions.add(Permission.objects.get(codename="import_report"))
    return user


def text_of(html: str) -> str:
    """The page as a reader sees it: tags gone, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def errors_beside(page: str, field: str) -> list[str]:
    """The errors crispy-forms writes under one field."""
    return re.findall(rf'id="error_\d+_id_{field}"[^>]*>\s*<strong>(.*?)</strong>', page, re.S)


@pytest.fixture
def adder(staff):
    """Lancashire staff (Sam Staff) with the permission to import their force's reports."""
    return may_add(staff)


@pytest.fixture
def audit(force):
    report = new_report(force, source="Internal audit", title="Custody audit", published=PUBLISHED)
    report.save()
    return report


@pytest.fixture
def area(audit):
    return Question.objects.create(inspection=audit, number=1, text="Custody", label="Custody")


def add_area(inspection) -> str:
    return f"/inspections/{inspection.pk}/add-area/"


def add_finding(inspection) -> str:
    return f"/inspections/{inspection.pk}/add-finding/"


def cause_of_concern(area) -> Action:
    return add_action(area, kind=Kind.CAUSE_OF_CONCERN, text="Unsafe.", by=None, via="web")


def finding(area, **changes) -> dict:
    """The finding form as posted: an area for improvement, everything else left as offered."""
    return {
        "question": area.pk,
        "kind": Kind.AREA_FOR_IMPROVEMENT,
        "text": "The force should check its custody records weekly.",
        "status": Status.NOT_STARTED,
        **changes,
    }


# Who may add ---------------------------------------------------------------------------------


def test_staff_without_the_permission_are_refused_and_see_no_way_in(
    client, staff, area, security_log
):
    client.force_login(staff)
    audit = area.inspection

    for url in (ADD_REPORT, add_area(audit), add_finding(audit)):
        assert client.get(url).status_code == 403
        assert client.post(url, finding(area)).status_code == 403
    assert not Action.objects.exists()
    for page in (REPORTS, "/", audit.get_absolute_url()):
        html = client.get(page).content.decode()
        assert "Add a report by hand" not in html and "Add a finding" not in html
    assert f"event=add_refused user=staff ip=127.0.0.1 path={ADD_REPORT}" in security_log.lines()


def test_staff_with_the_permission_find_the_ways_in(client, adder, area):
    client.force_login(adder)
    audit = area.inspection

    for page in (REPORTS, "/", "/inspections/import/"):
        assert f'href="{ADD_REPORT}"' in client.get(page).content.decode(), page
    report_page = client.get(audit.get_absolute_url()).content.decode()
    assert f'href="{add_finding(audit)}"' in report_page
    assert f'href="{add_area(audit)}"' in report_page
    assert f'href="{add_finding(audit)}?question={area.pk}"' in report_page
    for url in (ADD_REPORT, add_area(audit), add_finding(audit)):
        assert client.get(url).status_code == 200


def test_another_forces_report_is_a_404_even_with_the_permission(client, other_force):
    kent = make_question(inspection=make_inspection(force=other_force))
    outsider = may_add(make_user(force=kent.inspection.force))
    lancashire_area = make_question()
    client.force_login(outsider)

    for url in (add_area(lancashire_area.inspection), add_finding(lancashire_area.inspection)):
        assert client.get(url).status_code == 404
        assert client.post(url, finding(lancashire_area)).status_code == 404
    assert not Action.objects.exists()
    assert lancashire_area.inspection.questions.count() == 1


def test_an_inspector_adds_a_report_for_the_force_they_pick(client, inspector, other_force):
    client.force_login(inspector)
    page = client.get(f"{ADD_REPORT}?force={other_force.slug}").content.decode()
    assert f'<option value="{other_force.pk}" selected>' in page

    response = client.post(
        ADD_REPORT,
        {
            "force": other_force.pk,
            "format": ReportFormat.OTHER,
            "source": "HMICFRS thematic",
            "title": "Vetting and counter-corruption",
            "published": "2026-01-20",
        },
    )

    report = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert (report.force, report.imported_by, report.programme) == (
        other_force,
        inspector,
        "HMICFRS",
    )
    assert client.get(add_area(report)).status_code == 200


# A report ----------------------------------------------------------------------------------


def test_staff_add_a_report_of_any_source_for_their_own_force(client, adder, force, other_force):
    client.force_login(adder)
    assert 'name="force"' not in client.get(ADD_REPORT).content.decode()

    response = client.post(
        ADD_REPORT,
        {
            "force": other_force.pk,  # not a field of theirs: ignored
            "format": ReportFormat.OTHER,
            "source": "  Internal audit ",
            "title": "Custody audit 2026",
            "published": "2026-02-10",
        },
        follow=True,
    )

    report = Inspection.objects.get()
    assert (report.force, report.format, report.year) == (force, ReportFormat.OTHER, 2026)
    assert (report.source, report.title, report.imported_by) == (
        "Internal audit",
        "Custody audit 2026",
        adder,
    )
    page = text_of(response.content.decode())
    assert "Report added. Now add its areas or questions." in page
    assert "Source Internal audit" in page
    assert "Added by Sam Staff on" in page
    assert "Imported from the report text" not in page


def test_a_peel_report_of_a_cycle_is_added_by_its_format(client, adder, force):
    client.force_login(adder)
    response = client.post(
        ADD_REPORT, {"format": ReportFormat.PEEL_2025_27, "published": "2026-06-01"}
    )
    report = Inspection.objects.get()
    assert response.status_code == 302
    assert (report.name, report.programme, report.year) == ("PEEL 2025–27", "PEEL", 2025)
    assert report.source == "HMICFRS"
    assert "Source HMICFRS" in text_of(client.get(report.get_absolute_url()).content.decode())


def test_a_report_already_there_is_refused_beside_its_title(client, adder, audit):
    client.force_login(adder)
    response = client.post(
        ADD_REPORT,
        {
            "format": ReportFormat.OTHER,
            "source": "Internal audit",
            "title": "Custody audit",
            "published": PUBLISHED.isoformat(),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert errors_beside(page, "title") == [
        "Lancashire Constabulary already has a report titled “Custody audit” published on "
        "10 Feb 2026. Open it from Reports, or give this one its own title."
    ]
    assert Inspection.objects.count() == 1
    # A different date is another report.
    other_day = {"format": "other", "source": "Internal audit", "title": "Custody audit"}
    assert client.post(ADD_REPORT, {**other_day, "published": "2026-03-01"}).status_code == 302


def test_a_peel_cycle_already_there_is_refused_beside_its_format(client, adder, force):
    new_report(force, format=ReportFormat.PEEL_2023_25).save()
    client.force_login(adder)
    response = client.post(
        ADD_REPORT, {"format": ReportFormat.PEEL_2023_25, "published": "2024-05-01"}
    )
    assert response.status_code == 400
    assert errors_beside(response.content.decode(), "format") == [
        "Lancashire Constabulary already has its PEEL 2023–25 report."
    ]


def test_a_bad_report_form_keeps_what_was_typed_and_says_what_is_wrong(client, adder):
    client.force_login(adder)
    response = client.post(
        ADD_REPORT,
        {"format": ReportFormat.OTHER, "source": "Internal audit", "published": "2026-02-31"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: Add a report by hand" in page
    assert 'id="error-summary"' in page and "There is a problem" in page
    assert 'href="#id_title"' in page and 'href="#id_published"' in page
    assert 'value="Internal audit"' in page
    assert errors_beside(page, "title") == [
        "Give its title: a report that is not a PEEL report is named by it."
    ]
    assert not Inspection.objects.exists()


# An area or question -----------------------------------------------------------------------


def test_an_area_is_numbered_next_by_default_and_filed_under_its_label(client, adder, area):
    client.force_login(adder)
    audit = area.inspection
    page = client.get(add_area(audit)).content.decode()
    assert 'name="number" value="2"' in page
    assert re.search(r'value="area"[^>]*checked', page)

    response = client.post(
        add_area(audit), {"shape": "area", "number": 2, "text": " Vetting ", "grade": ""}
    )

    added = audit.questions.get(number=2)
    assert response["Location"] == f"{audit.get_absolute_url()}#question-2"
    assert (added.label, added.text, added.grade) == ("Vetting", "Vetting", "")
    question = client.post(
        add_area(audit),
        {"shape": "question", "number": 3, "text": "Is custody safe?", "grade": Grade.GOOD},
    )
    assert question.status_code == 302
    assert audit.questions.get(number=3).short_name == "Q3"


def test_a_number_already_taken_is_refused_beside_it_keeping_the_text(client, adder, area):
    client.force_login(adder)
    response = client.post(
        add_area(area.inspection), {"shape": "area", "number": 1, "text": "Vetting"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert errors_beside(page, "number") == [
        "This report already has a number 1; the next free one is 2."
    ]
    assert "Vetting</textarea>" in page
    assert area.inspection.questions.count() == 1


# A finding ---------------------------------------------------------------------------------


def test_staff_add_a_finding_with_an_owner_reference_due_date_and_status(
    client, adder, colleague, area
):
    client.force_login(adder)
    due = timezone.localdate() + datetime.timedelta(days=60)

    response = client.post(
        add_finding(area.inspection),
        finding(
            area,
            reference=" IA  3 ",
            owner=colleague.pk,
            due_date=due.isoformat(),
            status=Status.IN_PROGRESS,
        ),
    )

    action = Action.objects.get()
    assert response["Location"] == f"{area.inspection.get_absolute_url()}#question-1"
    assert (action.question, action.force, action.kind) == (area, area.inspection.force, "afi")
    assert (action.reference, action.owner, action.due_date) == ("IA 3", colleague, due)
    assert (action.status, action.created_by) == (Status.IN_PROGRESS, adder)
    events = list(action.events.order_by("id").values_list("kind", "by", "via"))
    assert events == [
        (kind, adder.pk, "web") for kind in ("created", "owner", "due_date", "reference")
    ]
    report_page = text_of(client.get(response["Location"]).content.decode())
    assert f"Finding added as action {action.pk} under Area 1." in report_page
    assert "IA 3 · The force should check its custody records weekly." in report_page
    listed = client.get("/actions/", {"inspection": area.inspection_id}).content.decode()
    assert "The force should check its custody records weekly." in listed


def test_a_recommendation_of_a_cause_of_concern_is_due_its_months_after_publication(
    client, adder, area
):
    cause = cause_of_concern(area)
    client.force_login(adder)
    page = client.get(add_finding(area.inspection)).content.decode()
    assert f'<option value="{cause.pk}">Action {cause.pk}: Unsafe.</option>' in page

    response = client.post(
        add_finding(area.inspection),
        finding(area, kind=Kind.RECOMMENDATION, parent=cause.pk, deadline_months=3),
    )

    assert response.status_code == 302
    recommendation = Action.objects.get(kind=Kind.RECOMMENDATION)
    assert recommendation.parent == cause
    assert recommendation.due_date == datetime.date(2026, 5, 10)
    assert recommendation.deadline_text == "Within 3 months"


def test_only_a_recommendation_has_a_parent_and_only_of_its_own_report(client, adder, area):
    cause = cause_of_concern(area)
    elsewhere = make_action(kind=Kind.CAUSE_OF_CONCERN, force=area.inspection.force)
    client.force_login(adder)

    refused = client.post(add_finding(area.inspection), finding(area, parent=cause.pk))
    assert refused.status_code == 400
    assert errors_beside(refused.content.decode(), "parent") == [
        "Only a recommendation has a parent."
    ]
    other_report = client.post(
        add_finding(area.inspection),
        finding(area, kind=Kind.RECOMMENDATION, parent=elsewhere.pk),
    )
    assert other_report.status_code == 400
    assert errors_beside(other_report.content.decode(), "parent") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert Action.objects.count() == 2


def test_an_owner_of_another_force_is_refused_beside_the_field_keeping_the_text(
    client, adder, area, outsider
):
    client.force_login(adder)
    response = client.post(
        add_finding(area.inspection),
        finding(area, owner=outsider.pk, text="Typed with care.", reference="IA 9"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert errors_beside(page, "owner") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert "Typed with care.</textarea>" in page and 'value="IA 9"' in page
    assert f'<option value="{outsider.pk}"' not in page
    assert not Action.objects.exists()


def test_a_due_date_in_the_past_is_taken_once_confirmed(client, adder, area):
    client.force_login(adder)
    past = timezone.localdate() - datetime.timedelta(days=3)
    refused = client.post(add_finding(area.inspection), finding(area, due_date=past.isoformat()))
    assert refused.status_code == 400
    assert "is in the past. Tick the box to confirm that date" in refused.content.decode()
    assert 'name="confirm_past"' in refused.content.decode()

    taken = client.post(
        add_finding(area.inspection), finding(area, due_date=past.isoformat(), confirm_past="on")
    )
    assert taken.status_code == 302 and Action.objects.get().due_date == past


def test_a_report_with_no_areas_asks_for_one_first(client, adder, audit):
    client.force_login(adder)
    page = text_of(client.get(add_finding(audit)).content.decode())
    assert "Custody audit has no areas or questions yet" in page
    assert "Add an area or question first." in page


def test_an_inspector_adds_a_finding_to_any_forces_report(client, inspector, other_force):
    kent = make_question(inspection=make_inspection(force=other_force))
    owner = make_user(force=other_force)
    client.force_login(inspector)
    response = client.post(add_finding(kent.inspection), finding(kent, owner=owner.pk))
    action = Action.objects.get()
    assert response.status_code == 302
    assert (action.force, action.owner, action.created_by) == (other_force, owner, inspector)


# The "Added by" line -----------------------------------------------------------------------


def test_an_action_added_by_hand_says_who_added_it_and_when(client, staff, area):
    action = add_action(area, kind=Kind.AREA_FOR_IMPROVEMENT, text="Check.", by=staff, via="web")
    client.force_login(staff)
    page = text_of(client.get(action.get_absolute_url()).content.decode())
    today = timezone.localdate()
    assert f"Added by Sam Staff on {today.day} {today:%B %Y}." in page
    assert "Sam Staff added this action by hand" in page


def test_an_imported_action_says_who_imported_it_or_only_when(client, staff, force):
    imported, by_a_command = make_action(force=force, created_by=staff), make_action(force=force)
    for action, by in ((imported, staff), (by_a_command, None)):
        ActionEvent.objects.create(action=action, kind="imported", new_value="Not started", by=by)
    client.force_login(staff)
    today = timezone.localdate()
    first = text_of(client.get(imported.get_absolute_url()).content.decode())
    assert f"Imported by Sam Staff on {today.day} {today:%B %Y}." in first
    second = text_of(client.get(by_a_command.get_absolute_url()).content.decode())
    assert f"Imported on {today.day} {today:%B %Y}." in second
    assert "The system imported this action from the report" in second


def test_an_action_from_a_spreadsheet_says_so(client, staff, force):
    action = make_action(force=force, created_by=staff)
    ActionEvent.objects.create(
        action=action,
        kind="imported",
        new_value="Not started",
        reason="spreadsheet import: actions.xlsx row 5",
        by=staff,
        via="import",
    )
    client.force_login(staff)
    page = text_of(client.get(action.get_absolute_url()).content.decode())
    assert "Imported from a spreadsheet by Sam Staff on" in page
    assert "Sam Staff imported this action from a spreadsheet" in page
    assert "Reason: spreadsheet import: actions.xlsx row 5" in page


def test_an_action_with_no_record_of_its_making_says_nothing_of_it(client, staff, action):
    client.force_login(staff)
    page = client.get(action.get_absolute_url()).content.decode()
    assert 'class="added' not in page


# Queries -----------------------------------------------------------------------------------


def test_the_pages_cost_a_few_queries_whatever_the_reports_size(
    client, adder, area, django_assert_max_num_queries
):
    for n in range(30):
        add_action(area, kind=Kind.CAUSE_OF_CONCERN, text=f"Cause {n}", by=adder, via="web")
    client.force_login(adder)
    client.get("/")  # the session in its steady state
    # session, user, the report, whether they may add (two), its questions, its actions'
    # parents, the force's people; the report's page, as before and whether they may add
    for url, most in ((add_finding(area.inspection), 8), (area.inspection.get_absolute_url(), 7)):
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200

"""The PCC's response to a report: due 56 days after publication, recorded on the report's page
by a force lead or observer (or an inspector), shown there and, when due soon or overdue, on
the dashboard."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import make_inspection, make_inspector, make_user
from tracker.dates import day_month_year
from tracker.models import Inspection
from tracker.workflow import (
    PCC_RESPONSE_RECENT_DAYS,
    PccResponseState,
    Role,
    TransitionError,
    check_pcc_response,
    pcc_response,
    pcc_response_due,
    pcc_response_watch_q,
)

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LINK = "https://www.example-pcc.gov.uk/peel-response"


def days_ago(n: int) -> datetime.date:
    return TODAY - n * DAY


# The rule -----------------------------------------------------------------------------------


def test_the_response_is_due_56_days_after_publication():
    assert pcc_response_due(datetime.date(2026, 1, 8)) == datetime.date(2026, 3, 5)
    assert pcc_response_due(None) is None


@pytest.mark.parametrize(
    ("published", "responded", "state", "days_overdue", "days_left"),
    [
        (days_ago(60), None, PccResponseState.OVERDUE, 4, 0),
        (days_ago(57), None, PccResponseState.OVERDUE, 1, 0),
        (days_ago(56), None, PccResponseState.DUE_SOON, 0, 0),
        (days_ago(42), None, PccResponseState.DUE_SOON, 0, 14),
        (days_ago(41), None, PccResponseState.DUE, 0, 15),
        (days_ago(60), days_ago(1), PccResponseState.RESPONDED, 0, 0),
        (None, None, PccResponseState.NOT_DUE, 0, 0),
        (None, days_ago(1), PccResponseState.RESPONDED, 0, 0),
    ],
)
def test_where_a_response_stands(published, responded, state, days_overdue, days_left):
    response = pcc_response(published, responded, TODAY)
    assert response.state == state
    assert response.due == pcc_response_due(published)
    assert (response.days_overdue, response.days_left) == (days_overdue, days_left)


def test_the_dashboards_q_is_the_rule_for_reports_of_the_last_two_years(force):
    ages = [*range(0, 80), PCC_RESPONSE_RECENT_DAYS, PCC_RESPONSE_RECENT_DAYS + 1]
    for age in ages:
        make_inspection(force=force, published=days_ago(age))
    make_inspection(force=force, published=days_ago(70), pcc_response_on=days_ago(1))
    make_inspection(force=force, published=None)

    watched = set(Inspection.objects.filter(pcc_response_watch_q(TODAY)))

    watching = {PccResponseState.OVERDUE, PccResponseState.DUE_SOON}
    recent = TODAY - PCC_RESPONSE_RECENT_DAYS * DAY
    assert watched == {
        inspection
        for inspection in Inspection.objects.all()
        if inspection.pcc_response.state in watching and inspection.published >= recent
    }
    assert len(watched) == 79 - 42 + 1 + 1  # published 42 to 79 days ago, and two years ago


def test_a_response_is_dated_between_the_report_and_today():
    check_pcc_response(days_ago(10), days_ago(10), TODAY)
    check_pcc_response(None, TODAY, TODAY)
    with pytest.raises(TransitionError, match="cannot be in the future") as refused:
        check_pcc_response(days_ago(10), TODAY + DAY, TODAY)
    assert refused.value.field == "pcc_response_on"
    with pytest.raises(TransitionError, match="cannot come before the report"):
        check_pcc_response(days_ago(10), days_ago(11), TODAY)


# The report's page --------------------------------------------------------------------------


@pytest.fixture
def lead(force):
    return make_user(force=force, force_role=Role.LEAD, first_name="Lee", last_name="Lead")


@pytest.fixture
def observer(force):
    return make_user(force=force, force_role=Role.OBSERVER)


@pytest.fixture
def report(force):
    return make_inspection(force=force, published=days_ago(60))


def page(client, report) -> str:
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def record(client, report, on=None, url=LINK):
    data = {"pcc-pcc_response_on": (on or days_ago(1)).isoformat(), "pcc-pcc_response_url": url}
    return client.post(f"/inspections/{report.pk}/pcc-response/", data)


def test_the_report_page_says_when_the_response_is_due_and_how_late(signed_in, report):
    due = day_month_year(days_ago(4))
    assert f"Due {due}, <strong>overdue by 4 days</strong>" in page(signed_in, report)


def test_the_report_page_says_when_a_response_will_be_due(signed_in, force):
    report = make_inspection(force=force, published=days_ago(20))
    assert f"Due {day_month_year(TODAY + 36 * DAY)}, in 36 days" in page(signed_in, report)


def test_a_report_with_no_publication_date_has_no_response_due(signed_in, force):
    report = make_inspection(force=force, published=None)
    assert "Not due: the report has no publication date" in page(signed_in, report)


@pytest.mark.parametrize("role", [Role.LEAD, Role.OBSERVER])
def test_a_force_lead_or_observer_records_the_response(client, force, report, role):
    member = make_user(force=force, force_role=role)
    client.force_login(member)
    assert "Record the PCC's response" in page(client, report)

    response = record(client, report, on=days_ago(2))

    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert (report.pcc_response_on, report.pcc_response_url) == (days_ago(2), LINK)
    assert report.pcc_response_by == member
    assert report.pcc_response.state == PccResponseState.RESPONDED
    shown = page(client, report)
    assert f'Published {day_month_year(days_ago(2))} — <a href="{LINK}"' in shown
    assert "PCC response recorded." in shown


def test_an_inspector_of_the_force_records_it_too(client, force, report):
    inspector = make_inspector()
    inspector.inspects.add(force)
    client.force_login(inspector)
    assert record(client, report).status_code == 302
    report.refresh_from_db()
    assert report.pcc_response_url == LINK


def test_a_member_of_staff_may_not_record_it(signed_in, report):
    assert "Record the PCC" not in page(signed_in, report)
    assert record(signed_in, report).status_code == 403
    report.refresh_from_db()
    assert report.pcc_response_on is None


def test_another_forces_report_is_not_found(client, other_force, report):
    client.force_login(make_user(force=other_force, force_role=Role.LEAD))
    assert record(client, report).status_code == 404
    assert client.get(report.get_absolute_url()).status_code == 404


def test_an_inspector_of_other_forces_does_not_find_it(client, other_force, report):
    inspector = make_inspector()
    inspector.inspects.add(other_force)
    client.force_login(inspector)
    assert record(client, report).status_code == 404


@pytest.mark.parametrize(
    ("on", "url", "message"),
    [
        (TODAY + DAY, LINK, "cannot be in the future"),
        (days_ago(61), LINK, "cannot come before the report"),
        (days_ago(1), "not a link", "Enter a valid URL."),
        (days_ago(1), "", "This field is required."),
    ],
)
def test_a_refused_response_comes_back_with_the_reason(client, lead, report, on, url, message):
    client.force_login(lead)
    response = record(client, report, on=on, url=url)
    assert response.status_code == 400
    assert message in response.content.decode()
    report.refresh_from_db()
    assert report.pcc_response_on is None


def test_it_is_post_only(client, lead, report):
    client.force_login(lead)
    assert client.get(f"/inspections/{report.pk}/pcc-response/").status_code == 405


# The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_lists_the_forces_responses_due_soon_or_overdue(
    signed_in, force, other_force
):
    overdue = make_inspection(force=force, published=days_ago(60), year=2016)
    soon = make_inspection(force=force, published=days_ago(50), year=2017)
    make_inspection(force=force, published=days_ago(20), year=2018)  # due in 36 days
    make_inspection(force=force, published=days_ago(60), year=2019, pcc_response_on=TODAY)
    make_inspection(force=force, published=days_ago(3 * 365), year=2015)  # too old to list
    make_inspection(force=other_force, published=days_ago(60), year=2016)

    response = signed_in.get("/")

    assert list(response.context["pcc_responses_due"]) == [overdue, soon]
    body = response.content.decode()
    assert "PCC responses due" in body
    assert "overdue by 4 days" in body
    assert f"Due {day_month_year(days_ago(50) + 56 * DAY)}, in 6 days" in body


def test_the_dashboard_has_no_panel_when_nothing_is_due(signed_in, force):
    make_inspection(force=force, published=days_ago(20))
    assert "PCC responses due" not in signed_in.get("/").content.decode()


def test_an_inspector_across_forces_sees_each_reports_force(client, inspector, force, other_force):
    make_inspection(force=force, published=days_ago(60), year=2016)
    make_inspection(force=other_force, published=days_ago(45), year=2016)
    client.force_login(inspector)
    body = client.get("/").content.decode()
    assert "Lancashire PEEL 2016 Effectiveness" in body
    assert "Kent PEEL 2016 Effectiveness" in body
    body = client.get(f"/?force={other_force.slug}").content.decode()
    assert "Lancashire PEEL 2016" not in body

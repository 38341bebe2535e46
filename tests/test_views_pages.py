"""Sign-in, the layout every page shares, the report pages and the error pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views.defaults import permission_denied, server_error

from tests.factories import PASSWORD, make_action, make_inspection, make_question
from tracker.models import Grade, Pillar, Status

PAGES = ["/", "/actions/", "/inspections/", "/accounts/password_change/"]


@pytest.fixture
def report(force, staff):
    inspection = make_inspection(
        force=force,
        year=2016,
        pillar=Pillar.EFFECTIVENESS,
        title="How effective is the force at keeping people safe and reducing crime?",
        grade=Grade.GOOD,
        source_url="https://www.justiceinspectorates.gov.uk/hmicfrs/peel-assessments/",
    )
    q1 = make_question(
        inspection=inspection,
        number=1,
        text="How effective is the force at preventing crime?",
        grade=Grade.GOOD,
        narrative="Lancashire Constabulary is good at preventing crime.\n\nSecond paragraph.",
    )
    make_question(inspection=inspection, number=2, text="Investigating crime?", grade=Grade.GOOD)
    make_action(question=q1, text="Ensure a structured approach to problem solving.", owner=staff)
    make_action(question=q1, text="Evaluate what works.", status=Status.IN_PROGRESS)
    return inspection


# Sign in and out -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/actions/", "/actions/1/", "/actions/export.csv", "/inspections/", "/inspections/1/"],
)
def test_every_page_needs_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("form", ["note", "move", "owner", "due", "blocked"])
def test_every_form_needs_sign_in(client, action, form):
    response = client.post(f"/actions/{action.pk}/{form}/", {})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_signing_in_leads_to_the_dashboard(client, staff):
    page = client.get("/accounts/login/").content.decode()
    assert re.search(r'<label\s+for="id_username"', page)
    assert re.search(r'<label\s+for="id_password"', page)
    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"


def test_a_wrong_password_is_refused_on_the_page(client, staff):
    response = client.post("/accounts/login/", {"username": "staff", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_signing_out_is_a_post_from_the_header(signed_in):
    page = signed_in.get("/").content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/"', page)
    response = signed_in.post("/accounts/logout/")
    assert response.status_code == 302
    assert signed_in.get("/").status_code == 302


def test_the_password_change_page_uses_the_sites_layout(signed_in):
    page = signed_in.get("/accounts/password_change/").content.decode()
    assert "PEEL Action Tracker" in page
    assert re.search(r'<label\s+for="id_old_password"', page)
    response = signed_in.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-long-new-passphrase-2026",
            "new_password2": "a-long-new-passphrase-2026",
        },
    )
    assert response.status_code == 302
    assert "Password changed" in signed_in.get(response.url).content.decode()


# Layout --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_the_layout_has_a_skip_link_landmarks_and_navigation(signed_in, url):
    page = signed_in.get(url).content.decode()
    assert re.search(r'<a class="skip-link[^"]*" href="#main">Skip to main content</a>', page)
    assert '<header class="site-header">' in page
    assert '<nav class="navbar navbar-expand-xl navbar-dark" aria-label="Main">' in page
    assert '<main id="main" tabindex="-1">' in page
    assert '<div id="messages">' in page
    for label in ("Dashboard", "Actions", "Reports"):
        assert f">{label}</a>" in page
    assert "Lancashire Constabulary" in page


def test_the_current_section_is_marked_in_the_navigation(signed_in):
    page = signed_in.get("/actions/").content.decode()
    assert '<a class="nav-link" href="/actions/" aria-current="page">Actions</a>' in page
    assert '<a class="nav-link" href="/" aria-current="page">' not in page


def test_only_inspectors_get_the_admin_link(signed_in, client, inspector, force, other_force):
    assert ">Admin</a>" not in signed_in.get("/").content.decode()
    client.force_login(inspector)
    page = client.get("/").content.decode()
    assert '<a class="nav-link" href="/admin/">Admin</a>' in page
    assert '<span class="navbar-text site-force me-auto me-xl-3">Inspector</span>' in page
    inspector.inspects.add(force, other_force)  # only some forces: the header says how many
    inspector = type(inspector).objects.get(pk=inspector.pk)
    client.force_login(inspector)
    assert ">Inspector · 2 forces</span>" in client.get("/").content.decode()


def test_assets_are_served_locally(signed_in, client):
    page = signed_in.get("/").content.decode()
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(path).status_code == 200, path
    assert "cdn" not in page.lower()
    assert "htmx-config" in page


@pytest.mark.parametrize("url", [*PAGES, "/accounts/login/", "ACTION", "REPORT", "/nowhere/"])
def test_pages_have_no_inline_script_style_or_event_handler(signed_in, client, report, url):
    if url == "ACTION":
        url = f"/actions/{report.questions.first().actions.first().pk}/"
    elif url == "REPORT":
        url = f"/inspections/{report.pk}/"
    elif url == "/accounts/login/":
        client.logout()
    page = client.get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"<style", page)
    assert not re.search(r"\son[a-z]+=", page)
    assert not re.search(r"\shx-on", page)


# Reports -------------------------------------------------------------------------------------


def test_the_reports_page_lists_the_forces_reports(signed_in, report, other_force):
    make_inspection(force=other_force, year=2017)
    response = signed_in.get("/inspections/")
    page = response.content.decode()
    assert "Lancashire Constabulary PEEL 2016 Effectiveness" in page
    assert "Kent" not in page
    [listed] = response.context["inspections"]
    assert (listed.question_count, listed.action_count, listed.open_count) == (2, 2, 2)


def test_no_reports_is_an_empty_state(signed_in):
    assert "No reports yet" in signed_in.get("/inspections/").content.decode()


def test_the_report_page_shows_header_questions_narrative_and_actions(signed_in, report):
    page = signed_in.get(f"/inspections/{report.pk}/").content.decode()
    assert "PEEL 2016: Effectiveness" in page
    assert "How effective is the force at keeping people safe and reducing crime?" in page
    assert f'href="{report.source_url}"' in page
    assert '<section class="question mb-4" id="question-1"' in page
    assert '<details class="narrative">' in page
    assert "<p>Lancashire Constabulary is good at preventing crime.</p>" in page
    assert "Ensure a structured approach to problem solving." in page
    assert 'badge-status-in_progress">In progress</span>' in page
    assert "No areas for improvement under this question." in page
    assert 'media="print"' in page


# Error pages ---------------------------------------------------------------------------------


def test_an_unknown_address_is_a_404_in_the_sites_layout(signed_in):
    response = signed_in.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert '<main id="main"' in page


def test_the_403_page_uses_the_sites_layout(staff):
    request = RequestFactory().get("/")
    request.user = staff
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "You can't do that here" in response.content.decode()


def test_the_500_page_renders_without_a_request_or_database(db):
    page = render_to_string("500.html")
    assert "Something went wrong" in page
    assert "Skip to main content" in page
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_csrf_failure_explains_itself(client, staff, action):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(f"/actions/{action.pk}/note/", {})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()

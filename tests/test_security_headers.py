"""Response headers, the production settings check, and a page markup CSP will accept."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import make_action, make_inspector
from tracker.models import Status

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def csp_of(response) -> dict[str, str]:
    directives = (part.strip() for part in response["Content-Security-Policy"].split(";"))
    return dict(d.split(" ", 1) for d in directives if d)


def production_env(**extra) -> dict[str, str]:
    # The test run's own switches: pytest-django points DJANGO_SETTINGS_MODULE at the suite's
    # settings (tests/settings.py, plain HTTP), and the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop.
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="peel.example.police.uk",
        **extra,
    )
    return env


def manage(*args, **env) -> subprocess.CompletedProcess:
    """Run manage.py as production would: its settings, debug off, a real key."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("proxy", [{}, {"DJANGO_BEHIND_TLS_PROXY": "1"}])
def test_the_production_settings_pass_the_deploy_check_with_no_warnings(proxy):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **proxy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("proxy", "proxy_header"),
    [({}, "None"), ({"DJANGO_BEHIND_TLS_PROXY": "1"}, "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_production_settings_are_https_only(proxy, proxy_header):
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.X_FRAME_OPTIONS, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = manage("shell", "--no-imports", "-c", code, **proxy)
    assert result.stdout.strip() == f"False True True True True DENY {proxy_header}"


def test_pages_carry_the_hardening_headers(client, staff):
    client.force_login(staff)
    response = client.get("/accounts/password_change/", secure=True)
    assert response.status_code == 200
    assert csp_of(response) == EXPECTED_CSP
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/healthz"])
def test_the_content_security_policy_is_on_public_pages_and_the_admin(client, db, url):
    assert csp_of(client.get(url)) == EXPECTED_CSP


def test_the_content_security_policy_is_on_signed_in_admin_pages(client, inspector):
    client.force_login(inspector)
    response = client.get("/admin/tracker/action/")
    assert response.status_code == 200
    assert csp_of(response) == EXPECTED_CSP


class InlineCode(HTMLParser):
    """Collects what `script-src 'self'; style-src 'self'` would block in a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("inline <style>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            elif name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def populated(staff, force):
    action = make_action(force=force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Briefing delivered.", by=staff)
    return action


def staff_pages(action) -> list[str]:
    inspection = action.question.inspection
    return [
        "/",
        "/actions/",
        "/actions/?status=in_progress&sort=due_date",
        f"/actions/{action.pk}/",
        "/inspections/",
        f"/inspections/{inspection.pk}/",
        "/accounts/password_change/",
        "/accounts/password_change/done/",
        "/accounts/email/",
    ]


def admin_pages(action) -> list[str]:
    inspection = action.question.inspection
    return [
        "/admin/",
        "/admin/tracker/action/",
        f"/admin/tracker/action/{action.pk}/change/",
        "/admin/tracker/inspection/",
        f"/admin/tracker/inspection/{inspection.pk}/change/",
        "/admin/tracker/inspection/import/",
        "/admin/tracker/question/",
        f"/admin/tracker/question/{action.question.pk}/change/",
        "/admin/tracker/force/",
        f"/admin/tracker/force/{action.force.pk}/change/",
        "/admin/tracker/force/add/",
        f"/admin/tracker/force/{action.force.pk}/change/?_popup=1",
        "/admin/tracker/user/",
        "/admin/tracker/user/add/",
        f"/admin/tracker/user/{action.owner.pk}/change/",
        f"/admin/tracker/user/{action.owner.pk}/password/",
        "/admin/tracker/evidencenote/",
        "/admin/tracker/evidencenote/add/",
        "/admin/tracker/actionevent/",
        "/admin/auth/group/",
        "/admin/password_change/",
    ]


def test_staff_pages_have_no_inline_script_or_style(client, staff, populated):
    client.force_login(staff)
    for url in staff_pages(populated):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response) == [], url


def test_the_admin_pages_we_use_have_no_inline_script_or_style(client, populated):
    superuser = make_inspector(is_superuser=True)
    client.force_login(superuser)
    for url in admin_pages(populated):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response) == [], url
    confirm = client.post(
        "/admin/tracker/action/",
        {"action": "close_selected", "_selected_action": [populated.pk]},
    )
    assert confirm.status_code == 200 and inline_code(confirm) == []


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_the_sign_in_pages_have_no_inline_script_or_style(client, db, url):
    assert inline_code(client.get(url)) == []


def test_error_pages_have_no_inline_script_or_style(db, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    not_found = client.get("/actions/999999/")
    csrf_refused = client.post("/accounts/logout/")
    assert (not_found.status_code, csrf_refused.status_code) == (404, 403)
    assert inline_code(not_found) == inline_code(csrf_refused) == []

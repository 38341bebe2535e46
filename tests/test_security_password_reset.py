"""Password reset by email: offered only when email is configured, in the site's own pages,
linked from sign-in, and limited per address and per client."""

from __future__ import annotations

import datetime
import os
import re
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, connections
from django.test import Client

from tests.factories import PASSWORD, make_user
from tracker.models import PasswordResetRequest

ROOT = Path(__file__).resolve().parents[1]
LOGIN = "/accounts/login/"
RESET = "/accounts/password_reset/"
RESET_DONE = "/accounts/password_reset/done/"
RESET_PAGES = [RESET, RESET_DONE, "/accounts/reset/MQ/set-password/", "/accounts/reset/done/"]
LINK = re.compile(r"https?://\S+/accounts/reset/\S+/")
NEW_PASSWORD = "a-brand-new-long-passphrase"


@pytest.fixture
def reset_enabled(settings):
    settings.PASSWORD_RESET_ENABLED = True
    return settings


def ask_for_reset(client, email, *, ip="203.0.113.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    return LINK.search(message.body).group(0)


# When it is offered -------------------------------------------------------------------------


@pytest.mark.parametrize("url", RESET_PAGES)
def test_the_reset_pages_are_not_found_when_reset_is_off(client, db, settings, url):
    settings.PASSWORD_RESET_ENABLED = False
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "staff@example.police.uk"}).status_code == 404


def test_the_sign_in_page_offers_a_reset_only_when_it_is_on(client, db, settings):
    settings.PASSWORD_RESET_ENABLED = False
    assert b"Forgotten your password?" not in client.get(LOGIN).content
    settings.PASSWORD_RESET_ENABLED = True
    page = client.get(LOGIN).content.decode()
    assert f'<a href="{RESET}">Forgotten your password?</a>' in page


def settings_in_a_fresh_process(**environment) -> str:
    email_variables = {"EMAIL_HOST", "EMAIL_BACKEND", "DJANGO_PASSWORD_RESET_ENABLED"}
    env = {k: v for k, v in os.environ.items() if k not in email_variables}
    code = "from peel import settings; print(settings.PASSWORD_RESET_ENABLED)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("environment", "offered"),
    [
        ({}, "False"),
        ({"EMAIL_HOST": "smtp.example.police.uk"}, "True"),
        ({"EMAIL_BACKEND": "anymail.backends.amazon_ses.EmailBackend"}, "True"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "False"),
        ({"EMAIL_HOST": "smtp.example.police.uk", "DJANGO_PASSWORD_RESET_ENABLED": "0"}, "False"),
        ({"DJANGO_PASSWORD_RESET_ENABLED": "1"}, "True"),
    ],
)
def test_reset_is_offered_when_the_environment_configures_email(environment, offered):
    assert settings_in_a_fresh_process(**environment) == offered


# The site's own pages -----------------------------------------------------------------------


def test_every_reset_page_uses_the_sites_layout(client, staff, reset_enabled, mailoutbox):
    ask_for_reset(client, staff.email)
    link = client.get(link_in(mailoutbox[0]), follow=True)
    pages = [client.get(RESET), client.get(RESET_DONE), link, client.get("/accounts/reset/done/")]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert 'class="site-header"' in html and "· PEEL Action Tracker</title>" in html
        assert "Django administration" not in html and "Django site admin" not in html
    assert "Reset your password" in pages[0].content.decode()
    assert "Check your email" in pages[1].content.decode()
    assert "Choose a new password" in pages[2].content.decode()
    assert "Password set" in pages[3].content.decode()


def test_the_email_is_plain_text_with_an_absolute_link(client, staff, reset_enabled, mailoutbox):
    ask_for_reset(client, staff.email)
    [message] = mailoutbox
    assert message.to == [staff.email]
    assert message.subject == "Reset your PEEL Action Tracker password"
    assert message.alternatives == []
    assert "Hello Sam Staff," in message.body
    assert link_in(message).startswith("http://testserver/accounts/reset/")
    assert "within 60 minutes" in message.body


def test_the_reset_link_lets_the_user_choose_a_password_and_sign_in(
    client, staff, reset_enabled, mailoutbox, security_log
):
    response = ask_for_reset(client, staff.email)
    assert response.status_code == 302 and response["Location"] == RESET_DONE
    form = client.get(link_in(mailoutbox[0]), follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert b"Password set" in done.content
    assert client.post(LOGIN, {"username": "staff", "password": PASSWORD}).status_code == 200
    signed_in = client.post(LOGIN, {"username": "staff", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert any(line.startswith("event=password_reset user=staff") for line in security_log.lines())


def test_a_used_link_no_longer_works(client, staff, reset_enabled, mailoutbox):
    ask_for_reset(client, staff.email)
    form = client.get(link_in(mailoutbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    again = client.get(link_in(mailoutbox[0]), follow=True)
    assert b"This link no longer works" in again.content
    assert b"Choose a new password" not in again.content


def test_an_address_with_no_account_gets_the_same_answer_and_no_email(
    client, staff, reset_enabled, mailoutbox
):
    known = ask_for_reset(client, staff.email)
    unknown = ask_for_reset(client, "nobody@example.police.uk")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == RESET_DONE
    assert [m.to for m in mailoutbox] == [[staff.email]]


# Limits -------------------------------------------------------------------------------------


def test_forty_requests_for_one_address_send_three_emails(client, staff, reset_enabled, mailoutbox):
    responses = [ask_for_reset(client, staff.email, ip=f"198.51.100.{n}") for n in range(40)]
    assert len(mailoutbox) == 3
    # Over the limit the answer is the usual one: nothing says the address was limited.
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, RESET_DONE)}


def test_the_address_limit_ignores_the_case_it_is_typed_in(
    client, staff, reset_enabled, mailoutbox
):
    for typed in [staff.email, staff.email.upper(), staff.email.title(), staff.email]:
        ask_for_reset(client, typed, ip="198.51.100.1")
    assert len(mailoutbox) == 3


def test_one_client_may_ask_ten_times_an_hour_whatever_the_addresses(
    client, db, reset_enabled, mailoutbox
):
    people = [make_user() for _ in range(12)]
    for person in people:
        assert ask_for_reset(client, person.email).status_code == 302
    assert [m.to[0] for m in mailoutbox] == [p.email for p in people[:10]]
    # Another client is not held back by this one.
    ask_for_reset(client, people[11].email, ip="192.0.2.44")
    assert mailoutbox[-1].to == [people[11].email]


def test_the_client_is_the_address_the_trusted_proxy_saw(
    client, db, reset_enabled, mailoutbox, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    people = [make_user() for _ in range(11)]
    for person in people:
        # A forged left-hand entry changes nothing: the proxy appended the real address.
        client.post(
            RESET,
            {"email": person.email},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{len(mailoutbox)}, 203.0.113.7",
        )
    assert len(mailoutbox) == 10
    assert set(PasswordResetRequest.objects.values_list("client", flat=True)) == {"203.0.113.7"}


def test_the_limits_lift_an_hour_later(client, staff, reset_enabled, mailoutbox):
    for _ in range(4):
        ask_for_reset(client, staff.email)
    assert len(mailoutbox) == 3
    PasswordResetRequest.objects.update(
        requested_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=61)
    )
    ask_for_reset(client, staff.email)
    assert len(mailoutbox) == 4
    # Requests older than the window are gone: the table holds the last hour only.
    assert PasswordResetRequest.objects.count() == 1


def test_the_limits_are_settings(client, staff, reset_enabled, mailoutbox):
    reset_enabled.PASSWORD_RESET_EMAILS_PER_ADDRESS = 1
    for n in range(3):
        ask_for_reset(client, staff.email, ip=f"198.51.100.{n}")
    assert len(mailoutbox) == 1


def run_together(*jobs, timeout: float = 30) -> None:
    """Start each job in its own thread (own database connection) at the same moment."""
    start = threading.Barrier(len(jobs))

    def run(job):
        try:
            start.wait(timeout)
            job()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"


@pytest.fixture
def slow_request_records(monkeypatch):
    """Hold each request between counting and recording a moment, so that they overlap."""
    create = PasswordResetRequest.objects.create

    def slow_create(**kwargs):
        time.sleep(0.2)
        return create(**kwargs)

    monkeypatch.setattr(PasswordResetRequest.objects, "create", slow_create)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database server; SQLite's in-memory test database cannot queue writers",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_from_several_processes_still_send_three_emails(
    settings, mailoutbox, slow_request_records
):
    settings.PASSWORD_RESET_ENABLED = True
    person = make_user()

    def ask_from(n):
        return lambda: ask_for_reset(Client(), person.email, ip=f"198.51.100.{n}")

    run_together(*(ask_from(n) for n in range(8)))
    assert len(mailoutbox) == 3
    assert PasswordResetRequest.objects.filter(refused=False).count() == 3


def test_a_limited_request_is_logged(client, staff, reset_enabled, mailoutbox, security_log):
    for _ in range(4):
        ask_for_reset(client, staff.email)
    lines = security_log.lines()
    who = f"user=- ip=203.0.113.7 email={staff.email}"
    assert lines.count(f"event=password_reset_requested {who}") == 3
    assert f"event=password_reset_limited {who} limit=address" in lines


# A real SMTP server -------------------------------------------------------------------------


class Mailbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def test_the_reset_email_reaches_a_real_smtp_server(client, staff, reset_enabled, smtp_server):
    controller, mailbox = smtp_server
    reset_enabled.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    reset_enabled.EMAIL_HOST = controller.hostname
    reset_enabled.EMAIL_PORT = controller.port
    reset_enabled.EMAIL_USE_TLS = False
    reset_enabled.DEFAULT_FROM_EMAIL = "peel-tracker@example.police.uk"
    assert ask_for_reset(client, staff.email).status_code == 302
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "peel-tracker@example.police.uk"
    assert envelope.rcpt_tos == [staff.email]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Reset your PEEL Action Tracker password"
    assert message.get_content_type() == "text/plain"
    body = message.get_payload(decode=True).decode()
    link = LINK.search(body).group(0)
    assert client.get(link, follow=True).content.count(b"Choose a new password") >= 1

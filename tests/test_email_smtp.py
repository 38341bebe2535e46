"""The tracker's e-mail through a real SMTP server on loopback (aiosmtpd, started here): sent
at once and in the digest, as text with an HTML alternative; a server that refuses one
recipient (550) or is not there fails only what it did not take, and the next run sends it."""

from __future__ import annotations

import datetime
import socket
from email import message_from_bytes
from email.message import Message
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command

from tests.factories import make_action, make_user
from tracker.models import Email, EmailState

SITE = "https://peel.example.police.uk"
FROM = "peel-tracker@example.police.uk"
DAY = datetime.date(2026, 3, 5)


class Mailbox:
    """Accepts every recipient but those in `refused`, which it answers with a 550."""

    def __init__(self):
        self.envelopes = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages_to(self, address: str) -> list[Message]:
        return [
            message_from_bytes(envelope.content)
            for envelope in self.envelopes
            if envelope.rcpt_tos == [address]
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = FROM
    settings.SITE_URL = SITE


@pytest.fixture
def action(force):
    """An action of `force` with no owner yet: these tests give it one (the suite's `action`
    is owned by `staff`)."""
    return make_action(force=force)


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    yield mailbox
    controller.stop()


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def overdue(force, owner):
    return make_action(
        force=force,
        owner=owner,
        text="Overdue finding.",
        due_date=DAY - datetime.timedelta(days=1),
        original_due_date=DAY - datetime.timedelta(days=1),
    )


def test_a_new_owner_gets_text_and_html_from_a_real_server(
    smtp_server, action, staff, force, django_capture_on_commit_callbacks
):
    lead = make_user(force=force, force_role="lead")
    with django_capture_on_commit_callbacks(execute=True):
        action.assign(staff, by=lead)
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == FROM and envelope.rcpt_tos == [staff.email]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "You are now the owner of a PEEL action"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert f"{SITE}/actions/{action.pk}/" in body["text/plain"]
    assert f'href="{SITE}/actions/{action.pk}/"' in body["text/html"]
    assert Email.objects.get().state == EmailState.SENT


def test_a_server_that_refuses_one_recipient_fails_only_that_one_until_the_next_run(
    smtp_server, force, staff, colleague
):
    refused = make_user(force=force, username="refused")
    for person in (staff, colleague, refused):
        overdue(force, person)
    smtp_server.refused.add(refused.email)
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("send_reminders", "--date", DAY.isoformat(), stdout=out)
    assert str(failed.value) == "Sent 2 digests, 1 failed (will retry): refused (digest)."
    assert f"Failed: digest to refused <{refused.email}>: SMTPRecipientsRefused" in out.getvalue()
    for person in (staff, colleague):
        [message] = smtp_server.messages_to(person.email)
        assert "Overdue finding." in parts(message)["text/plain"]
        assert "Overdue finding." in parts(message)["text/html"]
    assert smtp_server.messages_to(refused.email) == []
    row = Email.objects.get(recipient=refused)
    assert row.state == EmailState.FAILED and "550" in row.last_error

    smtp_server.refused.clear()
    out = StringIO()
    call_command("send_reminders", "--date", DAY.isoformat(), stdout=out)
    assert out.getvalue().splitlines()[-1] == "Sent 1 digest."
    assert len(smtp_server.messages_to(refused.email)) == 1
    assert len(smtp_server.envelopes) == 3
    row.refresh_from_db()
    assert row.state == EmailState.SENT and row.attempts == 2


def test_a_server_that_is_not_there_loses_nothing(
    settings, action, staff, force, django_capture_on_commit_callbacks, caplog
):
    use_smtp(settings, free_port())  # nothing listens there
    lead = make_user(force=force, force_role="lead")
    with django_capture_on_commit_callbacks(execute=True):
        action.assign(staff, by=lead)
    action.refresh_from_db()
    assert action.owner == staff
    row = Email.objects.get()
    assert row.state == EmailState.FAILED and "ConnectionRefusedError" in row.last_error
    assert "E-mail not sent (assigned to staff, attempt 1)" in caplog.text

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        call_command("send_reminders", "--date", DAY.isoformat(), stdout=StringIO())
    finally:
        controller.stop()
    assert [envelope.rcpt_tos for envelope in mailbox.envelopes] == [[staff.email]]
    row.refresh_from_db()
    assert row.state == EmailState.SENT

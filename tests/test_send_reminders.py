"""manage.py send_reminders: one digest a day for each person with something in it (overdue,
due within 14 days, returned to them, awaiting their sign-off), sent once however often it
runs, and failed e-mail sent again (tracker/notify.py)."""

from __future__ import annotations

import datetime
import smtplib
from io import StringIO

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_action, make_inspector, make_user
from tracker.models import Email, EmailState, Status, User
from tracker.notify import DIGEST_SECTION_ROWS, digests

SITE = "https://peel.example.police.uk"
DAY = datetime.date(2026, 3, 5)


@pytest.fixture
def action(force):
    """An action of `force` with no owner yet: these tests give it one (the suite's `action`
    is owned by `staff`)."""
    return make_action(force=force)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def due(days: int) -> dict:
    date = DAY + datetime.timedelta(days=days)
    return {"due_date": date, "original_due_date": date}


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", "--date", DAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def digest_to(mailoutbox, person):
    [message] = [m for m in mailoutbox if m.to == [person.email]]
    return message


@pytest.fixture
def lead(force):
    return make_user(username="lead", force=force, force_role="lead")


@pytest.fixture
def work(force, other_force, staff, lead, inspector):
    """A day's work: staff's overdue, due-soon, later, closed and returned actions; a
    submitted action for the lead, an assured one for the inspector, another force's too."""
    return {
        "overdue": make_action(force=force, owner=staff, text="Overdue finding.", **due(-4)),
        "soon": make_action(force=force, owner=staff, text="Due-soon finding.", **due(14)),
        "later": make_action(force=force, owner=staff, text="Later finding.", **due(15)),
        "closed": make_action(
            force=force,
            owner=staff,
            text="Closed finding.",
            status=Status.CLOSED,
            closed_at=timezone.now(),
            **due(-30),
        ),
        "returned": make_action(
            force=force,
            owner=staff,
            text="Returned finding.",
            status=Status.IN_PROGRESS,
            returned_at=timezone.now(),
            returned_reason="Not enough evidence.",
        ),
        "submitted": make_action(
            force=force, owner=staff, text="Submitted finding.", status=Status.SUBMITTED
        ),
        "assured": make_action(
            force=force, owner=staff, text="Assured finding.", status=Status.ASSURED
        ),
        "elsewhere": make_action(
            force=other_force, text="Another force's assured finding.", status=Status.ASSURED
        ),
    }


# What a digest says -------------------------------------------------------------------------


def test_an_owner_hears_of_overdue_due_soon_and_returned_actions_only(work, staff, mailoutbox):
    run()
    message = digest_to(mailoutbox, staff)
    assert message.subject == ("Your PEEL actions on 5 Mar 2026: 1 overdue, 1 due soon, 1 returned")
    body = message.body
    assert body.index("OVERDUE (1)") < body.index("Overdue finding.")
    assert body.index("DUE WITHIN 14 DAYS (1)") < body.index("Due-soon finding.")
    assert body.index("RETURNED TO YOU (1)") < body.index("Returned finding.")
    for absent in ("Later finding.", "Closed finding.", "Not enough evidence."):
        assert absent not in body
    assert f"{SITE}/actions/{work['overdue'].pk}/" in body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert f'<a href="{SITE}/actions/{work["returned"].pk}/"' in html
    assert "<h2" in html and "Due within 14 days (1)" in html


def test_a_lead_hears_of_the_forces_submitted_actions(work, lead, mailoutbox):
    run()
    message = digest_to(mailoutbox, lead)
    assert message.subject == "Your PEEL actions on 5 Mar 2026: 1 awaiting your sign-off"
    assert "AWAITING YOUR SIGN-OFF (1)" in message.body
    assert "Submitted finding." in message.body and "Assured finding." not in message.body
    assert "owner Sam Staff" in message.body


def test_an_inspector_hears_of_the_assured_actions_of_their_forces(
    work, inspector, force, other_force, mailoutbox
):
    of_kent = make_inspector()
    of_kent.inspects.add(other_force)
    run()
    everywhere = digest_to(mailoutbox, inspector).body
    assert "AWAITING YOUR SIGN-OFF (2)" in everywhere
    assert "Assured finding." in everywhere and "Another force's assured finding." in everywhere
    kent = digest_to(mailoutbox, of_kent).body
    assert "AWAITING YOUR SIGN-OFF (1)" in kent and "Assured finding." not in kent


def test_nobody_with_nothing_to_say_or_the_digest_off_gets_one(
    work, staff, lead, inspector, colleague, force, mailoutbox
):
    User.objects.filter(pk=lead.pk).update(email_digest=False)
    make_user(force=force, is_active=False)
    User.objects.filter(pk=inspector.pk).update(email="")
    output = run()
    assert [m.to for m in mailoutbox] == [[staff.email]]
    assert output.splitlines() == [f"Sent: digest to staff <{staff.email}>", "Sent 1 digest."]


def test_a_long_section_shows_twenty_and_links_to_the_rest(force, staff, mailoutbox):
    for n in range(DIGEST_SECTION_ROWS + 3):
        make_action(force=force, owner=staff, text=f"Finding {n:02}.", **due(-1))
    run()
    body = digest_to(mailoutbox, staff).body
    assert "OVERDUE (23)" in body and "Finding 19." in body and "Finding 20." not in body
    assert f"… and 3 more: {SITE}/actions/?owner=me&sort=due&overdue=1" in body


# Once a day ---------------------------------------------------------------------------------


def test_running_twice_in_a_day_sends_nothing_more(work, staff, lead, inspector, mailoutbox):
    assert run().splitlines()[-1] == "Sent 3 digests."
    assert len(mailoutbox) == 3
    assert run().splitlines() == ["Sent 0 digests."]
    assert len(mailoutbox) == 3
    assert Email.objects.filter(kind="digest", key="2026-03-05", state="sent").count() == 3


def test_the_next_day_brings_the_next_digest(work, staff, mailoutbox):
    run()
    call_command("send_reminders", "--date", "2026-03-06", stdout=StringIO())
    assert len([m for m in mailoutbox if m.to == [staff.email]]) == 2
    assert mailoutbox[-1].subject.startswith("Your PEEL actions on 6 Mar 2026:")


def test_a_dry_run_says_what_it_would_send_and_sends_nothing(work, staff, mailoutbox):
    output = run("--dry-run")
    assert f"Would send: digest to staff <{staff.email}>" in output
    assert output.splitlines()[-1] == "Would send 3 digests (dry run, nothing sent)."
    assert mailoutbox == []
    assert not Email.objects.exists()


def test_the_day_is_today_unless_given(work, staff, mailoutbox):
    call_command("send_reminders", stdout=StringIO())
    assert Email.objects.filter(kind="digest", key=timezone.localdate().isoformat()).exists()


# Failures -----------------------------------------------------------------------------------


@pytest.fixture
def refusing(monkeypatch):
    """The mail server refuses these addresses (as locmem never would)."""
    refused: set[str] = set()
    send = EmailBackend.send_messages

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return refused


def test_a_failed_digest_is_reported_and_sent_by_the_next_run(
    work, staff, lead, inspector, mailoutbox, refusing
):
    refusing.add(lead.email)
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("send_reminders", "--date", DAY.isoformat(), stdout=out)
    assert str(failed.value) == "Sent 2 digests, 1 failed (will retry): lead (digest)."
    assert f"Failed: digest to lead <{lead.email}>: SMTPRecipientsRefused" in out.getvalue()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([staff.email, inspector.email])
    row = Email.objects.get(recipient=lead)
    assert row.state == EmailState.FAILED and row.attempts == 1 and "550" in row.last_error

    refusing.clear()
    assert run().splitlines() == [f"Sent: digest to lead <{lead.email}>", "Sent 1 digest."]
    assert [m.to for m in mailoutbox[2:]] == [[lead.email]]
    row.refresh_from_db()
    assert row.state == EmailState.SENT and row.attempts == 2 and row.last_error == ""


def test_an_earlier_days_failed_digest_gives_way_to_the_days_own(work, staff, mailoutbox, refusing):
    refusing.add(staff.email)
    with pytest.raises(CommandError):
        run()
    refusing.clear()
    call_command("send_reminders", "--date", "2026-03-06", stdout=StringIO())
    assert [m.subject[:35] for m in mailoutbox if m.to == [staff.email]] == [
        "Your PEEL actions on 6 Mar 2026: 1 "
    ]


def test_a_failed_e_mail_sent_at_once_is_sent_again_before_the_digests(
    action, staff, lead, mailoutbox, refusing, django_capture_on_commit_callbacks
):
    refusing.add(staff.email)
    with django_capture_on_commit_callbacks(execute=True):
        action.assign(staff, by=lead)
    assert mailoutbox == []
    refusing.clear()
    output = run()
    assert output.splitlines() == [
        f"Sent: assigned to staff <{staff.email}>",
        "Sent 0 digests and 1 earlier e-mail.",
    ]
    assert mailoutbox[0].subject == "You are now the owner of a PEEL action"


# Queries ------------------------------------------------------------------------------------


def people_with_work(force, other_force, n: int) -> None:
    for _ in range(n):
        owner = make_user(force=force)
        make_action(force=force, owner=owner, **due(-1))
        make_action(force=force, owner=owner, status=Status.SUBMITTED)
        make_user(force=force, force_role="lead")
        make_inspector().inspects.add(other_force)
        make_action(force=other_force, status=Status.ASSURED)


def test_the_queries_do_not_grow_with_the_people(
    force, other_force, django_assert_max_num_queries, mailoutbox
):
    people_with_work(force, other_force, 2)
    with CaptureQueriesContext(connection) as few:
        run()
    people_with_work(force, other_force, 6)
    # The retry (1), the digests already logged (1), the people and their forces (2), the
    # actions they own, and the submitted and assured ones awaiting sign-off (3), then the new
    # rows and how each went (2).
    with django_assert_max_num_queries(9), CaptureQueriesContext(connection) as many:
        run()
    assert len(many) == len(few)
    assert len(mailoutbox) == 3 * 8  # each person once: the first two already had theirs


def test_digests_are_worked_out_without_a_query_per_person(force, other_force):
    people_with_work(force, other_force, 3)
    with CaptureQueriesContext(connection) as queries:
        found = digests(DAY)
    assert len(found) == 3 * 3
    assert len(queries) == 5

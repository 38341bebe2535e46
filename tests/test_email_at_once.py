"""E-mail sent at once, after a change commits: the new owner, the owner of a returned action,
the force's leads when an action is submitted, its inspectors when one is assured; each can
turn theirs off, and nobody hears of their own change (tracker/notify.py)."""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.factories import get_force, make_action, make_inspector, make_user
from tracker.models import ActionEvent, Email, EmailState, Status, User
from tracker.notify import send_for_event

SITE = "https://peel.example.police.uk"


@pytest.fixture
def action(force):
    """An action of `force` with no owner yet: these tests give it one (the suite's `action`
    is owned by `staff`)."""
    return make_action(force=force)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def lead(force):
    return make_user(
        username="lead", force=force, force_role="lead", first_name="Lee", last_name="Lead"
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the callbacks a change leaves for its commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def move(action, status, *, by, **fields):
    """A status event as `Action.move_to` writes it, without the rulebook's conditions (the
    two-stage sign-off's moves are the rulebook's business; which e-mail follows is ours)."""
    action._change(
        {"status": status, **fields},
        ActionEvent.Kind.STATUS,
        old=action.get_status_display(),
        new=Status(status).label,
        by=by,
        via="web",
        version=None,
    )


def return_(action, *, by):
    move(
        action,
        Status.IN_PROGRESS,
        by=by,
        returned_at=timezone.now(),
        returned_by=by,
        returned_reason="The evidence is for another action.",
    )


def addressed_to(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


# Made an action's owner ---------------------------------------------------------------------


def test_a_new_owner_is_told_at_once_in_text_and_html_with_absolute_links(
    action, staff, lead, mailoutbox, committed
):
    with committed():
        action.assign(staff, by=lead)
    [message] = mailoutbox
    assert message.to == [staff.email]
    assert message.subject == "You are now the owner of a PEEL action"
    assert "Lee Lead made you the owner of this action" in message.body
    assert action.text in message.body
    assert f"{SITE}/actions/{action.pk}/" in message.body
    assert f"{SITE}/accounts/email/" in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert f'<a href="{SITE}/actions/{action.pk}/"' in html
    assert '<html lang="en-GB">' in html
    [row] = Email.objects.all()
    assert (row.recipient, row.kind, row.key) == (staff, "assigned", str(action.events.first().pk))
    assert row.state == EmailState.SENT and row.attempts == 1 and row.sent_at is not None


def test_nobody_is_told_they_assigned_themselves(action, lead, mailoutbox, committed):
    # A force lead taking an action on (only leads and inspectors give an action an owner).
    with committed():
        action.assign(lead, by=lead)
    assert mailoutbox == []


def test_unassigning_tells_nobody(action, staff, lead, mailoutbox, committed):
    action.assign(staff, by=lead)
    with committed():
        action.assign(None, by=lead)
    assert mailoutbox == []


def test_an_import_or_command_that_assigns_tells_the_owner(action, staff, mailoutbox, committed):
    with committed():
        action.assign(staff, by=None, via="command")
    [message] = mailoutbox
    assert "An operator's command made you the owner" in message.body


def test_the_message_escapes_what_the_finding_says_in_html(
    force, staff, lead, committed, mailoutbox
):
    action = make_action(force=force, text="Stop <script>alert(1)</script> & report")
    with committed():
        action.assign(staff, by=lead)
    [message] = mailoutbox
    assert "<script>" not in message.alternatives[0][0]
    assert "Stop &lt;script&gt;alert(1)&lt;/script&gt; &amp; report" in message.alternatives[0][0]
    assert "Stop <script>alert(1)</script> & report" in message.body


# Returned, submitted, assured ----------------------------------------------------------------


def test_the_owner_is_told_when_their_action_is_returned(
    action, staff, inspector, mailoutbox, committed
):
    action.assign(staff, by=inspector)
    move(action, Status.SUBMITTED, by=staff)
    with committed():
        return_(action, by=inspector)
    [message] = mailoutbox
    assert message.to == [staff.email]
    assert message.subject == "Your PEEL action was returned"
    assert "returned your action to In progress" in message.body
    # What the inspector wrote stays on the action's page.
    assert "another action" not in message.body


def test_a_move_back_to_in_progress_that_is_no_return_tells_nobody(
    action, staff, inspector, mailoutbox, committed
):
    action.assign(staff, by=inspector)
    move(action, Status.CLOSED, by=inspector, closed_at=timezone.now(), closed_by=inspector)
    with committed():
        move(action, Status.IN_PROGRESS, by=inspector, closed_at=None, closed_by=None)
    assert mailoutbox == []


def test_a_change_that_calls_for_no_e_mail_leaves_no_work_for_its_commit(
    action, staff, inspector, django_capture_on_commit_callbacks
):
    # A close, a supersession, an unassignment or a note: nothing to look up once it commits.
    with django_capture_on_commit_callbacks() as callbacks:
        action.assign(staff, by=inspector)
    assert len(callbacks) == 1  # a new owner: looked up once it commits
    with django_capture_on_commit_callbacks() as callbacks:
        action.assign(None, by=inspector)
        action.set_blocked("Waiting for the Home Office.", by=inspector)
        move(action, Status.CLOSED, by=inspector, closed_at=timezone.now(), closed_by=inspector)
    assert callbacks == []


def test_the_forces_leads_are_told_when_its_action_is_submitted(
    action, staff, lead, force, other_force, mailoutbox, committed
):
    second = make_user(force=force, force_role="lead")
    make_user(force=other_force, force_role="lead")
    make_user(force=force, force_role="observer")
    action.assign(staff, by=lead)
    with committed():
        move(action, Status.SUBMITTED, by=staff)
    assert addressed_to(mailoutbox) == sorted([lead.email, second.email])
    assert {m.subject for m in mailoutbox} == {"Submitted for review: a Lancashire action"}


def test_a_lead_who_submits_is_not_told_of_it(action, lead, force, mailoutbox, committed):
    other = make_user(force=force, force_role="lead")
    with committed():
        move(action, Status.SUBMITTED, by=lead)
    assert addressed_to(mailoutbox) == [other.email]


def test_the_forces_inspectors_are_told_when_its_action_is_assured(
    action, lead, force, other_force, inspector, mailoutbox, committed
):
    of_this_force = make_inspector()
    of_this_force.inspects.add(force)
    of_another = make_inspector()
    of_another.inspects.add(other_force)
    superuser = make_user(force=None, is_superuser=True)
    move(action, Status.SUBMITTED, by=None)
    with committed():
        move(action, Status.ASSURED, by=lead, assured_at=timezone.now(), assured_by=lead)
    assert addressed_to(mailoutbox) == sorted(
        [inspector.email, of_this_force.email, superuser.email]
    )
    assert mailoutbox[0].subject == "Assured, ready for the inspectorate: a Lancashire action"
    assert "Lee Lead assured this action of Lancashire Constabulary" in mailoutbox[0].body


def test_other_changes_tell_nobody(action, staff, lead, mailoutbox, committed):
    with committed():
        action.set_reference("AFI 7", by=lead)
        action.set_blocked("Waiting for the PCC", by=lead)
        move(action, Status.IN_PROGRESS, by=lead)
    assert mailoutbox == []
    assert not Email.objects.exists()


# Who does not get it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("email_on_assigned", lambda action, by, owner: action.assign(owner, by=by)),
        ("email_on_returned", lambda action, by, owner: return_(action, by=by)),
        ("email_on_submitted", lambda action, by, owner: move(action, Status.SUBMITTED, by=by)),
        ("email_on_assured", lambda action, by, owner: move(action, Status.ASSURED, by=by)),
    ],
)
def test_each_person_can_turn_each_one_off(
    action, force, inspector, mailoutbox, committed, field, change
):
    """The owner, a lead and an inspector all have the one preference off: nobody hears."""
    owner = make_user(force=force, **{field: False})
    make_user(force=force, force_role="lead", **{field: False})
    User.objects.filter(pk=inspector.pk).update(**{field: False})
    if field != "email_on_assigned":
        action.owner = owner
        action.save(update_fields=["owner"])
    by = make_user(force=None, is_superuser=True, **{field: False})
    with committed():
        change(action, by, owner)
    assert mailoutbox == []
    assert not Email.objects.exists()


def test_inactive_people_and_people_without_an_address_get_nothing(
    action, force, lead, mailoutbox, committed
):
    make_user(force=force, force_role="lead", is_active=False)
    make_user(force=force, force_role="lead", email="")
    with committed():
        move(action, Status.SUBMITTED, by=None)
    assert addressed_to(mailoutbox) == [lead.email]


# Transactions -------------------------------------------------------------------------------


def test_a_change_that_rolls_back_sends_nothing(action, staff, lead, mailoutbox, committed):
    with committed() as callbacks, contextlib.suppress(RuntimeError), transaction.atomic():
        action.assign(staff, by=lead)
        raise RuntimeError("the rest of the request failed")
    assert callbacks == []
    assert mailoutbox == []
    assert not Email.objects.exists()


def test_nothing_is_sent_before_the_change_commits(action, staff, lead, mailoutbox, committed):
    with committed(), transaction.atomic():
        action.assign(staff, by=lead)
        action.set_reference("AFI 7", by=lead)
        assert mailoutbox == []
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_sends_and_a_real_rollback_does_not(mailoutbox, settings):
    settings.SITE_URL = SITE
    force = get_force()
    lead = make_user(force=force, force_role="lead")
    owner, other = make_user(force=force), make_user(force=force)
    action = make_action(force=force)
    action.assign(owner, by=lead)
    assert addressed_to(mailoutbox) == [owner.email]
    with contextlib.suppress(RuntimeError), transaction.atomic():
        action.assign(other, by=lead)
        raise RuntimeError("rolled back")
    assert addressed_to(mailoutbox) == [owner.email]
    assert Email.objects.count() == 1


# Failure, and sending it again --------------------------------------------------------------


@pytest.fixture
def mail_server_down(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    return monkeypatch


def test_a_failure_to_send_is_logged_and_kept_and_the_change_stands(
    action, staff, lead, mailoutbox, committed, mail_server_down, caplog
):
    with caplog.at_level(logging.WARNING, logger="tracker.notify"), committed():
        action.assign(staff, by=lead)
    action.refresh_from_db()
    assert action.owner == staff
    assert mailoutbox == []
    [row] = Email.objects.all()
    assert row.state == EmailState.FAILED and row.attempts == 1
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert "E-mail not sent (assigned to staff, attempt 1)" in caplog.text


def test_send_reminders_sends_a_failed_one_again_once(
    action, staff, lead, mailoutbox, committed, mail_server_down, capsys
):
    with committed():
        action.assign(staff, by=lead)
    mail_server_down.undo()
    call_command("send_reminders")
    assert addressed_to(mailoutbox) == [staff.email]
    assert "You are now the owner" in mailoutbox[0].subject
    [row] = Email.objects.all()
    assert row.state == EmailState.SENT and row.attempts == 2 and row.last_error == ""
    assert f"Sent: assigned to staff <{staff.email}>" in capsys.readouterr().out
    call_command("send_reminders")
    assert len(mailoutbox) == 1


def test_a_message_left_pending_by_a_stopped_process_is_sent_again_later(
    action, staff, lead, mailoutbox
):
    action.assign(staff, by=lead)  # not committed: no message, as if the process had stopped
    event = action.events.first()
    row = Email.objects.create(recipient=staff, kind="assigned", key=str(event.pk))
    call_command("send_reminders")
    assert mailoutbox == []  # it may still be on its way
    Email.objects.filter(pk=row.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("send_reminders")
    assert addressed_to(mailoutbox) == [staff.email]


def test_an_event_is_e_mailed_once_however_often_its_callback_runs(action, staff, lead, mailoutbox):
    action.assign(staff, by=lead)
    event = action.events.first()
    send_for_event(event.pk)
    send_for_event(event.pk)
    assert len(mailoutbox) == 1

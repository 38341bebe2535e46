"""E-mail about actions: who is told what, and when (README, "E-mail and reminders").

This module owns every e-mail the tracker sends about actions (the password reset's is
Django's own, tracker/accounts.py):

- **At once**, when a change commits (`after_commit`, which `Action._change` calls for every
  event; a change that rolls back sends nothing): the new owner, when someone else makes them
  an action's owner; the owner, when their action is returned; the force's leads, when one of
  its actions is submitted; its inspectors, when one is assured.
- **Daily** (`send_digests`, run by `manage.py send_reminders`): one digest for each person
  with something in it: their open actions overdue or due within `DIGEST_DUE_DAYS`, those
  returned to them, and those awaiting their sign-off (a force lead: the force's submitted
  actions; an inspector: the assured actions of their forces).

Each person can turn each of these off (`PREFERENCES`, fields of the User); nobody is e-mailed
about their own change, nor while their account is inactive or has no address.

Every message is a row of `Email` (one per person, kind and key: the event for a message sent
at once, the day for a digest), written before it is sent and marked sent or failed after.
The log makes the digest idempotent (a day's digest already sent is not sent again), and loses
nothing to a mail server that is down or refuses an address: the failure is logged and kept on
the row, never shown to the person who made the change, and the next `send_reminders` sends it
again (`retry`). A failed digest is sent again by any later run on its day; on a later day,
that day's digest, which says what is still true, takes its place.

A message is a subject, a plain-text body and an HTML alternative, from templates/email/, with
absolute links built from `SITE_URL`. It says what the tracker's lists say of an action (its
finding, force, report, status, due date and people's names), never evidence notes, files or
the reasons given for a change (SECURITY.md).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracker.dates import day_month_year
from tracker.models import (
    INSPECTORS_GROUP,
    REPORT_TEXT,
    Action,
    ActionEvent,
    Email,
    EmailKind,
    EmailState,
    Force,
    Status,
    User,
    inspectors_of,
    leads_of,
)
from tracker.workflow import OPEN_STATUSES

logger = logging.getLogger(__name__)

# The digest lists an owner's open actions due from today to this many days ahead (shorter
# than the dashboard's "due soon": a reminder, not a plan).
DIGEST_DUE_DAYS = 14
# A longer section of a digest lists this many and links to the rest on the action list.
DIGEST_SECTION_ROWS = 20
# A message left pending this long was being sent by a process that stopped: send it again.
PENDING_FOR = datetime.timedelta(minutes=10)

# Each kind of e-mail, and the User field that turns it off; the preferences page's order.
PREFERENCES = {
    EmailKind.ASSIGNED: "email_on_assigned",
    EmailKind.RETURNED: "email_on_returned",
    EmailKind.SUBMITTED: "email_on_submitted",
    EmailKind.ASSURED: "email_on_assured",
    EmailKind.DIGEST: "email_digest",
}

# What a message shows of an action, in the query that fetches it.
ACTION_RELATED = ("force", "owner", "question__inspection")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# At once -------------------------------------------------------------------------------------


def after_commit(event: ActionEvent) -> None:
    """Send what `event` calls for once its transaction commits; nothing if it rolls back.

    `robust`: an error while sending is logged, and never fails the change that was made.
    """
    if _may_call_for_mail(event):
        transaction.on_commit(partial(send_for_event, event.pk), robust=True)


# The statuses a move may call for e-mail by (`kind_of`): In progress only when it is a return.
_MAIL_STATUSES = (Status.SUBMITTED.label, Status.ASSURED.label, Status.IN_PROGRESS.label)


def _may_call_for_mail(event: ActionEvent) -> bool:
    """Whether `kind_of` could answer anything for `event`, from the event alone: a change
    that cannot (a close, a note, an unassignment…) costs no query after it commits."""
    if event.kind == ActionEvent.Kind.OWNER:
        return bool(event.new_value)
    return event.kind == ActionEvent.Kind.STATUS and event.new_value in _MAIL_STATUSES


def send_for_event(event_id: int) -> list[Email]:
    """E-mail the people `event` concerns who want it, each once; the rows, sent or failed."""
    event = (
        ActionEvent.objects.select_related("by", *(f"action__{name}" for name in ACTION_RELATED))
        .defer(*(f"action__{name}" for name in REPORT_TEXT))
        .get(pk=event_id)
    )
    kind = kind_of(event)
    if kind is None:
        return []
    outgoing = []
    for person in recipients(event, kind):
        message = event_message(kind, event, person)
        row, created = Email.objects.get_or_create(
            recipient=person, kind=kind, key=str(event.pk), defaults={"subject": message.subject}
        )
        if created:
            outgoing.append((row, message))
    return deliver(outgoing)


def kind_of(event: ActionEvent) -> EmailKind | None:
    """The e-mail an event calls for, if any. Asked as the event commits: a return is the move
    back to In progress that left the action returned."""
    if event.kind == ActionEvent.Kind.OWNER:
        return EmailKind.ASSIGNED if event.new_value else None
    if event.kind != ActionEvent.Kind.STATUS:
        return None
    if event.new_value == Status.SUBMITTED.label:
        return EmailKind.SUBMITTED
    if event.new_value == Status.ASSURED.label:
        return EmailKind.ASSURED
    if event.new_value == Status.IN_PROGRESS.label and event.action.returned_at is not None:
        return EmailKind.RETURNED
    return None


def recipients(event: ActionEvent, kind: EmailKind) -> QuerySet[User]:
    """Who gets `kind` of e-mail about `event`: those it concerns who want it, but not the
    person who made the change."""
    action = event.action
    people = {
        EmailKind.ASSIGNED: User.objects.filter(username=event.new_value),
        EmailKind.RETURNED: User.objects.filter(owned_actions=action),
        EmailKind.SUBMITTED: leads_of(action.force_id),
        EmailKind.ASSURED: inspectors_of(action.force_id),
    }[kind]
    people = people.filter(is_active=True, **{PREFERENCES[kind]: True}).exclude(email="")
    return people.exclude(pk=event.by_id) if event.by_id else people


def event_message(kind: str, event: ActionEvent, person: User) -> EmailMultiAlternatives:
    action = event.action
    context = {
        "action": action,
        "action_url": absolute(action.get_absolute_url()),
        "by_name": event.by.display_name if event.by else "An operator's command",
        "event": event,
    }
    return render_message(kind, person, context)


# Every message -------------------------------------------------------------------------------


def render_message(template: str, person: User, context: dict) -> EmailMultiAlternatives:
    """The message to `person` from templates/email/<template>{_subject.txt,.txt,.html}."""
    context = {
        **context,
        "person": person,
        "site_url": settings.SITE_URL,
        "preferences_url": absolute(reverse("email-preferences")),
    }
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())[:200]
    context["subject"] = subject
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"email/{template}.txt", context).strip() + "\n",
        to=[person.email],
    )
    message.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    return message


def deliver(outgoing: Sequence[tuple[Email, EmailMultiAlternatives]]) -> list[Email]:
    """Send each message over one connection and record how each went on its row.

    Any failure (a server down or refusing the address, whatever the backend raises) marks
    that row failed, with the error, and the others are still sent.
    """
    if not outgoing:
        return []
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 (any backend's failure is a failed message)
        for row, _ in outgoing:
            _failed(row, error)
    else:
        for row, message in outgoing:
            try:
                connection.send_messages([message])
            except Exception as error:  # noqa: BLE001
                _failed(row, error)
                _reconnect(connection)
            else:
                row.attempts += 1
                row.state, row.sent_at, row.last_error = EmailState.SENT, timezone.now(), ""
        with contextlib.suppress(Exception):
            connection.close()
    rows = [row for row, _ in outgoing]
    Email.objects.bulk_update(rows, ["subject", "state", "attempts", "last_error", "sent_at"])
    return rows


def _failed(row: Email, error: Exception) -> None:
    row.attempts += 1
    row.state = EmailState.FAILED
    row.last_error = f"{type(error).__name__}: {error}"[:1000]
    logger.warning(
        "E-mail not sent (%s to %s, attempt %s): %s",
        row.kind,
        row.recipient.username,
        row.attempts,
        row.last_error,
    )


def _reconnect(connection) -> None:
    """After a failure the connection may be broken: start a new one for the next message (if
    that fails too, the next message's send says so)."""
    with contextlib.suppress(Exception):
        connection.close()
    with contextlib.suppress(Exception):
        connection.open()


def retry(*, dry_run: bool = False) -> list[Email]:
    """Send again each message sent at once that failed, or that a stopped process left pending,
    to people still active with an address; the rows (unsent with `dry_run`)."""
    stalled = timezone.now() - PENDING_FOR
    rows = list(
        Email.objects.exclude(kind=EmailKind.DIGEST)
        .filter(Q(state=EmailState.FAILED) | Q(state=EmailState.PENDING, created_at__lt=stalled))
        .filter(recipient__is_active=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("created_at", "id")
    )
    if dry_run:
        return rows
    events = (
        ActionEvent.objects.select_related("by", *(f"action__{name}" for name in ACTION_RELATED))
        .defer(*(f"action__{name}" for name in REPORT_TEXT))
        .in_bulk([int(row.key) for row in rows])
    )
    return deliver(
        [(row, event_message(row.kind, events[int(row.key)], row.recipient)) for row in rows]
    )


# The daily digest ----------------------------------------------------------------------------


@dataclass
class Section:
    heading: str
    actions: list[Action]
    list_path: str  # the action list, filtered to show them all
    show_owner: bool = False

    @property
    def shown(self) -> list[Action]:
        return self.actions[:DIGEST_SECTION_ROWS]

    @property
    def more(self) -> int:
        return max(0, len(self.actions) - DIGEST_SECTION_ROWS)

    @property
    def list_url(self) -> str:
        return absolute(self.list_path)


@dataclass
class Digest:
    """What one person's digest for `day` says."""

    person: User
    day: datetime.date
    overdue: list[Action] = field(default_factory=list)
    due_soon: list[Action] = field(default_factory=list)
    returned: list[Action] = field(default_factory=list)
    awaiting: list[Action] = field(default_factory=list)
    awaiting_status: str = ""

    def says_something(self) -> bool:
        return bool(self.overdue or self.due_soon or self.returned or self.awaiting)

    def sections(self) -> list[Section]:
        mine = {"owner": "me", "sort": "due"}
        open_ = {"status": [str(status) for status in OPEN_STATUSES]}
        until = self.day + datetime.timedelta(days=DIGEST_DUE_DAYS)
        sections = [
            Section("Overdue", self.overdue, _list_path(mine, overdue=1)),
            Section(
                f"Due within {DIGEST_DUE_DAYS} days",
                self.due_soon,
                _list_path(
                    mine, open_, due_after=self.day.isoformat(), due_before=until.isoformat()
                ),
            ),
            Section("Returned to you", self.returned, _list_path(mine, returned=1)),
            Section(
                "Awaiting your sign-off",
                self.awaiting,
                _list_path({"status": self.awaiting_status, "sort": "due"}),
                show_owner=True,
            ),
        ]
        return [section for section in sections if section.actions]

    def counts(self) -> str:
        """ "2 overdue, 1 due soon, …", for the subject."""
        counts = [
            (len(self.overdue), "overdue"),
            (len(self.due_soon), "due soon"),
            (len(self.returned), "returned"),
            (len(self.awaiting), "awaiting your sign-off"),
        ]
        return ", ".join(f"{n} {words}" for n, words in counts if n)

    def message(self) -> EmailMultiAlternatives:
        return render_message(
            "digest", self.person, {"digest": self, "day": day_month_year(self.day)}
        )


def _list_path(*queries: dict, **more) -> str:
    query = {key: value for q in (*queries, more) for key, value in q.items()}
    return f"{reverse('action-list')}?{urlencode(query, doseq=True)}"


def digests(day: datetime.date) -> list[Digest]:
    """Everyone's digest for `day` that has something to say, in a fixed number of queries
    however many people there are: the people, their inspected forces, the actions they own,
    and the submitted and the assured actions awaiting sign-off."""
    people_wanting = User.objects.filter(is_active=True, email_digest=True).exclude(email="")
    in_group = Exists(Group.objects.filter(user=OuterRef("pk"), name=INSPECTORS_GROUP))
    people = list(
        people_wanting.annotate(in_inspectors_group=in_group)
        .prefetch_related(Prefetch("inspects", queryset=Force.objects.only("pk")))
        .order_by("username")
    )
    found = {person.pk: Digest(person, day) for person in people}
    actions = Action.objects.select_related(*ACTION_RELATED).defer(*REPORT_TEXT)

    until = day + datetime.timedelta(days=DIGEST_DUE_DAYS)
    owned = (
        actions.open()
        .filter(owner__in=people_wanting.values("pk"))
        .filter(Q(due_date__lte=until) | Q(returned_at__isnull=False))
        .order_by("due_date", "id")
    )
    for action in owned:
        digest = found.get(action.owner_id)  # None: not among the people read a moment ago
        if digest is None:
            continue
        if action.is_returned:
            digest.returned.append(action)
        if action.due_date is None:
            continue
        if action.due_date < day:
            digest.overdue.append(action)
        elif action.due_date <= until:
            digest.due_soon.append(action)

    leads = [person for person in people if person.is_lead]
    submitted: defaultdict[int | None, list[Action]] = defaultdict(list)
    if leads:
        waiting = actions.filter(
            status=Status.SUBMITTED, force_id__in={lead.force_id for lead in leads}
        )
        for action in waiting.order_by("due_date", "id"):
            submitted[action.force_id].append(action)
    for lead in leads:
        found[lead.pk].awaiting = submitted[lead.force_id]
        found[lead.pk].awaiting_status = Status.SUBMITTED

    # As `User.is_inspector` and `inspected_force_ids` decide, for everyone at once.
    inspectors = [
        (person, {force.pk for force in person.inspects.all()} or None)
        for person in people
        if person.force_id is None and (person.is_superuser or person.in_inspectors_group)
    ]
    assured: list[Action] = []
    if inspectors:
        waiting = actions.filter(status=Status.ASSURED)
        asked = [forces for _, forces in inspectors]
        if None not in asked:  # else an inspector of every force: all of them
            waiting = waiting.filter(force_id__in=set().union(*(f for f in asked if f)))
        assured = list(waiting.order_by("due_date", "id"))
    for inspector, forces in inspectors:
        found[inspector.pk].awaiting_status = Status.ASSURED
        found[inspector.pk].awaiting = [
            action for action in assured if forces is None or action.force_id in forces
        ]
    return [digest for digest in found.values() if digest.says_something()]


def send_digests(day: datetime.date, *, dry_run: bool = False) -> list[Email]:
    """Send `day`'s digests not sent yet (a failed one again); the rows (unsent and unsaved
    with `dry_run`). Running it twice in a day sends nothing more."""
    key = day.isoformat()
    logged = {row.recipient_id: row for row in Email.objects.filter(kind=EmailKind.DIGEST, key=key)}
    outgoing = []
    for digest in digests(day):
        row = logged.get(digest.person.pk)
        if row is not None and row.state == EmailState.SENT:
            continue
        message = digest.message()
        if row is None:
            row = Email(recipient=digest.person, kind=EmailKind.DIGEST, key=key)
        row.recipient = digest.person
        row.subject = str(message.subject)
        outgoing.append((row, message))
    if dry_run:
        return [row for row, _ in outgoing]
    Email.objects.bulk_create([row for row, _ in outgoing if row.pk is None])
    return deliver(outgoing)


# The daily run -------------------------------------------------------------------------------


@dataclass
class Reminders:
    """What `send_reminders` did: the e-mails sent again, and the day's digests."""

    retried: list[Email]
    digests: list[Email]
    dry_run: bool = False

    @property
    def failed(self) -> list[Email]:
        return [row for row in (*self.retried, *self.digests) if row.state == EmailState.FAILED]

    def lines(self) -> list[str]:
        """One line per e-mail: sent, failed (and why), or would be sent."""
        lines = []
        for row in (*self.retried, *self.digests):
            if self.dry_run:
                outcome = "Would send"
            else:
                outcome = "Sent" if row.state == EmailState.SENT else "Failed"
            line = f"{outcome}: {row.kind} to {row.recipient.username} <{row.recipient.email}>"
            lines.append(f"{line}: {row.last_error}" if row.state == EmailState.FAILED else line)
        return lines

    def summary(self) -> str:
        """ "Sent 12 digests and 1 earlier e-mail, 2 failed (will retry): bob (digest), …"."""
        if self.dry_run:
            counted = _counted(len(self.digests), len(self.retried))
            return f"Would send {counted} (dry run, nothing sent)."
        sent = [row for row in (*self.retried, *self.digests) if row.state == EmailState.SENT]
        counted = _counted(
            sum(row.kind == EmailKind.DIGEST for row in sent),
            sum(row.kind != EmailKind.DIGEST for row in sent),
        )
        if not self.failed:
            return f"Sent {counted}."
        who = ", ".join(f"{row.recipient.username} ({row.kind})" for row in self.failed)
        return f"Sent {counted}, {len(self.failed)} failed (will retry): {who}."


def _counted(digests: int, earlier: int) -> str:
    words = f"{digests} digest{'s' if digests != 1 else ''}"
    if earlier:
        words += f" and {earlier} earlier e-mail{'s' if earlier != 1 else ''}"
    return words


def send_reminders(day: datetime.date, *, dry_run: bool = False) -> Reminders:
    """The daily run: e-mails that failed sent again, then `day`'s digests."""
    return Reminders(retry(dry_run=dry_run), send_digests(day, dry_run=dry_run), dry_run)

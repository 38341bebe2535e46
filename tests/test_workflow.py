"""The rulebook (tracker/workflow.py): every status move, through Action.move_to(), and
the rules for due dates, blocking, owners, the version check, overdue, due soon and RAG."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import make_action
from tracker.models import Action, ActionEvent, StaleVersion, Status, User
from tracker.workflow import (
    DUE_SOON_DAYS,
    MOVES,
    Rag,
    Role,
    TransitionError,
    allowed_moves,
    check_blocked,
    check_move,
    due_date_refusals,
    due_soon_q,
    is_current,
    is_due_soon,
    is_overdue,
    no_moves_note,
    overdue_q,
    owners_of,
    rag,
)

ALL = list(Status)


def put_in(action, status):
    """Force an action into a status for the test's arrangement, bypassing the rules."""
    Action.objects.filter(pk=action.pk).update(status=status)
    action.refresh_from_db()
    return action


@pytest.mark.parametrize(
    ("source", "target", "role"),
    [(m.source, m.target, role) for m in MOVES for role in m.roles],
)
def test_every_allowed_move_is_recorded_as_one_event(
    source, target, role, staff, lead, inspector, force
):
    """Each role's move on an action of its force that `staff` owns (a lead and an inspector
    sign off work they do not own)."""
    reinstating = source == Status.SUPERSEDED  # to the status it had before
    action = put_in(make_action(force=force, owner=staff), target if reinstating else source)
    user = {Role.INSPECTOR: inspector, Role.LEAD: lead, Role.STAFF: staff}[role]
    if target == Status.SUBMITTED:
        action.add_note("We did it.", by=staff)
    if reinstating:
        action.move_to(Status.SUPERSEDED, by=inspector, reason="A slip of the mouse.")
    arranged = action.events.count()

    action.move_to(target, by=user, reason="Because the evidence shows it.")

    action.refresh_from_db()
    assert action.status == target
    assert action.events.count() == arranged + 1
    event = action.events.filter(kind=ActionEvent.Kind.STATUS).first()
    assert event.new_value == Status(target).label
    assert event.old_value == Status(source).label
    assert event.by == user


REFUSED = [
    (source, target)
    for source in ALL
    for target in ALL
    if source != target and not any(m.source == source and m.target == target for m in MOVES)
]


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_moves_not_in_the_table_are_refused_for_everyone(
    source, target, staff, lead, inspector, force
):
    action = put_in(make_action(force=force, owner=staff), source)
    for user in (staff, lead, inspector):
        with pytest.raises(TransitionError, match="cannot move"):
            action.move_to(target, by=user, reason="why not")
    assert not action.events.exists()


def test_force_staff_and_leads_cannot_close_reopen_return_to_the_force_or_supersede(
    staff, lead, force
):
    """Closing and the moves around it are the inspectorate's; a lead signs off only for the
    force (Assured), and neither a lead nor the owner closes."""
    for user in (staff, lead):
        assured = put_in(make_action(force=force, owner=staff), Status.ASSURED)
        for target in (Status.CLOSED, Status.IN_PROGRESS, Status.SUPERSEDED):
            with pytest.raises(TransitionError, match="Only inspector"):
                assured.move_to(target, by=user, reason="done")
        closed = put_in(make_action(force=force, owner=staff), Status.CLOSED)
        with pytest.raises(TransitionError, match="Only inspector"):
            closed.move_to(Status.IN_PROGRESS, by=user, reason="not done")


def test_only_a_force_lead_assures_and_never_their_own_action(staff, lead, inspector, force):
    """The force's internal sign-off (changed rule: there was none before the inspector's)."""
    action = put_in(make_action(force=force, owner=staff), Status.SUBMITTED)
    for user in (staff, inspector):
        with pytest.raises(TransitionError, match="Only force lead may assure"):
            action.move_to(Status.ASSURED, by=user, reason="Ready.")
    own = put_in(make_action(force=force, owner=lead), Status.SUBMITTED)
    with pytest.raises(TransitionError, match="owner of an action cannot assure"):
        own.move_to(Status.ASSURED, by=lead, reason="Ready.")
    action.move_to(Status.ASSURED, by=lead, reason="The audit shows it embedded.")
    assert action.status == Status.ASSURED


def test_an_inspector_closes_only_what_the_force_assured(staff, lead, inspector, force):
    """Changed rule: a submitted action is no longer closed from Submitted; it is assured
    first (Submitted → Assured → Closed)."""
    action = put_in(make_action(force=force, owner=staff), Status.SUBMITTED)
    with pytest.raises(TransitionError, match="cannot move"):
        action.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    action.move_to(Status.ASSURED, by=lead, reason="Assured.")
    action.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    assert action.status == Status.CLOSED


def test_inspectors_cannot_submit_on_a_forces_behalf(inspector, staff, force):
    action = put_in(make_action(force=force, owner=staff), Status.IN_PROGRESS)
    action.add_note("Evidence", by=staff)
    with pytest.raises(TransitionError, match="Only force lead or force staff"):
        action.move_to(Status.SUBMITTED, by=inspector)


def test_submitting_needs_an_evidence_note(staff, force):
    action = put_in(make_action(force=force, owner=staff), Status.IN_PROGRESS)
    with pytest.raises(TransitionError, match="evidence note"):
        action.move_to(Status.SUBMITTED, by=staff)
    action.add_note("Policy rewritten and briefed to all supervisors.", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    assert action.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("source", "target", "role"),
    [
        (Status.ASSURED, Status.CLOSED, Role.INSPECTOR),
        (Status.ASSURED, Status.IN_PROGRESS, Role.INSPECTOR),
        (Status.SUBMITTED, Status.ASSURED, Role.LEAD),
        (Status.SUBMITTED, Status.IN_PROGRESS, Role.LEAD),
        (Status.CLOSED, Status.IN_PROGRESS, Role.INSPECTOR),
        (Status.NOT_STARTED, Status.SUPERSEDED, Role.INSPECTOR),
    ],
)
def test_closing_returning_assuring_reopening_and_superseding_need_a_reason(
    source, target, role, staff, lead, inspector, force
):
    action = put_in(make_action(force=force, owner=staff), source)
    user = inspector if role == Role.INSPECTOR else lead
    with pytest.raises(TransitionError, match="reason"):
        action.move_to(target, by=user, reason="   ")


@pytest.mark.parametrize(
    ("source", "target", "role"),
    [
        (Status.ASSURED, Status.CLOSED, Role.INSPECTOR),
        (Status.SUBMITTED, Status.ASSURED, Role.LEAD),
    ],
)
def test_the_owner_cannot_sign_off_their_own_action(source, target, role):
    """Neither the force's assurance nor the inspectorate's close is the owner's to give."""
    with pytest.raises(TransitionError, match="owner"):
        check_move(
            source=source,
            target=target,
            role=role,
            is_owner=True,
            has_evidence=True,
            reason="ok",
        )


def test_another_forces_staff_may_not_move_an_action(outsider, force):
    action = make_action(force=force)
    with pytest.raises(TransitionError):
        action.move_to(Status.IN_PROGRESS, by=outsider)


def test_closing_records_who_and_when_and_reopening_clears_it(staff, lead, inspector, force):
    action = put_in(make_action(force=force, owner=staff), Status.SUBMITTED)
    action.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    action.refresh_from_db()
    assert action.assured_by == lead and action.assured_at is not None
    action.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    action.refresh_from_db()
    assert action.closed_by == inspector and action.closed_at is not None
    action.move_to(Status.IN_PROGRESS, by=inspector, reason="Impact not sustained.")
    action.refresh_from_db()
    assert action.closed_by is None and action.closed_at is None
    assert action.assured_by is None and action.assured_at is None


def test_returning_an_assured_action_to_the_force_clears_the_assurance(
    staff, lead, inspector, force
):
    action = put_in(make_action(force=force, owner=staff), Status.SUBMITTED)
    action.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    action.move_to(Status.IN_PROGRESS, by=inspector, reason="No impact evidence yet.")
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS and action.is_returned
    assert action.assured_by is None and action.assured_at is None
    assert action.returned_by == inspector


def test_a_stale_version_is_refused_and_names_who_changed_it(staff, lead, force):
    action = make_action(force=force, owner=staff)
    seen_by_staff = action.version
    action.move_to(Status.IN_PROGRESS, by=lead)

    stale_copy = Action.objects.get(pk=action.pk)
    stale_copy.version = seen_by_staff
    with pytest.raises(StaleVersion, match="Lee Lead"):
        stale_copy.set_blocked("Waiting on the national programme", by=staff, version=seen_by_staff)
    action.refresh_from_db()
    assert action.blocked_reason == ""
    assert action.version == seen_by_staff + 1


def test_allowed_moves_offer_only_what_this_user_may_do(force):
    def targets(source, role, is_owner=False):
        return {m.target for m in allowed_moves(source=source, role=role, is_owner=is_owner)}

    assert targets(Status.NOT_STARTED, Role.STAFF, is_owner=True) == {Status.IN_PROGRESS}
    # Changed rule: force staff move only the actions they own; observers move none.
    assert targets(Status.NOT_STARTED, Role.STAFF) == set()
    assert targets(Status.NOT_STARTED, Role.OBSERVER) == set()
    assert targets(Status.SUBMITTED, Role.LEAD) == {Status.ASSURED, Status.IN_PROGRESS}
    assert targets(Status.SUBMITTED, Role.LEAD, is_owner=True) == {Status.IN_PROGRESS}
    assert targets(Status.SUBMITTED, Role.INSPECTOR) == {Status.SUPERSEDED}
    assert targets(Status.ASSURED, Role.INSPECTOR) == {
        Status.IN_PROGRESS,
        Status.CLOSED,
        Status.SUPERSEDED,
    }
    assert targets(Status.ASSURED, Role.INSPECTOR, is_owner=True) == {
        Status.IN_PROGRESS,
        Status.SUPERSEDED,
    }
    assert allowed_moves(source=Status.SUBMITTED, role=None, is_owner=False) == []


# The rulebook's other rules ------------------------------------------------------------------

TODAY = datetime.date(2026, 3, 15)
DAYS_AROUND_TODAY = [-1, 0, 1, DUE_SOON_DAYS, DUE_SOON_DAYS + 1]


def test_overdue_and_due_soon_mean_the_same_in_python_and_in_sql(force):
    """Each rule's Python (one action) and Q (querysets, counts, the export) pick the same rows."""
    actions = [
        make_action(
            force=force,
            status=status,
            due_date=due,
            original_due_date=due,
            closed_at=timezone.now() if status == Status.CLOSED else None,
        )
        for status in Status
        for due in [None, *(TODAY + datetime.timedelta(days=d) for d in DAYS_AROUND_TODAY)]
    ]
    for python_rule, sql_rule in [(is_overdue, overdue_q), (is_due_soon, due_soon_q)]:
        in_sql = set(Action.objects.filter(sql_rule(TODAY)).values_list("pk", flat=True))
        in_python = {a.pk for a in actions if python_rule(a.status, a.due_date, TODAY)}
        assert in_sql == in_python
        assert in_python  # the arrangement has some of each


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        (Status.IN_PROGRESS, -1, Rag.RED),
        (Status.IN_PROGRESS, 0, Rag.AMBER),
        (Status.NOT_STARTED, DUE_SOON_DAYS, Rag.AMBER),
        (Status.SUBMITTED, DUE_SOON_DAYS + 1, Rag.GREEN),
        (Status.IN_PROGRESS, None, Rag.GREEN),
        (Status.CLOSED, -1, Rag.GREY),
        (Status.SUPERSEDED, 0, Rag.GREY),
    ],
)
def test_rag_is_red_overdue_amber_due_soon_green_open_grey_done(status, days, expected):
    due = None if days is None else TODAY + datetime.timedelta(days=days)
    assert rag(status, due, TODAY) == expected


def test_due_soon_is_one_window_the_dashboard_names(client, staff):
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert f"Due in the next {DUE_SOON_DAYS} days" in page


@pytest.mark.parametrize(
    ("current", "new", "reason", "confirmed", "refusals"),
    [
        (None, TODAY, "", False, []),
        (TODAY, TODAY, "", False, [("due_date", "already the due date")]),
        (TODAY, TODAY + datetime.timedelta(days=7), "", False, [("reason", "Give a reason")]),
        (TODAY, TODAY + datetime.timedelta(days=7), "New system late.", False, []),
        (TODAY, None, "Not needed.", False, [("due_date", "not removed")]),
        (None, TODAY - datetime.timedelta(days=1), "", False, [("due_date", "in the past")]),
        (None, TODAY - datetime.timedelta(days=1), "", True, []),
        (
            TODAY,
            TODAY - datetime.timedelta(days=1),
            "",
            False,
            [("reason", "Give a reason"), ("due_date", "in the past")],
        ),
    ],
)
def test_each_due_date_refusal_names_its_field(current, new, reason, confirmed, refusals):
    found = due_date_refusals(current, new, reason=reason, today=TODAY, confirmed=confirmed)
    assert [r.field for r in found] == [field for field, _ in refusals]
    for refusal, (_, words) in zip(found, refusals, strict=True):
        assert words in str(refusal)


def test_a_past_due_date_needs_no_confirmation_without_today():
    """A command or the demo chooses a past date on purpose; only a person is asked."""
    assert due_date_refusals(None, TODAY - datetime.timedelta(days=9), reason="") == []


@pytest.mark.parametrize(
    ("current", "new", "unblocking", "field", "words"),
    [
        ("", "", True, None, "not blocked"),
        ("", "  ", False, "blocked_reason", "waiting for"),
        ("The CPS", "The CPS ", False, "blocked_reason", "already the reason"),
    ],
)
def test_blocked_refusals_name_their_field(current, new, unblocking, field, words):
    with pytest.raises(TransitionError, match=words) as refused:
        check_blocked(current, new, unblocking=unblocking)
    assert refused.value.field == field


def test_blocking_and_unblocking_with_what_they_need_are_allowed():
    check_blocked("", "Waiting on the CPS", unblocking=False)
    check_blocked("Waiting on the CPS", "", unblocking=True)


def test_an_owner_is_an_active_member_of_the_actions_force(
    staff, lead, colleague, outsider, action
):
    colleague.is_active = False
    colleague.save()
    for person in (outsider, colleague):
        with pytest.raises(TransitionError, match="active member") as refused:
            action.assign(person, by=lead)
        assert refused.value.field == "owner"
    assert set(User.objects.filter(owners_of(action.force_id))) == {staff, lead}
    assert not action.events.exists()


def test_force_staff_cannot_give_an_action_an_owner(staff, colleague, action):
    """Changed rule: only a force lead or an inspector assigns, even the action's owner."""
    with pytest.raises(TransitionError, match="force lead or an inspector") as refused:
        action.assign(colleague, by=staff)
    assert refused.value.field == "owner"
    action.refresh_from_db()
    assert action.owner == staff and not action.events.exists()


def test_force_staff_cannot_change_an_action_they_do_not_own(staff, colleague, action):
    """Changed rule: force staff change (note, due date, blocked, reference, status) only the
    actions they own."""
    changes = [
        lambda: action.add_note("Done.", by=colleague),
        lambda: action.set_due_date(TODAY, by=colleague),
        lambda: action.set_blocked("Waiting on the CPS", by=colleague),
        lambda: action.set_reference("AFI 7", by=colleague),
        lambda: action.move_to(Status.IN_PROGRESS, by=colleague),
    ]
    for change in changes:
        with pytest.raises(TransitionError, match="owner, a force lead or an inspector"):
            change()
    assert not action.events.exists() and not action.notes.exists()


def test_a_move_refusal_names_the_field_it_belongs_beside(inspector, force):
    action = put_in(make_action(force=force), Status.ASSURED)
    with pytest.raises(TransitionError) as no_reason:
        action.move_to(Status.CLOSED, by=inspector, reason="")
    with pytest.raises(TransitionError) as no_such_move:
        action.move_to(Status.NOT_STARTED, by=inspector, reason="why")
    assert (no_reason.value.field, no_such_move.value.field) == ("reason", "status")


def test_a_stale_version_refusal_runs_no_query_of_its_own(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        refusal = StaleVersion("Casey Colleague")
    assert "changed by Casey Colleague since you opened it" in str(refusal)
    assert is_current(3, 3) and not is_current(2, 3)


def test_the_page_says_submitting_needs_evidence_only_to_whom_it_applies(
    client, staff, inspector, force
):
    action = put_in(make_action(force=force, owner=staff), Status.IN_PROGRESS)
    hint = "Submitting for review needs at least one evidence note."
    client.force_login(staff)
    assert hint in client.get(action.get_absolute_url()).content.decode()
    client.force_login(inspector)
    assert hint not in client.get(action.get_absolute_url()).content.decode()
    action.add_note("Policy rewritten.", by=staff)
    client.force_login(staff)
    assert hint not in client.get(action.get_absolute_url()).content.decode()


def test_the_page_gives_the_rulebooks_reason_when_no_move_is_open(client, staff, force):
    action = put_in(make_action(force=force, owner=staff), Status.SUPERSEDED)
    client.force_login(staff)
    page = client.get(action.get_absolute_url()).content.decode()
    assert no_moves_note(Status.SUPERSEDED) in page
    assert "Only an inspector can reinstate it." in page

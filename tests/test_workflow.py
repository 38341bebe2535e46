"""Every allowed and every refused status move, through Action.move_to()."""

from __future__ import annotations

import pytest

from tests.factories import make_action
from tracker.models import Action, ActionEvent, StaleVersion, Status
from tracker.workflow import MOVES, Role, TransitionError, allowed_moves, check_move

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
def test_every_allowed_move_is_recorded_as_one_event(source, target, role, staff, inspector, force):
    reinstating = source == Status.SUPERSEDED  # to the status it had before
    action = put_in(make_action(force=force), target if reinstating else source)
    user = inspector if role == Role.INSPECTOR else staff
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
def test_moves_not_in_the_table_are_refused_for_everyone(source, target, staff, inspector, force):
    action = put_in(make_action(force=force), source)
    for user in (staff, inspector):
        with pytest.raises(TransitionError, match="cannot move"):
            action.move_to(target, by=user, reason="why not")
    assert not action.events.exists()


def test_force_staff_cannot_close_reopen_or_supersede(staff, force):
    action = put_in(make_action(force=force), Status.SUBMITTED)
    for target in (Status.CLOSED, Status.SUPERSEDED):
        with pytest.raises(TransitionError, match="Only inspector"):
            action.move_to(target, by=staff, reason="done")
    closed = put_in(make_action(force=force), Status.CLOSED)
    with pytest.raises(TransitionError, match="Only inspector"):
        closed.move_to(Status.IN_PROGRESS, by=staff, reason="not done")


def test_inspectors_cannot_submit_on_a_forces_behalf(inspector, staff, force):
    action = put_in(make_action(force=force), Status.IN_PROGRESS)
    action.add_note("Evidence", by=staff)
    with pytest.raises(TransitionError, match="Only force staff"):
        action.move_to(Status.SUBMITTED, by=inspector)


def test_submitting_needs_an_evidence_note(staff, force):
    action = put_in(make_action(force=force), Status.IN_PROGRESS)
    with pytest.raises(TransitionError, match="evidence note"):
        action.move_to(Status.SUBMITTED, by=staff)
    action.add_note("Policy rewritten and briefed to all supervisors.", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    assert action.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Status.SUBMITTED, Status.CLOSED),
        (Status.SUBMITTED, Status.IN_PROGRESS),
        (Status.CLOSED, Status.IN_PROGRESS),
        (Status.NOT_STARTED, Status.SUPERSEDED),
    ],
)
def test_closing_returning_reopening_and_superseding_need_a_reason(
    source, target, inspector, force
):
    action = put_in(make_action(force=force), source)
    with pytest.raises(TransitionError, match="reason"):
        action.move_to(target, by=inspector, reason="   ")


def test_the_owner_cannot_close_their_own_action():
    with pytest.raises(TransitionError, match="owner"):
        check_move(
            source=Status.SUBMITTED,
            target=Status.CLOSED,
            role=Role.INSPECTOR,
            is_owner=True,
            has_evidence=True,
            reason="ok",
        )


def test_another_forces_staff_may_not_move_an_action(outsider, force):
    action = make_action(force=force)
    with pytest.raises(TransitionError):
        action.move_to(Status.IN_PROGRESS, by=outsider)


def test_closing_records_who_and_when_and_reopening_clears_it(staff, inspector, force):
    action = put_in(make_action(force=force), Status.SUBMITTED)
    action.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    action.refresh_from_db()
    assert action.closed_by == inspector and action.closed_at is not None
    action.move_to(Status.IN_PROGRESS, by=inspector, reason="Impact not sustained.")
    action.refresh_from_db()
    assert action.closed_by is None and action.closed_at is None


def test_a_stale_version_is_refused_and_names_who_changed_it(staff, colleague, force):
    action = make_action(force=force)
    seen_by_staff = action.version
    action.move_to(Status.IN_PROGRESS, by=colleague)

    stale_copy = Action.objects.get(pk=action.pk)
    stale_copy.version = seen_by_staff
    with pytest.raises(StaleVersion, match="colleague"):
        stale_copy.set_blocked("Waiting on the national programme", by=staff, version=seen_by_staff)
    action.refresh_from_db()
    assert action.blocked_reason == ""
    assert action.version == seen_by_staff + 1


def test_allowed_moves_offer_only_what_this_user_may_do(force):
    assert [
        m.target for m in allowed_moves(source=Status.NOT_STARTED, role=Role.STAFF, is_owner=False)
    ] == [Status.IN_PROGRESS]
    inspector_moves = {
        m.target
        for m in allowed_moves(source=Status.SUBMITTED, role=Role.INSPECTOR, is_owner=False)
    }
    assert inspector_moves == {Status.IN_PROGRESS, Status.CLOSED, Status.SUPERSEDED}
    assert allowed_moves(source=Status.SUBMITTED, role=None, is_owner=False) == []

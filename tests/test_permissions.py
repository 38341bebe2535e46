"""Who may do what, as a matrix (issue 15, point 1): every role × every action they might
take × an action of their own force or of another force, through the model's methods and
through the pages.

The expected outcomes are written out here, from the issue, and not read from
`workflow.PERMISSIONS` or `MOVES`: if the code's table changes, these tests say so. The last
tests check that every capability and every move of the code's table is one this matrix has
an answer for.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from tests.factories import make_action, make_inspector, make_user
from tracker.models import Action, EvidenceNote, Status
from tracker.workflow import MOVES, PERMISSIONS, Capability, Role, TransitionError, may

# The people: each is a member of Lancashire (the "own" force), or an inspector.
STAFF_OWNER = "staff who own the action"
STAFF = "staff who do not own it"
LEAD = "the force lead"
OBSERVER = "an observer (PCC/OPCC)"
INSPECTOR = "an inspector of every force"
INSPECTOR_ELSEWHERE = "an inspector of Kent only"
ACTORS = [STAFF_OWNER, STAFF, LEAD, OBSERVER, INSPECTOR, INSPECTOR_ELSEWHERE]

# Who may, on an action of Lancashire. The action is owned by STAFF_OWNER.
MAY_ON_OWN_FORCE: dict[str, set[str]] = {
    "see": {STAFF_OWNER, STAFF, LEAD, OBSERVER, INSPECTOR},
    "export": {STAFF_OWNER, STAFF, LEAD, OBSERVER, INSPECTOR},
    "add findings": {LEAD, INSPECTOR},
    "add a note": {STAFF_OWNER, LEAD, INSPECTOR},
    "set the due date": {STAFF_OWNER, LEAD, INSPECTOR},
    "mark blocked": {STAFF_OWNER, LEAD, INSPECTOR},
    "set the reference": {STAFF_OWNER, LEAD, INSPECTOR},
    "assign": {LEAD, INSPECTOR},
    "start": {STAFF_OWNER, LEAD, INSPECTOR},
    "submit": {STAFF_OWNER, LEAD},
    "take back from review": {STAFF_OWNER, LEAD},
    "assure": {LEAD},
    "return to the force": {INSPECTOR},
    "close": {INSPECTOR},
    "reopen": {INSPECTOR},
    "supersede": {INSPECTOR},
    "reinstate": {INSPECTOR},
}


def may_on_other_force(op: str) -> set[str]:
    """On a Kent action: its inspectors, as an inspector on their own force; no member of
    Lancashire, whatever their role."""
    return {INSPECTOR, INSPECTOR_ELSEWHERE} if INSPECTOR in MAY_ON_OWN_FORCE[op] else set()


# Each status move of the matrix: from, to.
MOVE_OPS = {
    "start": (Status.NOT_STARTED, Status.IN_PROGRESS),
    "submit": (Status.IN_PROGRESS, Status.SUBMITTED),
    "take back from review": (Status.SUBMITTED, Status.IN_PROGRESS),
    "assure": (Status.SUBMITTED, Status.ASSURED),
    "return to the force": (Status.ASSURED, Status.IN_PROGRESS),
    "close": (Status.ASSURED, Status.CLOSED),
    "reopen": (Status.CLOSED, Status.IN_PROGRESS),
    "supersede": (Status.IN_PROGRESS, Status.SUPERSEDED),
    "reinstate": (Status.SUPERSEDED, Status.IN_PROGRESS),
}
# The other changes: the action page's form, and its fields.
NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)
FORM_OPS = {
    "add a note": ("note", {"kind": "progress", "body": "Dip sample attached."}),
    "set the due date": ("due", {"due_date": NEXT_MONTH.isoformat(), "reason": ""}),
    "mark blocked": ("blocked", {"blocked_reason": "Waiting on the Home Office"}),
    "set the reference": ("reference", {"reference": "AFI 9"}),
    "assign": ("owner", {}),  # the new owner: a member of the action's force
}
CHANGES = [*FORM_OPS, *MOVE_OPS]
CASES = [
    pytest.param(actor, where, id=f"{actor}-{where} force")
    for actor in ACTORS
    for where in ("own", "other")
]


def expected(op: str, actor: str, where: str) -> bool:
    allowed = MAY_ON_OWN_FORCE[op] if where == "own" else may_on_other_force(op)
    return actor in allowed


@pytest.fixture
def world(force, other_force):
    """The six people, an action of each force in the status a test asks for, and a second
    member of each force to give the action to."""
    people = {
        STAFF_OWNER: make_user(username="owner", force=force),
        STAFF: make_user(username="staff", force=force),
        LEAD: make_user(username="lead", force=force, force_role="lead"),
        OBSERVER: make_user(username="observer", force=force, force_role="observer"),
        INSPECTOR: make_inspector(username="inspector"),
        INSPECTOR_ELSEWHERE: make_inspector(username="kent-inspector"),
    }
    people[INSPECTOR_ELSEWHERE].inspects.add(other_force)
    kent_owner = make_user(username="kent-owner", force=other_force)
    return {
        "people": people,
        "actions": {
            "own": make_action(force=force, owner=people[STAFF_OWNER]),
            "other": make_action(force=other_force, owner=kent_owner),
        },
        "new owners": {
            "own": people[STAFF],
            "other": make_user(username="kent-colleague", force=other_force),
        },
    }


def arranged(world, where: str, status: Status = Status.NOT_STARTED) -> Action:
    """The action of that force, put in `status` as the workflow would have left it."""
    action = world["actions"][where]
    owner = action.owner
    EvidenceNote.objects.create(action=action, author=owner, body="Supervision checklist in use.")
    if status == Status.SUPERSEDED:
        # Superseded from In progress (by an operator's command), so it reinstates to that.
        Action.objects.filter(pk=action.pk).update(status=Status.IN_PROGRESS)
        action.refresh_from_db()
        action.move_to(Status.SUPERSEDED, by=None, reason="Replaced.")
    else:
        closed_at = timezone.now() if status == Status.CLOSED else None
        Action.objects.filter(pk=action.pk).update(status=status, closed_at=closed_at)
    action.refresh_from_db()
    return action


# Seeing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "where"), CASES)
def test_who_sees_an_action_and_its_page(client, world, actor, where):
    user, action = world["people"][actor], world["actions"][where]
    allowed = expected("see", actor, where)
    assert Action.objects.visible_to(user).filter(pk=action.pk).exists() == allowed
    client.force_login(user)
    assert client.get(action.get_absolute_url()).status_code == (200 if allowed else 404)


@pytest.mark.parametrize(("actor", "where"), CASES)
def test_who_exports_an_action(client, world, actor, where):
    user, action = world["people"][actor], world["actions"][where]
    client.force_login(user)
    response = client.get("/actions/export.csv")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    assert (str(action.pk) in {row["action_id"] for row in rows}) == expected(
        "export", actor, where
    )


@pytest.mark.parametrize(("actor", "where"), CASES)
def test_who_adds_findings_to_the_forces_report(client, world, actor, where):
    user, action = world["people"][actor], world["actions"][where]
    allowed = expected("add findings", actor, where)
    assert user.may_import_for(action.force) == allowed
    client.force_login(user)
    response = client.get(f"/inspections/{action.question.inspection_id}/add-finding/")
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == (404 if not expected("see", actor, where) else 403)


def test_staff_add_findings_only_when_given_the_import_permission(world, force):
    from django.contrib.auth.models import Permission

    staff = world["people"][STAFF]
    assert not staff.may_import_for(force)
    staff.user_permissions.add(Permission.objects.get(codename="import_report"))
    granted = type(staff).objects.get(pk=staff.pk)  # permissions are cached per instance
    assert granted.may_import_for(force)
    assert not granted.may_import_for(world["actions"]["other"].force)


# Changing -----------------------------------------------------------------------------------


def change_by_model(world, op: str, where: str, action: Action, user) -> None:
    """Make the change through the model's own method."""
    if op in MOVE_OPS:
        action.move_to(MOVE_OPS[op][1], by=user, reason="Because the evidence shows it.")
    elif op == "add a note":
        action.add_note("Dip sample attached.", by=user)
    elif op == "set the due date":
        action.set_due_date(NEXT_MONTH, by=user)
    elif op == "mark blocked":
        action.set_blocked("Waiting on the Home Office", by=user)
    elif op == "set the reference":
        action.set_reference("AFI 9", by=user)
    else:
        action.assign(world["new owners"][where], by=user)


def change_by_page(client, world, op: str, where: str, action: Action):
    """Post the action page's form for the change."""
    if op in MOVE_OPS:
        form, fields = "move", {"target": MOVE_OPS[op][1], "reason": "Because."}
    else:
        form, fields = FORM_OPS[op]
        if op == "assign":
            fields = {"owner": world["new owners"][where].pk}
    data = {f"{form}-{name}": value for name, value in fields.items()}
    data[f"{form}-version"] = action.version
    return client.post(f"/actions/{action.pk}/{form}/", data)


@pytest.mark.parametrize("op", CHANGES)
@pytest.mark.parametrize(("actor", "where"), CASES)
def test_who_changes_an_action_through_the_model(world, op, actor, where):
    user = world["people"][actor]
    action = arranged(world, where, MOVE_OPS[op][0] if op in MOVE_OPS else Status.IN_PROGRESS)
    before = action.version

    if expected(op, actor, where):
        change_by_model(world, op, where, action, user)
        assert Action.objects.get(pk=action.pk).version == before + 1
    else:
        with pytest.raises((TransitionError, PermissionError)):
            change_by_model(world, op, where, action, user)
        assert Action.objects.get(pk=action.pk).version == before


@pytest.mark.parametrize("op", CHANGES)
@pytest.mark.parametrize(("actor", "where"), CASES)
def test_who_changes_an_action_on_its_page(client, world, op, actor, where):
    """Allowed: saved (302). Refused: another force's action is a 404; a change the role may
    not make is a 403; a move the role may not make, offered to nobody in it, is a 400."""
    user = world["people"][actor]
    action = arranged(world, where, MOVE_OPS[op][0] if op in MOVE_OPS else Status.IN_PROGRESS)
    before = action.version
    client.force_login(user)

    response = change_by_page(client, world, op, where, action)

    if expected(op, actor, where):
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Action.objects.get(pk=action.pk).version > before
        return
    if not expected("see", actor, where):
        status = 404
    elif op in MOVE_OPS and expected("add a note", actor, where):
        status = 400  # they change the action, but not by this move
    else:
        status = 403
    assert response.status_code == status
    assert Action.objects.get(pk=action.pk).version == before


@pytest.mark.parametrize("actor", [STAFF, OBSERVER])
def test_who_may_not_change_it_sees_the_facts_and_who_may(client, world, actor):
    action = arranged(world, "own", Status.IN_PROGRESS)
    client.force_login(world["people"][actor])
    page = client.get(action.get_absolute_url()).content.decode()
    main = page[page.index('id="page"') :]
    assert "<form" not in main[: main.index('id="timeline-heading"')]
    assert 'id="facts-heading"' in main
    who = {
        STAFF: "Only the action&#x27;s owner, a force lead or an inspector may change it.",
        OBSERVER: "An observer reads and exports the force&#x27;s actions, and changes none",
    }[actor]
    assert who in main


FORM_NAMES = ("note", "move", "owner", "due", "blocked", "reference")


@pytest.mark.parametrize(
    ("actor", "forms"),
    [
        (STAFF_OWNER, {"note", "move", "due", "blocked", "reference"}),
        (LEAD, {"note", "move", "owner", "due", "blocked", "reference"}),
        (INSPECTOR, {"note", "move", "owner", "due", "blocked", "reference"}),
    ],
)
def test_each_form_is_offered_only_to_who_may_use_it(client, world, actor, forms):
    action = arranged(world, "own", Status.IN_PROGRESS)
    client.force_login(world["people"][actor])
    page = client.get(action.get_absolute_url()).content.decode()
    offered = {name for name in FORM_NAMES if f'id="{name}-form"' in page}
    assert offered == forms


# The code's table, against the issue's ------------------------------------------------------

# The roles each move is the issue's for (the action's owner signs off neither stage).
MOVE_ROLES = {
    "Start work": {Role.STAFF, Role.LEAD, Role.INSPECTOR},
    "Submit for review": {Role.STAFF, Role.LEAD},
    "Return to in progress": {Role.STAFF, Role.LEAD},
    "Assure — ready for the inspectorate": {Role.LEAD},
    "Return to the force": {Role.INSPECTOR},
    "Close — evidence accepted": {Role.INSPECTOR},
    "Reopen": {Role.INSPECTOR},
    "Supersede": {Role.INSPECTOR},
    "Reinstate": {Role.INSPECTOR},
}

# Each capability: the roles that may on any action of their force, and those only on the
# actions they own.
CAPABILITIES = {
    Capability.SEE: ({Role.STAFF, Role.LEAD, Role.OBSERVER, Role.INSPECTOR}, set()),
    Capability.CHANGE: ({Role.LEAD, Role.INSPECTOR}, {Role.STAFF}),
    Capability.ASSIGN: ({Role.LEAD, Role.INSPECTOR}, set()),
    Capability.ADD: ({Role.LEAD, Role.INSPECTOR}, set()),
    Capability.PCC: ({Role.LEAD, Role.OBSERVER, Role.INSPECTOR}, set()),
    Capability.PEOPLE: ({Role.LEAD}, set()),
}


@pytest.mark.parametrize("move", MOVES, ids=lambda m: f"{m.source}-{m.target}")
def test_every_move_of_the_code_is_made_by_the_roles_the_issue_names(move):
    assert set(move.roles) == MOVE_ROLES[move.verb]


def test_every_move_of_the_matrix_is_a_move_of_the_code():
    pairs = {(move.source, move.target) for move in MOVES}
    assert set(MOVE_OPS.values()) <= pairs


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("role", [*Role, None])
def test_the_permission_table_is_the_issues(capability, role):
    anywhere, owned_only = CAPABILITIES[capability]
    assert capability in PERMISSIONS
    assert may(role, capability, is_owner=False) == (role in anywhere)
    assert may(role, capability, is_owner=True) == (role in anywhere | owned_only)

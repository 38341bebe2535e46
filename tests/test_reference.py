"""The force's own reference on a finding ("AFI 7"): set through the rulebook by hand and in
the admin, shown, searched, sorted and exported (issue 14)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import make_action, make_user
from tracker.models import Action, ActionEvent, StaleVersion, Status
from tracker.workflow import REFERENCE_MAX_LENGTH, TransitionError

MIGRATION = ("tracker", "0017_action_reference")


def refreshed(action):
    action.refresh_from_db()
    return action


def close(action, inspector):
    """Close it as an inspector does, from Assured (the force lead's sign-off)."""
    Action.objects.filter(pk=action.pk).update(status=Status.ASSURED)
    action.refresh_from_db()
    action.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")


# The model method ------------------------------------------------------------------------


def test_setting_a_reference_records_one_event_and_bumps_the_version(staff, action):
    version = action.version

    action.set_reference("  AFI   7 ", by=staff, version=version)

    assert refreshed(action).reference == "AFI 7"
    assert action.version == version + 1
    [event] = action.events.all()
    assert (event.kind, event.old_value, event.new_value, event.by, event.via) == (
        ActionEvent.Kind.REFERENCE,
        "",
        "AFI 7",
        staff,
        ActionEvent.Via.WEB,
    )


def test_changing_and_clearing_a_reference_records_both_values(staff, action):
    action.set_reference("AFI 7", by=staff)
    action.set_reference("AFI 8", by=staff)
    action.set_reference("", by=staff)

    assert refreshed(action).reference == ""
    values = list(action.events.order_by("id").values_list("old_value", "new_value"))
    assert values == [("", "AFI 7"), ("AFI 7", "AFI 8"), ("AFI 8", "")]


def test_a_stale_version_is_refused_and_nothing_is_recorded(staff, lead, action):
    seen = action.version
    action.set_blocked("Waiting on the CPS", by=lead)

    with pytest.raises(StaleVersion):
        Action.objects.get(pk=action.pk).set_reference("AFI 7", by=staff, version=seen)

    assert refreshed(action).reference == ""
    assert not action.events.filter(kind=ActionEvent.Kind.REFERENCE).exists()


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("AFI 7", "AFI 7", "already the reference"),
        ("", "", "has no reference"),
        ("", "R" * (REFERENCE_MAX_LENGTH + 1), "at most 40 characters"),
    ],
)
def test_the_rulebook_refuses_no_change_and_a_reference_too_long(
    staff, action, current, new, message
):
    Action.objects.filter(pk=action.pk).update(reference=current)
    action.refresh_from_db()
    with pytest.raises(TransitionError, match=message) as refusal:
        action.set_reference(new, by=staff)
    assert refusal.value.field == "reference"


def test_a_closed_action_refuses_a_reference_beside_the_field(staff, inspector, action):
    close(action, inspector)

    with pytest.raises(TransitionError, match="closed") as refusal:
        action.set_reference("AFI 7", by=inspector)

    assert refusal.value.field == "reference"
    assert refreshed(action).reference == ""


def test_a_superseded_action_refuses_a_reference(staff, inspector, action):
    action.move_to(Status.SUPERSEDED, by=inspector, reason="Replaced by the 2023 report.")
    with pytest.raises(TransitionError, match="superseded"):
        action.set_reference("AFI 7", by=inspector)


def test_someone_of_another_force_may_not_set_it(action, other_force):
    with pytest.raises(PermissionError):
        action.set_reference("AFI 7", by=make_user(force=other_force))


# The action page -------------------------------------------------------------------------


def post(client, action, version=None, **fields):
    data = {f"reference-{name}": value for name, value in fields.items()}
    data["reference-version"] = action.version if version is None else version
    return client.post(f"/actions/{action.pk}/reference/", data)


def test_the_action_page_shows_the_reference_and_its_form(signed_in, action):
    Action.objects.filter(pk=action.pk).update(reference="AFI 7")
    page = signed_in.get(f"/actions/{action.pk}/").content.decode()
    assert re.search(r"<dt>Reference</dt><dd[^>]*>AFI 7</dd>", page)
    assert 'name="reference-reference"' in page
    assert 'value="AFI 7"' in page


def test_the_form_sets_the_reference_and_the_timeline_says_so(signed_in, action):
    response = post(signed_in, action, reference="AFI 7")
    assert response.status_code == 302
    assert refreshed(action).reference == "AFI 7"

    response = post(signed_in, action, reference="CoC 2")
    assert response.status_code == 302

    page = " ".join(re.sub(r"<[^>]+>", " ", signed_in.get(response.url).content.decode()).split())
    assert "Sam Staff set the reference to AFI 7" in page
    assert "Sam Staff changed reference from AFI 7 to CoC 2" in page


def test_a_refused_reference_keeps_what_was_typed_with_a_400(signed_in, action):
    too_long = "R" * (REFERENCE_MAX_LENGTH + 5)
    response = post(signed_in, action, reference=too_long)
    assert response.status_code == 400
    assert f'value="{too_long}"' in response.content.decode()
    assert refreshed(action).reference == ""


def test_the_same_reference_again_is_refused_beside_the_field(signed_in, staff, action):
    action.set_reference("AFI 7", by=staff)
    response = post(signed_in, action, reference="AFI 7")
    assert response.status_code == 400
    assert "That is already the reference." in response.content.decode()


def test_a_stale_reference_is_refused_with_409_and_kept(signed_in, lead, action):
    seen = action.version
    action.set_blocked("Waiting on the CPS", by=lead)
    response = post(signed_in, action, version=seen, reference="AFI 7")
    assert response.status_code == 409
    page = response.content.decode()
    assert 'value="AFI 7"' in page
    assert f'name="reference-version" value="{refreshed(action).version}"' in page
    assert refreshed(action).reference == ""


def test_a_closed_action_offers_no_reference_form_and_refuses_one(signed_in, inspector, action):
    close(action, inspector)
    assert (
        'name="reference-reference"' not in signed_in.get(f"/actions/{action.pk}/").content.decode()
    )
    assert post(signed_in, action, reference="AFI 7").status_code == 409
    assert refreshed(action).reference == ""


# The admin -------------------------------------------------------------------------------


def test_an_inspector_sets_the_reference_in_the_admin(client, inspector, action):
    client.force_login(inspector)
    page = client.get(f"/admin/tracker/action/{action.pk}/change/")
    hidden = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.content.decode())
    )
    response = client.post(
        f"/admin/tracker/action/{action.pk}/change/",
        {
            **hidden,
            "status": action.status,
            "owner": "",
            "due_date": "",
            "blocked_reason": "",
            "reference": " R3.1 ",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert refreshed(action).reference == "R3.1"
    [event] = action.events.filter(kind=ActionEvent.Kind.REFERENCE)
    assert (event.new_value, event.by, event.via) == ("R3.1", inspector, ActionEvent.Via.ADMIN)


def test_a_closed_actions_reference_is_read_only_in_the_admin(client, inspector, action):
    close(action, inspector)
    client.force_login(inspector)
    page = client.get(f"/admin/tracker/action/{action.pk}/change/").content.decode()
    assert 'name="reference"' not in page


# The list, its search and sort, the report page, the CSV ----------------------------------


@pytest.fixture
def referenced(force):
    first = make_action(force=force, text="Improve call handling.", reference="AFI 7")
    second = make_action(
        question=first.question, text="Improve crime recording.", reference="AFI 10"
    )
    third = make_action(question=first.question, text="Improve vetting.", reference="")
    fourth = make_action(question=first.question, text="Improve supervision.", reference="CoC 2")
    return first, second, third, fourth


def listed(client, **query) -> list[int]:
    response = client.get("/actions/", query)
    assert response.status_code == 200
    return [row["pk"] for row in response.context["rows"]]


def test_the_list_row_shows_the_reference_before_the_text(signed_in, referenced):
    response = signed_in.get("/actions/")
    row = next(row for row in response.context["rows"] if row["pk"] == referenced[0].pk)
    assert row["reference"] == "AFI 7"
    page = response.content.decode()
    assert page.index('<span class="reference">AFI 7</span>') < page.index("Improve call handling.")


@pytest.mark.parametrize("term", ["AFI 7", "afi 7", '"AFI 7"', "  Afi   7 "])
def test_the_search_finds_an_action_by_its_reference_exactly(signed_in, referenced, term):
    assert listed(signed_in, q=term) == [referenced[0].pk]


def test_the_search_still_finds_words_of_the_text(signed_in, referenced):
    assert listed(signed_in, q="vetting") == [referenced[2].pk]


def test_sorting_by_reference_puts_actions_without_one_last(signed_in, referenced):
    first, second, third, fourth = referenced
    assert listed(signed_in, sort="reference") == [second.pk, first.pk, fourth.pk, third.pk]
    assert listed(signed_in, sort="-reference") == [fourth.pk, first.pk, second.pk, third.pk]


def test_the_reference_column_header_sorts_the_list(signed_in, referenced):
    page = signed_in.get("/actions/", {"sort": "reference"}).content.decode()
    assert re.search(r'<th[^>]*aria-sort="ascending"[^>]*>\s*<a[^>]*sort=-reference', page)


def test_the_report_page_shows_the_reference(signed_in, referenced):
    inspection = referenced[0].question.inspection
    page = signed_in.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "AFI 7 ·" in page


def test_the_csv_has_the_reference_after_the_2021_columns(signed_in, referenced):
    Action.objects.filter(pk=referenced[1].pk).update(reference="=AFI 1")
    response = signed_in.get("/actions/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0][18:20] == ["deadline", "reference"]  # columns after it since issue 15
    by_id = {int(row[0]): row[19] for row in rows[1:]}
    assert by_id[referenced[0].pk] == "AFI 7"
    assert by_id[referenced[1].pk] == "'=AFI 1"
    assert by_id[referenced[2].pk] == ""


# The migration ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_applies_backwards_and_forwards_keeping_the_trail_append_only():
    executor = MigrationExecutor(connection)
    previous = [p.key for p in executor.loader.graph.node_map[MIGRATION].parents]
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(previous)
        MigrationExecutor(connection).migrate(leaves)
        action = make_action()
        event = ActionEvent.objects.create(
            action=action, kind=ActionEvent.Kind.REFERENCE, new_value="AFI 7"
        )
        with pytest.raises(Exception, match="append-only"):
            ActionEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    finally:
        MigrationExecutor(connection).migrate(leaves)

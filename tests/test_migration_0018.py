"""Migration 0018 (findings from anywhere): applied to actions already there, each gets who
imported it as `created_by`; it unapplies and applies again, and the audit trail stays
append-only after it (on SQLite, rebuilding the table drops its triggers: they are made again).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tracker.models import Action, ActionEvent

MIGRATION = ("tracker", "0018_findings_by_hand")


@pytest.mark.django_db(transaction=True)
def test_it_fills_in_who_added_each_action_backwards_and_forwards_keeping_the_trail_append_only():
    executor = MigrationExecutor(connection)
    previous = [p.key for p in executor.loader.graph.node_map[MIGRATION].parents]
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(previous)
        before = MigrationExecutor(connection).loader.project_state(previous).apps
        imported, by_command = _actions_as_before(before)
        MigrationExecutor(connection).migrate(leaves)

        assert Action.objects.get(pk=imported).created_by.username == "importer"
        assert Action.objects.get(pk=by_command).created_by is None
        event = ActionEvent.objects.filter(action_id=imported).first()
        with pytest.raises(Exception, match="append-only"):
            ActionEvent.objects.filter(pk=event.pk).update(reason="rewritten")

        MigrationExecutor(connection).migrate(previous)
        MigrationExecutor(connection).migrate(leaves)
        assert Action.objects.get(pk=imported).created_by.username == "importer"
        with pytest.raises(Exception, match="append-only"):
            ActionEvent.objects.filter(pk=event.pk).delete()
    finally:
        MigrationExecutor(connection).migrate(leaves)


def _actions_as_before(apps) -> tuple[int, int]:
    """Two actions as 0017 left them: one imported by a person, one by a command."""
    Force = apps.get_model("tracker", "Force")
    User = apps.get_model("tracker", "User")
    Inspection = apps.get_model("tracker", "Inspection")
    Question = apps.get_model("tracker", "Question")
    Action = apps.get_model("tracker", "Action")
    ActionEvent = apps.get_model("tracker", "ActionEvent")
    force = Force.objects.get(short_name="Lancashire")
    importer = User.objects.create(username="importer", force=force)
    report = Inspection.objects.create(force=force, year=2016, pillar="effectiveness")
    question = Question.objects.create(inspection=report, number=1, text="How effective?")
    ids = []
    for position, by in enumerate((importer, None), start=1):
        action = Action.objects.create(
            question=question, force=force, text=f"Finding {position}", position=position
        )
        ActionEvent.objects.create(action=action, kind="imported", new_value="Not started", by=by)
        ids.append(action.pk)
    return ids[0], ids[1]

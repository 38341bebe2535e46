"""The actions per (force, status, blocked), kept by PostgreSQL in the same transaction as each
change, and a partial index on the open actions' due dates: the inspector's dashboard across
every force reads these instead of grouping every action (issue 16; `tallied_counts`).

Statement triggers with transition tables, not row triggers: a COPY or a bulk_create of
500,000 actions makes one upsert per key, where a row trigger would update the same few rows
500,000 times in one transaction (each update a new version of the row). The keys a statement
changes are upserted in one order (force, status, blocked), so two transactions moving
actions of one force in opposite directions take the tally's row locks in the same order and
cannot deadlock. An update that changes no key nets to nothing and writes nothing.

SQLite keeps no tally (the dashboard groups its actions, as before): only the index is made.
"""

from django.db import migrations, models

import tracker.workflow

OPEN = ", ".join(f"'{status}'" for status in tracker.workflow.OPEN_STATUSES)

# One upsert per key, in the key's order; `changes` is (force_id, status, blocked, delta).
UPSERT = """
    FOR d IN
        SELECT force_id, status, blocked, sum(delta) AS delta FROM ({changes}) c
        GROUP BY force_id, status, blocked HAVING sum(delta) <> 0
        ORDER BY force_id, status, blocked
    LOOP
        INSERT INTO tracker_actiontally AS t (force_id, status, blocked, n)
        VALUES (d.force_id, d.status, d.blocked, d.delta)
        ON CONFLICT (force_id, status, blocked) DO UPDATE SET n = t.n + EXCLUDED.n;
    END LOOP;
"""
ADDED = "SELECT force_id, status, blocked_reason <> '' AS blocked, 1 AS delta FROM new_rows"
REMOVED = "SELECT force_id, status, blocked_reason <> '' AS blocked, -1 AS delta FROM old_rows"

FORWARD = f"""
CREATE TABLE tracker_actiontally (
    force_id bigint NOT NULL,
    status varchar(16) NOT NULL,
    blocked boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (force_id, status, blocked)
);

CREATE FUNCTION tracker_action_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- A flush (`manage.py flush`, where tracker.allow_purge lets it) empties the tally too.
        DELETE FROM tracker_actiontally;
    ELSIF TG_OP = 'INSERT' THEN
        {UPSERT.format(changes=ADDED)}
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT.format(changes=REMOVED)}
    ELSE
        {UPSERT.format(changes=f"{ADDED} UNION ALL {REMOVED}")}
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tracker_action_tally_insert AFTER INSERT ON tracker_action
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tracker_action_tally();
CREATE TRIGGER tracker_action_tally_update AFTER UPDATE ON tracker_action
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tracker_action_tally();
CREATE TRIGGER tracker_action_tally_delete AFTER DELETE ON tracker_action
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tracker_action_tally();
CREATE TRIGGER tracker_action_tally_truncate AFTER TRUNCATE ON tracker_action
    FOR EACH STATEMENT EXECUTE FUNCTION tracker_action_tally();

-- The triggers' lock holds off every writer until this commits: nothing is missed or
-- counted twice between the triggers and this count.
INSERT INTO tracker_actiontally (force_id, status, blocked, n)
SELECT force_id, status, blocked_reason <> '', count(*)
FROM tracker_action GROUP BY force_id, status, blocked_reason <> '';
"""

BACKWARD = """
DROP TRIGGER tracker_action_tally_insert ON tracker_action;
DROP TRIGGER tracker_action_tally_update ON tracker_action;
DROP TRIGGER tracker_action_tally_delete ON tracker_action;
DROP TRIGGER tracker_action_tally_truncate ON tracker_action;
DROP FUNCTION tracker_action_tally();
DROP TABLE tracker_actiontally;
"""


def create_tally(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def drop_tally(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0022_spreadsheet_import_claim"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActionTally",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "force_id", "status", "blocked", blank=True, editable=False,
                        primary_key=True, serialize=False,
                    ),
                ),  # fmt: skip
                (
                    "force",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        related_name="+",
                        to="tracker.force",
                    ),
                ),
                ("status", models.CharField(max_length=16)),
                ("blocked", models.BooleanField()),
                ("n", models.BigIntegerField()),
            ],
            options={"managed": False},
        ),
        migrations.RunPython(create_tally, drop_tally, elidable=False),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ("not_started", "in_progress", "submitted", "assured"))
                ),
                fields=["due_date", "force"],
                name="tracker_action_open_due",
            ),
        ),
    ]

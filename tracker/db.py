"""Database-level guards that the ORM cannot express.

The audit trail (ActionEvent), evidence notes and their files are append-only: triggers
refuse UPDATE and DELETE on them (migrations 0002 and 0007), and on PostgreSQL TRUNCATE too
(migrations 0006 and 0007). Each migration names the tables it covers itself, so that what
an old migration creates never changes when a table is added here.

The test suite must still empty the database between transactional tests (Django's flush:
DELETE on SQLite, TRUNCATE on PostgreSQL). On SQLite the trigger consults
`tracker_purge_allowed()`, a function registered on each connection; on PostgreSQL the
TRUNCATE trigger consults the session setting `tracker.allow_purge`. Only the tests' flush
turns either on. They guard against the application and against mistakes, not against a
database superuser, who can drop triggers anyway.
"""

from __future__ import annotations

import contextlib
import threading

APPEND_ONLY_TABLES = ("tracker_actionevent", "tracker_evidencenote", "tracker_evidencefile")

_purge = threading.local()


def purge_allowed() -> int:
    return int(getattr(_purge, "allowed", False))


@contextlib.contextmanager
def allow_purge():
    """Let this thread delete append-only rows on SQLite (test teardown only)."""
    _purge.allowed = True
    try:
        yield
    finally:
        _purge.allowed = False


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("tracker_purge_allowed", 0, purge_allowed)


def sqlite_trigger_sql(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_append_only_{op.lower()}
        BEFORE {op} ON {table}
        WHEN tracker_purge_allowed() = 0
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: {op} refused');
        END;
        """
        for op in ("UPDATE", "DELETE")
    ]


def remake_sqlite_triggers(schema_editor, table: str) -> None:
    """Make `table`'s append-only triggers again on SQLite, which drops them when a migration
    rebuilds the table (a changed CHECK constraint does); nothing on other databases."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for op in ("update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{op}")
    for sql in sqlite_trigger_sql(table):
        schema_editor.execute(sql, params=None)


def remake_sqlite_event_triggers(apps, schema_editor) -> None:
    """A migration's RunPython step: the audit trail's triggers again after its table was
    rebuilt on SQLite (migrations 0009, 0015, 0016, 0017 change its kinds' CHECK constraint)."""
    remake_sqlite_triggers(schema_editor, "tracker_actionevent")


POSTGRESQL_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION tracker_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


POSTGRESQL_TRUNCATE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION tracker_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('tracker.allow_purge', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def postgresql_truncate_trigger_sql(table: str) -> str:
    return f"""
        CREATE TRIGGER {table}_no_truncate
        BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse_truncate();
        """


def postgresql_trigger_sql(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_append_only
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change();
        """
    ]

"""Database-level guards that the ORM cannot express.

The audit trail (ActionEvent) and evidence notes are append-only: triggers refuse UPDATE
and DELETE on them (migration 0002). On SQLite the trigger consults `tracker_purge_allowed()`,
a function registered on each connection, so that the test suite can empty the database
between transactional tests (Django's flush uses DELETE on SQLite; on PostgreSQL it uses
TRUNCATE, which row triggers do not see). Nothing in the application turns it on.
"""

from __future__ import annotations

import contextlib
import threading

APPEND_ONLY_TABLES = ("tracker_actionevent", "tracker_evidencenote")

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


POSTGRESQL_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION tracker_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def postgresql_trigger_sql(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_append_only
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change();
        """
    ]

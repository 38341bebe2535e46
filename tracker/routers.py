"""What is not data to move between databases.

`ActionTally` is the database's own bookkeeping, kept by triggers on PostgreSQL (migration
0023) and absent on SQLite. `dumpdata` and `loaddata` ask the routers whether a model's rows
belong to a database: saying no here leaves the tally out of a dump, and a restore rebuilds
it, since the target's triggers count the actions as they are loaded. Migrations are not
affected: the tally is unmanaged, and migration 0023's SQL names no model.
"""

from __future__ import annotations


class DerivedDataRouter:
    DERIVED = {("tracker", "actiontally")}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if (app_label, model_name) in self.DERIVED:
            return False
        return None

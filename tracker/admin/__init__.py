"""The inspectors' admin: review and sign off actions across every force.

One module per part of the work; importing them registers their ModelAdmins with the site
(`tracker/admin_site.py`, inspectors only):

- `reports`: reports (inspections) and their questions;
- `imports`: the report import page, its form and its steps;
- `spreadsheet`: the spreadsheet import's pages (a mixin of the reports' admin);
- `actions`: actions, edited through the workflow, "Close selected" and "Export selected";
- `adding`: the form of "Add action", a finding added by hand;
- `notes`: evidence notes and their files;
- `events`: the audit trail, read-only;
- `users`: forces and users;
- `inlines`: the read-only inlines the others show a parent's rows with.
"""

from tracker.admin import actions, events, imports, notes, reports, users

__all__ = ["actions", "events", "imports", "notes", "reports", "users"]

"""The domain: forces, their inspection reports, and the actions that answer them.

One module per concern, each importing only from the ones before it:

- `people`: forces, users, password-reset requests, and what a user may see
  (`ForceScopedQuerySet.visible_to`, the one place that decides it).
- `reports`: grades and pillars, and the reports (`Inspection`) and their `Question`s.
- `actions`: `Action` and its state changes, its `EvidenceNote`s with their `EvidenceFile`s,
  and its audit trail (`ActionEvent`).
- `mail`: the e-mail sent (`Email`), the log that makes reminders idempotent.
- `imports`: a spreadsheet import's confirm, claimed once (`SpreadsheetImportClaim`) across
  every app server.

Every model's name is here, so code imports from `tracker.models`, never from a module of it;
so are the rulebook's names the models' methods take and give (`Status`, `Kind`, `Relation`,
`Role`, `Rag`, `TransitionError`, `StaleVersion`).
"""

from __future__ import annotations

from tracker.models.actions import (
    REPORT_TEXT,
    Action,
    ActionEvent,
    ActionQuerySet,
    ActionTally,
    EvidenceFile,
    EvidenceNote,
    count_expressions,
    tallied_counts,
    tally_kept,
)
from tracker.models.imports import SpreadsheetImportClaim
from tracker.models.mail import Email, EmailKind, EmailState
from tracker.models.people import (
    INSPECTORS_GROUP,
    Force,
    ForceScopedQuerySet,
    PasswordResetRequest,
    User,
    inspectors_of,
    leads_of,
)
from tracker.models.reports import (
    FORMAT_NOUNS,
    GRADE_SEVERITY,
    NAME_FIELDS,
    PEEL_CYCLES,
    Grade,
    Inspection,
    InspectionQuerySet,
    Pillar,
    Question,
    ReportFormat,
    cite_question,
    grade_severity,
    question_url,
    report_name,
)
from tracker.workflow import Kind, Rag, Relation, Role, StaleVersion, Status, TransitionError

__all__ = [
    "FORMAT_NOUNS",
    "GRADE_SEVERITY",
    "INSPECTORS_GROUP",
    "REPORT_TEXT",
    "Action",
    "ActionEvent",
    "ActionQuerySet",
    "ActionTally",
    "Email",
    "EmailKind",
    "EmailState",
    "EvidenceFile",
    "EvidenceNote",
    "Force",
    "ForceScopedQuerySet",
    "Grade",
    "Inspection",
    "InspectionQuerySet",
    "Kind",
    "NAME_FIELDS",
    "PEEL_CYCLES",
    "PasswordResetRequest",
    "Pillar",
    "Question",
    "Rag",
    "Relation",
    "ReportFormat",
    "Role",
    "SpreadsheetImportClaim",
    "StaleVersion",
    "Status",
    "TransitionError",
    "User",
    "count_expressions",
    "tallied_counts",
    "tally_kept",
    "grade_severity",
    "inspectors_of",
    "leads_of",
    "report_name",
    "cite_question",
    "question_url",
]

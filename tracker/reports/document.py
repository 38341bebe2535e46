"""The import JSON (docs/architecture.md, "Import JSON"): the shape other tools read."""

from __future__ import annotations

from tracker.models import Force
from tracker.reports.parse import ParsedReport
from tracker.reports.shape import pillar_report_json


def report_json(parsed: ParsedReport, force: Force) -> dict:
    return pillar_report_json(parsed, force.name)

"""The import JSON (docs/architecture.md, "Import JSON"): the shape other tools read."""

from __future__ import annotations

from tracker.models import Force
from tracker.reports.parse import ParsedReport


def report_json(parsed: ParsedReport, force: Force) -> dict:
    return {
        "force": force.name,
        "programme": parsed.programme,
        "year": parsed.year,
        "pillar": parsed.pillar,
        "title": parsed.title,
        "grade": parsed.grade,
        "last_updated": parsed.last_updated.isoformat() if parsed.last_updated else None,
        "questions": [
            {
                "number": question.number,
                "text": question.text,
                "grade": question.grade,
                "areas_for_improvement": list(question.areas_for_improvement),
            }
            for question in parsed.questions
        ],
    }

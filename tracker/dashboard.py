"""The dashboard's numbers: its tiles, the per-force rows, each report's bars and chart, and
the reports whose PCC response is due soon or overdue.

The view (tracker/views.py, `dashboard`) decides whose actions and reports are shown; this
module counts them and lays them out. What the tiles count ("overdue", "due soon") is the
rulebook's (tracker/workflow.py), through `ActionQuerySet.counts()`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse

from tracker import labels
from tracker.models import (
    ActionEvent,
    Force,
    Question,
    cite_question,
    count_expressions,
    question_url,
    tallied_counts,
    tally_kept,
)
from tracker.models.actions import COUNTED
from tracker.workflow import (
    DUE_SOON_DAYS,
    OPEN_STATUSES,
    Status,
    due_soon_until,
    pcc_response_watch_q,
)

RECENT_EVENTS = 10
# The dashboard shows the most recent reports in full; older ones are a list of links (43
# reports' charts made a 316 KB page), the most recent EARLIER_REPORTS of them: the reports
# list (/inspections/) has them all.
EXPANDED_REPORTS = 5
EARLIER_REPORTS = 20


def pcc_responses_due(inspections: QuerySet, today: datetime.date) -> list:
    """The reports whose PCC response is overdue or due soon (the rulebook's
    `pcc_response_watch_q`), the earliest due first; each says how it stands (`pcc_response`)."""
    watched = inspections.filter(pcc_response_watch_q(today)).select_related("force")
    return list(watched.order_by("published", "pk"))


def list_url(force: Force | None = None, **params) -> str:
    """A link to the action list with these filters (lists become repeated parameters)."""
    if force is not None:
        params["force"] = force.slug
    return f"{reverse('action-list')}?{urlencode(params, doseq=True)}"


def recent_events(actions: QuerySet) -> list[ActionEvent]:
    events = list(
        ActionEvent.objects.filter(action__in=actions)
        .select_related("action", "by")
        .order_by("-at", "-id")[:RECENT_EVENTS]
    )
    ActionEvent.name_owners(events, [event.by for event in events if event.by])
    return events


def tiles(counts: dict, force: Force | None, today: datetime.date) -> list[dict]:
    """The dashboard's tiles; each links to the list filtered to exactly what it counts."""
    open_statuses = list(OPEN_STATUSES)
    soon = due_soon_until(today)
    done = counts["total"] - counts["superseded"]
    percent_closed = round(100 * counts["closed"] / done) if done else 0
    return [
        {
            "label": "Open",
            "count": counts["open"],
            "url": list_url(force, status=open_statuses),
            "note": f"of {counts['total']} actions",
        },
        {
            "label": "Overdue",
            "count": counts["overdue"],
            "url": list_url(force, overdue=1),
            "note": "past their due date",
            "alert": counts["overdue"] > 0,
        },
        {
            "label": f"Due in the next {DUE_SOON_DAYS} days",
            "count": counts["due_soon"],
            "url": list_url(
                force,
                status=open_statuses,
                due_after=today.isoformat(),
                due_before=soon.isoformat(),
            ),
            "note": f"by {soon.day} {soon:%B %Y}",
        },
        {
            "label": "Submitted for review",
            "count": counts["submitted"],
            "url": list_url(force, status="submitted"),
            "note": "waiting for the force lead's assurance",
        },
        {
            "label": "Assured by the force",
            "count": counts["assured"],
            "url": list_url(force, status="assured"),
            "note": "ready for an inspector",
        },
        {
            "label": "Blocked",
            "count": counts["blocked"],
            "url": list_url(force, status=open_statuses, blocked=1),
            "note": "waiting on someone outside the force",
        },
        {
            "label": "Closed",
            "count": counts["closed"],
            "url": list_url(force, status="closed"),
            # Superseded actions left the report; they count neither for nor against.
            "note": f"{percent_closed}% closed",
            "percent": percent_closed,
        },
    ]


# What `count_expressions` counts, by name: the tiles' counts are the sums of the force rows'.
COUNT_NAMES = COUNTED


def force_rows(
    actions,
    forces: list[Force],
    today: datetime.date,
    *,
    tallied: bool = False,
    force_ids: Collection[int] | None = None,
) -> list[dict]:
    """One row per force with actions, for an inspector looking at all forces (one query).

    With `tallied`, `actions` are every action of the forces `force_ids` (None: of every
    force), an inspector's whole view: PostgreSQL counts them from its tally of actions per
    force and status and the open actions' due dates (`tallied_counts`), which do not grow
    with the actions closed long ago. Otherwise one GROUP BY over `actions`.
    """
    if tallied and tally_kept():
        by_force = tallied_counts(today, force_ids)
    else:
        by_force = {
            row["force"]: row
            for row in actions.order_by().values("force").annotate(**count_expressions(today))
        }
    return [{**by_force[force.pk], "force": force} for force in forces if force.pk in by_force]


def report_summaries(
    actions, inspections, expanded: int | None = None, listed: int | None = None
) -> list[dict]:
    """Each report with its actions by status (three queries in all).

    The first `expanded` reports (the most recent) also get their questions and a chart; the
    rest are a link and a count, so their questions are not fetched. With `listed`, only the
    first `listed` reports and one more (which says there are more): only their actions are
    counted, so a force with hundreds of reports costs what one with a few does (issue 16).
    """
    reports = list(inspections.select_related("force")[: None if listed is None else listed + 1])
    if listed is not None:
        actions = actions.filter(question__inspection__in=[report.pk for report in reports])
    per_question: dict[int, dict[str, int]] = defaultdict(dict)
    for question_id, status, n in (
        actions.order_by().values_list("question_id", "status").annotate(n=Count("pk"))
    ):
        per_question[question_id][status] = n
    shown = {inspection.pk for inspection in (reports if expanded is None else reports[:expanded])}
    # Plain tuples: a force's twenty reports have some two hundred questions, and only the
    # shown reports' questions become rows.
    per_report: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    questions_of: dict[int, list[tuple]] = defaultdict(list)
    for question in Question.objects.filter(inspection__in=reports).values_list(
        "pk", "inspection_id", "number", "text", "grade", "label"
    ):
        for status, n in per_question.get(question[0], {}).items():
            per_report[question[1]][status] += n
        if question[1] in shown:
            questions_of[question[1]].append(question)
    summaries = []
    for inspection in reports:
        url = inspection.get_absolute_url()
        counts = per_report.get(inspection.pk, {})
        summary = {
            "inspection": inspection,
            "url": url,
            "segments": _segments(counts),
            "total": sum(counts.values()),
            "questions": [],
            "chart": None,
        }
        if inspection.pk in shown:
            summary["questions"] = [
                _question_row(question, url, per_question.get(question[0], {}))
                for question in questions_of[inspection.pk]
            ]
            summary["chart"] = chart(summary["questions"])
        summaries.append(summary)
    return summaries


def _question_row(question: tuple, report_url: str, counts: dict[str, int]) -> dict:
    _pk, _report, number, text, grade, label = question
    return {
        "number": number,
        "short_name": cite_question(number, label),
        "text": text,
        "url": question_url(report_url, number),
        "grade": grade,
        "grade_label": labels.GRADE.get(grade, grade),
        "segments": _segments(counts),
    }


# Statuses in workflow order, looked up once: a dashboard draws a bar for every question.
STATUSES = tuple(Status.values)


def _segments(counts: dict[str, int]) -> list[dict]:
    """A stacked bar: one segment per status in workflow order, widths in whole percent."""
    values = [counts.get(status, 0) for status in STATUSES]
    return [
        {"status": status, "label": labels.STATUS[status], "count": count, "percent": percent}
        for status, count, percent in zip(STATUSES, values, _whole_percents(values), strict=True)
    ]


def _whole_percents(values: list[int]) -> list[int]:
    """Whole percents that add up to exactly 100 (largest remainder), so a bar has no gap."""
    total = sum(values)
    if not total:
        return [0] * len(values)
    exact = [100 * value / total for value in values]
    percents = [int(share) for share in exact]
    by_remainder = sorted(range(len(values)), key=lambda i: exact[i] - percents[i], reverse=True)
    for i in by_remainder[: 100 - sum(percents)]:
        percents[i] += 1
    return percents


CHART_LABEL_WIDTH = 48
CHART_BAR_WIDTH = 500
CHART_ROW_HEIGHT = 30
CHART_BAR_HEIGHT = 20


def chart(questions: list[dict]) -> dict:
    """Geometry of the per-question bar chart (SVG attributes, not CSS, so CSP-friendly)."""
    largest = max((sum(s["count"] for s in q["segments"]) for q in questions), default=0)
    rows = []
    for index, row in enumerate(questions):
        x = CHART_LABEL_WIDTH
        bars = []
        for segment in row["segments"]:
            if not segment["count"]:
                continue
            width = CHART_BAR_WIDTH * segment["count"] / largest
            bars.append({**segment, "x": round(x, 2), "width": round(width, 2)})
            x += width
        rows.append(
            {
                "number": row["number"],
                "segments": row["segments"],
                "total": sum(s["count"] for s in row["segments"]),
                "bars": bars,
                "y": index * CHART_ROW_HEIGHT,
                "text_y": index * CHART_ROW_HEIGHT + CHART_BAR_HEIGHT - 5,
                "end_x": round(x + 6, 2),
            }
        )
    return {
        "rows": rows,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 60,
        "height": max(len(rows), 1) * CHART_ROW_HEIGHT,
        "bar_height": CHART_BAR_HEIGHT,
        "statuses": [{"value": status, "label": labels.STATUS[status]} for status in STATUSES],
    }

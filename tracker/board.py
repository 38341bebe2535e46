"""The board pack: a force's actions as they stood at the end of a chosen day.

Everything the pack shows is computed here, in one place, for the page, the PDF and the
workbook alike (tracker/views.py renders it; templates/tracker/partials/board_pack.html and
`write_workbook` lay it out). The state of each action *as at* a date is reconstructed from
the audit trail: the action as it stands now, with every event after the end of that day
undone, newest first (a status, owner, due date or blocked event records its old value).
Undoing from the present needs nothing from before the pack's window, so an action with a
short history (or none: made by a command) is as right as one with a long one. Actions made
after the day are left out. The bucket definitions are in docs/architecture.md ("The board
pack"); the rules behind them (open, overdue, RAG) are the rulebook's (tracker/workflow.py).

Three queries, whatever the force's size: its actions, their events in the pack's window
(and every due-date revision, for the slippage list), and its reports.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from tracker import labels
from tracker.dates import MONTH_ABBREVIATIONS
from tracker.dates import day_month_year as day
from tracker.models import (
    GRADE_SEVERITY,
    Action,
    ActionEvent,
    Force,
    Inspection,
    cite_question,
)
from tracker.workflow import (
    OPEN_STATUSES,
    PCC_RESPONSE_DAYS,
    Kind,
    PccResponseState,
    Rag,
    Status,
    is_overdue,
    pcc_response,
    rag,
)

TREND_MONTHS = 12
# The PCC's response to an HMICFRS report is due this many days after publication.

# The buckets forces report, in the order the pack shows them. The first four divide the
# actions that are not superseded; "overdue" and "blocked" cut across the open ones.
BUCKETS = (
    ("awaiting_allocation", "Awaiting allocation"),
    ("in_progress", "In progress"),
    ("pending_sign_off", "Pending sign-off"),
    ("closed", "Closed"),
    ("overdue", "Overdue"),
    ("blocked", "Blocked"),
)
PENDING_SIGN_OFF = (Status.SUBMITTED, Status.ASSURED)
STATUS_BY_LABEL = {label: value for value, label in labels.STATUS.items()}
EVENT_KINDS = (
    ActionEvent.Kind.STATUS,
    ActionEvent.Kind.DISCHARGED,
    ActionEvent.Kind.OWNER,
    ActionEvent.Kind.DUE_DATE,
    ActionEvent.Kind.BLOCKED,
)

# The kinds of event fetched however old: see `board_pack`.
EVER = (ActionEvent.Kind.DUE_DATE, ActionEvent.Kind.BLOCKED)


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def default_closed_since(as_at: datetime.date) -> datetime.date:
    """The start of the quarter before the one `as_at` falls in."""
    return quarter_start(quarter_start(as_at) - datetime.timedelta(days=1))


def end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the site's time zone: events before it happened by then."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def month_points(as_at: datetime.date, months: int = TREND_MONTHS) -> list[datetime.date]:
    """The last day of each of the `months` months up to as_at's, the last being as_at itself."""
    points = []
    year, month = as_at.year, as_at.month
    for _ in range(months):
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        points.append(min(as_at, following - datetime.timedelta(days=1)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return points[::-1]


def person(username: str | None, first: str | None, last: str | None) -> str:
    """A person's name as pages write it (`User.display_name`), from the event's columns."""
    full = f"{first or ''} {last or ''}".strip()
    return full or username or "the system"


@dataclass
class State:
    """One action as it stood at the end of the as-at day."""

    pk: int
    kind: str
    text: str
    reference: str
    report_id: int
    question: str
    grade: str
    status: str
    owner: str
    due_date: datetime.date | None
    original_due_date: datetime.date | None
    blocked_reason: str
    created: datetime.date
    report: str = ""
    blocked_since: datetime.date | None = None
    closed_on: datetime.date | None = None
    closed_by: str = ""
    revisions: list[dict] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def short_text(self) -> str:
        return self.text if len(self.text) <= 160 else self.text[:159].rstrip() + "…"

    @property
    def slipped_days(self) -> int:
        """How far its due date moved, first to last (as at the pack's date)."""
        if self.original_due_date is None or self.due_date is None:
            return 0
        return (self.due_date - self.original_due_date).days

    @property
    def name(self) -> str:
        return self.reference or f"#{self.pk}"


def buckets_of(state: State, as_at: datetime.date) -> list[str]:
    """The buckets an action falls in at the end of `as_at` (docs/architecture.md)."""
    if state.status == Status.CLOSED:
        return ["closed"]
    if not state.is_open:
        return []
    if state.status in PENDING_SIGN_OFF:
        found = ["pending_sign_off"]
    elif state.owner:
        found = ["in_progress"]
    else:
        found = ["awaiting_allocation"]
    if is_overdue(state.status, state.due_date, as_at):
        found.append("overdue")
    if state.blocked_reason:
        found.append("blocked")
    return found


def empty_counts() -> dict[str, int]:
    return {key: 0 for key, _ in BUCKETS} | {"total": 0}


@dataclass
class Pack:
    force: Force
    inspection: Inspection | None
    as_at: datetime.date
    closed_since: datetime.date
    actions: list[State]
    counts: dict[str, int]
    superseded: int
    rag: list[dict]
    by_grade: list[dict]
    by_kind: list[dict]
    slipped: list[State]
    blocked: list[State]
    closed: list[State]
    pcc: list[dict]
    trend: list[dict]
    pcc_response_days = PCC_RESPONSE_DAYS

    @property
    def filters(self) -> str:
        """The pack's scope in words, for every page's header."""
        parts = [f"As at {day(self.as_at)}"]
        parts.append(f"report: {self.inspection.name}" if self.inspection else "all reports")
        parts.append(f"closed since {day(self.closed_since)}")
        return "; ".join(parts)

    @property
    def buckets(self) -> list[dict]:
        return [{"key": key, "label": label, "count": self.counts[key]} for key, label in BUCKETS]

    @property
    def chart(self) -> dict:
        return trend_chart(self.trend)


def board_pack(
    force: Force,
    *,
    as_at: datetime.date,
    inspection: Inspection | None = None,
    closed_since: datetime.date | None = None,
) -> Pack:
    """The pack for `force` (and one of its reports), as at the end of `as_at`."""
    closed_since = closed_since or default_closed_since(as_at)
    points = month_points(as_at)
    window_start = min(points[0].replace(day=1), closed_since)
    cutoff = end_of(as_at)

    actions = Action.objects.filter(force=force, created_at__lt=cutoff)
    if inspection is not None:
        actions = actions.filter(question__inspection=inspection)
    rows = actions.order_by("pk").values_list(
        "pk", "kind", "text", "reference", "question__inspection_id", "question__number",
        "question__label", "question__grade", "status", "owner__username", "due_date",
        "original_due_date", "blocked_reason", "created_at", "closed_at",
        "closed_by__username", "closed_by__first_name", "closed_by__last_name",
    )  # fmt: skip
    # Every event that can change what the pack shows: those in its window (undone to reach
    # the as-at day and each month end, and the closures since `closed_since`), every
    # due-date revision (the slippage list goes back to the first) and every blocking (when
    # each blocked action was blocked).
    events = (
        ActionEvent.objects.filter(action__in=actions.values("pk"), kind__in=EVENT_KINDS)
        .filter(Q(at__gte=timezone.make_aware(_midnight(window_start))) | Q(kind__in=EVER))
        .order_by("-at", "-id")
        .values_list(
            "action_id", "kind", "old_value", "new_value", "reason", "at",
            "by__username", "by__first_name", "by__last_name",
        )
    )  # fmt: skip
    by_action: dict[int, list[tuple]] = defaultdict(list)
    for event in events:
        by_action[event[0]].append(event)

    cutoffs = [end_of(point) for point in points]
    open_at = [0] * len(points)
    opened: dict[tuple[int, int], int] = defaultdict(int)
    closed_in: dict[tuple[int, int], set[int]] = defaultdict(set)
    states = []
    for row in rows:
        state, statuses = _replay(row, by_action.get(row[0], ()), cutoffs, cutoff)
        states.append(state)
        created = state.created
        opened[(created.year, created.month)] += 1
        for index, status in enumerate(statuses):
            if status in OPEN_STATUSES and created <= points[index]:
                open_at[index] += 1
        for closed_on in _closures(by_action.get(row[0], ()), cutoff):
            closed_in[(closed_on.year, closed_on.month)].add(state.pk)

    reports = {
        report.pk: report
        for report in Inspection.objects.filter(force=force).without_texts().order_by("pk")
    }
    names = {pk: report.name for pk, report in reports.items()}
    for state in states:
        state.report = names.get(state.report_id, "")
    return Pack(
        force=force,
        inspection=inspection,
        as_at=as_at,
        closed_since=closed_since,
        actions=states,
        **_counts(states, as_at),
        slipped=sorted((s for s in states if s.revisions), key=lambda s: (-s.slipped_days, s.pk)),
        blocked=sorted(
            (s for s in states if s.is_open and s.blocked_reason),
            key=lambda s: (s.blocked_since or as_at, s.pk),
        ),
        closed=sorted(
            (s for s in states if s.closed_on and s.closed_on >= closed_since),
            key=lambda s: (s.closed_on, s.pk),
            reverse=True,
        ),
        pcc=_pcc_states(reports.values(), inspection, as_at),
        trend=[
            {
                "month": f"{MONTH_ABBREVIATIONS[point.month - 1]} {point.year}",
                "point": point,
                "open": open_at[index],
                "opened": opened[(point.year, point.month)],
                "closed": len(closed_in[(point.year, point.month)]),
            }
            for index, point in enumerate(points)
        ],
    )


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min)


def _replay(row: tuple, events, cutoffs: list[datetime.datetime], cutoff) -> tuple[State, list]:
    """The action as at `cutoff`, and its status at each of `cutoffs` (oldest first).

    `events` are the action's, newest first; each is undone in turn, going back in time.
    """
    (pk, kind, text, reference, report_id, number, label, grade, status, owner, due,
     original, blocked, created_at, closed_at, closer, closer_first, closer_last) = row  # fmt: skip
    current = {"status": status, "owner": owner or "", "due": due, "blocked": blocked}
    statuses: list[str] = [""] * len(cutoffs)
    at_as_at: dict | None = None
    point = len(cutoffs) - 1
    for _pk, event_kind, old, _new, _reason, at, *_by in events:
        while point >= 0 and at < cutoffs[point]:
            statuses[point] = current["status"]
            point -= 1
        if at_as_at is None and at < cutoff:
            at_as_at = dict(current)
        if point < 0 and at_as_at is not None:
            break
        _undo(current, event_kind, old)
    while point >= 0:
        statuses[point] = current["status"]
        point -= 1
    state_now = at_as_at or current
    state = State(
        pk=pk,
        kind=kind,
        text=text,
        reference=reference,
        report_id=report_id,
        question=cite_question(number, label),
        grade=grade,
        status=state_now["status"],
        owner=state_now["owner"],
        due_date=state_now["due"],
        original_due_date=original,
        blocked_reason=state_now["blocked"],
        created=timezone.localdate(created_at),
    )
    _history(state, events, cutoff, closed_at, person(closer, closer_first, closer_last))
    return state, statuses


def _undo(state: dict, kind: str, old: str) -> None:
    """Put back what an event changed (its old value)."""
    if kind in (ActionEvent.Kind.STATUS, ActionEvent.Kind.DISCHARGED):
        state["status"] = STATUS_BY_LABEL.get(old, state["status"])
    elif kind == ActionEvent.Kind.OWNER:
        state["owner"] = old
    elif kind == ActionEvent.Kind.DUE_DATE:
        state["due"] = _date(old)
    elif kind == ActionEvent.Kind.BLOCKED:
        state["blocked"] = old


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _is_closure(kind: str, new: str) -> bool:
    return kind == ActionEvent.Kind.DISCHARGED or (
        kind == ActionEvent.Kind.STATUS and new == labels.STATUS[Status.CLOSED]
    )


def _closures(events, cutoff) -> list[datetime.date]:
    return [
        timezone.localdate(at)
        for _pk, kind, _old, new, _reason, at, *_by in events
        if at < cutoff and _is_closure(kind, new)
    ]


def _history(state: State, events, cutoff, closed_at, closed_by: str) -> None:
    """The revisions of its due date, when it was blocked and when closed, up to `cutoff`."""
    for _pk, kind, old, new, reason, at, *by in events:
        if at >= cutoff:
            continue
        if kind == ActionEvent.Kind.DUE_DATE and old:
            state.revisions.append(
                {
                    "on": timezone.localdate(at),
                    "old": _date(old),
                    "new": _date(new),
                    "reason": reason,
                    "by": person(*by),
                }
            )
        elif kind == ActionEvent.Kind.BLOCKED and new and state.blocked_since is None:
            state.blocked_since = timezone.localdate(at)
        elif _is_closure(kind, new) and state.closed_on is None and state.status == Status.CLOSED:
            state.closed_on, state.closed_by = timezone.localdate(at), person(*by)
    state.revisions.reverse()  # oldest first
    closed_by_then = closed_at is not None and closed_at < cutoff
    if state.status == Status.CLOSED and state.closed_on is None and closed_by_then:
        # Closed before the events fetched (or with none): the action says when.
        state.closed_on, state.closed_by = timezone.localdate(closed_at), closed_by
    if state.original_due_date is None and state.revisions:
        state.original_due_date = state.revisions[0]["old"]


def _counts(states: list[State], as_at: datetime.date) -> dict:
    counts = empty_counts()
    rags = dict.fromkeys(Rag.values, 0)
    grades: dict[str, dict[str, int]] = defaultdict(empty_counts)
    kinds: dict[str, dict[str, int]] = defaultdict(empty_counts)
    superseded = 0
    for state in states:
        if state.status == Status.SUPERSEDED:
            superseded += 1
            continue
        rags[rag(state.status, state.due_date, as_at)] += 1
        for table in (counts, grades[state.grade], kinds[state.kind]):
            table["total"] += 1
            for bucket in buckets_of(state, as_at):
                table[bucket] += 1
    severity = {grade.value: rank for grade, rank in GRADE_SEVERITY.items()}
    grade_order = sorted(grades, key=lambda g: (severity.get(g, len(severity)), g))
    return {
        "counts": counts,
        "superseded": superseded,
        "rag": [{"key": key, "label": labels.RAG[key], "count": rags[key]} for key in Rag.values],
        "by_grade": [{"label": labels.GRADE.get(g, "No grade"), **grades[g]} for g in grade_order],
        "by_kind": [{"label": labels.KIND[k], **kinds[k]} for k in Kind.values if k in kinds],
    }


# The rulebook's states (`workflow.pcc_response`) as the pack words them: due soon is due.
PCC_STATES = {
    PccResponseState.RESPONDED: "responded",
    PccResponseState.OVERDUE: "overdue",
    PccResponseState.DUE_SOON: "due",
    PccResponseState.DUE: "due",
    PccResponseState.NOT_DUE: "unknown",
}


def _pcc_states(reports, inspection: Inspection | None, as_at: datetime.date) -> list[dict]:
    """Each HMICFRS report's PCC response as at `as_at`: published, overdue, due or unknown.

    Reports the force commissioned itself (no programme) need none; reports published after
    `as_at` are left out.
    """
    states = []
    for report in reports:
        if not report.programme or (inspection is not None and report.pk != inspection.pk):
            continue
        if report.published and report.published > as_at:
            continue
        responded = report.pcc_response_on
        if responded and responded > as_at:
            responded = None  # recorded later: not yet published as at the pack's day
        where = pcc_response(report.published, responded, as_at)
        due, state = where.due, PCC_STATES[where.state]
        if responded is not None:
            words = f"Published {day(responded)}"
        elif due is None:
            words = "No publication date: due date unknown"
        elif state == "overdue":
            words = f"Overdue: due {day(due)}"
        else:
            words = f"Due {day(due)}"
        states.append(
            {
                "report": report.name,
                "published": report.published,
                "due": due,
                "responded": responded if state == "responded" else None,
                "state": state,
                "words": words,
            }
        )
    return states


# The trend chart's geometry: SVG attributes (no inline CSS), as the dashboard's chart.
CHART_LEFT = 10
CHART_TOP = 40
CHART_COLUMN = 52
CHART_PANEL = 110
CHART_GAP = 70
OPEN_COLOUR = "#0a4aa8"
OPENED_COLOUR = "#b35c00"
CLOSED_COLOUR = "#1e7a45"


def trend_chart(trend: list[dict]) -> dict:
    """Two panels, a column per month: open at the month's end; opened and closed in it."""
    most_open = max((p["open"] for p in trend), default=0) or 1
    most_moved = max((max(p["opened"], p["closed"]) for p in trend), default=0) or 1
    first = CHART_TOP + CHART_PANEL
    second = first + CHART_GAP
    columns = []
    for index, point in enumerate(trend):
        x = CHART_LEFT + index * CHART_COLUMN
        open_height = CHART_PANEL * point["open"] / most_open
        opened_height = CHART_PANEL * point["opened"] / most_moved
        closed_height = CHART_PANEL * point["closed"] / most_moved
        columns.append(
            {
                **point,
                "label_x": x + CHART_COLUMN / 2,
                "open_bar": _bar(x + 8, first, CHART_COLUMN - 16, open_height),
                "opened_bar": _bar(x + 6, second + CHART_PANEL, 19, opened_height),
                "closed_bar": _bar(x + 27, second + CHART_PANEL, 19, closed_height),
            }
        )
    return {
        "columns": columns,
        "width": CHART_LEFT + CHART_COLUMN * len(trend) + 10,
        "height": second + CHART_PANEL + 22,
        "axis_start": CHART_LEFT,
        "axis_end": CHART_LEFT + CHART_COLUMN * len(trend),
        "first_title_y": 14,
        "first_bottom": first,
        "second_title_y": second - 26,
        "second_bottom": second + CHART_PANEL,
        "most_open": most_open,
        "most_moved": most_moved,
        "label_y": second + CHART_PANEL + 16,
        "colours": {"open": OPEN_COLOUR, "opened": OPENED_COLOUR, "closed": CLOSED_COLOUR},
    }


def _bar(x: float, bottom: float, width: float, height: float) -> dict:
    return {
        "x": round(x, 1),
        "y": round(bottom - height, 1),
        "width": width,
        "height": round(height, 1),
        "top": round(bottom - height - 4, 1),
        "middle": round(x + width / 2, 1),
    }

"""manage.py generate_data — realistic synthetic data at scale, for benchmarks and load tests.

    manage.py generate_data --forces 43 --actions 50000 --notes 500000 [--seed N]

Fills an *empty* database (no actions yet; after `migrate`) with: users per force and a few
inspectors, PEEL reports per force (pillar, year, grade) with graded questions, one action
per area for improvement across every status (owners, due dates past and future, revised
dates, blocked ones, closed ones signed off by an inspector), evidence notes of both kinds and
the audit trail each of those changes would have written. It refuses to run on a database
that already has actions: there is no merging with real or earlier data, so a benchmark always
knows exactly what it measures. Use a separate database (`DATABASE_URL=.../peel_bench`).

Deterministic: the same seed on the same day gives the same rows (ids aside). Dates are laid
out relative to today (Europe/London), so that "overdue" and "due within 30 days" always have
members; timestamps are anchored at today's midnight, never at the wall clock.

Written in batches inside one transaction (all or nothing). Notes and events are made a batch
at a time, as plain rows of column values, and written before the next batch is made, so they
never sit in memory together. On PostgreSQL they are written with COPY, elsewhere with
`bulk_create` of instances made from the same rows: a seed writes the same rows in the same
order either way (tests/test_generate_data.py compares the two). On PostgreSQL the notes'
and events' secondary indexes are built once after the load rather than updated row by row,
and the tables are then vacuumed and analysed, as autovacuum would after a bulk load, so the
first queries have statistics.

The full size above takes 48 to 90 s on PostgreSQL on a 2-core machine, by the machine (it
took three minutes with `bulk_create`, which spends most of its time building an instance and
preparing each value of 1.2 million rows). On the slower machine: about 25 s making and
copying the notes and events, 20 s checking their foreign keys and 25 s building the notes'
trigram index.

Users get unusable passwords: nobody can sign in as a generated user until someone sets a
password (bench/run.py makes its load-test sessions itself). Progress goes to stderr, a line
per 10 %; the summary line to stdout.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import random
import time
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from tracker.models import (
    INSPECTORS_GROUP,
    Action,
    ActionEvent,
    EvidenceNote,
    Force,
    Grade,
    Inspection,
    Pillar,
    Question,
    Status,
    User,
)

BATCH_SIZE = 5000
# On PostgreSQL, notes and events are written with COPY; the tests turn this off to check
# that bulk_create writes the very same rows.
USE_COPY = True
# The columns of the rows `_history` makes, in order.
NOTE_COLUMNS = ("action_id", "author_id", "kind", "body", "created_at")
EVENT_COLUMNS = ("action_id", "kind", "old_value", "new_value", "reason", "by_id", "via", "at")
FIRST_YEAR = 2014
DAY = datetime.timedelta(days=1)

PILLAR_QUESTIONS = {
    Pillar.EFFECTIVENESS: (
        "How effective is the force at keeping people safe and reducing crime?",
        [
            "How effective is the force at preventing crime, tackling anti-social behaviour "
            "and keeping people safe?",
            "How effective is the force at investigating crime and reducing re-offending?",
            "How effective is the force at protecting those who are vulnerable from harm, "
            "and supporting victims?",
            "How effective is the force at tackling serious and organised crime?",
            "How effective are the force's specialist capabilities?",
        ],
    ),
    Pillar.EFFICIENCY: (
        "How efficient is the force at keeping people safe and reducing crime?",
        [
            "How well does the force understand demand?",
            "How well does the force use its resources to meet demand?",
            "How well is the force planning for demand in the future?",
            "How well does the force work with partners to reduce demand?",
            "How efficiently does the force manage its workforce?",
        ],
    ),
    Pillar.LEGITIMACY: (
        "How legitimate is the force at keeping people safe and reducing crime?",
        [
            "To what extent does the force treat all of the people it serves with fairness "
            "and respect?",
            "How well does the force ensure that its workforce behaves ethically and lawfully?",
            "To what extent does the force treat its workforce with fairness and respect?",
            "How well does the force use stop and search powers?",
            "How well does the force handle complaints from the public?",
        ],
    ),
    Pillar.LEADERSHIP: (
        "How well led is the force?",
        [
            "How well does the force understand and develop its leaders?",
            "How well does the force display leadership?",
            "How well does the force promote an ethical culture?",
            "How well does the force manage change?",
            "How well does the force listen to its workforce?",
        ],
    ),
}
# A published report's text, at the sizes of the sample (data/reports/): the page as imported
# about 11,000 characters, the summary about 2,700 and each question's narrative about 1,300.
# Pages that join a report or a question read these with every row, so the benchmark must too.
SOURCE_TEXT_LENGTH = 11_000
SUMMARY_LENGTH = 2_700
NARRATIVE_LENGTH = 1_300
REPORT_SENTENCES = [
    "The force has a good understanding of the demand it faces.",
    "Leaders have set clear priorities that the workforce understands.",
    "Neighbourhood officers work with partner organisations to solve local problems.",
    "The force could do more to evaluate whether its approach is working.",
    "Investigations are generally thorough, but supervision is not always consistent.",
    "Vulnerable people are identified at the first point of contact in most cases.",
    "Call handlers use a structured assessment of threat, harm and risk.",
    "Officers we spoke to understood the importance of keeping victims informed.",
    "Some investigations were delayed because digital devices were not examined quickly.",
    "The force works well with the local authority to safeguard children.",
    "We found that the force's use of stop and search is fair and effective.",
    "Workforce wellbeing has improved since our last inspection.",
    "Multi-agency arrangements for managing offenders are well established.",
    "The force has invested in training for specialist investigators.",
    "Performance is scrutinised regularly at a senior level.",
]
GRADE_WEIGHTS = {
    Grade.OUTSTANDING: 3,
    Grade.GOOD: 45,
    Grade.ADEQUATE: 8,
    Grade.REQUIRES_IMPROVEMENT: 32,
    Grade.INADEQUATE: 7,
    Grade.UNGRADED: 5,
}
AFI_SUBJECTS = ["The force", "The constabulary", "The force's leadership", "Senior leaders"]
AFI_VERBS = [
    "should ensure that",
    "needs to improve how",
    "should review how",
    "should make sure that",
    "needs to understand how",
]
AFI_OBJECTS = [
    "crime is allocated to appropriately skilled investigators",
    "vulnerability is identified at the first point of contact",
    "digital evidence is retrieved from devices quickly",
    "supervisors review case files consistently",
    "victims are kept informed about their case",
    "missing children are risk-assessed and safeguarded",
    "domestic abuse cases are managed and supervised",
    "multi-agency safeguarding hub referrals are dealt with promptly",
    "neighbourhood teams carry out structured problem solving",
    "stop and search records show reasonable grounds",
    "body-worn video is used when force is used",
    "it understands the demand it faces now and in the future",
    "workforce wellbeing is monitored and supported",
    "complaints are recorded and resolved in time",
    "integrated offender management engages all partners",
]
AFI_PURPOSES = [
    "so that victims receive an effective service.",
    "so that good practice can be replicated in other areas.",
    "to keep vulnerable people safe.",
    "so that investigations are not delayed.",
    "so that the public can have confidence in the force.",
    "and that this is regularly evaluated.",
]
NOTE_OPENINGS = [
    "Reviewed {n} case files",
    "Audit of {n} crime reports completed",
    "Training delivered to {n} officers and staff",
    "New process adopted force-wide; {n} plans reviewed",
    "Dip sample of {n} stop and search records",
    "Met with the MASH partners, {n} referrals checked",
    "Performance board considered {n} cases",
    "Problem-solving plans in place for {n} neighbourhoods",
    "Body-worn video checked in {n} use-of-force incidents",
    "Victim satisfaction survey: {n} responses",
]
NOTE_FINDINGS = [
    "supervision is now recorded in {p}% of files.",
    "compliance has risen to {p}%.",
    "the backlog fell by {p}% since the last review.",
    "victims were updated within the target in {p}% of cases.",
    "grounds were recorded as reasonable in {p}% of searches.",
    "repeat demand from the top 20 locations fell by {p}%.",
]
# Named operations and places give searches a realistic spread: one name is in about 1 note
# in 150, the way a real search term is rare, unlike the stock phrases above.
OPERATIONS = [
    "Kestrel",
    "Falcon",
    "Heron",
    "Curlew",
    "Merlin",
    "Osprey",
    "Plover",
    "Wren",
    "Lapwing",
    "Nightjar",
    "Bittern",
    "Avocet",
    "Dunlin",
    "Fulmar",
    "Gannet",
    "Goshawk",
    "Harrier",
    "Jackdaw",
    "Kittiwake",
    "Linnet",
    "Magpie",
    "Oriole",
    "Peregrine",
    "Puffin",
    "Raven",
    "Redwing",
    "Shrike",
    "Siskin",
    "Skylark",
    "Starling",
    "Swift",
    "Teal",
    "Tern",
    "Thrush",
    "Turnstone",
    "Warbler",
    "Whimbrel",
    "Woodcock",
    "Yellowhammer",
    "Bullfinch",
    "Chiffchaff",
    "Dipper",
    "Egret",
    "Firecrest",
    "Grebe",
    "Hobby",
    "Ibis",
    "Kingfisher",
    "Lark",
    "Martin",
    "Nuthatch",
    "Pipit",
    "Quail",
    "Rook",
    "Sanderling",
    "Stonechat",
    "Treecreeper",
    "Wagtail",
    "Waxwing",
    "Goldcrest",
]
PLACES = [
    "Preston",
    "Blackburn",
    "Burnley",
    "Lancaster",
    "Chorley",
    "Maidstone",
    "Canterbury",
    "Dover",
    "Leeds",
    "Bradford",
    "Wakefield",
    "Halifax",
    "Cardiff",
    "Swansea",
    "Newport",
    "Carlisle",
    "Kendal",
    "Exeter",
    "Plymouth",
    "Truro",
]
NOTE_NEXT = [
    "Next review due at the quarterly board.",
    "The chief superintendent has signed off the new policy.",
    'Staff describe the change as "clearer and quicker".',
    "Costs, £{n}k so far, are within the agreed budget.",
    "Outcome data to follow from the analyst team.",
    "Partners (health, education, social care) have agreed the protocol.",
    "- action plan updated\n- owner briefed\n- risks reviewed",
    "=SUM(A1:A3) appears in the exported spreadsheet, as a test of formula neutralisation.",
    "Detective Sergeant O’Neill leads the work – see the attached plan.",
]
BLOCKED_REASONS = [
    "Waiting for the national ICT programme to deliver the new records system.",
    "Depends on the regional organised crime unit's review.",
    "Awaiting Home Office guidance on the new data standard.",
    "Waiting for the local authority to agree the joint protocol.",
]
REASONS = {
    "close": "Evidence shows the change is embedded and having an impact.",
    "supersede": "Superseded by a recommendation in the later inspection.",
    "revise": "The new system's delivery date moved; plan agreed with HMICFRS.",
}
FIRST_NAMES = [
    "Sam",
    "Alex",
    "Jo",
    "Priya",
    "Tom",
    "Aisha",
    "Ben",
    "Chloe",
    "Dan",
    "Erin",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Khan",
    "Evans",
    "Patel",
    "Wilson",
    "O'Brien",
    "Davies",
    "Hughes",
    "Ali",
]
# Older reports have had more time: their actions are more often done.
STATUS_WEIGHTS_RECENT = [30, 40, 12, 12, 6]
STATUS_WEIGHTS_OLD = [8, 22, 8, 47, 15]
STATUSES = [
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.SUBMITTED,
    Status.CLOSED,
    Status.SUPERSEDED,
]
# How many of the notes an action of each status attracts, relative to the others.
NOTE_WEIGHT: dict[str, float] = {
    Status.NOT_STARTED: 0.1,
    Status.IN_PROGRESS: 1.2,
    Status.SUBMITTED: 1.6,
    Status.CLOSED: 1.8,
    Status.SUPERSEDED: 0.5,
}


@dataclass
class Plan:
    """One action's life story, decided before anything is written."""

    action: Action
    notes: int = 0
    started: datetime.datetime | None = None
    submitted: datetime.datetime | None = None
    assigned_by: User | None = None
    revised_at: datetime.datetime | None = None
    blocked_at: datetime.datetime | None = None
    inspector: User | None = None
    authors: list[User] = field(default_factory=list)


@dataclass
class Totals:
    users: int = 0
    inspectors: int = 0
    inspections: int = 0
    questions: int = 0
    actions: int = 0
    notes: int = 0
    events: int = 0


class Progress:
    """A plain-text progress bar: one line per 10 % of the work."""

    def __init__(self, out, total: int):
        self.out, self.total, self.done, self.shown = out, max(total, 1), 0, 0
        self.started = time.monotonic()

    def advance(self, n: int, what: str) -> None:
        self.done += n
        tenth = min(10, self.done * 10 // self.total)
        if tenth > self.shown:
            self.shown = tenth
            elapsed = time.monotonic() - self.started
            self.out.write(f"generate_data: {tenth * 10:3d}% ({what}, {elapsed:.0f} s)")


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        forces: int,
        actions: int,
        notes: int,
        users_per_force: int,
        inspectors: int,
        progress: Progress | None = None,
    ):
        self.seed = seed
        self.force_count = forces
        self.action_count = actions
        self.note_count = notes
        self.users_per_force = users_per_force
        self.inspector_count = inspectors
        self.progress = progress
        self.today = timezone.localdate()
        # Midnight today, London time: every timestamp is this minus a random offset.
        self.anchor = timezone.make_aware(datetime.datetime.combine(self.today, datetime.time()))
        self.totals = Totals()

    def rng(self, stream: str) -> random.Random:
        """A separate random stream per phase, so changing one phase leaves the others be."""
        return random.Random(f"{self.seed}:{stream}")

    def run(self) -> Totals:
        forces = list(Force.objects.order_by("name")[: self.force_count])
        if len(forces) < self.force_count:
            raise CommandError(f"Only {len(forces)} forces in the database (migration 0003).")
        staff, inspectors = self.make_users(forces)
        plans = self.make_reports_and_actions(forces, staff, inspectors)
        self.make_notes_and_events(plans)
        return self.totals

    # Users -------------------------------------------------------------------------------

    def make_users(self, forces: list[Force]) -> tuple[dict[int, list[User]], list[User]]:
        rng = self.rng("users")
        joined = self.anchor - datetime.timedelta(days=3650)
        users = []
        for force in forces:
            for n in range(1, self.users_per_force + 1):
                users.append(self._user(rng, f"{force.slug}-{n:02d}", force, joined))
        for n in range(1, self.inspector_count + 1):
            user = self._user(rng, f"inspector-{n:02d}", None, joined)
            user.is_staff = True
            users.append(user)
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        inspectors = [user for user in users if user.force_id is None]
        group = Group.objects.get(name=INSPECTORS_GROUP)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=user.pk, group_id=group.pk) for user in inspectors]
        )
        staff: dict[int, list[User]] = {}
        for user in users:
            if user.force_id is not None:
                staff.setdefault(user.force_id, []).append(user)
        self.totals.users = len(users) - len(inspectors)
        self.totals.inspectors = len(inspectors)
        return staff, inspectors

    def _user(self, rng, username, force, joined) -> User:
        return User(
            username=username,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            email=f"{username}@example.police.uk",
            force=force,
            password=UNUSABLE_PASSWORD_PREFIX + f"{rng.getrandbits(160):040x}",
            date_joined=joined,
        )

    # Reports and actions -------------------------------------------------------------------

    def make_reports_and_actions(self, forces, staff, inspectors) -> list[Plan]:
        rng = self.rng("reports")
        self.text_rng = self.rng("report text")
        per_force, extra = divmod(self.action_count, len(forces))
        inspections, questions, plans = [], [], []
        for index, force in enumerate(forces):
            quota = per_force + (1 if index < extra else 0)
            for inspection, its_questions, afis in self._reports_for(rng, force, quota):
                inspections.append(inspection)
                questions.extend(its_questions)
                for question, count in zip(its_questions, afis, strict=True):
                    for position in range(1, count + 1):
                        plans.append(self._plan(rng, question, position, staff, inspectors))
        # Every status is present, whatever the seed (given five actions or more).
        for plan, status in zip(plans, STATUSES, strict=False):
            self._settle(plan, status, rng, staff, inspectors)

        self._allocate_notes(plans)
        for plan in plans:
            plan.action.version = 1 + self._changes(plan)

        with _explicit_timestamps(Inspection, Action):
            Inspection.objects.bulk_create(inspections, batch_size=BATCH_SIZE)
            Question.objects.bulk_create(questions, batch_size=BATCH_SIZE)
            actions = [plan.action for plan in plans]
            for start in range(0, len(actions), BATCH_SIZE):
                batch = actions[start : start + BATCH_SIZE]
                Action.objects.bulk_create(batch)
                if self.progress:
                    self.progress.advance(len(batch), "actions")
        self.totals.inspections = len(inspections)
        self.totals.questions = len(questions)
        self.totals.actions = len(actions)
        return plans

    @staticmethod
    def _changes(plan: Plan) -> int:
        """How many events beyond "imported" `_history` writes: the action's version - 1."""
        action = plan.action
        return (
            (action.owner is not None)
            + (action.original_due_date is not None)
            + (plan.revised_at is not None)
            + (plan.started is not None)
            + (plan.blocked_at is not None)
            + plan.notes
            + (plan.submitted is not None)
            + (action.status in (Status.CLOSED, Status.SUPERSEDED))
        )

    def _reports_for(self, rng, force, quota):
        """Reports for one force, newest first, until it has `quota` areas for improvement.

        Newest first, so that even a small run has recent reports with due dates ahead.
        A report is published the year after its inspection and imported soon after.
        """
        latest = self.today.year - 2
        year, programme_round = latest, 1
        pillars = list(PILLAR_QUESTIONS)
        while quota > 0:
            for pillar in pillars:
                if quota <= 0:
                    break
                title, texts = PILLAR_QUESTIONS[pillar]
                last_updated = datetime.date(year + 1, rng.randint(1, 12), rng.randint(1, 28))
                imported = self.anchor - datetime.timedelta(
                    days=max(30, (self.today - last_updated).days - rng.randint(0, 20))
                )
                inspection = Inspection(
                    force=force,
                    programme="PEEL" if programme_round == 1 else f"PEEL R{programme_round}",
                    year=year,
                    pillar=pillar,
                    title=title,
                    grade=self._grade(rng),
                    last_updated=last_updated,
                    summary=f"{force.name}: {pillar.label.lower()} in {year}. "
                    + self._prose(SUMMARY_LENGTH),
                    imported_at=imported,
                )
                count = min(rng.randint(3, 5), len(texts))
                its_questions, afis = [], []
                for number, text in enumerate(texts[:count], start=1):
                    its_questions.append(
                        Question(
                            inspection=inspection,
                            number=number,
                            text=text,
                            grade=self._grade(rng),
                            narrative=f"{force.short_name} {pillar.label.lower()}, question "
                            f"{number}. " + self._prose(NARRATIVE_LENGTH),
                        )
                    )
                    take = min(quota, rng.randint(2, 12))
                    afis.append(take)
                    quota -= take
                inspection.source_text = "\n\n".join(
                    [title, inspection.summary]
                    + [f"{q.number}. {q.text}\n{q.narrative}" for q in its_questions]
                    + [self._prose(SOURCE_TEXT_LENGTH // 4)]
                )
                yield inspection, its_questions, afis
            year -= 1
            if year < FIRST_YEAR:
                year, programme_round = latest, programme_round + 1

    def _prose(self, length: int) -> str:
        """Sentences of a report, about `length` characters of them."""
        sentences, size = [], 0
        while size < length:
            sentence = self.text_rng.choice(REPORT_SENTENCES)
            sentences.append(sentence)
            size += len(sentence) + 1
        return " ".join(sentences)

    def _grade(self, rng) -> str:
        return rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]

    def _plan(self, rng, question, position, staff, inspectors) -> Plan:
        inspection = question.inspection
        created = inspection.imported_at
        action = Action(
            question=question,
            force=inspection.force,
            kind=Action.Kind.AREA_FOR_IMPROVEMENT,
            text=" ".join(
                [
                    rng.choice(AFI_SUBJECTS),
                    rng.choice(AFI_VERBS),
                    rng.choice(AFI_OBJECTS),
                    rng.choice(AFI_PURPOSES),
                ]
            ),
            position=position,
            created_at=created,
        )
        age_years = (self.anchor - created).days / 365
        weights = STATUS_WEIGHTS_OLD if age_years > 3 else STATUS_WEIGHTS_RECENT
        plan = Plan(action=action)
        self._settle(plan, rng.choices(STATUSES, weights=weights)[0], rng, staff, inspectors)
        return plan

    def _settle(self, plan: Plan, status, rng, staff, inspectors) -> None:
        """Give the action a consistent history ending in `status`."""
        action = plan.action
        force_staff = staff[action.force.pk]
        created = action.created_at
        span = max((self.anchor - created).days, 2)
        action.status = status
        action.owner = None
        action.due_date = action.original_due_date = None
        action.blocked_reason = ""
        action.closed_at = action.closed_by = None
        plan.started = plan.submitted = plan.revised_at = plan.blocked_at = None
        plan.assigned_by = force_staff[0]
        plan.inspector = rng.choice(inspectors) if inspectors else None

        if status != Status.NOT_STARTED or rng.random() < 0.5:
            action.owner = rng.choice(force_staff)
        if status != Status.NOT_STARTED or rng.random() < 0.7:
            action.original_due_date = created.date() + rng.randint(90, 720) * DAY
            action.due_date = action.original_due_date
            if rng.random() < 0.2:
                action.due_date += rng.randint(30, 365) * DAY
                plan.revised_at = created + rng.randint(30, max(31, span // 2)) * DAY
        # The last thing that happened to the action; everything else lies between.
        end = created + rng.randint(min(span - 1, 7), span - 1) * DAY
        end += datetime.timedelta(seconds=rng.randint(8 * 3600, 18 * 3600))
        end = min(end, self.anchor - datetime.timedelta(minutes=5))
        if status in (Status.IN_PROGRESS, Status.SUBMITTED, Status.CLOSED):
            plan.started = created + (end - created) * 0.1
        if status in (Status.SUBMITTED, Status.CLOSED):
            plan.submitted = created + (end - created) * 0.9
        if status == Status.CLOSED:
            action.closed_at = end
            action.closed_by = plan.inspector
        if status in (Status.NOT_STARTED, Status.IN_PROGRESS) and rng.random() < 0.08:
            action.blocked_reason = rng.choice(BLOCKED_REASONS)
            plan.blocked_at = created + (end - created) * 0.5
        plan.authors = [action.owner or force_staff[0], rng.choice(force_staff)]
        action.updated_at = end

    def _allocate_notes(self, plans: list[Plan]) -> None:
        """Share the notes out by status; anything submitted or closed has at least one."""
        rng = self.rng("allocation")
        weights = [NOTE_WEIGHT[plan.action.status] * rng.uniform(0.3, 1.7) for plan in plans]
        needs_one = [plan.submitted is not None for plan in plans]
        budget = self.note_count
        for index, needed in enumerate(needs_one):
            if needed and budget:
                plans[index].notes, budget = 1, budget - 1
        total = sum(weights) or 1
        shares = [budget * w / total for w in weights]
        for plan, share in zip(plans, shares, strict=True):
            plan.notes += int(share)
        left = self.note_count - sum(plan.notes for plan in plans)
        order = sorted(range(len(plans)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
        for i in order[:left]:
            plans[i].notes += 1

    # Notes and events -----------------------------------------------------------------------

    def make_notes_and_events(self, plans: list[Plan]) -> None:
        rng = self.rng("notes")
        notes, events = [], []
        pending = 0
        for plan in plans:
            action_events, action_notes = self._history(rng, plan)
            events.extend(action_events)
            notes.extend(action_notes)
            pending += 1
            if len(notes) >= BATCH_SIZE or len(events) >= BATCH_SIZE:
                self._flush(notes, events, pending)
                notes, events, pending = [], [], 0
        self._flush(notes, events, pending)

    def _flush(self, notes, events, actions_done) -> None:
        write_rows(EvidenceNote, NOTE_COLUMNS, notes)
        write_rows(ActionEvent, EVENT_COLUMNS, events)
        self.totals.notes += len(notes)
        self.totals.events += len(events)
        if self.progress:
            self.progress.advance(len(notes) + actions_done, "notes and events")

    def _history(self, rng, plan: Plan) -> tuple[list[tuple], list[tuple]]:
        """The action's events and notes, as rows of EVENT_COLUMNS and NOTE_COLUMNS."""
        action = plan.action
        created, end = action.created_at, action.updated_at
        events: list[tuple] = [
            (
                action.pk,
                ActionEvent.Kind.IMPORTED,
                "",
                Status.NOT_STARTED.label,
                "",
                None,
                ActionEvent.Via.IMPORT,
                created,
            )
        ]

        def event(kind, at, *, old="", new="", reason="", by=None):
            author = by or plan.assigned_by
            assert author is not None  # every plan has its assigner
            by_id = author.pk
            events.append((action.pk, kind, old, new, reason, by_id, ActionEvent.Via.WEB, at))

        early = created + (end - created) * 0.05
        if action.owner is not None:
            event(ActionEvent.Kind.OWNER, early, new=action.owner.username)
        if action.original_due_date is not None:
            event(ActionEvent.Kind.DUE_DATE, early, new=action.original_due_date.isoformat())
        if plan.revised_at is not None:
            assert action.original_due_date and action.due_date  # a revision revises a date
            event(
                ActionEvent.Kind.DUE_DATE,
                min(plan.revised_at, end),
                old=action.original_due_date.isoformat(),
                new=action.due_date.isoformat(),
                reason=REASONS["revise"],
            )
        if plan.started is not None:
            event(
                ActionEvent.Kind.STATUS,
                plan.started,
                old=Status.NOT_STARTED.label,
                new=Status.IN_PROGRESS.label,
            )
        if plan.blocked_at is not None:
            event(
                ActionEvent.Kind.BLOCKED,
                plan.blocked_at,
                new=action.blocked_reason,
                reason=action.blocked_reason,
            )

        notes = []
        first = plan.started or created + (end - created) * 0.1
        last = plan.submitted or end
        seconds = max(int((last - first).total_seconds()), 1)
        offsets = sorted(rng.randrange(seconds) for _ in range(plan.notes))
        for n, offset in enumerate(offsets):
            at = first + datetime.timedelta(seconds=offset)
            impact = rng.random() < (0.5 if n == len(offsets) - 1 else 0.25)
            kind = EvidenceNote.Kind.IMPACT if impact else EvidenceNote.Kind.PROGRESS
            author = rng.choice(plan.authors)
            notes.append((action.pk, author.pk, kind, self._note_body(rng), at))
            event(ActionEvent.Kind.NOTE, at, new=kind.label, by=author)

        if plan.submitted is not None:
            event(
                ActionEvent.Kind.STATUS,
                plan.submitted,
                old=Status.IN_PROGRESS.label,
                new=Status.SUBMITTED.label,
                by=action.owner,
            )
        if action.status == Status.CLOSED:
            event(
                ActionEvent.Kind.STATUS,
                end,
                old=Status.SUBMITTED.label,
                new=Status.CLOSED.label,
                reason=REASONS["close"],
                by=plan.inspector,
            )
        if action.status == Status.SUPERSEDED:
            event(
                ActionEvent.Kind.STATUS,
                end,
                old=Status.IN_PROGRESS.label if plan.started else Status.NOT_STARTED.label,
                new=Status.SUPERSEDED.label,
                reason=REASONS["supersede"],
                by=plan.inspector,
            )
        return events, notes

    def _note_body(self, rng) -> str:
        opening = rng.choice(NOTE_OPENINGS).format(n=rng.randint(5, 400))
        body = f"{opening}: {rng.choice(NOTE_FINDINGS).format(p=rng.randint(40, 99))}"
        if rng.random() < 0.6:
            body += " " + rng.choice(NOTE_NEXT).format(n=rng.randint(5, 250))
        if rng.random() < 0.15:
            body += "\n\n" + rng.choice(NOTE_FINDINGS).format(p=rng.randint(40, 99)).capitalize()
        if rng.random() < 0.4:
            body += f" Operation {rng.choice(OPERATIONS)} in {rng.choice(PLACES)}."
        return body


def write_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows`, tuples of the values of `columns` in order, ids from the sequence.

    COPY on PostgreSQL: it skips the per-value preparation of bulk_create and the building of
    a model instance per row, which are most of the time of a bulk insert this size.
    Elsewhere, bulk_create of instances made from the same values.
    """
    if USE_COPY and connection.vendor == "postgresql":
        _copy_rows(model, columns, rows)
    else:
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


def _copy_value(value) -> str:
    """A value in COPY's text format: \\N for NULL; a backslash, tab, newline or CR escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime.date):
        # A datetime is a date too; an aware one (they all are) keeps its UTC offset.
        return value.isoformat()
    # str() of a TextChoices member is its value, as bulk_create would store it.
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_rows(model, columns, rows) -> None:
    if not rows:
        return
    data = io.StringIO("".join("\t".join(map(_copy_value, row)) + "\n" for row in rows))
    names = ", ".join(map(connection.ops.quote_name, columns))
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    # Django's cursor, so that the rows belong to the command's transaction. Its debug
    # wrapper takes the read size only as a positional argument.
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, data, 1 << 16)


@contextlib.contextmanager
def _explicit_timestamps(*models):
    """Let bulk_create keep the created/updated times we set, instead of stamping "now".

    auto_now and auto_now_add overwrite any value on insert; synthetic history needs dates
    years apart. The flags are restored however the block ends.
    """
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextlib.contextmanager
def _indexes_built_after(*models):
    """On PostgreSQL, drop the tables' secondary indexes and build them again after the load.

    Building an index over 500,000 rows at once is several times cheaper than updating it
    500,000 times (the notes' trigram index most of all). The tables are empty (the command
    refuses a database with actions) and this runs inside the load's transaction, so nobody
    sees them without their indexes. Indexes behind a primary key or unique constraint stay.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary AND NOT indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # The foreign keys are checked at commit; check them now, or CREATE INDEX refuses a
        # table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)


class Command(BaseCommand):
    help = (
        "Fill an empty database with realistic synthetic forces' users, reports, actions, "
        "evidence notes and audit trail (deterministic per seed and day). Refuses when the "
        "database already has actions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--forces", type=int, default=43, help="how many forces (max 43)")
        parser.add_argument("--actions", type=int, default=50_000)
        parser.add_argument("--notes", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--users-per-force", type=int, default=20)
        parser.add_argument("--inspectors", type=int, default=5)

    def handle(self, *args, **options):
        if options["forces"] < 1 or options["users_per_force"] < 1 or options["actions"] < 0:
            raise CommandError("Give at least one force and one user per force.")
        existing = Action.objects.count()
        if existing:
            raise CommandError(
                f"The database already has actions ({existing:,}); generate_data only fills an "
                "empty one. Point DATABASE_URL at a fresh database and run `migrate` first."
            )
        started = time.monotonic()
        generator = Generator(
            seed=options["seed"],
            forces=options["forces"],
            actions=options["actions"],
            notes=options["notes"],
            users_per_force=options["users_per_force"],
            inspectors=options["inspectors"],
            progress=Progress(self.stderr, options["actions"] * 2 + options["notes"]),
        )
        postgresql = connection.vendor == "postgresql"
        with transaction.atomic(), _indexes_built_after(EvidenceNote, ActionEvent):
            totals = generator.run()
            if postgresql:
                self.stderr.write("generate_data: building indexes, checking foreign keys")
        if postgresql and not connection.in_atomic_block:
            # What autovacuum would do after a bulk load, done now so that the first queries
            # have statistics and index-only scans (VACUUM cannot run inside a transaction).
            self.stderr.write("generate_data: vacuuming and analysing")
            with connection.cursor() as cursor:
                for model in (Action, EvidenceNote, ActionEvent, Question, Inspection, User):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        self.stdout.write(
            f"Generated {options['forces']} forces' data: {totals.users:,} users, "
            f"{totals.inspectors} inspectors, {totals.inspections:,} reports, "
            f"{totals.questions:,} questions, {totals.actions:,} actions, {totals.notes:,} notes, "
            f"{totals.events:,} events in {time.monotonic() - started:.1f} s "
            f"(seed {options['seed']})."
        )

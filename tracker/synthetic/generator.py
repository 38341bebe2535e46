"""The synthetic forces' people, reports and actions, and the writing of it all in batches.

Users per force and a few inspectors; PEEL reports per force (pillar, year, grade) with graded
questions, newest first, until the force has its share of the actions; one action per area for
improvement, each with a life story (tracker.synthetic.story); then the notes and events, made
a batch at a time and written (tracker.synthetic.rows) before the next batch is made, so that
they never sit in memory together.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.utils import timezone

from tracker.models import (
    INSPECTORS_GROUP,
    Action,
    ActionEvent,
    EvidenceNote,
    Force,
    Inspection,
    Question,
    Role,
    User,
)
from tracker.synthetic import rows, story, text
from tracker.synthetic.story import Plan

FIRST_YEAR = 2014


class Refused(Exception):
    """The database is not one synthetic data can be generated into; the message says why."""


@dataclass
class Totals:
    users: int = 0
    inspectors: int = 0
    inspections: int = 0
    questions: int = 0
    actions: int = 0
    notes: int = 0
    events: int = 0


class Generator:
    def __init__(
        self,
        *,
        forces: int,
        actions: int,
        notes: int,
        seed: int = 1,
        users_per_force: int = 20,
        inspectors: int = 5,
        progress=None,
    ):
        self.seed = seed
        self.force_count = forces
        self.action_count = actions
        self.note_count = notes
        self.users_per_force = users_per_force
        self.inspector_count = inspectors
        self.progress = progress
        # The work, for progress: each action made, then each note, then each action's history.
        self.work, self.done = actions * 2 + notes, 0
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
            raise Refused(f"Only {len(forces)} forces in the database (migration 0003).")
        staff, inspectors = self.make_users(forces)
        plans = self.make_reports_and_actions(forces, staff, inspectors)
        self.make_notes_and_events(plans)
        return self.totals

    def _advance(self, n: int, what: str) -> None:
        self.done += n
        if self.progress:
            self.progress.advance(self.done, self.work, what)

    # Users -------------------------------------------------------------------------------

    def make_users(self, forces: list[Force]) -> tuple[dict[int, list[User]], list[User]]:
        rng = self.rng("users")
        joined = self.anchor - datetime.timedelta(days=3650)
        users = []
        for force in forces:
            for n in range(1, self.users_per_force + 1):
                user = self._user(rng, f"{force.slug}-{n:02d}", force, joined)
                if n == 1:  # each force's first member leads its work (assigns, assures)
                    user.force_role = Role.LEAD
                users.append(user)
        for n in range(1, self.inspector_count + 1):
            user = self._user(rng, f"inspector-{n:02d}", None, joined)
            user.is_staff = True
            users.append(user)
        User.objects.bulk_create(users, batch_size=rows.BATCH_SIZE)
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
            first_name=rng.choice(text.FIRST_NAMES),
            last_name=rng.choice(text.LAST_NAMES),
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
        for plan, status in zip(plans, story.STATUSES, strict=False):
            force_staff = staff[plan.action.force.pk]
            story.settle(plan, status, rng, force_staff, inspectors, self.anchor)

        story.allocate_notes(plans, self.note_count, self.rng("allocation"))
        for plan in plans:
            plan.action.version = 1 + story.changes(plan)

        with rows.explicit_timestamps(Inspection, Action):
            Inspection.objects.bulk_create(inspections, batch_size=rows.BATCH_SIZE)
            Question.objects.bulk_create(questions, batch_size=rows.BATCH_SIZE)
            actions = [plan.action for plan in plans]
            for start in range(0, len(actions), rows.BATCH_SIZE):
                batch = actions[start : start + rows.BATCH_SIZE]
                Action.objects.bulk_create(batch)
                self._advance(len(batch), "actions")
        self.totals.inspections = len(inspections)
        self.totals.questions = len(questions)
        self.totals.actions = len(actions)
        return plans

    def _reports_for(self, rng, force, quota):
        """Reports for one force, newest first, until it has `quota` areas for improvement.

        Newest first, so that even a small run has recent reports with due dates ahead.
        A report is published the year after its inspection and imported soon after.
        """
        latest = self.today.year - 2
        year, programme_round = latest, 1
        pillars = list(text.PILLAR_QUESTIONS)
        while quota > 0:
            for pillar in pillars:
                if quota <= 0:
                    break
                title, texts = text.PILLAR_QUESTIONS[pillar]
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
                    grade=text.grade(rng),
                    last_updated=last_updated,
                    summary=f"{force.name}: {pillar.label.lower()} in {year}. "
                    + text.prose(self.text_rng, text.SUMMARY_LENGTH),
                    imported_at=imported,
                )
                count = min(rng.randint(3, 5), len(texts))
                its_questions, afis = [], []
                for number, question_text in enumerate(texts[:count], start=1):
                    its_questions.append(
                        Question(
                            inspection=inspection,
                            number=number,
                            text=question_text,
                            grade=text.grade(rng),
                            narrative=f"{force.short_name} {pillar.label.lower()}, question "
                            f"{number}. " + text.prose(self.text_rng, text.NARRATIVE_LENGTH),
                        )
                    )
                    take = min(quota, rng.randint(2, 12))
                    afis.append(take)
                    quota -= take
                inspection.source_text = "\n\n".join(
                    [title, inspection.summary]
                    + [f"{q.number}. {q.text}\n{q.narrative}" for q in its_questions]
                    + [text.prose(self.text_rng, text.SOURCE_TEXT_LENGTH // 4)]
                )
                yield inspection, its_questions, afis
            year -= 1
            if year < FIRST_YEAR:
                year, programme_round = latest, programme_round + 1

    def _plan(self, rng, question, position, staff, inspectors) -> Plan:
        inspection = question.inspection
        created = inspection.imported_at
        action = Action(
            question=question,
            force=inspection.force,
            kind=Action.Kind.AREA_FOR_IMPROVEMENT,
            text=text.area_for_improvement(rng),
            position=position,
            created_at=created,
        )
        age_years = (self.anchor - created).days / 365
        plan = Plan(action=action)
        status = rng.choices(story.STATUSES, weights=story.status_weights(age_years))[0]
        story.settle(plan, status, rng, staff[action.force.pk], inspectors, self.anchor)
        return plan

    # Notes and events -----------------------------------------------------------------------

    def make_notes_and_events(self, plans: list[Plan]) -> None:
        rng = self.rng("notes")
        notes, events = [], []
        pending = 0
        for plan in plans:
            action_events, action_notes = story.history(rng, plan)
            events.extend(action_events)
            notes.extend(action_notes)
            pending += 1
            if len(notes) >= rows.BATCH_SIZE or len(events) >= rows.BATCH_SIZE:
                self._flush(notes, events, pending)
                notes, events, pending = [], [], 0
        self._flush(notes, events, pending)

    def _flush(self, notes, events, actions_done) -> None:
        rows.write_rows(EvidenceNote, rows.NOTE_COLUMNS, notes)
        rows.write_rows(ActionEvent, rows.EVENT_COLUMNS, events)
        self.totals.notes += len(notes)
        self.totals.events += len(events)
        self._advance(len(notes) + actions_done, "notes and events")

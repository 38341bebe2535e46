"""Reports: an inspection (one PEEL pillar's report for one force) and its graded questions.

The grades and pillars are the reports' vocabulary; `grade_severity()` sorts by grade worst
first. A report's identity (force, programme, year, pillar) never changes once it has actions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse

from tracker.models.people import Force, ForceScopedQuerySet


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    UNGRADED = "ungraded", "Ungraded"

    @classmethod
    def from_label(cls, label: str | None) -> str:
        """'Requires improvement' (any case) -> 'requires_improvement'; None -> ''."""
        if not label:
            return ""
        wanted = label.strip().lower()
        for grade in cls:
            if grade.label.lower() == wanted:
                return grade.value
        raise ValueError(f"unknown grade {label!r}")


# Worst first, so a force works on "Inadequate" before "Good"; no grade sorts last.
GRADE_SEVERITY = {
    Grade.INADEQUATE: 0,
    Grade.REQUIRES_IMPROVEMENT: 1,
    Grade.ADEQUATE: 2,
    Grade.UNGRADED: 3,
    Grade.GOOD: 4,
    Grade.OUTSTANDING: 5,
}


def grade_severity(field: str) -> Case:
    """An expression that sorts `field` (a Grade column) worst first."""
    return Case(
        *(When(**{field: grade}, then=Value(rank)) for grade, rank in GRADE_SEVERITY.items()),
        default=Value(len(GRADE_SEVERITY)),
        output_field=IntegerField(),
    )


class Pillar(models.TextChoices):
    EFFECTIVENESS = "effectiveness", "Effectiveness"
    EFFICIENCY = "efficiency", "Efficiency"
    LEGITIMACY = "legitimacy", "Legitimacy"
    LEADERSHIP = "leadership", "Leadership"


class InspectionQuerySet(ForceScopedQuerySet):
    def without_texts(self) -> InspectionQuerySet:
        """Leave the summary and the page as imported in the database.

        Only the report page shows the summary, and only the admin the page as imported (some
        11,000 characters): lists and the dashboard, which show many reports, need neither.
        """
        return self.defer("summary", "source_text")


class Inspection(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="inspections")
    programme = models.CharField(max_length=20, default="PEEL")
    year = models.PositiveSmallIntegerField()
    pillar = models.CharField(max_length=20, choices=Pillar)
    title = models.CharField(
        max_length=300, blank=True, help_text="The pillar's headline question."
    )
    grade = models.CharField(max_length=24, choices=Grade, blank=True)
    last_updated = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    source_text = models.TextField(blank=True, help_text="The page as imported, for provenance.")
    source_url = models.URLField(max_length=500, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["force__name", "-year", "pillar"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "programme", "year", "pillar"],
                name="tracker_inspection_unique_report",
            ),
            models.CheckConstraint(
                condition=Q(pillar__in=Pillar.values), name="tracker_inspection_pillar_valid"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=[*Grade.values, ""]), name="tracker_inspection_grade_valid"
            ),
        ]

    # What names the report. Its actions copy its force, and staff see them by it: once it has
    # actions, these never change (the admin shows them read-only; save() refuses a change).
    IDENTITY = ("force", "programme", "year", "pillar")

    def __str__(self) -> str:
        return f"{self.force} {self.programme} {self.year} {self.get_pillar_display()}"

    def save(self, *args, **kwargs) -> None:
        self._check_identity_kept()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("inspection-detail", args=[self.pk])

    def clean(self) -> None:
        self._check_identity_kept()

    def has_actions(self) -> bool:
        from tracker.models.actions import Action  # it refers to this module

        return self.pk is not None and Action.objects.filter(question__inspection=self).exists()

    def _check_identity_kept(self) -> None:
        if self._state.adding:
            return
        moved = Inspection.objects.filter(pk=self.pk).exclude(
            force_id=self.force_id, programme=self.programme, year=self.year, pillar=self.pillar
        )
        if moved.exists() and self.has_actions():
            raise ValidationError(
                "This report has actions: its force, programme, year and pillar cannot change."
            )


class Question(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    grade = models.CharField(max_length=24, choices=Grade, blank=True)
    narrative = models.TextField(blank=True)
    carried_over = models.BooleanField(
        default=False, help_text="Not inspected this time; the earlier judgement stands."
    )

    class Meta:
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="tracker_question_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=[*Grade.values, ""]), name="tracker_question_grade_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.number}. {self.text}"

    def get_absolute_url(self) -> str:
        return f"{self.inspection.get_absolute_url()}#question-{self.number}"

    def record_edit(self, before: Question, *, by, via: str) -> None:
        """Record, on each of this question's actions, how its text and grade differ from
        `before` (the question as it was). Call it in the transaction that saves the edit."""
        from tracker.models.actions import ActionEvent  # it refers to this module

        changes = []
        if self.text != before.text:
            changes.append((ActionEvent.Kind.QUESTION_TEXT, before.text, self.text))
        if self.grade != before.grade:
            changes.append(
                (ActionEvent.Kind.GRADE, before.get_grade_display(), self.get_grade_display())
            )
        ActionEvent.objects.bulk_create(
            ActionEvent(action=action, kind=kind, old_value=old, new_value=new, by=by, via=via)
            for action in self.actions.only("pk")
            for kind, old, new in changes
        )

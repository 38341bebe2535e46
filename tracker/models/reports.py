"""Reports: an inspection (one report for one force, of any format) and its graded questions.

The grades, pillars and formats are the reports' vocabulary; `grade_severity()` sorts by grade
worst first. A PEEL 2014–2019 report is one pillar's page (force, programme, year, pillar); a
PEEL 2021+ report is the force's one report of a cycle, graded per area of policing (each area
a `Question`, with its `label`); a cause-of-concern letter is named by its force, publication
date and title. A report's identity never changes once it has actions.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from tracker.models.people import Force, ForceScopedQuerySet
from tracker.workflow import PccResponse, check_pcc_response, pcc_response


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


class ReportFormat(models.TextChoices):
    """The formats a report comes in; the values are the readers' (tracker/reports/shape.py)."""

    PEEL_2014_2019 = "peel-2014-2019", "PEEL 2014–2019 pillar page"
    PEEL_2021_22 = "peel-2021-22", "PEEL 2021/22"
    PEEL_2023_25 = "peel-2023-25", "PEEL 2023–25"
    PEEL_2025_27 = "peel-2025-27", "PEEL 2025–27"
    CAUSE_OF_CONCERN_LETTER = "cause-of-concern-letter", "Cause-of-concern letter"
    OTHER = "other", "Another inspection or audit"


PEEL_CYCLES = {
    ReportFormat.PEEL_2021_22: "2021/22",
    ReportFormat.PEEL_2023_25: "2023–25",
    ReportFormat.PEEL_2025_27: "2025–27",
}
# What each format's report is called after its programme, when it is not a pillar page.
FORMAT_NOUNS = {
    ReportFormat.CAUSE_OF_CONCERN_LETTER: "cause-of-concern letter",
    ReportFormat.OTHER: "inspection",
}


# The fields a report's name is made of (`report_name`'s arguments).
NAME_FIELDS = ("format", "programme", "year", "pillar", "published", "title")


def report_name(
    *,
    format: str,
    programme: str,
    year: int | None,
    pillar: str,
    published: datetime.date | None,
    title: str,
) -> str:
    """A report's name without its force: "PEEL 2016 Effectiveness", "PEEL 2023–25",
    "PEEL cause-of-concern letter 2024-09-27". The export's SQL says the same
    (tracker/exports/columns.py); tests/test_export_copy.py compares them."""
    if format == ReportFormat.PEEL_2014_2019:
        return f"{programme} {year} {Pillar(pillar).label if pillar in Pillar.values else pillar}"
    if format in PEEL_CYCLES:
        return f"{programme} {PEEL_CYCLES[ReportFormat(format)]}"
    if format == ReportFormat.OTHER and title:
        return title
    noun = FORMAT_NOUNS.get(ReportFormat(format), "report")
    return f"{programme} {noun} {published.isoformat()}" if published else f"{programme} {noun}"


def question_url(report_url: str, number: int) -> str:
    """A question's (or area's) place on its report's page."""
    return f"{report_url}#question-{number}"


def cite_question(number: int, label: str) -> str:
    """How lists cite a question: "Q3" for a question, "Area 3" for an area of policing (one
    with a label)."""
    return f"Area {number}" if label else f"Q{number}"


class InspectionQuerySet(ForceScopedQuerySet):
    def without_texts(self) -> InspectionQuerySet:
        """Leave the summary and the page as imported in the database.

        Only the report page shows the summary, and only the admin the page as imported (some
        11,000 characters): lists and the dashboard, which show many reports, need neither.
        """
        return self.defer("summary", "source_text")


class Inspection(models.Model):
    Format = ReportFormat

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="inspections")
    format = models.CharField(
        max_length=32, choices=ReportFormat, default=ReportFormat.PEEL_2014_2019
    )
    programme = models.CharField(max_length=20, default="PEEL")
    source = models.CharField(
        max_length=100,
        blank=True,
        help_text="Who published it, for a report that is not a PEEL report: “HMICFRS "
        "thematic”, “Internal audit”.",
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A pillar page's PEEL year; for other reports the year the cycle started or "
        "the report was published.",
    )
    pillar = models.CharField(
        max_length=20, choices=Pillar, blank=True, help_text="PEEL 2014–2019 pillar pages only."
    )
    published = models.DateField(
        null=True, blank=True, help_text="When HMICFRS published it; recommendations run from it."
    )
    title = models.CharField(
        max_length=300,
        blank=True,
        help_text="The pillar's headline question, or the report's or letter's title.",
    )
    grade = models.CharField(max_length=24, choices=Grade, blank=True)
    last_updated = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    source_text = models.TextField(blank=True, help_text="The page as imported, for provenance.")
    source_url = models.URLField(max_length=500, blank=True)
    # The police and crime commissioner's statutory response, due 56 days after publication.
    pcc_response_on = models.DateField(
        "PCC response published", null=True, blank=True, help_text="When the PCC responded."
    )
    pcc_response_url = models.URLField("PCC response link", max_length=500, blank=True)
    pcc_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["force__name", "-year", "pillar", "-published"]
        permissions = [
            # Force staff with it import reports for their own force (the import preview);
            # inspectors may import for any force without it (`may_import_for`).
            ("import_report", "Can import a report for their own force"),
        ]
        constraints = [
            # What identifies a report, by format: a pillar page by its force, programme, year
            # and pillar; a PEEL 2021+ report by its force and cycle; a letter or another
            # inspection by its force, publication date and title.
            models.UniqueConstraint(
                fields=["force", "programme", "year", "pillar"],
                condition=Q(format="peel-2014-2019"),
                name="tracker_inspection_unique_report",
                violation_error_message="This force already has this year's report for this "
                "pillar.",
            ),
            models.UniqueConstraint(
                fields=["force", "format"],
                condition=Q(format__in=["peel-2021-22", "peel-2023-25", "peel-2025-27"]),
                name="tracker_inspection_unique_cycle",
                violation_error_message="This force already has its report for this PEEL cycle.",
            ),
            models.UniqueConstraint(
                fields=["force", "format", "published", "title"],
                condition=Q(format__in=["cause-of-concern-letter", "other"]),
                name="tracker_inspection_unique_letter",
                violation_error_message="This force already has a report with this title and "
                "publication date.",
            ),
            models.CheckConstraint(
                condition=Q(format__in=ReportFormat.values), name="tracker_inspection_format_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(format="peel-2014-2019", pillar__in=Pillar.values, year__isnull=False)
                    | (~Q(format="peel-2014-2019") & Q(pillar=""))
                ),
                name="tracker_inspection_pillar_valid",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=[*Grade.values, ""]), name="tracker_inspection_grade_valid"
            ),
        ]

    # What names the report. Its actions copy its force, and staff see them by it: once it has
    # actions, these never change (the admin shows them read-only; save() refuses a change).
    IDENTITY = ("force", "format", "programme", "year", "pillar")

    def __str__(self) -> str:
        return f"{self.force} {self.name}"

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
            force_id=self.force_id,
            format=self.format,
            programme=self.programme,
            year=self.year,
            pillar=self.pillar,
        )
        if moved.exists() and self.has_actions():
            raise ValidationError(
                "This report has actions: its force, format, programme, year and pillar cannot "
                "change."
            )

    @property
    def name(self) -> str:
        """The report's name without its force ("PEEL 2016 Effectiveness", "PEEL 2023–25")."""
        return report_name(**{field: getattr(self, field) for field in NAME_FIELDS})

    @property
    def cycle(self) -> str | None:
        """The cycle: "2016" for a pillar page, "2023–25" for a PEEL 2021+ report, else None."""
        if self.format == ReportFormat.PEEL_2014_2019:
            return str(self.year)
        return PEEL_CYCLES.get(ReportFormat(self.format))

    @property
    def is_pillar_page(self) -> bool:
        return self.format == ReportFormat.PEEL_2014_2019

    @property
    def pcc_response(self) -> PccResponse:
        """Where the PCC's response stands today: its state (`PccResponseState`: published,
        overdue, due soon, due, or not due for want of a publication date), the day it is due
        and by how many days it is late or early (the rulebook's `pcc_response`)."""
        return pcc_response(self.published, self.pcc_response_on, timezone.localdate())

    def record_pcc_response(self, on: datetime.date, url: str, *, by) -> None:
        """Record the PCC's published response: its date and link, and who recorded it."""
        check_pcc_response(self.published, on, timezone.localdate())
        self.pcc_response_on, self.pcc_response_url, self.pcc_response_by = on, url, by
        self.save(update_fields=["pcc_response_on", "pcc_response_url", "pcc_response_by"])


class Question(models.Model):
    """A pillar page's question, or a PEEL 2021+ report's area of policing (its `label`)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    label = models.CharField(
        max_length=300,
        blank=True,
        help_text="An area of policing as the report names it (PEEL 2021 onwards).",
    )
    label_recognised = models.BooleanField(
        default=True,
        help_text="False: a label the reader does not know, kept as written; check it.",
    )
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
        return f"{self.short_name}. {self.text}"

    def get_absolute_url(self) -> str:
        return question_url(self.inspection.get_absolute_url(), self.number)

    @property
    def short_name(self) -> str:
        return cite_question(self.number, self.label)

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

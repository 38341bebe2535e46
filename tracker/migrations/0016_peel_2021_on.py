"""PEEL 2021 onwards: a report's format and publication date (the pillar only for 2014–2019
pages, and a report's identity by format), areas as questions with a label, the kinds of
finding (area of concern, accelerated cause of concern), a recommendation's parent and
deadline, discharging a cause of concern, links across cycles, and the permission to import.

Every existing report is a PEEL 2014–2019 pillar page and every existing action an area for
improvement, so the defaults describe them as they are. Reversible while nothing of the new
formats or kinds has been stored.

On SQLite, changing the audit trail's CHECK constraint rebuilds its table, which drops its
triggers: they are made again here, so it stays append-only (as in 0009 and 0015).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tracker.db import remake_sqlite_event_triggers as remake_sqlite_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0015_no_created_events"),
    ]

    operations = [
        # Unapplied, the constraint is rebuilt again: the triggers come back after it.
        migrations.RunPython(migrations.RunPython.noop, remake_sqlite_triggers),
        migrations.AlterModelOptions(
            name="inspection",
            options={
                "ordering": ["force__name", "-year", "pillar", "-published"],
                "permissions": [("import_report", "Can import a report for their own force")],
            },
        ),
        migrations.RemoveConstraint(
            model_name="action",
            name="tracker_action_kind_valid",
        ),
        migrations.RemoveConstraint(
            model_name="actionevent",
            name="tracker_actionevent_kind_valid",
        ),
        migrations.RemoveConstraint(
            model_name="inspection",
            name="tracker_inspection_unique_report",
        ),
        migrations.RemoveConstraint(
            model_name="inspection",
            name="tracker_inspection_pillar_valid",
        ),
        migrations.AddField(
            model_name="action",
            name="continues",
            field=models.ForeignKey(
                blank=True,
                help_text="The earlier action this one continues.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="continued_by",
                to="tracker.action",
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="continues_how",
            field=models.CharField(
                blank=True,
                choices=[
                    ("carried-over", "Carried over"),
                    ("escalated", "Escalated from an area for improvement to a cause of concern"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="deadline_months",
            field=models.PositiveSmallIntegerField(
                blank=True, help_text="The months the deadline gives, from publication.", null=True
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="deadline_text",
            field=models.CharField(
                blank=True,
                help_text="As the report words it: “Within three months”.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="discharge_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="action",
            name="discharged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="discharged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                help_text="A recommendation's cause of concern (none: it stands alone).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recommendations",
                to="tracker.action",
            ),
        ),
        migrations.AddField(
            model_name="inspection",
            name="format",
            field=models.CharField(
                choices=[
                    ("peel-2014-2019", "PEEL 2014–2019 pillar page"),
                    ("peel-2021-22", "PEEL 2021/22"),
                    ("peel-2023-25", "PEEL 2023–25"),
                    ("peel-2025-27", "PEEL 2025–27"),
                    ("cause-of-concern-letter", "Cause-of-concern letter"),
                    ("other", "Another HMICFRS inspection"),
                ],
                default="peel-2014-2019",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="inspection",
            name="published",
            field=models.DateField(
                blank=True,
                help_text="When HMICFRS published it; recommendations run from it.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="label",
            field=models.CharField(
                blank=True,
                help_text="An area of policing as the report names it (PEEL 2021 onwards).",
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="label_recognised",
            field=models.BooleanField(
                default=True,
                help_text="False: a label the reader does not know, kept as written; check it.",
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="kind",
            field=models.CharField(
                choices=[
                    ("afi", "Area for improvement"),
                    ("recommendation", "Recommendation"),
                    ("cause_of_concern", "Cause of concern"),
                    ("area_of_concern", "Area of concern"),
                    ("accelerated_coc", "Accelerated cause of concern"),
                ],
                default="afi",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="actionevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("imported", "Imported"),
                    ("status", "Status"),
                    ("owner", "Owner"),
                    ("due_date", "Due date"),
                    ("blocked", "Blocked"),
                    ("note", "Evidence note"),
                    ("question", "Question's text"),
                    ("grade", "Question's grade"),
                    ("discharged", "Discharged"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="inspection",
            name="pillar",
            field=models.CharField(
                blank=True,
                choices=[
                    ("effectiveness", "Effectiveness"),
                    ("efficiency", "Efficiency"),
                    ("legitimacy", "Legitimacy"),
                    ("leadership", "Leadership"),
                ],
                help_text="PEEL 2014–2019 pillar pages only.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="inspection",
            name="title",
            field=models.CharField(
                blank=True,
                help_text="The pillar's headline question, or the report's or letter's title.",
                max_length=300,
            ),
        ),
        migrations.AlterField(
            model_name="inspection",
            name="year",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="A pillar page's PEEL year; for other reports the year the cycle started or the report was published.",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "afi",
                            "recommendation",
                            "cause_of_concern",
                            "area_of_concern",
                            "accelerated_coc",
                        ],
                    )
                ),
                name="tracker_action_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("discharged_at__isnull", True),
                    models.Q(
                        ("kind__in", ("cause_of_concern", "accelerated_coc", "area_of_concern")),
                        ("status", "closed"),
                    ),
                    _connector="OR",
                ),
                name="tracker_action_discharged_only_when_closed",
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("continues__isnull", True), ("continues_how", "")),
                    models.Q(
                        ("continues__isnull", False),
                        ("continues_how__in", ["carried-over", "escalated"]),
                    ),
                    _connector="OR",
                ),
                name="tracker_action_continues_how",
            ),
        ),
        migrations.AddConstraint(
            model_name="actionevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "imported",
                            "status",
                            "owner",
                            "due_date",
                            "blocked",
                            "note",
                            "question",
                            "grade",
                            "discharged",
                        ],
                    )
                ),
                name="tracker_actionevent_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("format", "peel-2014-2019")),
                fields=("force", "programme", "year", "pillar"),
                name="tracker_inspection_unique_report",
            ),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("format__in", ["peel-2021-22", "peel-2023-25", "peel-2025-27"])
                ),
                fields=("force", "format"),
                name="tracker_inspection_unique_cycle",
            ),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("format__in", ["cause-of-concern-letter", "other"])),
                fields=("force", "format", "published", "title"),
                name="tracker_inspection_unique_letter",
            ),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "format__in",
                        [
                            "peel-2014-2019",
                            "peel-2021-22",
                            "peel-2023-25",
                            "peel-2025-27",
                            "cause-of-concern-letter",
                            "other",
                        ],
                    )
                ),
                name="tracker_inspection_format_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("format", "peel-2014-2019"),
                        ("pillar__in", ["effectiveness", "efficiency", "legitimacy", "leadership"]),
                        ("year__isnull", False),
                    ),
                    models.Q(models.Q(("format", "peel-2014-2019"), _negated=True), ("pillar", "")),
                    _connector="OR",
                ),
                name="tracker_inspection_pillar_valid",
            ),
        ),
        migrations.RunPython(remake_sqlite_triggers, migrations.RunPython.noop),
        # New columns have no statistics until autovacuum comes by: with none, PostgreSQL
        # guessed 250 actions continue each one and scanned all 50,000 for the action page's
        # "continued by" (24 ms against 0.3 ms once analysed). SQLite has ANALYZE too.
        migrations.RunSQL("ANALYZE tracker_action", migrations.RunSQL.noop),
    ]

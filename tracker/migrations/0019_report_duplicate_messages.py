"""What a duplicate report is told, in words, where the admin (and any model form) checks a
report's unique constraints. No change to the database: the constraints are as they were."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0018_findings_by_hand'),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name='inspection',
            name='tracker_inspection_unique_report',
            constraint=models.UniqueConstraint(condition=models.Q(('format', 'peel-2014-2019')), fields=('force', 'programme', 'year', 'pillar'), name='tracker_inspection_unique_report', violation_error_message="This force already has this year's report for this pillar."),
        ),
        migrations.AlterConstraint(
            model_name='inspection',
            name='tracker_inspection_unique_cycle',
            constraint=models.UniqueConstraint(condition=models.Q(('format__in', ['peel-2021-22', 'peel-2023-25', 'peel-2025-27'])), fields=('force', 'format'), name='tracker_inspection_unique_cycle', violation_error_message='This force already has its report for this PEEL cycle.'),
        ),
        migrations.AlterConstraint(
            model_name='inspection',
            name='tracker_inspection_unique_letter',
            constraint=models.UniqueConstraint(condition=models.Q(('format__in', ['cause-of-concern-letter', 'other'])), fields=('force', 'format', 'published', 'title'), name='tracker_inspection_unique_letter', violation_error_message='This force already has a report with this title and publication date.'),
        ),
    ]

"""A spreadsheet import's confirm is claimed by a row (its token the primary key), not by
renaming its file: the file may wait in an S3 bucket, which has no rename (issue 16)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0021_stored_words"),
    ]

    operations = [
        migrations.CreateModel(
            name="SpreadsheetImportClaim",
            fields=[
                ("token", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("claimed_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]

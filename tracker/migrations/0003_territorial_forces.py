from django.db import migrations
from django.utils.text import slugify

from tracker.forces import TERRITORIAL_FORCES


def add_forces(apps, schema_editor):
    Force = apps.get_model("tracker", "Force")
    for name, short_name in TERRITORIAL_FORCES:
        Force.objects.update_or_create(
            name=name, defaults={"short_name": short_name, "slug": slugify(short_name)}
        )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_append_only_triggers")]

    operations = [migrations.RunPython(add_forces, migrations.RunPython.noop)]

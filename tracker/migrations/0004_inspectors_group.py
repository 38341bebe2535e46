"""The Inspectors group: review and sign off actions of every force in the admin.

Inspectors may view everything, change actions (status, owner, due date, blocked), add
evidence notes and import reports; nobody may change or delete the audit trail.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "force": ("view",),
    "inspection": ("view", "add", "change"),
    "question": ("view", "change"),
    "action": ("view", "change"),
    "evidencenote": ("view", "add"),
    "actionevent": ("view",),
    "user": ("view",),
}


def add_group(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now so the group
    # can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Inspectors")
    codenames = [f"{verb}_{model}" for model, verbs in PERMISSIONS.items() for verb in verbs]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0003_territorial_forces"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_group, migrations.RunPython.noop)]

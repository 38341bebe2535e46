"""The force's governance (issue 15): a member's role in their force (staff, lead, observer)
and an inspector's forces; the force's internal sign-off ("Assured", by a force lead) before an
inspector closes; each force's sustained-improvement period; the PCC's response to a report;
who wants which e-mail, and the log of e-mail sent (`Email`).

Every existing member of a force stays force staff, every inspector inspects every force, and
no existing action is assured. Reversible while no action is assured."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0019_report_duplicate_messages'),
    ]

    operations = [
        migrations.CreateModel(
            name='Email',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('assigned', "Made an action's owner"), ('returned', 'An action returned'), ('submitted', 'An action submitted (force leads)'), ('assured', 'An action assured (inspectors)'), ('digest', 'Daily digest')], max_length=10)),
                ('key', models.CharField(max_length=100)),
                ('subject', models.CharField(blank=True, max_length=200)),
                ('state', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Failed: sent again on the next run')], default='pending', max_length=10)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='action',
            name='tracker_action_status_valid',
        ),
        migrations.AddField(
            model_name='action',
            name='assured_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='action',
            name='assured_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='force',
            name='sustained_improvement_days',
            field=models.PositiveIntegerField(default=0, help_text='An action is closed only when its first impact note is at least this old.', verbose_name='sustained-improvement period (days)'),
        ),
        migrations.AddField(
            model_name='inspection',
            name='pcc_response_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='inspection',
            name='pcc_response_on',
            field=models.DateField(blank=True, help_text='When the PCC responded.', null=True, verbose_name='PCC response published'),
        ),
        migrations.AddField(
            model_name='inspection',
            name='pcc_response_url',
            field=models.URLField(blank=True, max_length=500, verbose_name='PCC response link'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_digest',
            field=models.BooleanField(default=True, verbose_name='send me the daily digest'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_on_assigned',
            field=models.BooleanField(default=True, verbose_name="e-mail me when I am made an action's owner"),
        ),
        migrations.AddField(
            model_name='user',
            name='email_on_assured',
            field=models.BooleanField(default=True, verbose_name='e-mail me when an action is assured for the inspectorate (inspectors)'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_on_returned',
            field=models.BooleanField(default=True, verbose_name='e-mail me when my action is returned'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_on_submitted',
            field=models.BooleanField(default=True, verbose_name="e-mail me when my force's action is submitted (force leads)"),
        ),
        migrations.AddField(
            model_name='user',
            name='force_role',
            field=models.CharField(choices=[('staff', 'Force staff'), ('lead', 'Force lead'), ('observer', 'Observer')], default='staff', help_text="Force staff update the actions they own; a force lead assigns, assures and manages the force's accounts; an observer (PCC/OPCC) reads and exports.", max_length=10, verbose_name='role in the force'),
        ),
        migrations.AddField(
            model_name='user',
            name='inspects',
            field=models.ManyToManyField(blank=True, help_text="An inspector's forces; none: every force.", related_name='assigned_inspectors', to='tracker.force'),
        ),
        migrations.AlterField(
            model_name='action',
            name='status',
            field=models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('submitted', 'Submitted for review'), ('assured', 'Assured — ready for the inspectorate'), ('closed', 'Closed — evidence accepted'), ('superseded', 'Superseded')], default='not_started', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='action',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['not_started', 'in_progress', 'submitted', 'assured', 'closed', 'superseded'])), name='tracker_action_status_valid'),
        ),
        migrations.AddField(
            model_name='email',
            name='recipient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='emails', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='email',
            index=models.Index(fields=['state', 'created_at'], name='tracker_email_state'),
        ),
        migrations.AddConstraint(
            model_name='email',
            constraint=models.UniqueConstraint(fields=('recipient', 'kind', 'key'), name='tracker_email_one_per_key'),
        ),
    ]

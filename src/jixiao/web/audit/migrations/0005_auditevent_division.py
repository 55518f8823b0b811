"""The division an audit event is about: an index for who may read it, outside the hash.

Earlier events keep no division (they are never changed); a division filler sees those of them
that they made."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_sequence_required"),
        ("organizations", "0003_division_submissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="division",
            field=models.ForeignKey(
                blank=True,
                help_text="事件涉及的处室（处室填报人据此查看）；不计入哈希",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="organizations.division",
                verbose_name="处室",
            ),
        ),
    ]

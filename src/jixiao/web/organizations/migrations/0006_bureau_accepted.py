"""The finance bureau's acceptance (审核通过) of a submitted self-evaluation: a status after
已报送财政局 (issue 12, item 3). Only the choices change; no row is rewritten."""

from django.db import migrations, models

STATUSES = [
    ("drafting", "填报中"),
    ("divisions_submitted", "处室已提交"),
    ("finance_reviewed", "财务已审核"),
    ("approved", "单位已审定"),
    ("submitted_to_bureau", "已报送财政局"),
    ("bureau_accepted", "财政局审核通过"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0005_department_groups_parents_assignments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="selfevaluation",
            name="status",
            field=models.CharField(
                choices=STATUSES, default="drafting", max_length=32, verbose_name="状态"
            ),
        ),
        migrations.AlterField(
            model_name="transition",
            name="from_status",
            field=models.CharField(choices=STATUSES, max_length=32, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="transition",
            name="to_status",
            field=models.CharField(choices=STATUSES, max_length=32, verbose_name="新状态"),
        ),
    ]

"""The figures the bureau's overview sorts and filters on: the execution rate, the annual
average execution rate and the year-end warnings of each stored result.

Results stored before have none: their storage format is marked as outdated, so each is
computed again at its next read, and ``jixiao recompute`` (no ``--all`` needed) fills them all.
"""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def mark_outdated(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("results", "StoredResult").objects.update(codec_version="")


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="storedresult",
            name="average_execution_rate",
            field=models.DecimalField(
                blank=True,
                decimal_places=6,
                max_digits=12,
                null=True,
                verbose_name="年度平均执行率",
            ),
        ),
        migrations.AddField(
            model_name="storedresult",
            name="execution_rate",
            field=models.DecimalField(
                blank=True, decimal_places=6, max_digits=12, null=True, verbose_name="预算执行率"
            ),
        ),
        migrations.AddField(
            model_name="storedresult",
            name="warnings",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="年末监控预警数"),
        ),
        migrations.RunPython(mark_outdated, migrations.RunPython.noop),
    ]

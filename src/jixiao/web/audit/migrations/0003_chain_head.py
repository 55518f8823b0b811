"""The audit chain gets sequence numbers, a signing scheme per event and a signed head row.

Events written by earlier versions keep their plain SHA-256 hashes (scheme 1) and are numbered
in the order they were written; the head is set to the last of them and signed, so the next
event (scheme 2, keyed) chains onto them and a database of an earlier version still verifies."""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64


def number_events_and_sign_head(apps: Any, schema_editor: Any) -> None:  # noqa: ARG001
    events = apps.get_model("audit", "AuditEvent")
    heads = apps.get_model("audit", "AuditChainHead")
    sequence, last_hash = 0, GENESIS
    for event in events.objects.order_by("id").only("id", "hash").iterator():
        sequence, last_hash = sequence + 1, event.hash
        events.objects.filter(pk=event.pk).update(sequence=sequence, scheme=1)
    message = f"jixiao-audit-head:{sequence}:{last_hash}".encode()
    key = settings.JIXIAO_AUDIT_KEY.encode()
    mac = hmac.new(key, message, hashlib.sha256).hexdigest()
    heads.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": last_hash, "mac": mac})


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_auditevent_evaluation"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0, verbose_name="最后一条的序号")),
                ("hash", models.CharField(max_length=64, verbose_name="最后一条的哈希")),
                ("mac", models.CharField(max_length=64, verbose_name="签名")),
            ],
            options={"verbose_name": "审计链头", "verbose_name_plural": "审计链头"},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="1：SHA-256（早期版本写入，无密钥）；2：HMAC-SHA256", verbose_name="签名方式"
            ),
        ),
        migrations.RunPython(number_events_and_sign_head, migrations.RunPython.noop),
    ]

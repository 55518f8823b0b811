from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_chain_head"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="序号"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(
                default=2, help_text="1：SHA-256（早期版本写入，无密钥）；2：HMAC-SHA256", verbose_name="签名方式"
            ),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["sequence"], "verbose_name": "审计事件", "verbose_name_plural": "审计事件"},
        ),
    ]

"""A department's account administrator (部门账号管理员, decision 0028): a role limited to one
department, like the department's other roles (issue 12, item 1). No row is rewritten."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0006_bureau_accepted'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='membership',
            name='department_roles_have_a_department',
        ),
        migrations.AlterField(
            model_name='membership',
            name='role',
            field=models.CharField(choices=[('division_filler', '处室填报人'), ('finance_reviewer', '财务审核人'), ('unit_leader', '单位负责人'), ('bureau_reviewer', '财政局审核人'), ('system_admin', '系统管理员'), ('department_admin', '部门账号管理员')], max_length=32, verbose_name='角色'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('role__in', ['division_filler', 'finance_reviewer', 'unit_leader', 'department_admin']), _negated=True), ('department__isnull', False), _connector='OR'), name='department_roles_have_a_department'),
        ),
    ]

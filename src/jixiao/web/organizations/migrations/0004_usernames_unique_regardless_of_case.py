"""Usernames are unique regardless of case: a unique index on LOWER(username) of auth_user.

Django's own User model cannot be given a constraint in its Meta, so the index is made here,
by the schema editor (the same SQL Django makes for a ``UniqueConstraint(Lower("username"))``:
an expression index, which SQLite and PostgreSQL both support). A database that already holds
two usernames differing only in case is refused with their names (``jixiao serve`` shows them)
instead of a bare IntegrityError. See docs/security.md.
"""

from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.functions import Lower

from jixiao.web.home import SetupProblem

CONSTRAINT = models.UniqueConstraint(Lower("username"), name="auth_user_username_ci_unique")


def clashing_usernames(apps: Apps) -> list[list[str]]:
    User = apps.get_model(settings.AUTH_USER_MODEL)
    by_lower: dict[str, list[str]] = {}
    for username in User.objects.order_by("username").values_list("username", flat=True):
        by_lower.setdefault(username.lower(), []).append(username)
    return [names for names in by_lower.values() if len(names) > 1]


def add_constraint(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    clashes = clashing_usernames(apps)
    if clashes:
        listed = "；".join("、".join(names) for names in clashes)
        raise SetupProblem(
            f"以下用户名只有大小写不同，无法加上“用户名不区分大小写唯一”的约束：{listed}。"
            "请先为其中的账号改名后再升级。"
        )
    User = apps.get_model(settings.AUTH_USER_MODEL)
    schema_editor.add_constraint(User, CONSTRAINT)


def remove_constraint(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    User = apps.get_model(settings.AUTH_USER_MODEL)
    schema_editor.remove_constraint(User, CONSTRAINT)


class Migration(migrations.Migration):

    dependencies = [
        ("organizations", "0003_division_submissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # after every migration of auth_user: on SQLite, altering a table rebuilds it without
        # the indexes Django does not know of, this one included
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(add_constraint, remove_constraint)]

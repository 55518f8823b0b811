"""Benchmark: the bureau's overview of many departments, in one process (issue 12, item 2).

    python benchmarks/bureau_overview.py [--departments 2000] [--repeat 20]
                                         [--database sqlite|postgresql]

Writes ``--departments`` department-years (one in ten a subordinate unit, in four groups) with
stored results as ``results.store.refresh`` leaves them — the total, grade, rates, warnings and
a score tree of 24 framework items each (2 first-level) — into a throwaway database (a
temporary SQLite file, or on PostgreSQL a database named ``jixiao_bench_overview`` that it
creates and drops on ``$BENCH_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432``),
then asks the overview pages with Django's test client, signed in as a bureau reviewer: each
page ``--repeat`` times with nothing cached (cold: as after any change of the year's data) and
``--repeat`` times again as it is kept (warm: the overview's fragment is cached under the
versions of the data), the median and p95 in ms and the queries of each — the same counts
whatever the number of departments. The login page is the baseline (× login, warm p95). This
measures the server's work alone; ``benchmarks/bureau_scale.py`` measures it under concurrent users.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

PAGES = {
    "login (baseline)": "/accounts/login/",
    "overview, by score": "/bureau/?year=2023",
    "overview, by an item": "/bureau/?year=2023&sort=-item:management_efficiency",
    "overview, group and grade": "/bureau/?year=2023&group={group}&grade=良",
    "overview, search": "/bureau/?year=2023&q=部门19",
    "overview, item below, page 5": (
        "/bureau/?year=2023&item=performance_effectiveness&below=45&page=5"
    ),
    "export (filtered)": "/bureau/export/?year=2023&grade=良",
    "item by item": "/bureau/items/?year=2023",
    "year over year": "/bureau/departments/D00001/",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--departments", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    arguments = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="jixiao-bench-overview-"))
    os.environ["JIXIAO_HOME"] = str(home)
    server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    name = "jixiao_bench_overview"
    if arguments.database == "postgresql":
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"{server}/{name}"
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jixiao.web.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        return run(arguments)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
        if arguments.database == "postgresql":
            import psycopg

            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")


def run(arguments: argparse.Namespace) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    group = generate(arguments.departments)
    client = Client()
    client.force_login(bureau_reviewer())
    print(f"{arguments.departments} 个部门（{connection.vendor}），每页 {arguments.repeat} 次")
    print(
        f"{'page':34} {'cold p50':>9} {'queries':>8} {'warm p50':>9} {'warm p95':>9}"
        f" {'queries':>8} {'× login':>8}"
    )
    baseline = None
    for label, url in PAGES.items():
        url = url.format(group=group)
        cold = []
        for _ in range(arguments.repeat):
            cache.clear()  # as after any change of the year's data: nothing kept
            started = time.perf_counter()
            answer = client.get(url)
            cold.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                print(f"{label}: {answer.status_code}", file=sys.stderr)
                return 1
        cache.clear()
        connection.queries_log.clear()  # a full log (9,000 queries) would count none
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        cold_queries = list(first.captured_queries)  # before the log is cleared again
        times = []
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        if os.environ.get("BENCH_SHOW_QUERIES"):
            for query in cold_queries:
                print(f"    {query['time']:>6} {query['sql'][:160]}")
        p50 = statistics.median(times)
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        baseline = baseline or p95
        ratio = p95 / baseline
        print(
            f"{label:34} {statistics.median(cold):9.1f} {len(cold_queries):8} {p50:9.1f} {p95:9.1f}"
            f" {len(queries):8} {ratio:7.1f}×"
        )
    return 0


def bureau_reviewer():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    from jixiao.web.organizations.models import Membership, Role

    user = User.objects.create_user("bench-bureau", password="unused-password-1")
    Membership.objects.create(user=user, role=Role.BUREAU_REVIEWER)
    return user


def generate(count: int) -> int:
    """``count`` department-years of 2023 with stored results; the first group's id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jixiao.web.organizations.models import (
        Department,
        DepartmentGroup,
        GroupKind,
        SelfEvaluation,
        Status,
    )
    from jixiao.web.results.models import NodeScore, StoredResult, Subject

    rng = random.Random(12)
    now = timezone.now()
    with transaction.atomic():
        groups = [
            DepartmentGroup.objects.create(kind=GroupKind.REVIEW_GROUP, name=f"第{n}批")
            for n in range(1, 4)
        ] + [DepartmentGroup.objects.create(kind=GroupKind.PORTFOLIO, name="经济口")]
        firsts: list[Department] = []
        departments = []
        for n in range(count):
            parent = firsts[rng.randrange(len(firsts))] if n % 10 == 9 and firsts else None
            unit = Department(code=f"D{n:05}", name=f"部门{n}", parent=parent)
            if parent is None:
                unit.save()
                firsts.append(unit)
            departments.append(unit)
        Department.objects.bulk_create([d for d in departments if d.pk is None])
        departments = list(Department.objects.order_by("code"))
        through = Department.groups.through
        through.objects.bulk_create(
            through(department_id=d.pk, departmentgroup_id=groups[n % 3].pk)
            for n, d in enumerate(departments)
        )
        statuses = [Status.DRAFTING, Status.APPROVED, Status.SUBMITTED_TO_BUREAU]
        records = SelfEvaluation.objects.bulk_create(
            SelfEvaluation(
                department=d,
                fiscal_year=2023,
                framework="guangzhou-department-overall-2023",
                status=rng.choice(statuses),
            )
            for d in departments
        )
        results = []
        trees = []
        for record in records:
            first = Decimal(rng.randint(2500, 5000)) / 100
            second = Decimal(rng.randint(2500, 5000)) / 100
            total = first + second
            grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
            results.append(
                StoredResult(
                    evaluation=record,
                    subject=Subject.DEPARTMENT,
                    subject_code="",
                    data_digest="0" * 64,
                    framework=record.framework,
                    framework_version="0" * 64,
                    codec_version="0" * 64,
                    total=total,
                    grade=grade,
                    errors=0,
                    content={},
                    computed_at=now,
                    revision=1,
                    execution_rate=Decimal(rng.randint(50, 100)) / 100,
                    average_execution_rate=Decimal(rng.randint(30, 90)) / 100,
                    warnings=rng.randint(0, 20),
                )
            )
            trees.append((first, second))
        results = StoredResult.objects.bulk_create(results)
        nodes = []
        for result, (first, second) in zip(results, trees, strict=True):
            nodes.append(node(result, "total", "total", 1, 0, "总分", 100, first + second))
            position = 2
            for top, score in (
                ("performance_effectiveness", first),
                ("management_efficiency", second),
            ):
                nodes.append(node(result, top, f"total/{top}", position, 1, top, 50, score))
                position += 1
                for child in range(11):
                    path = f"total/{top}/c{child}"
                    nodes.append(node(result, f"c{child}", path, position, 2, path, 5, score / 11))
                    position += 1
        NodeScore.objects.bulk_create(nodes, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a load this size
    return groups[0].pk


def node(result, node_id, path, position, depth, name, points, score):  # type: ignore[no-untyped-def]
    from jixiao.web.results.models import NodeScore

    return NodeScore(
        result=result,
        node=node_id,
        path=path,
        position=position,
        depth=depth,
        name=name,
        rule="sum",
        points=Decimal(points),
        score=Decimal(score).quantize(Decimal("0.01")),
    )


if __name__ == "__main__":
    sys.exit(main())

"""Each page and API endpoint runs a bounded number of queries, whatever the number of rows
(issue 11, item 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.web.records.models import Indicator

pytestmark = pytest.mark.django_db

PAGES = {
    "dashboard": "/evaluations/{pk}/",
    "tree": "/evaluations/{pk}/tree/",
    "indicators": "/evaluations/{pk}/indicators/",
    "data": "/evaluations/{pk}/data/",
    "ledger": "/evaluations/{pk}/data/projects/",
    "monitoring": "/evaluations/{pk}/monitoring/6/",
    "api-evaluation": "/api/evaluations/{pk}/evaluation/",
    "home": "/",
}


def count(client: Any, url: str, **post: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(url, post) if post else client.get(url)
        assert answer.status_code in (200, 302), (url, answer.status_code)
    return len(queries.captured_queries)


@pytest.mark.parametrize("username", ["demo-finance", "demo-division"])
def test_print(client_for: Any, demo: Any, username: str) -> None:
    client = client_for(username)
    for name, url in PAGES.items():
        client.get(url.format(pk=demo.pk))
        print(username, name, count(client, url.format(pk=demo.pk)))
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    print(
        username,
        "save",
        count(client, f"/evaluations/{demo.pk}/indicators/{indicator.pk}/", actual="1900"),
    )


def test_show(client_for: Any, demo: Any) -> None:
    import collections
    import re

    for username in ("demo-finance", "demo-division"):
        client = client_for(username)
        for name in ("dashboard", "data", "tree"):
            url = PAGES[name].format(pk=demo.pk)
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            c = collections.Counter(
                re.sub(r"\d+", "N", q["sql"])[:110] for q in queries.captured_queries
            )
            print("==", username, name)
            for k, v in c.most_common(12):
                print(v, k)


def test_time(client_for: Any, demo: Any) -> None:
    import time

    for username in ("demo-finance", "demo-division"):
        client = client_for(username)
        for name, url in PAGES.items():
            url = url.format(pk=demo.pk)
            client.get(url)
            t = time.perf_counter()
            for _ in range(10):
                client.get(url)
            print("T", username, name, round((time.perf_counter() - t) * 100, 1), "ms")
        client.get("/accounts/logout/")
    from django.test import Client

    anon = Client()
    t = time.perf_counter()
    for _ in range(10):
        anon.get("/accounts/login/")
    print("T login", round((time.perf_counter() - t) * 100, 1), "ms")


def test_profile(client_for: Any, demo: Any) -> None:
    import cProfile
    import io
    import os
    import pstats

    client = client_for("demo-finance")
    url = PAGES[os.environ["PAGE"]].format(pk=demo.pk)
    client.get(url)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        client.get(url)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def test_refresh_time(demo: Any) -> None:
    import time

    from jixiao.web.records.mapping import read_stored
    from jixiao.web.results.store import refresh
    from jixiao.web.services import compute

    for f, name in (
        (lambda: read_stored(demo), "read"),
        (lambda: compute(demo, monitor=False), "compute-nomonitor"),
        (lambda: compute(demo), "compute"),
        (lambda: refresh(demo), "refresh"),
    ):
        f()
        t = time.perf_counter()
        for _ in range(5):
            f()
        print("R", name, round((time.perf_counter() - t) * 200, 1), "ms")

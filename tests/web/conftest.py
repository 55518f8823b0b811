from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from jixiao.adapters.dataset_files import load_dataset
from jixiao.web.demo import PASSWORD, load_demo
from jixiao.web.organizations.models import SelfEvaluation

from ..conftest import REFERENCE


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Tests sign in and create accounts by the hundred: a fast hash instead of PBKDF2's
    million rounds (what is hashed, and when, is the same; servers in child processes keep the
    real hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Each test starts with an empty cache, as a new process does: renderings are kept under
    keys naming the data's version, and a new test database can repeat the ids and data of the
    one before."""
    cache.clear()


@pytest.fixture
def demo(db: None) -> SelfEvaluation:  # noqa: ARG001 — the db fixture enables the database
    return load_demo(load_dataset(REFERENCE), REFERENCE.name)


@pytest.fixture
def client_for(demo: SelfEvaluation):  # type: ignore[no-untyped-def]  # noqa: ARG001
    def login(username: str) -> Client:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        return client

    return login

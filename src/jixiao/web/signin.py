"""Signing in: usernames regardless of case.

Usernames are unique regardless of case (migration organizations 0004), so a name typed in
another case (``Demo-Finance``, a capital from a phone keyboard) can only mean one account: it
signs in to that account rather than failing as a wrong password.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from jixiao.web.users import existing_username


class SignInBackend(ModelBackend):
    """Django's model backend, finding the account by its username regardless of case."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None:
            username = existing_username(username) or username
        return super().authenticate(request, username=username, password=password, **kwargs)

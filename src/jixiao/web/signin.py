"""Signing in: regardless of case, throttled and locked out after repeated failures, audited.

- **Regardless of case.** Usernames are unique regardless of case (migration organizations
  0004), so a name typed in another case (``Demo-Finance``, a capital from a phone keyboard) can
  only mean one account: it signs in to that account rather than failing as a wrong password.
- **Lockout** (django-axes). After ``JIXIAO_LOGIN_FAILURES`` (5) failed sign-ins of one username
  from one address, each within ``JIXIAO_LOGIN_LOCKOUT_MINUTES`` (15) of the one before, that
  username is refused from that address — even with the right password — until 15 minutes after
  the last counted failure; attempts while locked are refused without being counted, so the end
  of the lockout is known and shown. A successful sign-in on the page clears the count. The
  count is by username *and* address: by username alone anybody could lock anybody out; by
  address alone one mistyping colleague would lock out a whole office behind one NAT address.
  The username is counted in lower case, so that changing the case does not start a new count.
  The login page and HTTP Basic of the API share the count (``LockoutBasicAuthentication``).
- **Audit.** Each sign-in (登录), failure (登录失败), lockout (登录锁定) and refusal while locked
  (登录被拒（已锁定）) is an audit event with the address and the way in; the administrator reads
  them in the audit log. A check of a password by code with no request (``authenticate()``
  without one, as the test client's ``login`` does) is no sign-in attempt: it is neither counted
  nor recorded. Every way in from outside (the login page, HTTP Basic) passes its request.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import SuspiciousOperation
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication
from rest_framework.request import Request

from jixiao.web.audit import events
from jixiao.web.users import existing_username

LOGIN_PAGE = "登录页"
HTTP_BASIC = "API 基本认证"


class SignInBackend(AxesStandaloneBackend, ModelBackend):  # type: ignore[misc]  # axes is untyped
    """Django's model backend, finding the account regardless of case, behind django-axes'
    lockout check (which raises, and so refuses, while the username and address are locked)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None:
            username = existing_username(username) or username
        if request is not None:
            try:
                AxesStandaloneBackend.authenticate(
                    self, request, username=username, password=password, **kwargs
                )
            except AxesBackendPermissionDenied:
                request.jixiao_refused_while_locked = True  # type: ignore[attr-defined]
                raise
        return ModelBackend.authenticate(
            self, request, username=username, password=password, **kwargs
        )

    def get_user(self, user_id: int) -> User | None:
        """The signed-in user of a request with their role and scope — membership, department,
        division — in the same query: every page asks for them (``policy.Actor.of``)."""
        users = User._default_manager.select_related(
            "membership__department", "membership__division"
        )
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The same checks when Django authenticates asynchronously (its model backend has an
        async path of its own that would skip them)."""
        check = sync_to_async(self.authenticate)
        return await check(request, username=username, password=password, **kwargs)


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username an attempt is counted under (AXES_USERNAME_CALLABLE): as typed, in lower
    case, as sign-in ignores case."""
    source: Any = credentials if credentials else request.POST
    username = source.get("username")
    return username.lower() if isinstance(username, str) else None


def locked_until(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime:
    """When the username and address of ``request`` may sign in again: the cool-off after the
    last counted failure (attempts while locked are not counted)."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.filter(
        username=attempted_username(request, credentials),
        ip_address=get_client_ip_address(request),
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + cool_off


def clock_time(moment: datetime) -> str:
    """A time to wait for, rounded up to the minute: 14:35, or 2026-12-03 09:10 on another day."""
    local = timezone.localtime(moment)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if local.date() == timezone.localtime().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def locked_out(
    request: HttpRequest, _original: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The answer to an attempt while locked (AXES_LOCKOUT_CALLABLE): 429 with the time to wait
    for — the login page with the message, or JSON ``{"detail": …}`` for the API."""
    until = locked_until(request, credentials)
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    message = _(
        "登录失败次数过多，账号 %(username)s 在此地址已暂停登录，请于 %(time)s 之后再试。"
    ) % {
        "username": typed,
        "time": clock_time(until),
    }
    response: HttpResponse
    if getattr(request, "jixiao_sign_in_method", LOGIN_PAGE) == HTTP_BASIC:
        response = JsonResponse(
            {"detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        context = {"locked_out": message, "next": request.POST.get("next", "")}
        response = render(request, "registration/login.html", context, status=429)
    seconds = (until - timezone.now()).total_seconds()
    response["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


class LockoutBasicAuthentication(BasicAuthentication):
    """HTTP Basic for the API, counted and locked out together with the login page.

    The credentials are checked against Django's own request, not REST framework's: django-axes
    flags a lockout on the request it is given (AxesMiddleware then answers 429), and reads its
    form data to describe the attempt — REST framework's would parse the body for that, and a
    body it cannot parse would stop the count before the failure was recorded. Django's form
    data are read here first, so that a body Django cannot parse counts as an empty form."""

    def authenticate_credentials(
        self, userid: str, password: str, request: Request | None = None
    ) -> tuple[Any, Any]:
        http = request._request if request is not None else None
        if http is not None:
            http.jixiao_sign_in_method = HTTP_BASIC  # type: ignore[attr-defined]
            _read_form_data(http)
        user = authenticate(request=http, username=userid, password=password)
        if user is None:
            raise exceptions.AuthenticationFailed(_("用户名或密码不正确"))
        return (user, None)


def _read_form_data(request: HttpRequest) -> None:
    with contextlib.suppress(MultiPartParserError, SuspiciousOperation):
        request.POST  # noqa: B018 — read for its effect: an unreadable body leaves an empty form


def _attempt(request: HttpRequest) -> dict[str, Any]:
    return {
        "地址": get_client_ip_address(request),
        "方式": getattr(request, "jixiao_sign_in_method", LOGIN_PAGE),
    }


def _signed_in(sender: object, request: HttpRequest, user: User, **_: Any) -> None:  # noqa: ARG001
    events.signed_in(user, _attempt(request))


def _locked(sender: object, request: HttpRequest | None = None, **_: Any) -> None:  # noqa: ARG001
    """django-axes sends user_locked_out both when a failure reaches the limit and for each
    attempt refused while locked; only the former starts a lockout."""
    if request is not None and not getattr(request, "jixiao_refused_while_locked", False):
        request.jixiao_locked_now = True  # type: ignore[attr-defined]


def _failed(
    sender: object,  # noqa: ARG001
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **_: Any,
) -> None:
    """Runs after django-axes' own receiver (``axes`` comes before ``jixiao.web.pages`` in
    INSTALLED_APPS), so the failure that starts a lockout is known as such."""
    if request is None:
        return  # a check by code, not a sign-in attempt
    username = credentials.get("username")
    refused = getattr(request, "jixiao_refused_while_locked", False)
    events.sign_in_failed(username, _attempt(request), while_locked=refused)
    if getattr(request, "jixiao_locked_now", False):
        until = locked_until(request, credentials)
        lockout = _attempt(request) | {
            "失败次数": settings.AXES_FAILURE_LIMIT,
            "锁定至": timezone.localtime(until).strftime("%Y-%m-%d %H:%M:%S"),
        }
        events.locked_out(username, lockout)


def connect_signals() -> None:
    """Called once by the pages app when Django is ready (after django-axes connected its own)."""
    user_logged_in.connect(_signed_in, dispatch_uid="jixiao-signed-in")
    user_login_failed.connect(_failed, dispatch_uid="jixiao-sign-in-failed")
    user_locked_out.connect(_locked, dispatch_uid="jixiao-locked-out")


class LockoutBasicScheme(BasicScheme):  # type: ignore[no-untyped-call]  # drf-spectacular's registry
    """The OpenAPI schema describes LockoutBasicAuthentication as HTTP Basic (drf-spectacular
    matches its extensions to the exact class)."""

    target_class = "jixiao.web.signin.LockoutBasicAuthentication"

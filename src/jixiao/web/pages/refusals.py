"""How the pages answer a use case's refusal: with its status (``web/errors.py``), the same
as the API's. A page that shows a refusal in place — a form with the problems at its fields,
the indicators table with the lock above it — renders itself with :func:`status_of`; a
refusal no page catches is answered here: 404 with the not-found page (a ``NotFound`` is an
``Http404``), any other with the message on a page of its own and its status (409 for a lock,
400 for invalid input).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.web.errors import NotFound, Refused, status_of
from jixiao.web.policy import actor_of


def refused_page(request: HttpRequest, refusal: Refused) -> HttpResponse:
    """The page of a refusal: its message, and its problems each at its place."""
    context = {
        "refusal": refusal,
        "membership": actor_of(request).member,
    }
    return render(request, "pages/refused.html", context, status=status_of(refusal))


class RefusalMiddleware:
    """Answers the refusals that a page view lets through (:func:`refused_page`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Refused) and not isinstance(exception, NotFound):
            return refused_page(request, exception)
        return None  # Django answers the rest (a NotFound with the 404 page)

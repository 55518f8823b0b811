"""The refusals of the use cases, one small hierarchy, each with a stable code and its HTTP
status — the one place that says which refusal answers which status, for pages and API alike.

======================  ===========================  ======  ==================================
refusal                 code                         status  when
======================  ===========================  ======  ==================================
:class:`NotFound`       ``E-NOT-FOUND``              404     no such thing, or outside the
                                                             user's scope (answered alike, so
                                                             nothing leaks)
:class:`Invalid`        ``E-INVALID``                400     the input is wrong; ``problems``
                                                             say where
:class:`FieldOwner`     ``E-FIELD-OWNER``            400     a field the user does not own
:class:`Locked`         ``E-LOCKED``                 409     the data are locked (the year is
                                                             past 填报中, a division submitted)
:class:`Forbidden`      ``E-FORBIDDEN``              409     not this way: a division adding or
                                                             removing rows it only fills in
:class:`Conflict`       ``E-CONFLICT``               409     the state does not allow it now (a
                                                             workflow step, a stale upload, a
                                                             username taken meanwhile)
======================  ===========================  ======  ==================================

Worked example: a division filler changes an indicator's actual value after submitting its
part. ``save_row`` raises ``Locked("本处室已提交，数据已锁定；财务退回后才能修改")``; the API
answers 409 ``{"code": "E-LOCKED", "detail": "本处室已提交…", "problems": []}`` on every path
(the indicator's own endpoint and the table's), and the indicators page answers 409 with the
message above the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar

from django.http import Http404

from jixiao.core.problems import Problem


class ErrorCode(StrEnum):
    NOT_FOUND = "E-NOT-FOUND"
    INVALID = "E-INVALID"
    FIELD_OWNER = "E-FIELD-OWNER"
    LOCKED = "E-LOCKED"
    FORBIDDEN = "E-FORBIDDEN"
    CONFLICT = "E-CONFLICT"


class Refused(Exception):
    """A use case refused; the Chinese message says why, ``problems`` (when any) where."""

    code: ClassVar[ErrorCode] = ErrorCode.CONFLICT
    status: ClassVar[int] = 409

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)

    def as_dict(self) -> dict[str, object]:
        """The API's answer: ``{"code", "detail", "problems"}``."""
        return {
            "code": self.code.value,
            "detail": self.message,
            "problems": [problem.as_dict() for problem in self.problems],
        }


class NotFound(Refused, Http404):
    """No such thing, or outside the user's scope: answered as if it did not exist. Also an
    ``Http404``, so a page or API view that does not catch it answers 404 all the same."""

    code = ErrorCode.NOT_FOUND
    status = 404


class Invalid(Refused):
    """The input is not valid; every problem at its field."""

    code = ErrorCode.INVALID
    status = 400


class FieldOwner(Invalid):
    """A change of fields someone else fills (a division changing a budget)."""

    code = ErrorCode.FIELD_OWNER


class Locked(Refused):
    """The data are locked now; a return unlocks them."""

    code = ErrorCode.LOCKED
    status = 409


class Forbidden(Refused):
    """The user may act here, but not this way (a division adding a row to a table whose
    rows it only fills in). 409, as for a lock: the thing is visible, so 404 would mislead."""

    code = ErrorCode.FORBIDDEN
    status = 409


class Conflict(Refused):
    """The present state does not allow it (a workflow step not open now, data changed since
    an upload was checked, a username taken meanwhile)."""

    code = ErrorCode.CONFLICT
    status = 409


def status_of(refusal: Refused) -> int:
    """The HTTP status of ``refusal``, the same on every page and API path."""
    return refusal.status

"""The API's one exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): a use case's
refusal answers its status (``web/errors.py``) with ``{"code", "detail", "problems"}``, the
same on every path; anything else is answered as Django REST framework answers it.

Worked example: a locked indicator, changed through ``PATCH …/indicators/7/`` or through
``PATCH …/tables/indicators/7/``, answers 409 ``{"code": "E-LOCKED", "detail":
"年度绩效自评“处室已提交”，数据已锁定；退回后才能修改", "problems": []}`` both times.
"""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from jixiao.web.errors import Refused, status_of


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Refused):
        set_rollback()
        return Response(exc.as_dict(), status=status_of(exc))
    return exception_handler(exc, context)

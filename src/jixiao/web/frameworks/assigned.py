"""Which framework a new department-year takes: the one assigned to its year (decision 0030).

The assignments covering a department-year are its year's for every department and those of
the groups its department belongs to; the latest set of them wins — as setting one changed the
department-years it covers then. None: no assignment covers it (the caller's default applies).

Worked example: 2024 is assigned ``national-project-2020`` for every department on 1 March and
``installed:sz-2024@ab12…`` for 批次：第一批 on 2 March; a new department-year of 2024 of a
department in 第一批 takes ``installed:sz-2024@ab12…``, one of any other department
``national-project-2020``, a new department (in no group yet) the same.
"""

from __future__ import annotations

from django.db.models import Q

from jixiao.web.frameworks.models import FrameworkAssignment


def assigned_framework(fiscal_year: int, department_code: str) -> str | None:
    """The framework assigned to the department ``department_code``'s ``fiscal_year``."""
    covering = FrameworkAssignment.objects.filter(
        Q(group__isnull=True) | Q(group__departments__code=department_code),
        fiscal_year=fiscal_year,
    )
    found: str | None = (
        covering.order_by("-set_at", "-id").values_list("framework", flat=True).first()
    )
    return found

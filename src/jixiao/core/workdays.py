"""Chinese working days: weekends, statutory holidays and make-up working days (调休).

Backed by ``chinese-calendar``, which knows the State Council's published arrangements. A date
outside the years it knows is an error (:class:`OutsideCalendar`), never a guess.

Worked example — the 2023 National Day holiday ran 29 September to 6 October, and Saturday
7 and Sunday 8 October were make-up working days. A contract signed on Thursday 28 September
must be filed within 2 working days: the 1st is Saturday 7 October, the 2nd Sunday 8 October.

>>> nth_working_day_after(date(2023, 9, 28), 2)
datetime.date(2023, 10, 8)
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


class OutsideCalendar(ValueError):
    """The date lies outside the years whose holiday arrangements are known."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            f"日期 {day.isoformat()} 超出节假日日历的范围（{FIRST_DAY.year}–{LAST_DAY.year} 年），"
            "无法判断是否为工作日"
        )


def _known_range() -> tuple[date, date]:
    days = list(chinese_calendar.constants.holidays) + list(chinese_calendar.constants.workdays)
    return date(min(days).year, 1, 1), date(max(days).year, 12, 31)


FIRST_DAY, LAST_DAY = _known_range()


def is_working_day(day: date) -> bool:
    """True for a working day in mainland China, make-up working days included."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise OutsideCalendar(day)
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:  # the library's own word for "year not known"
        raise OutsideCalendar(day) from error


def nth_working_day_after(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    if count < 1:
        raise ValueError("工作日天数必须为正整数")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
    if not FIRST_DAY <= start <= LAST_DAY:
        raise OutsideCalendar(start)
    total = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            total += 1
    return total

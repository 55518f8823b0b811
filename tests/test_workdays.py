from __future__ import annotations

from datetime import date

import pytest

from jixiao.core.workdays import (
    OutsideCalendar,
    is_working_day,
    nth_working_day_after,
    working_days_between,
)


def test_make_up_working_days_count() -> None:
    # National Day 2023: 29 Sep – 6 Oct off; Sat 7 and Sun 8 Oct are make-up working days.
    assert is_working_day(date(2023, 10, 7))
    assert is_working_day(date(2023, 10, 8))
    assert nth_working_day_after(date(2023, 9, 28), 2) == date(2023, 10, 8)


def test_statutory_holidays_and_weekends_do_not_count() -> None:
    assert not is_working_day(date(2023, 10, 2))
    assert not is_working_day(date(2023, 4, 29))
    assert not is_working_day(date(2023, 7, 15))  # an ordinary Saturday
    # Labour Day 2023: 29 Apr – 3 May off.
    assert nth_working_day_after(date(2023, 4, 27), 2) == date(2023, 5, 4)


def test_working_days_between() -> None:
    assert working_days_between(date(2023, 4, 27), date(2023, 5, 6)) == 4
    assert working_days_between(date(2023, 7, 12), date(2023, 7, 13)) == 1
    assert working_days_between(date(2023, 7, 13), date(2023, 7, 12)) == 0


def test_outside_the_calendar_is_an_error_not_a_guess() -> None:
    with pytest.raises(OutsideCalendar, match="超出节假日日历的范围"):
        is_working_day(date(2031, 3, 3))
    with pytest.raises(OutsideCalendar):
        nth_working_day_after(date(2026, 12, 30), 5)

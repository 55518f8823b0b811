"""Money and rates as :class:`~decimal.Decimal`, with rounding only where it is asked for.

Amounts are stored in 元 to the 分 (two decimal places). Reports show 万元 and 亿元; those are
presentation units, converted exactly and rounded half-up only when displayed.

>>> wan_to_yuan(Decimal("3924.185582"))
Decimal('39241855.82')
>>> format_wan(Decimal("39241855.82"))
'3924.19'
>>> format_percent(Decimal("0.72515"))
'72.52%'
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from enum import Enum

CENT = Decimal("0.01")
# Wide enough to quantize any number the readers accept (|x| < 10^15, ≥ 10^-10) and any rate
# formed from two of them, so that rounding never overflows the default 28 digits.
_WIDE = Context(prec=80)
LARGEST = Decimal(10) ** 15
SMALLEST_EXPONENT = -10
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


class NotWholeCents(ValueError):
    """An amount that has a fraction of a 分."""


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round ``value`` half-up to ``places`` decimal places.

    >>> round_half_up(Decimal("3.625"), 2)
    Decimal('3.63')
    """
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_WIDE)


def exact_cents(value: Decimal) -> Decimal:
    """Return ``value`` as 元 with exactly two places; refuse a fraction of a 分."""
    quantized = value.quantize(CENT, context=_WIDE)
    if quantized != value:
        raise NotWholeCents(str(value))
    return quantized


def wan_to_yuan(amount_wan: Decimal) -> Decimal:
    """Convert 万元 to 元 exactly; the result must be whole 分."""
    return exact_cents(amount_wan * WAN)


def yuan_to_wan(amount_yuan: Decimal) -> Decimal:
    """Convert 元 to 万元 exactly (no rounding)."""
    return (amount_yuan / WAN).normalize() if amount_yuan else ZERO


def format_wan(amount_yuan: Decimal, places: int = 2) -> str:
    """Show 元 as 万元, half-up to ``places`` decimals."""
    return f"{round_half_up(amount_yuan / WAN, places):f}"


def format_wan_as_source(amount_yuan: Decimal) -> str:
    """Show 元 as 万元 with two decimals, or with all of them where there are more.

    >>> format_wan_as_source(Decimal("39241855.82")), format_wan_as_source(Decimal("3000000"))
    ('3924.185582', '300.00')
    """
    wan = amount_yuan / WAN
    if wan == round_half_up(wan, 2):
        return f"{round_half_up(wan, 2):f}"
    return f"{wan.normalize():f}"


def format_yi(amount_yuan: Decimal, places: int = 2) -> str:
    """Show 元 as 亿元, half-up to ``places`` decimals."""
    return f"{round_half_up(amount_yuan / YI, places):f}"


class AmountUnit(Enum):
    """The unit a table or a text shows its amounts in, with its size in 元."""

    YUAN = "元"
    WAN = "万元"
    YI = "亿元"

    @property
    def size(self) -> Decimal:
        return {"元": ONE, "万元": WAN, "亿元": YI}[self.value]


def amount_unit(amounts: Iterable[Decimal], *, up_to: AmountUnit | None = None) -> AmountUnit:
    """The unit that suits a set of amounts shown together (one unit per table, never 0.00 亿元
    for 25 万元), at most ``up_to``: 亿元 when the largest is at least 1 亿元 (to 0.01 亿元, as
    reports show them); 万元 when the largest is at least 100 万元 (rounding to 0.01 万元 then
    moves no amount by more than 0.0005%) or every amount is whole 0.01 万元; otherwise 元, so
    that a small project keeps every digit of its form.

    >>> [amount_unit([Decimal(a)]).value for a in ("3073000000", "250000.00", "215457.60")]
    ['亿元', '万元', '元']
    """
    values = [abs(amount) for amount in amounts]
    largest = max(values, default=ZERO)
    if largest >= YI and up_to in (None, AmountUnit.YI):
        return AmountUnit.YI
    if up_to is AmountUnit.YUAN:
        return AmountUnit.YUAN
    if largest >= 100 * WAN or (
        largest >= WAN and all(value / WAN == round_half_up(value / WAN, 2) for value in values)
    ):
        return AmountUnit.WAN
    return AmountUnit.YUAN


def format_amount(amount_yuan: Decimal, unit: AmountUnit) -> str:
    """Show 元 in ``unit``, half-up to two decimals; 元 with thousands separators.

    >>> yuan, wan = AmountUnit.YUAN, AmountUnit.WAN
    >>> format_amount(Decimal("215457.60"), yuan), format_amount(Decimal("250000"), wan)
    ('215,457.60', '25.00')
    """
    value = round_half_up(amount_yuan / unit.size, 2)
    return f"{value:,f}" if unit is AmountUnit.YUAN else f"{value:f}"


def format_percent(rate: Decimal, places: int = 2) -> str:
    """Show a rate (0.9710) as a percentage with ``places`` decimals ("97.10%")."""
    return f"{round_half_up(rate * HUNDRED, places):f}%"


def format_rate(rate: Decimal, places: int = 2) -> str:
    """Show a parameter rate without trailing zeros ("150%", "12.5%").

    >>> format_rate(Decimal("1.5"))
    '150%'
    """
    return f"{format_score(rate * HUNDRED, places)}%"


def format_score(score: Decimal, places: int = 2) -> str:
    """Show a score with at most ``places`` decimals and no trailing zeros ("5.75", "9.5", "20")."""
    rounded = round_half_up(score, places)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def within_range(value: Decimal) -> bool:
    """True when jixiao can compute with ``value``: |value| < 10^15 with at most 10 decimals.

    Decided from the digits and exponent alone, so that no arithmetic can overflow on the way:

    >>> within_range(Decimal("999999999999999.9")), within_range(Decimal("1e999999999"))
    (True, False)
    """
    if not value.is_finite():
        return False
    if value.is_zero():
        return True
    exponent = value.as_tuple().exponent
    return (
        isinstance(exponent, int)
        and exponent >= SMALLEST_EXPONENT
        and value.adjusted() < LARGEST.adjusted()
    )


def parse_decimal(text: str) -> Decimal:
    """Parse a plain decimal number (no thousands separators, no units); raise ValueError."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_rate(text: str) -> Decimal:
    """Parse "150%" or "1.5" as a rate (1.5); raise ValueError, also for a number outside
    :func:`within_range`."""
    cleaned = text.strip()
    percent = cleaned.endswith("%")
    value = parse_decimal(cleaned[:-1] if percent else cleaned)
    if not within_range(value):
        raise ValueError(text)
    return value / HUNDRED if percent else value

"""The bid increment table: how much a bid must beat the current price by, per price band.

eBay's table, in major units (dollars, euros, pounds): under 1.00 the increment is 0.05, under
5.00 it is 0.25, under 25.00 0.50, under 100.00 1.00, under 250.00 2.50, under 500.00 5.00,
under 1000.00 10.00, under 2500.00 25.00, under 5000.00 50.00, and 100.00 above. The bands are
kept in hundredths of a major unit and scaled to the currency's minor units (ISO 4217 digits),
so a currency of zero decimals gets the same table in whole units, never a fraction.
"""

from __future__ import annotations

from workflows.shared.money import CURRENCIES

#: (band's upper bound, exclusive; increment), both in hundredths of a major unit
BANDS: tuple[tuple[int, int], ...] = (
    (100, 5),
    (500, 25),
    (2_500, 50),
    (10_000, 100),
    (25_000, 250),
    (50_000, 500),
    (100_000, 1_000),
    (250_000, 2_500),
    (500_000, 5_000),
)
#: the increment above the last band, in hundredths of a major unit
TOP_INCREMENT = 10_000


def _scale(currency: str) -> tuple[int, int]:
    """(multiplier, divisor) from hundredths of a major unit to the currency's minor units."""
    digits = CURRENCIES[currency]
    return (10 ** (digits - 2), 1) if digits >= 2 else (1, 10 ** (2 - digits))


def increment(price_minor: int, currency: str) -> int:
    """The increment (minor units) of the band ``price_minor`` falls in; at least one minor unit."""
    multiply, divide = _scale(currency)
    for upper, step in BANDS:
        if price_minor < upper * multiply // divide:
            return max(1, step * multiply // divide)
    return max(1, TOP_INCREMENT * multiply // divide)

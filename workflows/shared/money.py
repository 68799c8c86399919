"""Money as integer minor units with an ISO 4217 currency; Decimal only for rates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from workflows.shared.errors import ContractError, CurrencyMismatch, InvalidAmount, InvalidCurrency

if TYPE_CHECKING:
    from collections.abc import Sequence

#: currencies the platform accepts, with their number of minor-unit digits (ISO 4217)
CURRENCIES: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
    "PLN": 2, "NZD": 2, "SGD": 2, "HKD": 2, "MXN": 2, "JPY": 0,
}  # fmt: skip

ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units (cents) of one currency. Never a float."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:
            raise InvalidAmount(f"money amounts are integers in minor units, got {self.amount_minor!r}")
        if self.currency not in CURRENCIES:
            raise InvalidCurrency(f"unknown or unsupported currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount_minor * quantity, self.currency)

    def percent(self, rate_percent: Decimal, rounding: str = "half_up") -> Money:
        """``rate_percent`` % of this amount, rounded explicitly to a whole minor unit."""
        exact = Decimal(self.amount_minor) * rate_percent / Decimal(100)
        return Money(int(exact.quantize(Decimal(1), rounding=ROUNDING[rounding])), self.currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights`` that always sum exactly to the whole.

        Largest-remainder method: each part gets its floor share, and the minor units left
        over go one each to the parts with the largest remainders (earliest first on ties).
        """
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ContractError("allocation needs non-negative weights that are not all zero")
        total = sum(weights)
        sign = -1 if self.amount_minor < 0 else 1
        whole = abs(self.amount_minor)
        shares = [whole * w // total for w in weights]
        remainders = [whole * w % total for w in weights]
        left = whole - sum(shares)
        for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
            shares[index] += 1
        return [Money(sign * s, self.currency) for s in shares]

    def to_api(self) -> dict[str, int | str]:
        return {"amount": self.amount_minor, "currency": self.currency}

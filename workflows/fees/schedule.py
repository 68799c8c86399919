"""The fee schedule: versioned, stored (PostgreSQL ``fee_schedules``), never hard-coded.

A schedule has, per currency:

* ``category_percent``: the percentage of the order's items *and* shipping charged per category.
  A line's rate is that of the most specific category of its listing's category path (leaf
  first, then each ancestor) that the schedule names, else the ``default`` rate;
* ``fixed_fee_tiers``: a fixed fee per order (per seller) by the order's total (items +
  shipping): the first tier whose ``up_to_minor`` is at least the total applies; the last tier
  has no bound. Fees never fall as the bound rises, so the fee never falls as the order grows;
* ``cap_minor``: optionally, the most a seller pays for one order, all fee parts together.

Stored form (the ``rules`` jsonb column; rates are decimal *strings*, never JSON numbers)::

    {"currencies": {"USD": {
        "category_percent": {"default": "13.25", "by_category": {"<category id>": "9.00"}},
        "fixed_fee_tiers": [{"up_to_minor": 1000, "fee_minor": 30}, {"up_to_minor": null, "fee_minor": 40}],
        "cap_minor": 75000}}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from workflows.catalog.errors import CurrencyNotSupported
from workflows.fees.errors import InvalidFeeSchedule
from workflows.shared.money import CURRENCIES

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FixedFeeTier:
    """``fee_minor`` for an order total up to and including ``up_to_minor`` (None: no bound)."""

    up_to_minor: int | None
    fee_minor: int


@dataclass(frozen=True)
class CurrencyRules:
    default_percent: Decimal
    fixed_fee_tiers: tuple[FixedFeeTier, ...]
    by_category: dict[str, Decimal] = field(default_factory=dict)
    cap_minor: int | None = None

    def __post_init__(self) -> None:
        for rate in (self.default_percent, *self.by_category.values()):
            if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= _HUNDRED:
                raise InvalidFeeSchedule(f"a category rate must be a Decimal from 0 to 100, got {rate!r}")
        tiers = self.fixed_fee_tiers
        if not tiers or tiers[-1].up_to_minor is not None:
            raise InvalidFeeSchedule("fixed fee tiers must end with an unbounded tier (up_to_minor null)")
        if any(t.up_to_minor is None for t in tiers[:-1]):
            raise InvalidFeeSchedule("only the last fixed fee tier may be unbounded")
        bounds = [t.up_to_minor for t in tiers[:-1]]
        if any(type(b) is not int or b < 0 for b in bounds) or bounds != sorted(set(bounds)):  # type: ignore[type-var]
            raise InvalidFeeSchedule(
                "fixed fee tier bounds must be distinct non-negative integers, ascending"
            )
        fees = [t.fee_minor for t in tiers]
        if any(type(f) is not int or f < 0 for f in fees) or fees != sorted(fees):
            raise InvalidFeeSchedule(
                "fixed fees must be non-negative integers that never fall as totals rise"
            )
        if self.cap_minor is not None and (type(self.cap_minor) is not int or self.cap_minor < 0):
            raise InvalidFeeSchedule("the cap must be a non-negative integer of minor units")

    def percent_for(self, category_path: Sequence[str]) -> Decimal:
        """The rate of the most specific category in ``category_path`` (root first), else the default."""
        for category_id in reversed(category_path):
            if category_id in self.by_category:
                return self.by_category[category_id]
        return self.default_percent

    def fixed_fee_minor(self, order_total_minor: int) -> int:
        for tier in self.fixed_fee_tiers:
            if tier.up_to_minor is None or order_total_minor <= tier.up_to_minor:
                return tier.fee_minor
        raise AssertionError("unreachable: the last tier is unbounded")  # pragma: no cover


@dataclass(frozen=True)
class FeeSchedule:
    version: int
    effective_from: datetime
    currencies: dict[str, CurrencyRules]

    def settled_currencies(self) -> frozenset[str]:
        """The currencies a sale can happen in: those the platform settles that this schedule covers."""
        return frozenset(self.currencies) & frozenset(CURRENCIES)

    def rules_for(self, currency: str) -> CurrencyRules:
        rules = self.currencies.get(currency)
        if rules is None:
            raise CurrencyNotSupported(
                f"Fee schedule {self.version} has no fees for {currency}; "
                f"it covers {', '.join(sorted(self.currencies)) or 'no currency'}."
            )
        return rules

    # -- the stored form

    @classmethod
    def from_rules(cls, version: int, effective_from: datetime, rules: dict[str, Any]) -> FeeSchedule:
        try:
            currencies = {
                currency: _currency_rules(currency, spec)
                for currency, spec in dict(rules["currencies"]).items()
            }
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise InvalidFeeSchedule(f"fee schedule {version} is malformed: {exc!r}") from exc
        return cls(version=version, effective_from=effective_from, currencies=currencies)

    def to_rules(self) -> dict[str, Any]:
        return {
            "currencies": {
                currency: {
                    "category_percent": {
                        "default": str(r.default_percent),
                        "by_category": {k: str(v) for k, v in r.by_category.items()},
                    },
                    "fixed_fee_tiers": [
                        {"up_to_minor": t.up_to_minor, "fee_minor": t.fee_minor} for t in r.fixed_fee_tiers
                    ],
                    "cap_minor": r.cap_minor,
                }
                for currency, r in self.currencies.items()
            }
        }


def _rate(value: object) -> Decimal:
    if not isinstance(value, str):
        raise TypeError(f"rates are decimal strings, got {value!r}")
    return Decimal(value)


def _currency_rules(currency: str, spec: dict[str, Any]) -> CurrencyRules:
    if currency not in CURRENCIES:
        raise ValueError(f"unknown currency {currency!r}")
    percent = spec["category_percent"]
    return CurrencyRules(
        default_percent=_rate(percent["default"]),
        by_category={str(k): _rate(v) for k, v in dict(percent.get("by_category", {})).items()},
        fixed_fee_tiers=tuple(
            FixedFeeTier(up_to_minor=t["up_to_minor"], fee_minor=t["fee_minor"])
            for t in spec["fixed_fee_tiers"]
        ),
        cap_minor=spec.get("cap_minor"),
    )

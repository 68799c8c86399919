"""The vocabulary every capability's answers share: one view base, money, and time.

Views are what the API answers (the OpenAPI document is generated from them). They all derive
from :class:`View`, so every answer is built alike: frozen, and closed (a view built from a
mapping with a key it does not declare fails where it is built, and the document says
``additionalProperties: false``, which the contract tests hold the answers to).

Time in a view is a :data:`Timestamp`: a timezone-aware ``datetime`` moved to UTC when the view is
built, so the JSON is RFC 3339 UTC with a ``Z`` (``2025-03-01T12:00:00Z``, microseconds when
there are any), whatever offset the store gave it; a naive ``datetime`` is refused rather than
guessed at.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

if TYPE_CHECKING:
    from workflows.shared.money import Money


def _in_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


Timestamp = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""A moment in a view: timezone-aware, kept in UTC, answered as RFC 3339 with a ``Z``."""


class View(BaseModel):
    """Base of every model the API answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: money as the API answers it: integer minor units and an ISO 4217 currency (no docstring: the
#: document's MoneyView schema has no description, and a docstring would become one)
class MoneyView(View):
    amount: int
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyView:
        return cls(amount=money.amount_minor, currency=money.currency)

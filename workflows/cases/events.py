"""The cases' domain events (source ``resale.cases``), ids derived from the case: a retried
step announces the same event, not a second one. Their JSON Schemas are checked in beside them
(``workflows/cases/schemas/<Event>.json``, held to the models by a unit test)."""

from __future__ import annotations

from typing import ClassVar

from workflows.shared.events import DomainEvent


class CaseOpened(DomainEvent):
    source: ClassVar[str] = "resale.cases"

    case_id: str
    order_id: str
    buyer_id: str
    seller_id: str
    reason: str
    buyer_flagged: bool


class CaseClosed(DomainEvent):
    source: ClassVar[str] = "resale.cases"

    case_id: str
    order_id: str
    buyer_id: str
    seller_id: str
    outcome: str
    #: integer minor units refunded to the buyer (0 when the case closed for the seller)
    refunded: int
    currency: str


#: every event of the cases, by its detail-type (their JSON Schemas: ``workflows/cases/schemas/``)
CASE_EVENTS: dict[str, type[DomainEvent]] = {e.detail_type(): e for e in (CaseOpened, CaseClosed)}

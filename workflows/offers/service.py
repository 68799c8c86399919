"""The offers service: the API's side (make, answer, read) and every step of the offer machine.

Every change of an offer happens in one transaction on its row, locked, checked against the
state it moves from (the party whose turn it is, the round, the deadline), so an answer racing
the deadline or a second answer loses cleanly. The answer then resumes the machine's wait
(``offer:<id>-<round>``; an answer that arrives before the wait parks is kept for it). Holds are
keyed by the offer (``offer:<id>``), so a retried accept holds once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from workflows.catalog.alerts import format_money
from workflows.catalog.errors import ListingNotFound, QuantityNotAvailable
from workflows.catalog.model import ListingFormat, ListingStatus
from workflows.checkout.agreements import AgreedCheckoutEnded, AgreedSale
from workflows.checkout.model import request_hash
from workflows.notifications.model import Notification
from workflows.offers.contracts import Closed, Evaluated, Expired
from workflows.offers.errors import (
    BestOfferNotAvailable,
    CounterOutOfRange,
    NotYourTurn,
    OfferAbovePrice,
    OfferAlreadyOpen,
    OfferClosed,
    OfferCurrencyMismatch,
    OfferItemUnavailable,
    OfferLimitReached,
    OfferNotFound,
    OfferOnOwnListing,
)
from workflows.offers.events import (
    OfferAccepted,
    OfferCountered,
    OfferDeclined,
    OfferExpired,
    OfferLapsed,
    OfferMade,
    OfferPurchased,
)
from workflows.offers.model import (
    MAX_OFFERS_PER_LISTING,
    OPEN,
    TERMINAL,
    OfferMove,
    OfferRecord,
    holder_of,
    purchase_correlation,
)
from workflows.offers.views import OfferPage, OfferView
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError, IdempotencyKeyReused, TransientError
from workflows.shared.ids import derived_id, new_id
from workflows.shared.waits import OutsideEvent, deliver_event

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.catalog.model import Listing
    from workflows.notifications.model import NotificationPublisher
    from workflows.offers.commands import CounterOffer, MakeOffer
    from workflows.offers.events import _OfferEvent
    from workflows.offers.model import Actor, MoveKind, OfferStatus, Role
    from workflows.offers.ports import (
        AgreedCheckouts,
        ExecutionStarter,
        ListingReader,
        OfferStock,
        OfferUnitOfWork,
        UnitOfWorkOpener,
    )
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.money import Money
    from workflows.shared.waits import TaskResponder, WaitingTasks

#: the checkouts' statuses of a checkout still running (it ends on its own at its expiry)
_RUNNING = frozenset({"pending", "awaiting_payment"})


@dataclass(frozen=True)
class OfferDependencies:
    uow: UnitOfWorkOpener
    listings: ListingReader
    stock: OfferStock
    checkouts: AgreedCheckouts
    starter: ExecutionStarter
    waiting: WaitingTasks
    responder: TaskResponder
    notifications: NotificationPublisher
    events: EventPublisher
    clock: Clock
    #: how long the awaited party has to answer, and the buyer to pay an accepted offer
    answer_within: timedelta = timedelta(hours=48)
    pay_within: timedelta = timedelta(hours=48)


class OfferService:
    def __init__(self, deps: OfferDependencies) -> None:
        self._d = deps

    # -- the API ----------------------------------------------------------------------------

    def make(
        self, caller: Caller, listing_id: str, command: MakeOffer, idempotency_key: str | None
    ) -> tuple[OfferView, bool]:
        """A buyer's offer on a listing; (view, created). The same key and body answer the same offer."""
        fingerprint = request_hash({"listing_id": listing_id, **command.model_dump(mode="json")})
        offer_id = derived_id("offer", caller.user_id, idempotency_key) if idempotency_key else new_id()
        existing = self._replay(caller, offer_id, fingerprint)
        if existing is not None:
            return existing, False
        listing = self._listing(listing_id)
        amount = self._check_offer(caller, listing, command)
        now = self._d.clock.now()
        offer = OfferRecord(
            offer_id=offer_id,
            listing_id=listing.id,
            seller_id=listing.seller_id,
            buyer_id=caller.user_id,
            title=listing.title,
            quantity=command.quantity,
            amount=amount,
            offered=amount,
            list_price=listing.effective_price(now),
            status="awaiting_seller",
            round=1,
            request_hash=fingerprint,
            created_at=now,
            updated_at=now,
            message=command.message,
            respond_by=now + self._d.answer_within,
        )
        with self._d.uow() as uow:
            uow.offers.lock_buyer(caller.user_id, listing.id)
            mine = uow.offers.of_buyer_on(caller.user_id, listing.id)
            if any(o.offer_id == offer_id for o in mine):
                created = False
            else:
                if any(o.status in OPEN for o in mine):
                    raise OfferAlreadyOpen(
                        "You have an offer on this listing awaiting an answer; answer or wait for it first."
                    )
                if len(mine) >= MAX_OFFERS_PER_LISTING:
                    raise OfferLimitReached(
                        f"You made {MAX_OFFERS_PER_LISTING} offers on this listing already: the limit.",
                        details={"limit": MAX_OFFERS_PER_LISTING},
                    )
                created = uow.offers.add(offer)
                if created:
                    uow.offers.record(offer_id, OfferMove(1, "buyer", "offer", now, amount))
        if not created:
            again = self._replay(caller, offer_id, fingerprint)
            if again is not None:
                return again, False
        self._d.starter.start(offer_id, {"offer_id": offer_id})
        self._announce(OfferMade, offer)
        self._notify_received(offer)
        return self._view(offer, "buyer"), True

    def _replay(self, caller: Caller, offer_id: str, fingerprint: str) -> OfferView | None:
        with self._d.uow() as uow:
            found = uow.offers.get(offer_id)
        if found is None:
            return None
        if found.buyer_id != caller.user_id or found.request_hash != fingerprint:
            raise IdempotencyKeyReused("This Idempotency-Key was used with another request body.")
        self._d.starter.start(offer_id, {"offer_id": offer_id})  # the first try may have stopped before
        return self._view(found, "buyer")

    def _listing(self, listing_id: str) -> Listing:
        found = self._d.listings.get_many([listing_id])
        if not found:
            raise ListingNotFound(f"There is no listing {listing_id!r}.", details={"listing_id": listing_id})
        return found[0]

    def _check_offer(self, caller: Caller, listing: Listing, command: MakeOffer) -> Money:
        if listing.seller_id == caller.user_id:
            raise OfferOnOwnListing("You cannot make an offer on your own listing.")
        if (
            listing.best_offer is None
            or listing.format != ListingFormat.FIXED_PRICE
            or listing.status != ListingStatus.ACTIVE
        ):
            raise BestOfferNotAvailable("This listing does not take offers.")
        amount = command.amount.money()
        price = listing.effective_price(self._d.clock.now())
        _same_currency(amount, price)
        if amount.amount_minor < 1:
            raise ContractError("An offer is of one minor unit or more.")
        if amount.amount_minor > price.amount_minor:
            raise OfferAbovePrice(
                f"The offer is above the price ({format_money(price.amount_minor, price.currency)}); buy it "
                "at the price instead.",
                details={"price": price.to_api()},
            )
        if command.quantity > listing.quantity:
            raise QuantityNotAvailable(
                f"The listing has {listing.quantity} available; {command.quantity} were asked for.",
                details={"available": listing.quantity, "requested": command.quantity},
            )
        return amount

    def get(self, caller: Caller, offer_id: str) -> OfferView:
        """The offer, for its buyer or its seller; anyone else: not found."""
        with self._d.uow() as uow:
            offer = uow.offers.get(offer_id)
        role = offer.role_of(caller.user_id) if offer else None
        if offer is None or role is None:
            raise OfferNotFound("No such offer.")
        return self._view(offer, role)

    def list_mine(self, caller: Caller, *, role: Role, limit: int, cursor: str | None) -> OfferPage:
        if not 1 <= limit <= 100:
            raise ContractError("limit is between 1 and 100")
        after = decode_cursor(cursor) if cursor else None
        with self._d.uow() as uow:
            found = uow.offers.of_user(caller.user_id, role, limit=limit + 1, after=after)
        page, more = found[:limit], len(found) > limit
        return OfferPage(
            items=[self._view(o, role) for o in page],
            next_cursor=encode_cursor(page[-1].created_at, page[-1].offer_id) if more and page else None,
        )

    def _view(self, offer: OfferRecord, role: Role) -> OfferView:
        with self._d.uow() as uow:
            moves = uow.offers.moves(offer.offer_id)
        checkout = self._d.checkouts.latest("offer", offer.offer_id) if offer.pay_by else None
        return OfferView.of(offer, role, moves, checkout)

    def accept(self, caller: Caller, offer_id: str) -> OfferView:
        """The awaited party accepts the amount on the table: the units are held for the buyer."""
        offer, role = self._turn(caller, offer_id, repeat="accepted")
        if offer.status == "accepted":
            return self._view(offer, role)
        accepted = self._accept(offer, role)
        return self._view(accepted, role)

    def decline(self, caller: Caller, offer_id: str) -> OfferView:
        offer, role = self._turn(caller, offer_id, repeat="declined")
        if offer.status == "declined":
            return self._view(offer, role)
        declined = self._decline(offer, role)
        return self._view(declined, role)

    def counter(self, caller: Caller, offer_id: str, command: CounterOffer) -> OfferView:
        """The awaited party proposes another amount: the other party's turn, a new 48 hours."""
        offer, role = self._turn(caller, offer_id, repeat=None)
        amount = command.amount.money()
        _same_currency(amount, offer.amount)
        listing = self._listing(offer.listing_id)
        price = listing.effective_price(self._d.clock.now())
        if role == "seller":
            low, high = offer.amount.amount_minor + 1, min(price.amount_minor, offer.list_price.amount_minor)
        else:
            low, high = 1, offer.amount.amount_minor - 1
        if not low <= amount.amount_minor <= high:
            who = (
                "above the amount offered and at most the price" if role == "seller" else "under the counter"
            )
            raise CounterOutOfRange(
                f"A {role}'s counter is {who}: between {low} and {high} minor units.",
                details={
                    "min": {"amount": low, "currency": amount.currency},
                    "max": {"amount": high, "currency": amount.currency},
                },
            )
        now = self._d.clock.now()
        countered = self._move(
            offer,
            role,
            "counter",
            amount=amount,
            status="awaiting_buyer" if role == "seller" else "awaiting_seller",
            next_round=True,
            respond_by=now + self._d.answer_within,
        )
        self._resume(offer, "countered")
        self._announce(OfferCountered, countered, by=role)
        if role == "seller":
            self._notify_countered(countered)
        else:
            self._notify_received(countered)
        return self._view(countered, role)

    def _turn(self, caller: Caller, offer_id: str, *, repeat: OfferStatus | None) -> tuple[OfferRecord, Role]:
        """The offer and the caller's role, when it is the caller's turn to answer (or the caller
        repeats the answer that closed it: ``repeat``)."""
        with self._d.uow() as uow:
            offer = uow.offers.get(offer_id)
        role = offer.role_of(caller.user_id) if offer else None
        if offer is None or role is None:
            raise OfferNotFound("No such offer.")
        if repeat is not None and offer.status == repeat:
            return offer, role
        if offer.status not in OPEN:
            raise OfferClosed(f"The offer is {offer.status.replace('_', ' ')}; it can no longer be answered.")
        if offer.awaiting != role:
            raise NotYourTurn(f"The offer awaits the {offer.awaiting}'s answer, not yours.")
        if offer.respond_by is not None and self._d.clock.now() >= offer.respond_by:
            raise OfferClosed("The time to answer this offer has passed.")
        return offer, role

    def _accept(self, offer: OfferRecord, actor: Actor) -> OfferRecord:
        """Hold the units, then accept (the hold released again if the offer moved meanwhile)."""
        holder = holder_of(offer.offer_id)
        outcome = self._d.stock.hold(offer.listing_id, holder, offer.quantity)
        if outcome not in ("held", "already_held"):
            raise OfferItemUnavailable(
                "The listing no longer has the units this offer is for; it cannot be accepted.",
                details={"listing_id": offer.listing_id, "reason": outcome},
            )
        now = self._d.clock.now()
        try:
            accepted = self._move(
                offer,
                actor,
                "accept",
                amount=offer.amount,
                status="accepted",
                pay_by=now + self._d.pay_within,
            )
        except OfferClosed:
            if outcome == "held":
                self._release(offer)
            raise
        if actor != "system":  # the machine evaluating it is not waiting yet
            self._resume(offer, "accepted")
        self._announce(
            OfferAccepted, accepted, by=actor, pay_by=str(accepted.pay_by and accepted.pay_by.isoformat())
        )
        self._notify_accepted(accepted, actor)
        return accepted

    def _decline(self, offer: OfferRecord, actor: Actor) -> OfferRecord:
        declined = self._move(offer, actor, "decline", status="declined")
        if actor != "system":
            self._resume(offer, "declined")
        self._announce(OfferDeclined, declined, by=actor)
        self._notify_ended(declined, "declined", to=("buyer",) if actor != "buyer" else ("seller",))
        return declined

    def _move(
        self,
        offer: OfferRecord,
        actor: Actor,
        kind: MoveKind,
        *,
        status: OfferStatus,
        amount: Money | None = None,
        next_round: bool = False,
        respond_by: datetime | None = None,
        pay_by: datetime | None = None,
    ) -> OfferRecord:
        """One move in one transaction, from the state ``offer`` was read in (else OfferClosed)."""
        now = self._d.clock.now()
        with self._d.uow() as uow:
            current = uow.offers.get(offer.offer_id, for_update=True)
            if current is None or current.status != offer.status or current.round != offer.round:
                raise OfferClosed("The offer changed meanwhile; look at it again.")
            moved = replace(
                current,
                status=status,
                amount=amount if amount is not None else current.amount,
                round=current.round + 1 if next_round else current.round,
                respond_by=respond_by,
                pay_by=pay_by if pay_by is not None else current.pay_by,
                updated_at=now,
            )
            uow.offers.save(moved)
            uow.offers.record(offer.offer_id, OfferMove(moved.round, actor, kind, now, amount))
        return moved

    def _resume(self, offer: OfferRecord, what: str) -> None:
        """Resume the machine's wait for this round's answer (or keep the answer for the wait)."""
        now = self._d.clock.now()
        event = OutsideEvent(
            event_id=derived_id("offer-answer", offer.correlation_id),
            event_type=f"offer.{what}",
            correlation_id=offer.correlation_id,
            occurred_at=int(now.timestamp()),
        )
        deliver_event(self._d.waiting, self._d.responder, event, now=int(now.timestamp()))

    def _release(self, offer: OfferRecord) -> bool:
        if self._d.stock.release(offer.listing_id, holder_of(offer.offer_id)):
            self._d.stock.refresh_status(offer.listing_id, self._d.clock.now())
            return True
        return False

    # -- the steps ---------------------------------------------------------------------------

    def _offer(self, uow: OfferUnitOfWork, offer_id: str) -> OfferRecord:
        found = uow.offers.get(offer_id)
        if found is None:
            raise OfferNotFound(f"no offer {offer_id}")
        return found

    def evaluate(self, offer_id: str) -> Evaluated:
        """State "Evaluate Offer": the seller's thresholds on a buyer's amount, then what to wait for."""
        with self._d.uow() as uow:
            offer = self._offer(uow, offer_id)
        if offer.status == "awaiting_seller":
            offer = self._thresholds(offer)
        now = self._d.clock.now()
        if offer.status in OPEN and offer.respond_by is not None:
            return Evaluated(
                stage="awaiting_answer",
                status=offer.status,
                round=offer.round,
                correlation_id=offer.correlation_id,
                wait_seconds=_seconds_until(offer.respond_by, now),
            )
        if offer.status == "accepted" and offer.pay_by is not None:
            return Evaluated(
                stage="accepted",
                status=offer.status,
                round=offer.round,
                correlation_id=purchase_correlation(offer.offer_id),
                wait_seconds=_seconds_until(offer.pay_by, now),
            )
        return Evaluated(stage="ended", status=offer.status, round=offer.round)

    def _thresholds(self, offer: OfferRecord) -> OfferRecord:
        """Accept at once at or above ``auto_accept_at``, decline at once below ``auto_decline_below``
        (the seller's secret thresholds); else the seller decides."""
        found = self._d.listings.get_many([offer.listing_id])
        terms = found[0].best_offer if found else None
        if terms is None:
            return offer
        amount = offer.amount
        below = terms.auto_decline_below
        at = terms.auto_accept_at
        try:
            if (
                below is not None
                and below.currency == amount.currency
                and amount.amount_minor < below.amount_minor
            ):
                return self._decline(offer, "system")
            if at is not None and at.currency == amount.currency and amount.amount_minor >= at.amount_minor:
                return self._accept(offer, "system")
        except OfferItemUnavailable:
            return offer  # nothing to hold: the seller decides (or the offer expires)
        except OfferClosed:  # answered meanwhile: read it again
            with self._d.uow() as uow:
                return self._offer(uow, offer.offer_id)
        return offer

    def expire(self, offer_id: str, round_: int) -> Expired:
        """State "Expire Offer": the round's deadline passed unanswered (an answer meanwhile wins)."""
        with self._d.uow() as uow:
            offer = self._offer(uow, offer_id)
        if offer.status not in OPEN or offer.round != round_:
            return Expired(expired=False, status=offer.status)
        try:
            expired = self._move(offer, "system", "expire", status="expired")
        except OfferClosed:
            with self._d.uow() as uow:
                return Expired(expired=False, status=self._offer(uow, offer_id).status)
        self._announce(OfferExpired, expired)
        self._notify_ended(expired, "expired", to=("buyer", "seller"))
        return Expired(expired=True, status="expired")

    def close(self, offer_id: str) -> Closed:
        """State "Close Offer", at the deadline to pay: purchased (its checkout was paid) or lapsed
        (the hold released). A checkout still running is ending at that same deadline: retried."""
        with self._d.uow() as uow:
            offer = self._offer(uow, offer_id)
        if offer.status != "accepted":
            return Closed(status=offer.status)
        latest = self._d.checkouts.latest("offer", offer_id)
        if latest is not None and latest[1] in _RUNNING:
            raise TransientError(f"the checkout {latest[0]} of offer {offer_id} is still running")
        if latest is not None and latest[1] == "paid":
            purchased = self._move(offer, "system", "purchase", status="purchased")
            self._announce(OfferPurchased, purchased, checkout_id=latest[0])
            return Closed(status="purchased")
        self._release(offer)
        lapsed = self._move(offer, "system", "lapse", status="lapsed")
        self._announce(OfferLapsed, lapsed)
        self._notify_ended(lapsed, "lapsed", to=("buyer", "seller"))
        return Closed(status="lapsed")

    def on_checkout_ended(self, ended: AgreedCheckoutEnded) -> bool:
        """An offer's checkout was paid: resume Wait For Purchase now, so Close Offer marks it
        purchased (True), instead of at the deadline to pay. Anything else waits for the deadline."""
        if ended.kind != "offer" or ended.outcome != "paid":
            return False
        now = self._d.clock.now()
        event = OutsideEvent(
            event_id=ended.event_id,
            event_type="offer.purchased",
            correlation_id=purchase_correlation(ended.source_id),
            occurred_at=int(ended.occurred_at.timestamp()),
        )
        return deliver_event(self._d.waiting, self._d.responder, event, now=int(now.timestamp())) == "resumed"

    def release(self, offer_id: str) -> Closed:
        """State "Release Offer", the compensation: a step failed for good, so the offer ends
        ``failed`` and its units (if it held them, and no checkout took them over) go back on sale."""
        with self._d.uow() as uow:
            offer = self._offer(uow, offer_id)
        if offer.status in TERMINAL:
            return Closed(status=offer.status)
        self._release(offer)
        failed = self._move(offer, "system", "fail", status="failed")
        self._notify_ended(failed, "failed", to=("buyer",))
        return Closed(status="failed")

    # -- announcements -------------------------------------------------------------------------

    def _announce(self, kind: type[_OfferEvent], offer: OfferRecord, **extra: Any) -> None:
        self._d.events.publish(
            kind(
                event_id=derived_id(kind.__name__, offer.offer_id, str(offer.round)),
                occurred_at=self._d.clock.now(),
                offer_id=offer.offer_id,
                listing_id=offer.listing_id,
                buyer_id=offer.buyer_id,
                seller_id=offer.seller_id,
                round=offer.round,
                quantity=offer.quantity,
                amount=offer.amount.amount_minor,
                currency=offer.amount.currency,
                **extra,
            )
        )

    def _tell(self, offer: OfferRecord, kind: str, user_id: str, **data: str) -> None:
        self._d.notifications.publish(
            Notification(
                notification_id=derived_id(kind, offer.offer_id, str(offer.round), user_id),
                type=kind,
                category="orders",
                channels=("email",),
                user_id=user_id,
                data={
                    "offer_id": offer.offer_id,
                    "title": offer.title,
                    "quantity": str(offer.quantity),
                    "amount": format_money(offer.amount.amount_minor, offer.amount.currency),
                    **data,
                },
                reference=f"offer:{offer.offer_id}",
            )
        )

    def _notify_received(self, offer: OfferRecord) -> None:
        self._tell(offer, "offers.offer_received", offer.seller_id, respond_by=_moment(offer.respond_by))

    def _notify_countered(self, offer: OfferRecord) -> None:
        self._tell(offer, "offers.offer_countered", offer.buyer_id, respond_by=_moment(offer.respond_by))

    def _notify_accepted(self, offer: OfferRecord, actor: Actor) -> None:
        self._tell(offer, "offers.offer_accepted", offer.buyer_id, pay_by=_moment(offer.pay_by))
        if actor != "seller":
            self._tell(offer, "offers.offer_accepted", offer.seller_id, pay_by=_moment(offer.pay_by))

    def _notify_ended(self, offer: OfferRecord, how: str, *, to: tuple[Role, ...]) -> None:
        sentence = {
            "declined": "was declined",
            "expired": "expired: it was not answered in time",
            "lapsed": "lapsed: it was not paid for in time, and the item is back on sale",
            "failed": "could not go on because of a problem on our side; please make it again",
        }[how]
        for role in to:
            self._tell(
                offer,
                "offers.offer_ended",
                offer.buyer_id if role == "buyer" else offer.seller_id,
                outcome=sentence,
            )


@dataclass(frozen=True)
class OfferAgreements:
    """Implements ``workflows.checkout.agreements.AgreementSource`` for offers (``POST /checkout``
    {offer_id}): needs only the offers' rows and the clock."""

    uow: UnitOfWorkOpener
    clock: Clock

    def agreed_sale(self, source_id: str, buyer_id: str) -> AgreedSale | None:
        """The accepted offer of this buyer, while its deadline to pay has not passed."""
        with self.uow() as uow:
            offer = uow.offers.get(source_id)
        if offer is None or offer.buyer_id != buyer_id or offer.status != "accepted" or offer.pay_by is None:
            return None
        if self.clock.now() >= offer.pay_by:
            return None
        return AgreedSale(
            kind="offer",
            source_id=offer.offer_id,
            buyer_id=offer.buyer_id,
            seller_id=offer.seller_id,
            listing_id=offer.listing_id,
            title=offer.title,
            quantity=offer.quantity,
            unit_price=offer.amount,
            holder=holder_of(offer.offer_id),
            pay_by=offer.pay_by,
        )


def _same_currency(amount: Money, price: Money) -> None:
    if amount.currency != price.currency:
        raise OfferCurrencyMismatch(
            f"The listing is priced in {price.currency}; make the offer in it.",
            details={"currency": price.currency},
        )


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _moment(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""

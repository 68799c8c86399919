"""Checkout's errors: the class name is the error name the state machine matches.

A checkout also refuses with errors it shares with other capabilities: an address that is not
the buyer's is :class:`workflows.accounts.errors.AddressNotFound`, units another buyer held first
are :class:`workflows.catalog.errors.QuantityNotAvailable`, a reused Idempotency-Key is
:class:`workflows.shared.errors.IdempotencyKeyReused`.
"""

from __future__ import annotations

from workflows.catalog.errors import QuantityNotAvailable
from workflows.shared.errors import Conflict, ContractError, DomainError, NotFound, ResaleError


class CheckoutNotFound(NotFound):
    code = "CHECKOUT_NOT_FOUND"


class CartEmpty(Conflict):
    code = "CART_EMPTY"


class CartUnavailable(Conflict):
    """A cart line that cannot be bought (ended, sold out, own listing, quantity): details say which."""

    code = "CART_NOT_PURCHASABLE"


class CartMixedCurrencies(Conflict):
    """The cart holds items priced in more than one currency: one checkout is paid in one currency.
    ``details.currencies`` has each currency with its listings; check out one currency at a time."""

    code = "CART_MIXED_CURRENCIES"


class PriceChanged(Conflict):
    """A price differs from the one the buyer agreed to: in the cart (``details.changes`` carry the
    new prices to show the buyer), or in the fee quote, when a price moved while the checkout was
    prepared (``details.seller_id`` names the seller whose lines it priced otherwise)."""

    code = "PRICE_CHANGED"


class ShippingOptionNotFound(ContractError):
    code = "SHIPPING_OPTION_NOT_FOUND"


class CheckoutNotCancellable(Conflict):
    code = "CHECKOUT_NOT_CANCELLABLE"


class PaymentAlreadySucceeded(DomainError):
    """The PaymentIntent succeeded after all (a race with expiry or a cancel): the sale goes on."""

    code = "PAYMENT_ALREADY_SUCCEEDED"


class PaymentNotSucceeded(DomainError):
    """Stripe does not confirm the payment the event announced."""

    code = "PAYMENT_NOT_SUCCEEDED"


class PaymentRejected(DomainError):
    """Stripe refused to create the PaymentIntent (amount, currency, customer)."""

    code = "PAYMENT_REJECTED"


# -- how a checkout that is not paid ends: the code of its ``error`` (``GET /checkouts/{id}``)


class PaymentFailed(DomainError):
    """The card was declined; ``details.decline_code`` says why, when Stripe does."""

    code = "PAYMENT_FAILED"


class CheckoutExpired(DomainError):
    """The payment did not arrive before the checkout's expiry: the items were released."""

    code = "CHECKOUT_EXPIRED"


class CheckoutCancelled(DomainError):
    """The buyer cancelled the checkout before paying."""

    code = "CHECKOUT_CANCELLED"


class CheckoutFailed(ResaleError):
    """The platform failed the checkout (not the buyer, not a refusal): nothing was charged;
    ``details.cause``, when known, is the failed step's own code."""

    code = "CHECKOUT_FAILED"


class PaymentNotRecorded(ResaleError):
    """The payment succeeded but could not be recorded, so it was refunded in full."""

    code = "PAYMENT_NOT_RECORDED"


# -- a checkout at an agreed price (workflows/checkout/agreements.py)


class AgreementNotFound(NotFound):
    """No accepted offer (or won auction) of the caller by that id stands now: unknown, someone
    else's, not accepted, or lapsed."""

    code = "AGREEMENT_NOT_FOUND"


class AgreementLapsed(Conflict):
    """The agreement no longer holds the units (its deadline passed, or its hold was released):
    the item can no longer be bought at the agreed price."""

    code = "AGREEMENT_LAPSED"


#: error names a failed step or nested execution may report, mapped back to the API's codes
CHECKOUT_ERROR_CODES: dict[str, str] = {
    cls.__name__: cls.code
    for cls in (
        CartEmpty,
        CartUnavailable,
        CartMixedCurrencies,
        PriceChanged,
        QuantityNotAvailable,
        ShippingOptionNotFound,
        PaymentRejected,
        PaymentNotSucceeded,
        AgreementLapsed,
    )
}

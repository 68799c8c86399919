"""Checkout's errors: the class name is the error name the state machine matches."""

from __future__ import annotations

from workflows.shared.errors import Conflict, ContractError, DomainError, NotFound


class CheckoutNotFound(NotFound):
    code = "CHECKOUT_NOT_FOUND"


class AddressNotFound(NotFound):
    code = "ADDRESS_NOT_FOUND"


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
    """A price differs from the one in the cart: details carry the new prices to show the buyer."""

    code = "PRICE_CHANGED"


class ItemsNotAvailable(Conflict):
    """The items could not all be held: someone else bought the last units first."""

    code = "ITEMS_NOT_AVAILABLE"


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


class QuoteMismatch(Conflict):
    """The fee quote does not price the cart as it was validated (a price moved in between)."""

    code = "PRICE_CHANGED"


#: error names a failed step or nested execution may report, mapped back to the API's codes
CHECKOUT_ERROR_CODES: dict[str, str] = {
    cls.__name__: cls.code
    for cls in (
        CartEmpty,
        CartUnavailable,
        CartMixedCurrencies,
        PriceChanged,
        ItemsNotAvailable,
        ShippingOptionNotFound,
        PaymentRejected,
        PaymentNotSucceeded,
        QuoteMismatch,
    )
}

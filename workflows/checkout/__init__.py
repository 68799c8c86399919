"""Checkout: a buyer's cart becomes one paid order per seller (the ``checkout`` state machine).

``POST /checkout`` validates the request and the cart, records the checkout (``pending``) and
starts the Standard execution named by the checkout id. Its states, each served by one function
of :class:`workflows.checkout.service.CheckoutService`:

1. Validate Cart: the cart as snapshotted at the start, against the catalog now (prices, stock).
2. Reserve Items: a conditional write per listing; the last unit can be held by one checkout only.
3. Calculate Fees: the fee_calculation Express machine, nested and synchronous.
4. Create Orders: one order per seller, priced by the quote (which must match the cart).
5. Request Payment: one PaymentIntent for the whole checkout (separate charges and transfers:
   ``transfer_group`` = the checkout id; the fee stays in the platform's balance until payout).
6. Wait For Payment: a task token parked under ``payment_intent:<id>``, resumed by the Stripe
   event through EventBridge, or timed out at the checkout's expiry.
7. Mark Paid: the PaymentIntent is checked with Stripe; orders paid and the ledger entries posted
   in one PostgreSQL transaction.
8. Complete Sale: holds settled (sold out ends the listing), cart lines removed, buyer and sellers
   notified, ``OrderPaid`` announced (payout listens to it).

Compensation (``abandon``): cancel the PaymentIntent (or find it paid after all: Mark Late
Payment, whose failure is refunded), release the holds, close the orders and the checkout with the
outcome (a refusal ``cancelled`` with its code, the platform's failure ``failed``), tell the buyer;
each part idempotent. The steps' inputs and outputs are :mod:`workflows.checkout.contracts`.
"""

"""The double-entry ledger: what the platform owes and holds, one balanced journal entry per movement.

Sign convention: a posting's ``amount`` is signed minor units, a DEBIT positive and a CREDIT
negative; the postings of every entry sum to zero in each currency (PostgreSQL refuses to commit
one that does not: migration ``0040``). Entries are append-only; a correction is a new entry.
Every entry id is ``derived_id("ledger", kind, <business key>)``, so posting again after a retry
is a no-op, and an entry whose id exists with other postings is refused (:class:`EntryConflict`).

Chart of accounts (``account_code``: kind; what its balance means)

- ``stripe_balance``: asset; money in the platform's Stripe balance (debit = more money).
- ``platform_bank``: asset; the platform's bank account, fed by payouts of the Stripe balance.
- ``buyer_funds_in_transit``: liability; buyers' payments captured but not yet split into the
  seller's net and the platform's fee (credit balance = held for buyers).
- ``seller_payable:<seller_id>``: liability, one per seller; net earnings owed to the seller
  and not yet transferred to their connected account. Never negative after a business step.
- ``refunds``: liability; refunds granted to buyers that Stripe has not paid out yet.
- ``platform_fee_revenue``: revenue; the platform's fees (a fee reversal debits it).
- ``stripe_fees``: expense; Stripe's processing fees on the platform's balance (and its dispute fees).
- ``disputed_funds``: asset; money Stripe took out of the balance for an open dispute (chargeback).
- ``seller_receivable:<seller_id>``: asset, one per seller; what the seller owes the platform: the
  net part of a refund (or a lost dispute) their connected account could not give back. Never
  negative: later payouts repay it, never more than it is.

Entries (one per business movement; ``G`` gross = items + shipping, ``F`` fee, ``N`` net)

- payment captured, one entry per order of a checkout (``kind="payment"``, key order id):
  Dr stripe_balance G / Cr buyer_funds_in_transit G.
- sale recognized, the fee (``kind="fee"``, key order id):
  Dr buyer_funds_in_transit G / Cr platform_fee_revenue F / Cr seller_payable:<seller> N.
  Checkout posts both when it marks the order paid, in the transaction that does so.
- refund of ``A`` granted (``kind="refund"``, key refund id), full or partial, cancellation
  before shipment included (a full refund): the fee is reversed in proportion. The cumulative
  refunded amount ``R`` is split by the order's weights (N, F) with :meth:`Money.allocate`
  (largest remainder, which for two parts is rounding half up, so it is monotonic in ``R``);
  this refund takes the difference from the split of what was refunded before. A full refund
  therefore reverses exactly N and F:
  Dr seller_payable:<seller> n / Dr platform_fee_revenue f / Cr refunds A   (n + f = A).
  If the seller's payable cannot cover ``n`` (the net was transferred already), the caller
  posts a transfer reversal first, in the same transaction.
- refund paid by Stripe (``kind="refund_paid"``, key refund id): Dr refunds A / Cr stripe_balance A.
  Posted when Stripe says the refund ``succeeded``: at once when it answers so, else when the
  refund's later events (``refund.updated``) find it succeeded; never after it failed.
- refund failed at Stripe (``kind="refund_failed"``, key refund id): the granted refund's entry
  reversed, each posting negated: Cr seller_payable:<seller> n / Cr platform_fee_revenue f /
  Dr refunds A. The books then say the buyer was not refunded (the net and fee are back where
  the payment put them); an admin is told and decides (refund again, or release the payout).
- a paid refund that failed afterwards (``kind="refund_returned"``, key refund id): the money
  came back to the Stripe balance: Dr stripe_balance A / Cr refunds A (with ``refund_failed``).
- transfer to the seller's connected account (``kind="transfer"``, key transfer id):
  Dr seller_payable:<seller> T / Cr stripe_balance T.
- transfer reversal (``kind="reversal"``, key reversal id):
  Dr stripe_balance T / Cr seller_payable:<seller> T.
- payout of the platform's Stripe balance to its bank (``kind="payout"``, key payout id):
  Dr platform_bank P / Cr stripe_balance P.
- Stripe processing fee (``kind="stripe_fee"``, key balance transaction id):
  Dr stripe_fees S / Cr stripe_balance S.
- seller debt (``kind="seller_debt"``, key ``case:<case_id>`` or ``dispute:<dispute>:<order>``): the
  reversal Stripe refused (the seller spent the payout), posted before the refund's entry so that
  the payable can cover the refund's net part:
  Dr seller_receivable:<seller> D / Cr seller_payable:<seller> D.
- debt recovered from a later order's payout, before its transfer (``kind="debt_recovered"``, key
  that order's id): Dr seller_payable:<seller> R / Cr seller_receivable:<seller> R; the transfer
  sends the net less R.
- dispute funds withdrawn (``kind="dispute_withdrawn"``, key ``<dispute>:<order>``, the order's
  share): Dr disputed_funds A / Cr stripe_balance A; Stripe's dispute fee (``kind="dispute_fee"``):
  Dr stripe_fees F / Cr stripe_balance F; won (``kind="dispute_reinstated"``):
  Dr stripe_balance A / Cr disputed_funds A; lost (``kind="dispute_lost"``): the sale undone as a
  refund of A is (net and fee in proportion): Dr seller_payable:<seller> n / Dr platform_fee_revenue f
  / Cr disputed_funds A (a seller paid already gives n back first: a reversal, or a seller debt).

Per order, always: charged = seller nets + fees + refunds + chargebacks (+ what is still in
transit), and 0 <= transferred - reversed - debts + recovered <= seller nets
(:func:`order_is_settled_correctly`).
"""

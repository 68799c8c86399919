"""Best Offer: a buyer offers less than a fixed price; buyer and seller agree or not (``offer``).

``POST /listings/{id}/offers`` records the offer (PostgreSQL) and starts the Standard execution
named by its id. The machine drives, the rows are the truth: Evaluate Offer applies the seller's
thresholds (accept at once at or above ``auto_accept_at``, decline at once below
``auto_decline_below``) and says who is awaited and until when; Wait For Answer parks a task
token under ``offer:<id>-<round>``, resumed by the answer (``POST /offers/{id}/accept|decline|
counter``) or timed out at the 48-hour deadline (Expire Offer). A counter starts a new round
awaiting the other party. An accepted offer holds its units on the listing (holder
``offer:<id>``) and the buyer may check out at the agreed price until ``pay_by`` (48 hours):
``POST /checkout`` {address_id, offer_id} (:mod:`workflows.checkout.agreements`); at ``pay_by``
Close Offer ends it ``purchased`` (the agreement's checkout was paid) or ``lapsed`` (the hold
released). The steps' inputs and outputs are :mod:`workflows.offers.contracts`.
"""

-- Best Offer: a buyer's offer on a fixed-price listing and its negotiation (the offer state
-- machine acts on these rows; statemachines/offer.json). Amounts are per unit, in the listing's
-- currency. An accepted offer holds its units on the listing (MongoDB, holder 'offer:<id>') and
-- is checked out at its amount (checkouts.agreement_kind = 'offer', migration 0115).
-- depends: 0115.checkout-agreements

CREATE TABLE offers (
    offer_id      text PRIMARY KEY CHECK (offer_id <> ''),   -- derived_id(buyer, Idempotency-Key)
    listing_id    text NOT NULL CHECK (listing_id <> ''),
    seller_id     text NOT NULL CHECK (seller_id <> ''),
    buyer_id      text NOT NULL CHECK (buyer_id <> ''),
    title         text NOT NULL,
    quantity      integer NOT NULL CHECK (quantity >= 1),
    currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount        bigint NOT NULL CHECK (amount > 0),         -- on the table now (agreed, once accepted)
    offered       bigint NOT NULL CHECK (offered > 0),        -- the buyer's first amount
    list_price    bigint NOT NULL CHECK (list_price > 0),
    status        text NOT NULL
                  CHECK (status IN ('awaiting_seller', 'awaiting_buyer', 'accepted', 'declined', 'expired',
                                    'purchased', 'lapsed', 'failed')),
    round         integer NOT NULL DEFAULT 1 CHECK (round >= 1),
    message       text,
    respond_by    timestamptz,                                 -- while open
    pay_by        timestamptz,                                 -- once accepted
    request_hash  text NOT NULL CHECK (request_hash <> ''),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT offers_open_has_deadline CHECK (
        status NOT IN ('awaiting_seller', 'awaiting_buyer') OR respond_by IS NOT NULL
    ),
    CONSTRAINT offers_accepted_has_deadline CHECK (status <> 'accepted' OR pay_by IS NOT NULL)
);

CREATE INDEX offers_buyer_newest_idx ON offers (buyer_id, created_at DESC, offer_id DESC);
CREATE INDEX offers_seller_newest_idx ON offers (seller_id, created_at DESC, offer_id DESC);
CREATE INDEX offers_buyer_listing_idx ON offers (buyer_id, listing_id);

-- Each move of a negotiation, once: the buyer's offer, counters, the answer, the deadline's word.
CREATE TABLE offer_moves (
    offer_id  text NOT NULL REFERENCES offers (offer_id),
    round     integer NOT NULL CHECK (round >= 1),
    actor     text NOT NULL CHECK (actor IN ('buyer', 'seller', 'system')),
    kind      text NOT NULL
              CHECK (kind IN ('offer', 'counter', 'accept', 'decline', 'expire', 'purchase', 'lapse', 'fail')),
    amount    bigint CHECK (amount > 0),
    at        timestamptz NOT NULL,
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (offer_id, round, kind)
);

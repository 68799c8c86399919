-- Checkouts (one per POST /checkout; the checkout state machine's execution has its id) and the
-- story of each checkout and its orders (GET /orders/{id}/timeline).
-- depends: 0040.ledger-orders

CREATE TABLE checkouts (
    checkout_id       text PRIMARY KEY CHECK (checkout_id <> ''),  -- derived_id(buyer, Idempotency-Key)
    buyer_id          text NOT NULL REFERENCES users (user_id),
    status            text NOT NULL DEFAULT 'PENDING'
                      CHECK (status IN ('PENDING', 'AWAITING_PAYMENT', 'PAID', 'PAYMENT_FAILED',
                                        'EXPIRED', 'CANCELLED')),
    request_hash      text NOT NULL CHECK (request_hash <> ''),    -- the same key with another body: 422
    address_id        uuid NOT NULL,
    ship_to           jsonb NOT NULL,                               -- the address as it was at checkout
    shipping_choices  jsonb NOT NULL DEFAULT '[]'::jsonb,           -- [{listing_id, service}]
    lines             jsonb NOT NULL,                               -- the cart as validated at the start
    currency          char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    amount_total      bigint CHECK (amount_total >= 0),
    payment_intent_id text UNIQUE CHECK (payment_intent_id LIKE 'pi\_%'),
    client_secret     text,                                         -- cleared once the checkout ends
    charge_id         text CHECK (charge_id LIKE 'ch\_%'),
    expires_at        timestamptz NOT NULL,
    error_code        text,
    error_message     text,
    error_details     jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checkouts_amount_has_currency CHECK ((amount_total IS NULL) = (currency IS NULL))
);

CREATE INDEX checkouts_buyer_newest_idx ON checkouts (buyer_id, created_at DESC);

CREATE TRIGGER checkouts_set_updated_at BEFORE UPDATE ON checkouts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE orders ADD COLUMN ship_to jsonb;
ALTER TABLE orders ADD COLUMN charge_id text CHECK (charge_id LIKE 'ch\_%');
ALTER TABLE orders ADD COLUMN paid_at timestamptz;

-- What happened, when: workflow steps, payment events, notifications. A step that is retried
-- records its milestone once (the key), so the story never repeats itself.
CREATE TABLE checkout_events (
    event_key   text PRIMARY KEY CHECK (event_key <> ''),       -- derived_id of the milestone
    checkout_id text NOT NULL CHECK (checkout_id <> ''),
    order_id    text REFERENCES orders (order_id),              -- NULL: about every order of the checkout
    kind        text NOT NULL CHECK (kind IN ('workflow', 'payment', 'notification', 'fulfilment', 'payout')),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);

CREATE INDEX checkout_events_checkout_idx ON checkout_events (checkout_id, occurred_at, seq);

-- What a notification is about (``order:<id>``), so an order's timeline can show its deliveries.
ALTER TABLE notification_deliveries ADD COLUMN reference text;
CREATE INDEX notification_deliveries_reference_idx ON notification_deliveries (reference, created_at)
    WHERE reference IS NOT NULL;

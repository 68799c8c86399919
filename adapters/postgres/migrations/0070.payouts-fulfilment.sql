-- Fulfilment (shipments, cancellations, disputes) and payouts to sellers, with the Stripe ids of
-- the transfers and reversals the ledger records.
-- depends: 0040.ledger-orders
--
-- Money as in 0040: bigint minor units + char(3). The ledger (journal_entries) stays the record of
-- every movement; these tables hold the state the workflows act on and the Stripe ids that tie
-- each ledger entry to Stripe's object (what reconciliation compares).

CREATE TABLE shipments (
    order_id        text PRIMARY KEY REFERENCES orders (order_id),
    carrier         text NOT NULL CHECK (btrim(carrier) <> ''),
    tracking_number text NOT NULL CHECK (btrim(tracking_number) <> ''),
    shipped_at      timestamptz NOT NULL,
    auto_confirm_at timestamptz NOT NULL,                 -- delivery is confirmed for the buyer then
    delivered_at    timestamptz,
    delivered_by    text CHECK (delivered_by IN ('buyer', 'auto')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipments_delivery_is_complete CHECK ((delivered_at IS NULL) = (delivered_by IS NULL)),
    CONSTRAINT shipments_auto_confirm_after_shipment CHECK (auto_confirm_at > shipped_at)
);

CREATE INDEX shipments_auto_confirm_idx ON shipments (auto_confirm_at) WHERE delivered_at IS NULL;

CREATE TRIGGER shipments_set_updated_at BEFORE UPDATE ON shipments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE order_cancellations (
    order_id     text PRIMARY KEY REFERENCES orders (order_id),
    cancelled_by text NOT NULL REFERENCES users (user_id),
    role         text NOT NULL CHECK (role IN ('buyer', 'seller')),
    reason       text,
    refund_id    text NOT NULL UNIQUE CHECK (refund_id LIKE 're\_%'),
    amount       bigint NOT NULL CHECK (amount > 0),
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    cancelled_at timestamptz NOT NULL
);

CREATE TABLE order_disputes (
    dispute_id text PRIMARY KEY CHECK (dispute_id <> ''),
    order_id   text NOT NULL REFERENCES orders (order_id),
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    opened_at  timestamptz NOT NULL DEFAULT now(),
    closed_at  timestamptz,
    CONSTRAINT order_disputes_closed_when_decided CHECK ((status = 'open') = (closed_at IS NULL))
);

CREATE INDEX order_disputes_open_idx ON order_disputes (order_id) WHERE status = 'open';

-- One payout per paid order: the seller's net, sent once delivery is confirmed and holds end.
CREATE TABLE payouts (
    order_id       text PRIMARY KEY REFERENCES orders (order_id),
    payout_id      text NOT NULL UNIQUE CHECK (payout_id <> ''),       -- derived_id(payout, order)
    seller_id      text NOT NULL REFERENCES users (user_id),
    checkout_id    text NOT NULL CHECK (checkout_id <> ''),            -- the transfer_group
    charge_id      text NOT NULL CHECK (charge_id LIKE 'ch\_%'),       -- the source_transaction
    currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount         bigint NOT NULL CHECK (amount >= 0),                -- the order's seller_net
    status         text NOT NULL DEFAULT 'awaiting_delivery'
                   CHECK (status IN ('awaiting_delivery', 'held', 'payable', 'transferred', 'stopped')),
    hold_until     timestamptz,
    hold_reason    text,
    stopped_reason text,
    transfer_id    text UNIQUE CHECK (transfer_id LIKE 'tr\_%'),
    transferred_at timestamptz,
    paid_at        timestamptz NOT NULL,                               -- when the buyer's payment landed
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payouts_transferred_has_transfer CHECK ((status = 'transferred') = (transfer_id IS NOT NULL))
);

CREATE INDEX payouts_seller_newest_idx ON payouts (seller_id, paid_at DESC, order_id DESC);

CREATE TRIGGER payouts_set_updated_at BEFORE UPDATE ON payouts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The Stripe transfer and reversal behind each ledger entry of kind 'transfer' / 'reversal'.
CREATE TABLE payout_transfers (
    transfer_id text PRIMARY KEY CHECK (transfer_id LIKE 'tr\_%'),
    order_id    text NOT NULL REFERENCES orders (order_id),
    entry_id    text NOT NULL UNIQUE REFERENCES journal_entries (entry_id),
    amount      bigint NOT NULL CHECK (amount > 0),
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payout_reversals (
    reversal_id text PRIMARY KEY CHECK (reversal_id LIKE 'trr\_%'),
    transfer_id text NOT NULL REFERENCES payout_transfers (transfer_id),
    order_id    text NOT NULL REFERENCES orders (order_id),
    entry_id    text NOT NULL UNIQUE REFERENCES journal_entries (entry_id),
    amount      bigint NOT NULL CHECK (amount > 0),
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payout_reversals_transfer_idx ON payout_reversals (transfer_id);

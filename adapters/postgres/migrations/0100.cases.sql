-- Buyers' cases on paid orders (money back guarantee), their timeline, and the ledger's entry
-- kinds for cases, seller debts and Stripe disputes (workflows/ledger/__init__.py).
-- depends: 0085.checkout-failed-status
--
-- A case is the state the case_resolution state machine acts on; every party's action is a row
-- of case_events (the timeline). Money stays in the ledger: a case's refund is a 'refund' entry
-- keyed by the Stripe refund, its transfer reversal a 'reversal' entry (payout_reversals), and
-- what a seller's balance could not cover a 'seller_debt' entry, recovered from later payouts
-- ('debt_recovered').

CREATE TABLE cases (
    case_id          text PRIMARY KEY CHECK (case_id <> ''),
    order_id         text NOT NULL REFERENCES orders (order_id),
    buyer_id         text NOT NULL REFERENCES users (user_id),
    seller_id        text NOT NULL REFERENCES users (user_id),
    reason           text NOT NULL
                     CHECK (reason IN ('item_not_received', 'not_as_described', 'damaged', 'wrong_item')),
    description      text NOT NULL CHECK (btrim(description) <> ''),
    image_ids        text[] NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'awaiting_seller'
                     CHECK (status IN ('awaiting_seller', 'awaiting_buyer', 'awaiting_return_shipment',
                                       'return_in_transit', 'awaiting_escalation', 'escalated',
                                       'refund_pending', 'closed')),
    outcome          text CHECK (outcome IN ('refunded', 'partially_refunded', 'closed_for_seller',
                                             'closed_by_buyer', 'expired', 'return_not_shipped')),
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    order_total      bigint NOT NULL CHECK (order_total > 0),
    offer_amount     bigint CHECK (offer_amount > 0),          -- a partial refund the seller offers
    refund_amount    bigint CHECK (refund_amount > 0),         -- the refund decided (then paid)
    refund_id        text UNIQUE CHECK (refund_id LIKE 're\_%'),
    deadline_at      timestamptz,                               -- the current wait's end
    close_by         timestamptz NOT NULL,                      -- closes by itself then, unless escalated
    return_carrier   text,
    return_tracking  text,
    return_shipped_at timestamptz,
    escalated_at     timestamptz,
    closed_at        timestamptz,
    buyer_flagged    boolean NOT NULL DEFAULT false,            -- too many cases in the period
    request_hash     text NOT NULL,
    opened_at        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cases_closed_has_outcome CHECK ((status = 'closed') = (outcome IS NOT NULL)),
    CONSTRAINT cases_refund_within_order CHECK (refund_amount IS NULL OR refund_amount <= order_total),
    CONSTRAINT cases_offer_within_order CHECK (offer_amount IS NULL OR offer_amount < order_total)
);

-- one open case per order
CREATE UNIQUE INDEX cases_one_open_per_order ON cases (order_id) WHERE status <> 'closed';
CREATE INDEX cases_buyer_newest_idx ON cases (buyer_id, opened_at DESC, case_id DESC);
CREATE INDEX cases_seller_newest_idx ON cases (seller_id, opened_at DESC, case_id DESC);
CREATE INDEX cases_status_idx ON cases (status, opened_at, case_id);

CREATE TRIGGER cases_set_updated_at BEFORE UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE case_events (
    case_id  text NOT NULL REFERENCES cases (case_id),
    seq      integer NOT NULL CHECK (seq > 0),
    event_id text NOT NULL UNIQUE,                              -- derived: a retried action adds nothing
    at       timestamptz NOT NULL,
    role     text NOT NULL CHECK (role IN ('buyer', 'seller', 'admin', 'system')),
    actor_id text,
    action   text NOT NULL CHECK (action <> ''),
    message  text,
    amount   bigint,
    PRIMARY KEY (case_id, seq)
);

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_check
    CHECK (kind IN ('payment', 'fee', 'refund', 'refund_paid', 'refund_failed', 'refund_returned',
                    'transfer', 'reversal', 'payout', 'stripe_fee', 'seller_debt', 'debt_recovered',
                    'dispute_withdrawn', 'dispute_fee', 'dispute_reinstated', 'dispute_lost'));

-- Orders (one per seller of a checkout) with their items, and the double-entry ledger.
-- depends: 0030.fee-schedules
--
-- Ledger sign convention: ledger_postings.amount is signed minor units; a DEBIT is POSITIVE and
-- a CREDIT is NEGATIVE. Every journal entry's postings sum to zero per currency, enforced at
-- COMMIT by a deferred constraint trigger, so an unbalanced entry can never be committed.
-- Entries and postings are append-only: a correction is a new (reversing) entry.
-- workflows/ledger/__init__.py documents the chart of accounts and the entry of each movement.

CREATE TABLE orders (
    order_id             text PRIMARY KEY CHECK (order_id <> ''),  -- derived_id(checkout, seller)
    checkout_id          text NOT NULL CHECK (checkout_id <> ''),
    buyer_id             text NOT NULL REFERENCES users (user_id),
    seller_id            text NOT NULL REFERENCES users (user_id),
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'awaiting_payment', 'paid', 'payment_failed',
                                           'cancelled', 'expired', 'shipped', 'delivered', 'refunded')),
    currency             char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    items_total          bigint NOT NULL CHECK (items_total >= 0),
    shipping_total       bigint NOT NULL CHECK (shipping_total >= 0),
    fee_category         bigint NOT NULL DEFAULT 0 CHECK (fee_category >= 0),
    fee_fixed            bigint NOT NULL DEFAULT 0 CHECK (fee_fixed >= 0),
    fee_ad               bigint NOT NULL DEFAULT 0 CHECK (fee_ad >= 0),
    fee_cap_reduction    bigint NOT NULL DEFAULT 0 CHECK (fee_cap_reduction >= 0),
    fee_total            bigint NOT NULL CHECK (fee_total >= 0),
    seller_net           bigint NOT NULL CHECK (seller_net >= 0),
    fee_schedule_version integer NOT NULL CHECK (fee_schedule_version > 0),
    payment_intent_id    text CHECK (payment_intent_id LIKE 'pi\_%'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_buyer_is_not_seller CHECK (buyer_id <> seller_id),
    CONSTRAINT orders_fee_plus_net_is_gross CHECK (fee_total + seller_net = items_total + shipping_total),
    CONSTRAINT orders_fee_parts_sum CHECK (fee_category + fee_fixed + fee_ad - fee_cap_reduction = fee_total),
    CONSTRAINT orders_one_per_seller_per_checkout UNIQUE (checkout_id, seller_id)
);

CREATE INDEX orders_buyer_newest_idx ON orders (buyer_id, created_at DESC, order_id DESC);
CREATE INDEX orders_seller_newest_idx ON orders (seller_id, created_at DESC, order_id DESC);

CREATE TRIGGER orders_set_updated_at BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE order_items (
    order_id   text NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    listing_id text NOT NULL CHECK (listing_id <> ''),
    title      text NOT NULL CHECK (btrim(title) <> ''),
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    currency   char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (order_id, listing_id)
);

-- -- ledger

CREATE TABLE ledger_accounts (
    account_code text PRIMARY KEY CHECK (account_code ~ '^[a-z_]+(:[^:\s]+)?$'),
    kind         text NOT NULL CHECK (kind IN ('asset', 'liability', 'revenue', 'expense')),
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- the fixed accounts; seller_payable:<seller_id> accounts are opened on first posting
INSERT INTO ledger_accounts (account_code, kind, description) VALUES
    ('stripe_balance', 'asset', 'money held in the platform''s Stripe balance'),
    ('platform_bank', 'asset', 'the platform''s bank account (Stripe payouts of the platform balance)'),
    ('buyer_funds_in_transit', 'liability', 'buyers'' payments not yet split into seller net and fee'),
    ('refunds', 'liability', 'refunds granted to buyers and not yet paid out by Stripe'),
    ('platform_fee_revenue', 'revenue', 'the platform''s fees (fee reversals debit it)'),
    ('stripe_fees', 'expense', 'Stripe''s processing fees')
ON CONFLICT (account_code) DO NOTHING;

CREATE TABLE journal_entries (
    entry_id    text PRIMARY KEY CHECK (entry_id <> ''),  -- derived_id of the business key
    kind        text NOT NULL CHECK (kind IN ('payment', 'fee', 'refund', 'refund_paid', 'transfer',
                                              'reversal', 'payout', 'stripe_fee')),
    order_id    text REFERENCES orders (order_id),
    description text NOT NULL DEFAULT '',
    posted_seq  bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order entries were posted in
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX journal_entries_order_idx ON journal_entries (order_id, posted_seq) WHERE order_id IS NOT NULL;

CREATE TABLE ledger_postings (
    entry_id     text NOT NULL REFERENCES journal_entries (entry_id),
    line         smallint NOT NULL CHECK (line >= 0),
    account_code text NOT NULL REFERENCES ledger_accounts (account_code),
    amount       bigint NOT NULL CHECK (amount <> 0),  -- debit > 0, credit < 0
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (entry_id, line)
);

CREATE INDEX ledger_postings_account_idx ON ledger_postings (account_code, currency);

-- At commit: every entry touched has postings, and they sum to zero in each currency.
CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'journal entry % has no postings', NEW.entry_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    SELECT currency, sum(amount) AS total INTO bad
    FROM ledger_postings WHERE entry_id = NEW.entry_id
    GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % % off', NEW.entry_id, bad.total, bad.currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER journal_entry_balanced
    AFTER INSERT ON journal_entries DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

CREATE CONSTRAINT TRIGGER ledger_postings_balanced
    AFTER INSERT ON ledger_postings DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

-- Append-only: a journal entry and its postings are never changed or deleted.
CREATE FUNCTION ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a reversing entry instead of %', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Stripe disputes (chargebacks) in the table the payout's hold already counts (order_disputes,
-- migration 0070): what Stripe says of each (its status, amount, reason, evidence deadline), one
-- row per dispute and order (a checkout's one charge pays several sellers' orders).
-- depends: 0100.cases

ALTER TABLE order_disputes DROP CONSTRAINT order_disputes_pkey;
ALTER TABLE order_disputes ADD PRIMARY KEY (dispute_id, order_id);
ALTER TABLE order_disputes
    ADD COLUMN charge_id             text,
    ADD COLUMN amount                bigint CHECK (amount > 0),       -- this order's share
    ADD COLUMN currency              char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN reason                text,
    ADD COLUMN stripe_status         text,                             -- needs_response, under_review, ...
    ADD COLUMN evidence_due_by       timestamptz,
    ADD COLUMN evidence_submitted_at timestamptz,
    ADD COLUMN updated_at            timestamptz NOT NULL DEFAULT now();

CREATE TRIGGER order_disputes_set_updated_at BEFORE UPDATE ON order_disputes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

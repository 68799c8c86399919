DROP TRIGGER IF EXISTS order_disputes_set_updated_at ON order_disputes;
ALTER TABLE order_disputes
    DROP COLUMN IF EXISTS charge_id,
    DROP COLUMN IF EXISTS amount,
    DROP COLUMN IF EXISTS currency,
    DROP COLUMN IF EXISTS reason,
    DROP COLUMN IF EXISTS stripe_status,
    DROP COLUMN IF EXISTS evidence_due_by,
    DROP COLUMN IF EXISTS evidence_submitted_at,
    DROP COLUMN IF EXISTS updated_at;
ALTER TABLE order_disputes DROP CONSTRAINT order_disputes_pkey;
ALTER TABLE order_disputes ADD PRIMARY KEY (dispute_id);

-- Consumer deduplication: a consumer records an event id in the same transaction as the
-- event's effects; a redelivered event then conflicts on the primary key and is skipped.
-- depends: 0001.accounts-core

CREATE TABLE processed_events (
    event_id     text PRIMARY KEY CHECK (event_id <> ''),  -- Stripe event id, SQS message id, ...
    source       text NOT NULL CHECK (source <> ''),       -- who sent it, e.g. 'stripe', 'sqs:email'
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- for pruning old rows
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

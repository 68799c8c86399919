-- The consumers deduplicate through the idempotency table in DynamoDB (Powertools idempotency,
-- keyed by the Stripe event id or the message id), so processed_events was never written or
-- read: drop it rather than keep a second, unused way to do the same thing.
-- depends: 0002.processed-events

DROP TABLE processed_events;

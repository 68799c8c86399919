DROP TABLE IF EXISTS payout_reversals;
DROP TABLE IF EXISTS payout_transfers;
DROP TABLE IF EXISTS payouts;
DROP TABLE IF EXISTS order_disputes;
DROP TABLE IF EXISTS order_cancellations;
DROP TABLE IF EXISTS shipments;

-- Undo 0084.fee-quotes.

DROP TABLE fee_quotes;

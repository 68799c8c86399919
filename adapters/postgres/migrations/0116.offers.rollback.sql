-- Undo 0116.offers.

DROP TABLE IF EXISTS offer_moves;
DROP TABLE IF EXISTS offers;

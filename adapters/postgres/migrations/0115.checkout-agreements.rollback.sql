-- Undo 0115.checkout-agreements: checkouts forget the agreement they were made from.

DROP INDEX IF EXISTS checkouts_agreement_idx;
ALTER TABLE checkouts DROP CONSTRAINT IF EXISTS checkouts_agreement_complete;
ALTER TABLE checkouts DROP COLUMN IF EXISTS agreement_holder;
ALTER TABLE checkouts DROP COLUMN IF EXISTS agreement_source_id;
ALTER TABLE checkouts DROP COLUMN IF EXISTS agreement_kind;

-- Undo 0080.seller-standing: a seller restricted after onboarding stays 'restricted' (a status
-- 0050 knows); only the record of when they were first activated is lost.

ALTER TABLE seller_onboardings DROP COLUMN IF EXISTS activated_at;

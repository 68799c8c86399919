-- Sellers followed after onboarding: activated_at is when the seller first became active. From
-- then on the seller_accounts consumer (not the seller_onboarding workflow, which has ended)
-- moves the onboarding between 'active' and 'restricted' as Stripe enables or disables the
-- account's charges and payouts, and users.seller_status follows it.
-- depends: 0050.seller-onboarding

ALTER TABLE seller_onboardings ADD COLUMN activated_at timestamptz;

UPDATE seller_onboardings SET activated_at = coalesce(ended_at, updated_at) WHERE status = 'active';

-- The fee parts an order stores are the quote's, already net of the cap: they add up to the fee.
-- fee_cap_reduction only says how much the cap took off; 0040's check subtracted it a second
-- time, so every order whose fee reached the cap was refused.
-- depends: 0040.ledger-orders

ALTER TABLE orders DROP CONSTRAINT orders_fee_parts_sum;
ALTER TABLE orders ADD CONSTRAINT orders_fee_parts_sum CHECK (fee_category + fee_fixed + fee_ad = fee_total);

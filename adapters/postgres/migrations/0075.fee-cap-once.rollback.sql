ALTER TABLE orders DROP CONSTRAINT orders_fee_parts_sum;
ALTER TABLE orders ADD CONSTRAINT orders_fee_parts_sum
    CHECK (fee_category + fee_fixed + fee_ad - fee_cap_reduction = fee_total) NOT VALID;

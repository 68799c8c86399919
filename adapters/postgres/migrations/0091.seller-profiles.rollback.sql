-- Undo 0091.seller-profiles.

DROP TABLE seller_profile_events;
DROP TABLE seller_profile_orders;
DROP TABLE seller_profile_counted;
DROP TABLE seller_profile_rater_weeks;
DROP TABLE seller_profile_days;
DROP TABLE seller_profiles;

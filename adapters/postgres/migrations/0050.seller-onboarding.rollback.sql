DROP TABLE IF EXISTS seller_onboardings;

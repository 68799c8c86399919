DROP TABLE IF EXISTS fee_schedules;

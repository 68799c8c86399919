-- Undo 0020.notifications.

DROP TABLE notification_preferences;
DROP TABLE notification_deliveries;

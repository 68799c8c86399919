-- Undo 0002.processed-events.

DROP TABLE processed_events;

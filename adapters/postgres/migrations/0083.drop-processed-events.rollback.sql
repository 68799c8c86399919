-- Undo 0083.drop-processed-events: the table as 0002 made it (empty: it never held rows).

CREATE TABLE processed_events (
    event_id     text PRIMARY KEY CHECK (event_id <> ''),
    source       text NOT NULL CHECK (source <> ''),
    processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

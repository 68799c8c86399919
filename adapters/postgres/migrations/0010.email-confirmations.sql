-- Email confirmation codes of sign-up: only a salted HMAC-SHA256 of the code is kept, with its
-- expiry, the wrong tries against it and the sends in the current rate-limit window.
-- One row per user: a resend replaces the code (generation + 1) and clears the wrong tries.
-- depends: 0001.accounts-core

CREATE TABLE email_confirmations (
    user_id           text PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash         bytea NOT NULL CHECK (length(code_hash) = 32),
    salt              bytea NOT NULL CHECK (length(salt) >= 16),
    generation        integer NOT NULL CHECK (generation >= 1),  -- how many codes were issued
    expires_at        timestamptz NOT NULL,
    failed_attempts   integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    window_started_at timestamptz NOT NULL,                        -- resend rate limit window
    sends_in_window   integer NOT NULL CHECK (sends_in_window >= 1),
    confirmed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER email_confirmations_set_updated_at BEFORE UPDATE ON email_confirmations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Notifications: the delivery log (at most once per notification and channel) and the users'
-- preferences per category and channel.
-- depends: 0001.accounts-core

-- One row per (notification, channel). A consumer claims the row ('sending') before it calls
-- the provider; a second delivery of the same message finds it claimed and does nothing. Only
-- a 'failed' row, or a 'sending' row whose sender died (stale), may be claimed again; 'sent'
-- and 'skipped' are final. No foreign key to users: the log outlives users and also records
-- mail to addresses that have no user yet.
CREATE TABLE notification_deliveries (
    notification_id     text NOT NULL CHECK (notification_id <> ''),
    channel             text NOT NULL CHECK (channel IN ('email', 'sms')),
    type                text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    category            text NOT NULL CHECK (category IN ('account', 'orders', 'messages', 'marketing')),
    user_id             text,
    recipient           text,          -- the address or number; NULL when there was none (skipped)
    status              text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'skipped')),
    provider            text,          -- sendgrid, ses, twilio
    provider_message_id text,
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error          text,          -- the provider's error, or why it was skipped
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, channel),
    CONSTRAINT notification_deliveries_sent_has_provider CHECK (status <> 'sent' OR provider IS NOT NULL)
);

CREATE INDEX notification_deliveries_user_idx ON notification_deliveries (user_id, created_at DESC)
    WHERE user_id IS NOT NULL;
-- what operations look at: deliveries stuck or failing
CREATE INDEX notification_deliveries_open_idx ON notification_deliveries (updated_at)
    WHERE status IN ('sending', 'failed');

CREATE TRIGGER notification_deliveries_set_updated_at BEFORE UPDATE ON notification_deliveries
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Only the choices a user made; defaults live in the code (workflows.notifications.preferences).
CREATE TABLE notification_preferences (
    user_id    text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    category   text NOT NULL CHECK (category IN ('account', 'orders', 'messages', 'marketing')),
    channel    text NOT NULL CHECK (channel IN ('email', 'sms')),
    enabled    boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, category, channel),
    -- account messages (codes, security notices) always go out
    CONSTRAINT notification_preferences_account_always_on CHECK (category <> 'account' OR enabled)
);

CREATE TRIGGER notification_preferences_set_updated_at BEFORE UPDATE ON notification_preferences
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

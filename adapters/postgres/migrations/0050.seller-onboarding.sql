-- Seller onboarding (Stripe Connect Express): one row per onboarding attempt, keyed by the
-- onboarding id (= the seller_onboarding execution's name). At most one live onboarding
-- (onboarding, restricted, active) per user; ended ones (rejected, expired, failed) stay as
-- history. The profile's users.seller_status follows the live one (rejected, expired and
-- failed leave it 'none'), so its CHECK needs no new value.
-- The deadlines count on Stripe's clock from the connected account's creation (started_at).
-- depends: 0040.ledger-orders

CREATE TABLE seller_onboardings (
    onboarding_id             uuid PRIMARY KEY,
    user_id                   text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    status                    text NOT NULL DEFAULT 'onboarding'
                              CHECK (status IN ('onboarding', 'restricted', 'active', 'rejected', 'expired', 'failed')),
    country                   char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    business_type             text NOT NULL CHECK (business_type IN ('individual', 'company')),
    default_currency          char(3) NOT NULL CHECK (default_currency ~ '^[A-Z]{3}$'),
    idempotency_key           text CHECK (btrim(idempotency_key) <> ''),
    request_fingerprint       text NOT NULL,
    remind_after_s            integer NOT NULL CHECK (remind_after_s > 0),
    expire_after_s            integer NOT NULL CHECK (expire_after_s > 0),
    stripe_account_id         text UNIQUE CHECK (stripe_account_id LIKE 'acct\_%'),
    onboarding_url            text,
    onboarding_url_expires_at timestamptz,
    charges_enabled           boolean NOT NULL DEFAULT false,
    payouts_enabled           boolean NOT NULL DEFAULT false,
    details_submitted         boolean NOT NULL DEFAULT false,
    requirements_due          text[] NOT NULL DEFAULT '{}',
    disabled_reason           text,
    started_at                timestamptz,
    remind_at                 timestamptz,
    expire_at                 timestamptz,
    reminded_at               timestamptz,
    last_event_id             text,
    last_event_at             timestamptz,
    ended_at                  timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT seller_onboardings_deadlines_together
        CHECK ((started_at IS NULL) = (remind_at IS NULL) AND (started_at IS NULL) = (expire_at IS NULL)),
    CONSTRAINT seller_onboardings_active_is_enabled
        CHECK (status <> 'active' OR (charges_enabled AND payouts_enabled))
);

CREATE UNIQUE INDEX seller_onboardings_one_live_per_user ON seller_onboardings (user_id)
    WHERE status IN ('onboarding', 'restricted', 'active');
CREATE INDEX seller_onboardings_user_newest_idx ON seller_onboardings (user_id, created_at DESC);

CREATE TRIGGER seller_onboardings_set_updated_at BEFORE UPDATE ON seller_onboardings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

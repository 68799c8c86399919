-- Accounts core: users (keyed by the Cognito sub) and their addresses.
--
-- Conventions for every later migration: timestamptz for time, bigint minor units + char(3)
-- currency for money, text ids from the edge (Cognito, Stripe) and uuid for our own rows,
-- CHECK constraints for closed sets of values. Rows carry created_at/updated_at; the trigger
-- below keeps updated_at current unless the statement sets it (the application's Clock).

CREATE EXTENSION IF NOT EXISTS citext;

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

CREATE TABLE users (
    user_id            text PRIMARY KEY CHECK (user_id <> ''),  -- the Cognito sub
    email              citext NOT NULL UNIQUE CHECK (email LIKE '_%@_%'),
    name               text CHECK (btrim(name) <> ''),
    phone              text CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),  -- E.164
    phone_verified     boolean NOT NULL DEFAULT false,
    seller_status      text NOT NULL DEFAULT 'none'
                       CHECK (seller_status IN ('none', 'onboarding', 'active', 'restricted', 'suspended')),
    stripe_customer_id text UNIQUE CHECK (stripe_customer_id LIKE 'cus\_%'),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_verified_phone_present CHECK (NOT phone_verified OR phone IS NOT NULL)
);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE addresses (
    address_id  uuid PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    line1       text NOT NULL CHECK (btrim(line1) <> ''),
    line2       text,
    city        text NOT NULL CHECK (btrim(city) <> ''),
    region      text,         -- state, province or county where the country uses one
    postal_code text,         -- some countries have none
    country     char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),  -- ISO 3166-1 alpha-2
    phone       text CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX addresses_user_id_idx ON addresses (user_id);

-- At most one default address per user. The index is not deferrable: to move the default,
-- clear the old one and then set the new one, in one transaction.
CREATE UNIQUE INDEX addresses_one_default_per_user ON addresses (user_id) WHERE is_default;

CREATE TRIGGER addresses_set_updated_at BEFORE UPDATE ON addresses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

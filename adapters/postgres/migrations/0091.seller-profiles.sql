-- The public seller profile, a read model projected from feedback's events (and OrderDelivered for
-- the items sold), rebuilt from the feedback and orders by `make rebuild-read-models`.
-- depends: 0090.feedback
--
-- Time-windowed counts (1, 6, 12 months) are summed at read from one bucket per member and day,
-- so they stay right as time passes without an event. Rows that fall to zero are deleted, so a
-- rebuild and the live projection hold the same rows.

-- running totals per member (all time); the score counts one rater's feedback once a week
CREATE TABLE seller_profiles (
    user_id    text PRIMARY KEY REFERENCES users (user_id),
    score      integer NOT NULL DEFAULT 0,
    positive   integer NOT NULL DEFAULT 0 CHECK (positive >= 0),
    neutral    integer NOT NULL DEFAULT 0 CHECK (neutral >= 0),
    negative   integer NOT NULL DEFAULT 0 CHECK (negative >= 0),
    items_sold integer NOT NULL DEFAULT 0 CHECK (items_sold >= 0)
);

-- counted feedback per member and UTC day it was left (with the detailed ratings' sums)
CREATE TABLE seller_profile_days (
    user_id           text NOT NULL,
    day               date NOT NULL,
    positive          integer NOT NULL DEFAULT 0 CHECK (positive >= 0),
    neutral           integer NOT NULL DEFAULT 0 CHECK (neutral >= 0),
    negative          integer NOT NULL DEFAULT 0 CHECK (negative >= 0),
    rated             integer NOT NULL DEFAULT 0 CHECK (rated >= 0),
    item_as_described integer NOT NULL DEFAULT 0,
    communication     integer NOT NULL DEFAULT 0,
    shipping_time     integer NOT NULL DEFAULT 0,
    shipping_cost     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);

-- per member, rater and ISO week (its Monday): how many positives and negatives were counted
CREATE TABLE seller_profile_rater_weeks (
    user_id   text NOT NULL,
    rater_id  text NOT NULL,
    week      date NOT NULL,
    positives integer NOT NULL DEFAULT 0 CHECK (positives >= 0),
    negatives integer NOT NULL DEFAULT 0 CHECK (negatives >= 0),
    PRIMARY KEY (user_id, rater_id, week)
);

-- the feedback the projection counts now, with what it added (so a removal takes exactly that off)
CREATE TABLE seller_profile_counted (
    feedback_id       text PRIMARY KEY,
    user_id           text NOT NULL,
    rater_id          text NOT NULL,
    day               date NOT NULL,
    overall           text NOT NULL CHECK (overall IN ('positive', 'neutral', 'negative')),
    item_as_described smallint,
    communication     smallint,
    shipping_time     smallint,
    shipping_cost     smallint
);

-- the orders whose items were counted as sold (once per order)
CREATE TABLE seller_profile_orders (
    order_id  text PRIMARY KEY,
    seller_id text NOT NULL,
    items     integer NOT NULL CHECK (items > 0)
);

-- the events the projection applied (a redelivered event is skipped)
CREATE TABLE seller_profile_events (
    event_id   text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

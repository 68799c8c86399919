-- Feedback on delivered orders: one window per order (opened when its delivery was recorded) and at
-- most one feedback per order per party, double-blind until the window's reveal.
-- depends: 0070.payouts-fulfilment

CREATE TABLE feedback_windows (
    order_id     text PRIMARY KEY REFERENCES orders (order_id),
    buyer_id     text NOT NULL REFERENCES users (user_id),
    seller_id    text NOT NULL REFERENCES users (user_id),
    delivered_at timestamptz NOT NULL,
    remind_at    timestamptz NOT NULL,   -- the one reminder goes then, to whoever has not left theirs
    reveal_at    timestamptz NOT NULL,   -- revealed then at the latest (earlier once both left theirs)
    closes_at    timestamptz NOT NULL,   -- no feedback after this
    reminded_at  timestamptz,
    revealed_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feedback_windows_in_order CHECK (delivered_at < remind_at AND remind_at <= reveal_at
                                                AND reveal_at <= closes_at)
);

-- the pending list: a party's open windows, soonest deadline first
CREATE INDEX feedback_windows_buyer_idx ON feedback_windows (buyer_id, closes_at, order_id);
CREATE INDEX feedback_windows_seller_idx ON feedback_windows (seller_id, closes_at, order_id);

CREATE TABLE feedback (
    feedback_id       text PRIMARY KEY CHECK (feedback_id <> ''),   -- derived_id(feedback, order, role)
    order_id          text NOT NULL REFERENCES feedback_windows (order_id),
    author_id         text NOT NULL REFERENCES users (user_id),
    subject_id        text NOT NULL REFERENCES users (user_id),
    subject_role      text NOT NULL CHECK (subject_role IN ('seller', 'buyer')),  -- the rated party's
    overall           text NOT NULL CHECK (overall IN ('positive', 'neutral', 'negative')),
    comment           text NOT NULL CHECK (char_length(comment) BETWEEN 1 AND 500),
    item_as_described smallint CHECK (item_as_described BETWEEN 1 AND 5),
    communication     smallint CHECK (communication BETWEEN 1 AND 5),
    shipping_time     smallint CHECK (shipping_time BETWEEN 1 AND 5),
    shipping_cost     smallint CHECK (shipping_cost BETWEEN 1 AND 5),
    left_at           timestamptz NOT NULL,
    revealed_at       timestamptz,
    reply             text CHECK (char_length(reply) BETWEEN 1 AND 500),
    replied_at        timestamptz,
    removed_at        timestamptz,
    removed_by        text,          -- the admin (a Cognito sub; admins need no profile)
    removal_reason    text CHECK (char_length(removal_reason) BETWEEN 1 AND 500),
    idempotency_key   text,
    request_hash      text NOT NULL,
    CONSTRAINT feedback_once_per_party UNIQUE (order_id, subject_role),
    CONSTRAINT feedback_not_about_oneself CHECK (author_id <> subject_id),
    -- a seller's feedback for a buyer is positive and carries no detailed ratings
    CONSTRAINT feedback_seller_rates_positive CHECK (subject_role = 'seller' OR overall = 'positive'),
    CONSTRAINT feedback_ratings_from_buyers CHECK (
        (subject_role = 'seller' AND item_as_described IS NOT NULL AND communication IS NOT NULL
         AND shipping_time IS NOT NULL AND shipping_cost IS NOT NULL)
        OR (subject_role = 'buyer' AND item_as_described IS NULL AND communication IS NULL
            AND shipping_time IS NULL AND shipping_cost IS NULL)),
    CONSTRAINT feedback_reply_is_complete CHECK ((reply IS NULL) = (replied_at IS NULL)),
    CONSTRAINT feedback_removal_is_complete CHECK ((removed_at IS NULL) = (removal_reason IS NULL))
);

-- a member's public feedback, newest first (GET /sellers/{id}/feedback)
CREATE INDEX feedback_public_idx ON feedback (subject_id, subject_role, revealed_at DESC, feedback_id DESC)
    WHERE revealed_at IS NOT NULL AND removed_at IS NULL;
CREATE INDEX feedback_public_any_role_idx ON feedback (subject_id, revealed_at DESC, feedback_id DESC)
    WHERE revealed_at IS NOT NULL AND removed_at IS NULL;

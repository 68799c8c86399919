-- Fee schedules: versioned, append-only. The schedule in effect at a moment is the one with the
-- latest effective_from at or before it (workflows.fees.schedule describes the rules document:
-- rates are decimal strings, amounts integer minor units).
-- depends: 0020.notifications

CREATE TABLE fee_schedules (
    version        integer PRIMARY KEY CHECK (version > 0),
    effective_from timestamptz NOT NULL UNIQUE,
    rules          jsonb NOT NULL CHECK (jsonb_typeof(rules -> 'currencies') = 'object'),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The launch schedule (version 1). Category ids are those of the platform's category slugs
-- (workflows.shared.ids.derived_id("category", slug)): electronics 9%, and under it cameras
-- 8.5%; shoes 8%; trading cards 12.35%; furniture 11.7%; everything else 13.25%. A fixed fee of
-- 30 minor units on orders up to 10.00, 40 above; at most 750.00 in fees per order.
-- seed: fee_schedules v1
INSERT INTO fee_schedules (version, effective_from, rules) VALUES (
    1,
    '2026-01-01T00:00:00Z',
    '{"currencies": {
        "USD": {
            "category_percent": {
                "default": "13.25",
                "by_category": {
                    "30e40200-09fe-57ef-b29b-442d6d3e8db9": "9.00",
                    "5456bb88-de83-5139-8a22-a7ec31f96414": "8.50",
                    "ad6d339b-b386-5d78-b630-d33723337e3a": "8.00",
                    "92746917-0bf0-514e-8126-e848f057a0d0": "12.35",
                    "4f426f24-9c21-5106-9060-a91d4bc0584c": "11.70"
                }
            },
            "fixed_fee_tiers": [{"up_to_minor": 1000, "fee_minor": 30}, {"up_to_minor": null, "fee_minor": 40}],
            "cap_minor": 75000
        },
        "EUR": {
            "category_percent": {"default": "13.25", "by_category": {}},
            "fixed_fee_tiers": [{"up_to_minor": 1000, "fee_minor": 30}, {"up_to_minor": null, "fee_minor": 35}],
            "cap_minor": 75000
        },
        "GBP": {
            "category_percent": {"default": "13.25", "by_category": {}},
            "fixed_fee_tiers": [{"up_to_minor": 1000, "fee_minor": 30}, {"up_to_minor": null, "fee_minor": 30}],
            "cap_minor": 75000
        }
    }}'::jsonb
) ON CONFLICT (version) DO NOTHING;
-- end seed

"""The profile's figures from the projection's day buckets, against a plain recomputation from
the feedback itself (hypothesis): counts over 1/6/12 months, percent positive, ratings' averages."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.feedback.model import months_before
from workflows.feedback.ports import ProfileFigures
from workflows.feedback.projection import MIN_RATINGS, DayBucket, figures

TODAY = date(2026, 6, 15)

#: one feedback: (days before today it was left, overall, ratings or None)
entries = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=500),
        st.sampled_from(["positive", "neutral", "negative"]),
        st.one_of(st.none(), st.tuples(*(st.integers(1, 5) for _ in range(4)))),
    ),
    max_size=60,
)


def _buckets(history: list[tuple[int, str, tuple[int, ...] | None]], since: date) -> tuple[DayBucket, ...]:
    """What the projection keeps per day (only the days from ``since`` are read)."""
    days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ago, overall, stars in history:
        day = TODAY - timedelta(days=ago)
        days[day][overall] += 1
        if stars:
            days[day]["rated"] += 1
            for name, value in zip(
                ("item_as_described", "communication", "shipping_time", "shipping_cost"), stars, strict=True
            ):
                days[day][name] += value
    return tuple(DayBucket(day=d, **dict(v)) for d, v in sorted(days.items()) if d >= since)


def _round(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@settings(max_examples=200, deadline=None)
@given(entries)
def test_given_any_history_then_the_figures_equal_a_plain_recomputation(
    history: list[tuple[int, str, tuple[int, ...] | None]],
) -> None:
    projected = ProfileFigures(
        score=0,
        positive=0,
        neutral=0,
        negative=0,
        items_sold=0,
        days=_buckets(history, TODAY - timedelta(400)),
    )
    shown = figures(projected, TODAY)
    for months in (1, 6, 12):
        start = months_before(TODAY, months)
        inside = [o for ago, o, _ in history if TODAY - timedelta(days=ago) >= start]
        counts = shown.counts[months]
        assert (counts.positive, counts.neutral, counts.negative) == (
            inside.count("positive"),
            inside.count("neutral"),
            inside.count("negative"),
        )
    year = [(o, s) for ago, o, s in history if TODAY - timedelta(days=ago) >= months_before(TODAY, 12)]
    positives = sum(1 for o, _ in year if o == "positive")
    negatives = sum(1 for o, _ in year if o == "negative")
    expected = (
        None if positives + negatives == 0 else _round(Decimal(100 * positives) / (positives + negatives))
    )
    assert shown.percent_positive == expected
    rated = [s for _, s in year if s]
    assert shown.rated == len(rated)
    if len(rated) < MIN_RATINGS:
        assert shown.ratings is None
    else:
        assert shown.ratings is not None
        assert shown.ratings["communication"] == _round(Decimal(sum(s[1] for s in rated)) / len(rated))


def test_given_only_neutrals_then_there_is_no_percent_positive() -> None:
    projected = ProfileFigures(0, 0, 2, 0, 0, (DayBucket(day=TODAY, neutral=2),))
    assert figures(projected, TODAY).percent_positive is None


def test_given_two_positives_of_three_then_the_percent_is_rounded_half_up() -> None:
    projected = ProfileFigures(1, 2, 0, 1, 0, (DayBucket(day=TODAY, positive=2, negative=1),))
    assert figures(projected, TODAY).percent_positive == 66.7

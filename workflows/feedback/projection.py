"""The public seller profile: how the projection's buckets become the figures a profile shows.

The projection (``adapters/postgres/feedback.py``) keeps, per member, running totals, the feedback
score, and one bucket per day on which counted feedback was left: positives, neutrals, negatives,
and the sums of the detailed ratings. Time-windowed figures are summed from the day buckets at read
(at most 366 rows of one index range per window), so "the last 12 months" moves with the clock
without any event. Feedback counts from its reveal until it is removed; it belongs to the day it
was left.

- score: positives minus negatives, where one rater's repeat feedback in one ISO week counts once
  (at most one positive and one negative per rater per week), over all time;
- percent positive: positives / (positives + negatives) over the last 12 months, one decimal;
- counts of positive, neutral and negative over the last 1, 6 and 12 months;
- detailed ratings' averages over the last 12 months, shown from :data:`MIN_RATINGS` ratings on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from workflows.feedback.model import RATING_NAMES, months_before

if TYPE_CHECKING:
    from datetime import date

    from workflows.feedback.ports import Member, ProfileFigures

#: the windows a profile counts over, in months
WINDOWS: tuple[int, ...] = (1, 6, 12)
#: detailed ratings are shown once there are this many (as eBay does)
MIN_RATINGS = 10


@dataclass(frozen=True)
class DayBucket:
    day: date
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    #: how many feedback entries of the day carry detailed ratings, and their sums per rating
    rated: int = 0
    item_as_described: int = 0
    communication: int = 0
    shipping_time: int = 0
    shipping_cost: int = 0


@dataclass(frozen=True)
class Counts:
    positive: int = 0
    neutral: int = 0
    negative: int = 0


@dataclass(frozen=True)
class Figures:
    """What a profile shows, computed from the projection at read time (``today`` in UTC)."""

    score: int
    percent_positive: float | None
    counts: dict[int, Counts]
    ratings: dict[str, float] | None
    rated: int
    items_sold: int


def window_start(today: date, months: int) -> date:
    """The first day a window of ``months`` includes (the same day-of-month, months ago)."""
    return months_before(today, months)


def window_starts(today: date) -> tuple[date, ...]:
    """The first day of each window (:data:`WINDOWS`), oldest first: what a read asks buckets for."""
    return tuple(sorted(window_start(today, months) for months in WINDOWS))


def counts_since(days: tuple[DayBucket, ...], start: date) -> Counts:
    inside = [b for b in days if b.day >= start]
    return Counts(
        positive=sum(b.positive for b in inside),
        neutral=sum(b.neutral for b in inside),
        negative=sum(b.negative for b in inside),
    )


def one_decimal(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent_positive(counts: Counts) -> float | None:
    """Positives / (positives + negatives), in percent with one decimal; None without either."""
    judged = counts.positive + counts.negative
    if judged == 0:
        return None
    return one_decimal(Decimal(100 * counts.positive) / Decimal(judged))


def rating_averages(days: tuple[DayBucket, ...], start: date) -> tuple[dict[str, float] | None, int]:
    """The detailed ratings' averages over the window (None under :data:`MIN_RATINGS`), and how many."""
    inside = [b for b in days if b.day >= start]
    rated = sum(b.rated for b in inside)
    if rated < MIN_RATINGS:
        return None, rated
    return {
        name: one_decimal(Decimal(sum(getattr(b, name) for b in inside)) / Decimal(rated))
        for name in RATING_NAMES
    }, rated


def figures(projected: ProfileFigures, today: date) -> Figures:
    counts = {months: counts_since(projected.days, window_start(today, months)) for months in WINDOWS}
    ratings, rated = rating_averages(projected.days, window_start(today, 12))
    return Figures(
        score=projected.score,
        percent_positive=percent_positive(counts[12]),
        counts=counts,
        ratings=ratings,
        rated=rated,
        items_sold=projected.items_sold,
    )


@dataclass(frozen=True)
class Profile:
    member: Member
    figures: Figures

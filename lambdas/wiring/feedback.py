"""Feedback: leaving it, the feedback window's steps, replies and moderation, and the public
seller profile's projection and reads. Feedback, windows and the projection in PostgreSQL; the
seller's two figures onto their listings in MongoDB."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from workflows.feedback.model import FeedbackPolicy
    from workflows.feedback.service import FeedbackService, SellerProfiles


class FeedbackSettings(Settings):
    """The window (days after delivery), the reveal and the reminder, and the machine to start."""

    #: only the OrderDelivered consumer starts executions
    feedback_state_machine_arn: str | None = Field(
        default=None, validation_alias="FEEDBACK_WINDOW_STATE_MACHINE_ARN"
    )
    #: feedback can be left this many days after delivery (fractions for demos)
    window_days: float = Field(default=60, gt=0, le=80, validation_alias="FEEDBACK_WINDOW_DAYS")
    #: revealed this many days after delivery at the latest
    reveal_days: float = Field(default=14, gt=0, le=80, validation_alias="FEEDBACK_REVEAL_DAYS")

    def policy(self) -> FeedbackPolicy:
        from workflows.feedback.model import FeedbackPolicy

        reveal = timedelta(days=min(self.reveal_days, self.window_days))
        return FeedbackPolicy(
            window=timedelta(days=self.window_days), reveal_after=reveal, remind_after=reveal / 2
        )


class Feedback:
    @cached_property
    def settings(self) -> FeedbackSettings:
        return load(FeedbackSettings)

    @cached_property
    def service(self) -> FeedbackService:
        from adapters.postgres.feedback import PostgresFeedbackReads, store_factory
        from workflows.feedback.service import FeedbackService

        c = core.wiring()
        return FeedbackService(
            store=store_factory(c.pg_pool),
            reads=PostgresFeedbackReads(c.pg_pool),
            events=c.events,
            notifications=c.notifications,
            waiting=c.waiting_tasks,
            responder=c.task_responder,
            clock=c.clock,
            policy=self.settings.policy(),
            starter=c.starter(self.settings.feedback_state_machine_arn, "FEEDBACK_WINDOW_STATE_MACHINE_ARN"),
        )

    @cached_property
    def profiles(self) -> SellerProfiles:
        """The public profile; its projection onto listings only where MongoDB is configured."""
        from adapters.postgres.feedback import PostgresFeedbackReads, PostgresProfileProjection
        from workflows.feedback.service import SellerProfiles

        c = core.wiring()
        return SellerProfiles(
            projection=PostgresProfileProjection(c.pg_pool),
            reads=PostgresFeedbackReads(c.pg_pool),
            clock=c.clock,
        )

    @cached_property
    def projecting_profiles(self) -> SellerProfiles:
        """The profile's consumer: it also writes the seller's figures onto their listings."""
        from dataclasses import replace

        from adapters.mongo.seller_ratings import MongoListingRatings

        return replace(self.profiles, listings=MongoListingRatings(core.wiring().mongo_db))


def wiring() -> Feedback:
    return container(Feedback)

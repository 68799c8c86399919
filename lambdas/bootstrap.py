"""Wires adapters to the workflows' ports, once per cold start, lazily, cached.

Handlers ask this module for what they need; nothing here runs at import time. Tests (and the
local cloud, between runs) call :func:`reset` to drop every cached object.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from adapters.aws.events import EventBridgePublisher
from adapters.aws.sns import SnsNotificationPublisher
from adapters.aws.stepfunctions import StepFunctionsResponder
from lambdas.observability import instrument
from lambdas.settings import (
    DatabaseSettings,
    NotificationsSettings,
    PlatformSettings,
    ProviderSettings,
    WaitsSettings,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from botocore.client import BaseClient
    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool
    from pymongo.database import Database
    from sendgrid import SendGridAPIClient
    from stripe import StripeClient
    from twilio.rest import Client as TwilioClient

    from adapters.dynamo.connection import DynamoConnection
    from adapters.dynamo.waits import DynamoWaitingTasks


@cache
def platform() -> PlatformSettings:
    return PlatformSettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()


@cache
def aws_client(service: str) -> BaseClient:
    # the SDK, pynamodb and the idempotency utility are imported where they are first used:
    # boto3 alone is a third of a cold import, and some functions make no AWS call
    import boto3
    from botocore.config import Config

    instrument("botocore")
    settings = platform()
    session = boto3.session.Session(region_name=settings.aws_region)
    # an endpoint override (the local cloud) has no per-operation host prefixes like "sync-"
    config = Config(inject_host_prefix=settings.aws_endpoint_url is None, retries={"mode": "standard"})
    client: BaseClient = session.client(service, endpoint_url=settings.aws_endpoint_url, config=config)
    return client


@cache
def dynamo() -> DynamoConnection:
    from adapters.dynamo.connection import DynamoConnection

    instrument("botocore")
    settings = platform()
    return DynamoConnection(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


@cache
def idempotency_layer() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=platform().idempotency_table,
        boto3_client=aws_client("dynamodb"),
    )


@cache
def waiting_tasks() -> DynamoWaitingTasks:
    from adapters.dynamo.waits import DynamoWaitingTasks

    return DynamoWaitingTasks(dynamo(), WaitsSettings().task_tokens_table)  # type: ignore[call-arg]


@cache
def task_responder() -> StepFunctionsResponder:
    return StepFunctionsResponder(aws_client("stepfunctions"))


def _secret_json(arn: str) -> dict[str, Any]:
    from aws_lambda_powertools.utilities import parameters

    instrument("botocore")
    value = parameters.get_secret(arn, transform="json", max_age=300)
    if not isinstance(value, dict):
        raise TypeError(f"secret {arn} is not a JSON object")
    return value


def database_url() -> str:
    settings = database_settings()
    if settings.database_url:
        return settings.database_url
    if not settings.database_secret_arn:
        raise RuntimeError("set DATABASE_URL or DATABASE_SECRET_ARN")
    secret = _secret_json(settings.database_secret_arn)
    host = settings.database_host or secret["host"]
    port = settings.database_port or int(secret.get("port", 5432))
    name = settings.database_name or secret.get("dbname", "resale")
    user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"]), safe="")
    return f"postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=require"


@cache
def pg_pool() -> ConnectionPool[Connection[DictRow]]:
    from adapters.postgres.pool import make_pool

    return make_pool(database_url())


@cache
def mongo_db() -> Database[dict[str, Any]]:
    from adapters.mongo.client import mongo_database

    instrument("pymongo")  # X-Ray listens to the driver's commands: before the client exists
    settings = database_settings()
    uri = settings.mongodb_uri
    if not uri:
        if not settings.mongodb_secret_arn:
            raise RuntimeError("set MONGODB_URI or MONGODB_SECRET_ARN")
        uri = str(_secret_json(settings.mongodb_secret_arn)["uri"])
    return mongo_database(uri, settings.mongodb_database)


@cache
def event_publisher() -> EventBridgePublisher:
    return EventBridgePublisher(aws_client("events"), platform().event_bus_name)


@cache
def notification_publisher() -> SnsNotificationPublisher:
    settings = NotificationsSettings()  # type: ignore[call-arg]  # filled from the environment
    return SnsNotificationPublisher(aws_client("sns"), settings.notifications_topic_arn)


_CACHED: tuple[Any, ...] = (
    platform,
    database_settings,
    aws_client,
    dynamo,
    idempotency_layer,
    waiting_tasks,
    task_responder,
    mongo_db,
    event_publisher,
    notification_publisher,
)


def reset() -> None:
    """Forget every cached dependency (closing the database pool), as a new cold start would."""
    if pg_pool.cache_info().currsize:
        pg_pool().close()
    pg_pool.cache_clear()
    for cached in _CACHED:
        cached.cache_clear()


def idempotent(
    function: Callable[..., Any], *, data_keyword: str, key_jmespath: str, ttl_s: int, context: Any
) -> Callable[..., Any]:
    """``function`` made idempotent on DynamoDB by the key found in its ``data_keyword`` argument.

    Built at call time (the persistence layer holds a client, which must not be made at import).
    """
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    config = IdempotencyConfig(event_key_jmespath=key_jmespath, expires_after_seconds=ttl_s)
    config.register_lambda_context(context)
    return idempotent_function(  # type: ignore[no-any-return]
        data_keyword_argument=data_keyword, persistence_store=idempotency_layer(), config=config
    )(function)


def health_probes() -> dict[str, Any]:
    from adapters.probes import MongoProbe, PostgresProbe

    return {"postgres": PostgresProbe(pg_pool), "mongodb": MongoProbe(mongo_db)}


# -- providers (Stripe, Twilio, SendGrid): keys from the environment locally, secrets when deployed


@cache
def provider_settings() -> ProviderSettings:
    return ProviderSettings()


def _secret_value(arn: str | None, key: str, plain: str | None, what: str) -> str:
    if plain:
        return plain
    if not arn:
        raise RuntimeError(f"no {what}: set it, or the ARN of the secret holding it")
    return str(_secret_json(arn)[key])


@cache
def stripe() -> StripeClient:
    from adapters.providers import stripe_client

    s = provider_settings()
    key = _secret_value(s.stripe_secret_arn, "secret_key", s.stripe_secret_key, "Stripe secret key")
    return stripe_client(key, api_base=s.stripe_api_base)


@cache
def twilio() -> TwilioClient:
    from adapters.providers import twilio_client

    s = provider_settings()
    sid = _secret_value(s.twilio_secret_arn, "account_sid", s.twilio_account_sid, "Twilio account SID")
    token = _secret_value(s.twilio_secret_arn, "auth_token", s.twilio_auth_token, "Twilio auth token")
    return twilio_client(sid, token, api_base=s.twilio_api_base)


@cache
def sendgrid() -> SendGridAPIClient:
    from adapters.providers import sendgrid_client

    s = provider_settings()
    key = _secret_value(s.sendgrid_secret_arn, "api_key", s.sendgrid_api_key, "SendGrid API key")
    return sendgrid_client(key, api_base=s.sendgrid_api_base)


_CACHED += (provider_settings, stripe, twilio, sendgrid)


# -- webhooks: Stripe's signed webhooks, verified, onto the bus that has the Stripe bus's rules

if TYPE_CHECKING:
    from adapters.aws.stripe_webhooks import EventBridgeStripeForwarder
    from adapters.stripe.webhooks import StripeWebhookVerifier


def stripe_webhook_verifier() -> StripeWebhookVerifier:
    """Not cached: the secret is (Powertools caches it for 5 minutes, so a rolled secret is seen)."""
    from adapters.stripe.webhooks import StripeWebhookVerifier

    s = provider_settings()
    secrets = _secret_value(
        s.stripe_secret_arn, "webhook_secret", s.stripe_webhook_secret, "Stripe webhook signing secret"
    )
    return StripeWebhookVerifier([part.strip() for part in secrets.split(",")])


@cache
def stripe_webhook_forwarder() -> EventBridgeStripeForwarder:
    from adapters.aws.stripe_webhooks import EventBridgeStripeForwarder
    from lambdas.settings import WebhooksSettings
    from workflows.payments.webhooks import WEBHOOK_EVENT_SOURCE

    bus = WebhooksSettings().stripe_webhooks_bus_name  # type: ignore[call-arg]  # from the environment
    return EventBridgeStripeForwarder(aws_client("events"), bus, WEBHOOK_EVENT_SOURCE)


_CACHED += (stripe_webhook_forwarder,)


# -- notifications: delivery ports (email by SendGrid or SES, SMS by Twilio; log, preferences
# and profiles in PostgreSQL). Imports are local: a function that never sends loads none of it.

if TYPE_CHECKING:
    from adapters.postgres.notifications import (
        PostgresDeliveryLog,
        PostgresPreferenceStore,
        PostgresRecipientDirectory,
    )
    from adapters.twilio.sms import TwilioSmsSender
    from lambdas.settings import NotificationDeliverySettings
    from workflows.notifications.delivery import DeliveryPorts
    from workflows.notifications.model import Channel
    from workflows.notifications.ports import MessageSender


@cache
def notification_delivery_settings() -> NotificationDeliverySettings:
    from lambdas.settings import NotificationDeliverySettings

    return NotificationDeliverySettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def email_sender() -> MessageSender:
    """SendGrid, or SES when ``EMAIL_PROVIDER=ses``."""
    s = provider_settings()
    delivery = notification_delivery_settings()
    sender, name = delivery.email_sender, delivery.email_sender_name
    if s.email_provider == "ses":
        from adapters.ses.mail import SesMailSender

        return SesMailSender(aws_client("ses"), sender, sender_name=name)
    from adapters.sendgrid.mail import SendGridMailSender

    return SendGridMailSender(sendgrid(), sender, sender_name=name)


@cache
def sms_sender() -> TwilioSmsSender:
    from adapters.twilio.sms import TwilioSmsSender

    s = provider_settings()
    number = _secret_value(s.twilio_secret_arn, "from_number", s.twilio_from_number, "Twilio sender number")
    return TwilioSmsSender(twilio(), number)


@cache
def delivery_log() -> PostgresDeliveryLog:
    from adapters.postgres.notifications import PostgresDeliveryLog

    return PostgresDeliveryLog(pg_pool())


@cache
def notification_preferences() -> PostgresPreferenceStore:
    from adapters.postgres.notifications import PostgresPreferenceStore

    return PostgresPreferenceStore(pg_pool())


@cache
def recipient_directory() -> PostgresRecipientDirectory:
    from adapters.postgres.notifications import PostgresRecipientDirectory

    return PostgresRecipientDirectory(pg_pool())


@cache
def delivery_ports(channel: Channel) -> DeliveryPorts:
    """What ``workflows.notifications.deliver`` needs for one channel's consumer."""
    from datetime import timedelta

    from workflows.notifications.delivery import DeliveryPorts
    from workflows.shared.clock import SystemClock

    sender = email_sender() if channel == "email" else sms_sender()
    return DeliveryPorts(
        directory=recipient_directory(),
        preferences=notification_preferences(),
        log=delivery_log(),
        senders={channel: sender},
        clock=SystemClock(),
        claim_stale_after=timedelta(seconds=notification_delivery_settings().claim_stale_after_s),
    )


_CACHED += (
    notification_delivery_settings,
    email_sender,
    sms_sender,
    delivery_log,
    notification_preferences,
    recipient_directory,
    delivery_ports,
)


# -- accounts: identity (Cognito), profiles and addresses (PostgreSQL), phone verification
# (Twilio Verify), saved cards (Stripe). Imports are local: a function loads only what it uses.

if TYPE_CHECKING:
    from adapters.aws.cognito import CognitoDirectory
    from lambdas.settings import AccountsSettings
    from workflows.accounts.identity import IdentityService
    from workflows.accounts.payment_methods import PaymentMethodsService
    from workflows.accounts.ports import UnitOfWork
    from workflows.accounts.profile import ProfileService


@cache
def accounts_settings() -> AccountsSettings:
    from lambdas.settings import AccountsSettings

    return AccountsSettings()  # type: ignore[call-arg]  # filled from the environment


def accounts_uow() -> UnitOfWork:
    """A new unit of work (one transaction) over the accounts tables."""
    from adapters.postgres.accounts import PostgresAccounts

    return PostgresAccounts(pg_pool())


@cache
def cognito_directory() -> CognitoDirectory:
    from adapters.aws.cognito import CognitoDirectory

    s = accounts_settings()
    return CognitoDirectory(
        aws_client("cognito-idp"), user_pool_id=s.user_pool_id, client_id=s.user_pool_client_id
    )


@cache
def identity_service() -> IdentityService:
    from datetime import timedelta

    from workflows.accounts.identity import ConfirmationPolicy, IdentityService
    from workflows.shared.clock import SystemClock

    s = accounts_settings()
    policy = ConfirmationPolicy(
        code_ttl=timedelta(minutes=s.confirmation_code_ttl_minutes),
        max_attempts=s.confirmation_max_attempts,
        max_sends=s.confirmation_max_sends_per_hour,
        send_window=timedelta(hours=1),
    )
    return IdentityService(
        directory=cognito_directory(),
        uow=accounts_uow,
        notifications=notification_publisher(),
        clock=SystemClock(),
        policy=policy,
    )


@cache
def profile_service() -> ProfileService:
    from adapters.twilio.verify import TwilioPhoneVerifier
    from workflows.accounts.profile import ProfileService
    from workflows.shared.clock import SystemClock

    return ProfileService(
        uow=accounts_uow,
        directory=cognito_directory(),
        # the Twilio client and secret are read on the first phone verification, not for every call
        phone_verifier=TwilioPhoneVerifier(twilio, twilio_verify_service_sid),
        notifications=notification_publisher(),
        clock=SystemClock(),
    )


@cache
def twilio_verify_service_sid() -> str:
    s = provider_settings()
    return _secret_value(
        s.twilio_secret_arn, "verify_service_sid", s.twilio_verify_service_sid, "Twilio Verify service SID"
    )


@cache
def payment_methods_service() -> PaymentMethodsService:
    from adapters.stripe.customers import StripeCardVault
    from workflows.accounts.payment_methods import PaymentMethodsService

    return PaymentMethodsService(uow=accounts_uow, vault=StripeCardVault(stripe()))


_CACHED += (
    accounts_settings,
    cognito_directory,
    identity_service,
    profile_service,
    twilio_verify_service_sid,
    payment_methods_service,
)


# -- catalog (categories, listings, images, search, deals; watchlists and saved searches)

if TYPE_CHECKING:
    from workflows.catalog.alerts import Alerts
    from workflows.catalog.service import Catalog


@cache
def catalog_db() -> Database[dict[str, Any]]:
    """The catalog's database, its indexes ensured once per cold start (idempotent)."""
    from adapters.mongo.indexes import CATALOG_INDEXES, ensure_indexes

    db = mongo_db()
    ensure_indexes(db, CATALOG_INDEXES)
    return db


@cache
def catalog() -> Catalog:
    from adapters.aws.s3 import S3ImageStore
    from adapters.mongo.catalog import MongoCategories, MongoListings
    from lambdas.settings import CatalogSettings
    from workflows.catalog.service import Catalog
    from workflows.shared.clock import SystemClock

    db = catalog_db()
    return Catalog(
        categories=MongoCategories(db),
        listings=MongoListings(db),
        events=event_publisher(),
        clock=SystemClock(),
        currencies=settled_currencies(),
        images=S3ImageStore(aws_client("s3"), CatalogSettings().images_bucket),  # type: ignore[call-arg]
        sellers=seller_standings(),
    )


@cache
def catalog_alerts() -> Alerts:
    from adapters.dynamo.watchlist import DynamoSavedSearches, DynamoWatchlists
    from adapters.mongo.catalog import MongoListings
    from lambdas.settings import WatchlistSettings
    from workflows.catalog.alerts import Alerts
    from workflows.shared.clock import SystemClock

    settings = WatchlistSettings()  # type: ignore[call-arg]  # filled from the environment
    return Alerts(
        watchlists=DynamoWatchlists(dynamo(), settings.watchlists_table),
        saved_searches=DynamoSavedSearches(dynamo(), settings.saved_searches_table),
        listings=MongoListings(catalog_db()),
        notifications=notification_publisher(),
        clock=SystemClock(),
    )


_CACHED += (catalog_db, catalog, catalog_alerts)


# -- fees: the fee schedules (PostgreSQL), the listings they price (MongoDB), the Express
# state machine the quote API runs synchronously

if TYPE_CHECKING:
    from adapters.postgres.fees import FeeScheduleCurrencies, PostgresFeeSchedules
    from lambdas.settings import FeesSettings
    from workflows.fees.service import FeeQuotes, ListingReader


@cache
def fees_settings() -> FeesSettings:
    from lambdas.settings import FeesSettings

    return FeesSettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def fee_schedules() -> PostgresFeeSchedules:
    from adapters.postgres.fees import PostgresFeeSchedules

    return PostgresFeeSchedules(pg_pool())


@cache
def settled_currencies() -> FeeScheduleCurrencies:
    """The catalog's currencies: those of the fee schedule in effect, read once per cold start."""
    from adapters.postgres.fees import FeeScheduleCurrencies
    from workflows.shared.clock import SystemClock

    return FeeScheduleCurrencies(fee_schedules(), SystemClock())


@cache
def fee_listings() -> ListingReader:
    from adapters.mongo.catalog import MongoListings

    return MongoListings(catalog_db())


@cache
def fee_quotes() -> FeeQuotes:
    """POST /fees/quote: the listings checked first, then the Express machine run synchronously."""
    from adapters.aws.stepfunctions import StepFunctionsSyncExecutions
    from workflows.fees.service import FeeQuotes
    from workflows.shared.clock import SystemClock

    machine = StepFunctionsSyncExecutions(
        aws_client("stepfunctions"), fees_settings().fee_calculation_state_machine_arn
    )
    return FeeQuotes(listings=fee_listings(), machine=machine, clock=SystemClock())


_CACHED += (fees_settings, fee_schedules, settled_currencies, fee_listings, fee_quotes)


# -- cart: lines in DynamoDB, priced from the catalog's listings (MongoDB) when read; the consumer
# of the catalog's events touches DynamoDB only

if TYPE_CHECKING:
    from adapters.dynamo.carts import DynamoCarts
    from workflows.cart.service import CartFollower, CartService


@cache
def cart_store() -> DynamoCarts:
    from adapters.dynamo.carts import DynamoCarts
    from lambdas.settings import CartSettings

    settings = CartSettings()  # type: ignore[call-arg]  # filled from the environment
    return DynamoCarts(dynamo(), settings.carts_table)


@cache
def cart_service() -> CartService:
    from adapters.mongo.catalog import MongoListings
    from workflows.cart.service import CartService
    from workflows.shared.clock import SystemClock

    return CartService(store=cart_store(), listings=MongoListings(catalog_db()), clock=SystemClock())


@cache
def cart_follower() -> CartFollower:
    from workflows.cart.service import CartFollower

    return CartFollower(cart_store())


_CACHED += (cart_store, cart_service, cart_follower)


# -- orders (PostgreSQL): the read side for buyers and sellers; checkout writes orders and the
# ledger on one connection (adapters.postgres.ledger.unit_of_work)

if TYPE_CHECKING:
    from workflows.orders.service import OrderQueries


@cache
def order_queries() -> OrderQueries:
    from adapters.postgres.orders import PostgresOrderReader
    from workflows.orders.service import OrderQueries

    return OrderQueries(PostgresOrderReader(pg_pool()))


_CACHED += (order_queries,)


# -- checkout: checkouts, orders, the ledger and the timeline in one PostgreSQL transaction per
# step; holds on the catalog's listings (MongoDB); PaymentIntents (Stripe); the API starts the
# checkout state machine

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from adapters.mongo.stock import MongoStock
    from adapters.postgres.checkouts import PostgresCheckoutUnitOfWork
    from lambdas.settings import CheckoutSettings
    from workflows.checkout.service import CheckoutService


@cache
def checkout_settings() -> CheckoutSettings:
    from lambdas.settings import CheckoutSettings

    return CheckoutSettings()


def checkout_uow() -> AbstractContextManager[PostgresCheckoutUnitOfWork]:
    from adapters.postgres.checkouts import checkout_unit_of_work

    return checkout_unit_of_work(pg_pool())


@cache
def checkout_service() -> CheckoutService:
    from datetime import timedelta

    from adapters.aws.stepfunctions import StepFunctionsStarter
    from adapters.mongo.catalog import MongoListings
    from adapters.mongo.stock import MongoStock
    from adapters.stripe.payments import StripePayments
    from workflows.checkout.service import CheckoutDependencies, CheckoutService
    from workflows.shared.clock import SystemClock

    settings = checkout_settings()
    return CheckoutService(
        CheckoutDependencies(
            uow=checkout_uow,
            carts=cart_store(),
            listings=MongoListings(catalog_db()),
            stock=MongoStock(catalog_db()),
            payments=StripePayments(stripe()),
            starter=StepFunctionsStarter(
                aws_client("stepfunctions"), settings.checkout_state_machine_arn or ""
            ),
            notifications=notification_publisher(),
            events=event_publisher(),
            clock=SystemClock(),
            expiry=timedelta(seconds=settings.checkout_expiry_seconds),
            sellers=seller_standings(),
        )
    )


@cache
def stock() -> MongoStock:
    """Listing stock (holds, restocks) for whoever gives units back (a cancelled order)."""
    from adapters.mongo.stock import MongoStock

    return MongoStock(catalog_db())


_CACHED += (checkout_settings, checkout_service, stock)


# -- onboarding: seller onboardings (PostgreSQL), Stripe Connect, the seller group (Cognito), the
# seller_onboarding state machine the API starts. Imports are local: the API function never
# builds the Cognito client, the steps never start executions.

if TYPE_CHECKING:
    from adapters.postgres.sellers import PostgresOnboardings
    from adapters.stripe.connect import StripeConnectedAccounts
    from lambdas.settings import OnboardingSettings
    from workflows.onboarding.service import LinkSettings, OnboardingSteps, SellerOnboarding


@cache
def onboarding_settings() -> OnboardingSettings:
    from lambdas.settings import OnboardingSettings

    return OnboardingSettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def onboarding_store() -> PostgresOnboardings:
    from adapters.postgres.sellers import PostgresOnboardings

    return PostgresOnboardings(pg_pool())


@cache
def connected_accounts() -> StripeConnectedAccounts:
    from adapters.stripe.connect import StripeConnectedAccounts

    return StripeConnectedAccounts(stripe())


def _onboarding_links() -> LinkSettings:
    from workflows.onboarding.service import LinkSettings

    s = onboarding_settings()
    return LinkSettings(refresh_url=s.refresh_url, return_url=s.return_url)


def start_seller_onboarding(name: str, execution_input: dict[str, Any]) -> None:
    """StartExecution of seller_onboarding named ``name``; one of that name already there is kept."""
    from adapters.aws.stepfunctions import StepFunctionsStarter

    arn = onboarding_settings().seller_onboarding_state_machine_arn
    if not arn:
        raise RuntimeError("SELLER_ONBOARDING_STATE_MACHINE_ARN is not set")
    StepFunctionsStarter(aws_client("stepfunctions"), arn).start(name, execution_input)


@cache
def seller_onboarding() -> SellerOnboarding:
    from workflows.onboarding.service import OnboardingPolicy, SellerOnboarding
    from workflows.shared.clock import SystemClock

    s = onboarding_settings()
    return SellerOnboarding(
        store=onboarding_store(),
        accounts=connected_accounts,
        start_execution=start_seller_onboarding,
        clock=SystemClock(),
        policy=OnboardingPolicy(
            remind_after_s=s.remind_after_s, expire_after_s=s.expire_after_s, link_wait_s=s.link_wait_s
        ),
        links=_onboarding_links(),
    )


@cache
def onboarding_steps() -> OnboardingSteps:
    from workflows.onboarding.service import OnboardingSteps
    from workflows.shared.clock import SystemClock

    return OnboardingSteps(
        store=onboarding_store(),
        accounts=connected_accounts,
        groups=cognito_directory,
        notifications=notification_publisher,
        clock=SystemClock(),
        links=_onboarding_links(),
    )


_CACHED += (onboarding_settings, onboarding_store, connected_accounts, seller_onboarding, onboarding_steps)


# -- sellers after onboarding: the always-on account consumer, and the standings the catalog,
# checkout and payouts ask (restricted sellers neither sell nor are paid)

if TYPE_CHECKING:
    from workflows.onboarding.ports import SellerStandings
    from workflows.onboarding.service import SellerAccounts


@cache
def seller_accounts() -> SellerAccounts:
    from workflows.onboarding.service import SellerAccounts
    from workflows.shared.clock import SystemClock

    return SellerAccounts(
        store=onboarding_store(),
        accounts=connected_accounts,
        notifications=notification_publisher,
        clock=SystemClock(),
    )


@cache
def seller_standings() -> SellerStandings:
    """Lazy on the pool: a function that never asks never connects to PostgreSQL."""
    from adapters.postgres.sellers import PostgresSellerStandings

    return PostgresSellerStandings(pg_pool)


_CACHED += (seller_accounts, seller_standings)


# -- payouts: fulfilment (ship, confirm, cancel), the payout workflow's steps, the sellers' finance
# reads and reconciliation. Orders, payouts and the ledger share one PostgreSQL transaction per
# step (adapters.postgres.payouts.books_factory); Stripe transfers and refunds; stock in MongoDB.

if TYPE_CHECKING:
    from lambdas.settings import PayoutsSettings
    from workflows.fulfilment.service import FulfilmentService
    from workflows.payouts.model import PayoutPolicy
    from workflows.payouts.ports import BooksFactory, ConnectedAccounts
    from workflows.payouts.queries import LedgerAudit, SellerFinance
    from workflows.payouts.service import PayoutService


@cache
def payouts_settings() -> PayoutsSettings:
    from lambdas.settings import PayoutsSettings

    return PayoutsSettings()


@cache
def payout_policy() -> PayoutPolicy:
    from datetime import timedelta

    from workflows.payouts.model import PayoutPolicy

    s = payouts_settings()
    return PayoutPolicy(
        auto_confirm_after=timedelta(days=s.auto_confirm_days),
        new_seller_hold=timedelta(days=s.new_seller_hold_days),
        new_seller_sales=s.new_seller_sales,
        recheck_after=timedelta(hours=s.payout_recheck_hours),
    )


def payout_books() -> BooksFactory:
    from adapters.postgres.payouts import books_factory

    return books_factory(pg_pool())


@cache
def payout_accounts() -> ConnectedAccounts:
    from adapters.postgres.payouts import PostgresConnectedAccounts

    return PostgresConnectedAccounts(pg_pool())


class _PayoutStarter:
    """``workflows.payouts.ports.PayoutStarter`` on the payout state machine (ARN from settings)."""

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        from adapters.aws.stepfunctions import StepFunctionsStarter

        arn = payouts_settings().payout_state_machine_arn
        if not arn:
            raise RuntimeError("PAYOUT_STATE_MACHINE_ARN is not set")
        StepFunctionsStarter(aws_client("stepfunctions"), arn).start(name, payload)
        return True


class _ListingRestocker:
    """``workflows.fulfilment.ports.Restocker`` over the catalog's stock (``stock()``)."""

    def restock(self, reference: str, items: list[tuple[str, int]]) -> None:
        from workflows.shared.clock import SystemClock

        store = stock()
        for listing_id, quantity in items:
            store.restock(listing_id, reference, quantity)
            store.refresh_status(listing_id, SystemClock().now())


@cache
def payout_service() -> PayoutService:
    from adapters.stripe.transfers import StripeTransfers
    from workflows.payouts.service import PayoutService
    from workflows.shared.clock import SystemClock

    return PayoutService(
        books=payout_books(),
        accounts=payout_accounts(),
        transfers=StripeTransfers(stripe()),
        starter=_PayoutStarter(),
        notifications=notification_publisher(),
        clock=SystemClock(),
        policy=payout_policy(),
        sellers=seller_standings(),
    )


@cache
def fulfilment_service() -> FulfilmentService:
    from adapters.stripe.refunds import StripeRefunds
    from workflows.fulfilment.service import FulfilmentService
    from workflows.shared.clock import SystemClock

    return FulfilmentService(
        books=payout_books(),
        refunds=StripeRefunds(stripe()),
        restocker=_ListingRestocker(),
        waiting=waiting_tasks(),
        responder=task_responder(),
        notifications=notification_publisher(),
        clock=SystemClock(),
        policy=payout_policy(),
    )


if TYPE_CHECKING:
    from workflows.fulfilment.refunds import RefundSettlement


@cache
def refund_settlement() -> RefundSettlement:
    """Stripe's refund events: the refund read from Stripe settles the ledger; failures to admins."""
    from adapters.stripe.refunds import StripeRefunds
    from lambdas.settings import RefundSettings
    from workflows.fulfilment.refunds import RefundSettlement

    return RefundSettlement(
        books=payout_books(),
        refunds=StripeRefunds(stripe()),
        notifications=notification_publisher(),
        admin_email=RefundSettings().admin_email,  # type: ignore[call-arg]  # filled from the environment
    )


_CACHED += (refund_settlement,)


@cache
def seller_finance() -> SellerFinance:
    from adapters.postgres.payouts import PostgresFinanceReader
    from workflows.payouts.queries import SellerFinance

    return SellerFinance(PostgresFinanceReader(pg_pool()))


@cache
def ledger_audit() -> LedgerAudit:
    from adapters.postgres.payouts import PostgresFinanceReader
    from workflows.payouts.queries import LedgerAudit

    return LedgerAudit(PostgresFinanceReader(pg_pool()))


if TYPE_CHECKING:
    from datetime import datetime


def reconciliation_report(start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
    """Compare the ledger with Stripe over ``[start, end)`` (default: the last two days up to now);
    the report as JSON-ready data."""
    from adapters.postgres.reconciliation import PostgresReconciliationSide
    from adapters.stripe.reconciliation import StripeReconciliationSide
    from workflows.payouts.reconciliation import Window, reconcile
    from workflows.shared.clock import SystemClock

    now = SystemClock().now()
    report = reconcile(
        PostgresReconciliationSide(pg_pool()),
        StripeReconciliationSide(stripe()),
        window=Window.around(now, start=start, end=end),
        now=now,
    )
    return report.as_dict()


_CACHED += (payouts_settings, payout_policy, payout_accounts, payout_service, fulfilment_service)
_CACHED += (seller_finance, ledger_audit)

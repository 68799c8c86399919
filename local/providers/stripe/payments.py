"""Customers, PaymentMethods, SetupIntents, PaymentIntents, Charges and Refunds.

Refunds answer ``succeeded`` at once, except those of a charge paid with ``pm_card_pendingRefund``
(``tok_pendingRefund``; Stripe's test card 4000 0000 0000 7726), which answer ``pending`` as in
Stripe's test mode. Stripe settles such a refund "some time later"; the stand-in settles it when
told to, with its test-only control (no such route exists on Stripe)::

    POST /v1/test_helpers/refunds/{refund}/settle   status=succeeded|failed  [failure_reason=...]

``succeeded`` settles a pending refund; ``failed`` fails a pending refund, or a succeeded one as
Stripe's test card 4000 0000 0000 5126 does. Each settlement emits what Stripe emits:
``refund.updated`` and ``charge.refund.updated``, and first ``refund.failed`` for a failure (the
refunded amount goes back to the balance as a ``refund_failure`` balance transaction, and the
charge's ``amount_refunded`` goes down by it).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, NoReturn

from local.providers.stripe import ledger, objects
from local.providers.stripe.context import diff
from local.providers.stripe.errors import StripeError, bad_param, invalid, no_such
from local.providers.stripe.forms import apply_metadata
from local.providers.stripe.routes import Route, route
from local.providers.stripe.store import new_id

if TYPE_CHECKING:
    from local.providers.stripe.context import Ctx
    from local.providers.stripe.store import Record

UNEXPECTED_STATE = "payment_intent_unexpected_state"


# customers -------------------------------------------------------------------------------------
def create_customer(ctx: Ctx) -> dict[str, Any]:
    cus = objects.customer(new_id("cus_", 14), ctx.now)
    record = ctx.store.add(cus, ctx.account)
    _customer_fields(ctx, record)
    pm_id = ctx.params.text("payment_method")
    if pm_id is not None:
        attach(ctx, resolve_payment_method(ctx, pm_id), cus["id"])
    _set_default_pm(ctx, record)
    ctx.emit("customer.created", cus)
    return ctx.render(cus)


def _customer_fields(ctx: Ctx, record: Record) -> None:
    cus, p = record.obj, ctx.params
    for name in ("email", "name", "description", "phone"):
        if name in p:
            cus[name] = p.text(name)
    for name in ("address", "shipping"):
        if name in p:
            cus[name] = p.hash(name) or None
    cus["metadata"] = apply_metadata(cus["metadata"], p.get("metadata"))


def _set_default_pm(ctx: Ctx, record: Record) -> None:
    settings = ctx.params.hash("invoice_settings")
    if "default_payment_method" not in settings:
        return
    pm_id = settings["default_payment_method"] or None
    if pm_id is not None:
        pm = ctx.store.find(pm_id)
        if pm is None or pm.obj.get("customer") != record.obj["id"]:
            raise invalid(
                f"No such PaymentMethod: '{pm_id}'; the payment method must be attached to the "
                "customer before it can be its default.",
                param="invoice_settings[default_payment_method]",
                code="resource_missing",
            )
    record.obj["invoice_settings"]["default_payment_method"] = pm_id


def retrieve_customer(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.store.get("customer", id, ctx.account).obj)


def update_customer(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("customer", id, ctx.account)
    before = copy.deepcopy(record.obj)
    _customer_fields(ctx, record)
    _set_default_pm(ctx, record)
    changed = diff(before, record.obj)
    if changed:
        ctx.emit("customer.updated", record.obj, previous=changed)
    return ctx.render(record.obj)


def delete_customer(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("customer", id, ctx.account)
    for pm in ctx.store.all("payment_method", ctx.account, lambda r: r.obj["customer"] == id):
        pm.obj["customer"] = None
        pm.private["detached"] = True
    ctx.store.remove(id)
    ctx.emit("customer.deleted", record.obj)
    return objects.deleted(id, "customer")


def list_customers(ctx: Ctx) -> dict[str, Any]:
    email = ctx.params.text("email")
    return ctx.page(
        ctx.store.all("customer", ctx.account, lambda r: email is None or r.obj["email"] == email), "customer"
    )


# payment methods -------------------------------------------------------------------------------
def resolve_payment_method(ctx: Ctx, pm_id: str, *, param: str = "payment_method") -> Record:
    """A stored PaymentMethod, or a fresh one materialised from a test id such as ``pm_card_visa``."""
    card = objects.test_card(pm_id)
    if card is not None:
        return ctx.store.add(objects.payment_method(card, ctx.now), ctx.account, card=card)
    return ctx.store.get("payment_method", pm_id, ctx.account, param=param)


def _card_error(decline: objects.Decline, *, extra: dict[str, Any]) -> StripeError:
    return StripeError(
        402,
        decline.message,
        type_="card_error",
        code=decline.code,
        decline_code=decline.decline_code,
        extra=extra,
    )


def attach(ctx: Ctx, record: Record, customer_id: str) -> None:
    pm = record.obj
    ctx.store.get("customer", customer_id, ctx.account, param="customer")
    if pm["customer"] == customer_id:
        return
    if pm["customer"] is not None:
        raise invalid("The payment method you provided has already been attached to a customer.")
    if record.private.get("used") or record.private.get("detached"):
        raise invalid(
            "This PaymentMethod was previously used without being attached to a Customer or was detached "
            "from a Customer, and may not be used again.",
            param="payment_method",
        )
    card: objects.TestCard | None = record.private.get("card")
    if card is not None and card.decline is not None and card.declines_on_attach:
        raise _card_error(card.decline, extra={"param": "payment_method"})
    pm["customer"] = customer_id
    ctx.emit("payment_method.attached", pm)


def create_payment_method(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    p.req_text("type", choices=["card"])
    card_params = p.hash("card")
    token = card_params.get("token")
    if not isinstance(token, str):
        raise StripeError(
            400,
            "Sending credit card numbers directly to the Stripe API is generally unsafe. Use a test token "
            "such as card[token]=tok_visa.",
            code="parameter_missing",
            param="card[token]",
            saved=False,
        )
    card = objects.test_card(token)
    if card is None:
        raise no_such("token", token, param="card[token]")
    pm = objects.payment_method(card, ctx.now)
    details = p.hash("billing_details")
    pm["billing_details"].update({k: v for k, v in details.items() if k in ("email", "name", "phone")})
    pm["metadata"] = apply_metadata({}, p.get("metadata"))
    ctx.store.add(pm, ctx.account, card=card)
    return ctx.render(pm)


def retrieve_payment_method(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(resolve_payment_method(ctx, id, param="id").obj)


def update_payment_method(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("payment_method", id, ctx.account)
    before = copy.deepcopy(record.obj)
    details = ctx.params.hash("billing_details")
    record.obj["billing_details"].update(
        {k: v for k, v in details.items() if k in ("email", "name", "phone")}
    )
    record.obj["metadata"] = apply_metadata(record.obj["metadata"], ctx.params.get("metadata"))
    changed = diff(before, record.obj)
    if changed:
        ctx.emit("payment_method.updated", record.obj, previous=changed)
    return ctx.render(record.obj)


def attach_payment_method(ctx: Ctx, id: str) -> dict[str, Any]:
    record = resolve_payment_method(ctx, id, param="id")
    attach(ctx, record, ctx.params.req_text("customer"))
    return ctx.render(record.obj)


def detach_payment_method(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("payment_method", id, ctx.account)
    customer_id = record.obj["customer"]
    if customer_id is None:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment is impossible."
        )
    record.obj["customer"] = None
    record.private["detached"] = True
    cus = ctx.store.find(customer_id)
    if cus is not None and cus.obj["invoice_settings"]["default_payment_method"] == id:
        cus.obj["invoice_settings"]["default_payment_method"] = None
    ctx.emit("payment_method.detached", record.obj, previous={"customer": customer_id})
    return ctx.render(record.obj)


def list_payment_methods(ctx: Ctx) -> dict[str, Any]:
    customer_id = ctx.params.text("customer")
    if customer_id is not None:
        ctx.store.get("customer", customer_id, ctx.account, param="customer")
    return ctx.page(
        ctx.store.all(
            "payment_method", ctx.account, lambda r: customer_id is None or r.obj["customer"] == customer_id
        ),
        "payment_method",
    )


def list_customer_payment_methods(ctx: Ctx, customer: str) -> dict[str, Any]:
    ctx.store.get("customer", customer, ctx.account, param="customer")
    return ctx.page(
        ctx.store.all("payment_method", ctx.account, lambda r: r.obj["customer"] == customer),
        "payment_method",
    )


# client secrets ---------------------------------------------------------------------------------
def _check_client_secret(ctx: Ctx, obj: dict[str, Any]) -> None:
    """With the publishable key, Stripe wants the object's client secret alongside its id."""
    if not ctx.publishable:
        return
    secret = ctx.params.text("client_secret")
    if secret is None:
        raise StripeError(
            400,
            "A client_secret is required when using a publishable key.",
            code="parameter_missing",
            param="client_secret",
            saved=False,
        )
    if secret != obj["client_secret"]:
        raise StripeError(
            400,
            "The client_secret provided does not match the client_secret associated with the "
            f"{obj['object']}.",
            code="parameter_invalid",
            param="client_secret",
            saved=False,
        )


# setup intents ---------------------------------------------------------------------------------
def create_setup_intent(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    seti_id = new_id("seti_")
    seti: dict[str, Any] = {
        "id": seti_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": objects.client_secret(seti_id),
        "created": ctx.now,
        "customer": None,
        "description": p.text("description"),
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": apply_metadata({}, p.get("metadata")),
        "next_action": None,
        "on_behalf_of": p.text("on_behalf_of"),
        "payment_method": None,
        "payment_method_options": {
            "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
        },
        "payment_method_types": p.texts("payment_method_types") or ["card"],
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": p.text("usage", choices=["off_session", "on_session"]) or "off_session",
    }
    if p.flag("automatic_payment_methods[enabled]"):
        seti["automatic_payment_methods"] = {"allow_redirects": "always", "enabled": True}
    customer_id = p.text("customer")
    if customer_id is not None:
        ctx.store.get("customer", customer_id, ctx.account, param="customer")
        seti["customer"] = customer_id
    record = ctx.store.add(seti, ctx.account)
    pm_id = p.text("payment_method")
    if pm_id is not None:
        seti["payment_method"] = resolve_payment_method(ctx, pm_id).obj["id"]
        seti["status"] = "requires_confirmation"
    ctx.emit("setup_intent.created", seti)
    if p.flag("confirm"):
        _confirm_setup(ctx, record)
    return ctx.render(seti)


def _confirm_setup(ctx: Ctx, record: Record) -> None:
    seti = record.obj
    if seti["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise invalid(
            f"You cannot confirm this SetupIntent because it has a status of {seti['status']}.",
            code="setup_intent_unexpected_state",
        )
    pm_id = ctx.params.text("payment_method") or seti["payment_method"]
    if pm_id is None:
        raise invalid(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state",
            param="payment_method",
        )
    pm_record = (
        resolve_payment_method(ctx, pm_id)
        if pm_id != seti["payment_method"]
        else ctx.store.get("payment_method", pm_id, ctx.account)
    )
    seti["payment_method"] = pm_record.obj["id"]
    card: objects.TestCard | None = pm_record.private.get("card")
    if card is not None and card.decline is not None and card.declines_on_attach:
        seti["status"] = "requires_payment_method"
        seti["last_setup_error"] = {
            "code": card.decline.code,
            "decline_code": card.decline.decline_code,
            "message": card.decline.message,
            "payment_method": copy.deepcopy(pm_record.obj),
            "type": "card_error",
        }
        seti["payment_method"] = None
        ctx.emit("setup_intent.setup_failed", seti)
        raise _card_error(card.decline, extra={"setup_intent": ctx.store.render(seti, ctx.now)})
    if seti["customer"] is not None:
        attach(ctx, pm_record, seti["customer"])
    seti["status"] = "succeeded"
    seti["last_setup_error"] = None
    ctx.emit("setup_intent.succeeded", seti)


def confirm_setup_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("setup_intent", id, ctx.account)
    _check_client_secret(ctx, record.obj)
    _confirm_setup(ctx, record)
    return ctx.render(record.obj)


def retrieve_setup_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("setup_intent", id, ctx.account)
    _check_client_secret(ctx, record.obj)
    return ctx.render(record.obj)


def update_setup_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("setup_intent", id, ctx.account)
    seti, p = record.obj, ctx.params
    if seti["status"] in ("succeeded", "canceled"):
        raise invalid(
            f"You cannot update this SetupIntent because it has a status of {seti['status']}.",
            code="setup_intent_unexpected_state",
        )
    if "customer" in p:
        customer_id = p.req_text("customer")
        ctx.store.get("customer", customer_id, ctx.account, param="customer")
        seti["customer"] = customer_id
    if "payment_method" in p:
        seti["payment_method"] = resolve_payment_method(ctx, p.req_text("payment_method")).obj["id"]
        seti["status"] = "requires_confirmation"
    if "description" in p:
        seti["description"] = p.text("description")
    seti["metadata"] = apply_metadata(seti["metadata"], p.get("metadata"))
    return ctx.render(seti)


def cancel_setup_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("setup_intent", id, ctx.account)
    seti = record.obj
    if seti["status"] in ("succeeded", "canceled"):
        raise invalid(
            f"You cannot cancel this SetupIntent because it has a status of {seti['status']}.",
            code="setup_intent_unexpected_state",
        )
    seti["status"] = "canceled"
    seti["cancellation_reason"] = ctx.params.text(
        "cancellation_reason", choices=["abandoned", "duplicate", "requested_by_customer"]
    )
    ctx.emit("setup_intent.canceled", seti)
    return ctx.render(seti)


def list_setup_intents(ctx: Ctx) -> dict[str, Any]:
    customer_id = ctx.params.text("customer")
    return ctx.page(
        ctx.store.all(
            "setup_intent", ctx.account, lambda r: customer_id is None or r.obj["customer"] == customer_id
        ),
        "setup_intent",
    )


# payment intents -------------------------------------------------------------------------------
PI_OPEN = ("requires_payment_method", "requires_confirmation", "requires_action")


def connected_account(ctx: Ctx, account_id: str, *, param: str) -> Record:
    record = ctx.store.find(account_id)
    if (
        record is None
        or record.obj.get("object") != "account"
        or record.private.get("platform")
        or record.owner != ctx.platform
    ):
        raise StripeError(
            400, f"No such destination: '{account_id}'", code="resource_missing", param=param, saved=False
        )
    return record


def require_transfers_capability(account: Record, *, param: str) -> None:
    if account.obj["capabilities"].get("transfers") != "active":
        raise StripeError(
            400,
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            code="insufficient_capabilities_for_transfer",
            param=param,
        )


def create_payment_intent(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    currency = p.currency()
    amount = p.amount(currency=currency)
    assert currency is not None
    assert amount is not None
    pi_id = new_id("pi_")
    pi: dict[str, Any] = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": p.text("capture_method", choices=["automatic", "automatic_async", "manual"])
        or "automatic_async",
        "client_secret": objects.client_secret(pi_id),
        "confirmation_method": p.text("confirmation_method", choices=["automatic", "manual"]) or "automatic",
        "created": ctx.now,
        "currency": currency,
        "customer": None,
        "description": p.text("description"),
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": apply_metadata({}, p.get("metadata")),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": p.texts("payment_method_types") or ["card"],
        "processing": None,
        "receipt_email": p.text("receipt_email"),
        "review": None,
        "setup_future_usage": p.text("setup_future_usage", choices=["off_session", "on_session"]),
        "shipping": p.hash("shipping") or None,
        "statement_descriptor": p.text("statement_descriptor"),
        "statement_descriptor_suffix": p.text("statement_descriptor_suffix"),
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": p.text("transfer_group"),
    }
    if p.flag("automatic_payment_methods[enabled]"):
        allow = p.text("automatic_payment_methods[allow_redirects]", choices=["always", "never"]) or "always"
        pi["automatic_payment_methods"] = {"allow_redirects": allow, "enabled": True}
    customer_id = p.text("customer")
    if customer_id is not None:
        ctx.store.get("customer", customer_id, ctx.account, param="customer")
        pi["customer"] = customer_id
    _money_routing(ctx, pi)
    record = ctx.store.add(pi, ctx.account)
    pm_id = p.text("payment_method")
    if pm_id is not None:
        pi["payment_method"] = resolve_payment_method(ctx, pm_id).obj["id"]
        pi["status"] = "requires_confirmation"
    ctx.emit("payment_intent.created", pi)
    if p.flag("confirm"):
        _confirm_payment(ctx, record)
    return ctx.render(pi)


def _money_routing(ctx: Ctx, pi: dict[str, Any]) -> None:
    """``transfer_data``, ``on_behalf_of`` and ``application_fee_amount``, checked as Stripe does."""
    p = ctx.params
    destination = p.text("transfer_data[destination]")
    if destination is not None:
        connected_account(ctx, destination, param="transfer_data[destination]")
        transfer_amount = p.integer("transfer_data[amount]", minimum=1)
        if transfer_amount is not None and transfer_amount > pi["amount"]:
            raise bad_param(
                "The transfer amount cannot exceed the PaymentIntent amount.", param="transfer_data[amount]"
            )
        pi["transfer_data"] = {"destination": destination}
        if transfer_amount is not None:
            pi["transfer_data"]["amount"] = transfer_amount
    on_behalf_of = p.text("on_behalf_of")
    if on_behalf_of is not None:
        connected_account(ctx, on_behalf_of, param="on_behalf_of")
        pi["on_behalf_of"] = on_behalf_of
    if "application_fee_amount" in p:
        fee = p.integer("application_fee_amount", minimum=0)
        if fee is not None:
            if pi["transfer_data"] is None and ctx.is_platform:
                raise bad_param(
                    "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct "
                    "payment (using an OAuth key or Stripe-Account header) or destination payment (using "
                    "`transfer_data[destination]`).",
                    param="application_fee_amount",
                )
            if pi["transfer_data"] is not None and "amount" in pi["transfer_data"]:
                raise bad_param(
                    "You cannot set both application_fee_amount and transfer_data[amount].",
                    param="application_fee_amount",
                )
            if fee > pi["amount"]:
                raise bad_param(
                    "The application fee amount cannot exceed the PaymentIntent amount.",
                    param="application_fee_amount",
                )
        pi["application_fee_amount"] = fee


def _confirm_payment(ctx: Ctx, record: Record) -> None:
    """Charge the PaymentIntent's card: a decline leaves it ``requires_payment_method`` (HTTP 402);
    success captures at once or, with ``capture_method=manual``, leaves it ``requires_capture``."""
    pi = record.obj
    pm_record = _payment_method_to_confirm(ctx, pi)
    pm = pm_record.obj
    pi["payment_method"] = pm["id"]
    for name in ("receipt_email", "setup_future_usage"):
        if name in ctx.params:
            pi[name] = ctx.params.text(name)
    card: objects.TestCard | None = pm_record.private.get("card")
    charge = _new_charge(ctx, pi, pm)
    pi["latest_charge"] = charge["id"]
    if card is not None and card.decline is not None:
        _decline(ctx, pi, charge, pm, card.decline)
    if pm["customer"] is None:
        pm_record.private["used"] = True
    if pi["setup_future_usage"] and pi["customer"] and pm["customer"] is None:
        pm_record.private["used"] = False
        attach(ctx, pm_record, pi["customer"])
    pi["last_payment_error"] = None
    if pi["capture_method"] == "manual":
        ctx.emit("charge.succeeded", charge)
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = pi["amount"]
        ctx.emit("payment_intent.amount_capturable_updated", pi)
        return
    _settle(ctx, charge, pi["amount"], bypass_pending=card is not None and card.bypass_pending)
    ctx.emit("charge.succeeded", charge)
    pi["status"] = "succeeded"
    pi["amount_received"] = pi["amount"]
    ctx.emit("payment_intent.succeeded", pi)
    if card is not None and card.disputes:
        from local.providers.stripe import disputes

        disputes.open_for_charge(ctx, charge)


def _payment_method_to_confirm(ctx: Ctx, pi: dict[str, Any]) -> Record:
    """The PaymentMethod a confirmation will charge, after Stripe's checks of state and ownership."""
    if pi["status"] not in PI_OPEN:
        raise StripeError(
            400,
            f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}.",
            code=UNEXPECTED_STATE,
            extra={"payment_intent": ctx.store.render(pi, ctx.now)},
        )
    pm_id = ctx.params.text("payment_method") or pi["payment_method"]
    if pm_id is None:
        raise StripeError(
            400,
            "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm it, "
            "update it with a payment method or pass `payment_method` when confirming.",
            code=UNEXPECTED_STATE,
            param="payment_method",
            extra={"payment_intent": ctx.store.render(pi, ctx.now)},
        )
    if pm_id == pi["payment_method"]:
        pm_record = ctx.store.get("payment_method", pm_id, ctx.account, param="payment_method")
    else:
        pm_record = resolve_payment_method(ctx, pm_id)
    pm = pm_record.obj
    if pm["customer"] is not None and pm["customer"] != pi["customer"]:
        raise invalid(
            "The provided PaymentMethod is attached to a different Customer than this PaymentIntent. "
            "Pass the `customer` it belongs to.",
            param="payment_method",
        )
    if pm["customer"] is None and (pm_record.private.get("used") or pm_record.private.get("detached")):
        raise invalid(
            "The provided PaymentMethod was previously used with a PaymentIntent without Customer "
            "attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod "
            "multiple times, you must attach it to a Customer first.",
            param="payment_method",
        )
    destination = (pi["transfer_data"] or {}).get("destination")
    if destination is not None:
        require_transfers_capability(
            connected_account(ctx, destination, param="transfer_data[destination]"),
            param="transfer_data[destination]",
        )
    return pm_record


def _new_charge(ctx: Ctx, pi: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    charge: dict[str, Any] = {
        "id": new_id("ch_"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": pi["application_fee_amount"],
        "balance_transaction": None,
        "billing_details": copy.deepcopy(pm["billing_details"]),
        "calculated_statement_descriptor": "RESALE",
        "captured": False,
        "created": ctx.now,
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "destination": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": copy.deepcopy(pi["metadata"]),
        "on_behalf_of": pi["on_behalf_of"],
        "outcome": {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": objects.card_details(pm),
        "receipt_email": pi["receipt_email"],
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": copy.deepcopy(pi["shipping"]),
        "source_transfer": None,
        "statement_descriptor": pi["statement_descriptor"],
        "statement_descriptor_suffix": pi["statement_descriptor_suffix"],
        "status": "succeeded",
        "transfer": None,
        "transfer_data": copy.deepcopy(pi["transfer_data"]),
        "transfer_group": pi["transfer_group"],
    }
    ctx.store.add(charge, ctx.account, refunded_by_refunds=0)
    return charge


def _decline(
    ctx: Ctx, pi: dict[str, Any], charge: dict[str, Any], pm: dict[str, Any], decline: objects.Decline
) -> NoReturn:
    charge.update(
        {
            "paid": False,
            "status": "failed",
            "failure_code": decline.code,
            "failure_message": decline.message,
            "outcome": {
                "network_status": "declined_by_network",
                "reason": decline.decline_code,
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined",
            },
        }
    )
    error = {
        "charge": charge["id"],
        "code": decline.code,
        "decline_code": decline.decline_code,
        "doc_url": f"https://stripe.com/docs/error-codes/{decline.code.replace('_', '-')}",
        "message": decline.message,
        "payment_method": copy.deepcopy(pm),
        "type": "card_error",
    }
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = error
    pi["payment_method"] = None
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", pi)
    raise _card_error(
        decline,
        extra={
            "charge": charge["id"],
            "payment_intent": ctx.store.render(pi, ctx.now),
            "payment_method": copy.deepcopy(pm),
        },
    )


def _settle(ctx: Ctx, charge: dict[str, Any], amount: int, *, bypass_pending: bool) -> None:
    """Capture ``amount`` of ``charge``: the balance transaction, fees and any destination transfer."""
    from local.providers.stripe import connect

    currency = charge["currency"]
    available_on = ctx.now if bypass_pending else ctx.now + ctx.pending_seconds
    charge["captured"] = True
    charge["amount_captured"] = amount
    charge["amount_refunded"] = charge["amount"] - amount
    fee_details = [
        ledger.fee_detail(objects.stripe_fee(amount), currency, "stripe_fee", "Stripe processing fees")
    ]
    app_fee = charge["application_fee_amount"]
    destination = (charge["transfer_data"] or {}).get("destination")
    direct_fee = app_fee if app_fee and destination is None and not ctx.is_platform else 0
    if direct_fee:
        fee_details.append(ledger.fee_detail(direct_fee, currency, "application_fee", "Application fee"))
    txn = ledger.post(
        ctx,
        ctx.account,
        amount=amount,
        currency=currency,
        type_="charge",
        source=charge["id"],
        fee_details=fee_details,
        available_on=available_on,
    )
    charge["balance_transaction"] = txn["id"]
    if destination is not None:
        transfer_amount = min(charge["transfer_data"].get("amount", amount), amount)
        transfer = connect.make_transfer(
            ctx,
            amount=transfer_amount,
            currency=currency,
            destination=destination,
            source_transaction=charge["id"],
            transfer_group=charge["transfer_group"],
            available_on=available_on,
            application_fee=app_fee or 0,
        )
        charge["transfer"] = transfer["id"]
        if app_fee:
            fee = connect.make_application_fee(
                ctx,
                amount=app_fee,
                currency=currency,
                account=destination,
                charge=transfer["destination_payment"],
                originating=charge["id"],
                available_on=available_on,
            )
            charge["application_fee"] = fee["id"]
    elif direct_fee:
        fee = connect.make_application_fee(
            ctx,
            amount=direct_fee,
            currency=currency,
            account=ctx.account,
            charge=charge["id"],
            originating=None,
            available_on=available_on,
        )
        charge["application_fee"] = fee["id"]


def _payment_intent(ctx: Ctx, pi_id: str) -> Record:
    return ctx.store.get("payment_intent", pi_id, ctx.account, param="intent")


def retrieve_payment_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _payment_intent(ctx, id)
    _check_client_secret(ctx, record.obj)
    return ctx.render(record.obj)


def confirm_payment_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _payment_intent(ctx, id)
    _check_client_secret(ctx, record.obj)
    _confirm_payment(ctx, record)
    return ctx.render(record.obj)


UPDATABLE_AFTER_SUCCESS = {"metadata", "description", "receipt_email", "shipping", "expand"}


def update_payment_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _payment_intent(ctx, id)
    pi, p = record.obj, ctx.params
    if pi["status"] not in PI_OPEN and not set(p.data) <= UPDATABLE_AFTER_SUCCESS:
        raise StripeError(
            400,
            "This PaymentIntent's amount and payment details could not be updated because it has a "
            f"status of {pi['status']}.",
            code=UNEXPECTED_STATE,
            extra={"payment_intent": ctx.store.render(pi, ctx.now)},
        )
    if "currency" in p:
        pi["currency"] = p.currency()
    if "amount" in p:
        pi["amount"] = p.amount(currency=pi["currency"])
    if "customer" in p:
        customer_id = p.req_text("customer")
        ctx.store.get("customer", customer_id, ctx.account, param="customer")
        pi["customer"] = customer_id
    for name in ("description", "receipt_email", "transfer_group", "statement_descriptor"):
        if name in p:
            pi[name] = p.text(name)
    if "capture_method" in p:
        pi["capture_method"] = p.req_text(
            "capture_method", choices=["automatic", "automatic_async", "manual"]
        )
    if "setup_future_usage" in p:
        pi["setup_future_usage"] = p.text("setup_future_usage", choices=["off_session", "on_session"])
    if "shipping" in p:
        pi["shipping"] = p.hash("shipping") or None
    if "application_fee_amount" in p:
        fee = p.integer("application_fee_amount", minimum=0)
        if fee is not None and pi["transfer_data"] is None and ctx.is_platform:
            raise bad_param(
                "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct "
                "payment or destination payment.",
                param="application_fee_amount",
            )
        pi["application_fee_amount"] = fee
    if "payment_method" in p:
        pi["payment_method"] = resolve_payment_method(ctx, p.req_text("payment_method")).obj["id"]
        pi["status"] = "requires_confirmation"
    pi["metadata"] = apply_metadata(pi["metadata"], p.get("metadata"))
    return ctx.render(pi)


def capture_payment_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _payment_intent(ctx, id)
    pi, p = record.obj, ctx.params
    if pi["status"] != "requires_capture":
        raise StripeError(
            400,
            f"This PaymentIntent could not be captured because it has a status of {pi['status']}. Only a "
            "PaymentIntent with one of the following statuses may be captured: requires_capture.",
            code=UNEXPECTED_STATE,
            extra={"payment_intent": ctx.store.render(pi, ctx.now)},
        )
    amount = p.integer("amount_to_capture", minimum=1)
    if amount is None:
        amount = pi["amount_capturable"]
    if amount > pi["amount_capturable"]:
        raise bad_param(
            f"The amount_to_capture ({amount}) must be less than or equal to the amount_capturable "
            f"({pi['amount_capturable']}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    if "application_fee_amount" in p:
        pi["application_fee_amount"] = p.integer("application_fee_amount", minimum=0)
    pi["metadata"] = apply_metadata(pi["metadata"], p.get("metadata"))
    charge_record = ctx.store.get("charge", pi["latest_charge"], ctx.account)
    charge = charge_record.obj
    charge["application_fee_amount"] = pi["application_fee_amount"]
    pm = ctx.store.find(charge["payment_method"])
    card: objects.TestCard | None = pm.private.get("card") if pm is not None else None
    before = copy.deepcopy(charge)
    _settle(ctx, charge, amount, bypass_pending=card is not None and card.bypass_pending)
    ctx.emit("charge.captured", charge, previous=diff(before, charge))
    pi["status"] = "succeeded"
    pi["amount_received"] = amount
    pi["amount_capturable"] = 0
    ctx.emit("payment_intent.succeeded", pi)
    return ctx.render(pi)


def cancel_payment_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _payment_intent(ctx, id)
    pi = record.obj
    cancelable = (*PI_OPEN, "requires_capture", "processing")
    if pi["status"] not in cancelable:
        raise StripeError(
            400,
            f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
            f"PaymentIntent with one of the following statuses may be canceled: {', '.join(cancelable)}.",
            code=UNEXPECTED_STATE,
            extra={"payment_intent": ctx.store.render(pi, ctx.now)},
        )
    reason = ctx.params.text(
        "cancellation_reason", choices=["duplicate", "fraudulent", "requested_by_customer", "abandoned"]
    )
    if pi["status"] == "requires_capture":
        charge = ctx.store.get("charge", pi["latest_charge"], ctx.account).obj
        charge["amount_refunded"] = charge["amount"]
        charge["refunded"] = True
    pi["status"] = "canceled"
    pi["amount_capturable"] = 0
    pi["canceled_at"] = ctx.now
    pi["cancellation_reason"] = reason
    ctx.emit("payment_intent.canceled", pi)
    return ctx.render(pi)


def list_payment_intents(ctx: Ctx) -> dict[str, Any]:
    customer_id = ctx.params.text("customer")
    return ctx.page(
        ctx.store.all(
            "payment_intent", ctx.account, lambda r: customer_id is None or r.obj["customer"] == customer_id
        ),
        "payment_intent",
    )


# charges ---------------------------------------------------------------------------------------
def retrieve_charge(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.store.get("charge", id, ctx.account, param="charge").obj)


def update_charge(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("charge", id, ctx.account, param="charge")
    before = copy.deepcopy(record.obj)
    if "description" in ctx.params:
        record.obj["description"] = ctx.params.text("description")
    if "transfer_group" in ctx.params:
        record.obj["transfer_group"] = ctx.params.text("transfer_group")
    record.obj["metadata"] = apply_metadata(record.obj["metadata"], ctx.params.get("metadata"))
    changed = diff(before, record.obj)
    if changed:
        ctx.emit("charge.updated", record.obj, previous=changed)
    return ctx.render(record.obj)


def list_charges(ctx: Ctx) -> dict[str, Any]:
    filters = {name: ctx.params.text(name) for name in ("customer", "payment_intent", "transfer_group")}

    def matches(record: Record) -> bool:
        return all(value is None or record.obj.get(name) == value for name, value in filters.items())

    return ctx.page(ctx.store.all("charge", ctx.account, matches), "charge")


# refunds ---------------------------------------------------------------------------------------
def create_refund(ctx: Ctx) -> dict[str, Any]:
    from local.providers.stripe import connect

    p = ctx.params
    pi_id, charge_id = p.text("payment_intent"), p.text("charge")
    if pi_id is None and charge_id is None:
        raise StripeError(
            400,
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
            saved=False,
        )
    if pi_id is not None:
        pi = _payment_intent(ctx, pi_id).obj
        if pi["status"] not in ("succeeded", "processing"):
            raise StripeError(
                400,
                f"This PaymentIntent could not be refunded because it has a status of {pi['status']}. Only a "
                "PaymentIntent with one of the following statuses may be refunded: succeeded, processing.",
                code=UNEXPECTED_STATE,
            )
        charge_id = pi["latest_charge"]
    charge_record = ctx.store.get("charge", charge_id, ctx.account, param="charge")
    charge = charge_record.obj
    if pi_id is not None and charge["payment_intent"] != pi_id:
        raise invalid("The charge does not belong to the given payment_intent.", param="charge")
    if charge["status"] != "succeeded" or not charge["captured"]:
        raise invalid(f"Charge {charge['id']} has not been captured and cannot be refunded.", param="charge")
    refundable = charge["amount_captured"] - charge_record.private["refunded_by_refunds"]
    if refundable <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = p.integer("amount", minimum=1)
    if amount is None:
        amount = refundable
    if amount > refundable:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({refundable})",
            param="amount",
            code="amount_too_large",
        )
    reverse_transfer = p.flag("reverse_transfer")
    refund_fee = p.flag("refund_application_fee")
    # as on Stripe, reverse_transfer reverses a destination charge's own transfer only; with
    # separate charges and transfers the platform reverses its transfers itself
    linked = connect.transfers_of_charge(ctx, charge) if charge["transfer"] is not None else []
    if reverse_transfer and not linked:
        raise invalid(
            "reverse_transfer can only be used for a destination charge (one made with "
            "transfer_data[destination]); reverse separate transfers with /v1/transfers/{id}/reversals.",
            param="reverse_transfer",
        )
    if refund_fee and charge["application_fee"] is None:
        raise invalid("This charge has no application fee to refund.", param="refund_application_fee")
    refund: dict[str, Any] = {
        "id": new_id("re_"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "destination_details": {
            "card": {
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "metadata": apply_metadata({}, p.get("metadata")),
        "payment_intent": charge["payment_intent"],
        "reason": p.text("reason", choices=["duplicate", "fraudulent", "requested_by_customer"]),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "pending" if _refunds_pending(ctx, charge) else "succeeded",
        "transfer_reversal": None,
    }
    ctx.store.add(refund, ctx.account)
    txn = ledger.post(
        ctx, ctx.account, amount=-amount, currency=charge["currency"], type_="refund", source=refund["id"]
    )
    refund["balance_transaction"] = txn["id"]
    before = copy.deepcopy(charge)
    charge_record.private["refunded_by_refunds"] += amount
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    if reverse_transfer:
        reversal_ids = connect.reverse_for_refund(ctx, charge, linked, amount, refund["id"])
        refund["transfer_reversal"] = reversal_ids[0] if reversal_ids else None
    if refund_fee:
        connect.refund_fee_for_refund(ctx, charge, amount)
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous=diff(before, charge))
    return ctx.render(refund)


def _refunds_pending(ctx: Ctx, charge: dict[str, Any]) -> bool:
    """Refunds of a charge paid with ``pm_card_pendingRefund`` start ``pending``."""
    pm = ctx.store.find(str(charge.get("payment_method") or ""))
    card: objects.TestCard | None = pm.private.get("card") if pm is not None else None
    return card is not None and card.refund_pending


#: Stripe's ``failure_reason`` values of a failed refund
REFUND_FAILURE_REASONS = (
    "lost_or_stolen_card",
    "expired_or_canceled_card",
    "charge_for_pending_refund_disputed",
    "insufficient_funds",
    "declined",
    "merchant_request",
    "unknown",
)


def settle_refund(ctx: Ctx, id: str) -> dict[str, Any]:
    """Test-only control: a pending refund succeeds or fails, a succeeded one fails (module docstring)."""
    p = ctx.params
    status = p.req_text("status", choices=["succeeded", "failed"])
    reason = p.text("failure_reason", choices=list(REFUND_FAILURE_REASONS))
    record = ctx.store.get("refund", id, ctx.account, param="refund")
    refund = record.obj
    allowed = ("pending",) if status == "succeeded" else ("pending", "succeeded")
    if refund["status"] not in allowed:
        raise invalid(
            f"Refund {id} is {refund['status']}; only a refund that is {' or '.join(allowed)} can be "
            f"settled as {status}.",
            param="status",
        )
    before = copy.deepcopy(refund)
    refund["status"] = status
    if status == "succeeded":
        refund["destination_details"]["card"]["reference_status"] = "available"
    else:
        charge_record = ctx.store.get("charge", refund["charge"], ctx.account, param="charge")
        charge = charge_record.obj
        txn = ledger.post(
            ctx,
            ctx.account,
            amount=refund["amount"],
            currency=refund["currency"],
            type_="refund_failure",
            source=refund["id"],
            description="REFUND FOR FAILED REFUND",
        )
        refund["failure_balance_transaction"] = txn["id"]
        refund["failure_reason"] = reason or "unknown"
        refund["destination_details"]["card"]["reference_status"] = "unavailable"
        charge_record.private["refunded_by_refunds"] -= refund["amount"]
        charge["amount_refunded"] -= refund["amount"]
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        ctx.emit("refund.failed", refund)
    previous = diff(before, refund)
    ctx.emit("refund.updated", refund, previous=previous)
    ctx.emit("charge.refund.updated", refund, previous=previous)
    return ctx.render(refund)


def retrieve_refund(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.store.get("refund", id, ctx.account, param="refund").obj)


def update_refund(ctx: Ctx, id: str) -> dict[str, Any]:
    record = ctx.store.get("refund", id, ctx.account, param="refund")
    record.obj["metadata"] = apply_metadata(record.obj["metadata"], ctx.params.get("metadata"))
    return ctx.render(record.obj)


def list_refunds(ctx: Ctx) -> dict[str, Any]:
    charge_id, pi_id = ctx.params.text("charge"), ctx.params.text("payment_intent")

    def matches(record: Record) -> bool:
        return (charge_id is None or record.obj["charge"] == charge_id) and (
            pi_id is None or record.obj["payment_intent"] == pi_id
        )

    return ctx.page(ctx.store.all("refund", ctx.account, matches), "refund")


_CUSTOMER = (
    "email name description phone metadata address shipping invoice_settings preferred_locales tax_exempt"
)
_PI = (
    "amount currency customer payment_method confirm capture_method confirmation_method transfer_group "
    "application_fee_amount transfer_data on_behalf_of metadata description automatic_payment_methods "
    "payment_method_types receipt_email statement_descriptor statement_descriptor_suffix setup_future_usage "
    "shipping off_session return_url payment_method_options error_on_requires_action mandate_data "
    "use_stripe_sdk"
)
_CONFIRM = (
    "payment_method receipt_email setup_future_usage shipping off_session return_url payment_method_options "
    "error_on_requires_action mandate_data use_stripe_sdk capture_method"
)
_CAPTURE = (
    "amount_to_capture application_fee_amount metadata final_capture statement_descriptor transfer_data"
)
_REFUND = (
    "payment_intent charge amount reason metadata reverse_transfer refund_application_fee instructions_email"
)
_PAGING = "limit starting_after ending_before"
_SETI = (
    "customer payment_method confirm usage metadata description payment_method_types "
    "automatic_payment_methods return_url on_behalf_of payment_method_options mandate_data use_stripe_sdk"
)

ROUTES: list[Route] = [
    route("POST", "/v1/customers", create_customer, _CUSTOMER + " payment_method"),
    route("GET", "/v1/customers", list_customers, "email"),
    route("GET", "/v1/customers/<id>", retrieve_customer),
    route("POST", "/v1/customers/<id>", update_customer, _CUSTOMER),
    route("DELETE", "/v1/customers/<id>", delete_customer),
    route(
        "GET", "/v1/customers/<customer>/payment_methods", list_customer_payment_methods, "type " + _PAGING
    ),
    route(
        "POST",
        "/v1/payment_methods",
        create_payment_method,
        "type card billing_details metadata",
        publishable=True,
    ),
    route("GET", "/v1/payment_methods", list_payment_methods, "customer type"),
    route("GET", "/v1/payment_methods/<id>", retrieve_payment_method),
    route("POST", "/v1/payment_methods/<id>", update_payment_method, "billing_details metadata"),
    route("POST", "/v1/payment_methods/<id>/attach", attach_payment_method, "customer"),
    route("POST", "/v1/payment_methods/<id>/detach", detach_payment_method),
    route("POST", "/v1/setup_intents", create_setup_intent, _SETI),
    route("GET", "/v1/setup_intents", list_setup_intents, "customer payment_method"),
    route("GET", "/v1/setup_intents/<id>", retrieve_setup_intent, publishable=True),
    route(
        "POST", "/v1/setup_intents/<id>", update_setup_intent, "customer payment_method description metadata"
    ),
    route("POST", "/v1/setup_intents/<id>/confirm", confirm_setup_intent, _CONFIRM, publishable=True),
    route("POST", "/v1/setup_intents/<id>/cancel", cancel_setup_intent, "cancellation_reason"),
    route("POST", "/v1/payment_intents", create_payment_intent, _PI),
    route("GET", "/v1/payment_intents", list_payment_intents, "customer"),
    route("GET", "/v1/payment_intents/<id>", retrieve_payment_intent, publishable=True),
    route("POST", "/v1/payment_intents/<id>", update_payment_intent, _PI),
    route("POST", "/v1/payment_intents/<id>/confirm", confirm_payment_intent, _CONFIRM, publishable=True),
    route("POST", "/v1/payment_intents/<id>/capture", capture_payment_intent, _CAPTURE),
    route("POST", "/v1/payment_intents/<id>/cancel", cancel_payment_intent, "cancellation_reason"),
    route("GET", "/v1/charges", list_charges, "customer payment_intent transfer_group"),
    route("GET", "/v1/charges/<id>", retrieve_charge),
    route("POST", "/v1/charges/<id>", update_charge, "description metadata transfer_group"),
    route("POST", "/v1/refunds", create_refund, _REFUND),
    route("GET", "/v1/refunds", list_refunds, "charge payment_intent"),
    route("GET", "/v1/refunds/<id>", retrieve_refund),
    route("POST", "/v1/refunds/<id>", update_refund, "metadata"),
    route("POST", "/v1/test_helpers/refunds/<id>/settle", settle_refund, "status failure_reason"),
]

"""Connect: accounts, account links, transfers and reversals, application fees, payouts, balances."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from local.providers.stripe import ledger, objects, onboarding
from local.providers.stripe.context import diff
from local.providers.stripe.errors import StripeError, bad_param, invalid
from local.providers.stripe.forms import apply_metadata
from local.providers.stripe.payments import connected_account, require_transfers_capability
from local.providers.stripe.routes import Route, route
from local.providers.stripe.store import LinkRecord, new_id

if TYPE_CHECKING:
    from local.providers.stripe.context import Ctx
    from local.providers.stripe.store import Record

LINK_LIFETIME = 300

CURRENCY_OF_COUNTRY = {
    "US": "usd",
    "GB": "gbp",
    "CA": "cad",
    "AU": "aud",
    "CH": "chf",
    "JP": "jpy",
    "NZ": "nzd",
}
EURO_COUNTRIES = {
    "AT",
    "BE",
    "DE",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "NL",
    "PT",
    "SI",
    "SK",
}


def _half_up_share(total: int, part: int, whole: int) -> int:
    """``total * part / whole`` rounded half-up, in integers."""
    return (2 * total * part + whole) // (2 * whole)


# accounts --------------------------------------------------------------------------------------
def create_account(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("create an account")
    p = ctx.params
    controller = p.hash("controller")
    dashboard = (
        (controller.get("stripe_dashboard") or {}).get("type") if isinstance(controller, dict) else None
    )
    kind = p.text("type", choices=["express", "standard", "custom"]) or {
        "express": "express",
        "full": "standard",
    }.get(str(dashboard), "custom" if controller else "standard")
    country = (p.text("country") or "US").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise bad_param(f"Invalid country: {country}", param="country")
    default_currency = p.currency("default_currency", required=False) or (
        "eur" if country in EURO_COUNTRIES else CURRENCY_OF_COUNTRY.get(country, "usd")
    )
    business_type = p.text(
        "business_type", choices=["individual", "company", "non_profit", "government_entity"]
    )
    acct_id = new_id("acct_", 16)
    account = onboarding.new_account(
        acct_id, ctx.now, kind=kind, country=country, business_type=business_type
    )
    account["default_currency"] = default_currency
    account["email"] = p.text("email")
    account["metadata"] = apply_metadata({}, p.get("metadata"))
    account["business_profile"].update(_business_profile(ctx))
    account["capabilities"] = {
        name: "inactive" for name in _requested_capabilities(ctx, {}) if name in onboarding.CAPABILITIES
    }
    ctx.store.add(account, ctx.platform)
    return ctx.render(account)


def _business_profile(ctx: Ctx) -> dict[str, Any]:
    allowed = {"mcc", "name", "product_description", "support_email", "support_phone", "support_url", "url"}
    return {k: v for k, v in ctx.params.hash("business_profile").items() if k in allowed}


def _requested_capabilities(ctx: Ctx, current: dict[str, str]) -> dict[str, bool]:
    wanted: dict[str, bool] = dict.fromkeys(current, True)
    for name, options in ctx.params.hash("capabilities").items():
        if name not in onboarding.CAPABILITIES:
            raise bad_param(f"Invalid capability: {name}", param=f"capabilities[{name}]")
        requested = options.get("requested") if isinstance(options, dict) else None
        if requested not in ("true", "false"):
            raise bad_param("Invalid boolean", param=f"capabilities[{name}][requested]")
        wanted[name] = requested == "true"
    return {name: True for name, on in wanted.items() if on}


def _account(ctx: Ctx, acct_id: str) -> Record:
    ctx.require_platform("read another account")
    record = ctx.store.find(acct_id)
    if record is None or record.obj.get("object") != "account" or record.private.get("platform"):
        raise StripeError(
            404, f"No such account: '{acct_id}'", code="resource_missing", param="account", saved=False
        )
    return record


def retrieve_account(ctx: Ctx, account: str) -> dict[str, Any]:
    return ctx.render(_account(ctx, account).obj)


def retrieve_own_account(ctx: Ctx) -> dict[str, Any]:
    record = ctx.store.find(ctx.account)
    assert record is not None
    return ctx.render(record.obj)


def update_account(ctx: Ctx, account: str) -> dict[str, Any]:
    record = _account(ctx, account)
    acct, p = record.obj, ctx.params
    before = copy.deepcopy(acct)
    if "email" in p:
        acct["email"] = p.text("email")
    if "default_currency" in p:
        acct["default_currency"] = p.currency("default_currency")
    if "business_type" in p:
        acct["business_type"] = p.text("business_type")
    acct["business_profile"].update(_business_profile(ctx))
    acct["metadata"] = apply_metadata(acct["metadata"], p.get("metadata"))
    wanted = _requested_capabilities(ctx, acct["capabilities"])
    status = "active" if acct["charges_enabled"] else "inactive"
    acct["capabilities"] = {name: acct["capabilities"].get(name, status) for name in wanted}
    changed = diff(before, acct)
    if changed:
        onboarding.emit_account_updated(ctx, acct, changed)
    return ctx.render(acct)


def delete_account(ctx: Ctx, account: str) -> dict[str, Any]:
    record = _account(ctx, account)
    nonzero = {c: v for c, v in ledger.totals(ctx.store, account, ctx.now).items() if v != (0, 0)}
    if nonzero:
        raise invalid(
            "This account cannot be deleted because it has a non-zero balance.", code="account_invalid"
        )
    ctx.store.remove(record.obj["id"])
    return objects.deleted(account, "account")


def reject_account(ctx: Ctx, account: str) -> dict[str, Any]:
    record = _account(ctx, account)
    reason = ctx.params.req_text("reason", choices=["fraud", "terms_of_service", "other"])
    if str(record.obj["requirements"]["disabled_reason"] or "").startswith("rejected."):
        raise invalid("This account has already been rejected.", code="account_invalid")
    onboarding.apply_outcome(ctx, record, "reject", reason=reason)
    return ctx.render(record.obj)


def list_accounts(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("list accounts")
    return ctx.page(
        ctx.store.all("account", ctx.platform, lambda r: not r.private.get("platform")), "account"
    )


# account links ---------------------------------------------------------------------------------
def create_account_link(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("create an account link")
    p = ctx.params
    account = _account(ctx, p.req_text("account")).obj["id"]
    p.req_text("type", choices=["account_onboarding", "account_update"])
    refresh_url, return_url = p.req_text("refresh_url"), p.req_text("return_url")
    for name, url in (("refresh_url", refresh_url), ("return_url", return_url)):
        if not url.startswith(("http://", "https://")):
            raise bad_param(f"Not a valid URL: {url}", param=name, code="url_invalid")
    token = new_id("", 32)
    expires_at = ctx.now + LINK_LIFETIME
    ctx.store.links[token] = LinkRecord(token, account, refresh_url, return_url, expires_at)
    return {
        "object": "account_link",
        "created": ctx.now,
        "expires_at": expires_at,
        "url": f"{ctx.base_url}/connect/onboarding/{token}",
    }


# transfers -------------------------------------------------------------------------------------
def make_transfer(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    destination: str,
    source_transaction: str | None,
    transfer_group: str | None,
    available_on: int,
    application_fee: int = 0,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Move ``amount`` from the platform to ``destination``; the connected account sees a payment
    (``py_``) that carries a destination charge's application fee."""
    tr_id = new_id("tr_")
    py_id = new_id("py_")
    platform_txn = ledger.post(
        ctx,
        ctx.platform,
        amount=-amount,
        currency=currency,
        type_="transfer",
        source=tr_id,
        available_on=available_on,
        description=description,
    )
    fee_details = (
        [ledger.fee_detail(application_fee, currency, "application_fee", "Application fee")]
        if application_fee
        else []
    )
    connected_txn = ledger.post(
        ctx,
        destination,
        amount=amount,
        currency=currency,
        type_="payment",
        source=py_id,
        fee_details=fee_details,
        available_on=available_on,
    )
    payment = {
        "id": py_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": application_fee or None,
        "balance_transaction": connected_txn["id"],
        "captured": True,
        "created": ctx.now,
        "currency": currency,
        "customer": None,
        "description": None,
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": None,
        "payment_method": None,
        "refunded": False,
        "source_transfer": tr_id,
        "status": "succeeded",
        "transfer_group": transfer_group,
    }
    ctx.store.add(payment, destination)
    transfer = {
        "id": tr_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": platform_txn["id"],
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "destination": destination,
        "destination_payment": py_id,
        "livemode": False,
        "metadata": metadata or {},
        "reversals": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/transfers/{tr_id}/reversals",
        },
        "reversed": False,
        "source_transaction": source_transaction,
        "source_type": "card",
        "transfer_group": transfer_group,
    }
    ctx.store.add(transfer, ctx.platform)
    ctx.emit("transfer.created", transfer, owner=ctx.platform)
    return transfer


def create_transfer(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("create a transfer")
    p = ctx.params
    currency = p.currency()
    amount = p.req_integer("amount", minimum=1)
    assert currency is not None
    destination = p.req_text("destination")
    require_transfers_capability(
        connected_account(ctx, destination, param="destination"), param="destination"
    )
    source_id = p.text("source_transaction")
    available_on = ctx.now
    if source_id is not None:
        source = ctx.store.get("charge", source_id, ctx.platform, param="source_transaction")
        charge = source.obj
        if charge["status"] != "succeeded" or not charge["captured"]:
            raise invalid(
                f"The source_transaction {source_id} has not succeeded and cannot fund a transfer.",
                param="source_transaction",
            )
        if charge["currency"] != currency:
            raise invalid(
                f"The currency of source_transaction {source_id} ({charge['currency']}) must match the "
                f"transfer currency ({currency}).",
                param="currency",
            )
        remaining = source_remaining(ctx, source)
        if amount > remaining:
            raise invalid(
                f"Insufficient funds on source_transaction {source_id}: the transfer amount ({amount}) "
                f"exceeds what remains of the charge ({remaining}).",
                param="amount",
                code="balance_insufficient",
            )
        txn = ctx.store.find(charge["balance_transaction"])
        available_on = txn.obj["available_on"] if txn is not None else ctx.now
    elif ledger.available(ctx.store, ctx.platform, currency, ctx.now) < amount:
        raise invalid(
            "You have insufficient available funds in your Stripe account. Try adding funds directly to your "
            "available balance by creating Charges using the 4000000000000077 test card.",
            code="balance_insufficient",
        )
    transfer = make_transfer(
        ctx,
        amount=amount,
        currency=currency,
        destination=destination,
        source_transaction=source_id,
        transfer_group=p.text("transfer_group"),
        available_on=available_on,
        description=p.text("description"),
        metadata=apply_metadata({}, p.get("metadata")),
    )
    return ctx.render(transfer)


def source_remaining(ctx: Ctx, charge_record: Record) -> int:
    """What a charge can still fund: captured, less refunds, less live transfers from it."""
    charge = charge_record.obj
    moved: int = sum(
        t.obj["amount"] - t.obj["amount_reversed"]
        for t in ctx.store.all(
            "transfer", ctx.platform, lambda r: r.obj["source_transaction"] == charge["id"]
        )
    )
    refunded: int = charge_record.private.get("refunded_by_refunds", 0)
    return int(charge["amount_captured"]) - refunded - moved


def transfers_of_charge(ctx: Ctx, charge: dict[str, Any]) -> list[Record]:
    """A destination charge's transfer, or the transfers made with the charge as source_transaction."""
    if charge["transfer"] is not None:
        record = ctx.store.find(charge["transfer"])
        return [record] if record is not None else []
    return ctx.store.all("transfer", ctx.platform, lambda r: r.obj["source_transaction"] == charge["id"])


def _transfer(ctx: Ctx, tr_id: str) -> Record:
    ctx.require_platform("read a transfer")
    return ctx.store.get("transfer", tr_id, ctx.platform, param="transfer")


def retrieve_transfer(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(_transfer(ctx, id).obj)


def update_transfer(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _transfer(ctx, id)
    before = copy.deepcopy(record.obj)
    if "description" in ctx.params:
        record.obj["description"] = ctx.params.text("description")
    record.obj["metadata"] = apply_metadata(record.obj["metadata"], ctx.params.get("metadata"))
    changed = diff(before, record.obj)
    if changed:
        ctx.emit("transfer.updated", record.obj, previous=changed)
    return ctx.render(record.obj)


def list_transfers(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("list transfers")
    destination, group = ctx.params.text("destination"), ctx.params.text("transfer_group")

    def matches(record: Record) -> bool:
        return (destination is None or record.obj["destination"] == destination) and (
            group is None or record.obj["transfer_group"] == group
        )

    return ctx.page(ctx.store.all("transfer", ctx.platform, matches), "transfer")


# reversals -------------------------------------------------------------------------------------
def make_reversal(
    ctx: Ctx,
    record: Record,
    amount: int,
    *,
    source_refund: str | None = None,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    transfer = record.obj
    before = copy.deepcopy(transfer)
    trr_id, pyr_id = new_id("trr_"), new_id("pyr_")
    currency = transfer["currency"]
    txn = ledger.post(
        ctx, ctx.platform, amount=amount, currency=currency, type_="transfer_refund", source=trr_id,
        description=description,
    )  # fmt: skip
    ledger.post(
        ctx, transfer["destination"], amount=-amount, currency=currency, type_="payment_refund", source=pyr_id
    )
    reversal = {
        "id": trr_id,
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": txn["id"],
        "created": ctx.now,
        "currency": currency,
        "destination_payment_refund": pyr_id,
        "metadata": metadata or {},
        "source_refund": source_refund,
        "transfer": transfer["id"],
    }
    ctx.store.add(reversal, ctx.platform)
    payment = ctx.store.find(transfer["destination_payment"])
    if payment is not None:
        payment.obj["amount_refunded"] += amount
        payment.obj["refunded"] = payment.obj["amount_refunded"] >= payment.obj["amount"]
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
    listing = transfer["reversals"]
    listing["data"] = [copy.deepcopy(reversal), *listing["data"]][:10]
    listing["total_count"] += 1
    listing["has_more"] = listing["total_count"] > len(listing["data"])
    ctx.emit("transfer.reversed", transfer, owner=ctx.platform, previous=diff(before, transfer))
    return reversal


def create_reversal(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _transfer(ctx, id)
    transfer = record.obj
    remaining = transfer["amount"] - transfer["amount_reversed"]
    if remaining <= 0:
        raise invalid(f"Transfer {id} has already been fully reversed.", code="transfer_already_reversed")
    amount = ctx.params.integer("amount", minimum=1)
    if amount is None:
        amount = remaining
    if amount > remaining:
        raise invalid(
            f"Reversal amount ({amount}) is greater than the amount that can still be reversed "
            f"({remaining}).",
            param="amount",
            code="amount_too_large",
        )
    # the connected account gives the money back from its balance: one that paid it out cannot
    held = sum(ledger.totals(ctx.store, transfer["destination"], ctx.now).get(transfer["currency"], (0, 0)))
    if held < amount:
        raise invalid(
            f"The destination account has insufficient funds ({held}) to cover the reversal of {amount}.",
            param="amount",
            code="insufficient_funds",
        )
    reversal = make_reversal(
        ctx,
        record,
        amount,
        metadata=apply_metadata({}, ctx.params.get("metadata")),
        description=ctx.params.text("description"),
    )
    if ctx.params.flag("refund_application_fee"):
        payment = ctx.store.find(transfer["destination_payment"])
        fee_amount = payment.obj.get("application_fee_amount") if payment is not None else None
        fee_id = _fee_for_transfer(ctx, transfer)
        if fee_amount and fee_id is not None:
            fee = ctx.store.get("application_fee", fee_id, ctx.platform)
            share = min(_half_up_share(amount, fee_amount, transfer["amount"]), _fee_remaining(fee))
            if share > 0:
                make_fee_refund(ctx, fee, share)
    return ctx.render(reversal)


def _fee_for_transfer(ctx: Ctx, transfer: dict[str, Any]) -> str | None:
    fees = ctx.store.all(
        "application_fee", ctx.platform, lambda r: r.obj["charge"] == transfer["destination_payment"]
    )
    return fees[0].obj["id"] if fees else None


def list_reversals(ctx: Ctx, id: str) -> dict[str, Any]:
    _transfer(ctx, id)
    return ctx.page(
        ctx.store.all("transfer_reversal", ctx.platform, lambda r: r.obj["transfer"] == id),
        "transfer_reversal",
    )


def retrieve_reversal(ctx: Ctx, transfer: str, id: str) -> dict[str, Any]:
    _transfer(ctx, transfer)
    record = ctx.store.get("transfer_reversal", id, ctx.platform)
    if record.obj["transfer"] != transfer:
        raise StripeError(
            404, f"No such transfer reversal: '{id}'", code="resource_missing", param="id", saved=False
        )
    return ctx.render(record.obj)


def reverse_for_refund(
    ctx: Ctx, charge: dict[str, Any], transfers: list[Record], refund_amount: int, refund_id: str
) -> list[str]:
    """Reverse each linked transfer in proportion to the refunded share of the charge."""
    ids = []
    for record in transfers:
        transfer = record.obj
        share = _half_up_share(refund_amount, transfer["amount"], charge["amount_captured"])
        share = min(share, transfer["amount"] - transfer["amount_reversed"])
        if share > 0:
            ids.append(make_reversal(ctx, record, share, source_refund=refund_id)["id"])
    return ids


# application fees ------------------------------------------------------------------------------
def make_application_fee(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    account: str,
    charge: str,
    originating: str | None,
    available_on: int,
) -> dict[str, Any]:
    fee_id = new_id("fee_")
    txn = ledger.post(
        ctx, ctx.platform, amount=amount, currency=currency, type_="application_fee", source=fee_id,
        available_on=available_on,
    )  # fmt: skip
    fee = {
        "id": fee_id,
        "object": "application_fee",
        "account": account,
        "amount": amount,
        "amount_refunded": 0,
        "application": "ca_resale_local",
        "balance_transaction": txn["id"],
        "charge": charge,
        "created": ctx.now,
        "currency": currency,
        "fee_source": {"charge": charge, "type": "charge"},
        "livemode": False,
        "originating_transaction": originating,
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/application_fees/{fee_id}/refunds",
        },
    }
    ctx.store.add(fee, ctx.platform)
    ctx.emit("application_fee.created", fee, owner=ctx.platform)
    return fee


def _fee_remaining(record: Record) -> int:
    return int(record.obj["amount"]) - int(record.obj["amount_refunded"])


def make_fee_refund(
    ctx: Ctx, record: Record, amount: int, metadata: dict[str, str] | None = None
) -> dict[str, Any]:
    fee = record.obj
    before = copy.deepcopy(fee)
    fr_id = new_id("fr_")
    txn = ledger.post(
        ctx,
        ctx.platform,
        amount=-amount,
        currency=fee["currency"],
        type_="application_fee_refund",
        source=fr_id,
    )
    ledger.post(
        ctx,
        fee["account"],
        amount=amount,
        currency=fee["currency"],
        type_="application_fee_refund",
        source=fr_id,
    )
    refund = {
        "id": fr_id,
        "object": "fee_refund",
        "amount": amount,
        "balance_transaction": txn["id"],
        "created": ctx.now,
        "currency": fee["currency"],
        "fee": fee["id"],
        "metadata": metadata or {},
    }
    ctx.store.add(refund, ctx.platform)
    fee["amount_refunded"] += amount
    fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
    listing = fee["refunds"]
    listing["data"] = [copy.deepcopy(refund), *listing["data"]][:10]
    listing["total_count"] += 1
    listing["has_more"] = listing["total_count"] > len(listing["data"])
    ctx.emit("application_fee.refunded", fee, owner=ctx.platform, previous=diff(before, fee))
    return refund


def refund_fee_for_refund(ctx: Ctx, charge: dict[str, Any], refund_amount: int) -> None:
    record = ctx.store.get("application_fee", charge["application_fee"], ctx.platform)
    share = _half_up_share(refund_amount, record.obj["amount"], charge["amount_captured"])
    share = min(share, _fee_remaining(record))
    if share > 0:
        make_fee_refund(ctx, record, share)


def _fee(ctx: Ctx, fee_id: str) -> Record:
    ctx.require_platform("read application fees")
    return ctx.store.get("application_fee", fee_id, ctx.platform)


def retrieve_fee(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(_fee(ctx, id).obj)


def list_fees(ctx: Ctx) -> dict[str, Any]:
    ctx.require_platform("list application fees")
    charge = ctx.params.text("charge")
    return ctx.page(
        ctx.store.all("application_fee", ctx.platform, lambda r: charge is None or r.obj["charge"] == charge),
        "application_fee",
    )


def create_fee_refund(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _fee(ctx, id)
    remaining = _fee_remaining(record)
    if remaining <= 0:
        raise invalid(f"Application fee {id} has already been refunded.", code="charge_already_refunded")
    amount = ctx.params.integer("amount", minimum=1)
    if amount is None:
        amount = remaining
    if amount > remaining:
        raise invalid(
            f"Refund amount ({amount}) is greater than the unrefunded amount of the fee ({remaining}).",
            param="amount",
            code="amount_too_large",
        )
    return ctx.render(make_fee_refund(ctx, record, amount, apply_metadata({}, ctx.params.get("metadata"))))


def list_fee_refunds(ctx: Ctx, id: str) -> dict[str, Any]:
    _fee(ctx, id)
    return ctx.page(ctx.store.all("fee_refund", ctx.platform, lambda r: r.obj["fee"] == id), "fee_refund")


def retrieve_fee_refund(ctx: Ctx, fee: str, id: str) -> dict[str, Any]:
    _fee(ctx, fee)
    record = ctx.store.get("fee_refund", id, ctx.platform)
    if record.obj["fee"] != fee:
        raise StripeError(
            404, f"No such fee refund: '{id}'", code="resource_missing", param="id", saved=False
        )
    return ctx.render(record.obj)


# payouts ---------------------------------------------------------------------------------------
def create_payout(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    account = ctx.store.find(ctx.account)
    assert account is not None
    acct = account.obj
    currency = p.currency(required=False) or acct["default_currency"]
    amount = p.req_integer("amount", minimum=1)
    if not acct["payouts_enabled"]:
        raise invalid(
            "Your account cannot currently make payouts. Provide the missing information in the account's "
            "requirements to enable payouts.",
            code="payouts_not_allowed",
        )
    if ledger.available(ctx.store, ctx.account, currency, ctx.now) < amount:
        raise invalid(
            "You have insufficient funds in your Stripe account for this transfer. Your card balance is "
            "too low. You can use the /v1/balance endpoint to view your Stripe balance.",
            code="balance_insufficient",
            param="amount",
        )
    po_id = new_id("po_")
    txn = ledger.post(ctx, ctx.account, amount=-amount, currency=currency, type_="payout", source=po_id)
    banks = acct["external_accounts"]["data"]
    payout = {
        "id": po_id,
        "object": "payout",
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": ctx.now,
        "automatic": False,
        "balance_transaction": txn["id"],
        "created": ctx.now,
        "currency": currency,
        "description": p.text("description"),
        "destination": banks[0]["id"] if banks else p.text("destination"),
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": apply_metadata({}, p.get("metadata")),
        "method": p.text("method", choices=["standard", "instant"]) or "standard",
        "original_payout": None,
        "reconciliation_status": "not_applicable",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": p.text("statement_descriptor"),
        "status": "pending",
        "type": "bank_account",
    }
    ctx.store.add(payout, ctx.account)
    ctx.emit("payout.created", payout)
    payout["status"] = "paid"
    payout["reconciliation_status"] = "completed"
    ctx.emit("payout.paid", payout, previous={"status": "pending", "reconciliation_status": "not_applicable"})
    return ctx.render(payout)


def retrieve_payout(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.store.get("payout", id, ctx.account, param="payout").obj)


def list_payouts(ctx: Ctx) -> dict[str, Any]:
    status = ctx.params.text("status")
    return ctx.page(
        ctx.store.all("payout", ctx.account, lambda r: status is None or r.obj["status"] == status), "payout"
    )


# balance ---------------------------------------------------------------------------------------
def retrieve_balance(ctx: Ctx) -> dict[str, Any]:
    account = ctx.store.find(ctx.account)
    currency = account.obj.get("default_currency") if account is not None else None
    return ledger.balance(ctx.store, ctx.account, ctx.now, currency or "usd")


def list_balance_transactions(ctx: Ctx) -> dict[str, Any]:
    filters = {name: ctx.params.text(name) for name in ("type", "source", "currency")}
    payout = ctx.params.text("payout")

    def matches(record: Record) -> bool:
        if payout is not None and record.obj["source"] != payout:
            return False
        return all(value is None or record.obj.get(name) == value for name, value in filters.items())

    return ctx.page(ctx.store.all("balance_transaction", ctx.account, matches), "balance_transaction")


def retrieve_balance_transaction(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.store.get("balance_transaction", id, ctx.account).obj)


_LINK = "account refresh_url return_url type collect collection_options"
_TRANSFER = "amount currency destination transfer_group source_transaction metadata description source_type"
_REVERSAL = "amount description metadata refund_application_fee"
_PAYOUT = "amount currency description metadata method destination statement_descriptor source_type"
_PAGING = "limit starting_after ending_before"
_ACCOUNT = (
    "type country email business_type capabilities default_currency metadata business_profile controller "
    "settings tos_acceptance individual company external_account"
)

ROUTES: list[Route] = [
    route("POST", "/v1/accounts", create_account, _ACCOUNT),
    route("GET", "/v1/accounts", list_accounts),
    route("GET", "/v1/account", retrieve_own_account),
    route("GET", "/v1/accounts/<account>", retrieve_account),
    route("POST", "/v1/accounts/<account>", update_account, _ACCOUNT),
    route("DELETE", "/v1/accounts/<account>", delete_account),
    route("POST", "/v1/accounts/<account>/reject", reject_account, "reason"),
    route("POST", "/v1/account_links", create_account_link, _LINK),
    route("POST", "/v1/transfers", create_transfer, _TRANSFER),
    route("GET", "/v1/transfers", list_transfers, "destination transfer_group"),
    route("GET", "/v1/transfers/<id>", retrieve_transfer),
    route("POST", "/v1/transfers/<id>", update_transfer, "description metadata"),
    route("POST", "/v1/transfers/<id>/reversals", create_reversal, _REVERSAL),
    route("GET", "/v1/transfers/<id>/reversals", list_reversals, _PAGING),
    route("GET", "/v1/transfers/<transfer>/reversals/<id>", retrieve_reversal),
    route("GET", "/v1/application_fees", list_fees, "charge"),
    route("GET", "/v1/application_fees/<id>", retrieve_fee),
    route("POST", "/v1/application_fees/<id>/refunds", create_fee_refund, "amount metadata"),
    route("GET", "/v1/application_fees/<id>/refunds", list_fee_refunds, _PAGING),
    route("GET", "/v1/application_fees/<fee>/refunds/<id>", retrieve_fee_refund),
    route("POST", "/v1/payouts", create_payout, _PAYOUT),
    route("GET", "/v1/payouts", list_payouts, "status arrival_date destination"),
    route("GET", "/v1/payouts/<id>", retrieve_payout),
    route("GET", "/v1/balance", retrieve_balance),
    route("GET", "/v1/balance_transactions", list_balance_transactions, "type source currency payout"),
    route("GET", "/v1/balance_transactions/<id>", retrieve_balance_transaction),
]

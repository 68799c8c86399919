"""Connected accounts' requirements, and the hosted onboarding page an account link opens.

The page stands in for Stripe's hosted onboarding: GET shows a small form, POST submits it with
``outcome`` = ``complete`` (default), ``restrict`` or ``reject``, and the account changes as it
would once Stripe had reviewed what the seller entered.
"""

from __future__ import annotations

import copy
import html
from typing import TYPE_CHECKING, Any

from local.providers.stripe.context import diff
from local.providers.stripe.store import new_id

if TYPE_CHECKING:
    from local.providers.stripe.context import Ctx
    from local.providers.stripe.store import LinkRecord, Record

CAPABILITIES = frozenset({"card_payments", "transfers"})
OUTCOMES = ("complete", "restrict", "reject")

_PROFILE_DUE = ["business_profile.mcc", "business_profile.url", "external_account"]
_TOS_DUE = ["tos_acceptance.date", "tos_acceptance.ip"]
_INDIVIDUAL_DUE = [
    "individual.address.city",
    "individual.address.line1",
    "individual.address.postal_code",
    "individual.address.state",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.email",
    "individual.first_name",
    "individual.last_name",
    "individual.phone",
    "individual.ssn_last_4",
]
_COMPANY_DUE = [
    "company.address.city",
    "company.address.line1",
    "company.address.postal_code",
    "company.address.state",
    "company.name",
    "company.phone",
    "company.tax_id",
    "representative.first_name",
    "representative.last_name",
    "representative.email",
]
#: what a restricted account still owes after onboarding: payouts wait for it
RESTRICTED_DUE = ["individual.verification.document"]


def requirements(due: list[str], disabled_reason: str | None, *, past_due: bool) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due) if past_due else [],
        "pending_verification": [],
    }


def initial_due(business_type: str | None) -> list[str]:
    if business_type is None:
        return sorted(["business_type", *_PROFILE_DUE, *_TOS_DUE, *_INDIVIDUAL_DUE])
    people = _INDIVIDUAL_DUE if business_type == "individual" else _COMPANY_DUE
    return sorted([*_PROFILE_DUE, *_TOS_DUE, *people])


def new_account(
    acct_id: str, now: int, *, kind: str, country: str, business_type: str | None
) -> dict[str, Any]:
    due = initial_due(business_type)
    return {
        "id": acct_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": None,
            "mcc": None,
            "name": None,
            "product_description": None,
            "support_address": None,
            "support_email": None,
            "support_phone": None,
            "support_url": None,
            "url": None,
        },
        "business_type": business_type,
        "capabilities": {},
        "charges_enabled": False,
        "controller": {
            "fees": {"payer": "application"},
            "is_controller": True,
            "losses": {"payments": "application"},
            "requirement_collection": "stripe" if kind != "custom" else "application",
            "stripe_dashboard": {"type": {"express": "express", "standard": "full"}.get(kind, "none")},
            "type": "application",
        },
        "country": country,
        "created": now,
        "default_currency": "usd",
        "details_submitted": False,
        "email": None,
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/accounts/{acct_id}/external_accounts",
        },
        "future_requirements": requirements([], None, past_due=False),
        "metadata": {},
        "payouts_enabled": False,
        "requirements": requirements(due, "requirements.past_due", past_due=True),
        "settings": {
            "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": kind,
    }


def platform_account(acct_id: str, now: int) -> dict[str, Any]:
    account = new_account(acct_id, now, kind="standard", country="US", business_type="company")
    account.update(
        {
            "business_profile": {
                **account["business_profile"],
                "name": "Resale",
                "url": "https://resale.example",
            },
            "capabilities": {"card_payments": "active", "transfers": "active"},
            "charges_enabled": True,
            "controller": {"type": "account"},
            "details_submitted": True,
            "payouts_enabled": True,
            "requirements": requirements([], None, past_due=False),
        }
    )
    account["external_accounts"]["data"] = [_bank_account(acct_id, "usd", "US")]
    account["external_accounts"]["total_count"] = 1
    return account


def _bank_account(acct_id: str, currency: str, country: str) -> dict[str, Any]:
    return {
        "id": new_id("ba_"),
        "object": "bank_account",
        "account": acct_id,
        "account_holder_name": None,
        "account_holder_type": None,
        "bank_name": "STRIPE TEST BANK",
        "country": country,
        "currency": currency,
        "default_for_currency": True,
        "fingerprint": new_id("", 16),
        "last4": "6789",
        "metadata": {},
        "routing_number": "110000000",
        "status": "new",
    }


def apply_outcome(ctx: Ctx, record: Record, outcome: str, *, reason: str = "other") -> None:
    """Move the account to where Stripe's review of the submitted details would leave it."""
    acct = record.obj
    before = copy.deepcopy(acct)
    acct_id = acct["id"]
    if outcome != "reject":
        if not acct["external_accounts"]["data"]:
            acct["external_accounts"]["data"] = [
                _bank_account(acct_id, acct["default_currency"], acct["country"])
            ]
            acct["external_accounts"]["total_count"] = 1
        acct["business_profile"]["mcc"] = acct["business_profile"]["mcc"] or "5734"
        acct["business_profile"]["url"] = (
            acct["business_profile"]["url"] or f"https://resale.example/s/{acct_id}"
        )
        acct["business_type"] = acct["business_type"] or "individual"
        acct["tos_acceptance"] = {"date": ctx.now, "ip": "127.0.0.1", "user_agent": "resale-local"}
    acct["details_submitted"] = True
    acct["future_requirements"] = requirements([], None, past_due=False)
    if outcome == "complete":
        acct["requirements"] = requirements([], None, past_due=False)
        acct["charges_enabled"] = acct["payouts_enabled"] = True
        status = "active"
    elif outcome == "restrict":
        acct["requirements"] = requirements(RESTRICTED_DUE, None, past_due=True)
        acct["charges_enabled"], acct["payouts_enabled"] = True, False
        status = "active"
    else:
        acct["requirements"] = requirements([], f"rejected.{reason}", past_due=False)
        acct["charges_enabled"] = acct["payouts_enabled"] = False
        status = "inactive"
    acct["capabilities"] = dict.fromkeys(acct["capabilities"], status)
    emit_account_updated(ctx, acct, diff(before, acct))


def emit_account_updated(ctx: Ctx, acct: dict[str, Any], previous: dict[str, Any]) -> None:
    """``account.updated`` and ``capability.updated`` as Connect events of the account."""
    ctx.emit("account.updated", acct, owner=acct["id"], previous=previous)
    old_capabilities = previous.get("capabilities") or {}
    for name, old in old_capabilities.items():
        status = acct["capabilities"].get(name)
        if status is None or old == status:
            continue
        capability = {
            "id": name,
            "object": "capability",
            "account": acct["id"],
            "future_requirements": requirements([], None, past_due=False),
            "requested": True,
            "requested_at": acct["created"],
            "requirements": copy.deepcopy(acct["requirements"]),
            "status": status,
        }
        ctx.emit("capability.updated", capability, owner=acct["id"], previous={"status": old})


def link_problem(link: LinkRecord | None, now: int) -> str | None:
    """Why a link cannot be used, or None."""
    if link is None:
        return "This onboarding link does not exist."
    if link.used:
        return "This onboarding link has already been used. Ask the platform for a new one."
    if now > link.expires_at:
        return "This onboarding link has expired. Ask the platform for a new one."
    return None


def form_page(link: LinkRecord, account: dict[str, Any]) -> str:
    options = "".join(
        f'<label><input type="radio" name="outcome" value="{o}"{" checked" if o == "complete" else ""}>'
        f" {o}</label><br>"
        for o in OUTCOMES
    )
    return (
        "<!doctype html><html><head><title>Resale local onboarding</title></head><body>"
        f"<h1>Onboarding for {html.escape(account['id'])}</h1>"
        f"<p>Email: {html.escape(str(account.get('email') or ''))}</p>"
        f'<form method="post" action="/connect/onboarding/{html.escape(link.token)}">{options}'
        '<button type="submit">Submit</button></form></body></html>'
    )


def message_page(title: str, text: str, link_url: str | None = None) -> str:
    link = f'<p><a href="{html.escape(link_url)}">Continue</a></p>' if link_url else ""
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{link}</body></html>"
    )

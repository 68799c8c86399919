"""Reconciliation as a pure comparison: every kind of difference is found, agreement is clean."""

from __future__ import annotations

from datetime import UTC, datetime

from workflows.payouts.reconciliation import (
    LedgerPayment,
    LedgerTransfer,
    StripeCharge,
    StripeTransfer,
    reconcile,
)

NOW = datetime(2026, 11, 23, tzinfo=UTC)


class Side:
    def __init__(self, transfers, payments_or_charges) -> None:
        self._t, self._c = transfers, payments_or_charges

    def transfers(self):
        return self._t

    def payments(self):
        return self._c

    def charges(self):
        return self._c


def test_given_both_sides_agree_then_the_report_is_clean() -> None:
    ledger = Side(
        [LedgerTransfer("tr_1", "o1", 900, 100, "USD")], [LedgerPayment("pi_1", ("o1",), 1000, "USD")]
    )
    stripe = Side(
        [StripeTransfer("tr_1", 900, 100, "USD", "o1")], [StripeCharge("pi_1", ("ch_1",), 1000, "USD")]
    )
    report = reconcile(ledger, stripe, now=NOW)
    assert report.clean
    assert (report.transfers_checked, report.charges_checked) == (1, 1)
    assert report.as_dict()["differences"] == []


def test_given_every_kind_of_difference_then_each_is_reported() -> None:
    ledger = Side(
        [
            LedgerTransfer("tr_1", "o1", 900, 0, "USD"),  # amount differs
            LedgerTransfer("tr_2", "o2", 500, 0, "USD"),  # missing in Stripe
            LedgerTransfer("tr_4", "o4", 300, 0, "USD"),  # reversal differs
        ],
        [LedgerPayment("pi_1", ("o1",), 1000, "USD"), LedgerPayment("pi_2", ("o2",), 700, "USD")],
    )
    stripe = Side(
        [
            StripeTransfer("tr_1", 901, 0, "USD", "o1"),
            StripeTransfer("tr_3", 400, 0, "USD", "o3"),  # missing in the ledger
            StripeTransfer("tr_4", 300, 50, "USD", "o4"),
        ],
        [StripeCharge("pi_1", ("ch_1",), 1001, "USD"), StripeCharge("pi_3", ("ch_3",), 200, "USD")],
    )
    report = reconcile(ledger, stripe, now=NOW)
    found = {(d.kind, d.stripe_id) for d in report.differences}
    assert found == {
        ("transfer_amount_differs", "tr_1"),
        ("transfer_missing_in_stripe", "tr_2"),
        ("transfer_missing_in_ledger", "tr_3"),
        ("reversal_amount_differs", "tr_4"),
        ("charge_amount_differs", "pi_1"),
        ("payment_missing_in_stripe", "pi_2"),
        ("charge_missing_in_ledger", "pi_3"),
    }
    assert not report.clean
    assert report.as_dict()["clean"] is False

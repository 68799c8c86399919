"""Reconciliation as a pure comparison over a window: every kind of difference is found,
agreement is clean, pending refunds are expected, and the window's bounds decide what is looked
at (with what straddles a bound looked up by id, not reported missing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from workflows.payouts.errors import InvalidReconciliationWindow
from workflows.payouts.reconciliation import (
    DEFAULT_WINDOW_DAYS,
    LedgerPayment,
    LedgerRefund,
    LedgerReversal,
    LedgerTransfer,
    ReconciliationRequest,
    StripeCharge,
    StripeRefund,
    StripeReversal,
    StripeTransfer,
    Window,
    compare_refunds,
    reconcile,
)

NOW = datetime(2026, 11, 23, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(days=2), NOW)
INSIDE = NOW - timedelta(hours=1)
BEFORE = WINDOW.start - timedelta(days=1)


@dataclass
class FakeLedger:
    """The ledger's records, each with when it was posted."""

    transfers_: list[tuple[datetime, LedgerTransfer]] = field(default_factory=list)
    payments_: list[tuple[datetime, LedgerPayment]] = field(default_factory=list)
    refunds_: list[tuple[datetime, LedgerRefund]] = field(default_factory=list)
    reversals_: list[tuple[datetime, LedgerReversal]] = field(default_factory=list)

    @staticmethod
    def _select(records, key, window, also):
        return [r for at, r in records if window.contains(at) or key(r) in set(also)]

    def transfers(self, window, also=()):
        return self._select(self.transfers_, lambda r: r.transfer_id, window, also)

    def payments(self, window, also=()):
        return self._select(self.payments_, lambda r: r.payment_intent_id, window, also)

    def refunds(self, window, also=()):
        return self._select(self.refunds_, lambda r: r.refund_id, window, also)

    def reversals(self, window, also=()):
        return self._select(self.reversals_, lambda r: r.reversal_id, window, also)


@dataclass
class FakeStripe:
    """Stripe's objects, each with its ``created``; lists honour the window, lookups do not."""

    transfers_: list[tuple[datetime, StripeTransfer]] = field(default_factory=list)
    charges_: list[tuple[datetime, StripeCharge]] = field(default_factory=list)
    refunds_: list[tuple[datetime, StripeRefund]] = field(default_factory=list)
    reversals_: list[tuple[datetime, StripeReversal]] = field(default_factory=list)

    @staticmethod
    def _listed(records, window):
        return [r for at, r in records if window.contains(at)]

    @staticmethod
    def _one(records, matches):
        return next((r for _, r in records if matches(r)), None)

    def transfers(self, window):
        return self._listed(self.transfers_, window)

    def transfer(self, transfer_id):
        return self._one(self.transfers_, lambda r: r.transfer_id == transfer_id)

    def charges(self, window):
        return self._listed(self.charges_, window)

    def charge(self, payment_intent_id):
        return self._one(self.charges_, lambda r: r.payment_intent_id == payment_intent_id)

    def refunds(self, window):
        return self._listed(self.refunds_, window)

    def refund(self, refund_id):
        return self._one(self.refunds_, lambda r: r.refund_id == refund_id)

    def reversals(self, window):
        return self._listed(self.reversals_, window)

    def reversal(self, transfer_id, reversal_id):
        return self._one(
            self.reversals_, lambda r: (r.transfer_id, r.reversal_id) == (transfer_id, reversal_id)
        )


def _granted(refund_id="re_1", *kinds, amount=1000, order="o1", pi="pi_1") -> LedgerRefund:
    return LedgerRefund(refund_id, order, pi, amount, "USD", frozenset({"refund", *kinds}))


def _stripe_refund(refund_id="re_1", status="succeeded", amount=1000, order="o1", pi="pi_1") -> StripeRefund:
    return StripeRefund(refund_id, amount, "USD", status, order, pi)


def _run(ledger: FakeLedger, stripe: FakeStripe, window: Window = WINDOW):
    return reconcile(ledger, stripe, window=window, now=NOW)


def _kinds(report) -> set[tuple[str, str]]:
    return {(d.kind, d.stripe_id) for d in report.differences}


def test_given_both_sides_agree_then_the_report_is_clean_and_says_its_window() -> None:
    ledger = FakeLedger(
        transfers_=[(INSIDE, LedgerTransfer("tr_1", "o1", 900, 100, "USD"))],
        payments_=[(INSIDE, LedgerPayment("pi_1", ("o1",), 1000, "USD"))],
        refunds_=[(INSIDE, _granted("re_1", "refund_paid"))],
        reversals_=[(INSIDE, LedgerReversal("trr_1", "tr_1", "o1", 100, "USD"))],
    )
    stripe = FakeStripe(
        transfers_=[(INSIDE, StripeTransfer("tr_1", 900, 100, "USD", "o1"))],
        charges_=[(INSIDE, StripeCharge("pi_1", ("ch_1",), 1000, "USD"))],
        refunds_=[(INSIDE, _stripe_refund("re_1", "succeeded"))],
        reversals_=[(INSIDE, StripeReversal("trr_1", "tr_1", 100, "USD"))],
    )
    report = _run(ledger, stripe)
    assert report.clean, report.as_dict()
    counts = (
        report.transfers_checked,
        report.charges_checked,
        report.refunds_checked,
        report.reversals_checked,
    )
    assert counts == (1, 1, 1, 1)
    as_dict = report.as_dict()
    assert as_dict["differences"] == []
    assert as_dict["window"] == {"from": WINDOW.start.isoformat(), "to": WINDOW.end.isoformat()}


def test_given_every_kind_of_transfer_and_charge_difference_then_each_is_reported() -> None:
    ledger = FakeLedger(
        transfers_=[
            (INSIDE, LedgerTransfer("tr_1", "o1", 900, 0, "USD")),  # amount differs
            (INSIDE, LedgerTransfer("tr_2", "o2", 500, 0, "USD")),  # missing in Stripe
            (INSIDE, LedgerTransfer("tr_4", "o4", 300, 0, "USD")),  # reversal differs
        ],
        payments_=[
            (INSIDE, LedgerPayment("pi_1", ("o1",), 1000, "USD")),
            (INSIDE, LedgerPayment("pi_2", ("o2",), 700, "USD")),
        ],
    )
    stripe = FakeStripe(
        transfers_=[
            (INSIDE, StripeTransfer("tr_1", 901, 0, "USD", "o1")),
            (INSIDE, StripeTransfer("tr_3", 400, 0, "USD", "o3")),  # missing in the ledger
            (INSIDE, StripeTransfer("tr_4", 300, 50, "USD", "o4")),
        ],
        charges_=[
            (INSIDE, StripeCharge("pi_1", ("ch_1",), 1001, "USD")),
            (INSIDE, StripeCharge("pi_3", ("ch_3",), 200, "USD")),
        ],
    )
    report = _run(ledger, stripe)
    assert _kinds(report) == {
        ("transfer_amount_differs", "tr_1"),
        ("transfer_missing_in_stripe", "tr_2"),
        ("transfer_missing_in_ledger", "tr_3"),
        ("reversal_amount_differs", "tr_4"),
        ("charge_amount_differs", "pi_1"),
        ("payment_missing_in_stripe", "pi_2"),
        ("charge_missing_in_ledger", "pi_3"),
    }
    assert report.as_dict()["clean"] is False


# -- refunds ---------------------------------------------------------------------------------------


def test_given_a_stripe_refund_the_ledger_never_recorded_then_it_is_reported_missing() -> None:
    stripe = FakeStripe(refunds_=[(INSIDE, _stripe_refund("re_9", "succeeded", amount=450))])
    report = _run(FakeLedger(), stripe)
    [difference] = report.differences
    assert (difference.kind, difference.stripe_id, difference.stripe_amount) == (
        "refund_missing_in_ledger",
        "re_9",
        450,
    )
    assert difference.order_ids == ("o1",)


def test_given_a_refund_amount_that_differs_then_it_is_reported() -> None:
    ledger = FakeLedger(refunds_=[(INSIDE, _granted("re_1", "refund_paid", amount=1000))])
    stripe = FakeStripe(refunds_=[(INSIDE, _stripe_refund("re_1", "succeeded", amount=900))])
    report = _run(ledger, stripe)
    [difference] = report.differences
    assert (difference.kind, difference.ledger_amount, difference.stripe_amount) == (
        "refund_amount_differs",
        1000,
        900,
    )


def test_given_a_refund_of_another_order_or_charge_then_it_is_reported() -> None:
    ledger = FakeLedger(
        refunds_=[
            (INSIDE, _granted("re_1", "refund_paid", order="o1", pi="pi_1")),
            (INSIDE, _granted("re_2", "refund_paid", order="o2", pi="pi_2")),
        ]
    )
    stripe = FakeStripe(
        refunds_=[
            (INSIDE, _stripe_refund("re_1", order="o9", pi="pi_1")),  # another order
            (INSIDE, _stripe_refund("re_2", order=None, pi="pi_8")),  # another charge
        ]
    )
    assert _kinds(_run(ledger, stripe)) == {
        ("refund_charge_differs", "re_1"),
        ("refund_charge_differs", "re_2"),
    }


def test_given_a_ledger_refund_stripe_does_not_have_then_it_is_reported() -> None:
    ledger = FakeLedger(refunds_=[(INSIDE, _granted("re_5", "refund_paid"))])
    assert _kinds(_run(ledger, FakeStripe())) == {("refund_missing_in_stripe", "re_5")}


def test_given_a_pending_stripe_refund_granted_in_the_ledger_then_it_is_expected_not_a_difference() -> None:
    ledger = FakeLedger(refunds_=[(INSIDE, _granted("re_1"))])
    stripe = FakeStripe(refunds_=[(INSIDE, _stripe_refund("re_1", "pending"))])
    report = _run(ledger, stripe)
    assert report.clean, report.as_dict()
    assert report.refunds_pending == ("re_1",)
    assert report.as_dict()["refunds_pending"] == ["re_1"]


@pytest.mark.parametrize(
    ("stripe_status", "ledger_kinds", "agrees"),
    [
        ("succeeded", ("refund_paid",), True),
        ("succeeded", (), False),  # Stripe paid it; the ledger still says granted
        ("pending", ("refund_paid",), False),  # the ledger paid what Stripe has not
        ("requires_action", (), True),
        ("failed", ("refund_failed",), True),
        ("failed", (), False),  # Stripe failed it; the ledger still says the buyer was refunded
        ("canceled", ("refund_paid", "refund_failed", "refund_returned"), True),
        ("failed", ("refund_paid", "refund_failed"), False),  # paid, failed, never returned
        ("pending", ("refund_failed",), False),
    ],
)
def test_given_stripes_refund_status_then_the_ledgers_settlement_must_agree(
    stripe_status: str, ledger_kinds: tuple[str, ...], agrees: bool
) -> None:
    ledger = FakeLedger(refunds_=[(INSIDE, _granted("re_1", *ledger_kinds))])
    stripe = FakeStripe(refunds_=[(INSIDE, _stripe_refund("re_1", stripe_status))])
    report = _run(ledger, stripe)
    assert report.clean is agrees, report.as_dict()
    if not agrees:
        assert _kinds(report) == {("refund_status_differs", "re_1")}


def test_given_a_refund_that_failed_at_once_and_was_never_recorded_then_nothing_is_reported() -> None:
    stripe = FakeStripe(refunds_=[(INSIDE, _stripe_refund("re_1", "failed"))])
    assert _run(FakeLedger(), stripe).clean


def test_given_a_ledger_without_refund_paid_then_a_succeeded_refund_granted_is_tolerated() -> None:
    # Given a ledger that cannot record a paid refund yet (the kind is not one of its entries)
    ledger = [_granted("re_1")]
    stripe = [_stripe_refund("re_1", "succeeded")]
    known = ("payment", "fee", "refund", "transfer", "reversal")
    # Then a granted refund is all it can say, and that agrees; with the kind known it does not
    assert compare_refunds(ledger, stripe, known_kinds=known) == ([], [])
    differences, _ = compare_refunds(ledger, stripe)
    assert [d.kind for d in differences] == ["refund_status_differs"]


# -- transfer reversals ----------------------------------------------------------------------------


def test_given_a_stripe_reversal_missing_in_the_ledger_then_it_is_reported() -> None:
    stripe = FakeStripe(reversals_=[(INSIDE, StripeReversal("trr_1", "tr_1", 250, "USD"))])
    [difference] = _run(FakeLedger(), stripe).differences
    assert (difference.kind, difference.stripe_id, difference.stripe_amount) == (
        "reversal_missing_in_ledger",
        "trr_1",
        250,
    )


def test_given_reversals_that_differ_or_are_missing_in_stripe_then_each_is_reported() -> None:
    ledger = FakeLedger(
        reversals_=[
            (INSIDE, LedgerReversal("trr_1", "tr_1", "o1", 250, "USD")),
            (INSIDE, LedgerReversal("trr_2", "tr_2", "o2", 100, "USD")),
        ]
    )
    stripe = FakeStripe(reversals_=[(INSIDE, StripeReversal("trr_1", "tr_1", 200, "USD"))])
    assert _kinds(_run(ledger, stripe)) == {
        ("reversal_differs", "trr_1"),
        ("reversal_missing_in_stripe", "trr_2"),
    }


# -- the window ------------------------------------------------------------------------------------


def test_given_objects_on_the_windows_bounds_then_the_start_is_in_and_the_end_is_out() -> None:
    # Given two Stripe refunds nobody recorded: one created at the start, one at the end
    stripe = FakeStripe(
        refunds_=[(WINDOW.start, _stripe_refund("re_start")), (WINDOW.end, _stripe_refund("re_end"))]
    )
    # Then only the one at the start is in [from, to)
    assert _kinds(_run(FakeLedger(), stripe)) == {("refund_missing_in_ledger", "re_start")}


def test_given_differences_outside_the_window_then_they_are_not_reported() -> None:
    ledger = FakeLedger(transfers_=[(BEFORE, LedgerTransfer("tr_old", "o1", 900, 0, "USD"))])
    stripe = FakeStripe(
        refunds_=[(BEFORE, _stripe_refund("re_old"))],
        reversals_=[(WINDOW.end + timedelta(seconds=1), StripeReversal("trr_new", "tr_1", 5, "USD"))],
    )
    report = _run(ledger, stripe)
    assert report.clean, report.as_dict()
    assert (report.transfers_checked, report.refunds_checked, report.reversals_checked) == (0, 0, 0)


def test_given_an_object_straddling_the_start_then_the_other_side_is_looked_up_by_id() -> None:
    # Given a transfer Stripe created just before the window, recorded by the ledger inside it,
    # and a refund granted in the ledger before the window that Stripe settled inside it
    ledger = FakeLedger(
        transfers_=[(INSIDE, LedgerTransfer("tr_1", "o1", 900, 0, "USD"))],
        refunds_=[(BEFORE, _granted("re_1", "refund_paid"))],
    )
    stripe = FakeStripe(
        transfers_=[(WINDOW.start - timedelta(seconds=1), StripeTransfer("tr_1", 900, 0, "USD", "o1"))],
        refunds_=[(INSIDE, _stripe_refund("re_1", "succeeded"))],
    )
    # Then both are compared (and agree), neither is reported missing
    report = _run(ledger, stripe)
    assert report.clean, report.as_dict()
    assert (report.transfers_checked, report.refunds_checked) == (1, 1)


def test_given_no_bounds_then_the_window_is_the_last_two_days_up_to_now() -> None:
    assert DEFAULT_WINDOW_DAYS == 2
    assert Window.around(NOW) == Window(NOW - timedelta(days=2), NOW)
    end = datetime(2026, 11, 10, tzinfo=UTC)
    assert Window.around(NOW, end=end) == Window(end - timedelta(days=2), end)


def test_given_iso_dates_then_the_request_reads_them_as_utc_bounds() -> None:
    request = ReconciliationRequest.model_validate({"from": "2026-11-01", "to": "2026-11-03T12:00:00+01:00"})
    window = request.window(NOW)
    assert window.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 3, 11, tzinfo=UTC)
    # a scheduled event names no bounds: the default window
    scheduled = {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-23T00:00:00Z"}
    assert ReconciliationRequest.model_validate(scheduled).window(NOW) == Window.around(NOW)


@pytest.mark.parametrize(
    ("start", "end"),
    [(NOW, NOW), (NOW, NOW - timedelta(days=1)), (datetime(2026, 11, 1), NOW)],
)
def test_given_a_window_that_ends_before_it_starts_or_has_no_zone_then_it_is_refused(start, end) -> None:
    with pytest.raises(InvalidReconciliationWindow) as refused:
        Window(start, end)
    assert refused.value.code == "INVALID_RECONCILIATION_WINDOW"

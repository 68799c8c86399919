"""A concurrent checkout batch under faults: Stripe answering 500 or losing its answers, the
functions' PostgreSQL connections cut mid-run, every EventBridge/SNS delivery duplicated and
taken out of order. Every checkout ends paid or cleanly abandoned, nothing is charged twice, no
unit is sold twice, the ledger balances and the reconciliation is clean.

(The benchmark's fault run, ``tests/bench/checkout.py``, restarts the PostgreSQL server itself;
the test session shares its server with every other test, so here only the connections of the
functions are cut, which is what a restart does to them.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.e2e.checkout_batch import Faults, cut_connections, run_batch, summary, verify
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def test_given_faults_everywhere_when_buyers_check_out_at_once_then_every_invariant_holds(
    cloud: LocalCloud, pg_url: str, pg_conn: Any
) -> None:
    seed_launch_schedule(pg_conn)  # (the database is emptied before each test)
    # Given faults on Stripe, on PostgreSQL and on event delivery
    faults = Faults(stripe_share=0.10, restart_after=0.4, restart=cut_connections(pg_url), seed=7)
    # When 8 buyers check out 3 times each, half of them racing for a listing of 6 units
    result = run_batch(cloud, buyers=8, rounds=3, hot_stock=6, poll_s=0.02, faults=faults)
    verdict = verify(cloud, result, pg_url=pg_url)
    # Then every checkout ended paid or abandoned, and every invariant holds
    assert verdict.clean, (summary(result, verdict), verdict.problems)
    assert result.started + result.refused_at_once == 8 * 3
    assert result.paid + result.abandoned == result.started
    assert result.restarted
    # and the faults did happen (a test that injected nothing would prove nothing)
    assert result.stripe_errors + result.stripe_lost > 0
    assert cloud.deliveries.stats.duplicated > 0

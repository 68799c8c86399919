"""Fees: the fee_calculation Express state machine, its two steps and ``POST /fees/quote``.

The API function runs the machine synchronously (StartSyncExecution); checkout will run it as a
nested synchronous execution.
"""

from __future__ import annotations

from stacks.model import Attr, Capability, Function, FunctionTarget, Grant, Kind, Ref, Route, StateMachine

FEES = Capability(
    "fees",
    functions=(
        Function(
            "fees-load-order-lines",
            handler="lambdas.steps.fees.load_order_lines.handler",
            description="Step of fee_calculation: the items' listings priced at the quote's moment.",
            timeout_s=8,
            uses_mongo=True,
            service="fees",
        ),
        Function(
            "fees-calculate",
            handler="lambdas.steps.fees.calculate_fees.handler",
            description="Step of fee_calculation: the fee schedule in effect applied per seller.",
            timeout_s=8,
            uses_postgres=True,
            service="fees",
        ),
        Function(
            "api-fees",
            handler="lambdas.api.fees.handler",
            description="POST /fees/quote: runs fee_calculation synchronously and answers its quote.",
            timeout_s=29,
            environment={
                "FEE_CALCULATION_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "fee-calculation", Attr.ARN)
            },
            grants=(Grant(Kind.STATE_MACHINE, "fee-calculation", "start"),),
            service="fees",
        ),
    ),
    routes=(Route("POST", "/fees/quote", "user", FunctionTarget("api-fees")),),
    state_machines=(
        StateMachine(
            "fee-calculation",
            definition="fee_calculation.json",
            type="EXPRESS",
            substitutions={
                "LoadOrderLinesFunctionArn": Ref(Kind.FUNCTION, "fees-load-order-lines", Attr.ARN),
                "CalculateFeesFunctionArn": Ref(Kind.FUNCTION, "fees-calculate", Attr.ARN),
            },
            timeout_s=30,
        ),
    ),
)

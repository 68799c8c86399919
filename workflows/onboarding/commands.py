"""What a user sends to become a seller (``POST /sellers``)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from workflows.accounts.model import Country  # noqa: TC001 - pydantic needs it at run time
from workflows.shared.commands import Command
from workflows.shared.money import CURRENCIES


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"not a currency the platform accepts ({', '.join(sorted(CURRENCIES))})")
    return value


Currency = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    AfterValidator(_currency),
    Field(description="ISO 4217, upper case", examples=["USD"]),
]


class StartOnboarding(Command):
    """``POST /sellers``: where the seller is and how they sell."""

    model_config = ConfigDict(strict=True)

    country: Country
    business_type: Literal["individual", "company"]
    default_currency: Currency

    def fingerprint(self) -> str:
        """The body's hash: a repeat with the same Idempotency-Key must carry the same body."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

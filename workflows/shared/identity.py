"""Who is calling: the verified identity the API hands to every service function."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.shared.errors import AdminOnly, BuyerOnly, Forbidden, SellerOnly

__all__ = ["Caller", "Forbidden", "Role"]

Role = str  # "buyer" | "seller" | "admin": the Cognito groups

#: the error that refuses a caller without the role (each its own code, ``SELLER_ONLY``, ...)
ROLE_REQUIRED: dict[Role, type[Forbidden]] = {"buyer": BuyerOnly, "seller": SellerOnly, "admin": AdminOnly}


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, role: Role) -> None:
        if role not in self.roles:
            raise ROLE_REQUIRED[role](f"This needs the {role!r} role.")

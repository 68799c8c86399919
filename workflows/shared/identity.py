"""Who is calling: the verified identity the API hands to every service function."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.shared.errors import ResaleError

Role = str  # "buyer" | "seller" | "admin": the Cognito groups


class Forbidden(ResaleError):
    """Authenticated, but not allowed to do this (403)."""

    code = "FORBIDDEN"


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, role: Role) -> None:
        if role not in self.roles:
            raise Forbidden(f"This needs the {role!r} role.", code=f"{role.upper()}_ONLY")

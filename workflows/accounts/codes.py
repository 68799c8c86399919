"""One-time confirmation codes: generated with ``secrets``, kept only as a salted HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_DIGITS = 6
SALT_BYTES = 16


def new_code(digits: int = CODE_DIGITS) -> str:
    """A uniformly random code of ``digits`` decimal digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def code_hash(code: str, salt: bytes) -> bytes:
    return hmac.new(salt, code.encode("ascii"), hashlib.sha256).digest()


def code_matches(code: str, salt: bytes, expected_hash: bytes) -> bool:
    """Constant-time comparison of ``code`` with the stored hash."""
    return hmac.compare_digest(code_hash(code, salt), expected_hash)

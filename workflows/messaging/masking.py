"""Masking contact details before an order exists between the two parties.

Marketplaces keep the first contact on the platform: until the two have an order together, an
email address, a phone number or a link to a payment handle (PayPal.me, Venmo, Cash App, ...)
in a message is replaced for the recipient by a placeholder; the sender keeps their own text and
is told that it was masked. Once an order exists the parties may need to arrange delivery, so
nothing is masked any more.

The patterns are deliberately generous (``name at example dot com`` is an email too): a false
positive costs a placeholder, a false negative takes a sale off the platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: what the recipient sees in place of what was masked
PLACEHOLDER = {"email": "[email hidden]", "phone": "[phone hidden]", "payment_link": "[link hidden]"}

_EMAIL = re.compile(
    # bob@example.com, bob @ example . com, and the spelled-out forms: bob (at) example (dot) com
    r"[A-Za-z0-9._%+-]+\s*@\s*[A-Za-z0-9-]+(?:\s*\.\s*[A-Za-z0-9-]+)*\s*\.\s*[A-Za-z]{2,}"
    r"|[A-Za-z0-9._%+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[A-Za-z0-9-]+"
    r"(?:\s*(?:\(dot\)|\[dot\]|\sdot\s)\s*[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
#: seven or more digits, with the separators people type between them (+1 (415) 555-0100)
_PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s().\-/]{0,3}\d){6,}(?![\w])")
_PAYMENT_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?"
    r"(?:paypal\.me|paypal\.com/(?:paypalme|pools|donate)|venmo\.com|account\.venmo\.com|cash\.app|"
    r"revolut\.me|wise\.com/pay|monzo\.me|buymeacoffee\.com|ko-fi\.com|zellepay\.com|"
    r"enroll\.zellepay\.com|skrill\.me|paysafe\.me)"
    r"(?:/[^\s]*)?"
    r"|(?<![\w])\$[A-Za-z][A-Za-z0-9_-]{1,20}\b",  # a Cash App $cashtag
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Masked:
    """The text the recipient gets, and what kinds were masked in it (empty: nothing)."""

    text: str
    kinds: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def mask(text: str) -> Masked:
    """``text`` with every email, phone number and payment link replaced by its placeholder."""
    kinds: list[str] = []
    out = text
    for kind, pattern in (("payment_link", _PAYMENT_LINK), ("email", _EMAIL), ("phone", _PHONE)):
        out, count = pattern.subn(PLACEHOLDER[kind], out)
        if count:
            kinds.append(kind)
    return Masked(out, tuple(kinds))

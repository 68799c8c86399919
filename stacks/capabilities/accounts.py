"""Accounts and identity: sign-up, login, profile, addresses, phone, saved cards."""

from __future__ import annotations

from stacks.model import Capability

ACCOUNTS = Capability("accounts")

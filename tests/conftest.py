"""Shared fixtures: the local databases and the local cloud, started once per test session."""

from __future__ import annotations

pytest_plugins = ["tests.fixtures.databases", "tests.fixtures.cloud", "tests.fixtures.users"]

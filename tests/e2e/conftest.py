"""End-to-end scenarios: users are made as after a sign-up, with their profile row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.fixtures.users import TestUser, create_user

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.runtime import LocalCloud


@pytest.fixture
def make_user(cloud: LocalCloud) -> Callable[..., TestUser]:
    def make(*, groups: tuple[str, ...] = ("buyer",), name: str = "Test User") -> TestUser:
        return create_user(cloud, groups=groups, name=name, profile=True)

    return make

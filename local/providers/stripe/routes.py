"""A route: method, Stripe path, handler and the top-level parameters it accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    #: ``handler(ctx, **path_parameters)`` returns the JSON body
    Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    params: frozenset[str] = frozenset()
    #: reachable with the publishable key (client-side confirmation with a client secret)
    publishable: bool = False


def route(method: str, path: str, handler: Handler, params: str = "", *, publishable: bool = False) -> Route:
    """``params`` is a space-separated list; ``expand`` is always accepted."""
    accepted = {*params.split(), "expand"}
    if method == "GET" and path.count("<") == 0:
        accepted |= {"limit", "starting_after", "ending_before", "created"}
    if publishable:
        accepted.add("client_secret")
    return Route(method, path, handler, frozenset(accepted), publishable)

"""One CORS policy: the stack's preflight, the local gateway and the functions agree on it."""

from __future__ import annotations

from lambdas.api.resolver import CORS_ALLOW_HEADERS
from stacks.model import Cors

POLICY = Cors(allowed_origins=("https://app.resale-market.com", "https://admin.resale-market.com"))


def test_the_functions_allow_the_headers_the_preflight_allows():
    # the runtime bundle has no stacks/ package, so the resolver keeps its own copy
    assert set(CORS_ALLOW_HEADERS) == set(POLICY.allow_headers)


def test_the_preflight_names_a_matching_origin_else_the_first():
    assert POLICY.preflight_origin("https://admin.resale-market.com") == "https://admin.resale-market.com"
    assert POLICY.preflight_origin("https://evil.example.net") == "https://app.resale-market.com"
    assert POLICY.preflight_origin(None) == "https://app.resale-market.com"
    assert POLICY.allows("https://admin.resale-market.com")
    assert not POLICY.allows("https://admin.resale-market.com.evil.example.net")
    assert not POLICY.allows(None)

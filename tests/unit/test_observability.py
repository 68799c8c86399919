"""Business metrics: one Embedded Metric Format line per business event, low-cardinality
dimensions only, and nothing at all where metrics are turned off (the local cloud)."""

from __future__ import annotations

import json

import pytest

from lambdas.observability import count


def test_given_metrics_on_then_one_emf_line_with_its_dimensions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    count("PayoutsSent", currency="EUR")
    (line,) = capsys.readouterr().out.splitlines()
    emf = json.loads(line)
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Resale"
    assert directive["Metrics"] == [{"Name": "PayoutsSent", "Unit": "Count"}]
    assert "currency" in directive["Dimensions"][0]
    assert (emf["currency"], emf["PayoutsSent"]) == ("EUR", [1.0])


def test_given_metrics_off_then_nothing_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    count("OrdersPaid", 2, currency="USD")
    assert capsys.readouterr().out == ""


def test_given_an_id_as_a_dimension_then_it_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    with pytest.raises(ValueError, match="order_id"):
        count("OrdersPaid", order_id="o-1")  # type: ignore[arg-type]

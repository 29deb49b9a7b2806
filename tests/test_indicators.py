"""Scores and the composite governance index."""

from __future__ import annotations

import pytest

from twin.indicators import Indicator, governance_index, score


def test_score_is_linear_clipped_and_direction_aware():
    assert score(5, 0, 10) == 50.0
    assert score(-1, 0, 10) == 0.0 and score(11, 0, 10) == 100.0
    assert score(8, 10, 0) == 20.0  # lower is better: worst 10, best 0


def test_index_weights_domains_and_honours_bound_overrides():
    rows = [
        Indicator("a", "x", 5.0, "-", "higher", (0.0, 10.0)),
        Indicator("a", "y", 10.0, "-", "higher", (0.0, 10.0)),
        Indicator("b", "z", 2.0, "min", "lower", (10.0, 0.0)),
        Indicator("b", "info", 123.0, "-"),  # reported only: not scored
    ]
    out = {i.name: i.value for i in governance_index(rows, {"a": 1.0, "b": 3.0}, {})}
    assert out["score_a"] == pytest.approx(75.0)
    assert out["score_b"] == pytest.approx(80.0)
    assert out["index"] == pytest.approx((75.0 + 3 * 80.0) / 4)
    out = {i.name: i.value for i in governance_index(rows, {}, {"b.z": (4.0, 0.0)})}
    assert out["score_b"] == pytest.approx(50.0)


def test_direction_needs_bounds():
    with pytest.raises(ValueError):
        Indicator("a", "x", 1.0, "-", "higher")

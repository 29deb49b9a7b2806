"""Benchmarks are excluded from the default run; `pytest -m benchmark benchmarks/` runs them."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.benchmark)

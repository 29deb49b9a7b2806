"""The bad-input table (tests/badinput): one line, exit 2, nothing written, for every row."""

from __future__ import annotations

import pytest
from badinput import all_cases, run_in_process

CASES = all_cases()


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in CASES]
)
def test_bad_input_is_handled(case, tmp_path):
    outcome = run_in_process(case, tmp_path)
    assert not outcome.problems, outcome.problems

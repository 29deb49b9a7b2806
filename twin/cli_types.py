"""Argparse ``type=`` helpers: finite floats and bounded integers, by the rules of :mod:`twin.numbers`.

A bad value is an argparse usage error, so ``twin`` prints one line
(``twin: error: twin waste route: argument --seconds: must be a finite number, got 'nan' ...``)
and exits 2 before any work starts: ``--seconds nan`` can no longer run forever, nor
``--calls 1000000000000`` ask for terabytes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from twin.numbers import MAX_MAGNITUDE, problem


def finite_float(*, low: float | None = None, above: float | None = None,
                 high: float = MAX_MAGNITUDE) -> Callable[[str], float]:
    """A ``type=`` for a finite float within bounds (``low`` inclusive, ``above`` exclusive)."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        why = problem(value, low=low, above=above, high=high)
        if why:
            raise argparse.ArgumentTypeError(f"{why}, got {text!r}")
        return value

    return convert


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """A ``type=`` for a whole number in ``low..high`` (written as digits: ``1e6`` is refused)."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number {low:,}..{high:,}, got {text!r}")
        return value

    return convert


SEED = bounded_int(0, 2**32 - 1)
"""A random seed of a tool: a whole number 0..2**32-1 (numpy takes more, PyVRP no more)."""

"""Numeric hygiene at the boundaries: every number read from a file or typed on the command line.

One rule set, used by the file readers (TNTP, CVRPLIB, traffic CSV) and by the argparse types
of :mod:`twin.cli_types`:

- NaN and infinity are refused wherever a finite number is meant;
- magnitudes above :data:`MAX_MAGNITUDE` are refused (they are a broken file, and squares or
  sums of them overflow or lose every digit);
- integers are read as integers: ``2.5`` is not a node id and is never truncated to 2;
- sizes that decide an allocation are checked against a limit *before* allocating, and the
  message says the limit and how to raise it (:func:`check_size`).

Errors are :class:`~twin.errors.TwinInputError` with one line naming the file, line and column.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from twin.errors import TwinInputError

if TYPE_CHECKING:
    import numpy as np

MAX_MAGNITUDE = 1e12
"""Largest absolute value accepted for a number read from a file (metres, seconds, vehicles,
capacities, ids ...). Larger values are taken as a broken file: their squares and sums
overflow or lose all precision (a coordinate of 1e300 made every distance infinite)."""


def parse_float(text: str) -> float:
    """``text`` as a float, or NaN when it is not a number (the checks then name it)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def _is_float(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def problem(value: float, *, integer: bool = False, low: float | None = None, above: float | None = None,
            high: float = MAX_MAGNITUDE) -> str | None:
    """Why ``value`` breaks the rules (a phrase such as ``"must be >= 0"``), or None when it is fine.

    A number, not its text: NaN here is a NaN written as such (a non-number is named earlier).

    ``low`` is an inclusive lower bound, ``above`` an exclusive one, ``high`` an inclusive upper
    bound on the value (and :data:`MAX_MAGNITUDE` bounds its magnitude).
    """
    if not math.isfinite(value):
        return "must be a finite number"
    whole = value == math.floor(value)
    if integer and low is not None and high < MAX_MAGNITUDE and not (whole and low <= value <= high):
        return f"must be a whole number {low:g}..{high:g}"
    if integer and not whole:
        return "must be a whole number"
    if low is not None and value < low:
        return f"must be >= {low:g}"
    if above is not None and not value > above:
        return f"must be > {above:g}"
    if value > high:
        return f"must be <= {high:g}"
    if abs(value) > MAX_MAGNITUDE:
        return f"must be between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g} (larger is taken as a broken file)"
    return None


def check_column(values: np.ndarray | Sequence[float], name: str, where: Callable[[int], str], *,
                 integer: bool = False, low: float | None = None, above: float | None = None,
                 high: float = MAX_MAGNITUDE, text: Sequence[str] | None = None) -> np.ndarray:
    """Check every value of a numeric column; return it as int64 (``integer``) or float64.

    ``values`` holds NaN where the file had something that is not a number; ``text`` (the
    values as written) makes the message quote it. ``where(i)`` names row ``i`` (file and
    line). The first bad row, in file order, is reported.
    """
    import numpy as np  # here, so that the argparse types of twin.cli_types start without numpy

    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_MAGNITUDE) | (values > high)
    if integer:
        bad |= values != np.floor(values)
    if low is not None:
        bad |= values < low
    if above is not None:
        bad |= ~(values > above)
    rows = np.flatnonzero(bad)
    if rows.size:
        i = int(rows[0])
        if text is not None and not _is_float(text[i]):
            raise TwinInputError(f"{where(i)}: {name} is {text[i][:40]!r}, not a number")
        shown = repr(text[i][:40]) if text is not None else f"{values[i]:g}"
        why = problem(float(values[i]), integer=integer, low=low, above=above, high=high)
        raise TwinInputError(f"{where(i)}: {name} {why}, got {shown}")
    return values.astype(np.int64) if integer else values


def check_number(text: str, name: str, where: str, *, integer: bool = False, low: float | None = None,
                 above: float | None = None, high: float = MAX_MAGNITUDE) -> float:
    """One number written as ``text`` (a header value, a metadata line), checked like a column."""
    value = check_column([parse_float(text)], name, lambda _: where, integer=integer, low=low,
                         above=above, high=high, text=[text])[0]
    return int(value) if integer else float(value)


def check_size(value: int, limit: int, what: str, where: str, how: str) -> None:
    """Refuse a size over ``limit`` before anything of that size is allocated.

    ``how`` says how to raise the limit (an option such as ``--max-zones``).
    """
    if value > limit:
        raise TwinInputError(f"{where}: {what} {value:,} is over the limit of {limit:,} ({how} to raise it)")

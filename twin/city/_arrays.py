"""Helpers for the frozen array containers of the city model."""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.errors import CityError


def freeze_arrays(obj, what: str) -> None:
    """Make every array field of a frozen dataclass read-only and check they share a length.

    Fields named in ``obj._ragged`` (offset/value pairs) are exempt from the common length.
    """
    ragged = getattr(obj, "_ragged", ())
    length = None
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if not isinstance(value, np.ndarray):
            continue
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise CityError(f"{what}: {f.name} has NaN or infinite values")
        arr = np.ascontiguousarray(value)
        if arr is value and arr.flags.writeable:
            arr = arr.copy()
        arr.flags.writeable = False
        object.__setattr__(obj, f.name, arr)
        if f.name in ragged:
            continue
        if length is None:
            length = len(arr)
        elif len(arr) != length:
            raise CityError(f"{what}: {f.name} has {len(arr)} rows, expected {length}")


def require_non_negative(obj, what: str, *names: str) -> None:
    for name in names:
        bad = np.flatnonzero(getattr(obj, name) < 0)
        if bad.size:
            raise CityError(f"{what}: {name} must be >= 0; row {bad[0]} is {getattr(obj, name)[bad[0]]}")


def require_positive(obj, what: str, *names: str) -> None:
    for name in names:
        bad = np.flatnonzero(~(getattr(obj, name) > 0))
        if bad.size:
            raise CityError(f"{what}: {name} must be > 0; row {bad[0]} is {getattr(obj, name)[bad[0]]}")


def require_index(obj, what: str, name: str, size: int) -> None:
    a = getattr(obj, name)
    if len(a) and (a.min() < 0 or a.max() >= size):
        raise CityError(f"{what}: {name} refers to rows that do not exist (valid 0..{size - 1})")

"""Errors a user can fix: one line that names the file, the key and what is allowed.

The CLI prints these without a traceback and exits with status 2; anything else is a bug.
"""

from __future__ import annotations


class TwinInputError(ValueError):
    """Bad input (file, key or value); the message is one line a user can act on."""


class ScenarioError(TwinInputError):
    """A scenario, sweep or seed file that does not validate."""


class CityError(TwinInputError):
    """City data that breaks an invariant (lengths, capacities, node references)."""


def one_line(exc: BaseException) -> str:
    """An exception as one line: type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

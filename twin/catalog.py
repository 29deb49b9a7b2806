"""Catalogs of named extension objects: dispatch policies and agent classes, chosen by name.

A scenario file is data, so it never names Python code by path; it names an entry of a
:class:`Catalog` instead (``[emergency] policy = "look_ahead"``, ``unit_class = "cautious"``).
The built-in entries are ``"package.module:Name"`` strings imported on first use (validating a
scenario imports no mesa or numba); a plug-in adds entries at import time with the module's
``register_*`` function (:func:`twin.emergency.register_policy` ...). The configuration classes
check names and their ``*_options`` tables against the catalog, so ``twin validate`` reports a
wrong name or option as one line.
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from twin.errors import TwinInputError
from twin.registry import resolve

TOML_SCALARS = (str, int, float, bool)
"""Python types of the TOML values an ``*_options`` table may hold (with lists and tables of them)."""


class Catalog:
    """Named objects of one kind (``what``), built-in ones by import string, plug-ins' by object.

    Args:
        what: the kind in words, for messages ("dispatch policy").
        builtins: name -> ``"package.module:Name"`` of the entries shipped with CityTwin.
        register_with: the public function a plug-in calls to add an entry, for messages.
        base: when given, every entry must be a subclass of the class this string names.
    """

    def __init__(self, what: str, builtins: Mapping[str, str], register_with: str, base: str = "") -> None:
        self.what = what
        self.builtins = dict(builtins)
        self.register_with = register_with
        self.base = base
        self._entries: dict[str, Any] = {}

    def names(self) -> tuple[str, ...]:
        """Every registered name: the built-in ones first, then the plug-ins' in registration order."""
        return (*self.builtins, *(n for n in self._entries if n not in self.builtins))

    def __contains__(self, name: object) -> bool:
        return name in self.builtins or name in self._entries

    def register(self, name: str, entry: Any) -> None:
        """Add ``entry`` under ``name`` (a plug-in calls this at import time).

        ``entry`` is the object, or a ``"package.module:Name"`` string imported on first use (so
        that importing the plug-in, as ``twin validate`` does, stays light).

        Registering the same entry again does nothing.

        Raises:
            TwinInputError: one line naming the register function: ``name`` is empty, built in
                or taken by another entry; ``entry`` is neither callable nor a ``"module:Name"``
                string, or not a subclass of the catalog's base class.
        """
        if not isinstance(name, str) or not name:
            self._refuse(f"a {self.what} needs a non-empty name, got {name!r}")
        if name in self.builtins:
            self._refuse(f"{name!r} is a built-in {self.what}; pick another name")
        if name in self._entries:
            if self._entries[name] is entry or self._entries[name] == entry:
                return
            self._refuse(f"{self.what} {name!r} is already registered to {self._entries[name]!r}; "
                         "pick another name")
        if isinstance(entry, str):
            if entry.count(":") != 1:
                self._refuse(f"{self.what} {name!r}: expected 'package.module:Name', got {entry!r}")
        else:
            self._check(name, entry)
        self._entries[name] = entry

    def _refuse(self, message: str) -> typing.NoReturn:
        raise TwinInputError(f"{self.register_with.rpartition('.')[2]}: {message}")

    def _check(self, name: str, entry: Any) -> None:
        if not callable(entry):
            self._refuse(f"{self.what} {name!r} must be callable, got {type(entry).__name__}")
        if self.base:
            base = resolve(self.base)
            if not (isinstance(entry, type) and issubclass(entry, base)):
                self._refuse(f"{self.what} {name!r} must be a subclass of {base.__qualname__}")

    def get(self, name: str) -> Any:
        """The object registered as ``name`` (one given as a string is imported and checked now)."""
        if name in self.builtins:
            return resolve(self.builtins[name])
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = resolve(entry)
            self._check(name, entry)
        return entry

    def problem(self, key: str, name: str) -> str | None:
        """Why ``name`` (the value of ``key``) names no entry, as one line; None when it does."""
        if name in self:
            return None
        hint = difflib.get_close_matches(name, self.names(), n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        return (
            f"{key}: {name!r} is not a registered {self.what}{did}; registered: {', '.join(self.names())}"
            f" (a plug-in adds one with {self.register_with})"
        )

    def options_problem(self, key: str, name: str, options: Mapping[str, Any],
                        reserved: Iterable[str] = ()) -> str | None:
        """Why ``options`` cannot be passed to entry ``name`` as keyword arguments (None: they can).

        ``reserved`` are the arguments the module passes itself (a unit's ``kind`` ...). Options
        of a built-in entry are checked only when there are some (to keep validation light).
        """
        for option, value in options.items():
            bad = toml_value_problem(value)
            if bad:
                return f"{key}.{option}: {bad}"
        if name not in self or (name in self.builtins and not options):
            return None
        try:
            params = inspect.signature(self.get(name)).parameters
        except (TypeError, ValueError):  # no signature to read (a C function): the call will tell
            return None
        reserved = set(reserved)
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        accepted = [p for p, spec in params.items() if spec.kind in kinds and p not in reserved]
        takes_any = any(spec.kind is inspect.Parameter.VAR_KEYWORD for spec in params.values())
        for option in options:
            if option in reserved or not (takes_any or option in accepted):
                return (f"{key}.{option} is not an option of {self.what} {name!r}; allowed: "
                        f"{', '.join(accepted) or 'none'}")
        for p in accepted:
            if params[p].default is inspect.Parameter.empty and p not in options:
                return f"{key}.{p} is required by {self.what} {name!r}"
        return None


def toml_value_problem(value: Any) -> str | None:
    """Why ``value`` is not a plain TOML value (string, number, boolean, or lists and tables of
    them), or None. Dates are refused too: options are written to the JSON run manifest."""
    if isinstance(value, TOML_SCALARS):
        return None
    if isinstance(value, (list, tuple)):
        return next((p for p in map(toml_value_problem, value) if p), None)
    if isinstance(value, Mapping):
        return next((p for p in map(toml_value_problem, value.values()) if p), None)
    return (f"{type(value).__name__} {value!r} is not allowed; options are strings, numbers, booleans,"
            " lists or tables")


def build(catalog: Catalog, name: str, options: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
    """Call entry ``name`` of ``catalog`` with ``args``, ``kwargs`` and the ``options`` as keywords."""
    factory: Callable[..., Any] = catalog.get(name)
    return factory(*args, **kwargs, **dict(options))

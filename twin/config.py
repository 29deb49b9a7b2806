"""Frozen configuration validated once, from TOML tables into dataclasses.

Every configuration class in CityTwin is a frozen dataclass whose fields are declared with
:func:`option` (unit, bounds, allowed values, one-line doc). :func:`parse` turns a TOML mapping
into an instance and raises :class:`~twin.errors.ScenarioError` with a one-line message that names
the file, the dotted key and what is allowed. :func:`describe` lists every key for the docs, so
docs/scenarios.md is generated from the same declarations the validator uses.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from twin.catalog import Catalog
from twin.errors import ScenarioError

T = TypeVar("T")

_NO_DEFAULT = dataclasses.MISSING

MAX_MAGNITUDE = 1e15
"""Largest absolute value of any number in a configuration file, whatever its key's own bounds:
larger ones are a broken file (and TOML integers beyond it do not convert to floats exactly)."""


def option(
    default: Any = _NO_DEFAULT,
    *,
    unit: str = "",
    doc: str = "",
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: tuple[str, ...] | Catalog | None = None,
    default_factory: Any = _NO_DEFAULT,
) -> Any:
    """Declare a configuration field with its unit, bounds and allowed values.

    ``choices`` is a tuple of names, or a :class:`~twin.catalog.Catalog` whose names plug-ins
    extend at run time (checked against the names registered when the file is read).
    """
    metadata = {"unit": unit, "doc": doc, "ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices}
    if default_factory is not _NO_DEFAULT:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def frozen_mapping(data: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only mapping, for dict-valued fields of frozen configuration."""
    return types.MappingProxyType(dict(data or {}))


def _type_name(tp: Any) -> str:
    """A plain-words name of a field type, for errors and the reference ("list of numbers")."""
    origin = typing.get_origin(tp)
    names = {float: "number", int: "integer", bool: "boolean", str: "string", Any: "TOML value"}
    if tp in names:
        return names[tp]
    if dataclasses.is_dataclass(tp):
        return "table"
    if origin is tuple:
        inner = _type_name(typing.get_args(tp)[0])
        return f"list of {inner}s" if not inner.startswith("list") else "list of lists"
    if origin in (Mapping, dict, typing.Mapping):
        inner = _type_name(typing.get_args(tp)[1])
        if inner.startswith("list"):
            return "table of " + inner.replace("list", "lists", 1)
        return f"table of {inner}s"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    return str(tp)


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _short(value: float) -> str:
    """A number as the reference and errors show it: whole numbers in full, others with %g."""
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        return f"an integer of {len(str(abs(value)))} digits"
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:g}"


def _bounds_text(meta: Mapping[str, Any]) -> str:
    parts = []
    for name, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if meta.get(name) is not None:
            parts.append(f"{sign} {_short(meta[name])}")
    choices = meta.get("choices")
    if isinstance(choices, Catalog):  # the reference shows the built-in names, not this process's plug-ins
        parts.append("one of " + ", ".join(repr(c) for c in choices.builtins)
                     + f" or a name registered with {choices.register_with}")
    elif choices:
        parts.append("one of " + ", ".join(repr(c) for c in choices))
    return " and ".join(parts)


class Provenance(str):
    """A source name (the file a table was read from) that also knows, for tables merged from
    several files (scenario inheritance), which file wrote each dotted key.

    It is a ``str`` (the main file's name), so code that only prints a source keeps working;
    :func:`written_in` asks it for the file of one key.
    """

    origins: Mapping[str, str]

    def __new__(cls, source: str, origins: Mapping[str, str]) -> Provenance:
        self = super().__new__(cls, source)
        self.origins = frozen_mapping(origins)
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (sweep workers receive scenarios)
        return (Provenance, (str(self), dict(self.origins)))


def written_in(source: str, key: str) -> str:
    """The file that wrote dotted ``key``: ``source`` itself unless it is a :class:`Provenance`.

    A key written in one file names that file (with "inherited by" the main file when it is a
    parent); a table whose keys come from several files names all of them.
    """
    if not isinstance(source, Provenance) or not key:
        return str(source)
    parts = key.replace("[", ".[").split(".")
    for end in range(len(parts), 0, -1):  # the longest prefix of the key that a file wrote
        found = source.origins.get(".".join(parts[:end]).replace(".[", "["))
        if found is not None:
            return found if found == str(source) else f"{found} (inherited by {source})"
    inside = sorted({f for k, f in source.origins.items() if k.startswith(key + ".")})
    others = [f for f in inside if f != str(source)]
    if len(inside) > 1:
        return f"{source} (with keys from {', '.join(others)})"
    return f"{others[0]} (inherited by {source})" if others else str(source)


def merge_tables(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """TOML tables merged for inheritance: the child's keys win, tables merge recursively and
    arrays (arrays of tables too) replace the parent's whole."""
    merged = dict(parent)
    for key, value in child.items():
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = merge_tables(old, value)
        else:
            merged[key] = value
    return merged


class _Where:
    """Where a value came from: the file and the dotted key, for error messages."""

    def __init__(self, source: str, key: str):
        self.source, self.key = source, key

    def child(self, name: str | int) -> _Where:
        if isinstance(name, int):
            return _Where(self.source, f"{self.key}[{name}]")
        return _Where(self.source, f"{self.key}.{name}" if self.key else name)

    def fail(self, message: str) -> typing.NoReturn:
        key = f"key '{self.key}': " if self.key else ""
        raise ScenarioError(f"{written_in(self.source, self.key)}: {key}{message}")


def _check_bounds(value: float, meta: Mapping[str, Any], where: _Where) -> None:
    ok = True
    if meta.get("gt") is not None and not value > meta["gt"]:
        ok = False
    if meta.get("ge") is not None and not value >= meta["ge"]:
        ok = False
    if meta.get("lt") is not None and not value < meta["lt"]:
        ok = False
    if meta.get("le") is not None and not value <= meta["le"]:
        ok = False
    if not ok:
        unit = f" {meta['unit']}" if meta.get("unit") else ""
        where.fail(f"must be {_bounds_text(meta)}{unit}, got {value!r}")


def _convert(tp: Any, value: Any, meta: Mapping[str, Any], where: _Where) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, meta, where)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            where.fail(f"expected a table, got {type(value).__name__} {value!r}")
        return _parse(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            where.fail(f"expected true or false, got {value!r}")
        return value
    if tp in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            where.fail(f"expected {_article(_type_name(tp))}, got {type(value).__name__} {value!r}")
        if tp is int and not isinstance(value, int):
            where.fail(f"expected an integer, got {value!r}")
        if abs(value) > MAX_MAGNITUDE or not math.isfinite(value):  # NaN fails both tests
            where.fail(f"must be finite and at most {MAX_MAGNITUDE:g} in size, got {_short(value)}")
        _check_bounds(value, meta, where)
        return tp(value)
    if tp is str:
        if not isinstance(value, str):
            where.fail(f"expected a string, got {type(value).__name__} {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            names, more = choices, ""
            if isinstance(choices, Catalog):
                names, more = choices.names(), f" (a plug-in adds one with {choices.register_with})"
            hint = difflib.get_close_matches(value, names, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            where.fail(f"{value!r} is not allowed{did}; allowed: {', '.join(names)}{more}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            where.fail(f"expected a list, got {type(value).__name__} {value!r}")
        item_type = typing.get_args(tp)[0]
        return tuple(
            _convert(item_type, v, meta, where.child(i)) for i, v in enumerate(value)
        )
    if origin in (Mapping, dict, typing.Mapping) or tp is Mapping:
        if not isinstance(value, Mapping):
            where.fail(f"expected a table, got {type(value).__name__} {value!r}")
        value_type = typing.get_args(tp)[1]
        return frozen_mapping(
            {str(k): _convert(value_type, v, meta, where.child(str(k))) for k, v in value.items()}
        )
    if tp is Any:
        return value
    where.fail(f"unsupported type {tp!r}")


def _parse(cls: type[T], data: Mapping[str, Any], where: _Where) -> T:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in known:
            hint = difflib.get_close_matches(key, known, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            allowed = ", ".join(sorted(known)) or "none"
            where.child(key).fail(f"unknown key{did}; allowed here: {allowed}")
    values = {}
    for name, f in known.items():
        if name in data:
            values[name] = _convert(hints[name], data[name], f.metadata, where.child(name))
        elif f.default is _NO_DEFAULT and f.default_factory is _NO_DEFAULT:
            where.child(name).fail(f"is required ({_article(_type_name(hints[name]))})")
    instance = cls(**values)
    check = getattr(instance, "check", None)
    if check is not None:
        problem = check()
        if problem:
            where.fail(problem)
    return instance


def parse(cls: type[T], data: Mapping[str, Any], *, source: str, key: str = "") -> T:
    """Validate ``data`` into a frozen ``cls``; errors name ``source`` and the dotted key.

    A class may define ``check(self) -> str | None`` for rules across fields; a returned string
    is raised as the error message.
    """
    if not isinstance(data, Mapping):
        _Where(source, key).fail(f"expected a table, got {type(data).__name__}")
    return _parse(cls, data, _Where(source, key))


def to_dict(config: Any) -> Any:
    """Plain, JSON- and TOML-ready data from a configuration (for manifests and sweeps)."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, Mapping):
        return {k: to_dict(v) for k, v in config.items()}
    if isinstance(config, tuple):
        return [to_dict(v) for v in config]
    return config


def describe(cls: type, prefix: str = "") -> list[dict[str, str]]:
    """One row per key of ``cls`` (nested tables flattened): key, type, default, unit, allowed, doc."""
    rows: list[dict[str, str]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        key = f"{prefix}.{f.name}" if prefix else f.name
        tp = hints[f.name]
        if f.default is not _NO_DEFAULT:
            default = f.default
        elif f.default_factory is not _NO_DEFAULT:
            default = f.default_factory()
        else:
            default = "(required)"
        item = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else None
        if dataclasses.is_dataclass(tp):
            rows.append(dict(key=f"[{key}]", type="table", default="", unit="", allowed="",
                             doc=f.metadata.get("doc", "")))
            rows.extend(describe(tp, key))
            continue
        if item is not None and dataclasses.is_dataclass(item):
            rows.append(dict(key=f"[[{key}]]", type="array of tables", default="", unit="",
                             allowed="", doc=f.metadata.get("doc", "")))
            rows.extend(describe(item, key))
            continue
        shown = to_dict(default)
        shown = {True: "true", False: "false"}.get(shown, shown) if isinstance(shown, bool) else shown
        rows.append(
            dict(
                key=key,
                type=_type_name(tp),
                default="" if default == "(required)" else str(shown) if isinstance(shown, str)
                and shown in ("true", "false") else repr(shown),
                unit=f.metadata.get("unit", ""),
                allowed=_bounds_text(f.metadata) or ("required" if default == "(required)" else ""),
                doc=f.metadata.get("doc", ""),
            )
        )
    return rows


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """Read a TOML file as plain data; one-line errors name the file (and the line for bad TOML)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: {what} file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None

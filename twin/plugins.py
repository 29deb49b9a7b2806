"""Plug-ins: installed Python packages that add modules, policies, agent classes and view layers.

A plug-in is an importable module (``mypkg.air``) whose import registers what it adds, with
``twin.register_module(...)``, ``viz.register_layer(...)`` and the modules' own registration
functions (``twin.emergency.register_policy(...)``). Importing it is the only thing done: a
scenario names plug-ins as data, never as files to execute, so only packages already installed
in the environment can load. Two ways to name one:

- in a scenario: ``[scenario] plugins = ["mypkg.air"]`` (dotted module names); the scenario's
  validation imports them before reading its sections, so ``twin run``, ``twin validate``, every
  run of ``twin sweep``/``twin experiment`` (the run payload carries the scenario, a Dask worker
  validates it before building the model) and ``twin view`` of its run folder load them;
- installed: an entry point in the group :data:`ENTRY_POINT_GROUP` (``citytwin.modules``) whose
  value is the module name, e.g. in the plug-in's pyproject.toml::

      [project.entry-points."citytwin.modules"]
      air = "citytwin_air"

  Every installed entry point is imported once per process, the first time a scenario is read or
  a run viewed (not at ``twin --help``).

A plug-in that cannot be imported, or whose registration is refused (a section name already
taken), is one :class:`~twin.errors.TwinInputError` line naming it (``twin`` exits with 2).
"""

from __future__ import annotations

import functools
import importlib
import keyword

from twin.errors import TwinInputError, one_line

ENTRY_POINT_GROUP = "citytwin.modules"
"""The entry-point group of installed plug-ins; each entry point's value is a module name."""

_loaded: dict[str, str] = {}
"""Plug-in module name -> where it was named, for each plug-in imported in this process."""


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a plug-in name (a dotted Python module name), or None."""
    if not isinstance(name, str):
        return f"expected a module name (a string), got {name!r}"
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split(".")):
        return (f"{name!r} is not an importable module name; a plug-in is an installed Python "
                "module named by dotted identifiers (e.g. 'mypkg.air'), never a file path")
    return None


@functools.cache
def load_entry_points() -> tuple[str, ...]:
    """Import every installed plug-in of :data:`ENTRY_POINT_GROUP` (once per process: a failure
    is raised again on the next call); returns their module names."""
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.name, ep.value))
    for ep in found:
        package = f", package {ep.dist.name}" if ep.dist is not None else ""
        _import(ep.value, f"entry point {ep.name!r} (group {ENTRY_POINT_GROUP}{package})")
    return tuple(ep.value for ep in found)


def load(names: object = (), where: str = "plugins") -> None:
    """Load the installed entry points, then import each plug-in of ``names`` (once each).

    ``where`` names the place that lists them in errors (``"file.toml: key 'scenario.plugins'"``).
    """
    load_entry_points()
    if not isinstance(names, list | tuple):
        raise TwinInputError(f"{where}: expected a list of module names, got {names!r}")
    for name in names:
        _import(name, where)


def loaded() -> dict[str, str]:
    """Plug-ins imported in this process: module name -> where it was named."""
    return dict(_loaded)


def _import(name: object, where: str) -> None:
    """Import plug-in ``name``; any failure is one TwinInputError line naming it and ``where``."""
    problem = name_problem(name)
    if problem is not None or not isinstance(name, str):
        raise TwinInputError(f"{where}: {problem}")
    if name in _loaded:
        return
    try:
        importlib.import_module(name)
    except TwinInputError as exc:
        raise TwinInputError(f"{where}: plug-in {name!r}: {exc}") from None
    except Exception as exc:  # whatever the plug-in's import raised: one line naming it
        raise TwinInputError(f"{where}: plug-in {name!r} failed to import ({one_line(exc)})") from None
    _loaded[name] = where

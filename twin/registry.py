"""The modules a scenario can switch on, by section name, and the CLI command groups.

The order of MODULES is the order of the yearly steps: migration first (it moves households),
then traffic (demand from the new population), then the event-driven modules. A built-in module
is named here ("package.module:Class" strings, imported on first use, so validating a scenario
needs only the configuration modules: no numba, mesa, pandas); a plug-in adds its own with
:func:`register_module` (``twin.register_module``) when it is imported (:mod:`twin.plugins`).
Its scenario section and docs follow from the section name and the configuration class.
"""

from __future__ import annotations

import importlib
import keyword
from typing import Any

from twin.errors import TwinInputError

Target = str | type
"""A class, or the ``"package.module:Class"`` string naming it (imported on first use)."""

MODULES: dict[str, Target] = {
    "migration": "twin.migration.module:MigrationModule",
    "traffic": "twin.traffic.module:TrafficModule",
    "emergency": "twin.emergency.module:EmergencyModule",
    "waste": "twin.waste.module:WasteModule",
    "access": "twin.access.module:AccessModule",
}
"""Module class of each scenario section, in the order of the yearly steps."""

CONFIGS: dict[str, Target] = {
    "migration": "twin.migration.config:MigrationConfig",
    "traffic": "twin.traffic.config:TrafficConfig",
    "emergency": "twin.emergency.config:EmergencyConfig",
    "waste": "twin.waste.config:WasteConfig",
    "access": "twin.access.config:AccessConfig",
}
"""Configuration class of each scenario section (the module class's ``config_class``)."""

BUILT_IN: tuple[str, ...] = tuple(MODULES)
"""The sections the twin ships (docs/scenarios.md documents these; plug-ins document their own)."""

DOMAINS: dict[str, str] = {
    "migration": "migration",
    "traffic": "traffic",
    "emergency": "emergency",
    "waste": "waste",
    "access": "services",
}
"""Indicator domain of each section (the module class's ``domain``; a test checks they agree), so
``twin validate`` checks ``[indicators.weights]`` without importing the modules."""

CLI_GROUPS: dict[str, tuple[str, ...]] = {
    "twin.emergency.cli": ("emergency",), "twin.traffic.cli": ("traffic",), "twin.waste.cli": ("waste",),
    "viz.cli": ("view", "present"), "twin.sweep.cli": ("sweep", "experiment", "compare", "analyze"),
    "twin.observations.cli": ("observe", "observations", "calibrate"),
}
"""Modules (dotted names) exposing ``register(subparsers)``, and the ``twin`` commands each adds
(a command imports only its own group's module; a test checks the names)."""


def resolve(target: Target) -> Any:
    """The class (or function) a ``"package.module:Name"`` string names (its module is
    imported); anything else passes through."""
    if not isinstance(target, str):
        return target
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def module_classes() -> dict[str, type]:
    """Module class by section name, in step order (imports every module: numba, mesa...)."""
    classes = {name: resolve(target) for name, target in MODULES.items()}
    for section, cls in classes.items():
        if (getattr(cls, "name", None), getattr(cls, "domain", None)) != (section, DOMAINS[section]):
            raise TwinInputError(
                f"module class {cls.__module__}.{cls.__qualname__} of section [{section}]: its "
                f"name and domain class attributes must be {section!r} and {DOMAINS[section]!r}, "
                f"got {getattr(cls, 'name', None)!r} and {getattr(cls, 'domain', None)!r}")
    return classes


def config_classes() -> dict[str, type]:
    """Configuration class by section name, in step order (light: no numba, mesa or pandas)."""
    return {name: resolve(target) for name, target in CONFIGS.items()}


def target_name(target: Target) -> str:
    """A class or function as ``"package.module:Name"`` (a string passes through unimported)."""
    return target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def register_module(section: str, module_class: Target, config_class: Target, *, domain: str,
                    after: str | None = None, before: str | None = None) -> None:
    """Make ``[section]`` a scenario section that runs ``module_class`` (a plug-in's module).

    Args:
        section: the scenario section (a Python identifier); the class's ``name`` must equal it.
        module_class: a :class:`twin.Module` subclass, or ``"package.module:Class"`` naming it
            (imported only when a run builds the modules, so ``twin validate`` stays light).
        config_class: its frozen configuration dataclass (the class's ``config_class``), or the
            string naming it; ``twin validate`` reads the section with it.
        domain: the indicator domain its indicators report under (the class's ``domain``); a
            domain outside the governance index is reported but not scored.
        after, before: the section whose yearly step this one follows or precedes (default:
            after every section registered so far, i.e. after the built-ins).

    Registering the same classes again is a no-op; a section already taken by other classes,
    or a bad name, is a :class:`~twin.errors.TwinInputError` (one line).
    """
    from twin.scenario.spec import EXTENDS, FIXED_SECTIONS

    reserved = (*FIXED_SECTIONS, EXTENDS, "sweep")  # a [sweep] table makes a sweep file
    if not isinstance(section, str) or not section.isidentifier() or keyword.iskeyword(section):
        raise TwinInputError(f"register_module: section {section!r} is not a Python identifier")
    if section in reserved:
        raise TwinInputError(f"register_module: [{section}] is reserved; reserved names: "
                             f"{', '.join(reserved)}")
    if not isinstance(domain, str) or not domain.isidentifier():
        raise TwinInputError(f"register_module [{section}]: domain {domain!r} is not a name")
    if section in MODULES:
        if (target_name(MODULES[section]), target_name(CONFIGS[section]), DOMAINS[section]) == (
                target_name(module_class), target_name(config_class), domain):
            return
        raise TwinInputError(f"register_module: section [{section}] is already registered to "
                             f"{target_name(MODULES[section])}; pick another section name")
    if after is not None and before is not None:
        raise TwinInputError(f"register_module [{section}]: give after= or before=, not both")
    anchor = after if after is not None else before
    if anchor is not None and anchor not in MODULES:
        raise TwinInputError(f"register_module [{section}]: {'after' if after is not None else 'before'}="
                             f"{anchor!r} names no section; sections: {', '.join(MODULES)}")
    order = list(MODULES)
    at = len(order) if anchor is None else order.index(anchor) + (after is not None)
    order.insert(at, section)
    for table, value in ((MODULES, module_class), (CONFIGS, config_class), (DOMAINS, domain)):
        table[section] = value
        entries = dict(table)
        table.clear()
        table.update((name, entries[name]) for name in order)

"""The modules a scenario can switch on, by section name, and the CLI command groups.

The order of MODULES is the order of the yearly steps: migration first (it moves households),
then traffic (demand from the new population), then the event-driven modules. To add a module,
name its class and its configuration class here ("package.module:Class"); its scenario section
and docs follow from the section name and the configuration class. Classes are imported on
first use, so validating a scenario needs only the configuration modules (no numba, mesa, pandas).
"""

from __future__ import annotations

import importlib

MODULES: dict[str, str] = {
    "migration": "twin.migration.module:MigrationModule",
    "traffic": "twin.traffic.module:TrafficModule",
    "emergency": "twin.emergency.module:EmergencyModule",
    "waste": "twin.waste.module:WasteModule",
    "access": "twin.access.module:AccessModule",
}
"""Module class of each scenario section, in the order of the yearly steps."""

CONFIGS: dict[str, str] = {
    "migration": "twin.migration.config:MigrationConfig",
    "traffic": "twin.traffic.config:TrafficConfig",
    "emergency": "twin.emergency.config:EmergencyConfig",
    "waste": "twin.waste.config:WasteConfig",
    "access": "twin.access.config:AccessConfig",
}
"""Configuration class of each scenario section (the module class's ``config_class``)."""

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
    "viz.cli": ("view",), "twin.sweep.cli": ("sweep", "experiment", "compare", "analyze"),
    "twin.observations.cli": ("observe", "observations", "calibrate"),
}
"""Modules (dotted names) exposing ``register(subparsers)``, and the ``twin`` commands each adds
(a command imports only its own group's module; a test checks the names)."""


def resolve(target: str) -> type:
    """The class a ``"package.module:Class"`` string names (its module is imported)."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def module_classes() -> dict[str, type]:
    """Module class by section name, in step order (imports every module: numba, mesa...)."""
    return {name: resolve(target) for name, target in MODULES.items()}


def config_classes() -> dict[str, type]:
    """Configuration class by section name, in step order (light: no numba, mesa or pandas)."""
    return {name: resolve(target) for name, target in CONFIGS.items()}

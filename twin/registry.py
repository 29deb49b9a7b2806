"""The modules a scenario can switch on, by section name, and the CLI command groups.

The order of MODULES is the order of the yearly steps: migration first (it moves households),
then traffic (demand from the new population), then the event-driven modules. To add a module,
import its class here; its scenario section and docs follow from ``name`` and ``config_class``.
"""

from __future__ import annotations

from twin.access import AccessModule
from twin.emergency import EmergencyModule
from twin.migration import MigrationModule
from twin.traffic import TrafficModule
from twin.waste import WasteModule

MODULES = {
    cls.name: cls for cls in (MigrationModule, TrafficModule, EmergencyModule, WasteModule, AccessModule)
}

CLI_GROUPS: tuple[str, ...] = (
    "twin.emergency.cli", "twin.traffic.cli", "twin.waste.cli", "viz.cli", "twin.sweep.cli",
)
"""Modules (dotted names) exposing ``register(subparsers)`` to add ``twin <group> ...`` commands."""

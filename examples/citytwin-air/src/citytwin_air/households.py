"""Households that avoid polluted zones: a Mesa agent subclass with parameters.

``CleanAirHousehold`` applies the migration kernel's rule (the base
:class:`~twin.migration.mesa_view.HouseholdAgent`) with one more term in each zone's utility:
``-weight x C_zone / mean(C)``, where ``C`` is the zone concentration the air module published
last (``zone_nox_ugm3``, last year's mean: households move at the start of a year). The agents
live on the running twin, so ``self.model.published`` is the twin's board; before the air module
has published anything (the first year), they choose as the kernel does.

The package registers it as ``clean_air`` (``__init__.py``, by name)::

    [migration]
    household_agent = "clean_air"
    household_agent_options = { weight = 1.0 }
"""

from __future__ import annotations

import numpy as np

from twin.migration import HouseholdAgent


class CleanAirHousehold(HouseholdAgent):
    """A household whose taste for a zone falls with its air pollution.

    Args:
        weight: utils lost per multiple of the mean concentration (0: the kernel's choices).
        pollutant: the published zone array to avoid (µg/m³ or any positive measure).
    """

    def __init__(self, *args, weight: float = 1.0, pollutant: str = "zone_nox_ugm3", **attributes) -> None:
        super().__init__(*args, **attributes)
        self.weight = float(weight)
        self.pollutant = pollutant

    def utilities(self) -> np.ndarray:
        values = super().utilities()
        level = self.model.published.get(self.pollutant, None)
        if level is None or self.weight == 0.0:
            return values
        return values - self.weight * level / max(float(np.mean(level)), 1e-12)

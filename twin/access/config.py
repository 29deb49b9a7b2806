"""The ``[access]`` scenario section: which facility kinds to measure and the served threshold.

Needs only :mod:`twin.config` and the facility kind names, so ``twin validate`` stays light.
"""

from __future__ import annotations

import dataclasses

from twin.city.facilities import FACILITY_KINDS, PUBLIC_PLACE_KINDS
from twin.config import option


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessConfig:
    threshold_min: float = option(15.0, gt=0, le=180, unit="minutes",
                                  doc="a zone is served when the nearest facility is this close")
    kinds: tuple[str, ...] = option(PUBLIC_PLACE_KINDS, choices=FACILITY_KINDS,
                                    doc="facility kinds to measure")
    interval_min: float = option(60.0, ge=1, le=1440, unit="minutes",
                                 doc="how often access is re-measured during the operating period")

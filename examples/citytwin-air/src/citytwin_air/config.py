"""The ``[air]`` scenario section (light: only :mod:`twin.config`, so ``twin validate`` stays fast)."""

from __future__ import annotations

import dataclasses

from twin.config import option


@dataclasses.dataclass(frozen=True, kw_only=True)
class AirConfig:
    interval_min: float = option(15.0, ge=1, le=240, unit="minutes",
                                 doc="how often the zones' concentrations are computed from traffic")
    nox_g_per_veh_km: float = option(
        0.35, gt=0, le=20, unit="g/veh-km",
        doc="NOx emitted per vehicle-km at free-flow speed (ASSUMPTION: a mixed Euro 4-6 urban "
            "car fleet, the order of COPERT's hot-emission factors)")
    congestion_exponent: float = option(
        0.5, ge=0, le=3, doc="emissions grow as (free-flow speed / speed) to this power on slow links")
    wind_mps: float = option(3.0, gt=0, le=30, unit="m/s", doc="wind speed through each zone's box")
    mixing_height_m: float = option(300.0, ge=10, le=3000, unit="m", doc="height of the mixed layer")
    background_ugm3: float = option(15.0, ge=0, le=500, unit="ug/m3",
                                    doc="concentration without the city's traffic")
    limit_ugm3: float = option(
        40.0, gt=0, le=1000, unit="ug/m3",
        doc="limit a zone's period mean is judged against (EU annual limit value for NO2, "
            "Directive 2008/50/EC)")

"""AirModule: zone air quality from the traffic the twin simulates.

Every ``interval_min`` of the operating period it reads what traffic publishes each interval,
``link_flow_vph`` (veh/h) and ``link_speed_kmh`` (km/h), and computes per zone:

- emissions Q (g/s): sum over the zone's links of flow x length x the emission factor, raised on
  slow links by (free-flow speed / speed) ** ``congestion_exponent``;
- concentration C = background + Q / (wind x mixing height x zone width) (a box model, µg/m³ with
  Q in µg/s), the zone width being the square root of its area.

A link belongs to the zone whose centre is nearest its midpoint. The year's indicators (domain
``environment``, outside the governance index) are the resident-weighted mean concentration and
the share of residents whose zone's period mean is above ``limit_ugm3``; the run folder gets the
time series ``air_quality`` (year, time_s, zone, concentration_ugm3) and the state ``zone_air``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from citytwin_air.config import AirConfig
from twin import Indicator, Module, TwinModel
from twin.engine import ticker
from twin.errors import TwinInputError


class AirModule(Module):
    """Air quality: traffic emissions per zone and a box-model concentration (NOx, µg/m³)."""

    name = "air"
    domain = "environment"
    config_class = AirConfig
    publishes = ("zone_nox_ugm3",)
    """The year's period-mean concentration per zone (µg/m³), published at the year's end: what
    the example's ``clean_air`` households avoid when they move at the next year's start."""

    def setup(self, model: TwinModel) -> None:
        if "traffic" not in {m.name for m in model.modules}:
            raise TwinInputError("[air] reads the link flows and speeds traffic publishes: "
                                 "add a [traffic] section")
        city = model.city
        net = city.network
        mid_x = (net.node_x[net.link_from] + net.node_x[net.link_to]) / 2.0
        mid_y = (net.node_y[net.link_from] + net.node_y[net.link_to]) / 2.0
        _, self.link_zone = cKDTree(np.column_stack([city.zones.x, city.zones.y])).query(
            np.column_stack([mid_x, mid_y]))
        self.n_zones = len(city.zones.x)
        width_m = np.sqrt(np.maximum(np.asarray(city.zones.area_m2, dtype=float), 1.0))
        self.box_m3_per_s = self.config.wind_mps * self.config.mixing_height_m * width_m
        self.rows: list[tuple[int, float, np.ndarray]] = []

    def processes(self, model: TwinModel) -> Iterable[Generator]:
        year = model.year
        dt = self.config.interval_min * 60.0
        return [ticker(model.env, dt, lambda now: self._sample(model, year, now), until_s=model.period_s)]

    def _sample(self, model: TwinModel, year: int, now: float) -> None:
        """Record the zones' concentrations from the flows traffic published last (not at t = 0:
        nothing has driven yet; not in the warm-up days)."""
        if now <= model.warmup_s:
            return
        flow = model.published.get("link_flow_vph")  # one line naming [traffic] when it is off
        speed = model.published.get("link_speed_kmh")
        self.rows.append((year, now, self.concentration(model, flow, speed)))

    def concentration(self, model: TwinModel, flow_vph: np.ndarray, speed_kmh: np.ndarray) -> np.ndarray:
        """Concentration per zone (µg/m³) for link flows (veh/h) and speeds (km/h)."""
        net = model.city.network
        free_kmh = net.link_free_speed_mps * 3.6
        with np.errstate(divide="ignore", invalid="ignore"):
            slow = np.where(speed_kmh > 0, free_kmh / speed_kmh, 1.0)
        factor = self.config.nox_g_per_veh_km * np.maximum(slow, 1.0) ** self.config.congestion_exponent
        grams_per_s = flow_vph / 3600.0 * net.link_length_m / 1000.0 * factor
        zone_g_per_s = np.bincount(self.link_zone, weights=grams_per_s, minlength=self.n_zones)
        return self.config.background_ugm3 + zone_g_per_s * 1e6 / self.box_m3_per_s

    def _year_mean(self, year: int) -> np.ndarray:
        samples = [c for y, _, c in self.rows if y == year]
        if not samples:
            return np.full(self.n_zones, self.config.background_ugm3)
        return np.mean(samples, axis=0)

    def end_year(self, model: TwinModel, year: int) -> None:
        model.published.publish("zone_nox_ugm3", self._year_mean(year), "µg/m³", self.name)

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        mean = self._year_mean(year)
        residents = np.asarray(model.published.get("zone_population", model.city.zones.population), float)
        total = residents.sum() or 1.0
        above = 100.0 * residents[mean > self.config.limit_ugm3].sum() / total
        return [
            Indicator("environment", "mean_concentration_ugm3", float(residents @ mean / total), "ug/m3",
                      "lower", (2.0 * self.config.limit_ugm3, self.config.background_ugm3),
                      "resident-weighted period mean of the zones' NOx concentration"),
            Indicator("environment", "residents_above_limit_pct", above, "%", "lower", (100.0, 0.0),
                      "share of residents whose zone's period mean is above limit_ugm3"),
        ]

    def timeseries(self) -> dict[str, pd.DataFrame]:
        zones = np.arange(self.n_zones)
        frames = [pd.DataFrame({"year": year, "time_s": now, "zone": zones, "concentration_ugm3": c})
                  for year, now, c in self.rows]
        columns = ["year", "time_s", "zone", "concentration_ugm3"]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
        return {"air_quality": table.astype({"year": "int64", "time_s": "float64", "zone": "int64",
                                             "concentration_ugm3": "float64"})}

    def snapshot(self) -> dict[str, pd.DataFrame]:
        years = sorted({y for y, _, _ in self.rows})
        last = years[-1] if years else None
        mean = self._year_mean(last) if last is not None else np.full(self.n_zones, np.nan)
        return {"zone_air": pd.DataFrame({"zone": np.arange(self.n_zones), "mean_ugm3": mean})}

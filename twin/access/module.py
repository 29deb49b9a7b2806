"""Access module: travel time from every zone to the nearest facility of each kind."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.access.config import AccessConfig
from twin.city import City
from twin.engine import Module, TwinModel
from twin.indicators import Indicator
from twin.kernels.shortest_path import nearest_source


def nearest_facility_time(city: City, link_time_s: np.ndarray, kind: str) -> np.ndarray:
    """Seconds from each zone's node to the nearest facility of ``kind`` (inf if none).

    One multi-source Dijkstra on the reversed graph (sources: every facility of the kind) gives
    the time *to* the nearest facility from every node.
    """
    net = city.network
    rows = city.facilities.of_kind(kind)
    if rows.size == 0:
        return np.full(len(city.zones), np.inf)
    reverse_to = np.ascontiguousarray(net.link_from[net.in_links], dtype=np.int32)
    reverse_w = np.ascontiguousarray(link_time_s[net.in_links], dtype=np.float64)
    sources = np.unique(city.facilities.node[rows]).astype(np.int64)
    dist, _ = nearest_source(net.in_start, reverse_to, reverse_w, sources)
    return dist[city.zones.node]


class AccessModule(Module):
    """Share of residents within ``threshold_min`` of each kind of public place, hour by hour."""

    name = "access"
    domain = "services"
    config_class = AccessConfig

    def setup(self, model: TwinModel) -> None:
        self._records: list[tuple[int, float, str, float]] = []
        self._year_shares: dict[str, list[float]] = {}
        self._year_hospital_min: list[float] = []
        self._last_times: dict[str, np.ndarray] = {}

    def _measure(self, model: TwinModel) -> None:
        city = model.city
        link_time = model.published.get("link_travel_time_s", city.network.free_flow_time_s)
        population = model.published.get("zone_population", city.zones.population)
        total = max(float(population.sum()), 1.0)
        threshold = self.config.threshold_min * 60.0
        recorded = model.env.now >= model.warmup_s  # the scenario's warm-up days stay out of the indicators
        for kind in self.config.kinds:
            times = nearest_facility_time(city, link_time, kind)
            share = float(population[times <= threshold].sum()) / total
            if recorded:
                self._year_shares.setdefault(kind, []).append(share)
            self._records.append((model.year, float(model.env.now), kind, share))
            self._last_times[kind] = times
            if recorded and kind == "hospital" and np.isfinite(times).any():  # a city may have no hospital
                reachable = np.isfinite(times)
                mean_min = float((times[reachable] * population[reachable]).sum()
                                 / max(population[reachable].sum(), 1)) / 60.0
                self._year_hospital_min.append(mean_min)

    def start_year(self, model: TwinModel, year: int) -> None:
        self._year_shares = {}
        self._year_hospital_min = []

    def processes(self, model: TwinModel):
        def measure_every_interval():
            while True:
                self._measure(model)
                yield model.env.timeout(self.config.interval_min * 60.0)

        yield measure_every_interval()

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        out = [
            Indicator(self.domain, f"share_within_{kind}", float(np.mean(shares)) * 100.0, "%",
                      "higher", (50.0, 100.0),
                      f"residents within {self.config.threshold_min:g} min of a {kind}")
            for kind, shares in self._year_shares.items()
        ]
        if self._year_hospital_min:
            mean_min = float(np.mean(self._year_hospital_min))
            out.append(Indicator(self.domain, "mean_time_to_hospital", mean_min, "min", "lower", (30.0, 5.0),
                                 "population-weighted travel time to the nearest hospital"))
        return out

    def timeseries(self) -> dict[str, pd.DataFrame]:
        frame = pd.DataFrame(self._records, columns=["year", "time_s", "kind", "share_within"])
        return {"access_share": frame}

    def snapshot(self) -> dict[str, pd.DataFrame]:
        if not self._last_times:
            return {}
        frame = pd.DataFrame({f"time_to_{k}_s": v for k, v in self._last_times.items()})
        frame.insert(0, "zone", np.arange(len(frame), dtype=np.int64))
        return {"zone_access": frame}

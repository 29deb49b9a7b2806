"""EmergencyModule: incidents, stations, units and the dispatch centre on the shared clock.

Each year the module draws the operating period's calls (:mod:`twin.emergency.incidents`),
then runs, on ``model.env``: a feeder that hands each call to the dispatch centre when its call
handling ends,
a refresher that rebuilds the travel-time trees when the published link times change, a sampler
of busy units, and the surge switches (which also publish ``link_speed_factor`` for the roads
of hazard areas and refresh the trees). Units and stations are mesa Agents; KPIs come from the
centre's per-call arrays and busy log at the end of the year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from twin.catalog import build
from twin.emergency.centre import Call, DispatchCentre
from twin.emergency.config import STATION_FACILITY, UNIT_CATALOG, UNIT_KINDS, EmergencyConfig
from twin.emergency.dispatch import DispatchPolicy, make_policy
from twin.emergency.incidents import IncidentTable, generate_incidents, zone_exposure
from twin.emergency.kpis import year_indicators
from twin.emergency.surge import link_speed_factors, resolve_surges, surge_switch
from twin.emergency.travel import TravelTimes, emergency_link_times
from twin.emergency.units import DISPATCHED, EN_ROUTE, ON_SCENE, TRANSPORTING, Station, Unit
from twin.engine import Module, TwinModel
from twin.errors import ScenarioError
from twin.indicators import Indicator

MAX_SNAP_M = 1000.0
"""A scenario station farther than this from every road node is off the network (metres)."""

BUSY_STATES = (DISPATCHED, EN_ROUTE, ON_SCENE, TRANSPORTING)
"""States in which a unit counts as busy (committed to a call)."""


class EmergencyModule(Module):
    """Multi-agency emergency response: ambulances, fire engines, police cars, utility crews.

    Args:
        config: the validated ``[emergency]`` section; its ``unit_class`` names the class of the
            units (:data:`~twin.emergency.config.UNIT_CATALOG`).
        policy: a dispatch policy instance; default: the one named by ``config.policy``. Its
            ``start_period(centre)`` runs at the start of each operating period.

    After each year, ``last_incidents`` holds that year's incidents table and ``busy_log()`` the
    units' busy/free switches (both used by the validation and the examples).
    """

    name = "emergency"
    domain = "emergency"
    config_class = EmergencyConfig

    def __init__(self, config: EmergencyConfig, policy: DispatchPolicy | None = None) -> None:
        super().__init__(config)
        self.policy = policy if policy is not None else make_policy(config)

    # -- setup ---------------------------------------------------------------------------------
    def setup(self, model: TwinModel) -> None:
        cfg, city = self.config, model.city
        self.type_names = tuple(cfg.types)
        self.types = tuple(cfg.types.values())
        self.stations = self._build_stations(model)
        units: list[Unit] = []
        for station in self.stations:
            for k in range(station.units + station.standby_units):
                units.append(
                    build(
                        UNIT_CATALOG,
                        cfg.unit_class,
                        cfg.unit_options,
                        model,
                        kind=station.unit_kind,
                        station=station,
                        standby=k >= station.units,
                        index=len(units),
                    )
                )
        self.units = AgentSet(units, random=model.random)
        self._check_coverage(city)
        hospitals = city.facilities.node[city.facilities.of_kind("hospital")]
        self.travel = TravelTimes(city.network, np.array([s.node for s in self.stations]), hospitals)
        self.windows = resolve_surges(cfg.surge, city, self.type_names, model.warmup_s)
        self._open: list[int] = []
        self.hazard_units = self.hazard_traffic = np.ones(city.network.n_links)
        self.centre = DispatchCentre(
            model,
            units=self.units,
            policy=self.policy,
            travel=self.travel,
            turnout_s={kind: cfg.turnout_s(kind) for kind in UNIT_KINDS},
            handover_s=cfg.handover_min * 60.0,
            loss_system=cfg.loss_system,
            defer_priority=cfg.defer_priority,
            mutual_aid={k: tuple(v) for k, v in cfg.mutual_aid.items()},
            wartime_priority={self.type_names.index(k): v for k, v in cfg.wartime_priority.items()},
            wartime_trigger=cfg.wartime_trigger_calls,
            wartime_hold_s=cfg.wartime_hold_min * 60.0,
        )
        self._incident_frames: list[pd.DataFrame] = []
        self._dispatch_frames: list[pd.DataFrame] = []
        self._busy_frames: list[pd.DataFrame] = []
        self._indicators: dict[int, list[Indicator]] = {}

    def _build_stations(self, model: TwinModel) -> list[Station]:
        cfg, city = self.config, model.city
        fac = city.facilities
        stations: list[Station] = []
        for kind in UNIT_KINDS:
            regular, standby = cfg.station_units(kind), int(cfg.standby_per_station.get(kind, 0))
            if regular + standby == 0:
                continue
            for row in fac.of_kind(STATION_FACILITY[kind]):
                stations.append(
                    Station(
                        model,
                        name=fac.name[row],
                        unit_kind=kind,
                        node=fac.node[row],
                        x=fac.x[row],
                        y=fac.y[row],
                        index=len(stations),
                        units=regular,
                        standby_units=standby,
                    )
                )
        net = city.network
        for i, spec in enumerate(cfg.stations):
            node = int(net.nearest_node(np.array([spec.x]), np.array([spec.y]))[0])
            gap = float(np.hypot(net.node_x[node] - spec.x, net.node_y[node] - spec.y))
            if gap > MAX_SNAP_M:
                raise ScenarioError(
                    f"key 'emergency.stations[{i}]': ({spec.x:g}, {spec.y:g}) is {gap:,.0f} m from the"
                    f" nearest road node of {city.name!r} (allowed: {MAX_SNAP_M:g} m)"
                )
            stations.append(
                Station(
                    model,
                    name=spec.name,
                    unit_kind=spec.unit_kind,
                    node=node,
                    x=spec.x,
                    y=spec.y,
                    index=len(stations),
                    units=spec.units,
                    standby_units=0,
                )
            )
        return stations

    def _check_coverage(self, city) -> None:
        have = {u.kind for u in self.units if not u.standby}
        for name, spec in self.config.types.items():
            for kind in spec.units:
                if kind not in have:
                    raise ScenarioError(
                        f"key 'emergency.types.{name}.units': needs a {kind!r} but no station has one in "
                        f"{city.name!r} (no {STATION_FACILITY[kind]} with units_per_station.{kind} > 0 "
                        f"and no [[emergency.stations]] of that kind)"
                    )

    # -- the year ------------------------------------------------------------------------------
    def start_year(self, model: TwinModel, year: int) -> None:
        city = model.city
        population = model.published.get("zone_population", city.zones.population)
        jobs = model.published.get("zone_jobs", city.zones.jobs)
        exposure = zone_exposure(self.types, population, jobs)
        self.table: IncidentTable = generate_incidents(
            model.rng_for("emergency/incidents", year),
            city,
            self.types,
            exposure,
            self.config.hourly_profile,
            self.config.rate_scale,
            model.period_s,
            self.windows,
            turnout_cv=self.config.turnout_cv,
            handover_s=self.config.handover_min * 60.0,
            handover_cv=self.config.handover_cv,
        )
        self._busy_samples: list[tuple[int, float, str, int]] = []

    def _link_times(self, model: TwinModel) -> np.ndarray:
        free = model.city.network.free_flow_time_s
        current = model.published.get("link_travel_time_s", free)
        return emergency_link_times(
            free,
            current,
            self.config.speed_factor,
            self.config.queue_bypass_share,
            self.hazard_units,
            self.hazard_traffic,
        )

    def _roads_changed(self, model: TwinModel) -> None:
        """Republish the hazard areas' road speed factors for the open windows; refresh the trees."""
        env = model.env
        self._open = [k for k, w in enumerate(self.windows) if w.start_s <= env.now < w.end_s]
        n_links = model.city.network.n_links
        self.hazard_units, self.hazard_traffic = link_speed_factors(
            [self.windows[k] for k in self._open], n_links
        )
        if any(w.link_in.any() for w in self.windows):
            model.published.publish("link_speed_factor", self.hazard_traffic, "", self.name)
        self.travel.update(self._link_times(model))

    def processes(self, model: TwinModel):
        for unit in self.units:
            unit.reset()
        self.centre.start_period(model.env, len(self.table))
        self.policy.start_period(self.centre)
        self._roads_changed(model)
        yield self._feed(model)
        yield self._refresh(model)
        yield self._sample(model)
        for window in self.windows:
            yield surge_switch(model.env, self.centre, window, lambda: self._roads_changed(model))

    def _feed(self, model: TwinModel):
        env, centre, t = model.env, self.centre, self.table
        priority = [spec.priority for spec in self.types]
        needs = [list(spec.units) for spec in self.types]
        ready = t.time_s + t.call_handling_s
        order = np.argsort(ready, kind="stable")
        columns = zip(
            order.tolist(),
            ready[order].tolist(),
            t.time_s[order].tolist(),
            t.type[order].tolist(),
            t.node[order].tolist(),
            t.on_scene_s[order].tolist(),
            t.transport[order].tolist(),
            t.turnout_factor[order].tolist(),
            t.handover_s[order].tolist(),
            strict=True,
        )
        for i, ready_s, time_s, code, node, on_scene, transport, turnout, handover in columns:
            if ready_s > env.now:
                yield env.timeout(ready_s - env.now)
            centre.receive(
                Call(i, priority[code], time_s, node, list(needs[code]), on_scene, transport,
                     code, turnout, handover)
            )

    def _refresh(self, model: TwinModel):
        interval = self.config.skim_refresh_min * 60.0
        while True:
            yield model.env.timeout(interval)
            if "link_travel_time_s" in model.published:
                self.travel.update(self._link_times(model))

    def _sample(self, model: TwinModel):
        interval = self.config.busy_sample_min * 60.0
        kinds = sorted({u.kind for u in self.units})
        while True:
            counts = dict.fromkeys(kinds, 0)
            for unit in self.centre.unit_list:
                if unit.state in BUSY_STATES:
                    counts[unit.kind] += 1
            now = float(model.env.now)
            self._busy_samples.extend((model.year, now, kind, counts[kind]) for kind in kinds)
            yield model.env.timeout(interval)

    def end_year(self, model: TwinModel, year: int) -> None:
        centre, t, city = self.centre, self.table, model.city
        if centre.in_surge:
            centre.surge_s += model.period_s - centre.surge_started_s
        incidents = pd.DataFrame(
            {
                "year": np.full(len(t), year, dtype=np.int64),
                "time_s": t.time_s,
                "type": pd.Categorical.from_codes(t.type, categories=list(self.type_names)).astype(str),
                "priority": np.array([s.priority for s in self.types], dtype=np.int64)[t.type],
                "x": t.x,
                "y": t.y,
                "zone": t.zone,
                "district": np.asarray(city.districts.name, dtype=object)[city.zones.district[t.zone]],
                "response_s": centre.first_arrival_s - t.time_s,
                "queue_s": np.maximum(centre.first_dispatch_s - t.time_s - t.call_handling_s, 0.0),
                "surge": t.surge,
                "call_handling_s": t.call_handling_s,
                "wait_s": np.maximum(centre.arrival_dispatch_s - t.time_s - t.call_handling_s, 0.0),
                "turnout_s": centre.arrival_turnout_s,
                "travel_s": centre.arrival_travel_s,
                "arrival_kind": centre.arrival_kind.astype(str),
                "in_hazard": self._in_hazard(model, t),
                "on_scene_s": t.on_scene_s,
            }
        )
        unit_kind = np.array([u.kind for u in centre.unit_list], dtype=object)
        call = np.asarray(centre.dispatch_call, dtype=np.int64)
        unit = np.asarray(centre.dispatch_unit, dtype=np.int64)
        origin = np.asarray(centre.dispatch_from, dtype=np.int64)
        net = city.network
        dispatches = pd.DataFrame(
            {
                "year": np.full(len(unit), year, dtype=np.int64),
                "time_s": np.asarray(centre.dispatch_time, dtype=np.float64),
                "unit": unit,
                "unit_kind": unit_kind[unit].astype(str),
                "from_x": net.node_x[origin],
                "from_y": net.node_y[origin],
                "to_x": t.x[call],
                "to_y": t.y[call],
                "incident": call,
            }
        )
        busy_log = self.busy_log()
        busy_s = busy_time_per_unit(busy_log, len(centre.unit_list), model.period_s)
        recorded = incidents[incidents.time_s >= model.warmup_s]  # calls of the warm-up days left out
        self._indicators[year] = year_indicators(self, model, recorded, busy_s)
        self._incident_frames.append(incidents)
        self._dispatch_frames.append(dispatches)
        self._busy_frames.append(
            pd.DataFrame(self._busy_samples, columns=["year", "time_s", "unit_kind", "busy"])
        )
        self.last_incidents = incidents

    def _in_hazard(self, model: TwinModel, t) -> np.ndarray:
        """Calls made inside an open window's place (its zones, districts or hazard area)."""
        inside = np.zeros(len(t), dtype=bool)
        for w in self.windows:
            during = (t.time_s >= w.start_s) & (t.time_s < w.end_s)
            if w.building_in is None:
                inside |= during & w.zone_mask[t.zone]
            else:
                has = t.building >= 0
                in_area = np.where(has, w.building_in[np.maximum(t.building, 0)], w.zone_mask[t.zone])
                inside |= during & in_area
        return inside

    def busy_log(self) -> pd.DataFrame:
        """Busy/free switches of the current period: unit, time_s, busy (True when dispatched)."""
        c = self.centre
        return pd.DataFrame(
            {
                "unit": np.asarray(c.busy_unit, dtype=np.int64),
                "time_s": np.asarray(c.busy_time, dtype=np.float64),
                "busy": np.asarray(c.busy_flag, dtype=bool),
            }
        )

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        return self._indicators.get(year, [])

    def timeseries(self) -> dict[str, pd.DataFrame]:
        if not self._busy_frames:
            return {}
        return {"busy_units": pd.concat(self._busy_frames, ignore_index=True)}

    def snapshot(self) -> dict[str, pd.DataFrame]:
        if not self._incident_frames:
            return {}
        stations = pd.DataFrame(
            {
                "station": [s.name for s in self.stations],
                "unit_kind": [s.unit_kind for s in self.stations],
                "x": [s.x for s in self.stations],
                "y": [s.y for s in self.stations],
                "units": [s.units for s in self.stations],
                "standby_units": [s.standby_units for s in self.stations],
            }
        )
        return {
            "incidents": pd.concat(self._incident_frames, ignore_index=True),
            "dispatches": pd.concat(self._dispatch_frames, ignore_index=True),
            "stations": stations,
        }


def busy_time_per_unit(busy_log: pd.DataFrame, n_units: int, period_s: float) -> np.ndarray:
    """Seconds each unit spent busy, from its alternating busy/free switches (open ends close at period_s)."""
    unit = busy_log["unit"].to_numpy()
    time_s = busy_log["time_s"].to_numpy()
    busy = busy_log["busy"].to_numpy()
    signed = np.where(busy, -time_s, time_s)
    total = np.bincount(unit, weights=signed, minlength=n_units)
    still_busy = np.bincount(unit, weights=np.where(busy, 1.0, -1.0), minlength=n_units)
    return total + still_busy * period_s

"""The waste module: generation, bins, sensors, policy, PyVRP routes and trucks on one clock.

A day in the operating period, in the order the clock runs it:

1. every hour (a ticker, before other events of the same instant): the hour's share of each
   bin's waste is deposited (numba :func:`~twin.waste.bins.deposit`); at hour 0 the day's
   generation per building is drawn (numba :func:`~twin.waste.generation.building_generation`)
   and yesterday's row of ``waste_daily`` is closed;
2. at ``shift_start_h``: sensors report, the policy picks the bins, and each (stream, depot)
   problem is routed with PyVRP; every truck then drives its route as a SimPy process
   (:meth:`~twin.waste.fleet.Truck.work_shift`), emptying bins as it reaches them.

Mass is integer grams throughout, so generated = collected + in bins + overflowed holds exactly
for every day and stream (``waste_daily``: ``in_bins_start_g + generated_g = collected_g +
overflow_g + in_bins_end_g``).
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from twin.catalog import build
from twin.city.zones import zone_factors
from twin.engine import Module, TwinModel, ticker
from twin.engine.model import SECONDS_PER_DAY
from twin.errors import TwinInputError
from twin.indicators import Indicator
from twin.kernels.shortest_path import many_to_many, travel_time_matrix
from twin.waste.bins import Bins, build_bins, cluster_buildings, deposit
from twin.waste.config import TRUCK_CATALOG, WasteConfig
from twin.waste.fleet import Roads, Truck, split_fleet
from twin.waste.generation import building_generation, sum_into_bins
from twin.waste.planner import Plan, RoutingProblem, collection_problem, solve
from twin.waste.policies import FillForecast, FixedSchedule, Selection, ThresholdPolicy, read_sensors
from twin.waste.streams import (
    COLLECT_EVERY_DAYS,
    CONTAINER_L,
    DENSITY_KG_L,
    DESIGN_DAYS,
    HOURLY_PROFILE,
    JOB_KG_DAY,
    RECYCLED_STREAMS,
    RESIDENT_KG_DAY,
    STREAMS,
    TRUCK_CAPACITY_KG,
    TRUCKS,
)

DAILY_COLUMNS = [
    "year",
    "day",
    "stream",
    "in_bins_start_g",
    "generated_g",
    "collected_g",
    "overflow_g",
    "in_bins_end_g",
    "overflow_bins",
    "visits",
    "km",
    "truck_hours",
    "placed_wrong_g",
    "deferred_bins",
    "missed_bins",
    "infeasible_plans",
]
"""Columns of the ``waste_daily`` time series (mass in integer grams, so the balance is exact).

``deferred_bins``: must bins the planner could not fit (an infeasible plan, repaired);
``missed_bins``: planned bins a truck did not reach (shift over, or cut off by a closed road);
``infeasible_plans``: routing problems whose first plan was infeasible."""

DEFERRED_COLUMNS = ["year", "day", "stream", "depot", "bin"]
"""Columns of the ``waste_deferred`` table: each must bin an infeasible plan left out, by day."""

PLAN_COLUMNS = [
    "year", "day", "stream", "depot", "bins", "required", "trucks", "routes", "feasible",
    "feasible_after_repair", "deferred_bins", "cost", "reused",
]
"""Columns of the ``waste_plans`` table: one row per routing problem planned or reused that day
(``cost``: the planner's objective, seconds or metres less collected prizes). The search's wall
time is not recorded here (run outputs are bitwise identical for a scenario and seed); the
module's routing seconds are in its timing."""

HOUR_S = 3600.0


def check_reachable(
    network, link_time_s: np.ndarray, depot_nodes: np.ndarray, plant_nodes: np.ndarray, bin_nodes: np.ndarray
) -> None:
    """Raise a one-line error if a bin cannot be reached from a depot or cannot reach a plant."""
    to_bins = many_to_many(
        network.out_start,
        network.link_to,
        np.ascontiguousarray(link_time_s, np.float64),
        np.asarray(depot_nodes, np.int64),
        np.asarray(bin_nodes, np.int64),
    )
    reverse_to = np.ascontiguousarray(network.link_from[network.in_links], dtype=np.int32)
    reverse_w = np.ascontiguousarray(np.asarray(link_time_s)[network.in_links], dtype=np.float64)
    to_plants = many_to_many(
        network.in_start,
        reverse_to,
        reverse_w,
        np.asarray(plant_nodes, np.int64),
        np.asarray(bin_nodes, np.int64),
    )
    bad = ~np.isfinite(to_bins).all(axis=0) | ~np.isfinite(to_plants).all(axis=0)
    if bad.any():
        nodes = np.unique(np.asarray(bin_nodes)[bad])
        raise TwinInputError(
            f"waste: {int(bad.sum())} bins (road nodes {nodes[:5].tolist()}) cannot be reached "
            "from a waste depot or cannot reach a plant of their stream"
        )


def check_depot_trucks(cfg: WasteConfig, n_depots: int, city_name: str) -> None:
    """Raise a one-line error if a ``depot_trucks`` list does not give one count per waste depot."""
    for stream, given in cfg.depot_trucks.items():
        if len(given) != n_depots:
            raise TwinInputError(
                f"waste.depot_trucks.{stream}: {len(given)} values for the {n_depots} waste depots "
                f"of city {city_name!r} (one count per depot, in the city's order)"
            )


class WasteModule(Module):
    """Four-stream waste collection with fill sensors, PyVRP routing and trucks on the shared clock."""

    name = "waste"
    domain = "waste"
    config_class = WasteConfig

    # -- setup ---------------------------------------------------------------------------------
    def setup(self, model: TwinModel) -> None:
        cfg: WasteConfig = self.config
        city = model.city
        net = city.network
        self.k = len(STREAMS)
        self.resident_kg = cfg.stream_values("resident_kg_day", RESIDENT_KG_DAY)
        self.job_kg = cfg.stream_values("job_kg_day", JOB_KG_DAY)
        self.zone_factor = zone_factors(city.zones, city.districts, cfg.zone_generation_factor,
                                        "waste.zone_generation_factor")  # None: 1 everywhere
        self.profile = np.asarray(HOURLY_PROFILE) / np.sum(HOURLY_PROFILE)
        self.weekday = np.asarray(cfg.weekday_factors, dtype=np.float64)
        self.building_cluster, n_clusters = cluster_buildings(
            city.buildings.x, city.buildings.y, cfg.cluster_m
        )
        self.building_bin = np.ascontiguousarray(
            self.building_cluster[:, None] * self.k + np.arange(self.k)[None, :]
        )
        expected, _ = self._generation(
            city.buildings.residents, city.buildings.jobs, 1.0, np.ones((len(city.buildings), self.k))
        )
        has_sensor = model.rng_for("waste/sensor_coverage").random(n_clusters * self.k) < cfg.sensor_coverage
        self.bins: Bins = build_bins(
            city,
            self.building_cluster,
            n_clusters,
            expected,
            cfg.stream_values("density_kg_l", DENSITY_KG_L),
            cfg.stream_values("container_l", CONTAINER_L),
            cfg.stream_values("design_days", DESIGN_DAYS),
            has_sensor,
        )

        depots = city.facilities.of_kind("waste_depot")
        if depots.size == 0:
            raise TwinInputError(f"waste: city {city.name!r} has no facility of kind 'waste_depot'")
        self.depot_node = city.facilities.node[depots].astype(np.int64)
        self.depot_xy = np.column_stack([city.facilities.x[depots], city.facilities.y[depots]])
        self.plant_nodes: list[np.ndarray] = []
        for stream in STREAMS:
            kinds = cfg.plant_kinds(stream)
            rows = np.concatenate([city.facilities.of_kind(kind) for kind in kinds])
            if rows.size == 0:
                raise TwinInputError(
                    f"waste: stream {stream!r} has no plant: city {city.name!r} has no facility "
                    f"of kind {', '.join(kinds)} (set waste.plants.{stream})"
                )
            self.plant_nodes.append(np.unique(city.facilities.node[rows]).astype(np.int64))
        check_reachable(
            net,
            net.free_flow_time_s,
            self.depot_node,
            np.concatenate(self.plant_nodes),
            np.unique(self.bins.node),
        )

        n_trucks = cfg.stream_values("trucks", TRUCKS).astype(np.int64)
        capacity_kg = cfg.stream_values("truck_capacity_kg", TRUCK_CAPACITY_KG)
        self.capacity_kg = capacity_kg
        self.every_days = cfg.stream_values("collect_every_days", COLLECT_EVERY_DAYS).astype(np.int64)
        self.trucks: dict[tuple[int, int], list[Truck]] = {}
        self.territory = np.zeros(len(self.bins), dtype=np.int64)
        cluster_nodes = self.bins.node[self.bins.stream == 0]
        from_depots = travel_time_matrix(net, net.free_flow_time_s, self.depot_node, cluster_nodes)
        self.depot_work_s: dict[int, np.ndarray] = {}
        check_depot_trucks(cfg, len(depots), city.name)
        for s, stream in enumerate(STREAMS):
            given = cfg.depot_trucks.get(stream)
            used = np.arange(min(int(n_trucks[s]), len(depots))) if given is None else np.flatnonzero(given)
            self.territory[self.bins.stream == s] = used[np.argmin(from_depots[used], axis=0)]
            to_plant = travel_time_matrix(
                net, net.free_flow_time_s, self.depot_node[used], self.plant_nodes[s]
            )
            self.depot_work_s[s] = self._depot_work_s(s, used, to_plant.min(axis=1))
            counts = (
                split_fleet(int(n_trucks[s]), self.depot_work_s[s])
                if given is None
                else np.asarray(given, dtype=np.int64)[used]
            )
            for d, count in zip(used, counts, strict=True):
                self.trucks[(s, int(d))] = [
                    build(TRUCK_CATALOG, cfg.truck_class, cfg.truck_options, model, s,
                          int(capacity_kg[s] * 1000), int(d), int(self.depot_node[d]), self.plant_nodes[s])
                    for _ in range(int(count))
                ]
        self.fleet = AgentSet([t for group in self.trucks.values() for t in group], random=model.random)
        self.roads = Roads(net, model.published)
        if cfg.policy == "fixed":
            self.policy = FixedSchedule(
                self.bins, self.every_days, self.depot_xy, self.territory, max(cfg.weekday_factors)
            )
        else:
            self.policy = ThresholdPolicy(
                self.bins, cfg.must_threshold, cfg.optional_threshold, cfg.optional_prize
            )
        self.daily_rows: list[tuple] = []
        self.static_routes: dict[tuple[int, int, int], tuple] = {}  # kept for the run: fixed rounds
        self.plan_rows: list[tuple] = []
        self.deferred_rows: list[tuple] = []
        self.position_rows: list[tuple] = []
        self.routing_s = 0.0

    def _depot_work_s(self, s: int, used: np.ndarray, to_plant_s: np.ndarray) -> np.ndarray:
        """Expected truck seconds a day in each used depot's territory of stream ``s``.

        Emptying: the territory's containers times ``service_s``, divided by the stream's
        ``collect_every_days``; unloading: the expected truckloads a day times ``unload_min`` plus
        a return drive from the depot to its nearest plant (``to_plant_s``, one per used depot).
        Driving between bins is left out. This is how a stream's trucks are shared out between
        depots (:func:`~twin.waste.fleet.split_fleet`).
        """
        cfg = self.config
        bins = self.bins
        mine = bins.stream == s
        n = len(self.depot_node)
        territory = self.territory[mine]
        service = np.bincount(territory, weights=bins.containers[mine] * cfg.service_s, minlength=n)
        loads = np.bincount(territory, weights=bins.expected_day_g[mine], minlength=n)
        service = service[used] / float(self.every_days[s])
        loads = loads[used] / (1000.0 * self.capacity_kg[s])
        return service + loads * (cfg.unload_min * 60.0 + 2.0 * np.asarray(to_plant_s, dtype=np.float64))

    def _generation(self, residents, jobs, factor, noise):
        cfg = self.config
        return building_generation(
            np.asarray(residents, np.float64),
            np.asarray(jobs, np.float64),
            self.resident_kg,
            self.job_kg,
            float(factor),
            np.ascontiguousarray(noise),
            cfg.compliance,
            cfg.missort,
        )

    # -- the year ------------------------------------------------------------------------------
    def start_year(self, model: TwinModel, year: int) -> None:
        city = model.city
        zones = city.buildings.zone
        population = model.published.get("zone_population", city.zones.population).astype(np.float64)
        jobs = model.published.get("zone_jobs", city.zones.jobs).astype(np.float64)
        scale_pop = np.divide(
            population, city.zones.population, out=np.ones(len(population)), where=city.zones.population > 0
        )
        scale_jobs = np.divide(jobs, city.zones.jobs, out=np.ones(len(jobs)), where=city.zones.jobs > 0)
        if self.zone_factor is not None:  # generation, not the bins' size (setup): fill readings reveal it
            scale_pop, scale_jobs = scale_pop * self.zone_factor, scale_jobs * self.zone_factor
        self.residents = city.buildings.residents * scale_pop[zones]
        self.jobs = city.buildings.jobs * scale_jobs[zones]
        bins = self.bins
        expected, _ = self._generation(self.residents, self.jobs, 1.0, np.ones((len(self.residents), self.k)))
        bins.expected_day_g[:] = sum_into_bins(self.building_bin, expected, len(bins)) * 1000.0
        bins.reset_counters()
        start = model.rng_for("waste/initial", year).random(len(bins)) * self.config.initial_fill
        bins.fill_g[:] = np.floor(start * bins.capacity_g).astype(np.int64)
        self.forecast = FillForecast(bins)
        self.gen_rng = model.rng_for("waste/generation", year)
        self.sensor_rng = model.rng_for("waste/sensors", year)
        self.route_seed = int(model.seed_sequence("waste/routing", year).generate_state(1)[0])
        self.fleet.do("reset_year")
        self.year = year
        self.day = -1
        self.day_bin_kg = np.zeros(len(bins))
        self.day_wrong_kg = np.zeros(self.k)
        self.wrong_g = np.zeros(self.k, dtype=np.int64)
        self.first_row = len(self.daily_rows)

    def processes(self, model: TwinModel):
        yield ticker(model.env, HOUR_S, lambda now: self._hour(model, now))
        yield self._days(model)

    def end_year(self, model: TwinModel, year: int) -> None:
        if self.day >= 0:
            self._close_day()
        self.roads.withdraw()
        days = pd.DataFrame(self.daily_rows[self.first_row :], columns=DAILY_COLUMNS)
        infeasible, deferred, missed = (int(days[c].sum()) for c in ("infeasible_plans", "deferred_bins",
                                                                       "missed_bins"))
        problems = []
        if infeasible:
            problems.append(f"{infeasible} routing problems had no feasible plan for the fleet and shift "
                            f"(repaired: {deferred} bin visits deferred, table waste_deferred)")
        if missed:
            problems.append(f"{missed} planned bin visits missed at the shift's end or behind closed roads")
        if problems:
            warnings.warn(f"waste {year}: {'; '.join(problems)} (twin waste size proposes a fleet)",
                          stacklevel=2)

    # -- hourly generation ---------------------------------------------------------------------
    def _hour(self, model: TwinModel, now: float) -> None:
        hour_index = int(round(now / HOUR_S))
        day, hour = divmod(hour_index, 24)
        if day != self.day:
            if self.day >= 0:
                self._close_day()
            self._open_day(day)
        bins = self.bins
        add = np.rint(self.day_bin_kg * (1000.0 * self.profile[hour])).astype(np.int64)
        deposit(bins.fill_g, bins.capacity_g, add, bins.generated_g, bins.overflow_g, bins.overflowed)
        self.wrong_g += np.rint(self.day_wrong_kg * (1000.0 * self.profile[hour])).astype(np.int64)
        self.forecast.add_expected(self.profile[hour] * self._weekday_factor(day))

    def _weekday_factor(self, day: int) -> float:
        return float(self.weekday[(self.config.start_weekday + day) % 7])

    def _open_day(self, day: int) -> None:
        cfg = self.config
        self.day = day
        sigma2 = np.log1p(cfg.noise_cv**2)
        noise = self.gen_rng.lognormal(-0.5 * sigma2, np.sqrt(sigma2), size=(len(self.residents), self.k))
        placed, wrong = self._generation(self.residents, self.jobs, self._weekday_factor(day), noise)
        self.day_bin_kg = sum_into_bins(self.building_bin, placed, len(self.bins))
        self.day_wrong_kg = wrong.sum(axis=0)
        bins = self.bins
        bins.overflowed[:] = False
        self.day_start = self._stream_totals()

    def _stream_totals(self) -> dict[str, np.ndarray]:
        bins = self.bins
        totals = {
            name: np.bincount(bins.stream, weights=getattr(bins, name), minlength=self.k).astype(np.int64)
            for name in ("fill_g", "generated_g", "collected_g", "overflow_g")
        }
        totals["wrong_g"] = self.wrong_g.copy()
        stream = np.array(self.fleet.get("stream"), dtype=np.int64)
        totals["km"] = np.bincount(stream, weights=self.fleet.get("km"), minlength=self.k)
        totals["hours"] = np.bincount(stream, weights=self.fleet.get("hours"), minlength=self.k)
        for name in ("visits", "missed"):
            counts = np.bincount(stream, weights=self.fleet.get(name), minlength=self.k)
            totals[name] = counts.astype(np.int64)
        plans = [r for r in self.plan_rows if r[0] == self.year and r[1] == self.day]
        totals["deferred"] = np.bincount(
            [STREAMS.index(r[2]) for r in plans], weights=[r[10] for r in plans], minlength=self.k
        ).astype(np.int64)
        totals["infeasible"] = np.bincount(
            [STREAMS.index(r[2]) for r in plans], weights=[not r[8] for r in plans], minlength=self.k
        ).astype(np.int64)
        return totals

    def _close_day(self) -> None:
        start, end = self.day_start, self._stream_totals()
        spilled = np.bincount(self.bins.stream, weights=self.bins.overflowed, minlength=self.k).astype(
            np.int64
        )
        for s, stream in enumerate(STREAMS):
            self.daily_rows.append(
                (
                    self.year,
                    self.day,
                    stream,
                    int(start["fill_g"][s]),
                    int(end["generated_g"][s] - start["generated_g"][s]),
                    int(end["collected_g"][s] - start["collected_g"][s]),
                    int(end["overflow_g"][s] - start["overflow_g"][s]),
                    int(end["fill_g"][s]),
                    int(spilled[s]),
                    int(end["visits"][s] - start["visits"][s]),
                    float(end["km"][s] - start["km"][s]),
                    float(end["hours"][s] - start["hours"][s]),
                    int(end["wrong_g"][s] - start["wrong_g"][s]),
                    int(end["deferred"][s]),
                    int(end["missed"][s] - start["missed"][s]),
                    int(end["infeasible"][s]),
                )
            )

    # -- daily collection ----------------------------------------------------------------------
    def _days(self, model: TwinModel):
        cfg = self.config
        env = model.env
        n_days = int(np.ceil(model.period_s / SECONDS_PER_DAY))
        for day in range(n_days):
            shift_start = day * SECONDS_PER_DAY + cfg.shift_start_h * HOUR_S
            if shift_start >= model.period_s:
                return
            yield env.timeout(shift_start - env.now)
            start = time.perf_counter()
            plans = self._plan_day(day)
            self.routing_s += time.perf_counter() - start
            for (s, d), routes in plans.items():
                for truck, stops in zip(self.trucks[(s, d)], routes, strict=False):
                    env.process(self._shift(model, truck, stops, shift_start + cfg.shift_h * HOUR_S))

    def _estimate(self) -> np.ndarray:
        cfg = self.config
        if cfg.policy == "sensor":
            index, level = read_sensors(self.sensor_rng, self.bins, cfg.sensor_noise, cfg.sensor_failure_rate)
            self.forecast.observe(index, level)
        return self.forecast.level_g

    def _plan_day(self, day: int) -> dict[tuple[int, int], list[list[tuple[str, int]]]]:
        """Today's routes of every (stream, depot): static ones reused, the others planned.

        The problems are built one after the other (their travel-time matrices use every core
        already), then solved at the same time on threads (PyVRP's search runs outside the GIL);
        each problem has its own seed and data, so the routes do not depend on the threads.
        """
        cfg = self.config
        estimate = self._estimate()
        selections: dict[tuple[int, int], Selection] = {}
        for s, d in self.trucks:
            candidates = np.flatnonzero((self.bins.stream == s) & (self.territory == d))
            selections[(s, d)] = self.policy.select(day, s, candidates, estimate)
        total = max(sum(sel.must.size + sel.optional.size for sel in selections.values()), 1)
        results: dict[tuple[int, int], tuple] = {}
        todo = []
        for (s, d), sel in selections.items():
            key = (s, d, -1 if sel.static_key is None else sel.static_key)
            if sel.static_key is not None and key in self.static_routes:
                results[(s, d)] = self.static_routes[key]
            elif sel.must.size + sel.optional.size == 0:
                results[(s, d)] = ([], np.zeros(0, np.int64), None)
            else:
                static = sel.static_key is not None
                link_time = self.roads.network.free_flow_time_s if static else self.roads.link_time_s()
                problem, chosen = self.problem(s, d, sel, len(self.trucks[(s, d)]), link_time)
                share = (sel.must.size + sel.optional.size) / total
                seconds = None if cfg.route_seconds is None else max(cfg.route_seconds * share, 0.05)
                seed = (self.route_seed + 7919 * day + 31 * s + d) % 2**31
                todo.append(((s, d), sel, problem, chosen, seconds, seed))
        workers = min(len(todo), len(os.sched_getaffinity(0)))
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                plans = list(pool.map(lambda job: self._solve(*job[1:]), todo))
        else:
            plans = [self._solve(*job[1:]) for job in todo]
        for ((s, d), sel, problem, chosen, _, _), (plan, first_feasible) in zip(todo, plans, strict=True):
            results[(s, d)] = self._routes(s, sel, problem, chosen, plan, first_feasible)
            if sel.static_key is not None:
                self.static_routes[(s, d, sel.static_key)] = results[(s, d)]
        routes = {}
        for (s, d), sel in selections.items():
            routes[(s, d)], deferred, row = results[(s, d)]
            if row is not None:
                self.plan_rows.append((self.year, day, STREAMS[s], d, *row, sel.static_key is not None))
            self.deferred_rows.extend((self.year, day, STREAMS[s], d, int(b)) for b in deferred)
        return routes

    def _solve(
        self, sel: Selection, problem: RoutingProblem, chosen: np.ndarray, seconds: float | None, seed: int
    ) -> tuple[Plan, bool]:
        """Plan ``problem``, repairing an infeasible plan; the plan and whether the first was feasible.

        An infeasible plan (a required bin beyond the shift or the fleet) is never driven: the
        problem is solved again with every bin optional, each worth a shift plus its expected fill
        share of a shift, so the planner keeps as many bins as fit, fullest first; the must bins
        it leaves out are deferred (``waste_deferred``) and counted (``deferred_bins``).
        Thread-safe: it reads the bins' capacities and the settings only.
        """
        cfg = self.config
        plan = solve(problem, seconds=seconds, iterations=cfg.route_iterations, seed=seed)
        if plan.feasible:
            return plan, True
        shift = cfg.shift_h * HOUR_S
        demand = np.concatenate([sel.demand_g[: sel.must.size], np.zeros(sel.optional.size)])
        kept = np.isin(np.concatenate([sel.must, sel.optional]), chosen)
        fill = np.minimum(demand[kept] / self.bins.capacity_g[chosen], 1.0)
        prize = np.where(problem.required, np.rint(shift * (1.0 + fill)), problem.prize).astype(np.int64)
        repaired = dataclasses.replace(problem, required=np.zeros(problem.n_clients, bool), prize=prize)
        return solve(repaired, seconds=seconds, iterations=cfg.route_iterations, seed=seed), False

    def _routes(
        self,
        s: int,
        sel: Selection,
        problem: RoutingProblem,
        chosen: np.ndarray,
        plan: Plan,
        first_feasible: bool,
    ) -> tuple[list[list[tuple[str, int]]], np.ndarray, tuple]:
        """The trucks' stop lists of ``plan``, the must bins it leaves out, and its ``waste_plans`` row."""
        plants = self.plant_nodes[s]
        routes = []
        for route in plan.routes:
            routes.append(
                [
                    ("bin", int(chosen[i])) if kind == "client" else ("plant", int(plants[i - 1]))
                    for kind, i in route.stops[1:]
                ]
            )
        visited = chosen[[c for route in plan.routes for c in route.clients]]
        deferred = np.setdiff1d(sel.must, visited)
        row = (
            problem.n_clients, int(problem.required.sum()), problem.vehicles[0].count, len(plan.routes),
            first_feasible, plan.feasible, int(deferred.size), plan.cost,
        )
        return routes, deferred, row

    def problem(
        self, s: int, d: int, sel: Selection, n_trucks: int, link_time_s: np.ndarray
    ) -> tuple[RoutingProblem, np.ndarray]:
        """The routing problem of depot ``d``'s bins of stream ``s`` in ``sel``, and its bins.

        ``n_trucks`` trucks of the stream's payload and shift; travel times on ``link_time_s``
        (seconds per link). Returns the problem and the bin index of each of its clients (bins
        cut off by closed roads are left out).
        """
        cfg = self.config
        chosen = np.concatenate([sel.must, sel.optional]).astype(np.int64)
        required = np.concatenate([np.ones(sel.must.size, bool), np.zeros(sel.optional.size, bool)])
        prize = np.concatenate([np.zeros(sel.must.size), sel.prize])
        problem, kept = collection_problem(
            self.roads.network,
            link_time_s,
            int(self.depot_node[d]),
            self.plant_nodes[s],
            self.bins.node[chosen],
            sel.demand_g / 1000.0,
            cfg.service_s * self.bins.containers[chosen],
            prize,
            required,
            n_trucks,
            int(self.capacity_kg[s]),
            cfg.unload_min * 60.0,
            cfg.shift_h * HOUR_S,
            "duration" if cfg.route_objective == "time" else "distance",
        )
        return problem, chosen[kept]

    def _shift(self, model: TwinModel, truck: Truck, stops, shift_end: float):
        cfg = self.config
        bins = self.bins
        s = truck.stream

        def empty_bin(b: int, room_g: int) -> int:
            taken = int(min(bins.fill_g[b], max(room_g, 0)))
            bins.fill_g[b] -= taken
            bins.collected_g[b] += taken
            self.forecast.observe(np.array([b]), np.array([float(bins.fill_g[b])]))
            return taken

        def on_position(now: float, node: int) -> None:
            if cfg.record_positions:
                net = model.city.network
                self.position_rows.append(
                    (
                        self.year,
                        float(now),
                        truck.unique_id,
                        STREAMS[s],
                        float(net.node_x[node]),
                        float(net.node_y[node]),
                    )
                )

        yield from truck.work_shift(
            model.env,
            self.roads,
            stops,
            bins.node,
            empty_bin,
            lambda b: cfg.service_s * float(bins.containers[b]),
            cfg.unload_min * 60.0,
            shift_end,
            on_position,
        )

    # -- results -------------------------------------------------------------------------------
    def daily_frame(self) -> pd.DataFrame:
        """All ``waste_daily`` rows so far."""
        return pd.DataFrame(self.daily_rows, columns=DAILY_COLUMNS)

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        cfg = self.config
        days = pd.DataFrame(self.daily_rows[self.first_row :], columns=DAILY_COLUMNS)
        days = days[days.day >= model.warmup_days]  # the scenario's warm-up days are not recorded
        if days.empty:
            return []
        by = (
            days.groupby("stream", sort=False)
            .agg(
                generated=("generated_g", "sum"),
                collected=("collected_g", "sum"),
                overflow=("overflow_g", "sum"),
                wrong=("placed_wrong_g", "sum"),
                spilled=("overflow_bins", "sum"),
                deferred=("deferred_bins", "sum"),
                missed=("missed_bins", "sum"),
                infeasible=("infeasible_plans", "sum"),
                km=("km", "sum"),
                hours=("truck_hours", "sum"),
            )
            .reindex(list(STREAMS))
        )
        by["in_bins"] = days.groupby("stream")["in_bins_end_g"].last().reindex(list(STREAMS))
        out: list[Indicator] = []
        d = self.domain

        def add_set(suffix: str, row, directed: bool) -> None:
            tonnes = row["collected"] / 1e6
            co2 = row["km"] * cfg.co2_kg_per_km / tonnes if tonnes > 0 else 0.0
            cost = (
                (row["km"] * cfg.cost_per_km + row["hours"] * cfg.cost_per_hour) / tonnes
                if tonnes > 0
                else 0.0
            )
            litter = 100.0 * row["overflow"] / row["generated"] if row["generated"] > 0 else 0.0
            contamination = 100.0 * row["wrong"] / row["generated"] if row["generated"] > 0 else 0.0

            def ind(name, value, unit, better, bounds, text):
                if directed:
                    out.append(Indicator(d, f"{name}{suffix}", float(value), unit, better, bounds, text))
                else:
                    out.append(Indicator(d, f"{name}{suffix}", float(value), unit, description=text))

            ind("generated_kg", row["generated"] / 1000.0, "kg", "", None, "waste put into bins")
            ind("collected_kg", row["collected"] / 1000.0, "kg", "", None, "waste picked up by trucks")
            ind(
                "left_in_bins_kg",
                row["in_bins"] / 1000.0,
                "kg",
                "",
                None,
                "waste in bins at the period's end",
            )
            ind("overflow_kg", row["overflow"] / 1000.0, "kg", "", None, "waste spilled beside full bins")
            ind("litter_share", litter, "%", "lower", (5.0, 0.0), "overflowed share of generated waste")
            ind("overflow_bin_days", row["spilled"], "bin-days", "", None, "days on which a bin overflowed")
            ind("deferred_bin_visits", row["deferred"], "bin visits", "", None,
                "must bins left out of infeasible plans (repaired, not driven)")
            ind("missed_bin_visits", row["missed"], "bin visits", "", None,
                "planned bins not reached: shift over or road closed")
            ind("infeasible_plans", row["infeasible"], "plans", "", None,
                "routing problems whose fleet and shift could not serve every must bin")
            ind("truck_km", row["km"], "km", "", None, "distance driven by the trucks")
            ind("truck_hours", row["hours"], "h", "", None, "truck time out of the depot")
            ind("co2_per_tonne", co2, "kg/t", "lower", (30.0, 2.0), "truck CO2 per tonne collected")
            ind("cost_per_tonne", cost, "CNY/t", "lower", (300.0, 50.0), "truck cost per tonne collected")
            if not directed:
                ind(
                    "contamination",
                    contamination,
                    "%",
                    "",
                    None,
                    "share of the waste in a stream's bins that belongs to another stream",
                )

        for stream in STREAMS:
            add_set(f"_{stream}", by.loc[stream], directed=False)
        add_set("", by.sum(), directed=True)
        sorted_rows = by.drop(index="residual").sum()
        out.append(
            Indicator(
                d,
                "contamination",
                100.0 * sorted_rows["wrong"] / max(sorted_rows["generated"], 1),
                "%",
                "lower",
                (30.0, 0.0),
                "share of foreign material in the sorted streams' bins",
            )
        )
        clean = sum(
            by.loc[s, "collected"] * (1 - by.loc[s, "wrong"] / max(by.loc[s, "generated"], 1))
            for s in RECYCLED_STREAMS
        )
        out.append(
            Indicator(
                d,
                "recycling_rate",
                100.0 * clean / max(by["collected"].sum(), 1),
                "%",
                "higher",
                (10.0, 60.0),
                "clean kitchen and recyclable waste, share of all waste collected",
            )
        )
        return _headlines_first(out)

    def timeseries(self) -> dict[str, pd.DataFrame]:
        positions = pd.DataFrame(self.position_rows, columns=["year", "time_s", "truck", "stream", "x", "y"])
        return {
            "waste_daily": self.daily_frame(),
            "truck_positions": positions,
            "waste_plans": pd.DataFrame(self.plan_rows, columns=PLAN_COLUMNS),
            "waste_deferred": pd.DataFrame(self.deferred_rows, columns=DEFERRED_COLUMNS),
        }

    def snapshot(self) -> dict[str, pd.DataFrame]:
        bins = self.bins
        frame = pd.DataFrame(
            {
                "bin": np.arange(len(bins), dtype=np.int64),
                "x": bins.x,
                "y": bins.y,
                "stream": np.asarray(STREAMS)[bins.stream],
                "capacity_l": bins.capacity_l,
                "fill_l": bins.fill_l(),
                "overflow_kg": bins.overflow_g / 1000.0,
                "containers": bins.containers,
                "has_sensor": bins.has_sensor,
            }
        )
        return {"bins": frame}


HEADLINES = ("litter_share", "recycling_rate", "collected_kg", "truck_km", "cost_per_tonne", "contamination")
"""City-wide indicators reported first (the run summary shows the first few of each domain)."""


def _headlines_first(rows: list[Indicator]) -> list[Indicator]:
    rank = {name: k for k, name in enumerate(HEADLINES)}
    return sorted(rows, key=lambda i: rank.get(i.name, len(rank)))  # stable: the rest keep their order

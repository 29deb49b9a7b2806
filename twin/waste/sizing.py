"""Fleet sizing: the trucks each stream needs at each depot so that collection keeps up with generation.

For the chosen collection frequency (``collect_every_days``) the module's fixed schedule empties
one sector of each depot's territory a day; :func:`size_fleet` builds every sector's routing
problem exactly as the module does (:meth:`~twin.waste.module.WasteModule.problem`) and finds the
fewest trucks with a feasible plan. A depot needs as many trucks as its busiest sector; the
proposal is ``depot_trucks`` (the count at each depot, which the module then uses as given).
``twin waste size SCENARIO`` prints it and what it assumed.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from twin.city import City
from twin.config import frozen_mapping
from twin.engine import TwinModel
from twin.waste.config import WasteConfig
from twin.waste.module import HOUR_S, WasteModule, check_depot_trucks
from twin.waste.planner import solve
from twin.waste.streams import STREAMS


@dataclasses.dataclass(frozen=True)
class DepotNeed:
    """One stream at one depot: its bins, its daily waste (t) and the trucks its busiest sector needs.

    ``longest_h`` is the longest planned route of any sector with the trucks found (hours, within
    the shift less the slack); ``feasible`` is False when even one truck per bin could not serve a
    sector (a bin farther than a shift).
    """

    stream: str
    depot: int
    bins: int
    tonnes_day: float
    every_days: int
    needed: int
    longest_h: float
    feasible: bool


@dataclasses.dataclass(frozen=True)
class Sizing:
    """What :func:`size_fleet` proposes: trucks per depot for each stream, the rows, its assumptions."""

    depot_trucks: dict[str, tuple[int, ...]]
    rows: tuple[DepotNeed, ...]
    assumptions: tuple[str, ...]


def planning_module(city: City, cfg: WasteConfig, seed: int = 0, start_year: int = 2025) -> WasteModule:
    """A fixed-schedule waste module set up for ``start_year``: its bins, territories, sectors, trucks.

    What the sizing and the plan-quality benchmark build their routing problems from.
    """
    module = WasteModule(dataclasses.replace(cfg, policy="fixed", record_positions=False))
    model = TwinModel(city, [module], seed=seed, start_year=start_year)
    model.setup()
    module.start_year(model, start_year)
    return module


def _module(city: City, cfg: WasteConfig, counts: list[int], seed: int, start_year: int) -> WasteModule:
    """:func:`planning_module` with ``counts`` trucks at each depot for every stream."""
    config = dataclasses.replace(cfg, depot_trucks=frozen_mapping(dict.fromkeys(STREAMS, tuple(counts))))
    return planning_module(city, config, seed, start_year)


def _fewest(problem, shift_s: float, slack: float, iterations: int, seed: int):
    """Fewest trucks with a feasible plan for ``problem`` within ``(1 - slack)`` of the shift.

    Starts from a bound that leaves out driving (service and unloading time over the usable
    shift, and the loads over the payload), gallops up by a quarter until a plan is feasible,
    then bisects. Returns (trucks, plan); trucks is None when even one truck per bin fails.
    """
    vehicle = problem.vehicles[0]
    usable = max(int(vehicle.shift_s - slack * shift_s), 0)
    loads = float(problem.pickup.sum()) / vehicle.capacity
    work = float(problem.service_s.sum()) + math.ceil(loads) * float(problem.depot_service_s[1:].min())
    most = problem.n_clients

    def attempt(count: int):
        sized = dataclasses.replace(
            problem, vehicles=(dataclasses.replace(vehicle, count=count, shift_s=usable),)
        )
        return solve(sized, iterations=iterations, seed=seed)

    low = max(1, math.ceil(work / max(usable, 1)))
    low = min(low, most)
    plan = attempt(low)
    if plan.feasible:
        return low, plan
    high = low
    while True:  # gallop: low is infeasible
        high = min(max(high + 1, math.ceil(1.25 * high)), most)
        plan = attempt(high)
        if plan.feasible:
            break
        if high == most:
            return None, plan
        low = high
    best = plan
    while high - low > 1:  # low infeasible, high feasible
        mid = (low + high) // 2
        plan = attempt(mid)
        if plan.feasible:
            high, best = mid, plan
        else:
            low = mid
    return high, best


def _needs(module: WasteModule, s: int, slack: float, iterations: int, seed: int) -> list[DepotNeed]:
    """Trucks each used depot of stream ``s`` needs for its busiest sector."""
    cfg = module.config
    shift_s = cfg.shift_h * HOUR_S
    k = int(module.every_days[s])
    free_flow = module.roads.network.free_flow_time_s
    rows = []
    for stream, d in sorted(module.trucks):
        if stream != s:
            continue
        candidates = np.flatnonzero((module.bins.stream == s) & (module.territory == d))
        needed, longest, feasible = 0, 0.0, True
        for sector in range(k):
            sel = module.policy.select(sector, s, candidates, module.forecast.level_g)
            if sel.must.size == 0:
                continue
            problem, _ = module.problem(s, d, sel, 1, free_flow)
            count, plan = _fewest(problem, shift_s, slack, iterations, seed)
            feasible &= count is not None
            needed = max(needed, problem.n_clients if count is None else count)
            longest = max(longest, max((r.duration for r in plan.routes), default=0) / HOUR_S)
        tonnes = float(module.bins.expected_day_g[candidates].sum() / 1e6)
        rows.append(
            DepotNeed(STREAMS[s], d, int(candidates.size), tonnes, k, needed, round(longest, 2), feasible)
        )
    return rows


def size_fleet(
    city: City,
    cfg: WasteConfig,
    *,
    seed: int = 0,
    start_year: int = 2025,
    slack: float = 0.15,
    iterations: int | None = None,
) -> Sizing:
    """Trucks per stream and depot for ``cfg``'s collection frequency, shift and trucks (see module doc).

    ``slack`` is the share of the shift left free on a mean day (for busy weekdays, noise and
    congestion); ``iterations`` the planner's budget per problem (default ``cfg.route_iterations``).
    """
    iterations = cfg.route_iterations if iterations is None else iterations
    n_depots = len(city.facilities.of_kind("waste_depot"))
    check_depot_trucks(cfg, n_depots, city.name)  # the scenario's own fleet must make sense too
    full = _module(city, cfg, [1] * max(n_depots, 1), seed, start_year)
    depot_trucks: dict[str, tuple[int, ...]] = {}
    rows: list[DepotNeed] = []
    fewer: dict[int, WasteModule] = {}
    for s, stream in enumerate(STREAMS):
        need = _needs(full, s, slack, iterations, seed)
        if sum(r.needed for r in need) <= n_depots:
            for m in range(1, n_depots):  # fewer trucks than depots: the first m depots share the bins
                fewer.setdefault(m, _module(city, cfg, [1] * m + [0] * (n_depots - m), seed, start_year))
                attempt = _needs(fewer[m], s, slack, iterations, seed)
                if all(r.needed <= 1 and r.feasible for r in attempt):
                    need = attempt
                    break
        counts = [0] * n_depots
        for r in need:
            counts[r.depot] = r.needed
        depot_trucks[stream] = tuple(counts)
        rows.extend(need)
    factors = cfg.weekday_factors
    assumptions = (
        "fixed schedule: each stream's bins are emptied every collect_every_days days, one sector of "
        "each depot's territory a day (as the module does); a depot needs the trucks of its busiest sector",
        "load at a bin: a mean day's expected waste (the city's residents and jobs in the start year) "
        f"times the interval and the busiest weekday's factor ({max(cfg.weekday_factors):g}), at most "
        "the bin's capacity (the module plans its static routes the same way)",
        f"routes on free-flow times, planned by PyVRP with {iterations} iterations, each truck using at "
        f"most {100 * (1 - slack):.0f} % of its {cfg.shift_h:g} h shift (slack {slack:g}) so that busy "
        f"days (weekday factors up to {max(factors):g}, noise cv {cfg.noise_cv:g}) and congestion fit",
        "one shift a day; payload truck_capacity_kg, service_s per container, unload_min at the plant",
        "a depot's need is the fewest trucks with a feasible plan (a bound without driving, then a search "
        "up and a bisection); a stream whose depots need one truck or none in all is tried on fewer depots",
    )
    return Sizing(depot_trucks, tuple(rows), assumptions)
